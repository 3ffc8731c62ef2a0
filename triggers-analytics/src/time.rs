//! Time buckets: [`Granularity`], [`BucketKey`] and [`TimeRange`].
//!
//! Times are Unix **microseconds** (UTC), like every `*_at` of the service.
//! Buckets are aligned on the Unix epoch: minutes on whole minutes, hours on
//! whole hours, days on UTC midnights.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{QueryError, RecordError};

/// The latest accepted time: 9999-12-31T23:59:59.999999Z in Unix
/// microseconds.
pub const MAX_TIME: i64 = 253_402_300_799_999_999;

/// Microseconds in a minute.
pub const MINUTE_US: i64 = 60_000_000;
/// Microseconds in an hour.
pub const HOUR_US: i64 = 60 * MINUTE_US;
/// Microseconds in a day.
pub const DAY_US: i64 = 24 * HOUR_US;

/// The width of a bucket. Ordered from finest to coarsest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One minute.
    Minute,
    /// One hour (60 minutes).
    Hour,
    /// One UTC day (24 hours).
    Day,
}

impl Granularity {
    /// Every granularity, finest first.
    pub const ALL: [Granularity; 3] = [Granularity::Minute, Granularity::Hour, Granularity::Day];

    /// The width in microseconds.
    pub const fn micros(self) -> i64 {
        match self {
            Granularity::Minute => MINUTE_US,
            Granularity::Hour => HOUR_US,
            Granularity::Day => DAY_US,
        }
    }

    /// The start of the bucket holding `t` (floor to the granularity).
    ///
    /// ```
    /// use triggers_analytics::Granularity;
    /// assert_eq!(Granularity::Minute.start_of(119_999_999), 60_000_000);
    /// ```
    pub const fn start_of(self, t: i64) -> i64 {
        t.div_euclid(self.micros()) * self.micros()
    }

    /// True when `t` is a bucket boundary.
    pub const fn is_aligned(self, t: i64) -> bool {
        t.rem_euclid(self.micros()) == 0
    }

    /// The name (`minute`, `hour`, `day`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Granularity::Minute => "minute",
            Granularity::Hour => "hour",
            Granularity::Day => "day",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s output.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "minute" => Granularity::Minute,
            "hour" => Granularity::Hour,
            "day" => Granularity::Day,
            _ => return None,
        })
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a timestamp against 0..=[`MAX_TIME`].
pub(crate) fn check_time(t: i64) -> Result<i64, RecordError> {
    if (0..=MAX_TIME).contains(&t) {
        Ok(t)
    } else {
        Err(RecordError::TimeOutOfRange(t))
    }
}

/// The identity of a bucket: one account, one granularity, one interval
/// `[start, start + granularity)`. A store keys its bucket rows (SQLite) or
/// items (DynamoDB) by it, e.g. partition key `account`, sort key
/// `granularity#start`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BucketKey {
    /// The owner.
    pub account: String,
    /// The width.
    pub granularity: Granularity,
    /// Unix microseconds, aligned to `granularity`.
    pub start: i64,
}

impl BucketKey {
    /// The key of the bucket holding time `at` of `account`.
    pub fn for_time(
        account: impl Into<String>,
        granularity: Granularity,
        at: i64,
    ) -> Result<Self, RecordError> {
        let account = account.into();
        crate::record::check_account(&account)?;
        Ok(BucketKey {
            account,
            granularity,
            start: granularity.start_of(check_time(at)?),
        })
    }

    /// The end of the interval (exclusive).
    pub fn end(&self) -> i64 {
        self.start + self.granularity.micros()
    }

    /// True when `t` falls in `[start, end)`.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && t < self.end()
    }
}

/// A half-open interval `[from, to)` of Unix microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Inclusive start.
    pub from: i64,
    /// Exclusive end.
    pub to: i64,
}

impl TimeRange {
    /// `[from, to)`; `from < to`, both in 0..=[`MAX_TIME`].
    pub fn new(from: i64, to: i64) -> Result<Self, QueryError> {
        if from < to && from >= 0 && to <= MAX_TIME {
            Ok(TimeRange { from, to })
        } else {
            Err(QueryError::InvalidRange { from, to })
        }
    }

    /// The smallest range aligned to `granularity` that contains this one
    /// (`from` floored, `to` ceiled).
    ///
    /// ```
    /// use triggers_analytics::{Granularity, TimeRange};
    /// let r = TimeRange::new(90_000_000, 150_000_000)?.aligned(Granularity::Minute);
    /// assert_eq!((r.from, r.to), (60_000_000, 180_000_000));
    /// # Ok::<(), triggers_analytics::QueryError>(())
    /// ```
    pub fn aligned(self, granularity: Granularity) -> Self {
        let g = granularity.micros();
        let from = granularity.start_of(self.from);
        let to = granularity.start_of(self.to - 1) + g;
        TimeRange { from, to }
    }

    /// True when both bounds are boundaries of `granularity`.
    pub fn is_aligned(&self, granularity: Granularity) -> bool {
        granularity.is_aligned(self.from) && granularity.is_aligned(self.to)
    }

    /// The length in microseconds.
    pub fn micros(&self) -> i64 {
        self.to - self.from
    }
}
