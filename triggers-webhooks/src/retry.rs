//! When to try a delivery again: [`RetryPolicy`], [`parse_retry_after`],
//! the classification of an attempt ([`Disposition`]) and [`split_delay`]
//! for queues with a bounded delay.
//!
//! Attempts are numbered from 1: attempt 1 is the first delivery, attempts
//! `2..=max_retries + 1` are the retries.
//!
//! ```
//! use std::time::Duration;
//! use triggers_webhooks::{AttemptOutcome, Disposition, Jitter, RetryPolicy};
//!
//! let policy = RetryPolicy { jitter: Jitter::None, ..RetryPolicy::default() };
//! assert_eq!(Disposition::of(&AttemptOutcome::Status(503)), Disposition::Retry);
//! // 5 s, 10 s, 20 s, then give up.
//! assert_eq!(policy.next_delay(1, None, 0.0), Some(Duration::from_secs(5)));
//! assert_eq!(policy.next_delay(3, None, 0.0), Some(Duration::from_secs(20)));
//! assert_eq!(policy.next_delay(4, None, 0.0), None);
//! ```

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The longest delay SQS accepts on a message: 15 minutes.
pub const MAX_QUEUE_DELAY: Duration = Duration::from_secs(15 * 60);
/// The largest `max_retries` a webhook may ask for (see
/// [`RetryPolicy::with_max_retries`]).
pub const MAX_RETRIES_LIMIT: u32 = 20;

/// How randomness spreads retries of many failed deliveries over time, so a
/// receiver that comes back is not hit by all of them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Exactly the exponential backoff (for tests and tooling).
    None,
    /// Uniform in `[0, backoff]` (AWS "full jitter"): the widest spread, but
    /// a retry may fire almost at once.
    Full,
    /// Uniform in `[backoff / 2, backoff]` ("equal jitter"). The default: a
    /// struggling receiver always gets at least half the backoff.
    #[default]
    Equal,
}

/// Exponential backoff with jitter, bounded in count and in delay.
///
/// Delay before retry `n` (after attempt `n` failed, `n` = 1, 2, …):
/// `min(base_delay * 2^(n-1), max_delay)`, then jittered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 3.
    pub max_retries: u32,
    /// Backoff before the first retry, doubled for each further one; also
    /// the shortest wait a `Retry-After` can ask for. Default 5 s.
    pub base_delay: Duration,
    /// The longest backoff. Default 1 h: beyond it a retry is no longer a
    /// "retry soon" but a schedule; with [`MAX_RETRIES_LIMIT`] retries the
    /// whole schedule stays under a day, and one such delay is four hops of
    /// [`MAX_QUEUE_DELAY`].
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to it.
    /// Default 1 h, as `max_delay`.
    pub max_retry_after: Duration,
    /// Default [`Jitter::Equal`].
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            max_retry_after: Duration::from_secs(3600),
            jitter: Jitter::Equal,
        }
    }
}

impl RetryPolicy {
    /// This policy with a webhook's own retry count (`None` keeps the
    /// policy's), capped at [`MAX_RETRIES_LIMIT`].
    pub fn with_max_retries(self, max_retries: Option<u32>) -> Self {
        RetryPolicy {
            max_retries: max_retries
                .unwrap_or(self.max_retries)
                .min(MAX_RETRIES_LIMIT),
            ..self
        }
    }

    /// The wait before the next attempt, after attempt number `attempt`
    /// failed with a [`Disposition::Retry`]; `None` when it was the last one
    /// allowed (`attempt > max_retries`). An `attempt` of 0 counts as 1.
    ///
    /// `retry_after` (from the response's `Retry-After`, see
    /// [`parse_retry_after`]) replaces the backoff, clamped to
    /// `[base_delay, max_retry_after]` and without jitter: the receiver is
    /// never retried earlier than it asked (unless it asked for more than
    /// `max_retry_after`). It never grants an extra retry.
    ///
    /// `rng_value` is a uniform random number in `[0, 1)` (values outside
    /// are clamped, NaN counts as 0), so the result is deterministic for
    /// tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// use triggers_webhooks::{Jitter, RetryPolicy};
    /// let p = RetryPolicy { jitter: Jitter::Equal, ..RetryPolicy::default() };
    /// // Second retry: backoff 10 s, equal jitter spreads it over [5 s, 10 s].
    /// assert_eq!(p.next_delay(2, None, 0.0), Some(Duration::from_secs(5)));
    /// assert_eq!(p.next_delay(2, None, 0.5), Some(Duration::from_millis(7500)));
    /// // Retry-After: 2 s is raised to the 5 s base.
    /// assert_eq!(p.next_delay(1, Some(Duration::from_secs(2)), 0.9), Some(Duration::from_secs(5)));
    /// ```
    pub fn next_delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng_value: f64,
    ) -> Option<Duration> {
        let attempt = attempt.max(1);
        if attempt > self.max_retries {
            return None;
        }
        if let Some(asked) = retry_after {
            return Some(asked.min(self.max_retry_after).max(self.base_delay));
        }
        let backoff = 2u32
            .checked_pow(attempt - 1)
            .and_then(|factor| self.base_delay.checked_mul(factor))
            .unwrap_or(Duration::MAX)
            .min(self.max_delay);
        let r = if rng_value.is_nan() {
            0.0
        } else {
            rng_value.clamp(0.0, 1.0)
        };
        Some(match self.jitter {
            Jitter::None => backoff,
            Jitter::Full => scale(backoff, r),
            Jitter::Equal => {
                let half = backoff / 2;
                half + scale(backoff - half, r)
            }
        })
    }
}

/// `d * r` for `r` in `[0, 1]`, never more than `d` and never panicking
/// (`Duration::mul_f64` panics when `f64` rounding overflows near
/// `Duration::MAX`).
fn scale(d: Duration, r: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * r)
        .unwrap_or(d)
        .min(d)
}

/// Parses a `Retry-After` header value: delta-seconds (`120`) or an
/// HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, measured from `now`; a date in
/// the past is zero). `None` for anything else. Delta-seconds too large for
/// a `u64` saturate (the policy clamps them anyway).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use triggers_webhooks::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_400);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(80)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(header_value: &str, now: SystemTime) -> Option<Duration> {
    let v = header_value.trim_matches(|c| c == ' ' || c == '\t');
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Why an attempt got no HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// No complete response within the attempt's deadline.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// TCP connection refused, reset or unreachable.
    Connect,
    /// The TLS handshake failed (bad certificate, protocol error).
    Tls,
    /// The response was not valid HTTP, or the connection broke mid-way.
    Protocol,
    /// The URL or every address it resolved to is refused by the
    /// [`UrlPolicy`](crate::UrlPolicy).
    Blocked,
}

impl FailureKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Timeout => "timeout",
            FailureKind::Dns => "dns",
            FailureKind::Connect => "connect",
            FailureKind::Tls => "tls",
            FailureKind::Protocol => "protocol",
            FailureKind::Blocked => "blocked",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "timeout" => FailureKind::Timeout,
            "dns" => FailureKind::Dns,
            "connect" => FailureKind::Connect,
            "tls" => FailureKind::Tls,
            "protocol" => FailureKind::Protocol,
            "blocked" => FailureKind::Blocked,
            _ => return None,
        })
    }
}

/// What came of one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// An HTTP response with this status code.
    Status(u16),
    /// No response.
    Failed(FailureKind),
}

/// What the delivery engine does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 2xx: delivered.
    Success,
    /// Try again per the [`RetryPolicy`]; dead-letter once it says `None`.
    Retry,
    /// 410 Gone: the receiver asks us to stop. Deactivate the webhook
    /// (`is_active = false`), do not retry, dead-letter the delivery.
    Deactivate,
    /// Retrying cannot help: the destination is refused by the URL policy.
    /// Dead-letter at once; the webhook stays active (its DNS may change
    /// back, and deactivation is the owner's call).
    DeadLetter,
}

impl Disposition {
    /// Classifies an attempt.
    ///
    /// - 2xx → [`Success`](Disposition::Success);
    /// - 410 → [`Deactivate`](Disposition::Deactivate);
    /// - every other status → [`Retry`](Disposition::Retry): 408, 425, 429
    ///   and 5xx are transient by definition, and like Svix we also retry
    ///   other 4xx and 1xx/3xx (receivers return 401/404 during deploys and
    ///   misconfigurations that get fixed; retries are bounded anyway).
    ///   3xx are never followed: a redirect target would escape the SSRF
    ///   check;
    /// - timeouts, DNS, connection, TLS and protocol failures →
    ///   [`Retry`](Disposition::Retry);
    /// - [`FailureKind::Blocked`] → [`DeadLetter`](Disposition::DeadLetter).
    pub fn of(outcome: &AttemptOutcome) -> Self {
        match *outcome {
            AttemptOutcome::Status(200..=299) => Disposition::Success,
            AttemptOutcome::Status(410) => Disposition::Deactivate,
            AttemptOutcome::Status(_) => Disposition::Retry,
            AttemptOutcome::Failed(FailureKind::Blocked) => Disposition::DeadLetter,
            AttemptOutcome::Failed(_) => Disposition::Retry,
        }
    }
}

/// Splits a delay for a queue that delays messages by at most
/// [`MAX_QUEUE_DELAY`] (SQS): the part to delay now, and the rest, if any, to
/// wait out by re-enqueueing the message (with the remaining time in its
/// body) when it comes back.
///
/// ```
/// use std::time::Duration;
/// use triggers_webhooks::split_delay;
/// let min = |m: u64| Duration::from_secs(m * 60);
/// assert_eq!(split_delay(min(10)), (min(10), None));
/// assert_eq!(split_delay(min(40)), (min(15), Some(min(25))));
/// ```
pub fn split_delay(d: Duration) -> (Duration, Option<Duration>) {
    if d <= MAX_QUEUE_DELAY {
        (d, None)
    } else {
        (MAX_QUEUE_DELAY, Some(d - MAX_QUEUE_DELAY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn plain() -> RetryPolicy {
        RetryPolicy {
            jitter: Jitter::None,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn default_schedule_and_end() {
        let p = plain();
        assert_eq!(p.next_delay(0, None, 0.3), Some(S(5)));
        assert_eq!(p.next_delay(1, None, 0.3), Some(S(5)));
        assert_eq!(p.next_delay(2, None, 0.3), Some(S(10)));
        assert_eq!(p.next_delay(3, None, 0.3), Some(S(20)));
        assert_eq!(p.next_delay(4, None, 0.3), None);
        assert_eq!(
            p.next_delay(4, Some(S(1)), 0.3),
            None,
            "Retry-After grants no extra retry"
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..plain()
        };
        assert_eq!(none.next_delay(1, None, 0.0), None);
    }

    #[test]
    fn backoff_is_capped_without_overflow() {
        let p = RetryPolicy {
            max_retries: u32::MAX,
            ..plain()
        };
        assert_eq!(p.next_delay(10, None, 0.0), Some(S(2560)));
        assert_eq!(p.next_delay(11, None, 0.0), Some(S(3600)));
        assert_eq!(p.next_delay(40, None, 0.0), Some(S(3600)));
        assert_eq!(p.next_delay(u32::MAX, None, 0.0), Some(S(3600)));
        let huge = RetryPolicy {
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            max_retries: u32::MAX,
            ..plain()
        };
        assert_eq!(huge.next_delay(3, None, 0.0), Some(Duration::MAX));
        let full = RetryPolicy {
            jitter: Jitter::Full,
            ..huge
        };
        for r in [0.0, 0.5, 0.999, 1.0] {
            assert!(full.next_delay(3, None, r).is_some());
            let equal = RetryPolicy {
                jitter: Jitter::Equal,
                ..huge
            };
            assert!(equal.next_delay(3, None, r).is_some());
        }
    }

    #[test]
    fn jitter_bounds_and_odd_rng_values() {
        let full = RetryPolicy {
            jitter: Jitter::Full,
            ..RetryPolicy::default()
        };
        let equal = RetryPolicy::default();
        assert_eq!(full.next_delay(2, None, 0.0), Some(Duration::ZERO));
        assert_eq!(full.next_delay(2, None, 0.5), Some(S(5)));
        assert_eq!(full.next_delay(2, None, 1.0), Some(S(10)));
        assert_eq!(equal.next_delay(2, None, 0.0), Some(S(5)));
        assert_eq!(equal.next_delay(2, None, 1.0), Some(S(10)));
        for odd in [f64::NAN, f64::NEG_INFINITY, -3.0] {
            assert_eq!(full.next_delay(2, None, odd), Some(Duration::ZERO));
            assert_eq!(equal.next_delay(2, None, odd), Some(S(5)));
        }
        for big in [f64::INFINITY, 7.0] {
            assert_eq!(full.next_delay(2, None, big), Some(S(10)));
        }
        for i in 0..=100 {
            let r = f64::from(i) / 100.0;
            for attempt in 1..=3 {
                let plain = plain()
                    .next_delay(attempt, None, r)
                    .expect("within retries");
                let e = equal.next_delay(attempt, None, r).expect("within retries");
                let f = full.next_delay(attempt, None, r).expect("within retries");
                assert!(e >= plain / 2 && e <= plain);
                assert!(f <= plain);
            }
        }
    }

    #[test]
    fn retry_after_is_clamped_and_not_jittered() {
        let p = RetryPolicy::default();
        assert_eq!(p.next_delay(1, Some(S(0)), 0.0), Some(S(5)));
        assert_eq!(p.next_delay(1, Some(S(90)), 0.0), Some(S(90)));
        assert_eq!(p.next_delay(3, Some(S(7)), 0.0), Some(S(7)));
        assert_eq!(p.next_delay(1, Some(S(86_400)), 0.0), Some(S(3600)));
        assert_eq!(p.next_delay(1, Some(Duration::MAX), 0.0), Some(S(3600)));
        // A misconfigured policy (max below base) does not panic.
        let odd = RetryPolicy {
            max_retry_after: S(1),
            ..p
        };
        assert_eq!(odd.next_delay(1, Some(S(3)), 0.0), Some(S(5)));
    }

    #[test]
    fn webhook_override_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.with_max_retries(None).max_retries, 3);
        assert_eq!(p.with_max_retries(Some(0)).max_retries, 0);
        assert_eq!(p.with_max_retries(Some(8)).max_retries, 8);
        assert_eq!(
            p.with_max_retries(Some(1000)).max_retries,
            MAX_RETRIES_LIMIT
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + S(1_445_412_400); // Wed, 21 Oct 2015 07:26:40 GMT
        assert_eq!(parse_retry_after("0", now), Some(S(0)));
        assert_eq!(parse_retry_after(" 30\t", now), Some(S(30)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(S(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(S(80))
        );
        // Obsolete forms RFC 9110 requires recipients to accept.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            Some(S(80))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:00 2015", now),
            Some(S(80))
        );
        assert_eq!(
            parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", " ", "-5", "1.5", "+3", "soon", "Wed, 21 Oct 2015", "３"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn classification() {
        use AttemptOutcome::*;
        use Disposition::*;
        for s in [200, 201, 204, 299] {
            assert_eq!(Disposition::of(&Status(s)), Success, "{s}");
        }
        assert_eq!(Disposition::of(&Status(410)), Deactivate);
        for s in [
            100, 301, 302, 400, 401, 403, 404, 408, 413, 425, 429, 500, 502, 503, 504, 599, 0, 999,
        ] {
            assert_eq!(Disposition::of(&Status(s)), Retry, "{s}");
        }
        for k in [
            FailureKind::Timeout,
            FailureKind::Dns,
            FailureKind::Connect,
            FailureKind::Tls,
            FailureKind::Protocol,
        ] {
            assert_eq!(Disposition::of(&Failed(k)), Retry, "{k:?}");
            assert_eq!(FailureKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Disposition::of(&Failed(FailureKind::Blocked)), DeadLetter);
        assert_eq!(FailureKind::parse("blocked"), Some(FailureKind::Blocked));
        assert_eq!(FailureKind::parse("nope"), None);
    }

    #[test]
    fn split_for_sqs() {
        assert_eq!(split_delay(Duration::ZERO), (Duration::ZERO, None));
        assert_eq!(split_delay(MAX_QUEUE_DELAY), (MAX_QUEUE_DELAY, None));
        assert_eq!(
            split_delay(MAX_QUEUE_DELAY + Duration::from_millis(1)),
            (MAX_QUEUE_DELAY, Some(Duration::from_millis(1)))
        );
        assert_eq!(split_delay(S(3600)), (MAX_QUEUE_DELAY, Some(S(2700))));
        assert_eq!(
            split_delay(Duration::MAX),
            (MAX_QUEUE_DELAY, Some(Duration::MAX - MAX_QUEUE_DELAY))
        );
    }
}
