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

    /// Writes every bucket of `writes` if each one's stored version is its
    /// `expected` (`None`: only if no bucket with its key is stored), all or
    /// nothing, and returns their new versions (`expected + 1`, or 1) in
    /// order. Otherwise writes nothing and fails with
    /// [`StoreError::Conflict`] (naming a bucket that conflicted). At most
    /// [`MAX_WRITE_ALL`] buckets, with distinct keys (else
    /// [`StoreError::Invalid`]). [`apply_batch`] writes a minute bucket and
    /// its hour and day rollups with one call, so they never disagree.
    async fn write_all(&self, writes: &[(&Bucket, Option<u64>)]) -> Result<Vec<u64>, StoreError>;

    /// Writes one bucket: [`write_all`](Self::write_all) of one.
    async fn write(&self, bucket: &Bucket, expected: Option<u64>) -> Result<u64, StoreError> {
        let versions = self.write_all(&[(bucket, expected)]).await?;
        versions
            .first()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("write_all returned no version".into()))
    }

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

/// The most buckets one [`AnalyticsStore::write_all`] takes: 60 minutes of
/// an hour and their hour and day rollups fit (DynamoDB's transactions hold
/// 100 items).
pub const MAX_WRITE_ALL: usize = 100;

/// The version a write produces over `expected`.
pub fn next_version(expected: Option<u64>) -> Result<u64, StoreError> {
    match expected {
        Some(v) => v
            .checked_add(1)
            .ok_or_else(|| StoreError::Invalid("version overflow".into())),
        None => Ok(1),
    }
}

/// Checks the shape of a [`AnalyticsStore::write_all`] request: 1 to
/// [`MAX_WRITE_ALL`] buckets with distinct keys. For backends.
pub fn check_write_all(writes: &[(&Bucket, Option<u64>)]) -> Result<(), StoreError> {
    if writes.is_empty() || writes.len() > MAX_WRITE_ALL {
        return Err(StoreError::Invalid(format!(
            "write_all takes 1 to {MAX_WRITE_ALL} buckets, not {}",
            writes.len()
        )));
    }
    let mut keys: Vec<&BucketKey> = writes.iter().map(|(b, _)| b.key()).collect();
    keys.sort();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(StoreError::Invalid("write_all names a bucket twice".into()));
    }
    Ok(())
}

/// How many times [`apply_batch`] loads and writes a group of buckets
/// before giving up on conflicts.
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
    /// Buckets of the folding granularity written.
    pub written: usize,
    /// Rollup bucket writes (coarser granularities; a day is written with
    /// each of its hours that changed).
    pub rollups_written: usize,
    /// Conditional writes lost (each followed by a reload and retry).
    pub conflicts: u32,
}

/// The granularities maintained as rollups above `g`.
fn coarser(g: Granularity) -> &'static [Granularity] {
    match g {
        Granularity::Minute => &[Granularity::Hour, Granularity::Day],
        Granularity::Hour => &[Granularity::Day],
        Granularity::Day => &[],
    }
}

/// Folds `records` into the stored buckets of `granularity` and keeps the
/// coarser buckets above it (for minutes: hours and days) equal to the
/// merge of their parts, so that a query over a long range reads a few day
/// buckets instead of thousands of minutes (see [`covering`]).
///
/// Per group of buckets that share their next coarser bucket (the minutes
/// of one hour of one account): loads the group's buckets and rollups,
/// applies each bucket's records, adds the records that counted (not the
/// duplicates) to the rollups, and writes the changed buckets and rollups
/// with one [`AnalyticsStore::write_all`], conditional on the versions
/// loaded. On a [`StoreError::Conflict`] it reloads the group and
/// re-applies (at most [`DEFAULT_MAX_ATTEMPTS`] rounds). Each record is
/// counted once however often batches are redelivered or overlap: the
/// buckets' dedup sets decide, and a rollup only ever receives what its
/// bucket counted in the same atomic write.
///
/// Rollups are stored [sealed](Bucket::seal) (they keep no dedup set: the
/// finer buckets do). Use one folding granularity per store: folding
/// directly at `hour` into a store whose hours are rollups of minutes would
/// count twice.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "sqlite")] {
/// use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
/// use triggers_analytics::store::{apply_batch, covering};
/// use triggers_analytics::{summary, Granularity, Record, TimeRange, DAY_US};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteAnalyticsStore::new(triggers_sqlite::Db::open(dir.path().join("a.db"), Default::default())?);
/// store.migrate().await?;
/// let day = 19_675 * DAY_US; // a day boundary
/// let request = |id: u128, at: i64| Record::ApiRequest { account: "acct_1".into(), request_id: id, status: 200, at };
/// let batch: Vec<Record> = (0..48).map(|h| request(h, day + h as i64 * 1_800_000_000)).collect();
/// let report = apply_batch(&store, Granularity::Minute, &batch).await?;
/// // 48 minutes in 24 hours: one atomic write per hour, each with its hour and the day.
/// assert_eq!((report.counted, report.written, report.rollups_written), (48, 48, 2 * 24));
///
/// // A whole day reads one bucket (its day rollup), not 1,440 minutes.
/// let range = TimeRange::new(day, day + DAY_US)?;
/// let buckets = covering(&store, "acct_1", range).await?;
/// assert_eq!(buckets.len(), 1);
/// assert_eq!(summary("acct_1", range, &buckets)?.api.requests, 48);
/// # } Ok(()) }
/// ```
pub async fn apply_batch<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
) -> Result<BatchReport, StoreError> {
    apply_batch_with(store, granularity, records, DEFAULT_MAX_ATTEMPTS).await
}

/// [`apply_batch`] with at most `max_attempts` (at least 1) rounds of
/// load → apply → write per group. Groups are independent: those written
/// stay written when another one fails; calling again with the same batch
/// is safe (already counted records are duplicates). Fails with the last
/// [`StoreError::Conflict`] when a group still conflicts after the last
/// round, or with the first other error.
pub async fn apply_batch_with<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
    max_attempts: u32,
) -> Result<BatchReport, StoreError> {
    fold_batch(store, granularity, records, Mode::Dedup, max_attempts).await
}

/// [`apply_batch`] for a host that produces each record exactly once (the
/// service's in-process host: a record is emitted once, where the fact is
/// stored), which therefore keeps no dedup sets: every stored bucket is
/// [sealed](Bucket::seal), a few KB whatever the traffic, so a flush
/// costs the same at 10 or 10,000 records per second. Duplicates within
/// the batch still count once; a record sent again in a later batch
/// counts again. Do not mix with [`apply_batch`] on the same buckets
/// (a sealed bucket refuses records: [`Applied::Sealed`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "sqlite")] {
/// use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
/// use triggers_analytics::store::{apply_batch_once, covering};
/// use triggers_analytics::{Granularity, Record, TimeRange};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteAnalyticsStore::new(triggers_sqlite::Db::open(dir.path().join("a.db"), Default::default())?);
/// store.migrate().await?;
/// let t = 1_700_000_040_000_000;
/// let request = |id: u128| Record::ApiRequest { account: "acct_1".into(), request_id: id, status: 200, at: t };
/// apply_batch_once(&store, Granularity::Minute, &[request(1), request(2), request(2)]).await?;
/// apply_batch_once(&store, Granularity::Minute, &[request(3)]).await?;
/// let buckets = covering(&store, "acct_1", TimeRange::new(t, t + 60_000_000)?).await?;
/// assert_eq!(buckets[0].api().total, 3);
/// assert!(buckets[0].is_sealed());
/// # } Ok(()) }
/// ```
pub async fn apply_batch_once<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
) -> Result<BatchReport, StoreError> {
    fold_batch(
        store,
        granularity,
        records,
        Mode::Once,
        DEFAULT_MAX_ATTEMPTS,
    )
    .await
}

/// How stored buckets count records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Through the stored dedup sets (streams redeliver).
    Dedup,
    /// Sealed buckets; the batch is deduplicated in a fresh delta.
    Once,
}

async fn fold_batch<S: AnalyticsStore + ?Sized>(
    store: &S,
    granularity: Granularity,
    records: &[Record],
    mode: Mode,
    max_attempts: u32,
) -> Result<BatchReport, StoreError> {
    let mut report = BatchReport::default();
    let group_of = |key: &BucketKey| {
        let g = coarser(granularity).first().copied().unwrap_or(granularity);
        (key.account.clone(), g.start_of(key.start))
    };
    // group → bucket → records
    type Group<'r> = BTreeMap<BucketKey, Vec<&'r Record>>;
    let mut groups: BTreeMap<(String, i64), Group<'_>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let key = record
            .validate()
            .and_then(|()| BucketKey::for_time(record.account(), granularity, record.at()));
        match key {
            Ok(key) => groups
                .entry(group_of(&key))
                .or_default()
                .entry(key)
                .or_default()
                .push(record),
            Err(error) => report.rejected.push(Rejected { index, error }),
        }
    }
    for ((account, start), group) in &groups {
        let rollup_keys: Vec<BucketKey> = coarser(granularity)
            .iter()
            .map(|&g| BucketKey {
                account: account.clone(),
                granularity: g,
                start: g.start_of(*start),
            })
            .collect();
        apply_group(store, group, &rollup_keys, mode, max_attempts, &mut report).await?;
    }
    Ok(report)
}

async fn apply_group<S: AnalyticsStore + ?Sized>(
    store: &S,
    group: &BTreeMap<BucketKey, Vec<&Record>>,
    rollup_keys: &[BucketKey],
    mode: Mode,
    max_attempts: u32,
    report: &mut BatchReport,
) -> Result<(), StoreError> {
    let mut last_conflict = None;
    for _ in 0..max_attempts.max(1) {
        let keys: Vec<BucketKey> = group.keys().chain(rollup_keys).cloned().collect();
        let mut stored: BTreeMap<BucketKey, StoredBucket> = store
            .load(&keys)
            .await?
            .into_iter()
            .map(|s| (s.bucket.key().clone(), s))
            .collect();
        let (mut counted, mut duplicates, mut sealed) = (0, 0, 0);
        let mut changed: Vec<(Bucket, Option<u64>)> = Vec::new();
        let mut fresh: Vec<&Record> = Vec::new();
        for (key, batch) in group {
            let (stored_bucket, expected) = match stored.remove(key) {
                Some(s) => (Some(s.bucket), Some(s.version)),
                None => (None, None),
            };
            // Once: count into a fresh delta, merged into the sealed bucket below.
            let (mut bucket, base) = match (mode, stored_bucket) {
                (Mode::Dedup, Some(b)) => (b, None),
                (Mode::Dedup, None) => (Bucket::new(key.clone()), None),
                (Mode::Once, b) => (Bucket::new(key.clone()), Some(b)),
            };
            let before = counted;
            for record in batch {
                match bucket.apply(record) {
                    Ok(Applied::Counted) => {
                        counted += 1;
                        fresh.push(record);
                    }
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
            if counted > before {
                if let Some(base) = base {
                    bucket.seal();
                    let mut sealed_bucket = base.unwrap_or_else(|| {
                        let mut b = Bucket::new(key.clone());
                        b.seal();
                        b
                    });
                    sealed_bucket.merge(&bucket).map_err(|e| {
                        StoreError::Corrupt(format!("cannot merge into the {}: {e}", describe(key)))
                    })?;
                    bucket = sealed_bucket;
                }
                changed.push((bucket, expected));
            }
        }
        let written = changed.len();
        if !fresh.is_empty() {
            for key in rollup_keys {
                let mut delta = Bucket::new(key.clone());
                for record in &fresh {
                    delta.apply(record).map_err(|e| {
                        StoreError::Corrupt(format!(
                            "a counted record does not fit its rollup {}: {e}",
                            describe(key)
                        ))
                    })?;
                }
                let (mut rollup, expected) = match stored.remove(key) {
                    Some(s) => (s.bucket, Some(s.version)),
                    None => {
                        let mut b = Bucket::new(key.clone());
                        b.seal();
                        (b, None)
                    }
                };
                rollup.merge(&delta).map_err(|e| {
                    StoreError::Corrupt(format!("cannot merge into the {}: {e}", describe(key)))
                })?;
                changed.push((rollup, expected));
            }
        }
        let outcome = if changed.is_empty() {
            Ok(())
        } else {
            let writes: Vec<(&Bucket, Option<u64>)> =
                changed.iter().map(|(b, v)| (b, *v)).collect();
            store.write_all(&writes).await.map(|_| ())
        };
        match outcome {
            Ok(()) => {
                report.counted += counted;
                report.duplicates += duplicates;
                report.sealed += sealed;
                report.written += written;
                report.rollups_written += changed.len() - written;
                return Ok(());
            }
            Err(StoreError::Conflict { key }) => {
                report.conflicts += 1;
                last_conflict = Some(key);
            }
            Err(e) => return Err(e),
        }
    }
    match last_conflict {
        Some(key) => Err(StoreError::Conflict { key }),
        None => Ok(()),
    }
}

/// Every stored bucket of `account` at `granularity` starting in `range`,
/// oldest first (all pages of [`AnalyticsStore::list`]).
pub async fn list_all<S: AnalyticsStore + ?Sized>(
    store: &S,
    account: &str,
    granularity: Granularity,
    range: TimeRange,
) -> Result<Vec<Bucket>, StoreError> {
    const PAGE: usize = 1_000;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.list(account, granularity, range, after, PAGE).await?;
        out.extend(page.buckets.into_iter().map(|s| s.bucket));
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// The fewest stored buckets of `account` that exactly cover `range`
/// (rounded out to whole minutes): day rollups for the whole days inside
/// it, hour rollups for the whole hours left, minutes for the rest. What a
/// summary or a breakdown over a long range reads: 30 days are about 30 day
/// buckets plus at most 46 hours and 118 minutes at the edges, instead of
/// 43,200 minutes. Needs a store folded at `minute` by [`apply_batch`]
/// (which keeps the rollups).
pub async fn covering<S: AnalyticsStore + ?Sized>(
    store: &S,
    account: &str,
    range: TimeRange,
) -> Result<Vec<Bucket>, StoreError> {
    let range = range.aligned(Granularity::Minute);
    let mut out = Vec::new();
    for (g, part) in cover(range) {
        out.extend(list_all(store, account, g, part).await?);
    }
    out.sort_by_key(Bucket::start);
    Ok(out)
}

/// Splits a minute-aligned range into the coarsest aligned parts.
fn cover(range: TimeRange) -> Vec<(Granularity, TimeRange)> {
    fn split(g_index: usize, from: i64, to: i64, out: &mut Vec<(Granularity, TimeRange)>) {
        if from >= to {
            return;
        }
        let g = Granularity::ALL[g_index];
        if g_index == 0 {
            out.push((g, TimeRange { from, to }));
            return;
        }
        let lo = g.start_of(from + g.micros() - 1);
        let hi = g.start_of(to);
        if lo >= hi {
            split(g_index - 1, from, to, out);
            return;
        }
        split(g_index - 1, from, lo, out);
        out.push((g, TimeRange { from: lo, to: hi }));
        split(g_index - 1, hi, to, out);
    }
    let mut out = Vec::new();
    split(Granularity::ALL.len() - 1, range.from, range.to, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::time::{DAY_US, HOUR_US, MINUTE_US};

    #[test]
    fn cover_uses_the_coarsest_parts_and_covers_exactly() {
        let d = 19_000 * DAY_US;
        let range = TimeRange::new(
            d - 3 * HOUR_US - 2 * MINUTE_US,
            d + 30 * DAY_US + 5 * HOUR_US + 7 * MINUTE_US,
        )
        .unwrap();
        let parts = cover(range);
        let mut t = range.from;
        for (g, p) in &parts {
            assert_eq!(p.from, t, "contiguous");
            assert!(g.is_aligned(p.from) && g.is_aligned(p.to));
            t = p.to;
        }
        assert_eq!(t, range.to);
        let n = |g| {
            parts
                .iter()
                .filter(|(pg, _)| *pg == g)
                .map(|(_, p)| p.micros() / g.micros())
                .sum::<i64>()
        };
        assert_eq!(
            (
                n(Granularity::Day),
                n(Granularity::Hour),
                n(Granularity::Minute)
            ),
            (30, 3 + 5, 2 + 7)
        );
        assert_eq!(
            cover(TimeRange::new(d + MINUTE_US, d + 2 * MINUTE_US).unwrap()).len(),
            1
        );
    }
}
