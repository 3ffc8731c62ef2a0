//! # triggers-analytics
//!
//! The pure aggregation core of Triggers analytics: no I/O, no clock, no
//! async. The service feeds it [`Record`]s (events ingested, API requests,
//! delivery attempts, dead letters); it folds them into per-account time
//! [`Bucket`]s and answers queries over them. Persistence sits beside
//! the fold, not in it: the [`store::AnalyticsStore`] trait,
//! [`store::apply_batch`] (load → fold → conditional write → retry), and
//! its backends as Cargo features (`sqlite`, `dynamodb`; see
//! [`backends`]), with a conformance suite behind `testing`.
//!
//! - **One fold for both hosts.** [`Bucket::apply`] (and [`fold`] over a
//!   batch, through [`Aggregates`]) is the only aggregation code: the
//!   in-process host of the service and a DynamoDB Streams consumer run the
//!   same function.
//! - **Exactly once under redelivery and reordering.** Each bucket keeps the
//!   identities of the records it counted ([`RecordId`]: `event_id`,
//!   `request_id`, `(delivery_id, attempt)`, `(delivery_id, attempts)`), so
//!   a redelivered record is a no-op whatever the order; the set is dropped
//!   when the bucket is [sealed](Bucket::seal) after the redelivery horizon
//!   (see [`dedup`] for the trade-off).
//! - **Buckets: minute, hour, day.** Hours and days are merges of minutes
//!   ([`rollup`], [`Bucket::merge`]), equal to folding the records directly
//!   at the coarser granularity.
//! - **Mergeable percentiles.** Ingest and ingest-to-delivery latencies go
//!   into DDSketches ([`LatencySketch`]) with a 1% relative error
//!   ([`RELATIVE_ACCURACY`]), not lists of samples.
//! - **Bounded breakdowns.** Per-bucket counts by source, event type,
//!   (source, event type) and webhook keep at most a fixed number of keys
//!   ([`MAX_SOURCES`], …), the rest in `other`, chosen so that merging stays
//!   exact ([`Capped`]).
//! - **Per account, never across.** A bucket belongs to one account;
//!   merging or querying buckets of different accounts is an error.
//! - **Serialisable.** [`Bucket`] is serde-serialisable as one
//!   self-checking value (a SQLite row blob, a DynamoDB item attribute).
//!
//! ```
//! use triggers_analytics::*;
//!
//! let minute = 60_000_000;
//! let t0 = 1_700_000_040_000_000; // a minute boundary, Unix µs
//! let event = |id: u128, at: i64| Record::EventIngested {
//!     account: "acct_1".into(),
//!     event_id: id,
//!     source: "shop".into(),
//!     event_type: "order.created".into(),
//!     received_at: at,
//!     ingest_latency_us: Some(2_000),
//! };
//! let attempt = |id: u128, n: u32, status: u16, at: i64| Record::DeliveryAttempt {
//!     account: "acct_1".into(),
//!     delivery_id: id,
//!     attempt: n,
//!     webhook_id: 99,
//!     outcome: Outcome::Status(status),
//!     at,
//!     ingest_to_delivery_us: (status == 200).then_some(40_000),
//! };
//! // Out of order, with a redelivered batch.
//! let batch = vec![
//!     attempt(10, 2, 200, t0 + minute + 5),
//!     event(1, t0),
//!     attempt(10, 1, 503, t0 + 5),
//!     event(2, t0 + minute),
//! ];
//! let state = Aggregates::new(Granularity::Minute);
//! let (state, first) = fold(state, &batch);
//! let (state, again) = fold(state, &batch);
//! assert_eq!((first.counted, again.counted, again.duplicates), (4, 0, 4));
//!
//! let range = TimeRange::new(t0, t0 + 2 * minute)?;
//! let s = summary("acct_1", range, state.buckets("acct_1", range))?;
//! assert_eq!(s.events.total, 2);
//! assert_eq!((s.deliveries.attempts, s.deliveries.retries, s.deliveries.succeeded), (2, 1, 1));
//! assert_eq!(s.deliveries.attempt_success_rate, Some(0.5));
//!
//! let q = TimeseriesQuery {
//!     metric: Metric::Events,
//!     granularity: Granularity::Minute,
//!     range,
//!     filter: Filter { source: Some("shop".into()), event_type: None },
//! };
//! let ts = timeseries("acct_1", &q, state.buckets("acct_1", range))?;
//! assert_eq!(ts.points.iter().map(|p| p.value).collect::<Vec<_>>(), [Value::Count(1), Value::Count(1)]);
//!
//! // The hour is the merge of its minutes.
//! let hours = rollup(state.iter(), Granularity::Hour)?;
//! assert_eq!(hours.iter().map(|h| h.events().total).sum::<u64>(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod aggregates;
pub mod backends;
mod bucket;
pub mod capped;
pub mod dedup;
mod error;
mod hash;
mod ids;
pub mod query;
mod record;
pub mod sketch;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod time;

pub use aggregates::{Aggregates, FoldReport, Rejected, fold, required_keys, rollup};
pub use bucket::{
    ApiStats, Applied, Bucket, Class, ClassCounts, DeliveryStats, EventStats, FORMAT_VERSION,
    MAX_EVENT_TYPES, MAX_SOURCE_TYPE_PAIRS, MAX_SOURCES, MAX_WEBHOOKS, OutcomeClass, StatusClass,
    WebhookStats, split_pair,
};
pub use capped::{CapKey, Capped, Lookup, Tally};
pub use error::{ApplyError, MergeError, QueryError, RecordError};
pub use ids::{format_id, parse_id};
pub use query::{
    Breakdown, BreakdownQuery, Cell, Dimension, ExportRow, Filter, LatencySummary, Metric, Point,
    Row, Summary, Timeseries, TimeseriesQuery, Value, breakdown, summary, timeseries,
};
pub use record::{DeadLetterReason, FailureKind, MAX_NAME_LEN, Outcome, Record, RecordId};
pub use sketch::{LatencySketch, MAX_TRACKED_US, RELATIVE_ACCURACY};
pub use time::{BucketKey, DAY_US, Granularity, HOUR_US, MAX_TIME, MINUTE_US, TimeRange};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
