//! The records every webhook store keeps: [`Webhook`] (with its secrets
//! sealed under a [`MasterKey`]), [`Delivery`], [`Attempt`] and
//! [`DeadLetter`].
//!
//! All `*_at` fields are Unix **microseconds**, like the service's events.
//!
//! ```
//! use std::time::Duration;
//! use triggers_keys::MasterKey;
//! use triggers_signing::webhook::sign_all;
//! use triggers_webhooks::{EventFilter, UrlPolicy, Webhook, WebhookSpec};
//!
//! let master = MasterKey::generate();
//! let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::all());
//! let created = Webhook::create(spec, &UrlPolicy::default(), &master, 1_000_000)?;
//! // Show `created.secret.expose_encoded()` to the owner once.
//!
//! let day = Duration::from_secs(86_400);
//! let (rotated, _new_secret) = created.webhook.rotate_secret(&master, None, day, 2_000_000)?;
//! let secrets = rotated.signing_secrets(&master, 3_000_000)?;
//! assert_eq!(secrets.len(), 2); // new first, old until the transition ends
//! let sig = sign_all(&secrets, "msg_1", 3, b"{}")?;
//! assert_eq!(sig.split(' ').count(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use std::time::Duration;

use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use triggers_keys::MasterKey;
use triggers_signing::webhook::WebhookSecret;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{AttemptOutcome, Disposition, Error, EventFilter, MAX_RETRIES_LIMIT, UrlPolicy};

/// Random bytes in a generated secret.
pub const SECRET_BYTES: usize = 32;
/// Shortest caller-supplied secret, in decoded bytes (Standard Webhooks).
pub const MIN_SECRET_BYTES: usize = 24;
/// Longest caller-supplied secret, in decoded bytes (Standard Webhooks).
pub const MAX_SECRET_BYTES: usize = 64;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 1024;
/// Longest stored error message of an attempt, in bytes.
pub const MAX_ERROR_LEN: usize = 512;
/// Longest stored response body excerpt of an attempt, in bytes.
pub const MAX_RESPONSE_EXCERPT: usize = 1024;
/// How long the previous secret keeps signing after a rotation by default:
/// 24 h, as Svix does.
pub const DEFAULT_ROTATION_TRANSITION: Duration = Duration::from_secs(24 * 3600);
/// The longest rotation transition: 7 days.
pub const MAX_ROTATION_TRANSITION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A fresh signing secret: 32 random bytes from the OS
/// (`whsec_` + base64 in its [`expose_encoded`](WebhookSecret::expose_encoded)
/// form).
///
/// ```
/// let s = triggers_webhooks::new_secret();
/// assert!(s.expose_encoded().starts_with("whsec_"));
/// ```
pub fn new_secret() -> WebhookSecret {
    let mut bytes = Zeroizing::new([0u8; SECRET_BYTES]);
    OsRng.fill_bytes(&mut *bytes);
    match WebhookSecret::from_bytes(&*bytes) {
        Ok(secret) => secret,
        Err(_) => unreachable!("32 bytes are a valid secret"),
    }
}

/// `webhook/{webhook_id}/{version}`: the associated data a secret is sealed
/// with, so a sealed value copied to another webhook or version fails to
/// open.
pub fn seal_context(webhook_id: Uuid, version: u32) -> String {
    format!("webhook/{}/{version}", webhook_id.hyphenated())
}

/// Unix microseconds of a duration, saturating.
fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// One version of a webhook's signing secret, sealed under the master key.
/// `Debug` shows only the version.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// 1, 2, 3… in rotation order.
    pub version: u32,
    /// `MasterKey::seal` of the `whsec_…` string, context
    /// [`seal_context`]`(webhook_id, version)`.
    pub sealed: Vec<u8>,
}

impl SealedSecret {
    /// Seals `secret` as version `version` of webhook `webhook_id`.
    pub fn seal(
        master: &MasterKey,
        webhook_id: Uuid,
        version: u32,
        secret: &WebhookSecret,
    ) -> Result<Self, Error> {
        let encoded = Zeroizing::new(secret.expose_encoded());
        let sealed = master
            .seal(
                encoded.as_bytes(),
                seal_context(webhook_id, version).as_bytes(),
            )
            .map_err(|_| Error::Crypto)?;
        Ok(SealedSecret { version, sealed })
    }

    /// Opens the secret. A wrong master key, webhook id or version, or a
    /// corrupt value, is [`Error::Crypto`].
    pub fn open(&self, master: &MasterKey, webhook_id: Uuid) -> Result<WebhookSecret, Error> {
        let plain = master
            .open(
                &self.sealed,
                seal_context(webhook_id, self.version).as_bytes(),
            )
            .map_err(|_| Error::Crypto)?;
        let text = core::str::from_utf8(&plain).map_err(|_| Error::Crypto)?;
        WebhookSecret::parse(text).map_err(|_| Error::Crypto)
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSecret")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The secret replaced by the last rotation, still signing until
/// `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// The sealed secret (its own version number).
    pub secret: SealedSecret,
    /// Unix microseconds: the end of the rotation window (exclusive).
    pub expires_at: i64,
}

/// What a caller asks for when creating a webhook.
#[derive(Debug, Clone)]
pub struct WebhookSpec {
    /// The owner.
    pub account_id: String,
    /// The destination, checked with a [`UrlPolicy`].
    pub url: String,
    /// The event types it receives.
    pub events: EventFilter,
    /// Free text for humans (at most [`MAX_DESCRIPTION_LEN`] bytes); may be
    /// empty.
    pub description: String,
    /// Overrides the engine's retry count (at most [`MAX_RETRIES_LIMIT`]).
    pub max_retries: Option<u32>,
    /// A caller-chosen secret (24 to 64 bytes); `None` generates one.
    pub secret: Option<WebhookSecret>,
}

impl WebhookSpec {
    /// A spec with no description, the default retries and a generated
    /// secret.
    pub fn new(account_id: impl Into<String>, url: impl Into<String>, events: EventFilter) -> Self {
        WebhookSpec {
            account_id: account_id.into(),
            url: url.into(),
            events,
            description: String::new(),
            max_retries: None,
            secret: None,
        }
    }
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// uuid v4.
    pub webhook_id: Uuid,
    /// The owner: only its events are delivered here.
    pub account_id: String,
    /// The destination, as normalised by [`UrlPolicy::validate_url`]. The
    /// engine checks it again (and resolves it) at every attempt.
    pub url: String,
    /// The event types it receives.
    pub events: EventFilter,
    /// False after a 410 Gone or when disabled by its owner: nothing is
    /// delivered.
    pub is_active: bool,
    /// Free text for humans; may be empty.
    pub description: String,
    /// Unix microseconds.
    pub created_at: i64,
    /// Unix microseconds.
    pub updated_at: i64,
    /// Overrides the engine's retry count
    /// ([`RetryPolicy::with_max_retries`](crate::RetryPolicy::with_max_retries)).
    pub max_retries: Option<u32>,
    /// The current signing secret.
    pub secret: SealedSecret,
    /// The secret before the last rotation, while its window lasts.
    pub previous_secret: Option<PreviousSecret>,
}

/// A created webhook and its secret, to show its owner once.
#[derive(Debug)]
pub struct NewWebhook {
    /// The record to store.
    pub webhook: Webhook,
    /// The signing secret (`expose_encoded()` for the `whsec_…` form).
    pub secret: WebhookSecret,
}

fn check_description(d: &str) -> Result<(), Error> {
    if d.len() > MAX_DESCRIPTION_LEN || d.chars().any(char::is_control) {
        return Err(Error::InvalidDescription {
            max: MAX_DESCRIPTION_LEN,
        });
    }
    Ok(())
}

fn check_max_retries(n: Option<u32>) -> Result<(), Error> {
    match n {
        Some(n) if n > MAX_RETRIES_LIMIT => Err(Error::MaxRetriesOutOfRange {
            max: MAX_RETRIES_LIMIT,
        }),
        _ => Ok(()),
    }
}

fn check_secret(secret: &WebhookSecret) -> Result<(), Error> {
    // The decoded length, from the encoded form (the only view there is).
    let encoded = Zeroizing::new(secret.expose_encoded());
    let b64_len = encoded.len().saturating_sub("whsec_".len());
    let padding = encoded.bytes().rev().take_while(|&b| b == b'=').count();
    let len = (b64_len / 4 * 3).saturating_sub(padding);
    if (MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&len) {
        Ok(())
    } else {
        Err(Error::InvalidSecret)
    }
}

impl Webhook {
    /// Validates `spec` and builds the record: a new v4 id, active, secret
    /// version 1 sealed under `master`.
    pub fn create(
        spec: WebhookSpec,
        policy: &UrlPolicy,
        master: &MasterKey,
        now: i64,
    ) -> Result<NewWebhook, Error> {
        let url = policy.validate_url(&spec.url)?;
        check_description(&spec.description)?;
        check_max_retries(spec.max_retries)?;
        let secret = match spec.secret {
            Some(s) => {
                check_secret(&s)?;
                s
            }
            None => new_secret(),
        };
        let webhook_id = Uuid::new_v4();
        let sealed = SealedSecret::seal(master, webhook_id, 1, &secret)?;
        Ok(NewWebhook {
            webhook: Webhook {
                webhook_id,
                account_id: spec.account_id,
                url: url.into(),
                events: spec.events,
                is_active: true,
                description: spec.description,
                created_at: now,
                updated_at: now,
                max_retries: spec.max_retries,
                secret: sealed,
                previous_secret: None,
            },
            secret,
        })
    }

    /// A copy with `update` applied (fields left `None` keep their value),
    /// validated like [`Webhook::create`], `updated_at` set to `now` (or one
    /// past the old value, so every update changes it).
    ///
    /// ```
    /// # use triggers_keys::MasterKey;
    /// # use triggers_webhooks::*;
    /// # let master = MasterKey::generate();
    /// # let spec = WebhookSpec::new("a", "https://hooks.example.com/", EventFilter::all());
    /// # let webhook = Webhook::create(spec, &UrlPolicy::default(), &master, 5)?.webhook;
    /// let update = WebhookUpdate { is_active: Some(false), ..WebhookUpdate::default() };
    /// let changed = webhook.apply(update, &UrlPolicy::default(), 5)?;
    /// assert!(!changed.is_active);
    /// assert_eq!(changed.updated_at, 6);
    /// # Ok::<(), triggers_webhooks::Error>(())
    /// ```
    pub fn apply(
        &self,
        update: WebhookUpdate,
        policy: &UrlPolicy,
        now: i64,
    ) -> Result<Webhook, Error> {
        let mut next = self.clone();
        if let Some(url) = update.url {
            next.url = policy.validate_url(&url)?.into();
        }
        if let Some(events) = update.events {
            next.events = events;
        }
        if let Some(active) = update.is_active {
            next.is_active = active;
        }
        if let Some(description) = update.description {
            check_description(&description)?;
            next.description = description;
        }
        if let Some(max_retries) = update.max_retries {
            check_max_retries(max_retries)?;
            next.max_retries = max_retries;
        }
        next.updated_at = now.max(self.updated_at.saturating_add(1));
        Ok(next)
    }

    /// True when this webhook is active and subscribed to `event_type`.
    pub fn receives(&self, event_type: &str) -> bool {
        self.is_active && self.events.matches(event_type)
    }

    /// A rotated copy: `new_secret` (or a generated one) becomes the current
    /// secret, version + 1; the current one keeps signing for `transition`
    /// (none if zero, at most [`MAX_ROTATION_TRANSITION`]). A previous secret
    /// still in its window is dropped at once: only two secrets sign at a
    /// time. Returns the record to store (with a conditional write on the
    /// old `secret.version`) and the new secret to show once.
    pub fn rotate_secret(
        &self,
        master: &MasterKey,
        new_secret: Option<WebhookSecret>,
        transition: Duration,
        now: i64,
    ) -> Result<(Webhook, WebhookSecret), Error> {
        if transition > MAX_ROTATION_TRANSITION {
            return Err(Error::TransitionOutOfRange {
                max_secs: MAX_ROTATION_TRANSITION.as_secs(),
            });
        }
        let secret = match new_secret {
            Some(s) => {
                check_secret(&s)?;
                s
            }
            None => crate::new_secret(),
        };
        let version = self
            .secret
            .version
            .checked_add(1)
            .ok_or(Error::TooManyRotations)?;
        let sealed = SealedSecret::seal(master, self.webhook_id, version, &secret)?;
        let previous = (!transition.is_zero()).then(|| PreviousSecret {
            secret: self.secret.clone(),
            expires_at: now.saturating_add(micros(transition)),
        });
        let rotated = Webhook {
            secret: sealed,
            previous_secret: previous,
            // As in `apply`: every change moves `updated_at`, the condition
            // of the store's conditional write.
            updated_at: now.max(self.updated_at.saturating_add(1)),
            ..self.clone()
        };
        Ok((rotated, secret))
    }

    /// The secrets that sign a delivery at `now`: the current one first,
    /// then the previous one while `now < expires_at`. Pass them to
    /// [`signed_headers`](crate::signed_headers) (or `sign_all`), which gives
    /// `v1,<new> v1,<old>` during a rotation.
    pub fn signing_secrets(
        &self,
        master: &MasterKey,
        now: i64,
    ) -> Result<Vec<WebhookSecret>, Error> {
        let mut out = vec![self.secret.open(master, self.webhook_id)?];
        if let Some(prev) = &self.previous_secret {
            if now < prev.expires_at {
                out.push(prev.secret.open(master, self.webhook_id)?);
            }
        }
        Ok(out)
    }
}

/// A change to a webhook: `None` keeps the field (see [`Webhook::apply`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookUpdate {
    /// A new destination.
    pub url: Option<String>,
    /// New event patterns.
    pub events: Option<EventFilter>,
    /// Activate or deactivate.
    pub is_active: Option<bool>,
    /// A new description.
    pub description: Option<String>,
    /// A new retry count; `Some(None)` returns to the deployment's default.
    pub max_retries: Option<Option<u32>>,
}

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// A 2xx was received.
    Succeeded,
    /// Given up: see its [`DeadLetter`].
    Failed,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => DeliveryStatus::Pending,
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            _ => return None,
        })
    }
}

/// One event on its way to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// uuid v4.
    pub delivery_id: Uuid,
    /// The destination.
    pub webhook_id: Uuid,
    /// The owner (of both the event and the webhook).
    pub account_id: String,
    /// The event delivered.
    pub event_id: Uuid,
    /// Its type (kept for listing and dead-letter views).
    pub event_type: String,
    /// The `webhook-id` header: [`message_id`](crate::message_id) of the
    /// event, the same for every attempt so receivers can deduplicate.
    pub msg_id: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// Unix microseconds of the next attempt, while pending.
    pub next_attempt_at: Option<i64>,
    /// Unix microseconds.
    pub created_at: i64,
    /// Unix microseconds.
    pub updated_at: i64,
}

impl Delivery {
    /// A pending delivery of an event to `webhook`, due at `now`.
    pub fn new(webhook: &Webhook, event_id: Uuid, event_type: impl Into<String>, now: i64) -> Self {
        Delivery {
            delivery_id: Uuid::new_v4(),
            webhook_id: webhook.webhook_id,
            account_id: webhook.account_id.clone(),
            event_id,
            event_type: event_type.into(),
            msg_id: crate::message_id(event_id),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }
}

/// The record of one attempt. Build it with [`Attempt::new`] and the
/// setters, which truncate the texts to their limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: Uuid,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The status code or why there was none.
    pub outcome: AttemptOutcome,
    /// From sending the request to the end of the response (or the failure).
    pub latency_ms: u64,
    /// What went wrong, for the owner (at most [`MAX_ERROR_LEN`] bytes).
    pub error: Option<String>,
    /// The start of the response body as UTF-8 (invalid sequences replaced),
    /// at most [`MAX_RESPONSE_EXCERPT`] bytes.
    pub response_excerpt: Option<String>,
    /// Unix microseconds when the attempt started.
    pub at: i64,
}

impl Attempt {
    /// An attempt with no latency, error or body recorded yet.
    ///
    /// ```
    /// use std::time::Duration;
    /// use triggers_webhooks::{Attempt, AttemptOutcome, MAX_RESPONSE_EXCERPT};
    /// let a = Attempt::new(uuid::Uuid::new_v4(), 1, AttemptOutcome::Status(500), 0)
    ///     .latency(Duration::from_millis(42))
    ///     .response_body(&vec![b'x'; 5000]);
    /// assert_eq!(a.latency_ms, 42);
    /// assert_eq!(a.response_excerpt.unwrap().len(), MAX_RESPONSE_EXCERPT);
    /// ```
    pub fn new(delivery_id: Uuid, attempt: u32, outcome: AttemptOutcome, at: i64) -> Self {
        Attempt {
            delivery_id,
            attempt,
            outcome,
            latency_ms: 0,
            error: None,
            response_excerpt: None,
            at,
        }
    }

    /// Records the latency (saturating at `u64::MAX` ms).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Records an error message, truncated to [`MAX_ERROR_LEN`] bytes on a
    /// character boundary.
    pub fn error(mut self, message: &str) -> Self {
        self.error = Some(truncate_utf8(message, MAX_ERROR_LEN).to_owned());
        self
    }

    /// Records the start of the response body: see [`excerpt`]. The engine
    /// need not read more than [`MAX_RESPONSE_EXCERPT`] bytes.
    pub fn response_body(mut self, body: &[u8]) -> Self {
        self.response_excerpt = Some(excerpt(body, MAX_RESPONSE_EXCERPT));
        self
    }

    /// How the engine goes on after this attempt.
    pub fn disposition(&self) -> Disposition {
        Disposition::of(&self.outcome)
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character
/// boundary.
///
/// ```
/// assert_eq!(triggers_webhooks::truncate_utf8("héllo", 2), "h");
/// ```
pub fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// At most `max` bytes of valid UTF-8 from the start of `body`: valid text
/// kept, each invalid sequence replaced by U+FFFD (only while the whole
/// replacement character fits), never a split character.
///
/// ```
/// use triggers_webhooks::excerpt;
/// assert_eq!(excerpt(b"ok \xff!", 100), "ok \u{FFFD}!");
/// assert_eq!(excerpt("日本".as_bytes(), 4), "日");
/// ```
pub fn excerpt(body: &[u8], max: usize) -> String {
    let mut out = String::new();
    for chunk in body.utf8_chunks() {
        let room = max - out.len();
        let valid = chunk.valid();
        if valid.len() > room {
            out.push_str(truncate_utf8(valid, room));
            return out;
        }
        out.push_str(valid);
        if !chunk.invalid().is_empty() {
            if max - out.len() < char::REPLACEMENT_CHARACTER.len_utf8() {
                return out;
            }
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    out
}

/// Why a delivery was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// The retry policy ran out.
    RetriesExhausted,
    /// The receiver answered 410 Gone; the webhook was deactivated.
    Gone,
    /// The destination is refused by the URL policy.
    Blocked,
    /// The webhook was deactivated or deleted while the delivery waited.
    WebhookInactive,
}

impl DeadLetterReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::RetriesExhausted => "retries_exhausted",
            DeadLetterReason::Gone => "gone",
            DeadLetterReason::Blocked => "blocked",
            DeadLetterReason::WebhookInactive => "webhook_inactive",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "retries_exhausted" => DeadLetterReason::RetriesExhausted,
            "gone" => DeadLetterReason::Gone,
            "blocked" => DeadLetterReason::Blocked,
            "webhook_inactive" => DeadLetterReason::WebhookInactive,
            _ => return None,
        })
    }

    /// The reason for giving up after an attempt with this disposition, once
    /// no retry is left for [`Disposition::Retry`]. `None` for a success.
    pub fn for_disposition(d: Disposition) -> Option<Self> {
        match d {
            Disposition::Success => None,
            Disposition::Retry => Some(DeadLetterReason::RetriesExhausted),
            Disposition::Deactivate => Some(DeadLetterReason::Gone),
            Disposition::DeadLetter => Some(DeadLetterReason::Blocked),
        }
    }
}

/// A delivery given up, kept for inspection and manual replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Its webhook.
    pub webhook_id: Uuid,
    /// The owner.
    pub account_id: String,
    /// The event.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// The `webhook-id` used: a replay sends the same one.
    pub msg_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The outcome of the last attempt, if any was made.
    pub last_outcome: Option<AttemptOutcome>,
    /// Why.
    pub reason: DeadLetterReason,
    /// Unix microseconds.
    pub dead_at: i64,
}

impl DeadLetter {
    /// The dead letter of `delivery` (its `attempts` as recorded), after
    /// `last` (if any attempt was made).
    pub fn of(
        delivery: &Delivery,
        last: Option<&Attempt>,
        reason: DeadLetterReason,
        now: i64,
    ) -> Self {
        DeadLetter {
            delivery_id: delivery.delivery_id,
            webhook_id: delivery.webhook_id,
            account_id: delivery.account_id.clone(),
            event_id: delivery.event_id,
            event_type: delivery.event_type.clone(),
            msg_id: delivery.msg_id.clone(),
            attempts: delivery.attempts,
            last_outcome: last.map(|a| a.outcome),
            reason,
            dead_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailureKind;
    use triggers_signing::webhook::sign_all;

    const HOUR: i64 = 3_600_000_000;

    fn create(master: &MasterKey) -> NewWebhook {
        let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::all());
        Webhook::create(spec, &UrlPolicy::default(), master, 0).expect("valid spec")
    }

    fn encoded(secrets: &[WebhookSecret]) -> Vec<String> {
        secrets.iter().map(WebhookSecret::expose_encoded).collect()
    }

    #[test]
    fn new_secrets_are_32_random_bytes() {
        let a = new_secret().expose_encoded();
        let b = new_secret().expose_encoded();
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_"));
        assert_eq!(a.len(), "whsec_".len() + 44);
        assert!(check_secret(&new_secret()).is_ok());
    }

    #[test]
    fn create_validates_and_seals() {
        let master = MasterKey::generate();
        let new = create(&master);
        let w = &new.webhook;
        assert_eq!(w.webhook_id.get_version_num(), 4);
        assert!(w.is_active && w.previous_secret.is_none());
        assert_eq!(w.secret.version, 1);
        assert_eq!(
            encoded(&w.signing_secrets(&master, 0).expect("opens")),
            vec![new.secret.expose_encoded()]
        );
        assert!(w.receives("anything"));

        let bad = |f: fn(&mut WebhookSpec)| {
            let mut spec = WebhookSpec::new("a", "https://example.com/", EventFilter::all());
            f(&mut spec);
            Webhook::create(spec, &UrlPolicy::default(), &master, 0).map(|_| ())
        };
        assert!(matches!(
            bad(|s| s.url = "http://example.com/".into()),
            Err(Error::Url(_))
        ));
        assert!(matches!(
            bad(|s| s.url = "https://169.254.169.254/".into()),
            Err(Error::Url(_))
        ));
        assert_eq!(
            bad(|s| s.description = "x".repeat(MAX_DESCRIPTION_LEN + 1)),
            Err(Error::InvalidDescription {
                max: MAX_DESCRIPTION_LEN
            })
        );
        assert!(bad(|s| s.description = "a\u{0}b".into()).is_err());
        assert_eq!(
            bad(|s| s.max_retries = Some(MAX_RETRIES_LIMIT + 1)),
            Err(Error::MaxRetriesOutOfRange {
                max: MAX_RETRIES_LIMIT
            })
        );
        assert!(bad(|s| s.max_retries = Some(MAX_RETRIES_LIMIT)).is_ok());
        for len in [1, 23, 65] {
            let short = WebhookSecret::from_bytes(&vec![7; len]).expect("non-empty");
            let mut spec = WebhookSpec::new("a", "https://example.com/", EventFilter::all());
            spec.secret = Some(short);
            assert_eq!(
                Webhook::create(spec, &UrlPolicy::default(), &master, 0).map(|_| ()),
                Err(Error::InvalidSecret),
                "{len}"
            );
        }
        for len in [24, 25, 26, 32, 64] {
            let mut spec = WebhookSpec::new("a", "https://example.com/", EventFilter::all());
            spec.secret = Some(WebhookSecret::from_bytes(&vec![7; len]).expect("non-empty"));
            let new = Webhook::create(spec, &UrlPolicy::default(), &master, 0).expect("valid");
            assert_eq!(
                new.webhook.signing_secrets(&master, 0).expect("opens")[0].expose_encoded(),
                new.secret.expose_encoded()
            );
        }
    }

    #[test]
    fn sealed_secrets_are_bound_to_webhook_version_and_master() {
        let master = MasterKey::generate();
        let w = create(&master).webhook;
        assert!(w.secret.open(&master, w.webhook_id).is_ok());
        assert_eq!(
            w.secret.open(&MasterKey::generate(), w.webhook_id).err(),
            Some(Error::Crypto)
        );
        assert_eq!(
            w.secret.open(&master, Uuid::new_v4()).err(),
            Some(Error::Crypto)
        );
        let moved = SealedSecret {
            version: 2,
            sealed: w.secret.sealed.clone(),
        };
        assert_eq!(moved.open(&master, w.webhook_id).err(), Some(Error::Crypto));
        let corrupt = SealedSecret {
            version: 1,
            sealed: vec![1, 2, 3],
        };
        assert_eq!(
            corrupt.open(&master, w.webhook_id).err(),
            Some(Error::Crypto)
        );
        assert_eq!(
            seal_context(w.webhook_id, 3),
            format!("webhook/{}/3", w.webhook_id)
        );
    }

    #[test]
    fn rotation_window() {
        let master = MasterKey::generate();
        let new = create(&master);
        let old = new.secret.expose_encoded();
        let (r, fresh) = new
            .webhook
            .rotate_secret(&master, None, Duration::from_secs(3600), 10)
            .expect("rotates");
        assert_eq!(r.secret.version, 2);
        assert_eq!(r.updated_at, 10);
        assert_eq!(r.created_at, 0);
        let prev = r.previous_secret.as_ref().expect("previous kept");
        assert_eq!(prev.expires_at, 10 + HOUR);
        assert_eq!(prev.secret.version, 1);
        let during = r.signing_secrets(&master, 10 + HOUR - 1).expect("opens");
        assert_eq!(encoded(&during), vec![fresh.expose_encoded(), old.clone()]);
        let sig = sign_all(&during, "msg_x", 1, b"{}").expect("signs");
        assert_eq!(sig.split(' ').count(), 2);
        let after = r.signing_secrets(&master, 10 + HOUR).expect("opens");
        assert_eq!(encoded(&after), vec![fresh.expose_encoded()]);

        // Rotating again drops the oldest at once.
        let (r2, third) = r
            .rotate_secret(&master, None, Duration::from_secs(60), 20)
            .expect("rotates");
        assert_eq!(r2.secret.version, 3);
        assert_eq!(
            encoded(&r2.signing_secrets(&master, 21).expect("opens")),
            vec![third.expose_encoded(), fresh.expose_encoded()]
        );

        // No transition: no previous secret.
        let given = WebhookSecret::from_bytes(&[9; 32]).expect("non-empty");
        let (r3, s3) = r2
            .rotate_secret(&master, Some(given), Duration::ZERO, 30)
            .expect("rotates");
        assert!(r3.previous_secret.is_none());
        assert_eq!(
            s3.expose_encoded(),
            WebhookSecret::from_bytes(&[9; 32])
                .expect("x")
                .expose_encoded()
        );

        assert_eq!(
            r3.rotate_secret(
                &master,
                None,
                MAX_ROTATION_TRANSITION + Duration::from_secs(1),
                0
            )
            .map(|_| ()),
            Err(Error::TransitionOutOfRange {
                max_secs: MAX_ROTATION_TRANSITION.as_secs()
            })
        );
        let mut last = r3.clone();
        last.secret.version = u32::MAX;
        assert_eq!(
            last.rotate_secret(&master, None, Duration::ZERO, 0)
                .map(|_| ()),
            Err(Error::TooManyRotations)
        );
    }

    #[test]
    fn secrets_never_in_debug() {
        let master = MasterKey::generate();
        let new = create(&master);
        let (rotated, fresh) = new
            .webhook
            .rotate_secret(&master, None, Duration::from_secs(60), 0)
            .expect("rotates");
        let debug = format!("{new:?} {rotated:?} {fresh:?}");
        for secret in [new.secret.expose_encoded(), fresh.expose_encoded()] {
            let b64 = secret.trim_start_matches("whsec_");
            assert!(!debug.contains(b64), "{debug}");
        }
        assert!(!debug.contains(&format!("{:?}", rotated.secret.sealed)));
        assert!(debug.contains("version: 2"));
    }

    #[test]
    fn attempt_texts_are_truncated_on_char_boundaries() {
        let long_error = "é".repeat(MAX_ERROR_LEN);
        let a = Attempt::new(
            Uuid::nil(),
            2,
            AttemptOutcome::Failed(FailureKind::Timeout),
            5,
        )
        .latency(Duration::from_secs(u64::MAX))
        .error(&long_error)
        .response_body("ü".repeat(2000).as_bytes());
        assert_eq!(a.latency_ms, u64::MAX);
        let e = a.error.as_deref().expect("set");
        assert_eq!(e.len(), MAX_ERROR_LEN);
        let body = a.response_excerpt.as_deref().expect("set");
        assert_eq!(body.len(), MAX_RESPONSE_EXCERPT);
        assert_eq!(a.disposition(), Disposition::Retry);

        assert_eq!(truncate_utf8("日本語", 5), "日");
        assert_eq!(truncate_utf8("日本語", 6), "日本");
        assert_eq!(truncate_utf8("abc", 0), "");
        assert_eq!(excerpt(b"", 10), "");
        assert_eq!(excerpt(b"abc", 0), "");
        assert_eq!(excerpt(b"\xff\xfe", 10), "\u{FFFD}\u{FFFD}");
        assert_eq!(excerpt(b"ab\xff", 4), "ab");
        assert_eq!(excerpt(b"ab\xff", 5), "ab\u{FFFD}");
        // A body cut inside a character (as read by the engine).
        assert_eq!(excerpt(&"é".as_bytes()[..1], 10), "\u{FFFD}");
        for n in 0..40 {
            let s = excerpt(b"a\xc3\xa9\xe6\x97\xa5\xff\xf0\x9f\x98\x80z", n);
            assert!(s.len() <= n, "{n}: {s:?}");
        }
    }

    #[test]
    fn delivery_and_dead_letter() {
        let master = MasterKey::generate();
        let w = create(&master).webhook;
        let event_id = Uuid::new_v4();
        let mut d = Delivery::new(&w, event_id, "order.created", 7);
        assert_eq!(d.msg_id, format!("msg_{}", event_id.simple()));
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert_eq!(d.next_attempt_at, Some(7));
        d.attempts = 4;
        let last = Attempt::new(d.delivery_id, 4, AttemptOutcome::Status(503), 9);
        let reason = DeadLetterReason::for_disposition(last.disposition()).expect("failure");
        let dl = DeadLetter::of(&d, Some(&last), reason, 10);
        assert_eq!(dl.reason, DeadLetterReason::RetriesExhausted);
        assert_eq!(dl.attempts, 4);
        assert_eq!(dl.last_outcome, Some(AttemptOutcome::Status(503)));
        assert_eq!(dl.msg_id, d.msg_id);
        assert_eq!(
            DeadLetterReason::for_disposition(Disposition::Success),
            None
        );
        assert_eq!(
            DeadLetterReason::for_disposition(Disposition::Deactivate),
            Some(DeadLetterReason::Gone)
        );
        for r in [
            DeadLetterReason::RetriesExhausted,
            DeadLetterReason::Gone,
            DeadLetterReason::Blocked,
            DeadLetterReason::WebhookInactive,
        ] {
            assert_eq!(DeadLetterReason::parse(r.as_str()), Some(r));
        }
        for s in [
            DeliveryStatus::Pending,
            DeliveryStatus::Succeeded,
            DeliveryStatus::Failed,
        ] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryStatus::parse("x"), None);
    }
}
