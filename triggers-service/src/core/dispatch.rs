//! From accepted events to webhook deliveries.
//!
//! Every event is stored in the outbox state (`dispatched = 0`) by the same
//! write that stores it. After the 201, the ingest handler hands it to the
//! [`Dispatcher`], which fans it out to the matching webhooks
//! ([`Webhooks::fan_out`]) in batches and then takes the batch out of the
//! outbox. A sweep reads the outbox every few seconds (and at start), so an
//! event whose hand-off was lost (crash, full channel) is still delivered:
//! at least once, never lost.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use triggers_webhooks::engine::{BoxError, EventData, EventSource, Webhooks};
use uuid::Uuid;

use crate::core::events::{Event, EventStore};
use crate::core::time::now_micros;

/// Events waiting for fan-out in memory at most; beyond, the sweep takes
/// them from the outbox.
const CHANNEL: usize = 16_384;
/// Events fanned out together (their outbox marks are one write).
const BATCH: usize = 256;
/// How often the outbox is swept.
const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// The sweep takes events older than this (younger ones are in the hand-off).
const SWEEP_AGE_MICROS: i64 = 2_000_000;

/// The engine's view of an event.
pub fn event_data(e: Event) -> EventData {
    EventData {
        event_id: e.event_id,
        account_id: e.account_id,
        event_type: e.event_type,
        source: e.source,
        occurred_at: e.received_at,
        payload: e.payload,
    }
}

/// The event store as the delivery worker's [`EventSource`].
#[derive(Clone)]
pub struct StoreEvents(pub Arc<dyn EventStore>);

#[async_trait::async_trait]
impl EventSource for StoreEvents {
    async fn event(&self, account_id: &str, event_id: Uuid) -> Result<Option<EventData>, BoxError> {
        let event = self.0.get(account_id, event_id).await?;
        Ok(event.map(event_data))
    }
}

/// The hand-off from ingest to fan-out. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Dispatcher {
    tx: mpsc::Sender<Event>,
}

impl Dispatcher {
    /// A dispatcher and the receiving end for [`run`].
    pub fn new() -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(CHANNEL);
        (Dispatcher { tx }, rx)
    }

    /// Hands an ingested event over; never waits. When the channel is full
    /// (or closed) the sweep delivers it a little later.
    pub fn dispatch(&self, event: Event) {
        let _ = self.tx.try_send(event);
    }
}

/// Fans out a batch and takes the successes out of the outbox; returns how
/// many left it. Failures stay in the outbox for the next sweep.
async fn fan_out_batch(
    events: &Arc<dyn EventStore>,
    webhooks: &Webhooks,
    batch: Vec<Event>,
) -> usize {
    let mut tasks = JoinSet::new();
    for event in batch {
        let webhooks = webhooks.clone();
        tasks.spawn(async move {
            let event_id = event.event_id;
            match webhooks.fan_out(event_data(event)).await {
                Ok(_) => Some(event_id),
                Err(e) => {
                    tracing::warn!(error = %e, %event_id, "fan-out failed; the sweep retries it");
                    None
                }
            }
        });
    }
    let mut done = Vec::new();
    while let Some(r) = tasks.join_next().await {
        if let Ok(Some(id)) = r {
            done.push(id);
        }
    }
    match events.mark_dispatched(&done).await {
        Ok(()) => done.len(),
        Err(e) => {
            // The events stay in the outbox: fanned out again by the sweep
            // (the same delivery ids; receivers deduplicate on webhook-id).
            tracing::warn!(error = %e, "could not mark events dispatched");
            0
        }
    }
}

/// One pass over the outbox: every event received before `before`, until
/// a batch makes no progress (a persistent failure waits for the next
/// sweep).
async fn sweep(events: &Arc<dyn EventStore>, webhooks: &Webhooks, before: i64) {
    loop {
        let batch = match events.undispatched(before, BATCH).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook outbox failed");
                return;
            }
        };
        let full = batch.len() == BATCH;
        if batch.is_empty() || fan_out_batch(events, webhooks, batch).await == 0 || !full {
            return;
        }
    }
}

/// Runs the hand-off and the sweep until `shutdown`.
pub async fn run(
    events: Arc<dyn EventStore>,
    webhooks: Webhooks,
    mut rx: mpsc::Receiver<Event>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    // Whatever a previous run left in the outbox.
    sweep(&events, &webhooks, now_micros()).await;
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut buf, BATCH) => {
                if n == 0 {
                    return;
                }
                fan_out_batch(&events, &webhooks, std::mem::take(&mut buf)).await;
            }
            _ = tick.tick() => {
                sweep(&events, &webhooks, now_micros() - SWEEP_AGE_MICROS).await;
            }
            () = &mut shutdown => return,
        }
    }
}
