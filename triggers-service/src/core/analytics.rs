//! Analytics, the in-process host: the service turns what it stores into
//! [`Record`]s and folds them into the analytics store with the same pure
//! function as the DynamoDB Streams consumer on AWS
//! ([`triggers_analytics::Bucket::apply`], through
//! [`apply_batch_once`]).
//!
//! - **Sources.** The API's request recorder (`http::analytics`) emits an
//!   [`Record::ApiRequest`] per authenticated request and, with the events
//!   handler, an [`Record::EventIngested`] per *created* event (an
//!   idempotent replay is not a new event); the webhook engine reports each
//!   stored attempt and dead letter ([`DeliveryObserver`], implemented by
//!   [`Recorder`]).
//! - **Hand-off.** [`Recorder::record`] is a `try_send` on a bounded
//!   channel: the request and delivery paths never wait for analytics. When
//!   the channel is full (the folder cannot keep up or the store is down)
//!   records are dropped and counted ([`Recorder::dropped`]); the data
//!   itself (events, attempts) is never affected.
//! - **Folding.** [`run_folder`] collects records for up to
//!   [`FLUSH_INTERVAL`] and writes each batch with [`apply_batch_once`]:
//!   minute buckets and their hour and day rollups in one atomic write per
//!   account-hour. Each fact is emitted once, where it is stored, so the
//!   stored buckets need no dedup sets (sealed, a few KB each). A failed
//!   write keeps the batch and retries at the next tick, up to
//!   [`MAX_PENDING`] records. Records not yet flushed when the process dies
//!   are lost from the metrics (at most one interval): the trade for not
//!   writing every request twice.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use triggers_analytics::store::{AnalyticsStore, apply_batch_once};
use triggers_analytics::{DeadLetterReason, FailureKind, Granularity, Outcome, Record};
use triggers_webhooks::engine::DeliveryObserver;
use triggers_webhooks::{Attempt, AttemptOutcome, DeadLetter, Delivery};

use crate::core::events::Event;

/// Records waiting for the folder, at most.
pub const CHANNEL_CAPACITY: usize = 65_536;

/// How long the folder collects records before a write.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

/// Records kept across failed writes, at most (older ones are dropped).
pub const MAX_PENDING: usize = 500_000;

/// Where the service's code hands analytics records: cheap to clone,
/// never blocks. A disabled recorder (the Lambda API function, whose
/// metrics come from the table streams) drops everything silently.
#[derive(Clone, Debug)]
pub struct Recorder {
    tx: Option<mpsc::Sender<Record>>,
    dropped: Arc<AtomicU64>,
}

impl Recorder {
    /// A recorder and the receiving end [`run_folder`] drains.
    pub fn channel(capacity: usize) -> (Recorder, mpsc::Receiver<Record>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            Recorder {
                tx: Some(tx),
                dropped: Arc::default(),
            },
            rx,
        )
    }

    /// A recorder that records nothing.
    pub fn disabled() -> Recorder {
        Recorder {
            tx: None,
            dropped: Arc::default(),
        }
    }

    /// True when records go somewhere.
    pub fn is_enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Hands `record` to the folder, or drops it (counted) when the folder
    /// is behind by [`CHANNEL_CAPACITY`] records.
    pub fn record(&self, record: Record) {
        if let Some(tx) = &self.tx {
            if tx.try_send(record).is_err() {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed);
                if n.is_power_of_two() {
                    tracing::warn!(
                        dropped = n + 1,
                        "analytics cannot keep up; records dropped (the data is unaffected)"
                    );
                }
            }
        }
    }

    /// Records dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl DeliveryObserver for Recorder {
    fn attempt_stored(&self, delivery: &Delivery, attempt: &Attempt) {
        if self.is_enabled() {
            self.record(attempt_record(delivery, attempt));
        }
    }

    fn dead_letter_stored(&self, dead_letter: &DeadLetter) {
        if self.is_enabled() {
            self.record(dead_letter_record(dead_letter));
        }
    }
}

/// The record of a created event; `ingest_latency_us` from the request's
/// arrival to the durable write.
pub fn event_record(event: &Event, ingest_latency_us: Option<u64>) -> Record {
    Record::EventIngested {
        account: event.account_id.clone(),
        event_id: event.event_id.as_u128(),
        source: event.source.clone(),
        event_type: event.event_type.clone(),
        received_at: event.received_at,
        ingest_latency_us,
    }
}

/// The analytics form of an attempt outcome.
pub fn outcome(o: AttemptOutcome) -> Outcome {
    match o {
        AttemptOutcome::Status(s) => Outcome::Status(s),
        AttemptOutcome::Failed(k) => Outcome::Failed(match k {
            triggers_webhooks::FailureKind::Timeout => FailureKind::Timeout,
            triggers_webhooks::FailureKind::Dns => FailureKind::Dns,
            triggers_webhooks::FailureKind::Connect => FailureKind::Connect,
            triggers_webhooks::FailureKind::Tls => FailureKind::Tls,
            triggers_webhooks::FailureKind::Protocol => FailureKind::Protocol,
            triggers_webhooks::FailureKind::Blocked => FailureKind::Blocked,
            // A kind added later: counted with the broken exchanges.
            _ => FailureKind::Protocol,
        }),
    }
}

/// The record of a stored attempt. On success, ingest-to-delivery runs
/// from the event's `received_at` (`delivery.created_at`) to the end of
/// the attempt.
pub fn attempt_record(delivery: &Delivery, attempt: &Attempt) -> Record {
    attempt_record_of(
        &delivery.account_id,
        delivery.webhook_id.as_u128(),
        Some(delivery.created_at),
        attempt,
    )
}

/// [`attempt_record`] from the parts a stored attempt keeps (the stream
/// host reads them from the attempts table): the owner, the webhook and,
/// when known, the event's `received_at`.
pub fn attempt_record_of(
    account: &str,
    webhook_id: u128,
    event_received_at: Option<i64>,
    attempt: &Attempt,
) -> Record {
    let outcome = outcome(attempt.outcome);
    let end = attempt.at.saturating_add(
        i64::try_from(attempt.latency_ms.saturating_mul(1_000)).unwrap_or(i64::MAX),
    );
    let ingest_to_delivery_us = event_received_at
        .filter(|_| outcome.is_success())
        .and_then(|received_at| u64::try_from(end.saturating_sub(received_at)).ok());
    Record::DeliveryAttempt {
        account: account.to_owned(),
        delivery_id: attempt.delivery_id.as_u128(),
        attempt: attempt.attempt,
        webhook_id,
        outcome,
        at: attempt.at,
        ingest_to_delivery_us,
    }
}

/// The analytics form of a dead-letter reason.
pub fn reason(r: triggers_webhooks::DeadLetterReason) -> DeadLetterReason {
    match r {
        triggers_webhooks::DeadLetterReason::RetriesExhausted => DeadLetterReason::RetriesExhausted,
        triggers_webhooks::DeadLetterReason::Gone => DeadLetterReason::Gone,
        triggers_webhooks::DeadLetterReason::Blocked => DeadLetterReason::Blocked,
        triggers_webhooks::DeadLetterReason::WebhookInactive => DeadLetterReason::WebhookInactive,
    }
}

/// The record of a stored dead letter.
pub fn dead_letter_record(dl: &DeadLetter) -> Record {
    Record::DeadLettered {
        account: dl.account_id.clone(),
        delivery_id: dl.delivery_id.as_u128(),
        webhook_id: dl.webhook_id.as_u128(),
        attempts: dl.attempts,
        reason: reason(dl.reason),
        at: dl.dead_at,
    }
}

/// Drains `rx` into `store` until `stop` resolves (then flushes what it
/// holds) or every recorder is gone.
pub async fn run_folder(
    store: Arc<dyn AnalyticsStore>,
    mut rx: mpsc::Receiver<Record>,
    stop: impl Future<Output = ()>,
) {
    let mut pending: Vec<Record> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    let mut open = true;
    while open {
        tokio::select! {
            () = &mut stop => open = false,
            n = rx.recv_many(&mut pending, 8_192) => {
                if n == 0 {
                    open = false;
                }
                continue;
            }
            _ = tick.tick() => {}
        }
        flush(&*store, &mut pending).await;
    }
    while let Ok(r) = rx.try_recv() {
        pending.push(r);
    }
    flush(&*store, &mut pending).await;
}

/// Writes `pending`, one account-hour at a time (each is one atomic write
/// of `apply_batch_once`, so a failure keeps exactly the records that were
/// not written, and retrying them cannot count any twice); keeps what
/// failed, trimmed to [`MAX_PENDING`].
async fn flush(store: &dyn AnalyticsStore, pending: &mut Vec<Record>) {
    if pending.is_empty() {
        return;
    }
    let mut groups: BTreeMap<(String, i64), Vec<Record>> = BTreeMap::new();
    for r in pending.drain(..) {
        let key = (r.account().to_owned(), Granularity::Hour.start_of(r.at()));
        groups.entry(key).or_default().push(r);
    }
    for (_, records) in groups {
        match apply_batch_once(store, Granularity::Minute, &records).await {
            Ok(report) => {
                for r in &report.rejected {
                    tracing::warn!(error = %r.error, "invalid analytics record skipped");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, records = records.len(), "writing analytics failed; retrying");
                pending.extend(records);
            }
        }
    }
    if pending.len() > MAX_PENDING {
        let excess = pending.len() - MAX_PENDING;
        pending.drain(..excess);
        tracing::warn!(
            dropped = excess,
            "analytics backlog over its bound; oldest records dropped"
        );
    }
}
