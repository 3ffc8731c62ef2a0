//! A seeded workload generator and the naive computations the crate's
//! answers are checked against (plain loops over the unique records, no
//! crate code).

use std::collections::{BTreeMap, BTreeSet};

use triggers_analytics::{DeadLetterReason, FailureKind, Outcome, Record};

/// A day boundary (2023-11-14T00:00:00Z), Unix µs.
pub const T0: i64 = 1_699_920_000_000_000;
pub const MINUTE: i64 = 60_000_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn id(&mut self) -> u128 {
        u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Skewed towards small indices: `⌊n·u²⌋`.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64) * u * u) as usize
    }
    /// Log-uniform in [lo, hi).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> u64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp() as u64
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// Shape of a generated workload.
#[derive(Debug, Clone)]
pub struct Shape {
    pub accounts: Vec<String>,
    /// Events are received in `[T0, T0 + minutes)`.
    pub minutes: i64,
    pub events: usize,
    pub sources: usize,
    pub event_types: usize,
    pub webhooks_per_account: usize,
}

impl Shape {
    pub fn small(accounts: &[&str]) -> Self {
        Shape {
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            minutes: 10,
            events: 300,
            sources: 5,
            event_types: 8,
            webhooks_per_account: 3,
        }
    }
}

const API_STATUSES: [u16; 13] = [
    200, 201, 202, 204, 400, 401, 404, 409, 422, 429, 500, 502, 503,
];

/// Unique records (each identity once): events, the API requests around
/// them, and the deliveries of most events with retries, dead letters and
/// replays.
pub fn generate(seed: u64, shape: &Shape) -> Vec<Record> {
    let mut rng = Rng(seed);
    let sources: Vec<String> = (0..shape.sources).map(|i| format!("src-{i}")).collect();
    let types: Vec<String> = (0..shape.event_types)
        .map(|i| format!("type.{i}"))
        .collect();
    let webhooks: Vec<Vec<u128>> = shape
        .accounts
        .iter()
        .map(|_| (0..shape.webhooks_per_account).map(|_| rng.id()).collect())
        .collect();
    let mut out = Vec::new();
    for _ in 0..shape.events {
        let a = rng.below(shape.accounts.len() as u64) as usize;
        let account = shape.accounts[a].clone();
        let received_at = T0 + rng.below((shape.minutes * MINUTE) as u64) as i64;
        let ingest_latency_us = if rng.chance(0.05) {
            None
        } else if rng.chance(0.02) {
            Some(0)
        } else {
            Some(rng.log_uniform(50.0, 500_000.0))
        };
        out.push(Record::EventIngested {
            account: account.clone(),
            event_id: rng.id(),
            source: sources[rng.skewed(sources.len())].clone(),
            event_type: types[rng.skewed(types.len())].clone(),
            received_at,
            ingest_latency_us,
        });
        // The POST, and now and then other requests.
        for _ in 0..(1 + usize::from(rng.chance(0.3))) {
            let status = if rng.chance(0.8) {
                202
            } else {
                API_STATUSES[rng.below(API_STATUSES.len() as u64) as usize]
            };
            out.push(Record::ApiRequest {
                account: account.clone(),
                request_id: rng.id(),
                status,
                at: received_at - rng.below(1_000) as i64,
            });
        }
        if !rng.chance(0.8) {
            continue;
        }
        let webhook_id = webhooks[a][rng.below(webhooks[a].len() as u64) as usize];
        let delivery_id = rng.id();
        if rng.chance(0.02) {
            out.push(Record::DeadLettered {
                account: account.clone(),
                delivery_id,
                webhook_id,
                attempts: 0,
                reason: DeadLetterReason::WebhookInactive,
                at: received_at + 1_000,
            });
            continue;
        }
        let mut at = received_at + rng.below(200_000) as i64;
        let mut attempt = 1;
        let mut may_replay = true;
        loop {
            let dur = rng.log_uniform(1_000.0, 2_000_000.0) as i64;
            let outcome = if rng.chance(0.6) {
                Outcome::Status(200 + rng.below(5) as u16)
            } else {
                match rng.below(12) {
                    0 => Outcome::Status(410),
                    1 => Outcome::Failed(FailureKind::Blocked),
                    2 => Outcome::Failed(FailureKind::Timeout),
                    3 => Outcome::Failed(FailureKind::Connect),
                    4 => Outcome::Failed(FailureKind::Dns),
                    5 => Outcome::Failed(FailureKind::Tls),
                    6 => Outcome::Failed(FailureKind::Protocol),
                    7 => Outcome::Status(302),
                    8 => Outcome::Status(101),
                    9 => Outcome::Status(404),
                    10 => Outcome::Status(777),
                    _ => Outcome::Status(503),
                }
            };
            let success = matches!(outcome, Outcome::Status(200..=299));
            out.push(Record::DeliveryAttempt {
                account: account.clone(),
                delivery_id,
                attempt,
                webhook_id,
                outcome,
                at,
                ingest_to_delivery_us: success.then(|| (at + dur - received_at) as u64),
            });
            if success {
                break;
            }
            let reason = match outcome {
                Outcome::Status(410) => Some(DeadLetterReason::Gone),
                Outcome::Failed(FailureKind::Blocked) => Some(DeadLetterReason::Blocked),
                _ if attempt % 4 == 0 => Some(DeadLetterReason::RetriesExhausted),
                _ => None,
            };
            at += dur + (1i64 << attempt.min(20)) * 1_000_000;
            if let Some(reason) = reason {
                out.push(Record::DeadLettered {
                    account: account.clone(),
                    delivery_id,
                    webhook_id,
                    attempts: attempt,
                    reason,
                    at,
                });
                // A manual replay continues the numbering; it may die again.
                if reason == DeadLetterReason::RetriesExhausted && may_replay && rng.chance(0.5) {
                    may_replay = false;
                    at += 5 * MINUTE;
                    attempt += 1;
                    continue;
                }
                break;
            }
            attempt += 1;
        }
    }
    out
}

/// `records` plus redelivered copies of about `dup_share` of them, shuffled.
pub fn redeliver(seed: u64, records: &[Record], dup_share: f64) -> Vec<Record> {
    let mut rng = Rng(seed ^ 0xdead_beef);
    let mut out = records.to_vec();
    for r in records {
        if rng.chance(dup_share) {
            for _ in 0..=rng.below(2) {
                out.push(r.clone());
            }
        }
    }
    rng.shuffle(&mut out);
    out
}

/// The exact sample of rank ⌊q·(n−1)⌋.
pub fn exact_quantile(sorted: &[u64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * (sorted.len() as f64 - 1.0)) as usize;
    Some(sorted[rank] as f64)
}

/// Asserts `est` is within the sketch's relative accuracy of `exact`.
pub fn assert_within(what: &str, est: Option<f64>, exact: Option<f64>) {
    match (est, exact) {
        (None, None) => {}
        (Some(e), Some(x)) => {
            let tol = triggers_analytics::RELATIVE_ACCURACY * x * (1.0 + 1e-9);
            assert!(
                (e - x).abs() <= tol,
                "{what}: estimate {e} is not within 1% of {x}"
            );
        }
        _ => panic!("{what}: {est:?} vs {exact:?}"),
    }
}

/// Naive aggregates of the records of one account in `[from, to)`.
#[derive(Debug, Default)]
pub struct Naive {
    pub events: u64,
    pub ingest: Vec<u64>,
    pub by_source: BTreeMap<String, u64>,
    pub by_type: BTreeMap<String, u64>,
    pub by_pair: BTreeMap<(String, String), u64>,
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub attempts: u64,
    pub retries: u64,
    pub succeeded: u64,
    pub by_outcome: BTreeMap<&'static str, u64>,
    pub dead: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub by_webhook: BTreeMap<u128, (u64, u64, u64, u64)>,
    pub i2d: Vec<u64>,
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Status(s) if (100..200).contains(&s) => "1xx",
        Outcome::Status(s) if (200..300).contains(&s) => "2xx",
        Outcome::Status(s) if (300..400).contains(&s) => "3xx",
        Outcome::Status(s) if (400..500).contains(&s) => "4xx",
        Outcome::Status(s) if (500..600).contains(&s) => "5xx",
        Outcome::Status(_) => "other_status",
        Outcome::Failed(FailureKind::Timeout) => "timeout",
        Outcome::Failed(FailureKind::Dns) => "dns",
        Outcome::Failed(FailureKind::Connect) => "connect",
        Outcome::Failed(FailureKind::Tls) => "tls",
        Outcome::Failed(FailureKind::Protocol) => "protocol",
        Outcome::Failed(FailureKind::Blocked) => "blocked",
    }
}

fn reason_name(r: DeadLetterReason) -> &'static str {
    match r {
        DeadLetterReason::RetriesExhausted => "retries_exhausted",
        DeadLetterReason::Gone => "gone",
        DeadLetterReason::Blocked => "blocked",
        DeadLetterReason::WebhookInactive => "webhook_inactive",
    }
}

impl Naive {
    pub fn of(records: &[Record], account: &str, from: i64, to: i64) -> Naive {
        let mut n = Naive::default();
        for r in records {
            match r {
                Record::EventIngested {
                    account: a,
                    source,
                    event_type,
                    received_at,
                    ingest_latency_us,
                    ..
                } if a == account && (from..to).contains(received_at) => {
                    n.events += 1;
                    n.ingest.extend(ingest_latency_us);
                    *n.by_source.entry(source.clone()).or_default() += 1;
                    *n.by_type.entry(event_type.clone()).or_default() += 1;
                    *n.by_pair
                        .entry((source.clone(), event_type.clone()))
                        .or_default() += 1;
                }
                Record::ApiRequest {
                    account: a,
                    status,
                    at,
                    ..
                } if a == account && (from..to).contains(at) => {
                    n.requests += 1;
                    *n.by_status.entry(*status).or_default() += 1;
                }
                Record::DeliveryAttempt {
                    account: a,
                    attempt,
                    webhook_id,
                    outcome,
                    at,
                    ingest_to_delivery_us,
                    ..
                } if a == account && (from..to).contains(at) => {
                    let ok = matches!(outcome, Outcome::Status(200..=299));
                    n.attempts += 1;
                    n.retries += u64::from(*attempt > 1);
                    n.succeeded += u64::from(ok);
                    *n.by_outcome.entry(outcome_name(*outcome)).or_default() += 1;
                    let w = n.by_webhook.entry(*webhook_id).or_default();
                    w.0 += 1;
                    w.1 += u64::from(ok);
                    w.2 += u64::from(*attempt > 1);
                    n.i2d.extend(ingest_to_delivery_us);
                }
                Record::DeadLettered {
                    account: a,
                    webhook_id,
                    reason,
                    at,
                    ..
                } if a == account && (from..to).contains(at) => {
                    n.dead += 1;
                    *n.by_reason.entry(reason_name(*reason)).or_default() += 1;
                    n.by_webhook.entry(*webhook_id).or_default().3 += 1;
                }
                _ => {}
            }
        }
        n.ingest.sort_unstable();
        n.i2d.sort_unstable();
        n
    }

    pub fn class(&self, lo: u16) -> u64 {
        self.by_status.range(lo..lo + 100).map(|(_, c)| c).sum()
    }
}

/// The distinct accounts of `records`.
pub fn accounts(records: &[Record]) -> BTreeSet<String> {
    records.iter().map(|r| r.account().to_owned()).collect()
}
