//! # triggers-webhooks
//!
//! Webhook delivery for the Triggers API: the delivery engine
//! ([`engine::Webhooks`]: management, fan-out, the leased delivery worker,
//! retries, dead letters and replay), the rules it applies, the stores and
//! queue it runs on, and the HTTP client it delivers with.
//!
//! - [`pattern`]: which events a webhook receives ([`EventPattern`]: `*`,
//!   `order.created`, `order.*`; [`EventFilter`]).
//! - [`retry`]: exponential backoff with jitter and `Retry-After`
//!   ([`RetryPolicy`], [`parse_retry_after`]), what an attempt's outcome
//!   means ([`Disposition`]), and [`split_delay`] for queues that delay at
//!   most 15 minutes.
//! - [`ssrf`]: which URLs and addresses a webhook may reach ([`UrlPolicy`]),
//!   with resolution that returns the exact addresses to connect to.
//! - [`model`]: the [`Webhook`], [`Delivery`], [`Attempt`] and
//!   [`DeadLetter`] records; signing secrets sealed under a
//!   [`MasterKey`](triggers_keys::MasterKey), with rotation windows.
//! - [`envelope`]: the JSON body of a delivery and its Standard Webhooks
//!   headers.
//! - [`store`] and [`queue`]: the [`WebhookStore`](store::WebhookStore)
//!   and [`DeliveryQueue`](queue::DeliveryQueue) traits backends implement
//!   ([`backends`]: SQLite behind feature `sqlite`, DynamoDB behind
//!   `dynamodb`, SQS behind `sqs`; conformance suites in `testing` behind
//!   feature `testing`).
//! - [`engine`]: [`Webhooks`](engine::Webhooks), which ties a store, a
//!   queue, an [`EventSource`](engine::EventSource) and a client together.
//! - [`client`]: the [`DeliveryClient`](client::DeliveryClient): signed
//!   POSTs over a pooled HTTP client pinned to the addresses the SSRF guard
//!   approved, no redirects, connect and total timeouts, bounded reads.
//!
//! ```
//! use serde_json::value::RawValue;
//! use triggers_keys::MasterKey;
//! use triggers_webhooks::*;
//!
//! let master = MasterKey::generate();
//! let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::parse(["order.*"])?);
//! let webhook = Webhook::create(spec, &UrlPolicy::default(), &master, 0)?.webhook;
//! assert!(webhook.receives("order.created"));
//!
//! let event_id = uuid::Uuid::new_v4();
//! let payload = RawValue::from_string(r#"{"order_id":1}"#.into())?;
//! let body = build_body(event_id, "order.created", "shop", 0, &payload)?;
//! let secrets = webhook.signing_secrets(&master, 0)?;
//! let headers = signed_headers(&message_id(event_id), 1_700_000_000, &body, &secrets)?;
//! assert_eq!(headers.len(), 4);
//!
//! // The receiver answered 503: retry after the policy's delay.
//! let outcome = AttemptOutcome::Status(503);
//! assert_eq!(Disposition::of(&outcome), Disposition::Retry);
//! let delay = RetryPolicy::default().with_max_retries(webhook.max_retries).next_delay(1, None, 0.5);
//! assert!(delay.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod backends;
pub mod client;
pub mod engine;
pub mod envelope;
mod error;
pub mod model;
pub mod pattern;
pub mod queue;
pub mod retry;
pub mod ssrf;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use envelope::{HEADER_X_SIGNATURE, build_body, message_id, signed_headers};
pub use error::Error;
pub use model::{
    Attempt, DEFAULT_ROTATION_TRANSITION, DeadLetter, DeadLetterReason, Delivery, DeliveryStatus,
    MAX_DESCRIPTION_LEN, MAX_ERROR_LEN, MAX_RESPONSE_EXCERPT, MAX_ROTATION_TRANSITION,
    MAX_SECRET_BYTES, MIN_SECRET_BYTES, NewWebhook, PreviousSecret, SECRET_BYTES, SealedSecret,
    Webhook, WebhookSpec, WebhookUpdate, excerpt, new_secret, seal_context, truncate_utf8,
};
pub use pattern::{
    EventFilter, EventPattern, FilterError, MAX_FILTER_PATTERNS, MAX_PATTERN_LEN, PatternError,
};
pub use retry::{
    AttemptOutcome, Disposition, FailureKind, Jitter, MAX_QUEUE_DELAY, MAX_RETRIES_LIMIT,
    RetryPolicy, parse_retry_after, split_delay,
};
pub use ssrf::{BlockReason, MAX_URL_LEN, UrlError, UrlPolicy, classify};

/// A clock: Unix microseconds. Injected so tests move time instead of
/// sleeping.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock, in Unix microseconds (0 before 1970).
pub fn system_clock() -> Clock {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
