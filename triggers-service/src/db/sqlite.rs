//! Events on the embedded SQLite store.

use serde_json::value::RawValue;
use triggers_sqlite::rusqlite::{self, OptionalExtension, Row, params};
use triggers_sqlite::{Db, DbError};
use uuid::Uuid;

use crate::core::events::{
    Cursor, Event, EventPage, EventStore, IDEMPOTENCY_WINDOW_MICROS, InboxQuery, Ingested,
    NewEvent, StoreError,
};

const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    source TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT,
    received_at INTEGER NOT NULL,
    acked_at INTEGER
);
CREATE INDEX events_inbox ON events (account_id, received_at, event_id) WHERE acked_at IS NULL;
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
",
    // The webhook outbox: events stored before it existed count as dispatched.
    "
ALTER TABLE events ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 1;
CREATE INDEX events_undispatched ON events (received_at) WHERE dispatched = 0;
",
];

/// [`EventStore`] on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteEventStore {
    db: Db,
}

impl SqliteEventStore {
    /// Wraps the database and applies the `events` schema.
    pub async fn open(db: Db) -> Result<Self, DbError> {
        db.migrate("events", MIGRATIONS).await?;
        Ok(SqliteEventStore { db })
    }
}

const COLUMNS: &str =
    "event_id, account_id, source, event_type, payload, idempotency_key, received_at, acked_at";

fn corrupt(what: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(what.to_string())
}

fn row_to_event(row: &Row<'_>) -> rusqlite::Result<Result<Event, DbError>> {
    let id: String = row.get(0)?;
    let payload: String = row.get(4)?;
    Ok((|| {
        Ok(Event {
            event_id: Uuid::parse_str(&id).map_err(corrupt)?,
            account_id: row.get(1)?,
            source: row.get(2)?,
            event_type: row.get(3)?,
            payload: RawValue::from_string(payload).map_err(corrupt)?,
            idempotency_key: row.get(5)?,
            received_at: row.get(6)?,
            acked_at: row.get(7)?,
        })
    })())
}

fn get_event(
    c: &rusqlite::Connection,
    account_id: &str,
    event_id: &str,
) -> Result<Option<Event>, DbError> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE event_id = ?1 AND account_id = ?2"
    ))?
    .query_row(params![event_id, account_id], row_to_event)
    .optional()?
    .transpose()
}

#[async_trait::async_trait]
impl EventStore for SqliteEventStore {
    async fn ingest(&self, event: NewEvent) -> Result<Ingested, StoreError> {
        self.db
            .write(move |c| {
                if let Some(key) = &event.idempotency_key {
                    let fingerprint = event.fingerprint();
                    let prior: Option<(String, Vec<u8>, i64)> = c
                        .prepare_cached(
                            "SELECT event_id, fingerprint, created_at FROM idempotency_keys
                             WHERE account_id = ?1 AND idempotency_key = ?2",
                        )?
                        .query_row(params![event.account_id, key], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })
                        .optional()?;
                    if let Some((prior_id, prior_fingerprint, created_at)) = prior {
                        if created_at > event.received_at - IDEMPOTENCY_WINDOW_MICROS {
                            if prior_fingerprint != fingerprint {
                                return Ok(Ingested::KeyReused);
                            }
                            if let Some(original) = get_event(c, &event.account_id, &prior_id)? {
                                return Ok(Ingested::Duplicate(original));
                            }
                        }
                    }
                    c.prepare_cached(
                        "INSERT INTO idempotency_keys
                             (account_id, idempotency_key, event_id, fingerprint, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (account_id, idempotency_key) DO UPDATE SET
                             event_id = excluded.event_id,
                             fingerprint = excluded.fingerprint,
                             created_at = excluded.created_at",
                    )?
                    .execute(params![
                        event.account_id,
                        key,
                        event.event_id.to_string(),
                        fingerprint.to_vec(),
                        event.received_at
                    ])?;
                }
                c.prepare_cached(
                    "INSERT INTO events (event_id, account_id, source, event_type, payload,
                                         idempotency_key, received_at, dispatched)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
                )?
                .execute(params![
                    event.event_id.to_string(),
                    event.account_id,
                    event.source,
                    event.event_type,
                    event.payload.get(),
                    event.idempotency_key,
                    event.received_at
                ])?;
                Ok(Ingested::Created(event.to_event()))
            })
            .await
            .map_err(StoreError::backend)
    }

    async fn get(&self, account_id: &str, event_id: Uuid) -> Result<Option<Event>, StoreError> {
        let (account_id, event_id) = (account_id.to_owned(), event_id.to_string());
        self.db
            .read(move |c| get_event(c, &account_id, &event_id))
            .await
            .map_err(StoreError::backend)
    }

    async fn inbox(&self, account_id: &str, query: &InboxQuery) -> Result<EventPage, StoreError> {
        let account_id = account_id.to_owned();
        let query = query.clone();
        self.db
            .read(move |c| {
                let (after_ts, after_id) = match query.after {
                    Some(cur) => (cur.received_at, cur.event_id.to_string()),
                    None => (i64::MIN, String::new()),
                };
                let limit = i64::try_from(query.limit.clamp(1, 500)).unwrap_or(100);
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM events
                     WHERE account_id = ?1 AND acked_at IS NULL
                       AND (received_at, event_id) > (?2, ?3)
                       AND (?4 IS NULL OR source = ?4)
                       AND (?5 IS NULL OR event_type = ?5)
                     ORDER BY received_at, event_id
                     LIMIT ?6"
                ))?;
                let rows = stmt.query_map(
                    params![
                        account_id,
                        after_ts,
                        after_id,
                        query.source,
                        query.event_type,
                        limit + 1
                    ],
                    row_to_event,
                )?;
                let mut events = Vec::new();
                for row in rows {
                    events.push(row??);
                }
                let (events, next) =
                    triggers_sqlite::page(events, query.limit.clamp(1, 500), |e| Cursor {
                        received_at: e.received_at,
                        event_id: e.event_id,
                    });
                Ok(EventPage { events, next })
            })
            .await
            .map_err(StoreError::backend)
    }

    async fn ack(
        &self,
        account_id: &str,
        event_id: Uuid,
        at: i64,
    ) -> Result<Option<Event>, StoreError> {
        let (account_id, event_id) = (account_id.to_owned(), event_id.to_string());
        self.db
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE events SET acked_at = ?3
                     WHERE event_id = ?1 AND account_id = ?2 AND acked_at IS NULL",
                )?
                .execute(params![event_id, account_id, at])?;
                get_event(c, &account_id, &event_id)
            })
            .await
            .map_err(StoreError::backend)
    }

    async fn undispatched(
        &self,
        received_before: i64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.db
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM events
                     WHERE dispatched = 0 AND received_at < ?1
                     ORDER BY received_at LIMIT ?2"
                ))?;
                let rows = stmt.query_map(params![received_before, limit], row_to_event)?;
                let mut events = Vec::new();
                for row in rows {
                    events.push(row??);
                }
                Ok(events)
            })
            .await
            .map_err(StoreError::backend)
    }

    async fn mark_dispatched(&self, event_ids: &[Uuid]) -> Result<(), StoreError> {
        if event_ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = event_ids.iter().map(Uuid::to_string).collect();
        self.db
            .write(move |c| {
                let mut stmt = c.prepare_cached(
                    "UPDATE events SET dispatched = 1 WHERE event_id = ?1 AND dispatched = 0",
                )?;
                for id in &ids {
                    stmt.execute(params![id])?;
                }
                Ok(())
            })
            .await
            .map_err(StoreError::backend)
    }
}
