//! The SQLite backend (feature `sqlite`): [`SqliteAnalyticsStore`], on the
//! group-committing executor of `triggers-sqlite`, migration namespace
//! `analytics`.
//!
//! One row per bucket in `analytics_buckets(account, granularity, start,
//! version, blob)`, primary key `(account, granularity, start)`; `blob` is
//! the bucket's JSON. A write is one conditional statement in its own
//! savepoint of the single writer: the stored versions are checked, then
//! every bucket of a `write_all` is upserted (a mismatch writes nothing). Reads go to
//! the reader pool. SQLite has no item size limit.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
//! use triggers_analytics::store::{AnalyticsStore, apply_batch};
//! use triggers_analytics::{Granularity, Record, TimeRange};
//!
//! let dir = tempfile::tempdir()?;
//! let db = triggers_sqlite::Db::open(dir.path().join("a.db"), Default::default())?;
//! let store = SqliteAnalyticsStore::new(db);
//! store.migrate().await?;
//! let t = 1_700_000_040_000_000;
//! let request = Record::ApiRequest { account: "acct_1".into(), request_id: 1, status: 200, at: t };
//! let report = apply_batch(&store, Granularity::Minute, &[request.clone(), request]).await?;
//! assert_eq!((report.counted, report.duplicates), (1, 1));
//! let page = store.list("acct_1", Granularity::Minute, TimeRange::new(t, t + 60_000_000)?, None, 10).await?;
//! assert_eq!(page.buckets[0].bucket.api().total, 1);
//! # Ok(()) }
//! ```

use async_trait::async_trait;
use triggers_sqlite::rusqlite::{OptionalExtension, params};
use triggers_sqlite::{Db, DbError};

use super::codec;
use crate::store::{
    AnalyticsStore, BucketPage, StoreError, StoredBucket, check_write_all, next_version,
};
use crate::{Bucket, BucketKey, Granularity, TimeRange};

/// The migration namespace of the schema.
pub const NAMESPACE: &str = "analytics";

const MIGRATIONS: &[&str] = &["
CREATE TABLE analytics_buckets (
    account     TEXT    NOT NULL,
    granularity TEXT    NOT NULL,
    start       INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    blob        BLOB    NOT NULL,
    PRIMARY KEY (account, granularity, start)
) WITHOUT ROWID;
"];

/// An [`AnalyticsStore`] in a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteAnalyticsStore {
    db: Db,
}

fn backend(e: DbError) -> StoreError {
    StoreError::backend(e)
}

fn version_of(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative version {v}")))
}

fn sql_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("version {v} out of range")))
}

impl SqliteAnalyticsStore {
    /// A store over `db`. Call [`SqliteAnalyticsStore::migrate`] once
    /// before use.
    pub fn new(db: Db) -> Self {
        SqliteAnalyticsStore { db }
    }

    /// Creates or upgrades the `analytics` schema (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.db
            .migrate(NAMESPACE, MIGRATIONS)
            .await
            .map_err(backend)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

#[async_trait]
impl AnalyticsStore for SqliteAnalyticsStore {
    async fn load(&self, keys: &[BucketKey]) -> Result<Vec<StoredBucket>, StoreError> {
        let keys = keys.to_vec();
        let rows = self
            .db
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT version, blob FROM analytics_buckets \
                     WHERE account = ?1 AND granularity = ?2 AND start = ?3",
                )?;
                let mut rows = Vec::new();
                for key in keys {
                    let row: Option<(i64, Vec<u8>)> = stmt
                        .query_row(
                            params![key.account, key.granularity.as_str(), key.start],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    if let Some(row) = row {
                        rows.push((key, row));
                    }
                }
                Ok(rows)
            })
            .await
            .map_err(backend)?;
        rows.into_iter()
            .map(|(key, (version, blob))| {
                Ok(StoredBucket {
                    bucket: codec::decode(&blob, &key)?,
                    version: version_of(version)?,
                })
            })
            .collect()
    }

    async fn write_all(&self, writes: &[(&Bucket, Option<u64>)]) -> Result<Vec<u64>, StoreError> {
        check_write_all(writes)?;
        let mut rows = Vec::with_capacity(writes.len());
        for (bucket, expected) in writes {
            let new = next_version(*expected)?;
            rows.push((
                bucket.key().clone(),
                expected.map(sql_i64).transpose()?,
                sql_i64(new)?,
                codec::encode(bucket)?,
            ));
        }
        let versions: Vec<u64> = writes
            .iter()
            .map(|(_, e)| next_version(*e))
            .collect::<Result<_, _>>()?;
        // The writer is the database's only writer: checking every version
        // first, then writing, inside one savepoint, is atomic.
        let conflict = self
            .db
            .write(move |c| {
                {
                    let mut stmt = c.prepare_cached(
                        "SELECT version FROM analytics_buckets \
                         WHERE account = ?1 AND granularity = ?2 AND start = ?3",
                    )?;
                    for (key, expected, _, _) in &rows {
                        let stored: Option<i64> = stmt
                            .query_row(
                                params![key.account, key.granularity.as_str(), key.start],
                                |r| r.get(0),
                            )
                            .optional()?;
                        if stored != *expected {
                            return Ok(Some(key.clone()));
                        }
                    }
                }
                let mut stmt = c.prepare_cached(
                    "INSERT INTO analytics_buckets (account, granularity, start, version, blob) \
                     VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (account, granularity, start) \
                     DO UPDATE SET version = excluded.version, blob = excluded.blob",
                )?;
                for (key, _, new, blob) in &rows {
                    stmt.execute(params![
                        key.account,
                        key.granularity.as_str(),
                        key.start,
                        new,
                        blob
                    ])?;
                }
                Ok(None)
            })
            .await
            .map_err(backend)?;
        match conflict {
            Some(key) => Err(StoreError::Conflict { key }),
            None => Ok(versions),
        }
    }

    async fn list(
        &self,
        account: &str,
        granularity: Granularity,
        range: TimeRange,
        after: Option<i64>,
        limit: usize,
    ) -> Result<BucketPage, StoreError> {
        let limit = limit.max(1);
        let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        let account = account.to_owned();
        let from = match after {
            Some(a) => range.from.max(a.saturating_add(1)),
            None => range.from,
        };
        let rows = self
            .db
            .read({
                let account = account.clone();
                move |c| {
                    let mut stmt = c.prepare_cached(
                        "SELECT start, version, blob FROM analytics_buckets \
                         WHERE account = ?1 AND granularity = ?2 AND start >= ?3 AND start < ?4 \
                         ORDER BY start LIMIT ?5",
                    )?;
                    let rows = stmt
                        .query_map(
                            params![account, granularity.as_str(), from, range.to, fetch],
                            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?)),
                        )?
                        .collect::<Result<Vec<(i64, i64, Vec<u8>)>, _>>()?;
                    Ok(rows)
                }
            })
            .await
            .map_err(backend)?;
        let (rows, next) = triggers_sqlite::page(rows, limit, |r| r.0);
        let buckets = rows
            .into_iter()
            .map(|(start, version, blob)| {
                let key = BucketKey {
                    account: account.clone(),
                    granularity,
                    start,
                };
                Ok(StoredBucket {
                    bucket: codec::decode(&blob, &key)?,
                    version: version_of(version)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(BucketPage { buckets, next })
    }
}
