//! The delivery queue: jobs waiting for their next attempt. Backends
//! implement [`DeliveryQueue`]; the `testing` module (feature `testing`)
//! holds the conformance suite every backend runs.
//!
//! The semantics are those of SQS, so an SQS backend is a thin mapping:
//!
//! - **At least once.** [`receive`](DeliveryQueue::receive) leases jobs for
//!   a visibility timeout; a job whose lease expires without
//!   [`ack`](DeliveryQueue::ack) is received again, with its
//!   [`receive_count`](Leased::receive_count) incremented. Consumers must be
//!   idempotent (the `webhook-id` header lets receivers deduplicate).
//! - **Delays of at most [`MAX_QUEUE_DELAY`] (15 minutes).** A longer delay
//!   is [`QueueError::DelayTooLong`]. For a longer wait, the caller splits
//!   it with [`split_delay`](crate::split_delay): it enqueues with the first
//!   part and sets [`Job::not_before`]; a job received before its
//!   `not_before` is put back with [`retry`](DeliveryQueue::retry) for the
//!   next part, and so on.
//! - **Receipts.** Each lease has its own [`Receipt`]; once the job is
//!   received again (after the lease expired) the old receipt is stale and
//!   [`ack`](DeliveryQueue::ack), [`retry`](DeliveryQueue::retry) and
//!   [`extend`](DeliveryQueue::extend) refuse it with
//!   [`QueueError::StaleReceipt`]: a slow worker cannot delete the job a
//!   newer worker is delivering.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::MAX_QUEUE_DELAY;

/// The longest visibility timeout of a lease: 12 hours, as SQS.
pub const MAX_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(12 * 3600);

/// One delivery attempt to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Its webhook.
    pub webhook_id: Uuid,
    /// The owner.
    pub account_id: String,
    /// The event delivered.
    pub event_id: Uuid,
    /// The number of the attempt to make (1 for the first).
    pub attempt: u32,
    /// The number of the first attempt of this run: 1, or for a replayed
    /// dead letter the attempt after its last one. The retry budget counts
    /// from here, so a replay gets the full schedule again.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub first_attempt: u32,
    /// Unix microseconds before which the attempt must not be made: set
    /// when the wait is longer than the queue can delay (see the module
    /// docs). `None`: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
}

impl Job {
    /// The job as a queue message body: compact JSON, the one encoding of a
    /// job on SQS (what the SQS backend, `backends::sqs`, sends, and what it
    /// and the Lambda delivery worker of triggers-service read back with
    /// [`from_message`](Self::from_message)). Fields at their defaults
    /// (`first_attempt` 1, no `not_before`) are left out, so bodies of the
    /// first attempts stay what older versions wrote.
    pub fn to_message(&self) -> Result<String, JobCodecError> {
        serde_json::to_string(self).map_err(JobCodecError)
    }

    /// The job of a queue message body written by
    /// [`to_message`](Self::to_message). Anything else (not JSON, a missing
    /// or mistyped field, a truncated body) is a [`JobCodecError`]; unknown
    /// fields are ignored (a newer writer may add some).
    pub fn from_message(body: &str) -> Result<Job, JobCodecError> {
        serde_json::from_str(body).map_err(JobCodecError)
    }
}

/// A job that could not be encoded, or a message body that is not a job
/// ([`Job::to_message`], [`Job::from_message`]). Says where the body is
/// wrong (line, column, the field), never what the whole body holds.
#[derive(Debug, thiserror::Error)]
#[error("not a delivery job: {0}")]
pub struct JobCodecError(#[source] serde_json::Error);

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// The handle of one lease of a job: opaque, valid until the job is
/// received again.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Receipt(pub String);

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Receipt({})", self.0)
    }
}

/// A received job and its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leased<J> {
    /// The job.
    pub job: J,
    /// The handle to ack, retry or extend this lease with.
    pub receipt: Receipt,
    /// How many times the job was received since it was enqueued (or put
    /// back by [`retry`](DeliveryQueue::retry)), this time included: 1 the
    /// first time, 2 after a lease expired once.
    pub receive_count: u32,
}

/// A queue failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The delay is longer than [`MAX_QUEUE_DELAY`]: split it with
    /// [`split_delay`](crate::split_delay).
    #[error("delay longer than {max:?}")]
    DelayTooLong {
        /// [`MAX_QUEUE_DELAY`].
        max: Duration,
    },
    /// The visibility timeout is longer than [`MAX_VISIBILITY_TIMEOUT`].
    #[error("visibility timeout longer than {max:?}")]
    VisibilityTooLong {
        /// [`MAX_VISIBILITY_TIMEOUT`].
        max: Duration,
    },
    /// The receipt is not the job's current lease: the job was received
    /// again, acked, or put back since.
    #[error("stale or unknown receipt")]
    StaleReceipt,
    /// A message handed to the queue by its host (see
    /// `SqsDeliveryQueue::adopt`) is not a job.
    #[error(transparent)]
    NotAJob(#[from] JobCodecError),
    /// The backend failed.
    #[error("delivery queue failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl QueueError {
    /// Wraps any backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        QueueError::Backend(Box::new(e))
    }
}

/// Checks a delay against [`MAX_QUEUE_DELAY`].
pub fn check_delay(delay: Duration) -> Result<(), QueueError> {
    if delay > MAX_QUEUE_DELAY {
        Err(QueueError::DelayTooLong {
            max: MAX_QUEUE_DELAY,
        })
    } else {
        Ok(())
    }
}

/// Checks a visibility timeout against [`MAX_VISIBILITY_TIMEOUT`].
pub fn check_visibility(visibility: Duration) -> Result<(), QueueError> {
    if visibility > MAX_VISIBILITY_TIMEOUT {
        Err(QueueError::VisibilityTooLong {
            max: MAX_VISIBILITY_TIMEOUT,
        })
    } else {
        Ok(())
    }
}

/// A queue of delivery [`Job`]s. See the module docs for the semantics.
#[async_trait::async_trait]
pub trait DeliveryQueue: Send + Sync + 'static {
    /// Adds a job, visible after `delay` (at most [`MAX_QUEUE_DELAY`]).
    async fn enqueue(&self, job: &Job, delay: Duration) -> Result<(), QueueError>;

    /// Adds several jobs, all visible after `delay`: all of them or, on an
    /// error, possibly some (each job is enqueued at least once when this
    /// returns `Ok`). Backends batch the writes (one transaction on
    /// SQLite, batches of ten on SQS); the default enqueues one by one.
    async fn enqueue_batch(&self, jobs: &[Job], delay: Duration) -> Result<(), QueueError> {
        for job in jobs {
            self.enqueue(job, delay).await?;
        }
        Ok(())
    }

    /// Leases up to `max` visible jobs (none when `max` is 0) for
    /// `visibility_timeout` (at most [`MAX_VISIBILITY_TIMEOUT`]), oldest
    /// visible first. Returns at once, possibly with no job. Two receivers
    /// never hold the same job at the same time.
    async fn receive(
        &self,
        max: usize,
        visibility_timeout: Duration,
    ) -> Result<Vec<Leased<Job>>, QueueError>;

    /// Deletes the job of a lease: done. A stale receipt is
    /// [`QueueError::StaleReceipt`] and deletes nothing.
    async fn ack(&self, receipt: &Receipt) -> Result<(), QueueError>;

    /// Acks several leases at once (one write where the backend can; SQS:
    /// batches of ten). Stale receipts are skipped, not errors: their jobs
    /// are someone else's now. Returns how many were acked. The default
    /// acks one by one.
    async fn ack_batch(&self, receipts: &[Receipt]) -> Result<usize, QueueError> {
        let mut acked = 0;
        for receipt in receipts {
            match self.ack(receipt).await {
                Ok(()) => acked += 1,
                Err(QueueError::StaleReceipt) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(acked)
    }

    /// Puts the job of a lease back as `job` (the next attempt, usually
    /// with `attempt + 1`), visible after `delay` (at most
    /// [`MAX_QUEUE_DELAY`]; split longer delays with
    /// [`split_delay`](crate::split_delay) and [`Job::not_before`]). Its
    /// receive count starts again at 0. A stale receipt is
    /// [`QueueError::StaleReceipt`] and changes nothing. (On SQS: send the
    /// new message, then delete the leased one.)
    async fn retry(&self, receipt: &Receipt, job: &Job, delay: Duration) -> Result<(), QueueError>;

    /// Extends a lease that is still held: the job stays invisible for
    /// `visibility` from now. A stale or expired receipt is
    /// [`QueueError::StaleReceipt`].
    async fn extend(&self, receipt: &Receipt, visibility: Duration) -> Result<(), QueueError>;
}

#[async_trait::async_trait]
impl<T: DeliveryQueue + ?Sized> DeliveryQueue for Arc<T> {
    async fn enqueue(&self, job: &Job, delay: Duration) -> Result<(), QueueError> {
        (**self).enqueue(job, delay).await
    }
    async fn enqueue_batch(&self, jobs: &[Job], delay: Duration) -> Result<(), QueueError> {
        (**self).enqueue_batch(jobs, delay).await
    }
    async fn receive(
        &self,
        max: usize,
        visibility_timeout: Duration,
    ) -> Result<Vec<Leased<Job>>, QueueError> {
        (**self).receive(max, visibility_timeout).await
    }
    async fn ack(&self, receipt: &Receipt) -> Result<(), QueueError> {
        (**self).ack(receipt).await
    }
    async fn ack_batch(&self, receipts: &[Receipt]) -> Result<usize, QueueError> {
        (**self).ack_batch(receipts).await
    }
    async fn retry(&self, receipt: &Receipt, job: &Job, delay: Duration) -> Result<(), QueueError> {
        (**self).retry(receipt, job, delay).await
    }
    async fn extend(&self, receipt: &Receipt, visibility: Duration) -> Result<(), QueueError> {
        (**self).extend(receipt, visibility).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            delivery_id: Uuid::from_u128(1),
            webhook_id: Uuid::from_u128(2),
            account_id: "acct_1".into(),
            event_id: Uuid::from_u128(3),
            attempt: 1,
            first_attempt: 1,
            not_before: None,
        }
    }

    #[test]
    fn the_message_codec_round_trips_and_omits_defaults() {
        let first = job();
        let body = first.to_message().expect("encodes");
        assert!(
            !body.contains("first_attempt") && !body.contains("not_before"),
            "{body}"
        );
        assert_eq!(Job::from_message(&body).expect("decodes"), first);
        let later = Job {
            attempt: 5,
            first_attempt: 4,
            not_before: Some(1_700_000_000_000_000),
            ..job()
        };
        let body = later.to_message().expect("encodes");
        assert_eq!(Job::from_message(&body).expect("decodes"), later);
        // Unknown fields from a newer writer are ignored.
        let extended = body.replacen('{', r#"{"future":true,"#, 1);
        assert_eq!(Job::from_message(&extended).expect("decodes"), later);
    }

    #[test]
    fn bodies_that_are_not_jobs_are_typed_errors() {
        let body = job().to_message().expect("encodes");
        for bad in [
            "",
            "Message Body",
            r#"{"delivery_id":"x"}"#,
            &body[..body.len() / 2],
        ] {
            let err = Job::from_message(bad).expect_err(bad);
            assert!(err.to_string().starts_with("not a delivery job"), "{err}");
            let queue_error = QueueError::from(err);
            assert!(matches!(queue_error, QueueError::NotAJob(_)));
        }
    }
}
