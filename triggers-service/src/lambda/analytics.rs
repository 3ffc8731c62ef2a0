//! The analytics stream consumer (features `lambda` and `aws`): DynamoDB
//! Streams batches of the events, attempts and dead-letters tables, folded
//! into the analytics table (`<prefix>analytics`) with the same pure fold as
//! the in-process host of `serve` ([`triggers_analytics::Bucket::apply`],
//! through [`apply_batch`] at minute granularity, which also maintains the
//! hour and day rollups).
//!
//! # What counts
//!
//! Each fact counts once, at the write that stores it. Per stream record
//! (`eventName` and the table, from `eventSourceARN`):
//!
//! | table | `INSERT` | `MODIFY` | `REMOVE` |
//! |---|---|---|---|
//! | `<prefix>events` | an event → `EventIngested`; an idempotency record → ignored | ignored (ack, dispatch mark, an idempotency record taken over) | ignored (TTL of idempotency records) |
//! | `<prefix>attempts` | `DeliveryAttempt` | ignored (attempts are never rewritten) | ignored |
//! | `<prefix>dead-letters` | `DeadLettered` | a replayed delivery that died again (the image has no `replayed_at`) → `DeadLettered` with its new attempt count; a replay mark (`replayed_at` set) → ignored | ignored |
//!
//! The template's event source filters already drop most of the ignored
//! records (every `MODIFY` and `REMOVE` of events and attempts, idempotency
//! records) before any invocation; the function ignores them anyway.
//!
//! The item → record mapping is one pure function per table, next to the
//! code that writes the items ([`event_record`], [`attempt_record`],
//! [`dead_letter_record`] in `crate::db::dynamodb`). A record that cannot
//! be mapped (unknown table or operation, no `NewImage`, an unreadable
//! item) is logged with its stream `eventID`, the table and the attribute
//! at fault, never an attribute's value, and skipped: it cannot become
//! readable by retrying.
//!
//! API requests are not in any table, so on AWS they are not counted (the
//! `api` figures of `/v1/analytics/*` stay at zero there).
//!
//! # Failures and retries
//!
//! When the analytics store fails (throttling, a conflict that outlasts
//! the retries of [`apply_batch`], an item over DynamoDB's 400 KB) the
//! **invocation fails** ([`AnalyticsError`]) and Lambda retries the whole
//! batch. That is correct because the fold is idempotent: the minute
//! buckets keep the identities of the records they counted, so the records
//! of the batch that were already written are duplicates the second time
//! (and the hour and day rollups only ever receive what their minute
//! counted, in the same atomic write). Reporting `batchItemFailures` instead
//! would need the first record, in stream order, that was *not* written;
//! [`apply_batch`] writes per account-hour, in bucket order, and a failure
//! leaves an unknown subset of the batch written, so the only correct
//! checkpoint is the batch's first record, which is what failing the
//! invocation does, and failing keeps `BisectBatchOnFunctionError`
//! working: a failure that persists (a bucket too large) is narrowed to
//! the records that cause it, and after `MaximumRetryAttempts` Lambda sends
//! the batch's description to the event source mapping's on-failure
//! destination and the shard moves on (`deploy/template.yaml`,
//! `docs/DEPLOY.md`).
//!
//! A record is counted in its minute bucket while that bucket keeps its
//! dedup set; a retry or a redelivery that comes after the bucket was
//! sealed is not counted again (`sealed` in the summary).
//!
//! The answer of an invocation is a [`BatchSummary`] (Lambda ignores it
//! for a stream event source; it shows in the function's log and in a
//! manual invoke).

use std::sync::Arc;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;
use triggers_analytics::backends::dynamodb::DynamoAnalyticsStore;
use triggers_analytics::store::{AnalyticsStore, apply_batch};
use triggers_analytics::{Granularity, Record};
use triggers_keys::backends::dynamodb::support::Item;
use triggers_webhooks::backends::dynamodb::{ATTEMPTS_TABLE, DEAD_LETTERS_TABLE};

use crate::config::Backend;
use crate::db::dynamodb::{EVENTS_TABLE, attempt_record, dead_letter_record, event_record};
use crate::lambda::{LambdaStartError, check_lambda_env, config_from_env, init_logging};

/// A table whose stream this function folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamTable {
    /// `<prefix>events`.
    Events,
    /// `<prefix>attempts`.
    Attempts,
    /// `<prefix>dead-letters`.
    DeadLetters,
}

impl StreamTable {
    /// The table's name after the prefix.
    pub fn suffix(self) -> &'static str {
        match self {
            StreamTable::Events => EVENTS_TABLE,
            StreamTable::Attempts => ATTEMPTS_TABLE,
            StreamTable::DeadLetters => DEAD_LETTERS_TABLE,
        }
    }

    /// Whether a stream record of this operation (`eventName`) on this
    /// table can hold a new fact (see the module docs): `INSERT` on every
    /// table, `MODIFY` on the dead letters. `None` for an unknown
    /// operation.
    pub fn counts(self, event_name: &str) -> Option<bool> {
        match (self, event_name) {
            (_, "INSERT") | (StreamTable::DeadLetters, "MODIFY") => Some(true),
            (_, "MODIFY" | "REMOVE") => Some(false),
            _ => None,
        }
    }
}

/// The tables of one deployment (one name prefix), to tell from a stream
/// record's `eventSourceARN` which table it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTables {
    prefix: String,
}

impl StreamTables {
    /// The tables `<prefix>events`, `<prefix>attempts` and
    /// `<prefix>dead-letters`.
    pub fn new(prefix: &str) -> Self {
        StreamTables {
            prefix: prefix.to_owned(),
        }
    }

    /// The table of a stream ARN
    /// (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`),
    /// or of a table ARN; `None` for another table or a malformed ARN.
    ///
    /// ```
    /// use triggers_service::lambda::analytics::{StreamTable, StreamTables};
    ///
    /// let tables = StreamTables::new("triggers-api-");
    /// let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/triggers-api-attempts/stream/2026-01-01T00:00:00.000";
    /// assert_eq!(tables.table_of(arn), Some(StreamTable::Attempts));
    /// assert_eq!(tables.table_of("arn:aws:dynamodb:us-east-1:123456789012:table/other/stream/x"), None);
    /// ```
    pub fn table_of(&self, arn: &str) -> Option<StreamTable> {
        let resource = arn.split(':').nth(5)?;
        let name = resource.strip_prefix("table/")?.split('/').next()?;
        let suffix = name.strip_prefix(self.prefix.as_str())?;
        [
            StreamTable::Events,
            StreamTable::Attempts,
            StreamTable::DeadLetters,
        ]
        .into_iter()
        .find(|t| t.suffix() == suffix)
    }
}

/// What an invocation did: the stream records of the batch, how each was
/// taken, and what the fold made of the facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Stream records in the batch.
    pub records: usize,
    /// Facts handed to the fold (analytics records).
    pub facts: usize,
    /// Records that hold no new fact: `MODIFY`/`REMOVE` (except a dead
    /// letter's death after a replay), idempotency records, replay marks.
    pub ignored: usize,
    /// Records that could not be mapped (logged): an unknown table or
    /// operation, no `NewImage`, an unreadable item.
    pub skipped: usize,
    /// Facts counted now.
    pub counted: u64,
    /// Facts already counted (a redelivered or retried batch).
    pub duplicates: u64,
    /// Facts for buckets sealed already: not counted.
    pub sealed: u64,
    /// Facts the fold refused as invalid (logged).
    pub rejected: usize,
}

/// Why an invocation failed: the analytics store failed, so Lambda must
/// retry the batch (safe: the fold is idempotent). Holds no item and no
/// secret.
#[derive(Debug, thiserror::Error)]
#[error("folding {facts} analytics record(s) failed ({code}): {message}; the batch is retried")]
pub struct AnalyticsError {
    /// The store error's code (`backend`, `conflict`, `too_large`, …).
    pub code: &'static str,
    /// The store error.
    pub message: String,
    /// Facts the batch held.
    pub facts: usize,
}

impl From<AnalyticsError> for Diagnostic {
    fn from(e: AnalyticsError) -> Diagnostic {
        Diagnostic {
            error_type: "Triggers.AnalyticsStoreFailed".to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// A Lambda payload as a DynamoDB Streams [`Event`], leniently: a stream
/// record that does not deserialize is left out (logged with its
/// `eventID`) and counted in the second value, instead of failing the
/// whole batch (it would fail every retry too). A payload without a
/// `Records` list is an empty batch with one skipped record.
pub fn parse_event(payload: Value) -> (Event, usize) {
    let mut event = Event::default();
    let records = match payload {
        Value::Object(mut map) => match map.remove("Records") {
            Some(Value::Array(records)) => records,
            _ => {
                tracing::warn!("the payload is not a DynamoDB Streams batch (no Records list)");
                return (event, 1);
            }
        },
        _ => {
            tracing::warn!("the payload is not a DynamoDB Streams batch (not an object)");
            return (event, 1);
        }
    };
    let mut skipped = 0;
    for record in records {
        let id = record
            .get("eventID")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        match serde_json::from_value::<EventRecord>(record) {
            Ok(r) => event.records.push(r),
            Err(e) => {
                // The category and position only: serde's message may
                // quote a value.
                tracing::warn!(event_id = %id, category = ?e.classify(), "stream record skipped: not a DynamoDB stream record");
                skipped += 1;
            }
        }
    }
    (event, skipped)
}

/// How one stream record was taken.
enum Taken {
    Fact(Record),
    Ignored,
    Skipped,
}

/// The consumer: the analytics store and the deployment's tables. Cheap to
/// clone.
#[derive(Clone)]
pub struct AnalyticsConsumer {
    store: Arc<dyn AnalyticsStore>,
    tables: StreamTables,
}

impl std::fmt::Debug for AnalyticsConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyticsConsumer")
            .field("tables", &self.tables)
            .finish_non_exhaustive()
    }
}

impl AnalyticsConsumer {
    /// A consumer folding the streams of `tables` into `store`.
    pub fn new(store: Arc<dyn AnalyticsStore>, tables: StreamTables) -> Self {
        AnalyticsConsumer { store, tables }
    }

    /// The facts of a batch (pure: no store request), and the counts of
    /// how its records were taken (`records`, `facts`, `ignored`,
    /// `skipped`). See the module docs for what counts.
    pub fn facts(&self, event: &Event) -> (Vec<Record>, BatchSummary) {
        let mut summary = BatchSummary {
            records: event.records.len(),
            ..BatchSummary::default()
        };
        let mut facts = Vec::with_capacity(event.records.len());
        for record in &event.records {
            match self.take(record) {
                Taken::Fact(r) => facts.push(r),
                Taken::Ignored => summary.ignored += 1,
                Taken::Skipped => summary.skipped += 1,
            }
        }
        summary.facts = facts.len();
        (facts, summary)
    }

    fn take(&self, record: &EventRecord) -> Taken {
        let id = record.event_id.as_str();
        let Some(table) = record
            .event_source_arn
            .as_deref()
            .and_then(|arn| self.tables.table_of(arn))
        else {
            tracing::warn!(event_id = %id, source = record.event_source_arn.as_deref().unwrap_or("none"), "stream record skipped: not from a table this function folds");
            return Taken::Skipped;
        };
        match table.counts(&record.event_name) {
            Some(true) => {}
            Some(false) => return Taken::Ignored,
            None => {
                tracing::warn!(event_id = %id, ?table, "stream record skipped: unknown eventName");
                return Taken::Skipped;
            }
        }
        // Typed already (serde_dynamo, when the payload was parsed): only
        // the SDK's form of the same attributes is needed.
        let item: Item = record.change.new_image.clone().into();
        if item.is_empty() {
            tracing::warn!(event_id = %id, ?table, "stream record skipped: no NewImage (the stream's view type must be NEW_IMAGE)");
            return Taken::Skipped;
        }
        let mapped = match table {
            StreamTable::Events => event_record(&item),
            StreamTable::Attempts => attempt_record(&item).map(Some),
            StreamTable::DeadLetters => dead_letter_record(&item),
        };
        match mapped {
            Ok(Some(r)) => Taken::Fact(r),
            Ok(None) => Taken::Ignored,
            Err(e) => {
                tracing::warn!(event_id = %id, ?table, error = %e, "stream record skipped: not an item this function can read");
                Taken::Skipped
            }
        }
    }

    /// One batch: its facts ([`facts`](Self::facts)) folded into the store
    /// with [`apply_batch`]. A store failure is an [`AnalyticsError`]
    /// (fail the invocation: Lambda retries the batch).
    pub async fn handle(&self, event: &Event) -> Result<BatchSummary, AnalyticsError> {
        let (facts, mut summary) = self.facts(event);
        if !facts.is_empty() {
            let report = apply_batch(&*self.store, Granularity::Minute, &facts)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, facts = facts.len(), "the analytics store failed; the batch is retried");
                    AnalyticsError {
                        code: e.code(),
                        message: e.to_string(),
                        facts: facts.len(),
                    }
                })?;
            for r in &report.rejected {
                tracing::warn!(index = r.index, error = %r.error, "analytics record refused by the fold");
            }
            summary.counted = report.counted;
            summary.duplicates = report.duplicates;
            summary.sealed = report.sealed;
            summary.rejected = report.rejected.len();
        }
        tracing::info!(
            records = summary.records,
            facts = summary.facts,
            counted = summary.counted,
            duplicates = summary.duplicates,
            ignored = summary.ignored,
            skipped = summary.skipped,
            "stream batch folded"
        );
        Ok(summary)
    }

    /// [`handle`](Self::handle) of a raw Lambda payload, parsed leniently
    /// ([`parse_event`]: records that do not deserialize are skipped and
    /// counted).
    pub async fn handle_json(&self, payload: Value) -> Result<BatchSummary, AnalyticsError> {
        let (event, unparsed) = parse_event(payload);
        let mut summary = self.handle(&event).await?;
        summary.records += unparsed;
        summary.skipped += unparsed;
        Ok(summary)
    }
}

/// Sets the function up from the environment: checks it runs on Lambda,
/// reads the configuration (`TRIGGERS_BACKEND` must be `aws`;
/// `TRIGGERS_AWS_TABLE_PREFIX`, `TRIGGERS_AWS_REGION`,
/// `TRIGGERS_AWS_ENDPOINT_URL`), starts logging and builds the DynamoDB
/// analytics store of `<prefix>analytics`. It opens nothing else: no
/// master key, no queue, no other table (the streams are read by Lambda).
/// With `create_tables` (emulators only) it creates the analytics table.
pub async fn open_from_env() -> Result<AnalyticsConsumer, LambdaStartError> {
    check_lambda_env()?;
    let config = config_from_env()?;
    init_logging(&config.log);
    if config.backend != Backend::Aws {
        return Err(LambdaStartError::Environment(
            "the analytics function folds DynamoDB streams into the analytics table: set \
             TRIGGERS_BACKEND=aws (and TRIGGERS_AWS_TABLE_PREFIX)"
                .into(),
        ));
    }
    let sdk = crate::db::aws::load_sdk_config(&config.aws).await;
    let prefix = config.aws.table_prefix.as_str();
    let store = DynamoAnalyticsStore::new(aws_sdk_dynamodb::Client::new(&sdk), prefix);
    if config.aws.create_tables {
        store.create_tables().await.map_err(|e| {
            LambdaStartError::Start(crate::app::StartError::Aws(format!(
                "creating the analytics table: {e}"
            )))
        })?;
    }
    Ok(AnalyticsConsumer::new(
        Arc::new(store),
        StreamTables::new(prefix),
    ))
}

/// Runs the function until the Lambda runtime stops it: each invocation
/// is one stream batch ([`AnalyticsConsumer::handle_json`]), answered with
/// its [`BatchSummary`] or failed with an [`AnalyticsError`].
pub async fn run(consumer: AnalyticsConsumer) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<Value>| {
            let consumer = consumer.clone();
            async move { consumer.handle_json(event.payload).await }
        },
    ))
    .await
}
