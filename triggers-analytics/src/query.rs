//! Pure queries over buckets of **one** account: [`summary`],
//! [`timeseries`], [`breakdown`], and [`ExportRow`] for exports.
//!
//! Every query takes the buckets to read (from an [`Aggregates`] or loaded
//! from a store) and checks them: all of the asked account (else
//! [`QueryError::AccountMismatch`]), none straddling a bound of the range,
//! none overlapping another. Buckets entirely outside the range are
//! ignored, so a host may pass more than needed. Buckets of different
//! granularities may be mixed (days for whole days, minutes at the edges),
//! as long as they do not overlap.
//!
//! Counts are exact. A per-key count (source, event type, webhook) is
//! exact unless the key may have been folded into a bucket's `other` (see
//! [`Capped`]); answers say so with `exact: false`.
//! Percentiles are within [`RELATIVE_ACCURACY`](crate::RELATIVE_ACCURACY)
//! of the exact ones.
//!
//! [`Aggregates`]: crate::Aggregates

use core::fmt;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::bucket::{Bucket, OutcomeClass, StatusClass, WebhookStats, split_pair};
use crate::capped::{CapKey, Capped, Lookup, Pair, Probe, Tally};
use crate::error::QueryError;
use crate::hash::IdBuildHasher;
use crate::record::DeadLetterReason;
use crate::sketch::{LatencySketch, SketchSum};
use crate::time::{Granularity, TimeRange};

/// The most points one timeseries may have (30 days of minutes is 43,200).
pub const MAX_POINTS: u64 = 100_000;
/// The largest `top_n` of a breakdown.
pub const MAX_TOP_N: usize = 1_000;

/// Checks and orders the buckets of a query.
fn select<'a>(
    account: &str,
    range: TimeRange,
    buckets: impl IntoIterator<Item = &'a Bucket>,
) -> Result<Vec<&'a Bucket>, QueryError> {
    let mut out = Vec::new();
    for b in buckets {
        if b.account() != account {
            return Err(QueryError::AccountMismatch);
        }
        if b.end() <= range.from || b.start() >= range.to {
            continue;
        }
        if b.start() < range.from || b.end() > range.to {
            return Err(QueryError::BucketStraddlesRange(b.key().clone()));
        }
        out.push(b);
    }
    out.sort_by_key(|b| (b.start(), b.end()));
    for w in out.windows(2) {
        if w[1].start() < w[0].end() {
            return Err(QueryError::OverlappingBuckets(w[1].key().clone()));
        }
    }
    Ok(out)
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A latency distribution in a query answer (microseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Exact smallest.
    pub min_us: Option<u64>,
    /// Exact largest.
    pub max_us: Option<u64>,
    /// Exact mean.
    pub mean_us: Option<f64>,
    /// Median, within 1%.
    pub p50_us: Option<f64>,
    /// 90th percentile, within 1%.
    pub p90_us: Option<f64>,
    /// 99th percentile, within 1%.
    pub p99_us: Option<f64>,
}

impl LatencySummary {
    /// The summary of a sketch.
    pub fn of(s: &LatencySketch) -> Self {
        LatencySummary {
            count: s.count(),
            min_us: s.min(),
            max_us: s.max(),
            mean_us: s.mean(),
            p50_us: s.quantile(0.5),
            p90_us: s.quantile(0.9),
            p99_us: s.quantile(0.99),
        }
    }
}

/// `GET /v1/analytics/summary`: totals and rates over a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The account.
    pub account: String,
    /// Unix microseconds (inclusive).
    pub from: i64,
    /// Unix microseconds (exclusive).
    pub to: i64,
    /// Buckets read.
    pub buckets: u64,
    /// Event volume.
    pub events: EventSummary,
    /// API requests.
    pub api: ApiSummary,
    /// Webhook deliveries.
    pub deliveries: DeliverySummary,
}

/// Event volume of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    /// Events ingested.
    pub total: u64,
    /// From request arrival to durable write.
    pub ingest_latency: LatencySummary,
}

/// API requests of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    /// Requests answered.
    pub requests: u64,
    /// By status class (every class present).
    pub by_class: BTreeMap<StatusClass, u64>,
    /// 4xx + 5xx.
    pub errors: u64,
    /// `errors / requests`.
    pub error_rate: Option<f64>,
    /// `4xx / requests`.
    pub client_error_rate: Option<f64>,
    /// `5xx / requests`.
    pub server_error_rate: Option<f64>,
}

/// Webhook deliveries of a [`Summary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliverySummary {
    /// Attempts made.
    pub attempts: u64,
    /// First attempts.
    pub first_attempts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Successful attempts: deliveries completed.
    pub succeeded: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// Deliveries given up.
    pub dead_lettered: u64,
    /// `succeeded / attempts`.
    pub attempt_success_rate: Option<f64>,
    /// `succeeded / (succeeded + dead_lettered)`: of the deliveries that
    /// finished in the range, the share delivered.
    pub delivery_success_rate: Option<f64>,
    /// Attempts by outcome class (every class present).
    pub by_outcome: BTreeMap<OutcomeClass, u64>,
    /// Dead letters by reason (every reason present).
    pub dead_letters_by_reason: BTreeMap<DeadLetterReason, u64>,
    /// From ingest to the end of the successful attempt.
    pub ingest_to_delivery: LatencySummary,
}

/// Totals, rates and percentiles of `account` over `range`.
///
/// ```
/// use triggers_analytics::{fold, summary, Aggregates, Granularity, Record, TimeRange};
///
/// let t0 = 1_700_000_040_000_000; // a minute boundary
/// let records: Vec<Record> = (0..10u64)
///     .map(|i| Record::EventIngested {
///         account: "acct_1".into(),
///         event_id: u128::from(i),
///         source: "shop".into(),
///         event_type: "order.created".into(),
///         received_at: t0 + i as i64 * 1_000_000,
///         ingest_latency_us: Some(1_000 * (i + 1)),
///     })
///     .collect();
/// let (state, _) = fold(Aggregates::new(Granularity::Minute), &records);
/// let range = TimeRange::new(t0, t0 + 60_000_000)?;
/// let s = summary("acct_1", range, state.buckets("acct_1", range))?;
/// assert_eq!(s.events.total, 10);
/// assert_eq!(s.events.ingest_latency.max_us, Some(10_000));
/// let p50 = s.events.ingest_latency.p50_us.unwrap(); // exact: 5,000
/// assert!((p50 - 5_000.0).abs() <= 50.0);
/// # Ok::<(), triggers_analytics::QueryError>(())
/// ```
pub fn summary<'a>(
    account: &str,
    range: TimeRange,
    buckets: impl IntoIterator<Item = &'a Bucket>,
) -> Result<Summary, QueryError> {
    let selected = select(account, range, buckets)?;
    let mut events = 0;
    let mut ingest = SketchSum::new();
    let mut requests = 0;
    let mut by_status: [u64; 5] = [0; 5];
    let mut attempts = 0;
    let mut retries = 0;
    let mut succeeded = 0;
    let mut dead = 0;
    let mut by_outcome = crate::bucket::ClassCounts::<OutcomeClass>::default();
    let mut by_reason = crate::bucket::ClassCounts::<DeadLetterReason>::default();
    let mut i2d = SketchSum::new();
    for b in &selected {
        let e = b.events();
        events += e.total;
        ingest.add(&e.ingest_latency);
        let a = b.api();
        requests += a.total;
        for (s, n) in &a.by_status {
            if let Some(c) = StatusClass::of(*s) {
                by_status[c as usize] += n;
            }
        }
        let d = b.deliveries();
        attempts += d.attempts;
        retries += d.retries;
        succeeded += d.succeeded;
        dead += d.dead_lettered;
        by_outcome.add(&d.by_outcome);
        by_reason.add(&d.by_reason);
        i2d.add(&d.ingest_to_delivery);
    }
    let class = |c: StatusClass| by_status[c as usize];
    let errors = class(StatusClass::ClientError) + class(StatusClass::ServerError);
    Ok(Summary {
        account: account.to_owned(),
        from: range.from,
        to: range.to,
        buckets: selected.len() as u64,
        events: EventSummary {
            total: events,
            ingest_latency: LatencySummary::of(&ingest.finish()),
        },
        api: ApiSummary {
            requests,
            by_class: StatusClass::ALL.iter().map(|&c| (c, class(c))).collect(),
            errors,
            error_rate: ratio(errors, requests),
            client_error_rate: ratio(class(StatusClass::ClientError), requests),
            server_error_rate: ratio(class(StatusClass::ServerError), requests),
        },
        deliveries: DeliverySummary {
            attempts,
            first_attempts: attempts - retries,
            retries,
            succeeded,
            failed: attempts - succeeded,
            dead_lettered: dead,
            attempt_success_rate: ratio(succeeded, attempts),
            delivery_success_rate: ratio(succeeded, succeeded + dead),
            by_outcome: by_outcome.iter().collect(),
            dead_letters_by_reason: by_reason.iter().collect(),
            ingest_to_delivery: LatencySummary::of(&i2d.finish()),
        },
    })
}

/// What a timeseries plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Events ingested (filterable by source and event type).
    Events,
    /// Median ingest latency (µs).
    IngestLatencyP50,
    /// 90th percentile ingest latency (µs).
    IngestLatencyP90,
    /// 99th percentile ingest latency (µs).
    IngestLatencyP99,
    /// API requests.
    ApiRequests,
    /// API requests answered 4xx or 5xx.
    ApiErrors,
    /// `api_errors / api_requests`.
    ApiErrorRate,
    /// Delivery attempts.
    DeliveryAttempts,
    /// Successful attempts (deliveries completed).
    DeliveriesSucceeded,
    /// Failed attempts.
    DeliveryFailures,
    /// Attempts after the first.
    Retries,
    /// Deliveries given up.
    DeadLetters,
    /// `succeeded / attempts`.
    AttemptSuccessRate,
    /// `succeeded / (succeeded + dead_letters)`.
    DeliverySuccessRate,
    /// Median ingest-to-delivery time (µs).
    IngestToDeliveryP50,
    /// 90th percentile ingest-to-delivery time (µs).
    IngestToDeliveryP90,
    /// 99th percentile ingest-to-delivery time (µs).
    IngestToDeliveryP99,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 17] = [
        Metric::Events,
        Metric::IngestLatencyP50,
        Metric::IngestLatencyP90,
        Metric::IngestLatencyP99,
        Metric::ApiRequests,
        Metric::ApiErrors,
        Metric::ApiErrorRate,
        Metric::DeliveryAttempts,
        Metric::DeliveriesSucceeded,
        Metric::DeliveryFailures,
        Metric::Retries,
        Metric::DeadLetters,
        Metric::AttemptSuccessRate,
        Metric::DeliverySuccessRate,
        Metric::IngestToDeliveryP50,
        Metric::IngestToDeliveryP90,
        Metric::IngestToDeliveryP99,
    ];

    /// The query-parameter name (`events`, `ingest_latency_p99`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Events => "events",
            Metric::IngestLatencyP50 => "ingest_latency_p50",
            Metric::IngestLatencyP90 => "ingest_latency_p90",
            Metric::IngestLatencyP99 => "ingest_latency_p99",
            Metric::ApiRequests => "api_requests",
            Metric::ApiErrors => "api_errors",
            Metric::ApiErrorRate => "api_error_rate",
            Metric::DeliveryAttempts => "delivery_attempts",
            Metric::DeliveriesSucceeded => "deliveries_succeeded",
            Metric::DeliveryFailures => "delivery_failures",
            Metric::Retries => "retries",
            Metric::DeadLetters => "dead_letters",
            Metric::AttemptSuccessRate => "attempt_success_rate",
            Metric::DeliverySuccessRate => "delivery_success_rate",
            Metric::IngestToDeliveryP50 => "ingest_to_delivery_p50",
            Metric::IngestToDeliveryP90 => "ingest_to_delivery_p90",
            Metric::IngestToDeliveryP99 => "ingest_to_delivery_p99",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s output.
    pub fn parse(s: &str) -> Option<Self> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    fn quantile(self) -> Option<(bool, f64)> {
        Some(match self {
            Metric::IngestLatencyP50 => (true, 0.5),
            Metric::IngestLatencyP90 => (true, 0.9),
            Metric::IngestLatencyP99 => (true, 0.99),
            Metric::IngestToDeliveryP50 => (false, 0.5),
            Metric::IngestToDeliveryP90 => (false, 0.9),
            Metric::IngestToDeliveryP99 => (false, 0.99),
            _ => return None,
        })
    }

    fn is_rate(self) -> bool {
        matches!(
            self,
            Metric::ApiErrorRate | Metric::AttemptSuccessRate | Metric::DeliverySuccessRate
        )
    }

    /// `(numerator, denominator)` of a rate metric over one bucket.
    fn rate_parts(self, b: &Bucket) -> Option<(u64, u64)> {
        let d = b.deliveries();
        Some(match self {
            Metric::ApiErrorRate => (b.api().errors(), b.api().total),
            Metric::AttemptSuccessRate => (d.succeeded, d.attempts),
            Metric::DeliverySuccessRate => (d.succeeded, d.succeeded + d.dead_lettered),
            _ => return None,
        })
    }

    fn count(self, b: &Bucket) -> u64 {
        let d = b.deliveries();
        match self {
            Metric::Events => b.events().total,
            Metric::ApiRequests => b.api().total,
            Metric::ApiErrors => b.api().errors(),
            Metric::DeliveryAttempts => d.attempts,
            Metric::DeliveriesSucceeded => d.succeeded,
            Metric::DeliveryFailures => d.failed(),
            Metric::Retries => d.retries,
            Metric::DeadLetters => d.dead_lettered,
            _ => 0,
        }
    }
}

/// Restricts event volume to one source and/or one event type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Only this event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
}

impl Filter {
    /// No restriction.
    pub fn none() -> Self {
        Filter::default()
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.source.is_none() && self.event_type.is_none()
    }

    /// The events of one bucket that pass: the count, and whether it is
    /// exact.
    fn events(&self, b: &Bucket) -> (u64, bool) {
        let e = b.events();
        let lookup = match (&self.source, &self.event_type) {
            (None, None) => return (e.total, true),
            (Some(s), None) => e.by_source.get(s),
            (None, Some(t)) => e.by_type.get(t),
            (Some(s), Some(t)) => e.pair(s, t),
        };
        count_of(lookup)
    }
}

/// A count and whether it is exact.
fn count_of(lookup: Lookup<'_, u64>) -> (u64, bool) {
    match lookup {
        Lookup::Tracked(n) => (*n, true),
        Lookup::Absent => (0, true),
        Lookup::Untracked => (0, false),
    }
}

/// A timeseries request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeseriesQuery {
    /// What to plot.
    pub metric: Metric,
    /// One point per interval of this width.
    pub granularity: Granularity,
    /// Aligned to `granularity`.
    pub range: TimeRange,
    /// Only for [`Metric::Events`].
    #[serde(default)]
    pub filter: Filter,
}

/// The value of a point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A count.
    Count(u64),
    /// A share in 0..=1; `None` when its denominator is 0.
    Rate(Option<f64>),
    /// A latency percentile in microseconds; `None` without samples.
    Micros(Option<f64>),
}

/// One interval of a timeseries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Unix microseconds: the start of the interval.
    pub start: i64,
    /// The value.
    pub value: Value,
    /// False when a filtered count may miss events folded into a bucket's
    /// `other` (then `value` is a lower bound).
    pub exact: bool,
}

/// `GET /v1/analytics/timeseries`: one point per interval, zeros included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeseries {
    /// The account.
    pub account: String,
    /// What is plotted.
    pub metric: Metric,
    /// The width of a point.
    pub granularity: Granularity,
    /// Unix microseconds (inclusive).
    pub from: i64,
    /// Unix microseconds (exclusive).
    pub to: i64,
    /// The filter applied.
    pub filter: Filter,
    /// Oldest first, one per interval of `[from, to)`.
    pub points: Vec<Point>,
}

/// A timeseries of `account`. Buckets must be of `query.granularity` or
/// finer (finer ones are summed into their point).
pub fn timeseries<'a>(
    account: &str,
    query: &TimeseriesQuery,
    buckets: impl IntoIterator<Item = &'a Bucket>,
) -> Result<Timeseries, QueryError> {
    let g = query.granularity;
    let range = query.range;
    if !range.is_aligned(g) {
        return Err(QueryError::UnalignedRange(g));
    }
    if !query.filter.is_empty() && query.metric != Metric::Events {
        return Err(QueryError::FilterNotSupported);
    }
    let n = (range.micros() / g.micros()) as u64;
    if n > MAX_POINTS {
        return Err(QueryError::TooManyPoints(n));
    }
    let selected = select(account, range, buckets)?;
    if let Some(b) = selected.iter().find(|b| b.granularity() > g) {
        return Err(QueryError::BucketStraddlesRange(b.key().clone()));
    }
    let index = |b: &Bucket| ((b.start() - range.from) / g.micros()) as usize;
    let n = n as usize;
    let mut exact = vec![true; n];
    let values: Vec<Value> = if let Some((ingest, q)) = query.metric.quantile() {
        // Buckets are sorted by start: sum each point's run with one
        // reusable accumulator.
        let mut values = vec![Value::Micros(None); n];
        let mut sum = SketchSum::new();
        let mut current = None;
        for b in &selected {
            let i = index(b);
            if let Some(c) = current.filter(|&c| c != i) {
                values[c] = Value::Micros(sum.finish().quantile(q));
            }
            current = Some(i);
            sum.add(if ingest {
                &b.events().ingest_latency
            } else {
                &b.deliveries().ingest_to_delivery
            });
        }
        if let Some(c) = current {
            values[c] = Value::Micros(sum.finish().quantile(q));
        }
        values
    } else if query.metric.is_rate() {
        let mut parts = vec![(0u64, 0u64); n];
        for b in &selected {
            if let Some((num, den)) = query.metric.rate_parts(b) {
                let p = &mut parts[index(b)];
                p.0 += num;
                p.1 += den;
            }
        }
        parts
            .iter()
            .map(|&(num, den)| Value::Rate(ratio(num, den)))
            .collect()
    } else {
        let mut counts = vec![0u64; n];
        for b in &selected {
            let i = index(b);
            if query.metric == Metric::Events {
                let (c, ok) = query.filter.events(b);
                counts[i] += c;
                exact[i] &= ok;
            } else {
                counts[i] += query.metric.count(b);
            }
        }
        counts.into_iter().map(Value::Count).collect()
    };
    let points = values
        .into_iter()
        .zip(exact)
        .enumerate()
        .map(|(i, (value, exact))| Point {
            start: range.from + i as i64 * g.micros(),
            value,
            exact,
        })
        .collect();
    Ok(Timeseries {
        account: account.to_owned(),
        metric: query.metric,
        granularity: g,
        from: range.from,
        to: range.to,
        filter: query.filter.clone(),
        points,
    })
}

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Events by source (filterable by event type).
    Source,
    /// Events by event type (filterable by source).
    EventType,
    /// Delivery attempts by webhook (rows carry [`WebhookStats`]).
    Webhook,
    /// API requests by response status.
    ApiStatus,
    /// Delivery attempts by outcome class.
    DeliveryOutcome,
    /// Dead letters by reason.
    DeadLetterReason,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Dimension; 6] = [
        Dimension::Source,
        Dimension::EventType,
        Dimension::Webhook,
        Dimension::ApiStatus,
        Dimension::DeliveryOutcome,
        Dimension::DeadLetterReason,
    ];

    /// The query-parameter name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Source => "source",
            Dimension::EventType => "event_type",
            Dimension::Webhook => "webhook",
            Dimension::ApiStatus => "api_status",
            Dimension::DeliveryOutcome => "delivery_outcome",
            Dimension::DeadLetterReason => "dead_letter_reason",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s output.
    pub fn parse(s: &str) -> Option<Self> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A breakdown request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownQuery {
    /// Group by.
    pub dimension: Dimension,
    /// The range.
    pub range: TimeRange,
    /// Rows to return (1..=[`MAX_TOP_N`]); the rest is summed in `other`.
    pub top_n: usize,
    /// Event type (for [`Dimension::Source`]) or source (for
    /// [`Dimension::EventType`]).
    #[serde(default)]
    pub filter: Filter,
}

/// One group of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The source, event type, webhook id (UUID), status (`"404"`), outcome
    /// class or dead-letter reason.
    pub key: String,
    /// Events, requests, attempts or dead letters.
    pub count: u64,
    /// False when some of this key's records may be in a bucket's `other`
    /// (then `count` is a lower bound).
    pub exact: bool,
    /// Per-webhook counters ([`Dimension::Webhook`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookStats>,
}

/// `GET /v1/analytics/breakdown`: the top groups by count, and the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The account.
    pub account: String,
    /// Grouped by.
    pub dimension: Dimension,
    /// Unix microseconds (inclusive).
    pub from: i64,
    /// Unix microseconds (exclusive).
    pub to: i64,
    /// The filter applied.
    pub filter: Filter,
    /// Everything counted: `sum(rows.count) + other`.
    pub total: u64,
    /// False when `total` may miss filtered events kept in a bucket's
    /// `other`.
    pub total_exact: bool,
    /// At most `top_n`, by count (descending), then key.
    pub rows: Vec<Row>,
    /// Everything not in `rows`: groups beyond `top_n` and keys no bucket
    /// kept.
    pub other: u64,
}

/// Tracks the smallest "bound" of the capped maps read: keys ordered above
/// it may be missing from a bucket's kept keys.
impl Row {
    /// A row whose count is exact, without webhook counters.
    fn exact(key: String, count: u64) -> Row {
        Row {
            key,
            count,
            exact: true,
            webhook: None,
        }
    }
}

/// The non-zero classes of `counts` as rows.
fn class_rows<C: crate::bucket::Class>(counts: &crate::bucket::ClassCounts<C>) -> Vec<Row> {
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(c, count)| Row::exact(c.name().to_owned(), count))
        .collect()
}

struct Bound<K>(Option<(u64, K)>);

impl<K: CapKey> Bound<K> {
    fn see<V: Tally>(&mut self, map: &Capped<K, V>) {
        if let Some((h, k)) = map.bound() {
            if self.0.as_ref().is_none_or(|(bh, bk)| (h, k) < (*bh, bk)) {
                self.0 = Some((h, k.clone()));
            }
        }
    }

    fn exact<P: Probe<K>>(&self, p: &P) -> bool {
        match &self.0 {
            None => true,
            Some((bh, bk)) => {
                let h = p.hash64();
                h < *bh || (h == *bh && p.cmp_key(bk) != std::cmp::Ordering::Greater)
            }
        }
    }
}

/// A breakdown of `account`.
pub fn breakdown<'a>(
    account: &str,
    query: &BreakdownQuery,
    buckets: impl IntoIterator<Item = &'a Bucket>,
) -> Result<Breakdown, QueryError> {
    if query.top_n == 0 || query.top_n > MAX_TOP_N {
        return Err(QueryError::InvalidTopN(query.top_n));
    }
    let f = &query.filter;
    let filter_ok = match query.dimension {
        Dimension::Source => f.source.is_none(),
        Dimension::EventType => f.event_type.is_none(),
        _ => f.is_empty(),
    };
    if !filter_ok {
        return Err(QueryError::FilterNotSupported);
    }
    let selected = select(account, query.range, buckets)?;
    let mut rows: Vec<Row>;
    let mut total = 0u64;
    let mut total_exact = true;
    match query.dimension {
        Dimension::Source | Dimension::EventType => {
            let by_source = query.dimension == Dimension::Source;
            let mut counts: HashMap<&str, u64, IdBuildHasher> = HashMap::default();
            let mut bound = Bound::<String>(None);
            match (by_source, &f.event_type, &f.source) {
                // Filtered: rows from the (source, type) pairs.
                (true, Some(want), _) | (false, _, Some(want)) => {
                    for b in &selected {
                        let e = b.events();
                        let lookup = if by_source {
                            e.by_type.get(want)
                        } else {
                            e.by_source.get(want)
                        };
                        let (n, ok) = count_of(lookup);
                        total += n;
                        total_exact &= ok;
                        bound.see(&e.by_source_type);
                        for (k, v) in e.by_source_type.iter() {
                            if let Some((s, t)) = split_pair(k) {
                                let (group, other) = if by_source { (s, t) } else { (t, s) };
                                if other == want {
                                    *counts.entry(group).or_insert(0) += v;
                                }
                            }
                        }
                    }
                    rows = counts
                        .into_iter()
                        .map(|(k, count)| {
                            let pair = if by_source {
                                Pair(k, want)
                            } else {
                                Pair(want, k)
                            };
                            Row {
                                key: k.to_owned(),
                                count,
                                exact: bound.exact(&pair),
                                webhook: None,
                            }
                        })
                        .collect();
                }
                _ => {
                    for b in &selected {
                        let e = b.events();
                        let map = if by_source { &e.by_source } else { &e.by_type };
                        total += e.total;
                        bound.see(map);
                        for (k, v) in map.iter() {
                            *counts.entry(k.as_str()).or_insert(0) += v;
                        }
                    }
                    rows = counts
                        .into_iter()
                        .map(|(k, count)| Row {
                            key: k.to_owned(),
                            count,
                            exact: bound.exact(&k),
                            webhook: None,
                        })
                        .collect();
                }
            }
        }
        Dimension::Webhook => {
            let mut stats: HashMap<u128, WebhookStats, IdBuildHasher> = HashMap::default();
            let mut bound = Bound::<u128>(None);
            for b in &selected {
                let d = b.deliveries();
                total += d.attempts;
                bound.see(&d.by_webhook);
                for (k, v) in d.by_webhook.iter() {
                    stats.entry(*k).or_default().add(v);
                }
            }
            rows = stats
                .into_iter()
                .map(|(k, s)| Row {
                    key: crate::ids::format_id(k),
                    count: s.attempts,
                    exact: bound.exact(&k),
                    webhook: Some(s),
                })
                .collect();
        }
        Dimension::ApiStatus => {
            let mut counts: BTreeMap<u16, u64> = BTreeMap::new();
            for b in &selected {
                total += b.api().total;
                for (s, n) in &b.api().by_status {
                    *counts.entry(*s).or_insert(0) += n;
                }
            }
            rows = counts
                .into_iter()
                .map(|(s, count)| Row::exact(s.to_string(), count))
                .collect();
        }
        Dimension::DeliveryOutcome => {
            let mut counts = crate::bucket::ClassCounts::<OutcomeClass>::default();
            for b in &selected {
                total += b.deliveries().attempts;
                counts.add(&b.deliveries().by_outcome);
            }
            rows = class_rows(&counts);
        }
        Dimension::DeadLetterReason => {
            let mut counts = crate::bucket::ClassCounts::<DeadLetterReason>::default();
            for b in &selected {
                total += b.deliveries().dead_lettered;
                counts.add(&b.deliveries().by_reason);
            }
            rows = class_rows(&counts);
        }
    }
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    rows.truncate(query.top_n);
    let shown: u64 = rows.iter().map(|r| r.count).sum();
    Ok(Breakdown {
        account: account.to_owned(),
        dimension: query.dimension,
        from: query.range.from,
        to: query.range.to,
        filter: f.clone(),
        total,
        total_exact,
        rows,
        other: total.saturating_sub(shown),
    })
}

/// One bucket as a flat row, for `GET /v1/analytics/export` (CSV or JSON
/// lines, streamed bucket by bucket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRow {
    /// The account.
    pub account: String,
    /// `minute`, `hour` or `day`.
    pub granularity: Granularity,
    /// Unix microseconds (inclusive).
    pub start: i64,
    /// Unix microseconds (exclusive).
    pub end: i64,
    /// Events ingested.
    pub events: u64,
    /// Median ingest latency (µs).
    pub ingest_latency_p50_us: Option<f64>,
    /// 90th percentile ingest latency (µs).
    pub ingest_latency_p90_us: Option<f64>,
    /// 99th percentile ingest latency (µs).
    pub ingest_latency_p99_us: Option<f64>,
    /// API requests.
    pub api_requests: u64,
    /// API 2xx.
    pub api_2xx: u64,
    /// API 4xx.
    pub api_4xx: u64,
    /// API 5xx.
    pub api_5xx: u64,
    /// Delivery attempts.
    pub delivery_attempts: u64,
    /// Successful attempts.
    pub deliveries_succeeded: u64,
    /// Failed attempts.
    pub delivery_failures: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Dead letters.
    pub dead_letters: u64,
    /// Median ingest-to-delivery (µs).
    pub ingest_to_delivery_p50_us: Option<f64>,
    /// 90th percentile ingest-to-delivery (µs).
    pub ingest_to_delivery_p90_us: Option<f64>,
    /// 99th percentile ingest-to-delivery (µs).
    pub ingest_to_delivery_p99_us: Option<f64>,
}

impl ExportRow {
    /// The CSV header line (no newline), matching
    /// [`to_csv`](Self::to_csv).
    pub const CSV_HEADER: &'static str = "account,granularity,start,end,events,ingest_latency_p50_us,ingest_latency_p90_us,ingest_latency_p99_us,api_requests,api_2xx,api_4xx,api_5xx,delivery_attempts,deliveries_succeeded,delivery_failures,retries,dead_letters,ingest_to_delivery_p50_us,ingest_to_delivery_p90_us,ingest_to_delivery_p99_us";

    /// The row of a bucket.
    pub fn of(b: &Bucket) -> Self {
        let e = b.events();
        let a = b.api();
        let d = b.deliveries();
        let il = &e.ingest_latency;
        let id = &d.ingest_to_delivery;
        ExportRow {
            account: b.account().to_owned(),
            granularity: b.granularity(),
            start: b.start(),
            end: b.end(),
            events: e.total,
            ingest_latency_p50_us: il.quantile(0.5),
            ingest_latency_p90_us: il.quantile(0.9),
            ingest_latency_p99_us: il.quantile(0.99),
            api_requests: a.total,
            api_2xx: a.class(StatusClass::Success),
            api_4xx: a.class(StatusClass::ClientError),
            api_5xx: a.class(StatusClass::ServerError),
            delivery_attempts: d.attempts,
            deliveries_succeeded: d.succeeded,
            delivery_failures: d.failed(),
            retries: d.retries,
            dead_letters: d.dead_lettered,
            ingest_to_delivery_p50_us: id.quantile(0.5),
            ingest_to_delivery_p90_us: id.quantile(0.9),
            ingest_to_delivery_p99_us: id.quantile(0.99),
        }
    }

    /// The names of the figures of a row, in export order (after the
    /// bucket's identity): what [`metrics`](Self::metrics) returns.
    ///
    /// ```
    /// use triggers_analytics::ExportRow;
    /// let header = format!("account,granularity,start,end,{}", ExportRow::METRICS.join(","));
    /// assert_eq!(header, ExportRow::CSV_HEADER);
    /// ```
    pub const METRICS: [&'static str; 16] = [
        "events",
        "ingest_latency_p50_us",
        "ingest_latency_p90_us",
        "ingest_latency_p99_us",
        "api_requests",
        "api_2xx",
        "api_4xx",
        "api_5xx",
        "delivery_attempts",
        "deliveries_succeeded",
        "delivery_failures",
        "retries",
        "dead_letters",
        "ingest_to_delivery_p50_us",
        "ingest_to_delivery_p90_us",
        "ingest_to_delivery_p99_us",
    ];

    /// The figures of the row, named by [`METRICS`](Self::METRICS) in the
    /// same order: the one list an export (CSV or JSON) is written from.
    pub fn metrics(&self) -> [Cell; 16] {
        use Cell::{Count, Micros};
        [
            Count(self.events),
            Micros(self.ingest_latency_p50_us),
            Micros(self.ingest_latency_p90_us),
            Micros(self.ingest_latency_p99_us),
            Count(self.api_requests),
            Count(self.api_2xx),
            Count(self.api_4xx),
            Count(self.api_5xx),
            Count(self.delivery_attempts),
            Count(self.deliveries_succeeded),
            Count(self.delivery_failures),
            Count(self.retries),
            Count(self.dead_letters),
            Micros(self.ingest_to_delivery_p50_us),
            Micros(self.ingest_to_delivery_p90_us),
            Micros(self.ingest_to_delivery_p99_us),
        ]
    }

    /// One CSV line (RFC 4180 quoting, no newline); empty cells for
    /// missing percentiles.
    ///
    /// ```
    /// use triggers_analytics::{Bucket, BucketKey, ExportRow, Granularity};
    /// let b = Bucket::new(BucketKey::for_time("acct,1", Granularity::Hour, 0)?);
    /// let line = ExportRow::of(&b).to_csv();
    /// assert!(line.starts_with("\"acct,1\",hour,0,3600000000,0,,,,0"));
    /// assert_eq!(line.split(',').count(), ExportRow::CSV_HEADER.split(',').count() + 1);
    /// # Ok::<(), triggers_analytics::RecordError>(())
    /// ```
    pub fn to_csv(&self) -> String {
        let account = if self.account.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", self.account.replace('"', "\"\""))
        } else {
            self.account.clone()
        };
        let mut line = format!(
            "{account},{},{},{}",
            self.granularity.as_str(),
            self.start,
            self.end
        );
        for cell in self.metrics() {
            line.push(',');
            line.push_str(&cell.to_string());
        }
        line
    }
}

/// One figure of an [`ExportRow`]: a count, or microseconds (`None` without
/// samples). Displays as the number (empty for `None`) and serializes as
/// a JSON number or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// A count.
    Count(u64),
    /// A latency percentile in microseconds.
    Micros(Option<f64>),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Micros(Some(us)) => write!(f, "{us}"),
            Cell::Micros(None) => Ok(()),
        }
    }
}
