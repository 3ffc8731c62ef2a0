//! The SQS backend of [`DeliveryQueue`] (feature `sqs`):
//! [`SqsDeliveryQueue`], over a caller-built `aws_sdk_sqs::Client`.
//!
//! # Queues
//!
//! - `<prefix>webhook-delivery` (default `triggers-api-webhook-delivery`):
//!   a standard queue of [`Job`]s (JSON bodies), retention 14 days, with a
//!   redrive policy to
//! - `<prefix>webhook-dlq`: where SQS moves a job received
//!   `max_receive_count` times without being acked or put back (workers
//!   that kept crashing on it), and where this backend parks a message
//!   that is not a job.
//!
//! [`create_queues`] creates both (idempotent: existing queues get the
//! attributes set again).
//!
//! # Mapping
//!
//! | trait | SQS |
//! |---|---|
//! | `enqueue` | `SendMessage`, `DelaySeconds` = the delay rounded up to whole seconds (at most 900: [`MAX_QUEUE_DELAY`](crate::MAX_QUEUE_DELAY)) |
//! | `enqueue_batch` | `SendMessageBatch`, 10 per call; failed entries are sent again (3 tries) |
//! | `receive` | `ReceiveMessage` (short poll), up to 10 per call, repeated until `max` or a call returns fewer than asked; `VisibilityTimeout` = the lease, rounded up to whole seconds; `receive_count` = `ApproximateReceiveCount` |
//! | `ack` | `DeleteMessage` |
//! | `ack_batch` | `DeleteMessageBatch`, 10 per call |
//! | `retry` | `SendMessage` of the next job, then `DeleteMessage` of the leased one (a failure between the two leaves both: a duplicate attempt, never a lost one) |
//! | `extend` | `ChangeMessageVisibility` |
//!
//! # Receipts and their limits
//!
//! A [`Receipt`] is the SQS receipt handle. SQS itself cannot tell a stale
//! handle from a current one: deleting a message with an older handle of
//! it succeeds (and deletes it), deleting an already deleted message
//! succeeds too. So this backend decides staleness where it can, from what
//! it saw:
//!
//! - each queue value remembers, in memory, the leases it handed out and
//!   their deadlines (taken before the `ReceiveMessage` request left, so
//!   never later than SQS's own); a receipt whose deadline has passed is
//!   [`QueueError::StaleReceipt`] for `ack`, `retry` and `extend`, whether
//!   or not another receiver has the job by now (SQS cannot say), and the
//!   job is simply received again (at least once);
//! - a receipt this queue value acked or retried already is stale;
//! - a handle SQS refuses (`ReceiptHandleIsInvalid`, `MessageNotInflight`,
//!   an invalid receipt parameter) is stale.
//!
//! Not detected: a receipt used by another process than the one that
//! received it (SQS deletes the message; the job was delivered by then in
//! every flow of the engine), and a second ack of the same receipt later
//! than one lease after its deadline (the memory of a lease is dropped
//! then; SQS answers success). The in-memory table holds one 16-byte entry
//! per lease for about two visibility timeouts.
//!
//! # Messages received by the host: [`SqsDeliveryQueue::adopt`]
//!
//! With an SQS event source (the delivery worker on AWS Lambda), the
//! Lambda service calls `ReceiveMessage` and hands the function the
//! messages; [`receive`](DeliveryQueue::receive) is never called. The
//! function gives each record to [`adopt`](SqsDeliveryQueue::adopt), which
//! decodes the body ([`Job::from_message`]) and registers the lease with
//! this queue value as if it had received the message: its deadline is
//! `received_at` + the queue's visibility timeout (read once with
//! `GetQueueAttributes`, or set with
//! [`with_visibility_timeout`](SqsDeliveryQueue::with_visibility_timeout)).
//! From then on `ack`, `retry` and `extend` treat the receipt exactly like
//! one of [`receive`](DeliveryQueue::receive)'s: current until the
//! deadline, stale once settled. A body that is not a job is
//! [`QueueError::NotAJob`] and is left alone (the host reports it; SQS
//! moves it to the dead-letter queue after `maxReceiveCount` receives).
//!
//! Short polling (`WaitTimeSeconds` 0) returns at once, as the trait asks;
//! on AWS it samples a subset of servers, so a receive may return fewer
//! jobs than are visible (the next one gets them). SQS has no ordering:
//! "oldest first" is approximate.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};

use crate::queue::{
    DeliveryQueue, Job, Leased, QueueError, Receipt, check_delay, check_visibility,
};

/// The delivery queue's name after the prefix.
pub const DELIVERY_QUEUE: &str = "webhook-delivery";
/// The dead-letter queue's name after the prefix.
pub const DEAD_LETTER_QUEUE: &str = "webhook-dlq";
/// The default `maxReceiveCount` of the redrive policy.
pub const DEFAULT_MAX_RECEIVE_COUNT: u32 = 10;
/// The most messages one SQS batch call carries.
pub const SQS_BATCH: usize = 10;
/// How long both queues keep a message: 14 days, the SQS maximum.
pub const RETENTION_SECS: u32 = 14 * 24 * 3600;

/// An SQS failure, as [`QueueError::Backend`] carries it. Never holds a
/// message body.
#[derive(Debug)]
#[non_exhaustive]
pub enum SqsError {
    /// SQS refused the request for rate, after the SDK's own retries
    /// (`RequestThrottled`, `ThrottlingException`, `OverLimit`).
    Throttled {
        /// The operation (`SendMessage`, …).
        operation: &'static str,
        /// The error code.
        code: String,
    },
    /// SQS answered with another error (missing queue, access, …).
    Service {
        /// The operation.
        operation: &'static str,
        /// The error code.
        code: String,
        /// The error message.
        message: String,
    },
    /// The request did not complete (connection, timeout).
    Unavailable {
        /// The operation.
        operation: &'static str,
        /// What happened.
        message: String,
    },
    /// Entries of a batch call failed.
    Batch {
        /// The operation.
        operation: &'static str,
        /// How many entries failed.
        failed: usize,
        /// The first failure's code.
        code: String,
    },
    /// A job could not be encoded, or a request could not be built.
    Invalid(String),
}

impl fmt::Display for SqsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqsError::Throttled { operation, code } => {
                write!(f, "SQS {operation} throttled ({code})")
            }
            SqsError::Service {
                operation,
                code,
                message,
            } => write!(f, "SQS {operation} failed: {code}: {message}"),
            SqsError::Unavailable { operation, message } => {
                write!(f, "SQS {operation} did not complete: {message}")
            }
            SqsError::Batch {
                operation,
                failed,
                code,
            } => write!(
                f,
                "SQS {operation}: {failed} entries failed (first: {code})"
            ),
            SqsError::Invalid(what) => write!(f, "invalid SQS request: {what}"),
        }
    }
}

impl std::error::Error for SqsError {}

impl SqsError {
    /// True for [`SqsError::Throttled`] and [`SqsError::Unavailable`].
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SqsError::Throttled { .. } | SqsError::Unavailable { .. }
        )
    }
}

const THROTTLING_CODES: &[&str] = &[
    "RequestThrottled",
    "ThrottlingException",
    "OverLimit",
    "AWS.SimpleQueueService.RequestThrottled",
];

/// Codes with which SQS refuses a receipt handle that is not a current
/// lease.
const STALE_RECEIPT_CODES: &[&str] = &[
    "ReceiptHandleIsInvalid",
    "MessageNotInflight",
    "AWS.SimpleQueueService.MessageNotInflight",
    "InvalidParameterValue",
    "InvalidParameterValueException",
];

enum Failure {
    /// The receipt was refused.
    StaleReceipt,
    Other(SqsError),
}

fn classify<E, R>(operation: &'static str, e: SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match &e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("Unknown").to_owned();
            if STALE_RECEIPT_CODES.contains(&code.as_str()) {
                return Failure::StaleReceipt;
            }
            if THROTTLING_CODES.contains(&code.as_str()) {
                return Failure::Other(SqsError::Throttled { operation, code });
            }
            Failure::Other(SqsError::Service {
                operation,
                message: err.message().unwrap_or_default().to_owned(),
                code,
            })
        }
        SdkError::ConstructionFailure(_) => Failure::Other(SqsError::Invalid(format!(
            "{operation}: {}",
            aws_sdk_sqs::error::DisplayErrorContext(&e)
        ))),
        _ => Failure::Other(SqsError::Unavailable {
            operation,
            message: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
        }),
    }
}

/// For requests without a receipt: every failure is a backend error.
fn backend<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    move |e| match classify(operation, e) {
        Failure::StaleReceipt => QueueError::backend(SqsError::Service {
            operation,
            code: "InvalidParameterValue".into(),
            message: "refused parameter".into(),
        }),
        Failure::Other(e) => QueueError::backend(e),
    }
}

/// For requests on a receipt: a refused receipt is stale.
fn on_receipt<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    move |e| match classify(operation, e) {
        Failure::StaleReceipt => QueueError::StaleReceipt,
        Failure::Other(e) => QueueError::backend(e),
    }
}

/// Whole seconds, rounded up (SQS counts delays and leases in seconds).
fn whole_seconds(d: Duration) -> i32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i32::try_from(secs).unwrap_or(i32::MAX)
}

/// The queue URLs of a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrls {
    /// `<prefix>webhook-delivery`.
    pub delivery: String,
    /// `<prefix>webhook-dlq`.
    pub dead_letter: String,
}

/// Creates (or, when they exist, updates the attributes of) the delivery
/// queue and its dead-letter queue: retention 14 days, and a redrive
/// policy moving a job to the dead-letter queue after `max_receive_count`
/// receives ([`DEFAULT_MAX_RECEIVE_COUNT`] is a fair choice). Idempotent.
pub async fn create_queues(
    client: &Client,
    prefix: &str,
    max_receive_count: u32,
) -> Result<QueueUrls, QueueError> {
    let retention = RETENTION_SECS.to_string();
    let dead_letter = ensure_queue(
        client,
        &format!("{prefix}{DEAD_LETTER_QUEUE}"),
        HashMap::from([(
            QueueAttributeName::MessageRetentionPeriod,
            retention.clone(),
        )]),
    )
    .await?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&dead_letter)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(backend("GetQueueAttributes"))?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| {
            QueueError::backend(SqsError::Invalid(
                "the dead-letter queue has no QueueArn".into(),
            ))
        })?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": arn,
        "maxReceiveCount": max_receive_count.max(1),
    })
    .to_string();
    let delivery = ensure_queue(
        client,
        &format!("{prefix}{DELIVERY_QUEUE}"),
        HashMap::from([
            (QueueAttributeName::MessageRetentionPeriod, retention),
            (QueueAttributeName::RedrivePolicy, redrive),
        ]),
    )
    .await?;
    Ok(QueueUrls {
        delivery,
        dead_letter,
    })
}

/// The URL of queue `name`, created with `attributes`, or existing and
/// given them again.
async fn ensure_queue(
    client: &Client,
    name: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<String, QueueError> {
    match client.get_queue_url().queue_name(name).send().await {
        Ok(found) => {
            let url = found.queue_url().unwrap_or_default().to_owned();
            client
                .set_queue_attributes()
                .queue_url(&url)
                .set_attributes(Some(attributes))
                .send()
                .await
                .map_err(backend("SetQueueAttributes"))?;
            Ok(url)
        }
        Err(e) => {
            let missing = e.as_service_error().is_some_and(|s| {
                matches!(
                    s.code(),
                    Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist")
                )
            });
            if !missing {
                return Err(backend("GetQueueUrl")(e));
            }
            let created = client
                .create_queue()
                .queue_name(name)
                .set_attributes(Some(attributes))
                .send()
                .await
                .map_err(backend("CreateQueue"))?;
            created.queue_url().map(str::to_owned).ok_or_else(|| {
                QueueError::backend(SqsError::Invalid("CreateQueue returned no URL".into()))
            })
        }
    }
}

/// What this queue value remembers of a lease.
#[derive(Debug, Clone, Copy)]
enum Lease {
    /// Handed out; valid until the deadline.
    Held { deadline: Instant },
    /// Acked or put back by this queue value.
    Done,
}

/// The leases this queue value handed out, keyed by a hash of the receipt
/// handle; each entry is forgotten at `forget_at`.
#[derive(Debug, Default)]
struct Leases {
    map: HashMap<u64, (Lease, Instant)>,
    pruned_at: Option<Instant>,
}

impl Leases {
    fn prune(&mut self, now: Instant) {
        let due = self
            .pruned_at
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if due {
            self.map.retain(|_, (_, forget_at)| *forget_at > now);
            self.pruned_at = Some(now);
        }
    }
}

/// What a receipt is, as far as this queue value knows.
enum Known {
    /// A lease it handed out, still held.
    Current,
    /// Expired, acked or put back: stale.
    Stale,
    /// Not one of its leases (another process's, or forgotten): SQS
    /// decides.
    Unknown,
}

/// A message of the delivery queue that the host received, not
/// [`DeliveryQueue::receive`]: a record of an SQS event the Lambda service
/// hands a function. See [`SqsDeliveryQueue::adopt`].
#[derive(Debug, Clone, Copy)]
pub struct ReceivedMessage<'a> {
    /// The SQS message id (for logs).
    pub message_id: &'a str,
    /// The receipt handle of this receive.
    pub receipt_handle: &'a str,
    /// The message body.
    pub body: &'a str,
    /// `ApproximateReceiveCount`: 1 the first time the message is received.
    pub receive_count: u32,
    /// When the lease began (SQS handed the message out). When it is not
    /// known exactly, a time just after it (the start of the invocation):
    /// the lease is then believed a little longer than SQS holds it, which
    /// a function timeout well under the visibility timeout makes harmless
    /// (an earlier time would risk refusing a current receipt as stale).
    pub received_at: SystemTime,
}

/// A [`DeliveryQueue`] on SQS (see the module docs). Cheap to clone; clones
/// share their memory of leases.
#[derive(Clone)]
pub struct SqsDeliveryQueue {
    client: Client,
    queue_url: String,
    dead_letter_url: Option<String>,
    leases: Arc<Mutex<Leases>>,
    hasher: std::collections::hash_map::RandomState,
    visibility: Arc<tokio::sync::OnceCell<Duration>>,
}

impl fmt::Debug for SqsDeliveryQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqsDeliveryQueue")
            .field("queue_url", &self.queue_url)
            .field("dead_letter_url", &self.dead_letter_url)
            .finish_non_exhaustive()
    }
}

impl SqsDeliveryQueue {
    /// A queue over the SQS queue at `queue_url`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        SqsDeliveryQueue {
            client,
            queue_url: queue_url.into(),
            dead_letter_url: None,
            leases: Arc::new(Mutex::new(Leases::default())),
            hasher: std::collections::hash_map::RandomState::new(),
            visibility: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// Tells the queue its visibility timeout (the `VisibilityTimeout`
    /// attribute of the SQS queue), which [`adopt`](Self::adopt) gives the
    /// leases it registers. Without it, the first `adopt` reads the
    /// attribute (one `GetQueueAttributes`).
    pub fn with_visibility_timeout(mut self, visibility: Duration) -> Self {
        self.visibility = Arc::new(tokio::sync::OnceCell::new_with(Some(visibility)));
        self
    }

    /// The queue's visibility timeout: as given to
    /// [`with_visibility_timeout`](Self::with_visibility_timeout), or read
    /// once from SQS (`GetQueueAttributes`) and remembered by this value and
    /// its clones.
    pub async fn visibility_timeout(&self) -> Result<Duration, QueueError> {
        let got = self
            .visibility
            .get_or_try_init(|| async {
                let attributes = self
                    .client
                    .get_queue_attributes()
                    .queue_url(&self.queue_url)
                    .attribute_names(QueueAttributeName::VisibilityTimeout)
                    .send()
                    .await
                    .map_err(backend("GetQueueAttributes"))?;
                attributes
                    .attributes()
                    .and_then(|a| a.get(&QueueAttributeName::VisibilityTimeout))
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        QueueError::backend(SqsError::Invalid(
                            "the queue has no VisibilityTimeout attribute".into(),
                        ))
                    })
            })
            .await?;
        Ok(*got)
    }

    /// Takes over a message the host received (the Lambda service, for an
    /// SQS event source): decodes its body ([`Job::from_message`]) and
    /// registers its lease with this queue value, held until
    /// `received_at` + [`visibility_timeout`](Self::visibility_timeout), as
    /// [`receive`](DeliveryQueue::receive) does for the messages it gets.
    /// The returned lease is then acked, put back or extended through this
    /// queue like any other.
    ///
    /// Errors: a body that is not a job is [`QueueError::NotAJob`] (nothing
    /// is sent or changed: the host reports the message and SQS's redrive
    /// policy moves it to the dead-letter queue after `maxReceiveCount`
    /// receives); an empty receipt handle, a lease already over
    /// (`received_at` + the visibility timeout is past) or a receipt this
    /// queue value settled already is [`QueueError::StaleReceipt`]; reading
    /// the visibility timeout can fail as [`QueueError::Backend`].
    pub async fn adopt(&self, message: &ReceivedMessage<'_>) -> Result<Leased<Job>, QueueError> {
        if message.receipt_handle.is_empty() {
            return Err(QueueError::StaleReceipt);
        }
        let job = Job::from_message(message.body)?;
        let visibility = self.visibility_timeout().await?;
        let held_for = SystemTime::now()
            .duration_since(message.received_at)
            .unwrap_or(Duration::ZERO);
        let left = visibility
            .checked_sub(held_for)
            .filter(|left| !left.is_zero())
            .ok_or(QueueError::StaleReceipt)?;
        let receipt = Receipt(message.receipt_handle.to_owned());
        if matches!(self.known(&receipt), Known::Stale) {
            return Err(QueueError::StaleReceipt);
        }
        self.hold(&receipt, Instant::now() + left, visibility);
        Ok(Leased {
            job,
            receipt,
            receive_count: message.receive_count.max(1),
        })
    }

    /// A queue over the queues of [`create_queues`]: messages that are not
    /// jobs are parked in the dead-letter queue.
    pub fn with_urls(client: Client, urls: &QueueUrls) -> Self {
        let mut queue = Self::new(client, urls.delivery.clone());
        queue.dead_letter_url = Some(urls.dead_letter.clone());
        queue
    }

    /// The delivery queue's URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    fn lease_key(&self, receipt: &Receipt) -> u64 {
        self.hasher.hash_one(receipt.0.as_str())
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, Leases> {
        self.leases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn known(&self, receipt: &Receipt) -> Known {
        let now = Instant::now();
        let key = self.lease_key(receipt);
        let mut leases = self.leases();
        leases.prune(now);
        match leases.map.get(&key) {
            Some((Lease::Held { deadline }, _)) if *deadline > now => Known::Current,
            Some(_) => Known::Stale,
            None => Known::Unknown,
        }
    }

    /// Checks a receipt before using it: stale ones are refused here.
    fn check_receipt(&self, receipt: &Receipt) -> Result<(), QueueError> {
        if receipt.0.is_empty() {
            return Err(QueueError::StaleReceipt);
        }
        match self.known(receipt) {
            Known::Stale => Err(QueueError::StaleReceipt),
            Known::Current | Known::Unknown => Ok(()),
        }
    }

    fn hold(&self, receipt: &Receipt, deadline: Instant, visibility: Duration) {
        let key = self.lease_key(receipt);
        self.leases()
            .map
            .insert(key, (Lease::Held { deadline }, deadline + visibility));
    }

    fn done(&self, receipt: &Receipt) {
        let now = Instant::now();
        let key = self.lease_key(receipt);
        let mut leases = self.leases();
        let forget_at = match leases.map.get(&key) {
            // Remembered as long as it would have been held, and one lease
            // more.
            Some((Lease::Held { deadline }, forget_at)) => (*forget_at).max(*deadline),
            _ => now + Duration::from_secs(60),
        };
        leases.map.insert(key, (Lease::Done, forget_at.max(now)));
    }

    fn body(job: &Job) -> Result<String, QueueError> {
        job.to_message().map_err(|e| {
            QueueError::backend(SqsError::Invalid(format!("cannot encode a job: {e}")))
        })
    }

    /// Moves a message that is not a job out of the way: to the dead-letter
    /// queue when known, else out of sight for 12 hours (SQS then moves it
    /// by the redrive policy).
    async fn park(&self, body: &str, receipt: &str, message_id: &str) {
        tracing::warn!(
            message_id,
            "a delivery queue message is not a job; parking it"
        );
        if let Some(dlq) = &self.dead_letter_url {
            let sent = self
                .client
                .send_message()
                .queue_url(dlq)
                .message_body(body)
                .send()
                .await;
            if sent.is_ok() {
                let _ = self
                    .client
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await;
                return;
            }
        }
        let _ = self
            .client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(12 * 3600 - 60)
            .send()
            .await;
    }

    async fn send_batch(&self, bodies: &[String], delay: i32) -> Result<(), QueueError> {
        let mut pending: Vec<(usize, &String)> = bodies.iter().enumerate().collect();
        let mut pause = Duration::from_millis(50);
        for round in 0..3 {
            let entries = pending
                .iter()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body.as_str())
                        .delay_seconds(delay)
                        .build()
                        .map_err(|e| QueueError::backend(SqsError::Invalid(e.to_string())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let sent = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(backend("SendMessageBatch"))?;
            let failed = sent.failed();
            if failed.is_empty() {
                return Ok(());
            }
            let sender_fault = failed.iter().find(|f| f.sender_fault());
            if sender_fault.is_some() || round == 2 {
                let first = sender_fault.or(failed.first());
                return Err(QueueError::backend(SqsError::Batch {
                    operation: "SendMessageBatch",
                    failed: failed.len(),
                    code: first.map(|f| f.code().to_owned()).unwrap_or_default(),
                }));
            }
            let again: Vec<&str> = failed.iter().map(|f| f.id()).collect();
            pending.retain(|(i, _)| again.contains(&i.to_string().as_str()));
            tokio::time::sleep(pause).await;
            pause *= 4;
        }
        Ok(())
    }
}

#[async_trait]
impl DeliveryQueue for SqsDeliveryQueue {
    async fn enqueue(&self, job: &Job, delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(Self::body(job)?)
            .delay_seconds(whole_seconds(delay))
            .send()
            .await
            .map_err(backend("SendMessage"))?;
        Ok(())
    }

    async fn enqueue_batch(&self, jobs: &[Job], delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        let bodies = jobs.iter().map(Self::body).collect::<Result<Vec<_>, _>>()?;
        for chunk in bodies.chunks(SQS_BATCH) {
            self.send_batch(chunk, whole_seconds(delay)).await?;
        }
        Ok(())
    }

    async fn receive(
        &self,
        max: usize,
        visibility_timeout: Duration,
    ) -> Result<Vec<Leased<Job>>, QueueError> {
        check_visibility(visibility_timeout)?;
        let seconds = whole_seconds(visibility_timeout);
        let lease = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        let mut out = Vec::new();
        while out.len() < max {
            let ask = (max - out.len()).min(SQS_BATCH);
            // Before the request leaves: never later than SQS's own deadline.
            let deadline = Instant::now() + lease;
            let got = self
                .client
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(i32::try_from(ask).unwrap_or(10))
                .visibility_timeout(seconds)
                .wait_time_seconds(0)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(backend("ReceiveMessage"))?;
            let messages = got.messages();
            for m in messages {
                let (Some(handle), Some(body)) = (m.receipt_handle(), m.body()) else {
                    continue;
                };
                let Ok(job) = Job::from_message(body) else {
                    self.park(body, handle, m.message_id().unwrap_or_default())
                        .await;
                    continue;
                };
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let receipt = Receipt(handle.to_owned());
                self.hold(&receipt, deadline, lease);
                out.push(Leased {
                    job,
                    receipt,
                    receive_count,
                });
            }
            if messages.len() < ask {
                break;
            }
        }
        Ok(out)
    }

    async fn ack(&self, receipt: &Receipt) -> Result<(), QueueError> {
        self.check_receipt(receipt)?;
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(&receipt.0)
            .send()
            .await
            .map_err(on_receipt("DeleteMessage"))?;
        self.done(receipt);
        Ok(())
    }

    async fn ack_batch(&self, receipts: &[Receipt]) -> Result<usize, QueueError> {
        let current: Vec<&Receipt> = receipts
            .iter()
            .filter(|r| self.check_receipt(r).is_ok())
            .collect();
        let mut acked = 0;
        let mut failure: Option<SqsError> = None;
        for chunk in current.chunks(SQS_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(r.0.as_str())
                        .build()
                        .map_err(|e| QueueError::backend(SqsError::Invalid(e.to_string())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let deleted = self
                .client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(backend("DeleteMessageBatch"))?;
            for ok in deleted.successful() {
                if let Some(r) = ok.id().parse::<usize>().ok().and_then(|i| chunk.get(i)) {
                    self.done(r);
                    acked += 1;
                }
            }
            for f in deleted.failed() {
                // A refused receipt is stale: skipped, as the trait says.
                if !STALE_RECEIPT_CODES.contains(&f.code()) && failure.is_none() {
                    failure = Some(SqsError::Batch {
                        operation: "DeleteMessageBatch",
                        failed: deleted.failed().len(),
                        code: f.code().to_owned(),
                    });
                }
            }
        }
        match failure {
            Some(e) => Err(QueueError::backend(e)),
            None => Ok(acked),
        }
    }

    async fn retry(&self, receipt: &Receipt, job: &Job, delay: Duration) -> Result<(), QueueError> {
        check_delay(delay)?;
        self.check_receipt(receipt)?;
        // Send first: a failure between the two requests leaves a duplicate,
        // never a lost job.
        self.enqueue(job, delay).await?;
        let deleted = self
            .client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(&receipt.0)
            .send()
            .await;
        self.done(receipt);
        match deleted {
            Ok(_) => Ok(()),
            Err(e) => Err(on_receipt("DeleteMessage")(e)),
        }
    }

    async fn extend(&self, receipt: &Receipt, visibility: Duration) -> Result<(), QueueError> {
        check_visibility(visibility)?;
        self.check_receipt(receipt)?;
        let seconds = whole_seconds(visibility);
        let lease = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        let deadline = Instant::now() + lease;
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(&receipt.0)
            .visibility_timeout(seconds)
            .send()
            .await
            .map_err(on_receipt("ChangeMessageVisibility"))?;
        self.hold(receipt, deadline, lease);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(
        code: &str,
    ) -> SdkError<aws_sdk_sqs::operation::delete_message::DeleteMessageError, ()> {
        let meta = aws_sdk_sqs::error::ErrorMetadata::builder()
            .code(code)
            .message("m")
            .build();
        SdkError::service_error(
            aws_sdk_sqs::operation::delete_message::DeleteMessageError::generic(meta),
            (),
        )
    }

    #[test]
    fn refused_receipts_are_stale_and_throttling_is_transient() {
        for code in [
            "ReceiptHandleIsInvalid",
            "MessageNotInflight",
            "InvalidParameterValue",
        ] {
            assert!(
                matches!(
                    on_receipt("DeleteMessage")(refused(code)),
                    QueueError::StaleReceipt
                ),
                "{code}"
            );
            // Without a receipt, the same code is an error of the request.
            assert!(matches!(
                backend("SendMessage")(refused(code)),
                QueueError::Backend(_)
            ));
        }
        for code in ["RequestThrottled", "ThrottlingException", "OverLimit"] {
            match on_receipt("DeleteMessage")(refused(code)) {
                QueueError::Backend(e) => {
                    let e = e.downcast::<SqsError>().expect("an SQS error");
                    assert!(
                        matches!(*e, SqsError::Throttled { .. }) && e.is_transient(),
                        "{e}"
                    );
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        match on_receipt("DeleteMessage")(refused("AWS.SimpleQueueService.NonExistentQueue")) {
            QueueError::Backend(e) => {
                let e = e.downcast::<SqsError>().expect("an SQS error");
                assert!(
                    matches!(*e, SqsError::Service { .. }) && !e.is_transient(),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn delays_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds(Duration::from_millis(3001)), 4);
        assert_eq!(whole_seconds(crate::MAX_QUEUE_DELAY), 900);
    }
}
