//! The delivery engine: [`Webhooks`] ties a [`WebhookStore`], a
//! [`DeliveryQueue`], an [`EventSource`] and a [`DeliveryClient`] together.
//!
//! - **Management**: [`create`](Webhooks::create), [`update`](Webhooks::update),
//!   [`delete`](Webhooks::delete), [`rotate_secret`](Webhooks::rotate_secret),
//!   [`send_test`](Webhooks::send_test), the attempt log and dead letters with
//!   [`replay`](Webhooks::replay) and [`replay_range`](Webhooks::replay_range).
//!   Every call is scoped to an account.
//! - **Fan-out**: [`fan_out`](Webhooks::fan_out) enqueues one job per active
//!   webhook of the event's account that subscribes to its type. Its
//!   delivery id is derived from the event and the webhook (UUID v5), so a
//!   fan-out repeated after a crash names the same deliveries.
//! - **Delivery**: [`run_worker`](Webhooks::run_worker) leases jobs and
//!   delivers them with bounded concurrency, globally and per endpoint: a
//!   job whose endpoint is saturated goes back to the queue for a moment
//!   instead of holding a slot, so one slow receiver never delays the
//!   others. Each attempt is recorded; 2xx acks the job; a failure is
//!   retried per the [`RetryPolicy`] (`Retry-After` honoured, delays longer
//!   than the queue allows are waited out in hops); `410 Gone` deactivates
//!   the webhook; the last failure becomes a dead letter. A job is acked
//!   only after its outcome is stored, so a crash at any point delivers it
//!   again (at least once; receivers deduplicate on `webhook-id`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use triggers_keys::MasterKey;
//! use triggers_webhooks::backends::sqlite::{SqliteDeliveryQueue, SqliteWebhookStore};
//! use triggers_webhooks::client::DeliveryClient;
//! use triggers_webhooks::engine::{EngineConfig, EventData, EventSource, Webhooks};
//! use triggers_webhooks::{EventFilter, WebhookSpec};
//!
//! struct NoEvents;
//! #[async_trait::async_trait]
//! impl EventSource for NoEvents {
//!     async fn event(&self, _: &str, _: uuid::Uuid)
//!         -> Result<Option<EventData>, triggers_webhooks::engine::BoxError> { Ok(None) }
//! }
//!
//! let dir = tempfile::tempdir()?;
//! let db = triggers_sqlite::Db::open(dir.path().join("w.db"), Default::default())?;
//! let store = SqliteWebhookStore::new(db.clone());
//! store.migrate().await?;
//! let queue = SqliteDeliveryQueue::new(db);
//! queue.migrate().await?;
//! let webhooks = Webhooks::new(
//!     Arc::new(store), Arc::new(queue), Arc::new(NoEvents),
//!     DeliveryClient::builder().build()?, MasterKey::generate(), EngineConfig::default(),
//! );
//! let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::all());
//! let created = webhooks.create(spec).await?;
//! assert!(created.secret.expose_encoded().starts_with("whsec_"));
//! let page = webhooks.list("acct_1", None, 10).await?;
//! assert_eq!(page.webhooks.len(), 1);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng;
use serde_json::value::RawValue;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use triggers_keys::MasterKey;
use uuid::Uuid;

use crate::client::{DeliveryClient, DeliveryResult};
use crate::queue::{DeliveryQueue, Job, Leased, QueueError, Receipt};
use crate::store::{
    AttemptCursor, AttemptPage, DeadLetterCursor, DeadLetterPage, DeadLetterQuery, StoreError,
    WebhookPage, WebhookStore,
};
use crate::{
    Attempt, AttemptOutcome, Clock, DEFAULT_ROTATION_TRANSITION, DeadLetter, DeadLetterReason,
    Delivery, DeliveryStatus, Disposition, Error, FailureKind, MAX_QUEUE_DELAY, NewWebhook,
    RetryPolicy, UrlError, UrlPolicy, Webhook, WebhookSpec, WebhookUpdate, build_body, message_id,
    signed_headers, split_delay, system_clock,
};
use triggers_signing::webhook::WebhookSecret;

/// Any error of an [`EventSource`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The event type of [`Webhooks::send_test`] deliveries.
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// The most dead letters one [`Webhooks::replay_range`] call replays.
pub const MAX_BULK_REPLAY: usize = 10_000;

/// An event as the engine delivers it.
#[derive(Debug, Clone)]
pub struct EventData {
    /// Its id (the envelope's `id`; `webhook-id` is derived from it).
    pub event_id: Uuid,
    /// The owner.
    pub account_id: String,
    /// `order.created`.
    pub event_type: String,
    /// Where it came from.
    pub source: String,
    /// When it was received, Unix microseconds (the envelope's `timestamp`).
    pub occurred_at: i64,
    /// The JSON payload (the envelope's `data`), verbatim.
    pub payload: Box<RawValue>,
}

/// Told about what the engine stores, after it is stored: each attempt of
/// a delivery and each dead letter (the service folds them into its
/// analytics). Each is reported when the store first takes it: one already
/// stored by an earlier run of a redelivered job (the store answers
/// `Conflict`) is not reported again. Called on
/// the delivery path: hand off (a channel's `try_send`), never block.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use triggers_webhooks::engine::DeliveryObserver;
/// use triggers_webhooks::{Attempt, AttemptOutcome, Delivery};
///
/// #[derive(Default)]
/// struct Count(AtomicU64);
/// impl DeliveryObserver for Count {
///     fn attempt_stored(&self, _: &Delivery, a: &Attempt) {
///         if matches!(a.outcome, AttemptOutcome::Status(200..=299)) {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// // Webhooks::new(..).with_observer(std::sync::Arc::new(Count::default()))
/// ```
pub trait DeliveryObserver: Send + Sync + 'static {
    /// `attempt` of `delivery` was stored. `delivery.created_at` is the
    /// event's `received_at` (ingest-to-delivery is `attempt.at +
    /// latency - created_at`).
    fn attempt_stored(&self, delivery: &Delivery, attempt: &Attempt) {
        let _ = (delivery, attempt);
    }

    /// `dead_letter` was stored.
    fn dead_letter_stored(&self, dead_letter: &DeadLetter) {
        let _ = dead_letter;
    }
}

/// Where the worker reads the event a job delivers (the service's event
/// store). Jobs carry ids only: queues bound message sizes (SQS: 256 KiB)
/// and payloads may be as large.
#[async_trait::async_trait]
pub trait EventSource: Send + Sync + 'static {
    /// The event of `account_id`, or `None` when it no longer exists.
    async fn event(&self, account_id: &str, event_id: Uuid) -> Result<Option<EventData>, BoxError>;
}

/// How the engine runs. The defaults suit one 2-core machine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The retry schedule (the deployment's default; a webhook's own
    /// `max_retries` overrides the count).
    pub retry: RetryPolicy,
    /// The URL policy applied when webhooks are created or changed (the
    /// client applies its own at every attempt; give both the same).
    pub url_policy: UrlPolicy,
    /// Deliveries in flight at once, over all endpoints. Default 512.
    pub concurrency: usize,
    /// Deliveries in flight at once to one webhook. Default 32.
    pub per_endpoint: usize,
    /// Jobs leased per receive, at most. Default 256.
    pub batch: usize,
    /// How long a leased job stays invisible: longer than the client's whole
    /// request timeout, so a job is never delivered twice at once. Default
    /// 60 s.
    pub visibility_timeout: Duration,
    /// How often an idle worker polls the queue (it is also woken at once by
    /// fan-outs and replays in the same process). Default 250 ms.
    pub idle_poll: Duration,
    /// How long a job whose endpoint is saturated waits before it is
    /// received again (not an attempt). Default 200 ms.
    pub saturated_delay: Duration,
    /// How long the previous secret keeps signing after a rotation, unless
    /// the call says otherwise. Default 24 h.
    pub rotation_transition: Duration,
    /// How long the list of an account's webhooks is reused by fan-out and
    /// delivery before it is read again. Changes made through this engine
    /// take effect at once; others (another process) within this time.
    /// Default 1 s.
    pub cache_ttl: Duration,
    /// An egress allowlist: when set, webhook URLs must have one of these
    /// hosts (compared case-insensitively, exactly as written in the URL),
    /// checked when a webhook is created or changed and again before every
    /// attempt (a refused destination is dead-lettered as `blocked`). On
    /// top of the URL policy, never instead of it. Default `None`.
    pub allowed_hosts: Option<Vec<String>>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            retry: RetryPolicy::default(),
            url_policy: UrlPolicy::default(),
            concurrency: 512,
            per_endpoint: 32,
            batch: 256,
            visibility_timeout: Duration::from_secs(60),
            idle_poll: Duration::from_millis(250),
            saturated_delay: Duration::from_millis(200),
            rotation_transition: DEFAULT_ROTATION_TRANSITION,
            cache_ttl: Duration::from_secs(5),
            allowed_hosts: None,
        }
    }
}

/// What the engine refuses or fails with. [`EngineError::code`] gives the
/// stable machine code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No such webhook in the account.
    #[error("no webhook with this id")]
    WebhookNotFound,
    /// No such dead letter in the account.
    #[error("no dead letter with this id")]
    DeadLetterNotFound,
    /// The dead letter was replayed already (it is listed again if the
    /// replay dies too).
    #[error("this dead letter was replayed already")]
    AlreadyReplayed,
    /// The webhook is deactivated: activate it before replaying.
    #[error("the webhook is not active; activate it before replaying its deliveries")]
    WebhookInactive,
    /// The webhook changed concurrently several times in a row.
    #[error("the webhook changed concurrently; try again")]
    Conflict,
    /// The input is invalid (see [`Error::code`]).
    #[error(transparent)]
    Invalid(#[from] Error),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The event source failed.
    #[error("event source failure: {0}")]
    Events(#[source] BoxError),
}

/// What became of one job processed by [`Webhooks::process_job`]. Every
/// variant means the job's lease was settled (acked, or put back as the next
/// job) after its outcome was stored: the message it came in is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Processed {
    /// The receiver answered 2xx; the attempt is recorded.
    Delivered,
    /// The attempt failed and is recorded; the next attempt is queued with
    /// the retry policy's delay.
    Retrying,
    /// The delivery is a dead letter now (retries exhausted, refused for
    /// good, `410 Gone`, or its webhook inactive).
    DeadLettered,
    /// Put back without an attempt: not due yet ([`Job::not_before`]), or
    /// its endpoint had no free delivery slot.
    Deferred,
    /// Nothing to deliver: the webhook or the event no longer exists.
    Dropped,
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => EngineError::WebhookNotFound,
            StoreError::Conflict => EngineError::Conflict,
            e => EngineError::Store(e),
        }
    }
}

impl EngineError {
    /// The stable machine code: `webhook_not_found`,
    /// `dead_letter_not_found`, `already_replayed`, `webhook_inactive`,
    /// `conflict`, the [`Error::code`] of invalid input, or
    /// `store_unavailable` for backend failures.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::WebhookNotFound => "webhook_not_found",
            EngineError::DeadLetterNotFound => "dead_letter_not_found",
            EngineError::AlreadyReplayed => "already_replayed",
            EngineError::WebhookInactive => "webhook_inactive",
            EngineError::Conflict => "conflict",
            EngineError::Invalid(e) => e.code(),
            EngineError::Store(_) | EngineError::Queue(_) | EngineError::Events(_) => {
                "store_unavailable"
            }
        }
    }
}

/// The answer of [`Webhooks::send_test`].
#[derive(Debug, Clone)]
pub struct TestDelivery {
    /// The `webhook-id` sent.
    pub msg_id: String,
    /// What the receiver answered.
    pub result: DeliveryResult,
}

/// The answer of [`Webhooks::replay_range`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkReplay {
    /// Dead letters enqueued again.
    pub replayed: usize,
    /// Dead letters in the range replayed already (skipped).
    pub skipped: usize,
    /// True when [`MAX_BULK_REPLAY`] was reached: call again for the rest.
    pub truncated: bool,
}

/// Counters since the engine started (for benchmarks and metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Jobs enqueued by fan-out.
    pub fanned_out: u64,
    /// Attempts made.
    pub attempts: u64,
    /// Attempts answered with 2xx.
    pub delivered: u64,
    /// Failed attempts scheduled for a retry.
    pub retried: u64,
    /// Deliveries given up (dead letters written).
    pub dead_lettered: u64,
    /// Jobs put back because their endpoint was saturated.
    pub deferred: u64,
    /// Jobs whose processing failed on a store, queue or event-source
    /// error (their lease expires and they are received again).
    pub errors: u64,
}

#[derive(Default)]
struct Counters {
    fanned_out: AtomicU64,
    attempts: AtomicU64,
    delivered: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    deferred: AtomicU64,
    errors: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// An account's webhooks as last read.
struct Cached {
    at: Instant,
    webhooks: Arc<Vec<Webhook>>,
}

/// Accounts whose cached list is kept at most (then stale ones are evicted).
const MAX_CACHED_ACCOUNTS: usize = 4096;
/// The namespace of delivery ids (UUID v5 of event id + webhook id).
const DELIVERY_NAMESPACE: Uuid = Uuid::from_u128(0x6d0a_3c1e_55f2_4b8e_9a41_0c7e_2b9d_f3a1);

/// The id of the delivery of `event_id` to `webhook_id`: the same every
/// time, so a repeated fan-out names the same delivery.
pub fn delivery_id(event_id: Uuid, webhook_id: Uuid) -> Uuid {
    let mut name = [0u8; 32];
    name[..16].copy_from_slice(event_id.as_bytes());
    name[16..].copy_from_slice(webhook_id.as_bytes());
    Uuid::new_v5(&DELIVERY_NAMESPACE, &name)
}

struct Inner {
    store: Arc<dyn WebhookStore>,
    queue: Arc<dyn DeliveryQueue>,
    events: Arc<dyn EventSource>,
    client: DeliveryClient,
    master: MasterKey,
    config: EngineConfig,
    clock: Clock,
    cache: Mutex<HashMap<String, Cached>>,
    endpoints: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
    recent: Mutex<RecentEvents>,
    reload: tokio::sync::Mutex<()>,
    wake: Notify,
    counters: Counters,
    observer: Option<Arc<dyn DeliveryObserver>>,
}

/// Events fanned out lately, so the deliveries of one event (one per
/// webhook) read it from the store once, not once each. Bounded in bytes
/// of payload; oldest out first.
#[derive(Default)]
struct RecentEvents {
    map: HashMap<Uuid, Arc<EventData>>,
    order: std::collections::VecDeque<Uuid>,
    bytes: usize,
}

/// Payload bytes the recent-events cache holds at most.
const RECENT_EVENT_BYTES: usize = 8 * 1024 * 1024;

impl RecentEvents {
    fn size(event: &EventData) -> usize {
        event.payload.get().len() + 256
    }

    fn insert(&mut self, event: Arc<EventData>) {
        let size = Self::size(&event);
        if size > RECENT_EVENT_BYTES / 4 || self.map.contains_key(&event.event_id) {
            return;
        }
        while self.bytes + size > RECENT_EVENT_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(e) = self.map.remove(&old) {
                self.bytes -= Self::size(&e);
            }
        }
        self.bytes += size;
        self.order.push_back(event.event_id);
        self.map.insert(event.event_id, event);
    }

    /// The event, if cached and of `account_id`.
    fn get(&self, account_id: &str, event_id: Uuid) -> Option<Arc<EventData>> {
        self.map
            .get(&event_id)
            .filter(|e| e.account_id == account_id)
            .cloned()
    }
}

/// A successful attempt waiting to be recorded and acked with others.
struct Completion {
    delivery: Delivery,
    attempt: Attempt,
    receipt: Receipt,
}

/// Successful attempts recorded and acked per batch, at most.
const COMPLETION_BATCH: usize = 256;

/// How long the recorder waits for more completions before a write.
const COMPLETION_LINGER: Duration = Duration::from_millis(10);

/// The webhook engine. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn duration_of_micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

impl Webhooks {
    /// An engine over these parts. Secrets are sealed under `master`.
    pub fn new(
        store: Arc<dyn WebhookStore>,
        queue: Arc<dyn DeliveryQueue>,
        events: Arc<dyn EventSource>,
        client: DeliveryClient,
        master: MasterKey,
        config: EngineConfig,
    ) -> Self {
        Webhooks {
            inner: Arc::new(Inner {
                store,
                queue,
                events,
                client,
                master,
                config,
                clock: system_clock(),
                cache: Mutex::new(HashMap::new()),
                endpoints: Mutex::new(HashMap::new()),
                recent: Mutex::new(RecentEvents::default()),
                reload: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
                counters: Counters::default(),
                observer: None,
            }),
        }
    }

    /// Uses `clock` (Unix microseconds) for record times. Call before
    /// cloning.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.clock = clock;
        }
        self
    }

    /// Tells `observer` about every attempt and dead letter the engine
    /// stores (the service's analytics). Call before cloning.
    pub fn with_observer(mut self, observer: Arc<dyn DeliveryObserver>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.observer = Some(observer);
        }
        self
    }

    fn observe_attempt(&self, delivery: &Delivery, attempt: &Attempt) {
        if let Some(o) = &self.inner.observer {
            o.attempt_stored(delivery, attempt);
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn WebhookStore> {
        &self.inner.store
    }

    /// The counters since start.
    pub fn stats(&self) -> EngineStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        EngineStats {
            fanned_out: get(&c.fanned_out),
            attempts: get(&c.attempts),
            delivered: get(&c.delivered),
            retried: get(&c.retried),
            dead_lettered: get(&c.dead_lettered),
            deferred: get(&c.deferred),
            errors: get(&c.errors),
        }
    }

    fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    // ------------------------------------------------------------ management

    /// Checks `url` against [`EngineConfig::allowed_hosts`].
    fn check_host(&self, url: &str) -> Result<(), Error> {
        let Some(allowed) = &self.inner.config.allowed_hosts else {
            return Ok(());
        };
        let host = url::Url::parse(url)
            .map_err(UrlError::from)?
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(&host)) {
            Ok(())
        } else {
            Err(UrlError::HostNotAllowed(host).into())
        }
    }

    /// Creates a webhook. Show [`NewWebhook::secret`] to the caller once.
    pub async fn create(&self, spec: WebhookSpec) -> Result<NewWebhook, EngineError> {
        self.check_host(&spec.url)?;
        let created = Webhook::create(
            spec,
            &self.inner.config.url_policy,
            &self.inner.master,
            self.now(),
        )?;
        self.inner.store.insert_webhook(&created.webhook).await?;
        self.invalidate(&created.webhook.account_id);
        Ok(created)
    }

    /// Reads a webhook of the account.
    pub async fn get(&self, account_id: &str, webhook_id: Uuid) -> Result<Webhook, EngineError> {
        self.inner
            .store
            .get_webhook(account_id, webhook_id)
            .await?
            .ok_or(EngineError::WebhookNotFound)
    }

    /// Lists the account's webhooks by id.
    pub async fn list(
        &self,
        account_id: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<WebhookPage, EngineError> {
        Ok(self
            .inner
            .store
            .list_webhooks(account_id, after, limit)
            .await?)
    }

    /// Applies `update` (read, validate, conditional write; retried a few
    /// times when another update lands in between).
    pub async fn update(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        update: WebhookUpdate,
    ) -> Result<Webhook, EngineError> {
        if let Some(url) = &update.url {
            self.check_host(url)?;
        }
        self.modify(account_id, webhook_id, |w, now| {
            w.apply(update.clone(), &self.inner.config.url_policy, now)
        })
        .await
    }

    /// Deletes a webhook; its pending deliveries are dropped (its attempt
    /// log and dead letters stay).
    pub async fn delete(&self, account_id: &str, webhook_id: Uuid) -> Result<(), EngineError> {
        let existed = self
            .inner
            .store
            .delete_webhook(account_id, webhook_id)
            .await?;
        self.invalidate(account_id);
        if existed {
            Ok(())
        } else {
            Err(EngineError::WebhookNotFound)
        }
    }

    /// Rotates the signing secret: `secret` (or a generated one) signs from
    /// now on; the old one keeps signing too for `transition` (default
    /// [`EngineConfig::rotation_transition`]). Returns the webhook and the
    /// new secret to show once.
    pub async fn rotate_secret(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        secret: Option<WebhookSecret>,
        transition: Option<Duration>,
    ) -> Result<(Webhook, WebhookSecret), EngineError> {
        let transition = transition.unwrap_or(self.inner.config.rotation_transition);
        let mut issued = None;
        let webhook = self
            .modify(account_id, webhook_id, |w, now| {
                let (rotated, new_secret) =
                    w.rotate_secret(&self.inner.master, secret.clone(), transition, now)?;
                issued = Some(new_secret);
                Ok(rotated)
            })
            .await?;
        let secret = issued.ok_or(EngineError::Conflict)?;
        Ok((webhook, secret))
    }

    /// Read-modify-conditional-write with a few retries on conflict.
    async fn modify(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        mut change: impl FnMut(&Webhook, i64) -> Result<Webhook, Error>,
    ) -> Result<Webhook, EngineError> {
        for _ in 0..5 {
            let current = self.get(account_id, webhook_id).await?;
            let next = change(&current, self.now())?;
            match self
                .inner
                .store
                .update_webhook(&next, current.updated_at)
                .await
            {
                Ok(()) => {
                    self.invalidate(account_id);
                    return Ok(next);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Conflict)
    }

    /// Sends a signed test event (type [`TEST_EVENT_TYPE`]) to the webhook
    /// now, active or not, and returns what the receiver answered. Not
    /// recorded, not retried.
    pub async fn send_test(
        &self,
        account_id: &str,
        webhook_id: Uuid,
    ) -> Result<TestDelivery, EngineError> {
        let webhook = self.get(account_id, webhook_id).await?;
        let now = self.now();
        let event_id = Uuid::new_v4();
        let payload = serde_json::json!({ "test": true, "webhook_id": webhook_id });
        let payload = RawValue::from_string(payload.to_string()).map_err(|_| Error::Encoding)?;
        let body = build_body(event_id, TEST_EVENT_TYPE, "triggers", now, &payload)?;
        let msg_id = message_id(event_id);
        let result = self.post(&webhook, &msg_id, body, now).await?;
        Ok(TestDelivery { msg_id, result })
    }

    /// Signs `body` with the webhook's secrets at `now` and POSTs it.
    async fn post(
        &self,
        webhook: &Webhook,
        msg_id: &str,
        body: Vec<u8>,
        now: i64,
    ) -> Result<DeliveryResult, Error> {
        if let Err(e) = self.check_host(&webhook.url) {
            return Ok(DeliveryResult {
                outcome: AttemptOutcome::Failed(FailureKind::Blocked),
                latency: Duration::ZERO,
                retry_after: None,
                response_excerpt: None,
                error: Some(e.to_string()),
            });
        }
        let secrets = webhook.signing_secrets(&self.inner.master, now)?;
        let seconds = u64::try_from(now / 1_000_000).map_err(|_| Error::TimestampOutOfRange)?;
        let headers = signed_headers(msg_id, seconds, &body, &secrets)?;
        drop(secrets);
        Ok(self
            .inner
            .client
            .deliver(&webhook.url, &headers, Bytes::from(body))
            .await)
    }

    /// The webhook's attempt log, newest first.
    pub async fn attempts(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        after: Option<AttemptCursor>,
        limit: usize,
    ) -> Result<AttemptPage, EngineError> {
        // 404 for a webhook that does not exist, not an empty log.
        self.get(account_id, webhook_id).await?;
        Ok(self
            .inner
            .store
            .list_attempts(account_id, webhook_id, after, limit)
            .await?)
    }

    /// The account's dead letters, newest first.
    pub async fn dead_letters(
        &self,
        account_id: &str,
        query: &DeadLetterQuery,
        after: Option<DeadLetterCursor>,
        limit: usize,
    ) -> Result<DeadLetterPage, EngineError> {
        Ok(self
            .inner
            .store
            .list_dead_letters(account_id, query, after, limit)
            .await?)
    }

    /// Enqueues a dead letter's delivery again, with a fresh retry budget
    /// and the same `webhook-id`. The job is enqueued before the dead
    /// letter is marked replayed, so a crash in between never loses the
    /// replay (it may send it twice).
    pub async fn replay(&self, account_id: &str, delivery_id: Uuid) -> Result<(), EngineError> {
        let stored = self
            .inner
            .store
            .get_dead_letter(account_id, delivery_id)
            .await?
            .ok_or(EngineError::DeadLetterNotFound)?;
        if stored.replayed_at.is_some() {
            return Err(EngineError::AlreadyReplayed);
        }
        let webhook = self.get(account_id, stored.dead_letter.webhook_id).await?;
        if !webhook.is_active {
            return Err(EngineError::WebhookInactive);
        }
        self.replay_one(&stored.dead_letter).await?;
        self.inner.wake.notify_one();
        Ok(())
    }

    async fn replay_one(&self, dl: &DeadLetter) -> Result<(), EngineError> {
        let attempt = dl.attempts.saturating_add(1);
        let job = Job {
            delivery_id: dl.delivery_id,
            webhook_id: dl.webhook_id,
            account_id: dl.account_id.clone(),
            event_id: dl.event_id,
            attempt,
            first_attempt: attempt,
            not_before: None,
        };
        self.inner.queue.enqueue(&job, Duration::ZERO).await?;
        match self
            .inner
            .store
            .mark_replayed(&dl.account_id, dl.delivery_id, self.now())
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => Err(EngineError::AlreadyReplayed),
            Err(StoreError::NotFound) => Err(EngineError::DeadLetterNotFound),
            Err(e) => Err(EngineError::Store(e)),
        }
    }

    /// Replays every dead letter of one webhook with `since <= dead_at <
    /// until` (Unix microseconds; `None`: unbounded) that was not replayed
    /// yet, up to [`MAX_BULK_REPLAY`] per call.
    pub async fn replay_range(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Result<BulkReplay, EngineError> {
        let webhook = self.get(account_id, webhook_id).await?;
        if !webhook.is_active {
            return Err(EngineError::WebhookInactive);
        }
        let query = DeadLetterQuery {
            webhook_id: Some(webhook_id),
            since,
            until,
        };
        let mut out = BulkReplay::default();
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .list_dead_letters(account_id, &query, after, 200)
                .await?;
            for stored in &page.dead_letters {
                if stored.replayed_at.is_some() {
                    out.skipped += 1;
                    continue;
                }
                if out.replayed == MAX_BULK_REPLAY {
                    out.truncated = true;
                    self.inner.wake.notify_one();
                    return Ok(out);
                }
                match self.replay_one(&stored.dead_letter).await {
                    Ok(()) => out.replayed += 1,
                    Err(EngineError::AlreadyReplayed) => out.skipped += 1,
                    Err(e) => return Err(e),
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        self.inner.wake.notify_one();
        Ok(out)
    }

    // ------------------------------------------------------------ fan-out

    fn invalidate(&self, account_id: &str) {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(account_id);
    }

    /// Every webhook of the account (active or not), from the cache when
    /// fresh.
    async fn account_webhooks(&self, account_id: &str) -> Result<Arc<Vec<Webhook>>, StoreError> {
        let ttl = self.inner.config.cache_ttl;
        let fresh = || {
            self.inner
                .cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(account_id)
                .filter(|c| c.at.elapsed() < ttl)
                .map(|c| c.webhooks.clone())
        };
        if let Some(webhooks) = fresh() {
            return Ok(webhooks);
        }
        // One reload at a time: the deliveries waiting meanwhile take its
        // result instead of each listing every webhook again.
        let _reloading = self.inner.reload.lock().await;
        if let Some(webhooks) = fresh() {
            return Ok(webhooks);
        }
        let read_at = Instant::now();
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .list_webhooks(account_id, after, 500)
                .await?;
            all.extend(page.webhooks);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let webhooks = Arc::new(all);
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_CACHED_ACCOUNTS {
            cache.retain(|_, c| c.at.elapsed() < ttl);
        }
        if cache.len() < MAX_CACHED_ACCOUNTS {
            cache.insert(
                account_id.to_owned(),
                Cached {
                    at: read_at,
                    webhooks: webhooks.clone(),
                },
            );
        }
        Ok(webhooks)
    }

    /// Enqueues one delivery of `event` per active webhook of its account
    /// subscribed to its type, and wakes the worker. Returns how many.
    /// Idempotent in effect: a repeated fan-out enqueues the same delivery
    /// ids (receivers see the same `webhook-id`).
    pub async fn fan_out(&self, event: EventData) -> Result<usize, EngineError> {
        let webhooks = self.account_webhooks(&event.account_id).await?;
        let jobs: Vec<Job> = webhooks
            .iter()
            .filter(|w| w.receives(&event.event_type))
            .map(|w| Job {
                delivery_id: delivery_id(event.event_id, w.webhook_id),
                webhook_id: w.webhook_id,
                account_id: event.account_id.clone(),
                event_id: event.event_id,
                attempt: 1,
                first_attempt: 1,
                not_before: None,
            })
            .collect();
        if jobs.is_empty() {
            return Ok(0);
        }
        self.inner
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(Arc::new(event));
        self.inner
            .queue
            .enqueue_batch(&jobs, Duration::ZERO)
            .await?;
        bump(&self.inner.counters.fanned_out, jobs.len() as u64);
        self.inner.wake.notify_one();
        Ok(jobs.len())
    }

    // ------------------------------------------------------------ delivery

    /// Runs the delivery worker until `shutdown` completes, then waits up to
    /// the visibility timeout for deliveries in flight (unfinished ones are
    /// received again after their lease expires).
    pub async fn run_worker(&self, shutdown: impl Future<Output = ()>) {
        let config = &self.inner.config;
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        // Successes are recorded and acked in batches (two writes per batch
        // instead of two per delivery), behind the deliveries: a slot frees
        // when its HTTP attempt ends, not when its record is durable.
        let (completions, completed) = mpsc::channel(config.concurrency.max(1));
        let collector = tokio::spawn(self.clone().collect(completed));
        // A fetcher leases jobs ahead of the free slots (at most `batch`
        // waiting), so a slot that frees takes its next job from memory
        // instead of waiting for a lease write behind the store's commits.
        let ahead = config.batch.max(1);
        let (fetched, mut jobs) = mpsc::channel::<Leased<Job>>(ahead);
        let fetcher = tokio::spawn(self.clone().fetch(fetched));
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let job = tokio::select! {
                job = jobs.recv() => match job {
                    Some(job) => job,
                    None => break,
                },
                () = &mut shutdown => break,
            };
            while tasks.try_join_next().is_some() {}
            let this = self.clone();
            let completions = completions.clone();
            tasks.spawn(async move {
                this.process_with(job, Some(&completions)).await;
                drop(permit);
            });
        }
        fetcher.abort();
        let _ = fetcher.await;
        // Jobs leased ahead and not started: their leases expire and they
        // are received again (or released at the next start).
        jobs.close();
        let grace = self.inner.config.visibility_timeout;
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!("deliveries still in flight at shutdown; they will be retried");
        }
        tasks.abort_all();
        drop(completions);
        let _ = collector.await;
    }

    /// Leases jobs while the hand-off channel has room, up to its free
    /// capacity per receive; waits for a wake-up (or the idle poll) when the
    /// queue is empty, and backs off on errors.
    async fn fetch(self, out: mpsc::Sender<Leased<Job>>) {
        let config = &self.inner.config;
        let mut backoff = Duration::from_millis(50);
        loop {
            // Wait for room for at least one job, then take all the room there is.
            let first = match out.reserve().await {
                Ok(p) => p,
                Err(_) => return,
            };
            let mut permits = vec![first];
            while permits.len() < config.batch.max(1) {
                match out.try_reserve() {
                    Ok(p) => permits.push(p),
                    Err(_) => break,
                }
            }
            match self
                .inner
                .queue
                .receive(permits.len(), config.visibility_timeout)
                .await
            {
                Ok(leased) if leased.is_empty() => {
                    drop(permits);
                    tokio::select! {
                        () = self.inner.wake.notified() => {}
                        () = tokio::time::sleep(config.idle_poll) => {}
                    }
                }
                Ok(leased) => {
                    backoff = Duration::from_millis(50);
                    for (job, permit) in leased.into_iter().zip(permits) {
                        permit.send(job);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "receiving delivery jobs failed");
                    drop(permits);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Records and acks successful attempts in batches. On a store or queue
    /// failure the batch's jobs stay leased and
    /// are delivered again after the lease (at least once).
    async fn collect(self, mut rx: mpsc::Receiver<Completion>) {
        let mut buf = Vec::with_capacity(COMPLETION_BATCH);
        while rx.recv_many(&mut buf, COMPLETION_BATCH).await > 0 {
            if buf.len() < COMPLETION_BATCH {
                // Linger: a burst's completions arrive over a few ms; one
                // larger write leaves the writer to the leases meanwhile.
                tokio::time::sleep(COMPLETION_LINGER).await;
                while buf.len() < COMPLETION_BATCH {
                    match rx.try_recv() {
                        Ok(c) => buf.push(c),
                        Err(_) => break,
                    }
                }
            }
            let mut records = Vec::with_capacity(buf.len());
            let mut receipts = Vec::with_capacity(buf.len());
            for c in buf.drain(..) {
                records.push((c.delivery, c.attempt));
                receipts.push(c.receipt);
            }
            let stored = match self.inner.store.record_attempts(&records).await {
                Ok(()) => {
                    for (delivery, attempt) in &records {
                        self.observe_attempt(delivery, attempt);
                    }
                    self.inner
                        .queue
                        .ack_batch(&receipts)
                        .await
                        .map(|_| ())
                        .map_err(EngineError::from)
                }
                Err(e) => Err(EngineError::Store(e)),
            };
            if let Err(e) = stored {
                bump(&self.inner.counters.errors, receipts.len() as u64);
                tracing::warn!(error = %e, "recording delivered attempts failed; they will be delivered again");
            }
        }
    }

    /// Processes one leased job (what [`run_worker`](Self::run_worker) does
    /// for each; public for hosts that receive jobs themselves, like an SQS
    /// event source). Errors are logged and counted; the job's lease then
    /// expires and it is received again.
    pub async fn process(&self, leased: Leased<Job>) {
        self.process_with(leased, None).await;
    }

    /// Processes one job received by the host (an SQS event source hands
    /// the worker its messages) and says what became of it. An error means
    /// the job is not done: its lease was neither acked nor put back, and the
    /// host must let it be received again (for SQS: report the message as a
    /// batch item failure). Unlike [`process`](Self::process) nothing is
    /// logged; errors are counted in [`EngineStats::errors`].
    pub async fn process_job(&self, leased: &Leased<Job>) -> Result<Processed, EngineError> {
        let processed = self.try_process(&leased.job, &leased.receipt, None).await;
        if processed.is_err() {
            bump(&self.inner.counters.errors, 1);
        }
        processed
    }

    async fn process_with(
        &self,
        leased: Leased<Job>,
        completions: Option<&mpsc::Sender<Completion>>,
    ) {
        if let Err(e) = self
            .try_process(&leased.job, &leased.receipt, completions)
            .await
        {
            bump(&self.inner.counters.errors, 1);
            tracing::warn!(
                error = %e,
                delivery_id = %leased.job.delivery_id,
                "delivery job failed; it will be received again"
            );
        }
    }

    fn endpoint_permit(&self, webhook_id: Uuid) -> Option<OwnedSemaphorePermit> {
        let per = self.inner.config.per_endpoint.max(1);
        let mut map = self
            .inner
            .endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() > 10_000 {
            // Forget idle endpoints (all permits free).
            map.retain(|_, s| s.available_permits() < per);
        }
        map.entry(webhook_id)
            .or_insert_with(|| Arc::new(Semaphore::new(per)))
            .clone()
            .try_acquire_owned()
            .ok()
    }

    /// The webhook of a job: from the cached list when it is there and
    /// active; otherwise read afresh (the cache may predate a change).
    async fn job_webhook(&self, job: &Job) -> Result<Option<Webhook>, StoreError> {
        let cached = self.account_webhooks(&job.account_id).await?;
        if let Some(w) = cached.iter().find(|w| w.webhook_id == job.webhook_id) {
            if w.is_active {
                return Ok(Some(w.clone()));
            }
        }
        self.inner
            .store
            .get_webhook(&job.account_id, job.webhook_id)
            .await
    }

    async fn try_process(
        &self,
        job: &Job,
        receipt: &Receipt,
        completions: Option<&mpsc::Sender<Completion>>,
    ) -> Result<Processed, EngineError> {
        let inner = &*self.inner;
        let now = self.now();
        // A wait longer than the queue can delay: hop again.
        if let Some(not_before) = job.not_before {
            if not_before > now {
                let wait = duration_of_micros(not_before - now).min(MAX_QUEUE_DELAY);
                inner.queue.retry(receipt, job, wait).await?;
                return Ok(Processed::Deferred);
            }
        }
        let Some(webhook) = self.job_webhook(job).await? else {
            // Deleted: its deliveries go with it.
            return ack_or_stale(inner.queue.ack(receipt).await).map(|()| Processed::Dropped);
        };
        let recent = inner
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&job.account_id, job.event_id);
        let event = match recent {
            Some(e) => Some(e),
            None => inner
                .events
                .event(&job.account_id, job.event_id)
                .await
                .map_err(EngineError::Events)?
                .map(Arc::new),
        };
        let Some(event) = event else {
            tracing::warn!(event_id = %job.event_id, "event of a delivery no longer exists");
            return ack_or_stale(inner.queue.ack(receipt).await).map(|()| Processed::Dropped);
        };
        let mut delivery = Delivery {
            delivery_id: job.delivery_id,
            webhook_id: job.webhook_id,
            account_id: job.account_id.clone(),
            event_id: job.event_id,
            event_type: event.event_type.clone(),
            msg_id: message_id(job.event_id),
            status: DeliveryStatus::Pending,
            attempts: job.attempt.saturating_sub(1),
            next_attempt_at: Some(now),
            created_at: event.occurred_at,
            updated_at: now,
        };
        if !webhook.is_active {
            return self
                .dead_letter(&delivery, None, DeadLetterReason::WebhookInactive, receipt)
                .await
                .map(|()| Processed::DeadLettered);
        }
        let Some(_endpoint) = self.endpoint_permit(webhook.webhook_id) else {
            bump(&inner.counters.deferred, 1);
            inner
                .queue
                .retry(receipt, job, inner.config.saturated_delay)
                .await?;
            return Ok(Processed::Deferred);
        };

        let body = build_body(
            event.event_id,
            &event.event_type,
            &event.source,
            event.occurred_at,
            &event.payload,
        )?;
        let result = self.post(&webhook, &delivery.msg_id, body, now).await?;
        bump(&inner.counters.attempts, 1);
        let mut attempt =
            Attempt::new(job.delivery_id, job.attempt, result.outcome, now).latency(result.latency);
        if let Some(e) = &result.error {
            attempt = attempt.error(e);
        }
        attempt.response_excerpt = result.response_excerpt;
        delivery.attempts = job.attempt;
        let disposition = attempt.disposition();

        if disposition == Disposition::Success {
            bump(&inner.counters.delivered, 1);
            if let Some(tx) = completions {
                let completion = Completion {
                    delivery,
                    attempt,
                    receipt: receipt.clone(),
                };
                match tx.send(completion).await {
                    // The delivery slot is free now; the completion channel
                    // (as deep as the concurrency) is the backpressure on
                    // the store.
                    Ok(()) => return Ok(Processed::Delivered),
                    // The collector is gone (shutting down): record it here.
                    Err(mpsc::error::SendError(c)) => (delivery, attempt) = (c.delivery, c.attempt),
                }
            }
            self.record(&delivery, &attempt).await?;
            return ack_or_stale(inner.queue.ack(receipt).await).map(|()| Processed::Delivered);
        }

        self.record(&delivery, &attempt).await?;
        if disposition == Disposition::Retry {
            let policy = inner.config.retry.with_max_retries(webhook.max_retries);
            let nth_failure = job
                .attempt
                .saturating_sub(job.first_attempt)
                .saturating_add(1);
            let r: f64 = rand::thread_rng().r#gen();
            if let Some(delay) = policy.next_delay(nth_failure, result.retry_after, r) {
                let (now_part, rest) = split_delay(delay);
                let next = Job {
                    attempt: job.attempt.saturating_add(1),
                    not_before: rest.map(|_| now.saturating_add(micros(delay))),
                    ..job.clone()
                };
                bump(&inner.counters.retried, 1);
                return ack_or_stale(inner.queue.retry(receipt, &next, now_part).await)
                    .map(|()| Processed::Retrying);
            }
        }
        if disposition == Disposition::Deactivate {
            self.deactivate(&webhook).await?;
        }
        match DeadLetterReason::for_disposition(disposition) {
            Some(reason) => self
                .dead_letter(&delivery, Some(&attempt), reason, receipt)
                .await
                .map(|()| Processed::DeadLettered),
            None => ack_or_stale(inner.queue.ack(receipt).await).map(|()| Processed::Delivered),
        }
    }

    /// Records an attempt; one recorded already (a redelivered job) is fine.
    async fn record(&self, delivery: &Delivery, attempt: &Attempt) -> Result<(), EngineError> {
        match self.inner.store.record_attempt(delivery, attempt).await {
            Ok(()) => {
                self.observe_attempt(delivery, attempt);
                Ok(())
            }
            // Stored (and observed) by an earlier run of this job.
            Err(StoreError::Conflict) => Ok(()),
            Err(e) => Err(EngineError::Store(e)),
        }
    }

    /// Stores the dead letter, then acks the job.
    async fn dead_letter(
        &self,
        delivery: &Delivery,
        last: Option<&Attempt>,
        reason: DeadLetterReason,
        receipt: &Receipt,
    ) -> Result<(), EngineError> {
        let dl = DeadLetter::of(delivery, last, reason, self.now());
        match self.inner.store.put_dead_letter(&dl).await {
            // Written by an earlier run of this job that did not ack.
            Ok(()) => {
                if let Some(o) = &self.inner.observer {
                    o.dead_letter_stored(&dl);
                }
            }
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(EngineError::Store(e)),
        }
        bump(&self.inner.counters.dead_lettered, 1);
        ack_or_stale(self.inner.queue.ack(receipt).await)
    }

    /// `410 Gone`: the receiver asks us to stop.
    async fn deactivate(&self, webhook: &Webhook) -> Result<(), EngineError> {
        let update = WebhookUpdate {
            is_active: Some(false),
            ..WebhookUpdate::default()
        };
        match self
            .update(&webhook.account_id, webhook.webhook_id, update)
            .await
        {
            Ok(_) | Err(EngineError::WebhookNotFound) => {
                tracing::info!(webhook_id = %webhook.webhook_id, "receiver answered 410 Gone: webhook deactivated");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// A stale receipt after the outcome was stored: the lease expired and the
/// job is being processed again elsewhere; nothing is lost.
fn ack_or_stale(r: Result<(), QueueError>) -> Result<(), EngineError> {
    match r {
        Ok(()) | Err(QueueError::StaleReceipt) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
