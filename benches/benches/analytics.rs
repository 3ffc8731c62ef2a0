//! triggers-analytics: fold throughput (records/s on one thread, dedup
//! included) and the summary query over 30 days of minute buckets for one
//! account.
//!
//! ```sh
//! CARGO_TARGET_DIR=$HOME/.cache/triggers/target cargo bench -p triggers-benches --bench analytics
//! ```
//!
//! Targets (the analytics issue): fold ≥ 1,000,000 records/s per core;
//! the summary endpoint under 50 ms p99 over 30 days of minute buckets (this
//! bench measures the pure part).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_main};
use triggers_analytics::{
    Aggregates, BreakdownQuery, Bucket, DeadLetterReason, Dimension, FailureKind, Filter,
    Granularity, Metric, Outcome, Record, TimeRange, TimeseriesQuery, breakdown, fold, rollup,
    summary, timeseries,
};

/// 2023-11-14T00:00:00Z, Unix µs.
const T0: i64 = 1_699_920_000_000_000;
const MINUTE: i64 = 60_000_000;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn id(&mut self) -> u128 {
        u128::from(self.next()) << 64 | u128::from(self.next())
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn latency(&mut self, lo: f64, hi: f64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (lo.ln() + u * (hi.ln() - lo.ln())).exp() as u64
    }
}

struct Names {
    accounts: Vec<String>,
    sources: Vec<String>,
    types: Vec<String>,
    webhooks: Vec<u128>,
}

fn names(rng: &mut Rng, accounts: usize) -> Names {
    Names {
        accounts: (0..accounts).map(|i| format!("acct_{i:04}")).collect(),
        sources: (0..20).map(|i| format!("source-{i}")).collect(),
        types: (0..30).map(|i| format!("order.event_{i}")).collect(),
        webhooks: (0..5).map(|_| rng.id()).collect(),
    }
}

/// The records of one ingested event: the event, its POST, and its
/// delivery (a retry for one in ten, a dead letter for one in fifty).
fn event_records(rng: &mut Rng, n: &Names, account: &str, at: i64, out: &mut Vec<Record>) {
    out.push(Record::EventIngested {
        account: account.to_owned(),
        event_id: rng.id(),
        source: n.sources[rng.below(n.sources.len() as u64) as usize].clone(),
        event_type: n.types[rng.below(n.types.len() as u64) as usize].clone(),
        received_at: at,
        ingest_latency_us: Some(rng.latency(300.0, 80_000.0)),
    });
    out.push(Record::ApiRequest {
        account: account.to_owned(),
        request_id: rng.id(),
        status: if rng.below(50) == 0 { 429 } else { 202 },
        at: at - 500,
    });
    let delivery_id = rng.id();
    let webhook_id = n.webhooks[rng.below(n.webhooks.len() as u64) as usize];
    let mut t = at + 20_000;
    let retry = rng.below(10) == 0;
    if retry {
        out.push(Record::DeliveryAttempt {
            account: account.to_owned(),
            delivery_id,
            attempt: 1,
            webhook_id,
            outcome: Outcome::Failed(FailureKind::Timeout),
            at: t,
            ingest_to_delivery_us: None,
        });
        t += 1_000_000;
    }
    if rng.below(50) == 0 {
        out.push(Record::DeadLettered {
            account: account.to_owned(),
            delivery_id,
            webhook_id,
            attempts: u32::from(retry),
            reason: DeadLetterReason::RetriesExhausted,
            at: t,
        });
        return;
    }
    let took = rng.latency(2_000.0, 2_000_000.0) as i64;
    out.push(Record::DeliveryAttempt {
        account: account.to_owned(),
        delivery_id,
        attempt: 1 + u32::from(retry),
        webhook_id,
        outcome: Outcome::Status(200),
        at: t,
        ingest_to_delivery_us: Some((t + took - at) as u64),
    });
}

/// About `len` records of 10 accounts over 10 minutes, with 20% of them
/// redelivered a few hundred records later (as a stream retry would).
fn stream(len: usize) -> Vec<Record> {
    let mut rng = Rng(7);
    let n = names(&mut rng, 10);
    let mut unique = Vec::with_capacity(len);
    let mut i = 0i64;
    while unique.len() < len * 5 / 6 {
        let account = n.accounts[rng.below(n.accounts.len() as u64) as usize].clone();
        let at = T0 + i * (10 * MINUTE) / (len as i64 / 3) + rng.below(1_000_000) as i64;
        event_records(&mut rng, &n, &account, at, &mut unique);
        i += 1;
    }
    let mut out = Vec::with_capacity(len);
    for (k, r) in unique.iter().enumerate() {
        out.push(r.clone());
        if rng.below(5) == 0 && k >= 300 {
            out.push(unique[k - 300].clone());
        }
    }
    out
}

fn bench_fold(c: &mut Criterion) {
    let records = stream(100_000);
    let mut g = c.benchmark_group("analytics");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("fold_100k_records_minute_buckets", |b| {
        b.iter_batched(
            || Aggregates::new(Granularity::Minute),
            |state| {
                let (state, report) = fold(state, black_box(&records));
                black_box(report.counted);
                state
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// 30 days of sealed minute buckets of one account, ~30 events a minute.
fn month_of_minutes() -> Vec<Bucket> {
    let mut rng = Rng(11);
    let n = names(&mut rng, 1);
    let account = n.accounts[0].clone();
    let mut out = Vec::with_capacity(43_200);
    let mut records = Vec::with_capacity(256);
    for m in 0..43_200i64 {
        records.clear();
        for e in 0..30 {
            event_records(
                &mut rng,
                &n,
                &account,
                T0 + m * MINUTE + (e + 1) * 1_000_000,
                &mut records,
            );
        }
        // Keep each record in its own minute (late attempts included).
        records.retain(|r| (T0 + m * MINUTE..T0 + (m + 1) * MINUTE).contains(&r.at()));
        let mut state = Aggregates::new(Granularity::Minute);
        for r in &records {
            let _ = state.apply(r);
        }
        state.seal_before(i64::MAX);
        out.extend(state.into_buckets());
    }
    out
}

fn bench_queries(c: &mut Criterion) {
    let buckets = month_of_minutes();
    assert_eq!(buckets.len(), 43_200);
    let account = buckets[0].account().to_owned();
    let range = TimeRange::new(T0, T0 + 30 * 24 * 60 * MINUTE).expect("range");
    let mut g = c.benchmark_group("analytics");
    g.bench_function("summary_30d_of_minute_buckets", |b| {
        b.iter(|| summary(black_box(&account), range, buckets.iter()).expect("summary"))
    });
    // What the API reads instead (`store::covering`): the day rollups.
    let hours = rollup(buckets.iter(), Granularity::Hour).expect("hours");
    let days = rollup(hours.iter(), Granularity::Day).expect("days");
    assert_eq!(days.len(), 30);
    g.bench_function("summary_30d_of_day_rollups", |b| {
        b.iter(|| summary(black_box(&account), range, days.iter()).expect("summary"))
    });
    let hourly = TimeseriesQuery {
        metric: Metric::IngestLatencyP99,
        granularity: Granularity::Hour,
        range,
        filter: Filter::none(),
    };
    g.bench_function("timeseries_p99_hourly_30d_of_minute_buckets", |b| {
        b.iter(|| timeseries(&account, black_box(&hourly), buckets.iter()).expect("ts"))
    });
    let by_source = BreakdownQuery {
        dimension: Dimension::Source,
        range,
        top_n: 10,
        filter: Filter::none(),
    };
    g.bench_function("breakdown_source_30d_of_minute_buckets", |b| {
        b.iter(|| breakdown(&account, black_box(&by_source), buckets.iter()).expect("bd"))
    });
    // What a store read costs per bucket: one sealed minute from JSON.
    let blob = serde_json::to_string(&buckets[100]).expect("json");
    g.throughput(Throughput::Bytes(blob.len() as u64));
    g.bench_function("decode_sealed_minute_bucket_json", |b| {
        b.iter(|| serde_json::from_str::<Bucket>(black_box(&blob)).expect("bucket"))
    });
    g.finish();
}

/// `criterion_group!` generates an undocumented `pub fn`: keep it private.
mod group {
    use criterion::{Criterion, criterion_group};

    use super::{bench_fold, bench_queries};

    criterion_group! {
        name = benches;
        config = Criterion::default().sample_size(20);
        targets = bench_fold, bench_queries
    }
}
criterion_main!(group::benches);
