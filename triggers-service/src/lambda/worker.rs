//! The delivery worker behind an SQS event source: [`Worker::handle`]
//! delivers a batch of jobs with the webhook engine and reports the
//! messages that are not settled as `batchItemFailures` ([`run`]). See the
//! [module docs](super) for what counts as a failure and what settles a
//! message.
//!
//! A message body is a [`Job`] in its one queue encoding
//! ([`Job::to_message`] / [`Job::from_message`], shared with the SQS
//! backend). How a record becomes a lease depends on the engine's queue:
//!
//! - **SQS** (backend `aws`; [`Worker::for_app`] picks it): the record is
//!   handed to [`SqsDeliveryQueue::adopt`](triggers_webhooks::backends::sqs::SqsDeliveryQueue::adopt),
//!   which registers the lease the Lambda service took with the queue the
//!   engine settles through (deadline: when it was received + the queue's
//!   visibility timeout). The receipt is then current for `ack` and
//!   `retry` exactly like one the queue received itself.
//! - **any other queue** (SQLite, for trying the functions out): the
//!   receipt handle is used as it is ([`leased_job`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
#[cfg(feature = "aws")]
use triggers_webhooks::backends::sqs::{ReceivedMessage, SqsDeliveryQueue};
use triggers_webhooks::engine::{EngineError, Processed, Webhooks};
use triggers_webhooks::queue::{Job, JobCodecError, Leased, Receipt};

use crate::app::App;

/// How long before the invocation's deadline the worker stops waiting for
/// deliveries in flight, by default.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// The SQS message attribute holding how often a message was received.
const RECEIVE_COUNT: &str = "ApproximateReceiveCount";
/// The SQS message attribute holding when it was first received (Unix
/// milliseconds).
#[cfg(feature = "aws")]
const FIRST_RECEIVED: &str = "ApproximateFirstReceiveTimestamp";

/// Why a message of the batch is not a job to process. Never holds the
/// message body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The message has no receipt handle.
    #[error("the message has no receipt handle")]
    NoReceipt,
    /// The message has no body.
    #[error("the message has no body")]
    NoBody,
    /// The body is not a delivery job ([`Job::from_message`]).
    #[error(transparent)]
    NotAJob(#[from] JobCodecError),
}

/// The receipt handle and body of a message, both present.
fn parts(message: &SqsMessage) -> Result<(&str, &str), MessageError> {
    let receipt = message
        .receipt_handle
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or(MessageError::NoReceipt)?;
    let body = message.body.as_deref().ok_or(MessageError::NoBody)?;
    Ok((receipt, body))
}

fn receive_count(message: &SqsMessage) -> u32 {
    message
        .attributes
        .get(RECEIVE_COUNT)
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
}

/// The job of a message, leased under its receipt handle as it is (for
/// queues that accept any receipt they issued; SQS uses
/// [`SqsDeliveryQueue::adopt`](triggers_webhooks::backends::sqs::SqsDeliveryQueue::adopt)).
pub fn leased_job(message: &SqsMessage) -> Result<Leased<Job>, MessageError> {
    let (receipt, body) = parts(message)?;
    let job = Job::from_message(body)?;
    Ok(Leased {
        job,
        receipt: Receipt(receipt.to_owned()),
        receive_count: receive_count(message),
    })
}

/// When the Lambda service received `message`, as well as the record
/// says: its first receive time when this is its first receive, otherwise
/// (unknown) `started`, the start of the invocation, which is later (see
/// [`ReceivedMessage::received_at`]).
#[cfg(feature = "aws")]
fn received_at(message: &SqsMessage, started: SystemTime) -> SystemTime {
    if receive_count(message) > 1 {
        return started;
    }
    message
        .attributes
        .get(FIRST_RECEIVED)
        .and_then(|t| t.parse::<u64>().ok())
        .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms))
        .filter(|t| *t <= started)
        .unwrap_or(started)
}

/// What became of one message.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Processed and settled on the queue (see [`Processed`]).
    Processed(Processed),
    /// Not a job: reported, so SQS moves it to the dead-letter queue after
    /// `maxReceiveCount` receives.
    Undecodable(MessageError),
    /// Processing failed (store, queue or event source), or the queue could
    /// not take the message over (its lease already over, the queue's
    /// visibility timeout unreadable): reported, SQS delivers it again.
    Failed(EngineError),
    /// Still in flight when the deadline came near (or its task panicked):
    /// abandoned and reported, SQS delivers it again.
    Unfinished,
}

impl Outcome {
    /// True when the message goes in `batchItemFailures`.
    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Processed(_))
    }
}

/// One message of a batch and what became of it.
#[derive(Debug)]
pub struct MessageReport {
    /// The SQS message id (empty when the message had none).
    pub message_id: String,
    /// The outcome.
    pub outcome: Outcome,
}

/// What became of a batch, message by message, in the order received.
#[derive(Debug, Default)]
pub struct BatchReport {
    /// One report per message of the event.
    pub messages: Vec<MessageReport>,
}

impl BatchReport {
    /// The ids of the messages SQS must deliver again.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.messages
            .iter()
            .filter(|m| m.outcome.is_failure())
            .map(|m| m.message_id.as_str())
    }

    /// The function's response: the failed messages as
    /// `batchItemFailures` (a message without an id is reported with an
    /// empty one, which makes Lambda retry the whole batch: never lost).
    pub fn response(&self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = self
            .failures()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.to_owned();
                failure
            })
            .collect();
        response
    }
}

/// How the worker runs a batch.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Deliveries still in flight this long before the invocation's deadline
    /// are abandoned and reported (default [`DEFAULT_DEADLINE_MARGIN`]).
    pub deadline_margin: Duration,
    /// Messages processed at once; default: the engine's concurrency.
    pub concurrency: Option<usize>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
            concurrency: None,
        }
    }
}

/// How the records of an event become leases.
#[derive(Debug, Clone)]
enum Source {
    /// Receipt handles as they are ([`leased_job`]).
    Direct,
    /// Adopted by the SQS queue the engine settles through.
    #[cfg(feature = "aws")]
    Sqs(SqsDeliveryQueue),
}

/// The delivery worker: the webhook engine over the configured backend.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Worker {
    webhooks: Webhooks,
    options: WorkerOptions,
    source: Source,
}

impl Worker {
    /// A worker delivering with `webhooks` (whose queue must be the one the
    /// messages come from: it settles them), using receipt handles as they
    /// are ([`leased_job`]). For an SQS queue, add it with
    /// [`with_sqs`](Self::with_sqs), or build the worker with
    /// [`for_app`](Self::for_app).
    pub fn new(webhooks: Webhooks, options: WorkerOptions) -> Self {
        Worker {
            webhooks,
            options,
            source: Source::Direct,
        }
    }

    /// The worker of an opened service: its webhook engine, and on the
    /// `aws` backend its SQS delivery queue, which adopts each message
    /// ([`with_sqs`](Self::with_sqs)).
    pub fn for_app(app: &App, options: WorkerOptions) -> Self {
        let worker = Worker::new(app.state.webhooks.clone(), options);
        #[cfg(feature = "aws")]
        if let Some(queue) = app.sqs_queue() {
            return worker.with_sqs(queue.clone());
        }
        worker
    }

    /// Hands each message to `queue` ([`SqsDeliveryQueue::adopt`]) before
    /// processing it. `queue` must be (a clone of) the queue the engine was
    /// built with, so that the engine's acks and retries find the leases.
    #[cfg(feature = "aws")]
    pub fn with_sqs(mut self, queue: SqsDeliveryQueue) -> Self {
        self.source = Source::Sqs(queue);
        self
    }

    /// The lease of one record, or what became of it instead (adopting
    /// may read the queue's visibility timeout once: bounded by `stop_at`,
    /// past which the record is [`Outcome::Unfinished`]).
    async fn lease(
        &self,
        message: &SqsMessage,
        started: SystemTime,
        stop_at: Option<tokio::time::Instant>,
    ) -> Result<Leased<Job>, Outcome> {
        match &self.source {
            Source::Direct => {
                let _ = (started, stop_at);
                leased_job(message).map_err(Outcome::Undecodable)
            }
            #[cfg(feature = "aws")]
            Source::Sqs(queue) => {
                let (receipt, body) = parts(message).map_err(Outcome::Undecodable)?;
                let received = ReceivedMessage {
                    message_id: message.message_id.as_deref().unwrap_or_default(),
                    receipt_handle: receipt,
                    body,
                    receive_count: receive_count(message),
                    received_at: received_at(message, started),
                };
                let adopted = match stop_at {
                    Some(at) => tokio::time::timeout_at(at, queue.adopt(&received))
                        .await
                        .map_err(|_| Outcome::Unfinished)?,
                    None => queue.adopt(&received).await,
                };
                adopted.map_err(|e| match e {
                    triggers_webhooks::queue::QueueError::NotAJob(e) => {
                        Outcome::Undecodable(MessageError::NotAJob(e))
                    }
                    other => Outcome::Failed(EngineError::from(other)),
                })
            }
        }
    }

    /// Delivers the jobs of `event`, concurrently, until they are all done
    /// or `deadline` (the invocation's) minus the margin; returns what
    /// became of each message. When no time is left at the start, no job is
    /// started and every one is [`Outcome::Unfinished`].
    pub async fn handle(&self, event: SqsEvent, deadline: Option<SystemTime>) -> BatchReport {
        let started = SystemTime::now();
        let stop_at = deadline.map(|d| {
            let left = d
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
                .saturating_sub(self.options.deadline_margin);
            tokio::time::Instant::now() + left
        });
        let concurrency = self
            .options
            .concurrency
            .unwrap_or(self.webhooks.config().concurrency)
            .max(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let records = event.records;
        let mut outcomes: Vec<Option<Outcome>> = (0..records.len()).map(|_| None).collect();
        let mut tasks = JoinSet::new();
        let mut index_of = HashMap::new();
        // No time left: nothing is started (every job is reported).
        let no_time = stop_at.is_some_and(|at| at <= tokio::time::Instant::now());
        for (i, message) in records.iter().enumerate() {
            if no_time {
                // Only sorted: nothing is adopted or started.
                if let Err(e) = parts(message).and_then(|(_, body)| Ok(Job::from_message(body)?)) {
                    outcomes[i] = Some(Outcome::Undecodable(e));
                }
                continue;
            }
            match self.lease(message, started, stop_at).await {
                Ok(leased) => {
                    let webhooks = self.webhooks.clone();
                    let slots = slots.clone();
                    let handle = tasks.spawn(async move {
                        let _slot = slots.acquire_owned().await;
                        webhooks.process_job(&leased).await
                    });
                    index_of.insert(handle.id(), i);
                }
                Err(outcome) => outcomes[i] = Some(outcome),
            }
        }
        let collect = async {
            while let Some(joined) = tasks.join_next_with_id().await {
                if let Ok((id, result)) = joined {
                    if let Some(&i) = index_of.get(&id) {
                        outcomes[i] = Some(match result {
                            Ok(processed) => Outcome::Processed(processed),
                            Err(e) => Outcome::Failed(e),
                        });
                    }
                }
            }
        };
        match stop_at {
            Some(at) => {
                if tokio::time::timeout_at(at, collect).await.is_err() {
                    tracing::warn!(
                        "the invocation's deadline is near; abandoning the deliveries in flight"
                    );
                }
            }
            None => collect.await,
        }
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}

        let messages: Vec<MessageReport> = records
            .into_iter()
            .zip(outcomes)
            .map(|(message, outcome)| MessageReport {
                message_id: message.message_id.unwrap_or_default(),
                outcome: outcome.unwrap_or(Outcome::Unfinished),
            })
            .collect();
        for m in &messages {
            match &m.outcome {
                Outcome::Processed(p) => {
                    tracing::debug!(message_id = %m.message_id, outcome = ?p, "message processed")
                }
                Outcome::Undecodable(e) => {
                    tracing::warn!(message_id = %m.message_id, error = %e, "message is not a delivery job")
                }
                Outcome::Failed(e) => {
                    tracing::warn!(message_id = %m.message_id, error = %e, "delivery job failed; SQS delivers it again")
                }
                Outcome::Unfinished => {
                    tracing::warn!(message_id = %m.message_id, "delivery job unfinished; SQS delivers it again")
                }
            }
        }
        BatchReport { messages }
    }
}

/// Runs the worker function until the Lambda runtime stops it: each SQS
/// event is handled with the invocation's deadline and answered with its
/// `batchItemFailures`.
pub async fn run(worker: Worker) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<SqsEvent>| {
            let worker = worker.clone();
            async move {
                let deadline = event.context.deadline();
                let report = worker.handle(event.payload, Some(deadline)).await;
                Ok::<_, Infallible>(report.response())
            }
        },
    ))
    .await
}
