//! The typed errors of the crate. None of them carries a secret: records
//! hold ids, names and numbers only.

use core::fmt;

use crate::time::{BucketKey, Granularity};

/// Why a [`Record`](crate::Record) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The account id is empty, longer than 255 bytes or has a control
    /// character.
    InvalidAccount,
    /// A name field (`source`, `event_type`) is empty, longer than 255 bytes
    /// or has a control character.
    InvalidName {
        /// The field.
        field: &'static str,
    },
    /// An API response status outside 100..=599, or a delivery response
    /// status outside 100..=999.
    InvalidStatus(u16),
    /// Attempt numbers start at 1.
    InvalidAttempt,
    /// A timestamp outside 0..=[`MAX_TIME`](crate::MAX_TIME) (Unix
    /// microseconds, years 1970 to 9999).
    TimeOutOfRange(i64),
    /// `ingest_to_delivery_us` on an attempt that did not succeed: only a
    /// delivery has an ingest-to-delivery time.
    LatencyOnFailedAttempt,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::InvalidAccount => {
                f.write_str("invalid account id: must be 1 to 255 bytes without control characters")
            }
            RecordError::InvalidName { field } => write!(
                f,
                "invalid {field}: must be 1 to 255 bytes without control characters"
            ),
            RecordError::InvalidStatus(s) => write!(f, "invalid HTTP status {s}"),
            RecordError::InvalidAttempt => f.write_str("attempt numbers start at 1"),
            RecordError::TimeOutOfRange(t) => write!(
                f,
                "timestamp {t} is outside 0..=253402300799999999 (Unix microseconds)"
            ),
            RecordError::LatencyOnFailedAttempt => {
                f.write_str("ingest_to_delivery_us is only valid on a successful attempt")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Why [`Bucket::apply`](crate::Bucket::apply) refused a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// The record itself is invalid.
    Invalid(RecordError),
    /// The record belongs to another account or another time interval than
    /// the bucket's.
    WrongBucket {
        /// The bucket the record belongs to at this bucket's granularity.
        expected: BucketKey,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Invalid(e) => write!(f, "invalid record: {e}"),
            ApplyError::WrongBucket { expected } => write!(
                f,
                "the record belongs to the {} bucket starting at {} of another account or interval",
                expected.granularity.as_str(),
                expected.start
            ),
        }
    }
}

impl std::error::Error for ApplyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApplyError::Invalid(e) => Some(e),
            ApplyError::WrongBucket { .. } => None,
        }
    }
}

impl From<RecordError> for ApplyError {
    fn from(e: RecordError) -> Self {
        ApplyError::Invalid(e)
    }
}

/// Why two buckets could not be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// The buckets belong to different accounts: analytics never mix
    /// accounts.
    AccountMismatch,
    /// The merged bucket's interval does not contain the other one (a finer
    /// or equal granularity, inside the target interval, is required).
    NotContained {
        /// The target's granularity.
        into: Granularity,
        /// The merged bucket's granularity.
        from: Granularity,
    },
    /// Both buckets counted the same records (this many): merging them would
    /// count those twice. Merge is for disjoint parts (minutes into an hour,
    /// or shards); a redelivered record is deduplicated by
    /// [`Bucket::apply`](crate::Bucket::apply), not by merging.
    Overlap {
        /// Records counted in both.
        records: usize,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::AccountMismatch => {
                f.write_str("cannot merge buckets of different accounts")
            }
            MergeError::NotContained { into, from } => write!(
                f,
                "a {} bucket does not fit in this {} bucket",
                from.as_str(),
                into.as_str()
            ),
            MergeError::Overlap { records } => write!(
                f,
                "both buckets counted the same {records} record(s); merging would count them twice"
            ),
        }
    }
}

impl std::error::Error for MergeError {}

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// `from >= to`, or a bound outside 0..=[`MAX_TIME`](crate::MAX_TIME).
    InvalidRange {
        /// Unix microseconds.
        from: i64,
        /// Unix microseconds.
        to: i64,
    },
    /// A bucket of another account was passed in: analytics never mix
    /// accounts.
    AccountMismatch,
    /// A bucket straddles a bound of the range (or of a timeseries point),
    /// so its counts cannot be attributed. Align the range to the buckets'
    /// granularity.
    BucketStraddlesRange(BucketKey),
    /// Two buckets cover the same time: their records would be counted
    /// twice.
    OverlappingBuckets(BucketKey),
    /// A timeseries range must start and end on boundaries of its
    /// granularity.
    UnalignedRange(Granularity),
    /// The timeseries would have more than
    /// [`MAX_POINTS`](crate::query::MAX_POINTS) points.
    TooManyPoints(u64),
    /// The filter does not apply to this metric or dimension (only event
    /// volume is kept per source and event type).
    FilterNotSupported,
    /// `top_n` must be between 1 and
    /// [`MAX_TOP_N`](crate::query::MAX_TOP_N).
    InvalidTopN(usize),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::InvalidRange { from, to } => write!(
                f,
                "invalid time range [{from}, {to}): from must be before to, both within 0..=253402300799999999"
            ),
            QueryError::AccountMismatch => {
                f.write_str("a bucket of another account was passed to the query")
            }
            QueryError::BucketStraddlesRange(k) => write!(
                f,
                "the {} bucket starting at {} straddles a bound of the range; align the range",
                k.granularity.as_str(),
                k.start
            ),
            QueryError::OverlappingBuckets(k) => write!(
                f,
                "the {} bucket starting at {} overlaps another bucket",
                k.granularity.as_str(),
                k.start
            ),
            QueryError::UnalignedRange(g) => {
                write!(f, "the range must start and end on {} boundaries", g.as_str())
            }
            QueryError::TooManyPoints(n) => write!(
                f,
                "{n} points requested; at most {} per timeseries",
                crate::query::MAX_POINTS
            ),
            QueryError::FilterNotSupported => f.write_str(
                "source and event_type filters apply only to event volume (metric `events`, dimensions `source` and `event_type`)",
            ),
            QueryError::InvalidTopN(n) => write!(
                f,
                "top_n {n} is outside 1..={}",
                crate::query::MAX_TOP_N
            ),
        }
    }
}

impl std::error::Error for QueryError {}
