//! [`Bucket`]: everything counted for one account in one time interval,
//! and [`Bucket::apply`], the pure function both hosts fold records with.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::capped::{Capped, Lookup, PAIR_SEP, Pair, Tally};
use crate::dedup::Seen;
use crate::error::{ApplyError, MergeError};
use crate::record::{DeadLetterReason, FailureKind, Outcome, Record, valid_name};
use crate::sketch::LatencySketch;
use crate::time::{BucketKey, Granularity, MAX_TIME};

/// Most sources kept per bucket (the rest in `other`; see [`Capped`]).
pub const MAX_SOURCES: u32 = 64;
/// Most event types kept per bucket.
pub const MAX_EVENT_TYPES: u32 = 128;
/// Most (source, event type) pairs kept per bucket.
pub const MAX_SOURCE_TYPE_PAIRS: u32 = 256;
/// Most webhooks kept per bucket.
pub const MAX_WEBHOOKS: u32 = 64;

/// The version of the serialized form of a [`Bucket`]; a blob of another
/// version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// What [`Bucket::apply`] did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applied {
    /// Counted now.
    Counted,
    /// Counted before (a redelivery): nothing changed.
    Duplicate,
    /// The bucket is sealed (its dedup set was dropped): the record cannot
    /// be told apart from a redelivery, so it is not counted. A host logs
    /// these; they mean the sealing horizon is too short.
    Sealed,
}

/// A class of an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StatusClass {
    /// 1xx.
    #[serde(rename = "1xx")]
    Informational,
    /// 2xx.
    #[serde(rename = "2xx")]
    Success,
    /// 3xx.
    #[serde(rename = "3xx")]
    Redirection,
    /// 4xx.
    #[serde(rename = "4xx")]
    ClientError,
    /// 5xx.
    #[serde(rename = "5xx")]
    ServerError,
}

impl StatusClass {
    /// Every class, in order.
    pub const ALL: [StatusClass; 5] = [
        StatusClass::Informational,
        StatusClass::Success,
        StatusClass::Redirection,
        StatusClass::ClientError,
        StatusClass::ServerError,
    ];

    /// The class of an API status (100..=599); `None` outside.
    pub fn of(status: u16) -> Option<Self> {
        Some(match status {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            500..=599 => StatusClass::ServerError,
            _ => return None,
        })
    }

    /// `1xx` … `5xx`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Informational => "1xx",
            StatusClass::Success => "2xx",
            StatusClass::Redirection => "3xx",
            StatusClass::ClientError => "4xx",
            StatusClass::ServerError => "5xx",
        }
    }
}

/// A class of delivery attempt outcome: the status class of the receiver's
/// answer, or why there was none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OutcomeClass {
    /// 1xx.
    #[serde(rename = "1xx")]
    Informational,
    /// 2xx: delivered.
    #[serde(rename = "2xx")]
    Success,
    /// 3xx (never followed).
    #[serde(rename = "3xx")]
    Redirection,
    /// 4xx.
    #[serde(rename = "4xx")]
    ClientError,
    /// 5xx.
    #[serde(rename = "5xx")]
    ServerError,
    /// 600..=999.
    #[serde(rename = "other_status")]
    OtherStatus,
    /// No response in time.
    #[serde(rename = "timeout")]
    Timeout,
    /// DNS failure.
    #[serde(rename = "dns")]
    Dns,
    /// Connection failure.
    #[serde(rename = "connect")]
    Connect,
    /// TLS failure.
    #[serde(rename = "tls")]
    Tls,
    /// Broken HTTP.
    #[serde(rename = "protocol")]
    Protocol,
    /// Refused by the URL policy.
    #[serde(rename = "blocked")]
    Blocked,
}

impl OutcomeClass {
    /// Every class, in order.
    pub const ALL: [OutcomeClass; 12] = [
        OutcomeClass::Informational,
        OutcomeClass::Success,
        OutcomeClass::Redirection,
        OutcomeClass::ClientError,
        OutcomeClass::ServerError,
        OutcomeClass::OtherStatus,
        OutcomeClass::Timeout,
        OutcomeClass::Dns,
        OutcomeClass::Connect,
        OutcomeClass::Tls,
        OutcomeClass::Protocol,
        OutcomeClass::Blocked,
    ];

    /// The class of an outcome.
    pub fn of(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Status(s) => match s {
                100..=199 => OutcomeClass::Informational,
                200..=299 => OutcomeClass::Success,
                300..=399 => OutcomeClass::Redirection,
                400..=499 => OutcomeClass::ClientError,
                500..=599 => OutcomeClass::ServerError,
                _ => OutcomeClass::OtherStatus,
            },
            Outcome::Failed(k) => match k {
                FailureKind::Timeout => OutcomeClass::Timeout,
                FailureKind::Dns => OutcomeClass::Dns,
                FailureKind::Connect => OutcomeClass::Connect,
                FailureKind::Tls => OutcomeClass::Tls,
                FailureKind::Protocol => OutcomeClass::Protocol,
                FailureKind::Blocked => OutcomeClass::Blocked,
            },
        }
    }

    /// `1xx` … `5xx`, `other_status`, `timeout`, `dns`, `connect`, `tls`,
    /// `protocol`, `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeClass::Informational => "1xx",
            OutcomeClass::Success => "2xx",
            OutcomeClass::Redirection => "3xx",
            OutcomeClass::ClientError => "4xx",
            OutcomeClass::ServerError => "5xx",
            OutcomeClass::OtherStatus => "other_status",
            OutcomeClass::Timeout => "timeout",
            OutcomeClass::Dns => "dns",
            OutcomeClass::Connect => "connect",
            OutcomeClass::Tls => "tls",
            OutcomeClass::Protocol => "protocol",
            OutcomeClass::Blocked => "blocked",
        }
    }
}

/// A closed set of classes counted in a fixed array.
pub trait Class: Copy + Ord + Serialize + for<'de> Deserialize<'de> + 'static {
    /// Every class, in index order (at most 12).
    const ALL: &'static [Self];
    /// The position in [`ALL`](Self::ALL).
    fn index(self) -> usize;
    /// The class's name in API answers (`5xx`, `timeout`, `gone`, …).
    fn name(self) -> &'static str;
}

impl Class for OutcomeClass {
    const ALL: &'static [Self] = &OutcomeClass::ALL;
    fn index(self) -> usize {
        self as usize
    }
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Class for DeadLetterReason {
    const ALL: &'static [Self] = &DeadLetterReason::ALL;
    fn index(self) -> usize {
        DeadLetterReason::index(self)
    }
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// Counts per class (serialized as a map of the non-zero ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassCounts<C> {
    counts: [u64; 12],
    _class: PhantomData<C>,
}

impl<C: Class> Default for ClassCounts<C> {
    fn default() -> Self {
        ClassCounts {
            counts: [0; 12],
            _class: PhantomData,
        }
    }
}

impl<C: Class> ClassCounts<C> {
    /// The count of `class`.
    pub fn get(&self, class: C) -> u64 {
        self.counts[class.index()]
    }

    /// Every class with its count (zeros included), in order.
    pub fn iter(&self) -> impl Iterator<Item = (C, u64)> + '_ {
        C::ALL.iter().map(|&c| (c, self.counts[c.index()]))
    }

    /// The sum.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    #[inline]
    pub(crate) fn incr(&mut self, class: C) {
        self.counts[class.index()] += 1;
    }

    /// Adds `other`.
    pub fn add(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += *b;
        }
    }
}

impl<C: Class> Serialize for ClassCounts<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<C, u64> = self.iter().filter(|(_, n)| *n > 0).collect();
        map.serialize(s)
    }
}

impl<'de, C: Class> Deserialize<'de> for ClassCounts<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<C, u64>::deserialize(d)?;
        let mut out = Self::default();
        for (c, n) in map {
            out.counts[c.index()] = n;
        }
        Ok(out)
    }
}

/// Event volume of a bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventStats {
    /// Events ingested.
    pub total: u64,
    /// By source (at most [`MAX_SOURCES`] kept).
    pub by_source: Capped<String, u64>,
    /// By event type (at most [`MAX_EVENT_TYPES`] kept).
    pub by_type: Capped<String, u64>,
    /// By (source, event type), keyed `source` U+001F `event_type` (at most
    /// [`MAX_SOURCE_TYPE_PAIRS`] kept); look up with
    /// [`pair`](EventStats::pair).
    pub by_source_type: Capped<String, u64>,
    /// Ingest latency of the events that carried one.
    pub ingest_latency: LatencySketch,
}

impl Default for EventStats {
    fn default() -> Self {
        EventStats {
            total: 0,
            by_source: Capped::new(MAX_SOURCES),
            by_type: Capped::new(MAX_EVENT_TYPES),
            by_source_type: Capped::new(MAX_SOURCE_TYPE_PAIRS),
            ingest_latency: LatencySketch::new(),
        }
    }
}

impl EventStats {
    /// The count of events from `source` with type `event_type`.
    pub fn pair(&self, source: &str, event_type: &str) -> Lookup<'_, u64> {
        self.by_source_type.lookup_probe(&Pair(source, event_type))
    }

    fn merge(&mut self, o: &EventStats) {
        self.total += o.total;
        self.by_source.merge(&o.by_source);
        self.by_type.merge(&o.by_type);
        self.by_source_type.merge(&o.by_source_type);
        self.ingest_latency.merge(&o.ingest_latency);
    }
}

/// Splits a pair key into (source, event type).
pub fn split_pair(key: &str) -> Option<(&str, &str)> {
    key.split_once(PAIR_SEP)
}

/// API requests of a bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiStats {
    /// Requests answered.
    pub total: u64,
    /// By response status (100..=599: at most 500 keys).
    pub by_status: BTreeMap<u16, u64>,
}

impl ApiStats {
    /// Requests answered with a status of `class`.
    pub fn class(&self, class: StatusClass) -> u64 {
        self.by_status
            .iter()
            .filter(|(s, _)| StatusClass::of(**s) == Some(class))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests answered 4xx or 5xx.
    pub fn errors(&self) -> u64 {
        self.by_status.range(400..).map(|(_, n)| n).sum()
    }

    fn merge(&mut self, o: &ApiStats) {
        self.total += o.total;
        for (s, n) in &o.by_status {
            *self.by_status.entry(*s).or_insert(0) += n;
        }
    }
}

/// Delivery counters of one webhook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookStats {
    /// Attempts made.
    pub attempts: u64,
    /// Attempts that succeeded (2xx).
    pub succeeded: u64,
    /// Attempts after the first (`attempt > 1`).
    pub retries: u64,
    /// Deliveries given up.
    pub dead_lettered: u64,
}

impl Tally for WebhookStats {
    #[inline]
    fn add(&mut self, o: &Self) {
        self.attempts += o.attempts;
        self.succeeded += o.succeeded;
        self.retries += o.retries;
        self.dead_lettered += o.dead_lettered;
    }
    #[inline]
    fn is_zero(&self) -> bool {
        self.attempts == 0 && self.dead_lettered == 0
    }
}

/// Webhook deliveries of a bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryStats {
    /// Attempts made.
    pub attempts: u64,
    /// Attempts after the first of their delivery (`attempt > 1`).
    pub retries: u64,
    /// Successful attempts (2xx): deliveries completed.
    pub succeeded: u64,
    /// Deliveries given up.
    pub dead_lettered: u64,
    /// Attempts by outcome class.
    pub by_outcome: ClassCounts<OutcomeClass>,
    /// Dead letters by reason.
    pub by_reason: ClassCounts<DeadLetterReason>,
    /// By webhook (at most [`MAX_WEBHOOKS`] kept).
    pub by_webhook: Capped<u128, WebhookStats>,
    /// Ingest-to-delivery time of the successful attempts that carried one.
    pub ingest_to_delivery: LatencySketch,
}

impl Default for DeliveryStats {
    fn default() -> Self {
        DeliveryStats {
            attempts: 0,
            retries: 0,
            succeeded: 0,
            dead_lettered: 0,
            by_outcome: ClassCounts::default(),
            by_reason: ClassCounts::default(),
            by_webhook: Capped::new(MAX_WEBHOOKS),
            ingest_to_delivery: LatencySketch::new(),
        }
    }
}

impl DeliveryStats {
    /// Attempts that did not succeed.
    pub fn failed(&self) -> u64 {
        self.attempts - self.succeeded
    }

    /// First attempts (`attempt == 1`).
    pub fn first_attempts(&self) -> u64 {
        self.attempts - self.retries
    }

    fn merge(&mut self, o: &DeliveryStats) {
        self.attempts += o.attempts;
        self.retries += o.retries;
        self.succeeded += o.succeeded;
        self.dead_lettered += o.dead_lettered;
        self.by_outcome.add(&o.by_outcome);
        self.by_reason.add(&o.by_reason);
        self.by_webhook.merge(&o.by_webhook);
        self.ingest_to_delivery.merge(&o.ingest_to_delivery);
    }
}

/// Everything counted for one account in one interval: counters, capped
/// breakdowns, latency sketches, and (until [sealed](Bucket::seal)) the
/// identities of the records counted.
///
/// Serializable (serde) as one self-checking value for a store row or
/// item: deserialization refuses a blob of another
/// [`FORMAT_VERSION`] or whose parts disagree (e.g. by-source counts that do
/// not add up to the total).
///
/// ```
/// use triggers_analytics::{Applied, Bucket, BucketKey, Granularity, Record};
///
/// let key = BucketKey::for_time("acct_1", Granularity::Minute, 1_700_000_000_000_000)?;
/// let mut bucket = Bucket::new(key);
/// let event = Record::EventIngested {
///     account: "acct_1".into(),
///     event_id: 7,
///     source: "shop".into(),
///     event_type: "order.created".into(),
///     received_at: 1_700_000_000_000_000,
///     ingest_latency_us: Some(1_500),
/// };
/// assert_eq!(bucket.apply(&event)?, Applied::Counted);
/// assert_eq!(bucket.apply(&event)?, Applied::Duplicate); // redelivered
/// assert_eq!(bucket.events().total, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    key: BucketKey,
    events: EventStats,
    api: ApiStats,
    deliveries: DeliveryStats,
    seen: Option<Seen>,
}

impl Bucket {
    /// An empty, unsealed bucket.
    pub fn new(key: BucketKey) -> Self {
        Bucket {
            key,
            events: EventStats::default(),
            api: ApiStats::default(),
            deliveries: DeliveryStats::default(),
            seen: Some(Seen::default()),
        }
    }

    /// Its identity.
    pub fn key(&self) -> &BucketKey {
        &self.key
    }

    /// The owner.
    pub fn account(&self) -> &str {
        &self.key.account
    }

    /// The width.
    pub fn granularity(&self) -> Granularity {
        self.key.granularity
    }

    /// Unix microseconds (inclusive).
    pub fn start(&self) -> i64 {
        self.key.start
    }

    /// Unix microseconds (exclusive).
    pub fn end(&self) -> i64 {
        self.key.end()
    }

    /// Event volume.
    pub fn events(&self) -> &EventStats {
        &self.events
    }

    /// API requests.
    pub fn api(&self) -> &ApiStats {
        &self.api
    }

    /// Webhook deliveries.
    pub fn deliveries(&self) -> &DeliveryStats {
        &self.deliveries
    }

    /// True once [`seal`](Self::seal)ed.
    pub fn is_sealed(&self) -> bool {
        self.seen.is_none()
    }

    /// Record identities held for deduplication (0 once sealed): the
    /// memory cost of exactly-once, about 16–20 bytes each serialized.
    pub fn dedup_len(&self) -> usize {
        self.seen.as_ref().map_or(0, Seen::len)
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.events.total == 0
            && self.api.total == 0
            && self.deliveries.attempts == 0
            && self.deliveries.dead_lettered == 0
    }

    /// Drops the dedup set: the bucket becomes final and small. Records
    /// applied later are refused as [`Applied::Sealed`]. Seal once no
    /// redelivery can arrive any more (see [`crate::dedup`]). Also freezes
    /// the sketches ([`LatencySketch::freeze`]) for fast range queries;
    /// sealing a sealed bucket (a rollup of sealed minutes) does just that.
    pub fn seal(&mut self) {
        self.seen = None;
        self.events.ingest_latency.freeze();
        self.deliveries.ingest_to_delivery.freeze();
    }

    /// Folds one record in: **the** aggregation function, the same for the
    /// in-process host and the stream consumer.
    ///
    /// Exactly once: a record whose identity ([`Record::id`]) was counted
    /// before is a [`Applied::Duplicate`] and changes nothing, whatever the
    /// order records arrive in. The record must belong to this bucket
    /// (account, and time at this granularity) and be valid.
    pub fn apply(&mut self, record: &Record) -> Result<Applied, ApplyError> {
        record.validate()?;
        self.apply_valid(record)
    }

    /// [`apply`](Self::apply) for a record already validated.
    #[inline]
    pub(crate) fn apply_valid(&mut self, record: &Record) -> Result<Applied, ApplyError> {
        if record.account() != self.key.account || !self.key.contains(record.at()) {
            return Err(ApplyError::WrongBucket {
                expected: BucketKey {
                    account: record.account().to_owned(),
                    granularity: self.key.granularity,
                    start: self.key.granularity.start_of(record.at()),
                },
            });
        }
        let Some(seen) = self.seen.as_mut() else {
            return Ok(Applied::Sealed);
        };
        if !seen.insert(record.id()) {
            return Ok(Applied::Duplicate);
        }
        self.count(record);
        Ok(Applied::Counted)
    }

    #[inline]
    fn count(&mut self, record: &Record) {
        match record {
            Record::EventIngested {
                source,
                event_type,
                ingest_latency_us,
                ..
            } => {
                let e = &mut self.events;
                e.total += 1;
                e.by_source.add(&source.as_str(), &1);
                e.by_type.add(&event_type.as_str(), &1);
                e.by_source_type.add(&Pair(source, event_type), &1);
                if let Some(us) = ingest_latency_us {
                    e.ingest_latency.add(*us);
                }
            }
            Record::ApiRequest { status, .. } => {
                self.api.total += 1;
                *self.api.by_status.entry(*status).or_insert(0) += 1;
            }
            Record::DeliveryAttempt {
                attempt,
                webhook_id,
                outcome,
                ingest_to_delivery_us,
                ..
            } => {
                let d = &mut self.deliveries;
                let success = outcome.is_success();
                let retry = *attempt > 1;
                d.attempts += 1;
                d.retries += u64::from(retry);
                d.succeeded += u64::from(success);
                d.by_outcome.incr(OutcomeClass::of(*outcome));
                d.by_webhook.add(
                    webhook_id,
                    &WebhookStats {
                        attempts: 1,
                        succeeded: u64::from(success),
                        retries: u64::from(retry),
                        dead_lettered: 0,
                    },
                );
                if let Some(us) = ingest_to_delivery_us {
                    d.ingest_to_delivery.add(*us);
                }
            }
            Record::DeadLettered {
                webhook_id, reason, ..
            } => {
                let d = &mut self.deliveries;
                d.dead_lettered += 1;
                d.by_reason.incr(*reason);
                d.by_webhook.add(
                    webhook_id,
                    &WebhookStats {
                        dead_lettered: 1,
                        ..WebhookStats::default()
                    },
                );
            }
        }
    }

    /// Adds the counts of `other`, a bucket of the same account whose
    /// interval lies inside this one's (the same key, or a finer bucket of
    /// it: 60 minutes merge into their hour). The result equals the bucket
    /// a fold of both buckets' records would give. Associative and
    /// commutative.
    ///
    /// Refused when the two counted a common record (that would count it
    /// twice). If either is sealed, the result is sealed.
    pub fn merge(&mut self, other: &Bucket) -> Result<(), MergeError> {
        if other.key.account != self.key.account {
            return Err(MergeError::AccountMismatch);
        }
        if other.key.granularity > self.key.granularity
            || other.key.start < self.key.start
            || other.end() > self.end()
        {
            return Err(MergeError::NotContained {
                into: self.key.granularity,
                from: other.key.granularity,
            });
        }
        if let (Some(a), Some(b)) = (&self.seen, &other.seen) {
            let records = a.overlap(b);
            if records > 0 {
                return Err(MergeError::Overlap { records });
            }
        }
        self.events.merge(&other.events);
        self.api.merge(&other.api);
        self.deliveries.merge(&other.deliveries);
        match (&mut self.seen, &other.seen) {
            (Some(a), Some(b)) => a.union(b),
            _ => self.seen = None,
        }
        Ok(())
    }

    /// Checks that every part agrees with the others.
    fn check(&self) -> Result<(), String> {
        let k = &self.key;
        if !valid_name(&k.account) {
            return Err("invalid account".into());
        }
        if !(0..=MAX_TIME).contains(&k.start) || !k.granularity.is_aligned(k.start) {
            return Err("start is not a bucket boundary".into());
        }
        let e = &self.events;
        for (what, map) in [("by_source", &e.by_source), ("by_type", &e.by_type)] {
            if map.total() != e.total {
                return Err(format!("events.{what} does not add up to the total"));
            }
            if map.iter().any(|(k, _)| !valid_name(k)) {
                return Err(format!("events.{what} has an invalid name"));
            }
        }
        if e.by_source_type.total() != e.total {
            return Err("events.by_source_type does not add up to the total".into());
        }
        if e.by_source_type
            .iter()
            .any(|(k, _)| !split_pair(k).is_some_and(|(s, t)| valid_name(s) && valid_name(t)))
        {
            return Err("events.by_source_type has an invalid key".into());
        }
        if e.ingest_latency.count() > e.total {
            return Err("more ingest latencies than events".into());
        }
        let a = &self.api;
        if a.by_status.values().sum::<u64>() != a.total
            || a.by_status
                .iter()
                .any(|(s, n)| !(100..=599).contains(s) || *n == 0)
        {
            return Err("api.by_status does not add up to the total".into());
        }
        let d = &self.deliveries;
        if d.by_outcome.total() != d.attempts
            || d.by_outcome.get(OutcomeClass::Success) != d.succeeded
            || d.retries > d.attempts
        {
            return Err("deliveries: outcomes disagree with attempts".into());
        }
        if d.ingest_to_delivery.count() > d.succeeded {
            return Err("more ingest-to-delivery times than deliveries".into());
        }
        if d.by_reason.total() != d.dead_lettered {
            return Err("deliveries.by_reason does not add up".into());
        }
        let w = d.by_webhook.total();
        if (w.attempts, w.succeeded, w.retries, w.dead_lettered)
            != (d.attempts, d.succeeded, d.retries, d.dead_lettered)
        {
            return Err("deliveries.by_webhook does not add up".into());
        }
        if let Some(s) = &self.seen {
            if (s.events.len() as u64, s.requests.len() as u64) != (e.total, a.total)
                || (s.attempts.len() as u64, s.dead_letters.len() as u64)
                    != (d.attempts, d.dead_lettered)
            {
                return Err("the dedup set disagrees with the counts".into());
            }
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct ReprRef<'a> {
    version: u32,
    account: &'a str,
    granularity: Granularity,
    start: i64,
    events: &'a EventStats,
    api: &'a ApiStats,
    deliveries: &'a DeliveryStats,
    sealed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    seen: Option<&'a Seen>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr {
    version: u32,
    account: String,
    granularity: Granularity,
    start: i64,
    events: EventStats,
    api: ApiStats,
    deliveries: DeliveryStats,
    sealed: bool,
    #[serde(default)]
    seen: Option<Seen>,
}

impl Serialize for Bucket {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReprRef {
            version: FORMAT_VERSION,
            account: &self.key.account,
            granularity: self.key.granularity,
            start: self.key.start,
            events: &self.events,
            api: &self.api,
            deliveries: &self.deliveries,
            sealed: self.seen.is_none(),
            seen: self.seen.as_ref(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Bucket {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Repr::deserialize(d)?;
        if r.version != FORMAT_VERSION {
            return Err(D::Error::custom(format!(
                "bucket format version {} is not {FORMAT_VERSION}",
                r.version
            )));
        }
        if r.sealed != r.seen.is_none() {
            return Err(D::Error::custom(
                "invalid bucket: an unsealed bucket has a dedup set, a sealed one none",
            ));
        }
        let b = Bucket {
            key: BucketKey {
                account: r.account,
                granularity: r.granularity,
                start: r.start,
            },
            events: r.events,
            api: r.api,
            deliveries: r.deliveries,
            seen: r.seen,
        };
        b.check()
            .map_err(|e| D::Error::custom(format!("invalid bucket: {e}")))?;
        Ok(b)
    }
}
