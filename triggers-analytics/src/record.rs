//! The input of the fold: [`Record`]s the service produces, each with a
//! stable idempotency identity ([`RecordId`]).
//!
//! Every field is something the service has at hand when the fact happens
//! (or that is stored with it, so a stream consumer reading the stored item
//! sees the same value):
//!
//! | Record | Produced by | Identity | Bucketed by |
//! |---|---|---|---|
//! | [`EventIngested`](Record::EventIngested) | a *created* ingest (`Ingested::Created`; an idempotent replay returns the same `event_id`) | `event_id` | `received_at` |
//! | [`ApiRequest`](Record::ApiRequest) | the response of an authenticated request (the account is known) | `request_id` | `at` |
//! | [`DeliveryAttempt`](Record::DeliveryAttempt) | a stored `Attempt` of a `Delivery` | `(delivery_id, attempt)` | `at` |
//! | [`DeadLettered`](Record::DeadLettered) | a stored `DeadLetter` | `(delivery_id, attempts)` | `at` (`dead_at`) |
//!
//! Ids are the 128 bits of the UUIDs (`Uuid::as_u128`). A record must be
//! identical every time it is delivered (it is, when it is read from the
//! stored item): the first copy counts, later copies are duplicates.

use serde::{Deserialize, Serialize};

use crate::error::RecordError;
use crate::time::check_time;

/// Longest account id, source and event type, in bytes (the service's
/// `MAX_NAME_LEN`).
pub const MAX_NAME_LEN: usize = 255;

/// One fact to count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// An event was stored (`POST /v1/events` created it).
    EventIngested {
        /// The owner.
        account: String,
        /// The event's id (uuid v4 chosen by the service): the identity.
        #[serde(with = "crate::ids::uuid")]
        event_id: u128,
        /// Where it came from.
        source: String,
        /// What happened (`order.created`).
        event_type: String,
        /// Unix microseconds: the event's `received_at`.
        received_at: i64,
        /// From the arrival of the request to the durable write, in
        /// microseconds, if measured (the API host measures it; store it on
        /// the event item for a stream consumer to see it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ingest_latency_us: Option<u64>,
    },
    /// The API answered an authenticated request of the account.
    ApiRequest {
        /// The owner of the API key.
        account: String,
        /// A fresh uuid v4 per request, drawn by the service: the identity.
        /// Not the client's `X-Request-Id` (clients choose and may reuse
        /// those, which would drop requests as duplicates).
        #[serde(with = "crate::ids::uuid")]
        request_id: u128,
        /// The response status, 100..=599.
        status: u16,
        /// Unix microseconds when the request arrived.
        at: i64,
    },
    /// One HTTP attempt of a webhook delivery.
    DeliveryAttempt {
        /// The owner.
        account: String,
        /// The delivery (one event to one webhook).
        #[serde(with = "crate::ids::uuid")]
        delivery_id: u128,
        /// 1 for the first attempt; replays of a dead letter continue the
        /// numbering, so `(delivery_id, attempt)` is the identity.
        attempt: u32,
        /// The destination.
        #[serde(with = "crate::ids::uuid")]
        webhook_id: u128,
        /// The status code or why there was none.
        outcome: Outcome,
        /// Unix microseconds when the attempt started.
        at: i64,
        /// On a successful attempt: from the event's `received_at` to the end
        /// of this attempt (`at + latency - received_at`), in microseconds.
        /// Refused on an unsuccessful one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ingest_to_delivery_us: Option<u64>,
    },
    /// A delivery was given up.
    DeadLettered {
        /// The owner.
        account: String,
        /// The delivery.
        #[serde(with = "crate::ids::uuid")]
        delivery_id: u128,
        /// The destination.
        #[serde(with = "crate::ids::uuid")]
        webhook_id: u128,
        /// Attempts made when it died. A replayed dead letter that dies again
        /// has more, so `(delivery_id, attempts)` is the identity.
        attempts: u32,
        /// Why.
        reason: DeadLetterReason,
        /// Unix microseconds: the dead letter's `dead_at`.
        at: i64,
    },
}

/// The outcome of a delivery attempt (`triggers_webhooks::AttemptOutcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An HTTP response with this status code (100..=999).
    Status(u16),
    /// No response.
    Failed(FailureKind),
}

impl Outcome {
    /// A 2xx response: the delivery succeeded.
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Status(200..=299))
    }
}

/// Why an attempt got no response (`triggers_webhooks::FailureKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No complete response within the deadline.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// TCP connection refused, reset or unreachable.
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// Not valid HTTP, or the connection broke mid-way.
    Protocol,
    /// Refused by the URL policy.
    Blocked,
}

/// Why a delivery was given up (`triggers_webhooks::DeadLetterReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// The retry policy ran out.
    RetriesExhausted,
    /// The receiver answered 410 Gone.
    Gone,
    /// The destination is refused by the URL policy.
    Blocked,
    /// The webhook was deactivated or deleted while the delivery waited.
    WebhookInactive,
}

impl DeadLetterReason {
    /// Every reason, in index order.
    pub const ALL: [DeadLetterReason; 4] = [
        DeadLetterReason::RetriesExhausted,
        DeadLetterReason::Gone,
        DeadLetterReason::Blocked,
        DeadLetterReason::WebhookInactive,
    ];

    /// The stored name (as `triggers_webhooks` names it).
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::RetriesExhausted => "retries_exhausted",
            DeadLetterReason::Gone => "gone",
            DeadLetterReason::Blocked => "blocked",
            DeadLetterReason::WebhookInactive => "webhook_inactive",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The idempotency identity of a record: two records with the same identity
/// are the same fact, counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordId {
    /// `event_id`.
    Event(u128),
    /// `request_id`.
    Request(u128),
    /// `(delivery_id, attempt)`.
    Attempt(u128, u32),
    /// `(delivery_id, attempts)`.
    DeadLetter(u128, u32),
}

/// Checks an account id like the service's names.
pub(crate) fn check_account(account: &str) -> Result<(), RecordError> {
    if valid_name(account) {
        Ok(())
    } else {
        Err(RecordError::InvalidAccount)
    }
}

/// 1..=255 bytes, no control characters (the service's `check_name`).
#[inline]
pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        // Control characters are all below 0x80 except C1 (U+0080..U+009F,
        // UTF-8 lead byte 0xC2): a byte scan for the common ASCII case.
        && if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            true
        } else {
            !s.chars().any(char::is_control)
        }
}

impl Record {
    /// The owner.
    pub fn account(&self) -> &str {
        match self {
            Record::EventIngested { account, .. }
            | Record::ApiRequest { account, .. }
            | Record::DeliveryAttempt { account, .. }
            | Record::DeadLettered { account, .. } => account,
        }
    }

    /// The time that decides the bucket (Unix microseconds).
    pub fn at(&self) -> i64 {
        match *self {
            Record::EventIngested { received_at, .. } => received_at,
            Record::ApiRequest { at, .. }
            | Record::DeliveryAttempt { at, .. }
            | Record::DeadLettered { at, .. } => at,
        }
    }

    /// The idempotency identity.
    pub fn id(&self) -> RecordId {
        match *self {
            Record::EventIngested { event_id, .. } => RecordId::Event(event_id),
            Record::ApiRequest { request_id, .. } => RecordId::Request(request_id),
            Record::DeliveryAttempt {
                delivery_id,
                attempt,
                ..
            } => RecordId::Attempt(delivery_id, attempt),
            Record::DeadLettered {
                delivery_id,
                attempts,
                ..
            } => RecordId::DeadLetter(delivery_id, attempts),
        }
    }

    /// Checks every field: names, statuses, attempt numbers, times.
    pub fn validate(&self) -> Result<(), RecordError> {
        check_account(self.account())?;
        check_time(self.at())?;
        match self {
            Record::EventIngested {
                source, event_type, ..
            } => {
                if !valid_name(source) {
                    return Err(RecordError::InvalidName { field: "source" });
                }
                if !valid_name(event_type) {
                    return Err(RecordError::InvalidName {
                        field: "event_type",
                    });
                }
            }
            Record::ApiRequest { status, .. } => {
                if !(100..=599).contains(status) {
                    return Err(RecordError::InvalidStatus(*status));
                }
            }
            Record::DeliveryAttempt {
                attempt,
                outcome,
                ingest_to_delivery_us,
                ..
            } => {
                if *attempt == 0 {
                    return Err(RecordError::InvalidAttempt);
                }
                if let Outcome::Status(s) = outcome {
                    if !(100..=999).contains(s) {
                        return Err(RecordError::InvalidStatus(*s));
                    }
                }
                if ingest_to_delivery_us.is_some() && !outcome.is_success() {
                    return Err(RecordError::LatencyOnFailedAttempt);
                }
            }
            Record::DeadLettered { .. } => {}
        }
        Ok(())
    }
}
