//! [`Aggregates`]: the buckets of many accounts at one granularity, and
//! [`fold`], the function both hosts run over a batch of records.
//!
//! - **In-process host** (the service with SQLite): keep an `Aggregates`
//!   of minute buckets, [`fold`] records as they are produced (or re-read
//!   from the store after a restart: duplicates are harmless), persist the
//!   buckets [`take_changed`](Aggregates::take_changed) names as row blobs,
//!   [`seal_before`](Aggregates::seal_before) the horizon.
//! - **Stream host** (a DynamoDB Streams Lambda): convert the batch's stream
//!   records to [`Record`]s, load the items [`required_keys`] names into
//!   [`Aggregates::from_buckets`], [`fold`], write the changed buckets back
//!   with a conditional write on the version read (retry the batch on a
//!   conflict: the redelivery is deduplicated).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::bucket::{Applied, Bucket};
use crate::error::{ApplyError, MergeError, RecordError};
use crate::record::Record;
use crate::time::{BucketKey, Granularity, TimeRange};

#[derive(Debug, Clone)]
struct Slot {
    bucket: Bucket,
    changed: bool,
}

/// Buckets of one granularity, for any number of accounts (each bucket
/// belongs to exactly one: records of one account never touch another's).
#[derive(Debug, Clone)]
pub struct Aggregates {
    granularity: Granularity,
    accounts: HashMap<String, BTreeMap<i64, Slot>>,
}

/// What a [`fold`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldReport {
    /// Records counted.
    pub counted: u64,
    /// Records counted before (redeliveries): ignored.
    pub duplicates: u64,
    /// Records for sealed buckets: not counted (see [`Applied::Sealed`]).
    pub sealed: u64,
    /// Invalid records (index in the batch, why): not counted. A stream host
    /// logs them and goes on; retrying cannot fix them.
    pub rejected: Vec<Rejected>,
}

/// An invalid record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its position in the batch.
    pub index: usize,
    /// Why.
    pub error: RecordError,
}

impl Aggregates {
    /// No buckets yet.
    pub fn new(granularity: Granularity) -> Self {
        Aggregates {
            granularity,
            accounts: HashMap::new(),
        }
    }

    /// Aggregates holding `buckets` (loaded from a store), all of
    /// `granularity`. Two buckets with the same key are merged.
    pub fn from_buckets(
        granularity: Granularity,
        buckets: impl IntoIterator<Item = Bucket>,
    ) -> Result<Self, MergeError> {
        let mut a = Aggregates::new(granularity);
        for b in buckets {
            a.insert(b)?;
        }
        Ok(a)
    }

    /// The granularity of every bucket.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// Adds a bucket of this granularity (merged into the one with the same
    /// key, if any). Not marked changed.
    pub fn insert(&mut self, bucket: Bucket) -> Result<(), MergeError> {
        if bucket.granularity() != self.granularity {
            return Err(MergeError::NotContained {
                into: self.granularity,
                from: bucket.granularity(),
            });
        }
        let slots = self
            .accounts
            .entry(bucket.account().to_owned())
            .or_default();
        match slots.get_mut(&bucket.start()) {
            Some(slot) => slot.bucket.merge(&bucket),
            None => {
                slots.insert(
                    bucket.start(),
                    Slot {
                        bucket,
                        changed: false,
                    },
                );
                Ok(())
            }
        }
    }

    /// Folds one record into its bucket (created empty if absent): see
    /// [`Bucket::apply`].
    #[inline]
    pub fn apply(&mut self, record: &Record) -> Result<Applied, ApplyError> {
        record.validate()?;
        let account = record.account();
        if !self.accounts.contains_key(account) {
            self.accounts.insert(account.to_owned(), BTreeMap::new());
        }
        let Some(slots) = self.accounts.get_mut(account) else {
            return Err(ApplyError::Invalid(RecordError::InvalidAccount));
        };
        let start = self.granularity.start_of(record.at());
        let slot = slots.entry(start).or_insert_with(|| Slot {
            bucket: Bucket::new(BucketKey {
                account: account.to_owned(),
                granularity: self.granularity,
                start,
            }),
            changed: false,
        });
        let applied = slot.bucket.apply_valid(record)?;
        if applied == Applied::Counted {
            slot.changed = true;
        }
        Ok(applied)
    }

    /// The bucket with this key.
    pub fn get(&self, key: &BucketKey) -> Option<&Bucket> {
        if key.granularity != self.granularity {
            return None;
        }
        self.accounts
            .get(&key.account)?
            .get(&key.start)
            .map(|s| &s.bucket)
    }

    /// The buckets of `account` starting in `range`, oldest first.
    pub fn buckets<'a>(
        &'a self,
        account: &str,
        range: TimeRange,
    ) -> impl Iterator<Item = &'a Bucket> + 'a {
        self.accounts
            .get(account)
            .into_iter()
            .flat_map(move |slots| slots.range(range.from..range.to).map(|(_, s)| &s.bucket))
    }

    /// Every bucket (accounts in no particular order, each oldest first).
    pub fn iter(&self) -> impl Iterator<Item = &Bucket> + '_ {
        self.accounts
            .values()
            .flat_map(|slots| slots.values().map(|s| &s.bucket))
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.accounts.values().map(BTreeMap::len).sum()
    }

    /// True when there is no bucket.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buckets changed (a record counted) since the last call, and clears
    /// the marks: what a host writes back after a fold.
    pub fn take_changed(&mut self) -> Vec<BucketKey> {
        let mut out = Vec::new();
        for slots in self.accounts.values_mut() {
            for slot in slots.values_mut() {
                if std::mem::take(&mut slot.changed) {
                    out.push(slot.bucket.key().clone());
                }
            }
        }
        out.sort();
        out
    }

    /// Seals every bucket that ends at or before `t` (see
    /// [`Bucket::seal`]); returns how many were sealed now. Sealing marks a
    /// bucket changed (its stored form shrinks).
    pub fn seal_before(&mut self, t: i64) -> usize {
        let mut n = 0;
        for slots in self.accounts.values_mut() {
            for slot in slots.values_mut() {
                if slot.bucket.end() <= t && !slot.bucket.is_sealed() {
                    slot.bucket.seal();
                    slot.changed = true;
                    n += 1;
                }
            }
        }
        n
    }

    /// Takes a bucket out (e.g. once persisted and sealed).
    pub fn remove(&mut self, key: &BucketKey) -> Option<Bucket> {
        if key.granularity != self.granularity {
            return None;
        }
        let slots = self.accounts.get_mut(&key.account)?;
        let slot = slots.remove(&key.start)?;
        if slots.is_empty() {
            self.accounts.remove(&key.account);
        }
        Some(slot.bucket)
    }

    /// All buckets, sorted by key.
    pub fn into_buckets(self) -> Vec<Bucket> {
        let mut out: Vec<Bucket> = self
            .accounts
            .into_values()
            .flat_map(|slots| slots.into_values().map(|s| s.bucket))
            .collect();
        out.sort_by(|a, b| a.key().cmp(b.key()));
        out
    }
}

/// Folds `records` into `state`: the one aggregation function of both
/// hosts. Order does not matter and redeliveries count once (each bucket
/// keeps the identities it counted). Invalid records are reported, not
/// fatal.
///
/// ```
/// use triggers_analytics::{fold, Aggregates, Granularity, Record};
///
/// let request = |id, status| Record::ApiRequest {
///     account: "acct_1".into(), request_id: id, status, at: 1_700_000_000_000_000,
/// };
/// let batch = [request(1, 200), request(2, 503), request(1, 200)];
/// let (state, report) = fold(Aggregates::new(Granularity::Minute), &batch);
/// assert_eq!((report.counted, report.duplicates), (2, 1));
/// let bucket = state.iter().next().unwrap();
/// assert_eq!(bucket.api().errors(), 1);
/// ```
pub fn fold<'a, I>(mut state: Aggregates, records: I) -> (Aggregates, FoldReport)
where
    I: IntoIterator<Item = &'a Record>,
{
    let mut report = FoldReport::default();
    for (index, record) in records.into_iter().enumerate() {
        match state.apply(record) {
            Ok(Applied::Counted) => report.counted += 1,
            Ok(Applied::Duplicate) => report.duplicates += 1,
            Ok(Applied::Sealed) => report.sealed += 1,
            Err(ApplyError::Invalid(error)) => report.rejected.push(Rejected { index, error }),
            // `Aggregates::apply` picks the record's own bucket.
            Err(ApplyError::WrongBucket { .. }) => {}
        }
    }
    (state, report)
}

/// The keys of the buckets the valid `records` fall in at `granularity`:
/// what a stream host loads before a [`fold`].
pub fn required_keys<'a>(
    granularity: Granularity,
    records: impl IntoIterator<Item = &'a Record>,
) -> BTreeSet<BucketKey> {
    records
        .into_iter()
        .filter(|r| r.validate().is_ok())
        .filter_map(|r| BucketKey::for_time(r.account(), granularity, r.at()).ok())
        .collect()
}

/// Merges buckets into buckets of the coarser granularity `to` (minutes
/// into hours, hours into days), one per (account, interval). Equal to
/// folding the records directly at `to`.
pub fn rollup<'a>(
    buckets: impl IntoIterator<Item = &'a Bucket>,
    to: Granularity,
) -> Result<Vec<Bucket>, MergeError> {
    let mut out: BTreeMap<BucketKey, Bucket> = BTreeMap::new();
    for b in buckets {
        if b.granularity() > to {
            return Err(MergeError::NotContained {
                into: to,
                from: b.granularity(),
            });
        }
        let key = BucketKey {
            account: b.account().to_owned(),
            granularity: to,
            start: to.start_of(b.start()),
        };
        out.entry(key.clone())
            .or_insert_with(|| Bucket::new(key))
            .merge(b)?;
    }
    Ok(out.into_values().collect())
}
