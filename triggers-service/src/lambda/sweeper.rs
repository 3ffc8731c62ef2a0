//! The outbox sweeper behind an EventBridge schedule: each scheduled
//! invocation ([`Sweeper::handle`], [`run`]) runs ONE pass of the sweep
//! `serve` runs every 2 s ([`sweep_once`], shared code), over the events
//! still in the webhook outbox and older than a grace period
//! ([`SweeperOptions::grace`], `TRIGGERS_SWEEPER_GRACE_SECS`, default
//! 60 s), and answers a small JSON summary ([`SweepSummary`]).
//!
//! Why it exists: on Lambda the API function fans each event it accepts
//! out inline, before the invocation returns (see the [module
//! docs](super)). When that fails (SQS or DynamoDB unavailable for a
//! moment, the function timing out after storing the event) the event
//! stays in the outbox; this function takes it from there, a minute or so
//! later.
//!
//! - **Grace period.** Only events received more than `grace` ago are
//!   taken, so a pass never races the API function's own fan-out of an
//!   event it is still handling: keep it above the API function's timeout
//!   (the template: at least 31 s, the API function's is at most 30 s).
//! - **Pages and deadline.** The outbox is read a page at a time (256
//!   events, oldest first), each page fanned out concurrently and taken
//!   out of the outbox. No page is started, and fan-outs still in flight
//!   are abandoned, once the invocation's deadline minus
//!   [`SweeperOptions::deadline_margin`] has come: the rest waits for the
//!   next run. The events whose fan-out finished are marked in the time
//!   the margin leaves.
//! - **At least once.** An event whose jobs were enqueued but whose outbox
//!   mark was not written (the mark failed, or its fan-out was abandoned
//!   at the deadline after sending) is fanned out again by the next run:
//!   the same jobs again, under the same delivery ids (UUID v5 of event and
//!   webhook). Each receiver then gets the event twice with the same
//!   `webhook-id` (deduplicate on it), and the attempt log keeps one
//!   record per delivery and attempt number. Nothing is lost, and no
//!   delivery id is ever new.
//! - **Errors.** A pass that could not read the outbox
//!   ([`SweepError::OutboxUnreadable`]), or found events waiting and could
//!   fan none of them out ([`SweepError::NoProgress`]), fails the
//!   invocation (the function's `Errors` metric; the template alarms after
//!   5 failed runs in a row). A pass stopped by the deadline is not an
//!   error: its summary says `"end": "deadline"`.
//!
//! The invocation's payload must be an EventBridge event (what a `Schedule`
//! rule sends: `detail-type` `Scheduled Event`, source `aws.events`); its
//! content does not change the pass. Anything else is refused by the
//! Lambda runtime (a deserialization error), nothing swept. To sweep by
//! hand:
//!
//! ```text
//! aws lambda invoke --function-name triggers-api-outbox-sweeper \
//!   --cli-binary-format raw-in-base64-out \
//!   --payload '{"detail-type":"Scheduled Event","source":"manual","detail":{}}' out.json
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use triggers_webhooks::engine::Webhooks;

use crate::app::App;
use crate::core::dispatch::{BATCH, SweepEnd, SweepLimits, SweepReport, sweep_once};
use crate::core::events::EventStore;
use crate::core::time::{now_micros, rfc3339_micros};
use crate::lambda::LambdaStartError;

/// The variable holding the grace period, in whole seconds.
pub const GRACE_ENV: &str = "TRIGGERS_SWEEPER_GRACE_SECS";
/// The grace period by default: 60 s, twice the longest API function
/// timeout the template allows.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(60);
/// The longest grace period accepted: 7 days.
pub const MAX_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long before the invocation's deadline a pass stops, by default.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(3);

/// How the sweeper runs a pass.
#[derive(Debug, Clone)]
pub struct SweeperOptions {
    /// Only events received longer ago than this are swept (default
    /// [`DEFAULT_GRACE`]).
    pub grace: Duration,
    /// The pass stops this long before the invocation's deadline (default
    /// [`DEFAULT_DEADLINE_MARGIN`]).
    pub deadline_margin: Duration,
    /// Events read and fanned out together (default 256).
    pub page: usize,
}

impl Default for SweeperOptions {
    fn default() -> Self {
        SweeperOptions {
            grace: DEFAULT_GRACE,
            deadline_margin: DEFAULT_DEADLINE_MARGIN,
            page: BATCH,
        }
    }
}

impl SweeperOptions {
    /// The defaults, with the grace period of `TRIGGERS_SWEEPER_GRACE_SECS`
    /// when it is set ([`parse_grace`]).
    pub fn from_env() -> Result<Self, LambdaStartError> {
        let mut options = SweeperOptions::default();
        if let Some(value) = std::env::var_os(GRACE_ENV) {
            let value = value.to_str().ok_or_else(|| {
                LambdaStartError::Environment(format!("{GRACE_ENV} is not valid UTF-8"))
            })?;
            options.grace = parse_grace(value)?;
        }
        Ok(options)
    }
}

/// A grace period setting: whole seconds, 0 to 604800 (7 days).
pub fn parse_grace(value: &str) -> Result<Duration, LambdaStartError> {
    let refuse = || {
        LambdaStartError::Environment(format!(
            "{GRACE_ENV} must be whole seconds from 0 to {} (got {value:?})",
            MAX_GRACE.as_secs()
        ))
    };
    let secs: u64 = value.trim().parse().map_err(|_| refuse())?;
    let grace = Duration::from_secs(secs);
    if grace > MAX_GRACE {
        return Err(refuse());
    }
    Ok(grace)
}

/// What a scheduled invocation answers: the pass's [`SweepReport`]
/// (`swept`, `left`, `pages`, `end`) and the cut-off it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepSummary {
    /// What the pass did.
    #[serde(flatten)]
    pub report: SweepReport,
    /// Events received before this instant (RFC 3339) were swept: now
    /// minus the grace period.
    pub received_before: String,
}

/// Why a scheduled invocation failed (the function's `Errors` metric).
/// Never holds an event or a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The outbox could not be read.
    #[error("the webhook outbox could not be read: {message}")]
    OutboxUnreadable {
        /// The store's error.
        message: String,
        /// What the pass did before.
        summary: SweepSummary,
    },
    /// Events were waiting and none of a page could be fanned out (the
    /// warnings before say why); they wait for the next run.
    #[error(
        "{left} event(s) are waiting in the webhook outbox and none could be fanned out; the next run tries again"
    )]
    NoProgress {
        /// Events left in the outbox by this pass.
        left: usize,
        /// What the pass did.
        summary: SweepSummary,
    },
}

impl SweepError {
    /// What the pass did.
    pub fn summary(&self) -> &SweepSummary {
        match self {
            SweepError::OutboxUnreadable { summary, .. }
            | SweepError::NoProgress { summary, .. } => summary,
        }
    }

    fn error_type(&self) -> &'static str {
        match self {
            SweepError::OutboxUnreadable { .. } => "Triggers.OutboxUnreadable",
            SweepError::NoProgress { .. } => "Triggers.OutboxNoProgress",
        }
    }
}

impl From<SweepError> for Diagnostic {
    fn from(e: SweepError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// The sweeper: one pass over the outbox per invocation. Cheap to clone.
#[derive(Clone)]
pub struct Sweeper {
    events: Arc<dyn EventStore>,
    webhooks: Webhooks,
    options: SweeperOptions,
}

impl std::fmt::Debug for Sweeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweeper")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Sweeper {
    /// A sweeper of `events`' outbox fanning out with `webhooks` (whose
    /// queue is the delivery queue).
    pub fn new(events: Arc<dyn EventStore>, webhooks: Webhooks, options: SweeperOptions) -> Self {
        Sweeper {
            events,
            webhooks,
            options,
        }
    }

    /// The sweeper of an opened service: its event store and webhook
    /// engine (on `aws`: DynamoDB and the SQS delivery queue).
    pub fn for_app(app: &App, options: SweeperOptions) -> Self {
        Sweeper::new(
            app.state.events.clone(),
            app.state.webhooks.clone(),
            options,
        )
    }

    /// Its options.
    pub fn options(&self) -> &SweeperOptions {
        &self.options
    }

    /// One pass over the events older than the grace period, until the
    /// outbox is drained, a page makes no progress, or `deadline` minus the
    /// margin. When no time is left at the start, nothing is read.
    pub async fn sweep(&self, deadline: Option<SystemTime>) -> SweepSummary {
        let grace = i64::try_from(self.options.grace.as_micros()).unwrap_or(i64::MAX);
        let before = now_micros().saturating_sub(grace);
        let stop_at = deadline.map(|d| {
            let left = d
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
                .saturating_sub(self.options.deadline_margin);
            tokio::time::Instant::now() + left
        });
        let limits = SweepLimits {
            page: self.options.page,
            stop_at,
        };
        let report = sweep_once(&self.events, &self.webhooks, before, limits).await;
        let summary = SweepSummary {
            report,
            received_before: rfc3339_micros(before),
        };
        let r = &summary.report;
        if r.left > 0 || r.end != SweepEnd::Drained {
            tracing::warn!(swept = r.swept, left = r.left, pages = r.pages, end = ?r.end, "outbox sweep ended early; the next run continues");
        } else if r.swept > 0 {
            tracing::info!(
                swept = r.swept,
                pages = r.pages,
                "fanned out events left in the outbox"
            );
        } else {
            tracing::debug!("the outbox holds nothing old enough");
        }
        summary
    }

    /// One scheduled invocation: a pass ([`sweep`](Self::sweep)) bounded by
    /// the invocation's deadline; its summary, or the error that fails the
    /// invocation.
    pub async fn handle(
        &self,
        event: LambdaEvent<EventBridgeEvent>,
    ) -> Result<SweepSummary, SweepError> {
        tracing::debug!(
            id = event.payload.id.as_deref().unwrap_or_default(),
            source = %event.payload.source,
            detail_type = %event.payload.detail_type,
            "scheduled outbox sweep"
        );
        let summary = self.sweep(Some(event.context.deadline())).await;
        match summary.report.end {
            SweepEnd::ReadFailed => Err(SweepError::OutboxUnreadable {
                message: summary.report.error.clone().unwrap_or_default(),
                summary,
            }),
            SweepEnd::NoProgress => Err(SweepError::NoProgress {
                left: summary.report.left,
                summary,
            }),
            _ => Ok(summary),
        }
    }
}

/// Runs the sweeper function until the Lambda runtime stops it: each
/// scheduled event is one pass, answered with its [`SweepSummary`] (or
/// failed with its [`SweepError`]).
pub async fn run(sweeper: Sweeper) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<EventBridgeEvent>| {
            let sweeper = sweeper.clone();
            async move { sweeper.handle(event).await }
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_settings_are_whole_seconds_within_a_week() {
        assert_eq!(parse_grace("0").ok(), Some(Duration::ZERO));
        assert_eq!(parse_grace(" 90 ").ok(), Some(Duration::from_secs(90)));
        assert_eq!(parse_grace("604800").ok(), Some(MAX_GRACE));
        for bad in [
            "",
            "-1",
            "1.5",
            "60s",
            "soon",
            "604801",
            "99999999999999999999",
        ] {
            match parse_grace(bad) {
                Err(e) => assert!(e.to_string().contains(GRACE_ENV), "{bad}: {e}"),
                Ok(d) => panic!("{bad} accepted as {d:?}"),
            }
        }
    }
}
