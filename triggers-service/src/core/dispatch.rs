//! From accepted events to webhook deliveries.
//!
//! Every event is stored in the outbox state (`dispatched = 0`) by the same
//! write that stores it. After the 201, the ingest handler hands it to the
//! [`Dispatcher`], which fans it out to the matching webhooks
//! ([`Webhooks::fan_out`]) in batches and then takes the batch out of the
//! outbox. A sweep reads the outbox every few seconds (and at start), so an
//! event whose hand-off was lost (crash, full channel) is still delivered:
//! at least once, never lost.
//!
//! One pass of that sweep is [`sweep_once`]: `serve`'s loop ([`run`]) calls
//! it every [`SWEEP_EVERY`] for events older than 2 s, and the Lambda
//! sweeper (`lambda::sweeper`, feature `lambda`) once per scheduled
//! invocation, for events older than its grace period and bounded by the
//! invocation's deadline ([`SweepLimits`]).
//!
//! Fanning an event out twice (its jobs were enqueued but the outbox mark
//! was not written: a failed mark, a pass stopped at its deadline) enqueues
//! its jobs again under the same delivery ids (UUID v5 of event and
//! webhook): each receiver gets the event again with the same
//! `webhook-id`, and the attempt log keeps one record per delivery and
//! attempt number. At least once, never lost, never a new delivery id.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use triggers_webhooks::engine::{BoxError, EventData, EventSource, Webhooks};
use uuid::Uuid;

use crate::core::events::{Event, EventStore};
use crate::core::time::now_micros;

/// Events waiting for fan-out in memory at most; beyond, the sweep takes
/// them from the outbox.
const CHANNEL: usize = 16_384;
/// Events fanned out together (their outbox marks are one write), and the
/// page size of a sweep by default.
pub const BATCH: usize = 256;
/// How often `serve` sweeps the outbox.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
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

/// Fans out a batch and takes the successes out of the outbox; returns the
/// ids that left it. Failures stay in the outbox for the next sweep. With
/// `stop_at`, fan-outs still in flight then are abandoned (their events
/// stay in the outbox; one that had enqueued its jobs already is fanned
/// out again by a later sweep) and the ones done are marked.
async fn fan_out_batch(
    events: &Arc<dyn EventStore>,
    webhooks: &Webhooks,
    batch: Vec<Event>,
    stop_at: Option<Instant>,
) -> Vec<Uuid> {
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
    let collect = async {
        while let Some(r) = tasks.join_next().await {
            if let Ok(Some(id)) = r {
                done.push(id);
            }
        }
    };
    match stop_at {
        Some(at) => {
            if tokio::time::timeout_at(at, collect).await.is_err() {
                tracing::warn!(
                    "time is up; fan-outs still in flight are abandoned (their events stay in the outbox)"
                );
            }
        }
        None => collect.await,
    }
    tasks.abort_all();
    if done.is_empty() {
        return done;
    }
    match events.mark_dispatched(&done).await {
        Ok(()) => done,
        Err(e) => {
            // The events stay in the outbox: fanned out again by the sweep
            // (the same delivery ids; receivers deduplicate on webhook-id).
            tracing::warn!(error = %e, "could not mark events dispatched");
            Vec::new()
        }
    }
}

/// The bounds of one sweep pass ([`sweep_once`]).
#[derive(Debug, Clone, Copy)]
pub struct SweepLimits {
    /// Events read from the outbox and fanned out together (default
    /// [`BATCH`]).
    pub page: usize,
    /// When to stop: no page is read after it, and fan-outs still in
    /// flight then are abandoned (default: none).
    pub stop_at: Option<Instant>,
}

impl Default for SweepLimits {
    fn default() -> Self {
        SweepLimits {
            page: BATCH,
            stop_at: None,
        }
    }
}

/// Why a sweep pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SweepEnd {
    /// The outbox held no more events old enough (the last page was not
    /// full).
    Drained,
    /// A page made no progress: every fan-out of it (or its outbox mark)
    /// failed. The rest waits for the next pass.
    NoProgress,
    /// The time limit came ([`SweepLimits::stop_at`]). The rest waits for
    /// the next pass.
    Deadline,
    /// The outbox could not be read.
    ReadFailed,
}

/// What one sweep pass did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Events fanned out and taken out of the outbox.
    pub swept: usize,
    /// Events read but left in the outbox (fan-out or mark failed, or
    /// abandoned at the deadline), each counted once.
    pub left: usize,
    /// Outbox pages read.
    pub pages: usize,
    /// Why the pass ended.
    pub end: SweepEnd,
    /// The store's error when the outbox could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One pass over the outbox: the events received before `before` (Unix
/// microseconds), oldest first, a page at a time, each page fanned out
/// ([`Webhooks::fan_out`], one job per matching webhook) and taken out of
/// the outbox; until a page is not full, a page makes no progress (a
/// persistent failure waits for the next pass), or `limits.stop_at`.
pub async fn sweep_once(
    events: &Arc<dyn EventStore>,
    webhooks: &Webhooks,
    before: i64,
    limits: SweepLimits,
) -> SweepReport {
    let page = limits.page.max(1);
    let mut report = SweepReport {
        swept: 0,
        left: 0,
        pages: 0,
        end: SweepEnd::Drained,
        error: None,
    };
    let mut left: HashSet<Uuid> = HashSet::new();
    let time_up = || limits.stop_at.is_some_and(|at| Instant::now() >= at);
    let end = loop {
        if time_up() {
            break SweepEnd::Deadline;
        }
        let read = events.undispatched(before, page);
        let read = match limits.stop_at {
            Some(at) => match tokio::time::timeout_at(at, read).await {
                Ok(read) => read,
                Err(_) => break SweepEnd::Deadline,
            },
            None => read.await,
        };
        let batch = match read {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook outbox failed");
                report.error = Some(e.to_string());
                break SweepEnd::ReadFailed;
            }
        };
        report.pages += 1;
        if batch.is_empty() {
            break SweepEnd::Drained;
        }
        let full = batch.len() == page;
        let ids: Vec<Uuid> = batch.iter().map(|e| e.event_id).collect();
        let done: HashSet<Uuid> = fan_out_batch(events, webhooks, batch, limits.stop_at)
            .await
            .into_iter()
            .collect();
        report.swept += done.len();
        for id in ids {
            if done.contains(&id) {
                left.remove(&id);
            } else {
                left.insert(id);
            }
        }
        if done.is_empty() {
            break if time_up() {
                SweepEnd::Deadline
            } else {
                SweepEnd::NoProgress
            };
        }
        if !full {
            break SweepEnd::Drained;
        }
    };
    report.left = left.len();
    report.end = end;
    report
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
    sweep_once(&events, &webhooks, now_micros(), SweepLimits::default()).await;
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut buf = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            n = rx.recv_many(&mut buf, BATCH) => {
                if n == 0 {
                    return;
                }
                fan_out_batch(&events, &webhooks, std::mem::take(&mut buf), None).await;
            }
            _ = tick.tick() => {
                let before = now_micros() - SWEEP_AGE_MICROS;
                sweep_once(&events, &webhooks, before, SweepLimits::default()).await;
            }
            () = &mut shutdown => return,
        }
    }
}
