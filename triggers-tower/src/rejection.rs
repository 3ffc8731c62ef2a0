//! The JSON error envelope every rejection of this crate uses.
//!
//! Every request refused by [`VerifySignature`](crate::signature::VerifySignature)
//! or [`ApiKey`](crate::api_key::ApiKey) gets a response with
//! `content-type: application/json` and the body
//!
//! ```json
//! {"error":{"code":"signature_mismatch","message":"signature does not match"}}
//! ```
//!
//! The `code` is stable and machine-readable (the [`code`] module lists them
//! all; signing errors use exactly [`triggers_signing::Error::code`]); the
//! `message` is for humans and may change. Messages never contain secrets,
//! API keys or signatures.
//!
//! [`Rejection`] is public so that a service can answer its own errors with
//! the same envelope.
//!
//! # Status codes
//!
//! | code | status | when |
//! |------|--------|------|
//! | `missing_header` | 401 | `Required` mode, the request carries none of the three signature headers |
//! | `missing_header` | 400 | the request carries some but not all of the signature headers |
//! | `malformed_header` | 400 | a signature header is repeated or has the wrong form (bad hex, non-numeric timestamp) |
//! | `unsupported_version` | 400 | `x-signature-version` is not `v1` |
//! | `bad_encoding` | 400 | invalid percent-encoding in the path or query |
//! | `invalid_method` | 400 | the method is not an RFC 9110 token |
//! | `stale_timestamp` | 401 | the timestamp is older than the tolerance |
//! | `future_timestamp` | 401 | the timestamp is further ahead than the tolerance |
//! | `signature_mismatch` | 401 | no candidate secret produced the signature |
//! | `invalid_secret` | 500 | the secret store returned an unusable secret |
//! | `replayed_signature` | 401 | replay protection saw this signature within the window |
//! | `missing_key_id` | 401 | no key id (header absent, or the extension it is read from is absent) |
//! | `malformed_key_id` | 400 | the key-id header is repeated, empty, too long or not visible ASCII |
//! | `unknown_key_id` | 401 | the secret lookup knows no secret for this key id |
//! | `payload_too_large` | 413 | the body exceeds the limit (by `content-length` or while reading) |
//! | `body_read_failed` | 400 | reading the request body failed |
//! | `missing_api_key` | 401 | neither `Authorization: Bearer` nor `X-API-Key` is present |
//! | `invalid_api_key` | 401 | the key is malformed or unknown |
//! | `key_expired` | 401 | the key has expired |
//! | `key_revoked` | 401 | the key has been revoked |
//! | `key_lookup_failed` | 503 | the secret lookup or key validator backend failed |
//! | `internal_error` | 500 | an extractor found no identity: the layer is not applied |

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// Every machine code a [`Rejection`] of this crate can carry.
///
/// ```
/// use triggers_tower::rejection::code;
/// assert_eq!(code::PAYLOAD_TOO_LARGE, "payload_too_large");
/// assert!(code::ALL.contains(&code::REPLAYED_SIGNATURE));
/// ```
pub mod code {
    /// A signature header is absent (see the status table).
    pub const MISSING_HEADER: &str = "missing_header";
    /// A signature header is present but has the wrong form, or is repeated.
    pub const MALFORMED_HEADER: &str = "malformed_header";
    /// `x-signature-version` is not one the verifier speaks.
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    /// The signed timestamp is too old.
    pub const STALE_TIMESTAMP: &str = "stale_timestamp";
    /// The signed timestamp is too far in the future.
    pub const FUTURE_TIMESTAMP: &str = "future_timestamp";
    /// Invalid percent-encoding in the request target.
    pub const BAD_ENCODING: &str = "bad_encoding";
    /// The HTTP method is not a token.
    pub const INVALID_METHOD: &str = "invalid_method";
    /// A secret is unusable (server-side misconfiguration).
    pub const INVALID_SECRET: &str = "invalid_secret";
    /// No candidate secret matched the signature.
    pub const SIGNATURE_MISMATCH: &str = "signature_mismatch";
    /// The same signature was already accepted within the tolerance window.
    pub const REPLAYED_SIGNATURE: &str = "replayed_signature";
    /// The key id that selects the secrets is absent.
    pub const MISSING_KEY_ID: &str = "missing_key_id";
    /// The key-id header is malformed.
    pub const MALFORMED_KEY_ID: &str = "malformed_key_id";
    /// No secrets are known for the key id.
    pub const UNKNOWN_KEY_ID: &str = "unknown_key_id";
    /// The request body is larger than the configured limit.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// The request body could not be read.
    pub const BODY_READ_FAILED: &str = "body_read_failed";
    /// No API key was presented.
    pub const MISSING_API_KEY: &str = "missing_api_key";
    /// The API key is malformed or unknown.
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// The API key has expired.
    pub const KEY_EXPIRED: &str = "key_expired";
    /// The API key has been revoked.
    pub const KEY_REVOKED: &str = "key_revoked";
    /// The secret or key backend failed.
    pub const KEY_LOOKUP_FAILED: &str = "key_lookup_failed";
    /// Server misconfiguration (an extractor without its layer).
    pub const INTERNAL_ERROR: &str = "internal_error";

    /// All codes above, in declaration order.
    pub const ALL: [&str; 21] = [
        MISSING_HEADER,
        MALFORMED_HEADER,
        UNSUPPORTED_VERSION,
        STALE_TIMESTAMP,
        FUTURE_TIMESTAMP,
        BAD_ENCODING,
        INVALID_METHOD,
        INVALID_SECRET,
        SIGNATURE_MISMATCH,
        REPLAYED_SIGNATURE,
        MISSING_KEY_ID,
        MALFORMED_KEY_ID,
        UNKNOWN_KEY_ID,
        PAYLOAD_TOO_LARGE,
        BODY_READ_FAILED,
        MISSING_API_KEY,
        INVALID_API_KEY,
        KEY_EXPIRED,
        KEY_REVOKED,
        KEY_LOOKUP_FAILED,
        INTERNAL_ERROR,
    ];
}

/// A refused request: an HTTP status, a stable machine code and a human
/// message, rendered as `{"error":{"code":"...","message":"..."}}`.
///
/// ```
/// use http::StatusCode;
/// use triggers_tower::Rejection;
///
/// let rejection = Rejection::new(StatusCode::CONFLICT, "duplicate_event", "event already ingested");
/// let response = rejection.to_http_response();
/// assert_eq!(response.status(), StatusCode::CONFLICT);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// assert_eq!(
///     rejection.to_json(),
///     r#"{"error":{"code":"duplicate_event","message":"event already ingested"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
}

impl Rejection {
    /// A rejection with any status, code and message.
    ///
    /// ```
    /// use http::StatusCode;
    /// use triggers_tower::Rejection;
    /// let r = Rejection::new(StatusCode::FORBIDDEN, "forbidden", format!("no access to {}", "shop-1"));
    /// assert_eq!(r.code(), "forbidden");
    /// ```
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Rejection {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of the response.
    ///
    /// ```
    /// use triggers_tower::Rejection;
    /// let r = Rejection::from(triggers_signing::Error::Mismatch);
    /// assert_eq!(r.status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine code (`error.code`).
    ///
    /// ```
    /// use triggers_tower::Rejection;
    /// let r = Rejection::from(triggers_signing::Error::UnsupportedVersion);
    /// assert_eq!(r.code(), "unsupported_version");
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message (`error.message`).
    ///
    /// ```
    /// use triggers_tower::Rejection;
    /// let r = Rejection::from(triggers_signing::Error::Mismatch);
    /// assert_eq!(r.message(), "signature does not match");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON body: `{"error":{"code":"...","message":"..."}}`.
    ///
    /// ```
    /// use http::StatusCode;
    /// use triggers_tower::Rejection;
    /// let r = Rejection::new(StatusCode::BAD_REQUEST, "bad", "a \"quoted\"\nline");
    /// assert_eq!(
    ///     r.to_json(),
    ///     r#"{"error":{"code":"bad","message":"a \"quoted\"\nline"}}"#
    /// );
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(40 + self.code.len() + self.message.len());
        out.push_str(r#"{"error":{"code":"#);
        push_json_string(&mut out, &self.code);
        out.push_str(r#","message":"#);
        push_json_string(&mut out, &self.message);
        out.push_str("}}");
        out
    }

    /// The complete HTTP response: status, `content-type: application/json`,
    /// the JSON body.
    ///
    /// ```
    /// use triggers_tower::Rejection;
    /// let response = Rejection::from(triggers_signing::Error::Mismatch).to_http_response();
    /// assert_eq!(response.status(), 401);
    /// ```
    pub fn to_http_response(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.to_json())));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }

    /// Maps a signing error to its status (see the [module docs](self)); the
    /// code is exactly [`triggers_signing::Error::code`], the message its
    /// `Display`.
    ///
    /// A `missing_header` from the verifier means a *partially* signed request
    /// and maps to 400; the layer itself answers an entirely unsigned request
    /// in `Required` mode with 401 and the same code.
    ///
    /// ```
    /// use triggers_tower::Rejection;
    /// use triggers_signing::Error;
    /// let r = Rejection::from_signing_error(&Error::StaleTimestamp { age: 900 });
    /// assert_eq!((r.status().as_u16(), r.code()), (401, "stale_timestamp"));
    /// let r = Rejection::from_signing_error(&Error::InvalidMethod);
    /// assert_eq!((r.status().as_u16(), r.code()), (400, "invalid_method"));
    /// ```
    pub fn from_signing_error(err: &triggers_signing::Error) -> Self {
        use triggers_signing::Error as E;
        let status = match err {
            E::MissingHeader { .. }
            | E::MalformedHeader { .. }
            | E::UnsupportedVersion
            | E::BadEncoding { .. }
            | E::InvalidMethod => StatusCode::BAD_REQUEST,
            E::StaleTimestamp { .. } | E::FutureTimestamp { .. } | E::Mismatch => {
                StatusCode::UNAUTHORIZED
            }
            E::InvalidSecret => StatusCode::INTERNAL_SERVER_ERROR,
            // Fail closed on anything a future version adds.
            _ => StatusCode::UNAUTHORIZED,
        };
        Rejection::new(status, err.code(), err.to_string())
    }

    pub(crate) fn unsigned() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::MISSING_HEADER,
            "the request is not signed: `x-signature-timestamp`, `x-signature` and \
             `x-signature-version` are required",
        )
    }

    pub(crate) fn payload_too_large(limit: usize) -> Self {
        Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            format!("the request body exceeds the limit of {limit} bytes"),
        )
    }

    pub(crate) fn body_read_failed() -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            code::BODY_READ_FAILED,
            "the request body could not be read",
        )
    }

    pub(crate) fn replayed() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::REPLAYED_SIGNATURE,
            "this signature was already used",
        )
    }

    pub(crate) fn missing_key_id() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::MISSING_KEY_ID,
            "no key id identifies the signing secret",
        )
    }

    pub(crate) fn malformed_key_id() -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            code::MALFORMED_KEY_ID,
            "the key id must be a single, non-empty, visible-ASCII value of at most 256 bytes",
        )
    }

    pub(crate) fn unknown_key_id() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::UNKNOWN_KEY_ID,
            "no signing secret is known for this key id",
        )
    }

    pub(crate) fn key_lookup_failed() -> Self {
        Rejection::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::KEY_LOOKUP_FAILED,
            "the key store is unavailable; retry later",
        )
    }

    pub(crate) fn missing_api_key() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::MISSING_API_KEY,
            "an API key is required: `Authorization: Bearer <key>` or `X-API-Key: <key>`",
        )
    }

    pub(crate) fn invalid_api_key() -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            code::INVALID_API_KEY,
            "the API key is not valid",
        )
    }

    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn internal_error(message: &'static str) -> Self {
        Rejection::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL_ERROR,
            message,
        )
    }
}

impl From<triggers_signing::Error> for Rejection {
    fn from(err: triggers_signing::Error) -> Self {
        Rejection::from_signing_error(&err)
    }
}

impl From<&triggers_signing::Error> for Rejection {
    fn from(err: &triggers_signing::Error) -> Self {
        Rejection::from_signing_error(err)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for Rejection {}

#[cfg(feature = "axum")]
impl axum::response::IntoResponse for Rejection {
    fn into_response(self) -> axum::response::Response {
        self.to_http_response().map(axum::body::Body::new)
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escaping).
fn push_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0x0f]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_control_characters() {
        let r = Rejection::new(StatusCode::BAD_REQUEST, "c", "\u{1}\u{1f}é\\");
        assert_eq!(
            r.to_json(),
            r#"{"error":{"code":"c","message":"\u0001\u001fé\\"}}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(parsed["error"]["message"], "\u{1}\u{1f}é\\");
    }

    #[test]
    fn every_signing_code_maps_to_a_client_or_server_error() {
        use triggers_signing::{Component, Error};
        let all = [
            Error::MissingHeader { header: "x" },
            Error::MalformedHeader {
                header: "x",
                reason: "r",
            },
            Error::UnsupportedVersion,
            Error::StaleTimestamp { age: 1 },
            Error::FutureTimestamp { ahead: 1 },
            Error::BadEncoding {
                component: Component::Path,
                offset: 0,
            },
            Error::InvalidMethod,
            Error::InvalidSecret,
            Error::Mismatch,
        ];
        for (err, code) in all.iter().zip(Error::CODES) {
            let r = Rejection::from(err);
            assert_eq!(r.code(), code);
            assert!(code::ALL.contains(&r.code()));
            assert!(r.status().is_client_error() || r.status().is_server_error());
        }
    }
}
