//! Events: the model, validation, cursors, and the [`EventStore`] trait.
//!
//! The trait fits SQLite and DynamoDB alike: ingest is one conditional write
//! (the idempotency record), reads are by key, the inbox pages by a cursor
//! over `(received_at, event_id)`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::core::time::rfc3339_micros;

/// Largest accepted `payload`, in bytes of JSON: 256 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// How long an idempotency key returns the original event: 24 h.
pub const IDEMPOTENCY_WINDOW_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Longest `source`, `event_type` and `idempotency_key`.
pub const MAX_NAME_LEN: usize = 255;

/// A stored event.
#[derive(Debug, Clone)]
pub struct Event {
    /// uuid v4.
    pub event_id: Uuid,
    /// Owner.
    pub account_id: String,
    /// Where it came from.
    pub source: String,
    /// What happened (`order.created`).
    pub event_type: String,
    /// The JSON object as received.
    pub payload: Box<RawValue>,
    /// As given by the client.
    pub idempotency_key: Option<String>,
    /// Unix microseconds.
    pub received_at: i64,
    /// Unix microseconds; `None` while in the inbox.
    pub acked_at: Option<i64>,
}

/// The JSON shape of an event.
#[derive(Debug, Serialize)]
pub struct EventView<'a> {
    event_id: Uuid,
    source: &'a str,
    event_type: &'a str,
    payload: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<&'a str>,
    received_at: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    acked_at: Option<String>,
}

impl Event {
    /// The API representation.
    pub fn view(&self) -> EventView<'_> {
        EventView {
            event_id: self.event_id,
            source: &self.source,
            event_type: &self.event_type,
            payload: &self.payload,
            idempotency_key: self.idempotency_key.as_deref(),
            received_at: rfc3339_micros(self.received_at),
            status: if self.acked_at.is_some() {
                "acknowledged"
            } else {
                "pending"
            },
            acked_at: self.acked_at.map(rfc3339_micros),
        }
    }
}

/// An event to ingest.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Chosen by the service.
    pub event_id: Uuid,
    /// Owner (from the API key).
    pub account_id: String,
    /// Validated source.
    pub source: String,
    /// Validated type.
    pub event_type: String,
    /// A JSON object.
    pub payload: Box<RawValue>,
    /// Optional client key.
    pub idempotency_key: Option<String>,
    /// Unix microseconds.
    pub received_at: i64,
}

impl NewEvent {
    /// SHA-256 over what the idempotency key promises not to change.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            self.source.as_bytes(),
            self.event_type.as_bytes(),
            self.payload.get().as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    /// The event as it will be stored.
    pub fn to_event(&self) -> Event {
        Event {
            event_id: self.event_id,
            account_id: self.account_id.clone(),
            source: self.source.clone(),
            event_type: self.event_type.clone(),
            payload: self.payload.clone(),
            idempotency_key: self.idempotency_key.clone(),
            received_at: self.received_at,
            acked_at: None,
        }
    }
}

/// The outcome of an ingest.
#[derive(Debug, Clone)]
pub enum Ingested {
    /// Stored now.
    Created(Event),
    /// The idempotency key was seen within 24 h with the same content: the
    /// original event.
    Duplicate(Event),
    /// The idempotency key was seen within 24 h with other content.
    KeyReused,
}

/// Inbox position: after `(received_at, event_id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Unix microseconds.
    pub received_at: i64,
    /// Tie-breaker.
    pub event_id: Uuid,
}

impl Cursor {
    /// Opaque URL-safe form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.received_at, self.event_id))
    }

    /// Parses [`Cursor::encode`]'s output; `None` if it is not one.
    pub fn decode(s: &str) -> Option<Self> {
        let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let (ts, id) = text.split_once(':')?;
        Some(Cursor {
            received_at: ts.parse().ok()?,
            event_id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// An inbox query.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// Only this source.
    pub source: Option<String>,
    /// Only this type.
    pub event_type: Option<String>,
    /// Start after this position.
    pub after: Option<Cursor>,
    /// Page size (1..=500).
    pub limit: usize,
}

/// A page of events, oldest first.
#[derive(Debug, Clone)]
pub struct EventPage {
    /// The events.
    pub events: Vec<Event>,
    /// Cursor of the next page, if there may be one.
    pub next: Option<Cursor>,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[error("event store failure: {0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError(Box::new(e))
    }
}

/// Persistence of events.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores `event` unless its idempotency key was used by the same account
    /// within 24 h of `event.received_at` (then the original, or `KeyReused`
    /// when the content differs). Durable when it returns.
    async fn ingest(&self, event: NewEvent) -> Result<Ingested, StoreError>;

    /// One event of one account.
    async fn get(&self, account_id: &str, event_id: Uuid) -> Result<Option<Event>, StoreError>;

    /// Unacknowledged events of one account, oldest first.
    async fn inbox(&self, account_id: &str, query: &InboxQuery) -> Result<EventPage, StoreError>;

    /// Acknowledges an event (idempotent: a second ack keeps the first time).
    /// `None` if the account has no such event.
    async fn ack(
        &self,
        account_id: &str,
        event_id: Uuid,
        at: i64,
    ) -> Result<Option<Event>, StoreError>;

    /// The webhook outbox: events ingested but not yet fanned out to
    /// webhooks (every new event starts so, in the same write that stores
    /// it), received before `received_before`, oldest first, at most
    /// `limit`. A crash between ingest and fan-out leaves the event here,
    /// and the dispatcher's sweep delivers it.
    async fn undispatched(
        &self,
        received_before: i64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;

    /// Takes events out of the outbox once their deliveries are enqueued.
    async fn mark_dispatched(&self, event_ids: &[Uuid]) -> Result<(), StoreError>;
}

/// Why a name field was refused.
pub fn check_name(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("must not be empty");
    }
    if value.len() > MAX_NAME_LEN {
        return Err("must be at most 255 bytes");
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            received_at: 1_700_000_000_123_456,
            event_id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "!!!", "MTIz", &URL_SAFE_NO_PAD.encode("x:y")] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("shop").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(&"a".repeat(256)).is_err());
        assert!(check_name("a\nb").is_err());
    }
}
