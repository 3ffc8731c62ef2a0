//! Persistence of buckets: the [`AnalyticsStore`] trait every backend
//! implements (`backends::sqlite`, `backends::dynamodb`), and
//! [`apply_batch`], the load → fold → conditional write loop both hosts run
//! over it.
//!
//! Every stored bucket carries a **version** (1 on first write, +1 on each
//! write). A write names the version it read ([`AnalyticsStore::write`]'s
//! `expected`, `None` for "not stored yet") and fails with
//! [`StoreError::Conflict`] when another writer got there first. Two hosts
//! folding overlapping batches (two Lambda invocations, a redelivered
//! stream batch) therefore never lose an update: the loser reloads the
//! bucket and re-applies its records, and the bucket's dedup set makes the
//! records the winner already counted no-ops.

use core::fmt;
use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::aggregates::Rejected;
use crate::bucket::{Applied, Bucket};
use crate::error::ApplyError;
use crate::record::Record;
use crate::time::{BucketKey, Granularity, TimeRange};

/// A bucket as stored, with the version a conditional write names.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBucket {
    /// The bucket.
    pub bucket: Bucket,
    /// Its version: 1 after the first write, +1 after each.
    pub version: u64,
}

/// One page of [`AnalyticsStore::list`].
#[derive(Debug, Clone, PartialEq)]
pub struct BucketPage {
    /// The buckets, oldest first.
    pub buckets: Vec<StoredBucket>,
    /// When more buckets follow: the `after` of the next page (the start of
    /// the last bucket of this one).
    pub next: Option<i64>,
}

/// A store failure.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The conditional write lost: the bucket's stored version is not the
    /// one the writer read (another writer wrote it first, or it was
    /// created meanwhile). Reload and re-apply.
    Conflict {
        /// The bucket.
        key: BucketKey,
    },
    /// The serialised bucket is larger than the backend can store in one
    /// item (DynamoDB: 400 KB); nothing was written. Seal the bucket (drops
    /// its dedup set) or fold at a finer granularity.
    TooLarge {
        /// The bucket.
        key: BucketKey,
        /// Its serialised size.
        bytes: usize,
        /// The backend's limit for it.
        limit: usize,
    },
    /// The request is invalid (a limit of 0, a bucket key of another
    /// granularity than the listing's, …).
    Invalid(String),
    /// A stored bucket does not decode, or is not the bucket of its key.
    Corrupt(String),
    /// The backend failed (I/O, throttling, service error).
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend's error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }

    /// A stable machine code (`conflict`, `too_large`, `invalid`,
    /// `corrupt`, `backend`).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::TooLarge { .. } => "too_large",
            StoreError::Invalid(_) => "invalid",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Backend(_) => "backend",
        }
    }
}

fn describe(key: &BucketKey) -> String {
    format!(
        "{} {} bucket at {}",
        key.account,
        key.granularity.as_str(),
        key.start
    )
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict { key } => write!(
                f,
                "the {} was written concurrently (version changed)",
                describe(key)
            ),
            StoreError::TooLarge { key, bytes, limit } => write!(
                f,
                "the {} serialises to {bytes} bytes, over the backend's limit of {limit}",
                describe(key)
            ),
            StoreError::Invalid(what) => write!(f, "invalid store request: {what}"),
            StoreError::Corrupt(what) => write!(f, "corrupt stored bucket: {what}"),
            StoreError::Backend(e) => write!(f, "analytics store backend failed: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Backend(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Where buckets are kept: SQLite rows, DynamoDB items.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// The stored buckets of `keys` (any accounts and granularities), in no
    /// particular order; keys with no stored bucket are absent. Reads see
    /// every completed write.
    async fn load(&self, keys: &[BucketKey]) -> Result<Vec<StoredBucket>, StoreError>;

    /// Writes `bucket` if its stored version is `expected` (`None`: only if
    /// no bucket with its key is stored) and returns the new version
    /// (`expected + 1`, or 1). Otherwise writes nothing and fails with
    /// [`StoreError::Conflict`].
    async fn write(&self, bucket: &Bucket, expected: Option<u64>) -> Result<u64, StoreError>;

    /// The buckets of `account` at `granularity` starting in `range` and
    /// after `after` (exclusive; `None` for the first page), oldest first,
    /// at most `limit` (at least 1) per page.
    async fn list(
        &self,
        account: &str,
        granularity: Granularity,
        range: TimeRange,
        after: Option<i64>,
        limit: usize,
    ) -> Result<BucketPage, StoreError>;
}

/// How many times [`apply_batch`] loads and writes a bucket before giving up
/// on conflicts.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// What [`apply_batch`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Records counted (in buckets this call wrote).
    pub counted: u64,
    /// Records already counted in their stored bucket (redeliveries).
    pub duplicates: u64,
    /// Records for sealed buckets: not counted.
    pub sealed: u64,
    /// Invalid records (index in the batch, why): not counted, not retried.
    pub rejected: Vec<Rejected>,
    /// Buckets written.
    pub written: usize,
    /// Conditional writes lost (each followed by a reload and retry).
    pub conflicts: u32,
}

/// Folds `records` into the stored buckets of `granularity`: loads the
/// buckets they fall in, applies each bucket's records, writes the changed
/// buckets conditionally on the version loaded, and on a
/// [`StoreError::Conflict`] reloads that bucket and re-applies its records,
/// at most [`DEFAULT_MAX_ATTEMPTS`] times per batch. Each record is counted
/// once however often batches are redelivered or overlap (the buckets'
/// dedup sets). See [`apply_batch_with`].
pub async fn apply_batch<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
) -> Result<BatchReport, StoreError> {
    apply_batch_with(store, granularity, records, DEFAULT_MAX_ATTEMPTS).await
}

/// [`apply_batch`] with at most `max_attempts` (at least 1) rounds of
/// load → apply → write. Buckets are independent: those written stay
/// written when another one fails; calling again with the same batch is
/// safe (already counted records are duplicates). Fails with the last
/// [`StoreError::Conflict`] when a bucket still conflicts after the last
/// round, or with the first other error.
pub async fn apply_batch_with<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
    max_attempts: u32,
) -> Result<BatchReport, StoreError> {
    let mut report = BatchReport::default();
    let mut pending: BTreeMap<BucketKey, Vec<&Record>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let key = record
            .validate()
            .and_then(|()| BucketKey::for_time(record.account(), granularity, record.at()));
        match key {
            Ok(key) => pending.entry(key).or_default().push(record),
            Err(error) => report.rejected.push(Rejected { index, error }),
        }
    }
    let mut last_conflict = None;
    for _ in 0..max_attempts.max(1) {
        if pending.is_empty() {
            return Ok(report);
        }
        let keys: Vec<BucketKey> = pending.keys().cloned().collect();
        let mut stored: BTreeMap<BucketKey, StoredBucket> = store
            .load(&keys)
            .await?
            .into_iter()
            .map(|s| (s.bucket.key().clone(), s))
            .collect();
        let mut done = Vec::new();
        for (key, batch) in &pending {
            let (mut bucket, expected) = match stored.remove(key) {
                Some(s) => (s.bucket, Some(s.version)),
                None => (Bucket::new(key.clone()), None),
            };
            let (mut counted, mut duplicates, mut sealed) = (0, 0, 0);
            for record in batch {
                match bucket.apply(record) {
                    Ok(Applied::Counted) => counted += 1,
                    Ok(Applied::Duplicate) => duplicates += 1,
                    Ok(Applied::Sealed) => sealed += 1,
                    Err(ApplyError::Invalid(e)) => {
                        return Err(StoreError::Corrupt(format!(
                            "a record validated before the fold was refused: {e}"
                        )));
                    }
                    Err(e @ ApplyError::WrongBucket { .. }) => {
                        return Err(StoreError::Corrupt(format!(
                            "the stored {} is another bucket: {e}",
                            describe(key)
                        )));
                    }
                }
            }
            let outcome = if counted == 0 {
                Ok(())
            } else {
                store.write(&bucket, expected).await.map(|_| ())
            };
            match outcome {
                Ok(()) => {
                    report.counted += counted;
                    report.duplicates += duplicates;
                    report.sealed += sealed;
                    if counted > 0 {
                        report.written += 1;
                    }
                    done.push(key.clone());
                }
                Err(StoreError::Conflict { key }) => {
                    report.conflicts += 1;
                    last_conflict = Some(key);
                }
                Err(e) => return Err(e),
            }
        }
        for key in done {
            pending.remove(&key);
        }
    }
    match (pending.is_empty(), last_conflict) {
        (false, Some(key)) => Err(StoreError::Conflict { key }),
        _ => Ok(report),
    }
}
