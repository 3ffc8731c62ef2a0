//! The SQLite backends (feature `sqlite`), on the group-committing executor
//! of `triggers-sqlite`: [`SqliteWebhookStore`] (migration namespace
//! `webhooks`) and [`SqliteDeliveryQueue`] (namespace `webhook_queue`).
//!
//! Every write is one `Db::write` (its own savepoint), so each conditional
//! write lands entirely or not at all. The queue's `receive` claims its rows
//! in one write: the single writer thread serialises receivers, so two never
//! lease the same job.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use triggers_webhooks::backends::sqlite::SqliteDeliveryQueue;
//! use triggers_webhooks::queue::{DeliveryQueue, Job};
//!
//! let dir = tempfile::tempdir()?;
//! let db = triggers_sqlite::Db::open(dir.path().join("q.db"), Default::default())?;
//! let queue = SqliteDeliveryQueue::new(db);
//! queue.migrate().await?;
//! let job = Job {
//!     delivery_id: uuid::Uuid::new_v4(),
//!     webhook_id: uuid::Uuid::new_v4(),
//!     account_id: "acct_1".into(),
//!     event_id: uuid::Uuid::new_v4(),
//!     attempt: 1,
//!     first_attempt: 1,
//!     not_before: None,
//! };
//! queue.enqueue(&job, Duration::ZERO).await?;
//! let leased = queue.receive(10, Duration::from_secs(30)).await?;
//! assert_eq!(leased.len(), 1);
//! queue.ack(&leased[0].receipt).await?;
//! # Ok(()) }
//! ```

use core::fmt;
use std::time::Duration;

use async_trait::async_trait;
use rand::RngCore;
use rand::rngs::OsRng;
use triggers_sqlite::rusqlite::{self, OptionalExtension, Row, params};
use triggers_sqlite::{Db, DbError};
use uuid::Uuid;

use crate::queue::{
    DeliveryQueue, Job, Leased, QueueError, Receipt, check_delay, check_visibility,
};
use crate::store::{
    AttemptCursor, AttemptPage, DeadLetterCursor, DeadLetterPage, DeadLetterQuery, StoreError,
    StoredDeadLetter, WebhookPage, WebhookStore,
};
use crate::{
    Attempt, AttemptOutcome, DeadLetter, DeadLetterReason, Delivery, EventFilter, PreviousSecret,
    SealedSecret, Webhook,
};

/// The migration namespace of the store's schema.
pub const STORE_NAMESPACE: &str = "webhooks";
/// The migration namespace of the queue's schema.
pub const QUEUE_NAMESPACE: &str = "webhook_queue";

const STORE_MIGRATIONS: &[&str] = &["
CREATE TABLE webhooks (
    webhook_id       TEXT    NOT NULL PRIMARY KEY,
    account_id       TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    events           TEXT    NOT NULL,
    is_active        INTEGER NOT NULL,
    description      TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    max_retries      INTEGER,
    secret_version   INTEGER NOT NULL,
    secret_sealed    BLOB    NOT NULL,
    prev_version     INTEGER,
    prev_sealed      BLOB,
    prev_expires_at  INTEGER
);
CREATE INDEX webhooks_account ON webhooks (account_id, webhook_id);
CREATE TABLE webhook_attempts (
    delivery_id      TEXT    NOT NULL,
    attempt          INTEGER NOT NULL,
    webhook_id       TEXT    NOT NULL,
    account_id       TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    latency_ms       INTEGER NOT NULL,
    error            TEXT,
    response_excerpt TEXT,
    at               INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_webhook
    ON webhook_attempts (webhook_id, at, delivery_id, attempt);
CREATE TABLE webhook_dead_letters (
    delivery_id   TEXT    NOT NULL PRIMARY KEY,
    webhook_id    TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    event_id      TEXT    NOT NULL,
    event_type    TEXT    NOT NULL,
    msg_id        TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    last_outcome  TEXT,
    reason        TEXT    NOT NULL,
    dead_at       INTEGER NOT NULL,
    replayed_at   INTEGER
);
CREATE INDEX webhook_dead_letters_account
    ON webhook_dead_letters (account_id, dead_at, delivery_id);
"];

const QUEUE_MIGRATIONS: &[&str] = &["
CREATE TABLE webhook_queue (
    seq           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    job           TEXT    NOT NULL,
    visible_at    INTEGER NOT NULL,
    receipt       TEXT,
    receive_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_queue_visible ON webhook_queue (visible_at, seq);
"];

/// Why a write closure gave up: returned as its error, so its savepoint rolls
/// back, and recognised in [`store_error`] / [`queue_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abort {
    Conflict,
    NotFound,
    Stale,
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Abort::Conflict => "conditional write lost",
            Abort::NotFound => "record not found",
            Abort::Stale => "stale receipt",
        })
    }
}

impl std::error::Error for Abort {}

fn abort(a: Abort) -> DbError {
    DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(a)))
}

fn aborted(e: &DbError) -> Option<Abort> {
    match e {
        DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(inner)) => {
            inner.downcast_ref::<Abort>().copied()
        }
        _ => None,
    }
}

fn store_error(e: DbError) -> StoreError {
    if e.is_unique_violation() {
        return StoreError::Conflict;
    }
    match aborted(&e) {
        Some(Abort::Conflict) => StoreError::Conflict,
        Some(Abort::NotFound) => StoreError::NotFound,
        _ => StoreError::backend(e),
    }
}

fn queue_error(e: DbError) -> QueueError {
    match aborted(&e) {
        Some(Abort::Stale) => QueueError::StaleReceipt,
        _ => QueueError::backend(e),
    }
}

fn corrupt(what: impl fmt::Display) -> DbError {
    DbError::Corrupt(what.to_string())
}

fn uuid_of(raw: &str, column: &str) -> Result<Uuid, DbError> {
    Uuid::parse_str(raw).map_err(|_| corrupt(format_args!("malformed {column}")))
}

fn to_u32(n: i64, column: &str) -> Result<u32, DbError> {
    u32::try_from(n).map_err(|_| corrupt(format_args!("{column} out of range: {n}")))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, DbError> {
    serde_json::to_string(v).map_err(|e| corrupt(format_args!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str, column: &str) -> Result<T, DbError> {
    serde_json::from_str(s).map_err(|e| corrupt(format_args!("malformed {column}: {e}")))
}

fn limit_of(limit: usize) -> i64 {
    // One more than asked, to know whether a next page exists.
    i64::try_from(limit.max(1))
        .unwrap_or(i64::MAX)
        .saturating_add(1)
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

pub use crate::Clock;
use crate::system_clock;

/// An attempt as a `webhook_attempts` row to insert.
struct NewAttemptRow {
    delivery_id: String,
    attempt: i64,
    webhook_id: String,
    account_id: String,
    outcome: String,
    latency_ms: i64,
    error: Option<String>,
    response_excerpt: Option<String>,
    at: i64,
}

impl NewAttemptRow {
    fn of(delivery: &Delivery, attempt: &Attempt) -> Result<Self, StoreError> {
        if attempt.delivery_id != delivery.delivery_id {
            return Err(StoreError::Invalid("the attempt is of another delivery"));
        }
        Ok(NewAttemptRow {
            delivery_id: hyphenated(delivery.delivery_id),
            attempt: i64::from(attempt.attempt),
            webhook_id: hyphenated(delivery.webhook_id),
            account_id: delivery.account_id.clone(),
            outcome: json(&attempt.outcome).map_err(StoreError::backend)?,
            latency_ms: i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX),
            error: attempt.error.clone(),
            response_excerpt: attempt.response_excerpt.clone(),
            at: attempt.at,
        })
    }

    /// `verb`: `INSERT` (a duplicate is a unique violation) or
    /// `INSERT OR IGNORE`.
    fn insert(&self, c: &rusqlite::Connection, verb: &str) -> Result<(), DbError> {
        c.prepare_cached(&format!(
            "{verb} INTO webhook_attempts (delivery_id, attempt, webhook_id, account_id, \
             outcome, latency_ms, error, response_excerpt, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))?
        .execute(params![
            self.delivery_id,
            self.attempt,
            self.webhook_id,
            self.account_id,
            self.outcome,
            self.latency_ms,
            self.error,
            self.response_excerpt,
            self.at
        ])?;
        Ok(())
    }
}

// ---------------------------------------------------------------- store

/// A [`WebhookStore`] in a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteWebhookStore {
    db: Db,
}

impl SqliteWebhookStore {
    /// A store over `db`. Call [`SqliteWebhookStore::migrate`] once before
    /// use.
    pub fn new(db: Db) -> Self {
        SqliteWebhookStore { db }
    }

    /// Creates or upgrades the `webhooks` schema (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.db
            .migrate(STORE_NAMESPACE, STORE_MIGRATIONS)
            .await
            .map_err(store_error)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

const WEBHOOK_COLUMNS: &str = "webhook_id, account_id, url, events, is_active, description, \
     created_at, updated_at, max_retries, secret_version, secret_sealed, prev_version, \
     prev_sealed, prev_expires_at";

/// A webhook's column values, encoded.
struct WebhookValues {
    webhook_id: String,
    account_id: String,
    url: String,
    events: String,
    is_active: bool,
    description: String,
    created_at: i64,
    updated_at: i64,
    max_retries: Option<i64>,
    secret_version: i64,
    secret_sealed: Vec<u8>,
    prev_version: Option<i64>,
    prev_sealed: Option<Vec<u8>>,
    prev_expires_at: Option<i64>,
}

impl WebhookValues {
    fn encode(w: &Webhook) -> Result<Self, StoreError> {
        Ok(WebhookValues {
            webhook_id: w.webhook_id.hyphenated().to_string(),
            account_id: w.account_id.clone(),
            url: w.url.clone(),
            events: json(&w.events).map_err(StoreError::backend)?,
            is_active: w.is_active,
            description: w.description.clone(),
            created_at: w.created_at,
            updated_at: w.updated_at,
            max_retries: w.max_retries.map(i64::from),
            secret_version: i64::from(w.secret.version),
            secret_sealed: w.secret.sealed.clone(),
            prev_version: w
                .previous_secret
                .as_ref()
                .map(|p| i64::from(p.secret.version)),
            prev_sealed: w.previous_secret.as_ref().map(|p| p.secret.sealed.clone()),
            prev_expires_at: w.previous_secret.as_ref().map(|p| p.expires_at),
        })
    }

    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(WebhookValues {
            webhook_id: r.get(0)?,
            account_id: r.get(1)?,
            url: r.get(2)?,
            events: r.get(3)?,
            is_active: r.get(4)?,
            description: r.get(5)?,
            created_at: r.get(6)?,
            updated_at: r.get(7)?,
            max_retries: r.get(8)?,
            secret_version: r.get(9)?,
            secret_sealed: r.get(10)?,
            prev_version: r.get(11)?,
            prev_sealed: r.get(12)?,
            prev_expires_at: r.get(13)?,
        })
    }

    fn decode(self) -> Result<Webhook, DbError> {
        let events: EventFilter = from_json(&self.events, "events")?;
        let previous_secret = match (self.prev_version, self.prev_sealed, self.prev_expires_at) {
            (Some(v), Some(sealed), Some(expires_at)) => Some(PreviousSecret {
                secret: SealedSecret {
                    version: to_u32(v, "prev_version")?,
                    sealed,
                },
                expires_at,
            }),
            (None, None, None) => None,
            _ => return Err(corrupt("partial previous secret")),
        };
        Ok(Webhook {
            webhook_id: uuid_of(&self.webhook_id, "webhook_id")?,
            account_id: self.account_id,
            url: self.url,
            events,
            is_active: self.is_active,
            description: self.description,
            created_at: self.created_at,
            updated_at: self.updated_at,
            max_retries: self
                .max_retries
                .map(|n| to_u32(n, "max_retries"))
                .transpose()?,
            secret: SealedSecret {
                version: to_u32(self.secret_version, "secret_version")?,
                sealed: self.secret_sealed,
            },
            previous_secret,
        })
    }
}

const ATTEMPT_COLUMNS: &str =
    "delivery_id, attempt, outcome, latency_ms, error, response_excerpt, at";

fn read_attempt(r: &Row<'_>) -> rusqlite::Result<AttemptRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

type AttemptRow = (
    String,
    i64,
    String,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

fn decode_attempt(row: AttemptRow) -> Result<Attempt, DbError> {
    let (delivery_id, attempt, outcome, latency_ms, error, response_excerpt, at) = row;
    let outcome: AttemptOutcome = from_json(&outcome, "outcome")?;
    Ok(Attempt {
        delivery_id: uuid_of(&delivery_id, "delivery_id")?,
        attempt: to_u32(attempt, "attempt")?,
        outcome,
        latency_ms: u64::try_from(latency_ms)
            .map_err(|_| corrupt(format_args!("latency_ms out of range: {latency_ms}")))?,
        error,
        response_excerpt,
        at,
    })
}

const DEAD_LETTER_COLUMNS: &str = "delivery_id, webhook_id, account_id, event_id, event_type, \
     msg_id, attempts, last_outcome, reason, dead_at, replayed_at";

struct DeadLetterRow {
    delivery_id: String,
    webhook_id: String,
    account_id: String,
    event_id: String,
    event_type: String,
    msg_id: String,
    attempts: i64,
    last_outcome: Option<String>,
    reason: String,
    dead_at: i64,
    replayed_at: Option<i64>,
}

impl DeadLetterRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(DeadLetterRow {
            delivery_id: r.get(0)?,
            webhook_id: r.get(1)?,
            account_id: r.get(2)?,
            event_id: r.get(3)?,
            event_type: r.get(4)?,
            msg_id: r.get(5)?,
            attempts: r.get(6)?,
            last_outcome: r.get(7)?,
            reason: r.get(8)?,
            dead_at: r.get(9)?,
            replayed_at: r.get(10)?,
        })
    }

    fn decode(self) -> Result<StoredDeadLetter, DbError> {
        let reason = DeadLetterReason::parse(&self.reason)
            .ok_or_else(|| corrupt(format_args!("unknown reason {:?}", self.reason)))?;
        let last_outcome = self
            .last_outcome
            .as_deref()
            .map(|s| from_json::<AttemptOutcome>(s, "last_outcome"))
            .transpose()?;
        Ok(StoredDeadLetter {
            dead_letter: DeadLetter {
                delivery_id: uuid_of(&self.delivery_id, "delivery_id")?,
                webhook_id: uuid_of(&self.webhook_id, "webhook_id")?,
                account_id: self.account_id,
                event_id: uuid_of(&self.event_id, "event_id")?,
                event_type: self.event_type,
                msg_id: self.msg_id,
                attempts: to_u32(self.attempts, "attempts")?,
                last_outcome,
                reason,
                dead_at: self.dead_at,
            },
            replayed_at: self.replayed_at,
        })
    }
}

fn hyphenated(id: Uuid) -> String {
    id.hyphenated().to_string()
}

#[async_trait]
impl WebhookStore for SqliteWebhookStore {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let v = WebhookValues::encode(webhook)?;
        self.db
            .write(move |c| {
                c.execute(
                    &format!(
                        "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                    ),
                    params![
                        v.webhook_id,
                        v.account_id,
                        v.url,
                        v.events,
                        v.is_active,
                        v.description,
                        v.created_at,
                        v.updated_at,
                        v.max_retries,
                        v.secret_version,
                        v.secret_sealed,
                        v.prev_version,
                        v.prev_sealed,
                        v.prev_expires_at
                    ],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    async fn get_webhook(
        &self,
        account_id: &str,
        webhook_id: Uuid,
    ) -> Result<Option<Webhook>, StoreError> {
        let account_id = account_id.to_owned();
        let id = hyphenated(webhook_id);
        self.db
            .read(move |c| {
                let row = c
                    .query_row(
                        &format!(
                            "SELECT {WEBHOOK_COLUMNS} FROM webhooks \
                             WHERE webhook_id = ?1 AND account_id = ?2"
                        ),
                        params![id, account_id],
                        WebhookValues::read,
                    )
                    .optional()?;
                row.map(WebhookValues::decode).transpose()
            })
            .await
            .map_err(store_error)
    }

    async fn list_webhooks(
        &self,
        account_id: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<WebhookPage, StoreError> {
        let account_id = account_id.to_owned();
        let after = after.map(hyphenated).unwrap_or_default();
        let fetch = limit_of(limit);
        let webhooks = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks \
                     WHERE account_id = ?1 AND webhook_id > ?2 ORDER BY webhook_id LIMIT ?3"
                ))?;
                let rows =
                    stmt.query_map(params![account_id, after, fetch], WebhookValues::read)?;
                let mut out = Vec::new();
                for row in rows {
                    out.push(row?.decode()?);
                }
                Ok(out)
            })
            .await
            .map_err(store_error)?;
        let (webhooks, next) = triggers_sqlite::page(webhooks, limit, |w| w.webhook_id);
        Ok(WebhookPage { webhooks, next })
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: i64,
    ) -> Result<(), StoreError> {
        if webhook.updated_at <= expected_updated_at {
            return Err(StoreError::Invalid(
                "updated_at must be greater than expected_updated_at",
            ));
        }
        let v = WebhookValues::encode(webhook)?;
        self.db
            .write(move |c| {
                let n = c.execute(
                    "UPDATE webhooks SET url = ?3, events = ?4, is_active = ?5, \
                     description = ?6, updated_at = ?7, max_retries = ?8, secret_version = ?9, \
                     secret_sealed = ?10, prev_version = ?11, prev_sealed = ?12, \
                     prev_expires_at = ?13 \
                     WHERE webhook_id = ?1 AND account_id = ?2 AND updated_at = ?14",
                    params![
                        v.webhook_id,
                        v.account_id,
                        v.url,
                        v.events,
                        v.is_active,
                        v.description,
                        v.updated_at,
                        v.max_retries,
                        v.secret_version,
                        v.secret_sealed,
                        v.prev_version,
                        v.prev_sealed,
                        v.prev_expires_at,
                        expected_updated_at
                    ],
                )?;
                if n == 1 {
                    return Ok(());
                }
                let exists: bool = c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM webhooks WHERE webhook_id = ?1 AND account_id = ?2)",
                    params![v.webhook_id, v.account_id],
                    |r| r.get(0),
                )?;
                Err(abort(if exists {
                    Abort::Conflict
                } else {
                    Abort::NotFound
                }))
            })
            .await
            .map_err(store_error)
    }

    async fn delete_webhook(&self, account_id: &str, webhook_id: Uuid) -> Result<bool, StoreError> {
        let account_id = account_id.to_owned();
        let id = hyphenated(webhook_id);
        self.db
            .write(move |c| {
                let n = c.execute(
                    "DELETE FROM webhooks WHERE webhook_id = ?1 AND account_id = ?2",
                    params![id, account_id],
                )?;
                Ok(n == 1)
            })
            .await
            .map_err(store_error)
    }

    async fn record_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        let row = NewAttemptRow::of(delivery, attempt)?;
        self.db
            .write(move |c| row.insert(c, "INSERT"))
            .await
            .map_err(store_error)
    }

    async fn record_attempts(&self, batch: &[(Delivery, Attempt)]) -> Result<(), StoreError> {
        let rows = batch
            .iter()
            .map(|(d, a)| NewAttemptRow::of(d, a))
            .collect::<Result<Vec<_>, _>>()?;
        self.db
            .write(move |c| {
                for row in &rows {
                    row.insert(c, "INSERT OR IGNORE")?;
                }
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        after: Option<AttemptCursor>,
        limit: usize,
    ) -> Result<AttemptPage, StoreError> {
        let account_id = account_id.to_owned();
        let webhook_id = hyphenated(webhook_id);
        let fetch = limit_of(limit);
        // No cursor: start above every row.
        let (at, delivery_id, number) = match after {
            Some(c) => (c.at, hyphenated(c.delivery_id), i64::from(c.attempt)),
            None => (i64::MAX, "~".to_owned(), i64::MAX),
        };
        let attempts = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts \
                     WHERE webhook_id = ?1 AND account_id = ?2 \
                       AND (at, delivery_id, attempt) < (?3, ?4, ?5) \
                     ORDER BY at DESC, delivery_id DESC, attempt DESC LIMIT ?6"
                ))?;
                let rows = stmt.query_map(
                    params![webhook_id, account_id, at, delivery_id, number, fetch],
                    read_attempt,
                )?;
                let mut out = Vec::new();
                for row in rows {
                    out.push(decode_attempt(row?)?);
                }
                Ok(out)
            })
            .await
            .map_err(store_error)?;
        let (attempts, next) = triggers_sqlite::page(attempts, limit, |a| AttemptCursor {
            at: a.at,
            delivery_id: a.delivery_id,
            attempt: a.attempt,
        });
        Ok(AttemptPage { attempts, next })
    }

    async fn put_dead_letter(&self, dead_letter: &DeadLetter) -> Result<(), StoreError> {
        let d = dead_letter.clone();
        let last_outcome = d
            .last_outcome
            .as_ref()
            .map(json)
            .transpose()
            .map_err(StoreError::backend)?;
        self.db
            .write(move |c| {
                c.execute(
                    &format!(
                        "INSERT INTO webhook_dead_letters ({DEAD_LETTER_COLUMNS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL) \
                         ON CONFLICT (delivery_id) DO UPDATE SET \
                             attempts = excluded.attempts, \
                             last_outcome = excluded.last_outcome, \
                             reason = excluded.reason, dead_at = excluded.dead_at, \
                             replayed_at = NULL \
                         WHERE webhook_dead_letters.replayed_at IS NOT NULL \
                           AND webhook_dead_letters.account_id = excluded.account_id"
                    ),
                    params![
                        hyphenated(d.delivery_id),
                        hyphenated(d.webhook_id),
                        d.account_id,
                        hyphenated(d.event_id),
                        d.event_type,
                        d.msg_id,
                        i64::from(d.attempts),
                        last_outcome,
                        d.reason.as_str(),
                        d.dead_at
                    ],
                )?;
                // An upsert whose condition fails changes no row.
                if c.changes() == 0 {
                    return Err(abort(Abort::Conflict));
                }
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    async fn get_dead_letter(
        &self,
        account_id: &str,
        delivery_id: Uuid,
    ) -> Result<Option<StoredDeadLetter>, StoreError> {
        let account_id = account_id.to_owned();
        let id = hyphenated(delivery_id);
        self.db
            .read(move |c| {
                let row = c
                    .query_row(
                        &format!(
                            "SELECT {DEAD_LETTER_COLUMNS} FROM webhook_dead_letters \
                             WHERE delivery_id = ?1 AND account_id = ?2"
                        ),
                        params![id, account_id],
                        DeadLetterRow::read,
                    )
                    .optional()?;
                row.map(DeadLetterRow::decode).transpose()
            })
            .await
            .map_err(store_error)
    }

    async fn list_dead_letters(
        &self,
        account_id: &str,
        query: &DeadLetterQuery,
        after: Option<DeadLetterCursor>,
        limit: usize,
    ) -> Result<DeadLetterPage, StoreError> {
        let account_id = account_id.to_owned();
        let webhook_id = query.webhook_id.map(hyphenated);
        let since = query.since.unwrap_or(i64::MIN);
        let until = query.until;
        let fetch = limit_of(limit);
        let (dead_at, delivery_id) = match after {
            Some(c) => (c.dead_at, hyphenated(c.delivery_id)),
            None => (i64::MAX, "~".to_owned()),
        };
        let dead_letters = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT {DEAD_LETTER_COLUMNS} FROM webhook_dead_letters \
                     WHERE account_id = ?1 \
                       AND (?2 IS NULL OR webhook_id = ?2) \
                       AND dead_at >= ?3 AND (?4 IS NULL OR dead_at < ?4) \
                       AND (dead_at, delivery_id) < (?5, ?6) \
                     ORDER BY dead_at DESC, delivery_id DESC LIMIT ?7"
                ))?;
                let rows = stmt.query_map(
                    params![
                        account_id,
                        webhook_id,
                        since,
                        until,
                        dead_at,
                        delivery_id,
                        fetch
                    ],
                    DeadLetterRow::read,
                )?;
                let mut out = Vec::new();
                for row in rows {
                    out.push(row?.decode()?);
                }
                Ok(out)
            })
            .await
            .map_err(store_error)?;
        let (dead_letters, next) =
            triggers_sqlite::page(dead_letters, limit, |d| DeadLetterCursor {
                dead_at: d.dead_letter.dead_at,
                delivery_id: d.dead_letter.delivery_id,
            });
        Ok(DeadLetterPage { dead_letters, next })
    }

    async fn mark_replayed(
        &self,
        account_id: &str,
        delivery_id: Uuid,
        now: i64,
    ) -> Result<(), StoreError> {
        let account_id = account_id.to_owned();
        let id = hyphenated(delivery_id);
        self.db
            .write(move |c| {
                let n = c.execute(
                    "UPDATE webhook_dead_letters SET replayed_at = ?3 \
                     WHERE delivery_id = ?1 AND account_id = ?2 AND replayed_at IS NULL",
                    params![id, account_id, now],
                )?;
                if n == 1 {
                    return Ok(());
                }
                let exists: bool = c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM webhook_dead_letters \
                     WHERE delivery_id = ?1 AND account_id = ?2)",
                    params![id, account_id],
                    |r| r.get(0),
                )?;
                Err(abort(if exists {
                    Abort::Conflict
                } else {
                    Abort::NotFound
                }))
            })
            .await
            .map_err(store_error)
    }
}

// ---------------------------------------------------------------- queue

/// A [`DeliveryQueue`] in a SQLite table (`webhook_queue`): each row has
/// the job (JSON), `visible_at`, the current lease's random receipt token
/// and its receive count.
///
/// A receipt is `<row>.<token>`; [`ack`](DeliveryQueue::ack),
/// [`retry`](DeliveryQueue::retry) and [`extend`](DeliveryQueue::extend)
/// act only while the row's token is still that one (it changes at every
/// receive), else [`QueueError::StaleReceipt`]. An expired lease that nobody
/// received again can still be acked or retried with its receipt (as on
/// SQS); `extend` needs the lease to be still held.
#[derive(Clone)]
pub struct SqliteDeliveryQueue {
    db: Db,
    clock: Clock,
}

impl fmt::Debug for SqliteDeliveryQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteDeliveryQueue")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_receipt(r: &Receipt) -> Option<(i64, &str)> {
    let (seq, token) = r.0.split_once('.')?;
    Some((seq.parse().ok()?, token))
}

impl SqliteDeliveryQueue {
    /// A queue over `db`, on the system clock. Call
    /// [`SqliteDeliveryQueue::migrate`] once before use.
    pub fn new(db: Db) -> Self {
        SqliteDeliveryQueue {
            db,
            clock: system_clock(),
        }
    }

    /// Uses `clock` (Unix microseconds) for delays and leases: tests move
    /// time instead of sleeping.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Creates or upgrades the `webhook_queue` schema (idempotent).
    pub async fn migrate(&self) -> Result<(), QueueError> {
        self.db
            .migrate(QUEUE_NAMESPACE, QUEUE_MIGRATIONS)
            .await
            .map_err(queue_error)
    }

    /// Makes every leased job visible at once and invalidates its receipt;
    /// returns how many. For the start of the only process that consumes
    /// this queue (the local service owns its data directory): jobs leased
    /// by a previous run that crashed are delivered now instead of when
    /// their leases would have expired. Never call it while another
    /// consumer may hold leases.
    pub async fn release_leases(&self) -> Result<usize, QueueError> {
        let now = self.now();
        self.db
            .write(move |c| {
                Ok(c.execute(
                    "UPDATE webhook_queue SET visible_at = ?1, receipt = NULL \
                     WHERE receipt IS NOT NULL AND receipt <> 'corrupt' AND visible_at > ?1",
                    params![now],
                )?)
            })
            .await
            .map_err(queue_error)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }
}

#[async_trait]
impl DeliveryQueue for SqliteDeliveryQueue {
    async fn enqueue(&self, job: &Job, delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        let body = json(job).map_err(QueueError::backend)?;
        let visible_at = self.now().saturating_add(micros(delay));
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO webhook_queue (job, visible_at) VALUES (?1, ?2)",
                    params![body, visible_at],
                )?;
                Ok(())
            })
            .await
            .map_err(queue_error)
    }

    async fn enqueue_batch(&self, jobs: &[Job], delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        if jobs.is_empty() {
            return Ok(());
        }
        let bodies = jobs
            .iter()
            .map(json)
            .collect::<Result<Vec<_>, _>>()
            .map_err(QueueError::backend)?;
        let visible_at = self.now().saturating_add(micros(delay));
        self.db
            .write(move |c| {
                let mut stmt = c.prepare_cached(
                    "INSERT INTO webhook_queue (job, visible_at) VALUES (?1, ?2)",
                )?;
                for body in &bodies {
                    stmt.execute(params![body, visible_at])?;
                }
                Ok(())
            })
            .await
            .map_err(queue_error)
    }

    async fn receive(
        &self,
        max: usize,
        visibility_timeout: Duration,
    ) -> Result<Vec<Leased<Job>>, QueueError> {
        check_visibility(visibility_timeout)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let until = now.saturating_add(micros(visibility_timeout));
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let leased = self
            .db
            // A lease lost in a crash only makes the job visible again
            // (at least once), so it need not wait for a durable commit.
            .write_unsynced(move |c| {
                let rows: Vec<(i64, String, i64)> = {
                    let mut stmt = c.prepare(
                        "SELECT seq, job, receive_count FROM webhook_queue \
                         WHERE visible_at <= ?1 ORDER BY visible_at, seq LIMIT ?2",
                    )?;
                    let rows = stmt
                        .query_map(params![now, max], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                    rows.collect::<Result<_, _>>()?
                };
                let mut out = Vec::with_capacity(rows.len());
                for (seq, body, count) in rows {
                    let Ok(job) = serde_json::from_str::<Job>(&body) else {
                        // A row that is not a job (written by hand or by a
                        // future version) would fail every receive: park it
                        // for inspection instead, never visible again.
                        c.execute(
                            "UPDATE webhook_queue SET visible_at = ?2, receipt = 'corrupt' \
                             WHERE seq = ?1",
                            params![seq, i64::MAX],
                        )?;
                        continue;
                    };
                    let token = new_token();
                    let count = count.saturating_add(1);
                    c.execute(
                        "UPDATE webhook_queue SET visible_at = ?2, receipt = ?3, \
                         receive_count = ?4 WHERE seq = ?1",
                        params![seq, until, token, count],
                    )?;
                    out.push(Leased {
                        job,
                        receipt: Receipt(format!("{seq}.{token}")),
                        receive_count: u32::try_from(count).unwrap_or(u32::MAX),
                    });
                }
                Ok(out)
            })
            .await
            .map_err(queue_error)?;
        Ok(leased)
    }

    async fn ack(&self, receipt: &Receipt) -> Result<(), QueueError> {
        let (seq, token) = parse_receipt(receipt).ok_or(QueueError::StaleReceipt)?;
        let token = token.to_owned();
        self.db
            .write(move |c| {
                let n = c.execute(
                    "DELETE FROM webhook_queue WHERE seq = ?1 AND receipt = ?2",
                    params![seq, token],
                )?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(abort(Abort::Stale))
                }
            })
            .await
            .map_err(queue_error)
    }

    async fn ack_batch(&self, receipts: &[Receipt]) -> Result<usize, QueueError> {
        let leases: Vec<(i64, String)> = receipts
            .iter()
            .filter_map(|r| parse_receipt(r).map(|(seq, token)| (seq, token.to_owned())))
            .collect();
        if leases.is_empty() {
            return Ok(0);
        }
        self.db
            .write(move |c| {
                let mut stmt =
                    c.prepare_cached("DELETE FROM webhook_queue WHERE seq = ?1 AND receipt = ?2")?;
                let mut acked = 0;
                for (seq, token) in &leases {
                    acked += stmt.execute(params![seq, token])?;
                }
                Ok(acked)
            })
            .await
            .map_err(queue_error)
    }

    async fn retry(&self, receipt: &Receipt, job: &Job, delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        let (seq, token) = parse_receipt(receipt).ok_or(QueueError::StaleReceipt)?;
        let token = token.to_owned();
        let body = json(job).map_err(QueueError::backend)?;
        let visible_at = self.now().saturating_add(micros(delay));
        self.db
            .write(move |c| {
                let n = c.execute(
                    "UPDATE webhook_queue SET job = ?3, visible_at = ?4, receipt = NULL, \
                     receive_count = 0 WHERE seq = ?1 AND receipt = ?2",
                    params![seq, token, body, visible_at],
                )?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(abort(Abort::Stale))
                }
            })
            .await
            .map_err(queue_error)
    }

    async fn extend(&self, receipt: &Receipt, visibility: Duration) -> Result<(), QueueError> {
        check_visibility(visibility)?;
        let (seq, token) = parse_receipt(receipt).ok_or(QueueError::StaleReceipt)?;
        let token = token.to_owned();
        let now = self.now();
        let until = now.saturating_add(micros(visibility));
        self.db
            .write(move |c| {
                let n = c.execute(
                    "UPDATE webhook_queue SET visible_at = ?3 \
                     WHERE seq = ?1 AND receipt = ?2 AND visible_at > ?4",
                    params![seq, token, until, now],
                )?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(abort(Abort::Stale))
                }
            })
            .await
            .map_err(queue_error)
    }
}
