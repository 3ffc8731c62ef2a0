//! What a delivery sends: the JSON body ([`build_body`]) and its Standard
//! Webhooks headers ([`signed_headers`]).
//!
//! The body:
//!
//! ```json
//! {"id":"<event_id>","type":"order.created","source":"shop","timestamp":"2024-01-01T00:00:00.5Z","data":{…}}
//! ```
//!
//! `data` is the event's payload byte for byte: it is embedded as raw JSON,
//! never parsed and re-serialized, so numbers, key order and whitespace
//! arrive exactly as ingested.
//!
//! ```
//! use serde_json::value::RawValue;
//! use triggers_webhooks::{build_body, message_id, new_secret, signed_headers};
//!
//! let event_id = uuid::Uuid::new_v4();
//! let payload = RawValue::from_string(r#"{"n": 1.50}"#.into())?;
//! let body = build_body(event_id, "order.created", "shop", 1_700_000_000_000_000, &payload)?;
//! assert!(String::from_utf8(body.clone())?.ends_with(r#""data":{"n": 1.50}}"#));
//!
//! let headers = signed_headers(&message_id(event_id), 1_700_000_000, &body, &[new_secret()])?;
//! let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
//! assert_eq!(names, ["webhook-id", "webhook-timestamp", "webhook-signature", "x-webhook-signature"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use triggers_signing::webhook::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookSecret, sign_all,
};
use uuid::Uuid;

use crate::Error;

/// `x-webhook-signature`: the same value as `webhook-signature`, for
/// receivers written against the older header name.
pub const HEADER_X_SIGNATURE: &str = "x-webhook-signature";

/// The `webhook-id` of an event's deliveries: `msg_` + the event id's 32 hex
/// digits. The same for every attempt and every replay, so receivers can
/// deduplicate on it.
///
/// ```
/// let id = uuid::Uuid::nil();
/// assert_eq!(triggers_webhooks::message_id(id), "msg_00000000000000000000000000000000");
/// ```
pub fn message_id(event_id: Uuid) -> String {
    format!("msg_{}", event_id.simple())
}

#[derive(Serialize)]
struct Envelope<'a> {
    id: Uuid,
    #[serde(rename = "type")]
    event_type: &'a str,
    source: &'a str,
    timestamp: String,
    data: &'a RawValue,
}

/// RFC 3339 (UTC) of Unix microseconds.
fn rfc3339_micros(micros: i64) -> Result<String, Error> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or(Error::TimestampOutOfRange)
}

/// The delivery body of an event. `occurred_at` is the event's time in Unix
/// microseconds (the service's `received_at`), shown as RFC 3339 UTC;
/// `payload` is embedded verbatim.
pub fn build_body(
    event_id: Uuid,
    event_type: &str,
    source: &str,
    occurred_at: i64,
    payload: &RawValue,
) -> Result<Vec<u8>, Error> {
    let envelope = Envelope {
        id: event_id,
        event_type,
        source,
        timestamp: rfc3339_micros(occurred_at)?,
        data: payload,
    };
    // Serializing strings, a uuid and a RawValue into a Vec does not fail;
    // should serde_json ever disagree, it is an error, not a panic.
    serde_json::to_vec(&envelope).map_err(|_| Error::Encoding)
}

/// The headers of one attempt, in this order: `webhook-id` (`msg_id`),
/// `webhook-timestamp` (`timestamp`, Unix seconds of this attempt: sign
/// each attempt afresh, receivers refuse stale ones), `webhook-signature`
/// and `x-webhook-signature` (the same `v1,<base64>` entries, one per secret,
/// in the order given: current first, see
/// [`Webhook::signing_secrets`](crate::Webhook::signing_secrets)).
///
/// The engine adds `content-type: application/json` itself. Fails when
/// `secrets` is empty, `msg_id` is not visible ASCII or `timestamp` is out of
/// range.
pub fn signed_headers(
    msg_id: &str,
    timestamp: u64,
    body: &[u8],
    secrets: &[WebhookSecret],
) -> Result<Vec<(&'static str, String)>, Error> {
    let signature = sign_all(secrets, msg_id, timestamp, body)?;
    Ok(vec![
        (HEADER_ID, msg_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_SIGNATURE, signature.clone()),
        (HEADER_X_SIGNATURE, signature),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).expect("valid JSON")
    }

    #[test]
    fn body_shape_and_verbatim_payload() {
        let id = Uuid::new_v4();
        let payload = raw("{ \"b\":1e3,\n\"a\" : [1.0, \"\\u00e9\"] }");
        let body = build_body(
            id,
            "order.created",
            "shop \"eu\"",
            1_700_000_000_123_456,
            &payload,
        )
        .expect("builds");
        let text = String::from_utf8(body).expect("utf-8");
        assert_eq!(
            text,
            format!(
                "{{\"id\":\"{id}\",\"type\":\"order.created\",\"source\":\"shop \\\"eu\\\"\",\
                 \"timestamp\":\"2023-11-14T22:13:20.123456Z\",\"data\":{}}}",
                payload.get()
            )
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["data"]["a"][1], "é");
        let zero = build_body(id, "t", "s", 0, &payload).expect("builds");
        assert!(
            String::from_utf8(zero)
                .expect("utf-8")
                .contains("\"1970-01-01T00:00:00Z\"")
        );
    }

    #[test]
    fn out_of_range_timestamps_are_errors() {
        let payload = raw("{}");
        for t in [i64::MAX, i64::MIN] {
            assert_eq!(
                build_body(Uuid::nil(), "t", "s", t, &payload),
                Err(Error::TimestampOutOfRange)
            );
        }
    }

    #[test]
    fn header_errors() {
        let s = crate::new_secret();
        assert!(matches!(
            signed_headers("msg_1", 1, b"{}", &[]),
            Err(Error::Signing(_))
        ));
        assert!(matches!(
            signed_headers("msg 1", 1, b"{}", std::slice::from_ref(&s)),
            Err(Error::Signing(_))
        ));
        assert!(matches!(
            signed_headers("msg_1", u64::MAX, b"{}", std::slice::from_ref(&s)),
            Err(Error::Signing(_))
        ));
    }
}
