//! Timestamps: stored as Unix microseconds, shown as RFC 3339.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in Unix microseconds.
pub fn now_micros() -> i64 {
    let now = OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// RFC 3339 (UTC, microsecond precision) of Unix microseconds.
pub fn rfc3339_micros(micros: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// RFC 3339 of Unix seconds.
pub fn rfc3339_secs(secs: i64) -> String {
    rfc3339_micros(secs.saturating_mul(1_000_000))
}

/// Parses RFC 3339 into Unix microseconds.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000).ok()
}
