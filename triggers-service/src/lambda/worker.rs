//! The delivery worker behind an SQS event source: [`Worker::handle`]
//! delivers a batch of jobs with the webhook engine and reports the
//! messages that are not settled as `batchItemFailures` ([`run`]). See the
//! [module docs](super) for what counts as a failure.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use triggers_webhooks::engine::{EngineError, Processed, Webhooks};
use triggers_webhooks::queue::{Job, Leased, Receipt};

/// How long before the invocation's deadline the worker stops waiting for
/// deliveries in flight, by default.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// The SQS message attribute holding how often a message was received.
const RECEIVE_COUNT: &str = "ApproximateReceiveCount";

/// A job as an SQS message body: JSON, as the SQS delivery queue
/// (`triggers_webhooks::backends::sqs`) sends it.
pub fn encode_job(job: &Job) -> Result<String, serde_json::Error> {
    serde_json::to_string(job)
}

/// The job of an SQS message body (see [`encode_job`]). The error never
/// holds the body.
pub fn decode_job(body: &str) -> Result<Job, serde_json::Error> {
    serde_json::from_str(body)
}

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
    /// The body is not a JSON delivery job.
    #[error("the message body is not a delivery job: {0}")]
    NotAJob(#[source] serde_json::Error),
}

/// The job of a message, leased under its receipt handle.
pub fn leased_job(message: &SqsMessage) -> Result<Leased<Job>, MessageError> {
    let receipt = message
        .receipt_handle
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or(MessageError::NoReceipt)?;
    let body = message.body.as_deref().ok_or(MessageError::NoBody)?;
    let job = decode_job(body).map_err(MessageError::NotAJob)?;
    let receive_count = message
        .attributes
        .get(RECEIVE_COUNT)
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    Ok(Leased {
        job,
        receipt: Receipt(receipt.to_owned()),
        receive_count,
    })
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
    /// Processing failed (store, queue or event source): reported, SQS
    /// delivers it again.
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

/// The delivery worker: the webhook engine over the configured backend.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Worker {
    webhooks: Webhooks,
    options: WorkerOptions,
}

impl Worker {
    /// A worker delivering with `webhooks` (whose queue must be the one the
    /// messages come from: it settles them).
    pub fn new(webhooks: Webhooks, options: WorkerOptions) -> Self {
        Worker { webhooks, options }
    }

    /// Delivers the jobs of `event`, concurrently, until they are all done
    /// or `deadline` (the invocation's) minus the margin; returns what
    /// became of each message. When no time is left at the start, no job is
    /// started and every one is [`Outcome::Unfinished`].
    pub async fn handle(&self, event: SqsEvent, deadline: Option<SystemTime>) -> BatchReport {
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
            match leased_job(message) {
                Ok(_) if no_time => {}
                Ok(leased) => {
                    let webhooks = self.webhooks.clone();
                    let slots = slots.clone();
                    let handle = tasks.spawn(async move {
                        let _slot = slots.acquire_owned().await;
                        webhooks.process_job(&leased).await
                    });
                    index_of.insert(handle.id(), i);
                }
                Err(e) => outcomes[i] = Some(Outcome::Undecodable(e)),
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
