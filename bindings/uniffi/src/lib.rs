//! # triggers-uniffi
//!
//! [uniffi](https://mozilla.github.io/uniffi-rs/) bindings of
//! [`triggers_signing`]: sign and verify v1 requests, sign and verify
//! Standard Webhooks v1 deliveries, and build the v1 string to sign. The
//! Python SDK (`sdks/python`, package `triggers_api`) is built from this crate
//! by maturin; any other uniffi target language can be generated from the
//! same library (`cargo run --bin uniffi-bindgen -- generate --library …`).
//!
//! ## Conventions (every function)
//!
//! - Secrets of v1 requests and bodies are bytes; methods, targets, message
//!   ids, webhook secrets (`whsec_…`) and received header values are
//!   strings. A received header is `None` when it is absent and `Some("")`
//!   when it is present but empty. A single secret and every body are
//!   `&[u8]` arguments, which uniffi passes zero-copy (no RustBuffer);
//!   [`sign_request_signature`] takes every argument that way, for the hot
//!   path of a client that signs each request it sends.
//! - Times are Unix seconds (`u64`); `now` is always passed in, so the
//!   functions are pure and testable.
//! - Every failure is a [`SigningError`]: one variant per stable machine code
//!   of the spec (`docs/SIGNING.md` section 6), each carrying that `code` and a
//!   human `message` that never contains a secret or a header value.
//! - Argument errors (no secret, an empty one, a webhook secret that is not
//!   base64) are `invalid_secret` and are checked first; then the spec's
//!   checks run in the spec's order.
//! - Nothing here panics on any input (no `unwrap` on input, no indexing that
//!   can fail). uniffi would turn a panic into a foreign `InternalError`; no
//!   function relies on that.
//! - No state is kept between calls; every function is thread-safe.

use core::fmt;

use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{BodyHash, Secret, SignatureHeaders, Verifier};

uniffi::setup_scaffolding!();

/// The default accepted clock skew of the spec, in seconds, either way.
pub const DEFAULT_TOLERANCE_SECS: u64 = triggers_signing::DEFAULT_TOLERANCE_SECS;

/// A signing or verification failure. Every variant carries the stable
/// machine `code` of the spec (`docs/SIGNING.md` section 6) and a message for
/// humans (never a secret or a header value).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum SigningError {
    /// `missing_header`: a required header is absent.
    MissingHeader {
        /// Always `missing_header`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `malformed_header`: a header is present but has the wrong form (also:
    /// a timestamp to sign above 19 digits, a webhook message id that is not
    /// visible ASCII).
    MalformedHeader {
        /// Always `malformed_header`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `unsupported_version`: the signature version is not `v1` (webhooks:
    /// no `v1` entry).
    UnsupportedVersion {
        /// Always `unsupported_version`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `stale_timestamp`: the timestamp is older than the tolerance.
    StaleTimestamp {
        /// Always `stale_timestamp`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `future_timestamp`: the timestamp is further ahead than the tolerance.
    FutureTimestamp {
        /// Always `future_timestamp`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `bad_encoding`: an invalid percent-escape in the path or query.
    BadEncoding {
        /// Always `bad_encoding`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `invalid_method`: the method is empty or not an RFC 9110 token.
    InvalidMethod {
        /// Always `invalid_method`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `invalid_secret`: no secret, an empty secret, or a webhook secret that
    /// is not base64.
    InvalidSecret {
        /// Always `invalid_secret`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// `signature_mismatch`: no candidate secret gives the presented
    /// signature.
    SignatureMismatch {
        /// Always `signature_mismatch`.
        code: String,
        /// What happened, for humans.
        message: String,
    },
    /// A code added to the core after this binding was written (the core's
    /// error type is non-exhaustive). Carries the core's own code.
    Other {
        /// The core's machine code.
        code: String,
        /// What happened, for humans.
        message: String,
    },
}

impl SigningError {
    /// Builds the variant of a machine code.
    fn with_code(code: &str, message: String) -> Self {
        let c = code.to_owned();
        match code {
            "missing_header" => SigningError::MissingHeader { code: c, message },
            "malformed_header" => SigningError::MalformedHeader { code: c, message },
            "unsupported_version" => SigningError::UnsupportedVersion { code: c, message },
            "stale_timestamp" => SigningError::StaleTimestamp { code: c, message },
            "future_timestamp" => SigningError::FutureTimestamp { code: c, message },
            "bad_encoding" => SigningError::BadEncoding { code: c, message },
            "invalid_method" => SigningError::InvalidMethod { code: c, message },
            "invalid_secret" => SigningError::InvalidSecret { code: c, message },
            "signature_mismatch" => SigningError::SignatureMismatch { code: c, message },
            _ => SigningError::Other { code: c, message },
        }
    }

    fn invalid_secret(message: &str) -> Self {
        Self::with_code("invalid_secret", message.to_owned())
    }

    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            SigningError::MissingHeader { code, .. }
            | SigningError::MalformedHeader { code, .. }
            | SigningError::UnsupportedVersion { code, .. }
            | SigningError::StaleTimestamp { code, .. }
            | SigningError::FutureTimestamp { code, .. }
            | SigningError::BadEncoding { code, .. }
            | SigningError::InvalidMethod { code, .. }
            | SigningError::InvalidSecret { code, .. }
            | SigningError::SignatureMismatch { code, .. }
            | SigningError::Other { code, .. } => code,
        }
    }

    /// The human message.
    pub fn message(&self) -> &str {
        match self {
            SigningError::MissingHeader { message, .. }
            | SigningError::MalformedHeader { message, .. }
            | SigningError::UnsupportedVersion { message, .. }
            | SigningError::StaleTimestamp { message, .. }
            | SigningError::FutureTimestamp { message, .. }
            | SigningError::BadEncoding { message, .. }
            | SigningError::InvalidMethod { message, .. }
            | SigningError::InvalidSecret { message, .. }
            | SigningError::SignatureMismatch { message, .. }
            | SigningError::Other { message, .. } => message,
        }
    }
}

impl From<triggers_signing::Error> for SigningError {
    fn from(e: triggers_signing::Error) -> Self {
        SigningError::with_code(e.code(), e.to_string())
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SigningError {}

/// The three header values of a signed v1 request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedRequest {
    /// `X-Signature-Timestamp`: Unix seconds, decimal.
    pub timestamp: String,
    /// `X-Signature`: 64 lower-case hex digits.
    pub signature: String,
    /// `X-Signature-Version`: `v1`.
    pub version: String,
}

/// What a successful [`verify_request`] established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct VerifiedRequest {
    /// The signed timestamp (Unix seconds).
    pub timestamp: u64,
    /// Index in `secrets` of the secret that matched (0 = the first): tells
    /// whether a client still signs with a rotating secret.
    pub secret_index: u32,
}

/// Every machine code a [`SigningError`] can carry, in the spec's order
/// (`docs/SIGNING.md` section 6).
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    triggers_signing::Error::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect()
}

/// The default accepted clock skew, in seconds, either way (300).
#[uniffi::export]
pub fn default_tolerance_secs() -> u64 {
    DEFAULT_TOLERANCE_SECS
}

/// Signs a v1 request: `secret` is the signing secret as issued (its bytes
/// are the HMAC key), `method` the HTTP method, `target` the path and query
/// exactly as sent (`/v1/events?source=shop`), `body` the raw bytes sent,
/// `timestamp` the Unix seconds to sign.
///
/// Errors: `invalid_secret` (empty), `invalid_method`, `bad_encoding`,
/// `malformed_header` (a timestamp above 19 digits).
#[uniffi::export]
pub fn sign_request(
    secret: &[u8],
    method: String,
    target: String,
    body: &[u8],
    timestamp: u64,
) -> Result<SignedRequest, SigningError> {
    let secret = Secret::new(secret)?;
    let signed = triggers_signing::sign(&secret, &method, &target, timestamp, body)?;
    Ok(SignedRequest {
        timestamp: signed.timestamp,
        signature: signed.signature,
        version: signed.version.to_owned(),
    })
}

/// [`sign_request`] for callers that count microseconds (the Python SDK's
/// `sign_request` and its client): every argument is passed zero-copy (uniffi
/// lowers `&[u8]` arguments without a RustBuffer) and only the `X-Signature`
/// value comes back (the timestamp is `timestamp` in decimal, the version
/// `v1`). `method` and `target` are UTF-8 bytes.
///
/// Errors: as [`sign_request`]; a `method` that is not UTF-8 is
/// `invalid_method`, a `target` that is not UTF-8 `bad_encoding`.
#[uniffi::export]
pub fn sign_request_signature(
    secret: &[u8],
    method: &[u8],
    target: &[u8],
    body: &[u8],
    timestamp: u64,
) -> Result<String, SigningError> {
    let secret = Secret::new(secret)?;
    let method = core::str::from_utf8(method).map_err(|_| {
        SigningError::with_code("invalid_method", "the HTTP method is not UTF-8".to_owned())
    })?;
    let target = core::str::from_utf8(target).map_err(|_| {
        SigningError::with_code("bad_encoding", "the request target is not UTF-8".to_owned())
    })?;
    Ok(triggers_signing::sign(&secret, method, target, timestamp, body)?.signature)
}

/// Verifies a v1 request as received against candidate `secrets` (during a
/// rotation: the new one first, then the old one). The header arguments are
/// the received values of `X-Signature-Timestamp`, `X-Signature` and
/// `X-Signature-Version` (`None`: absent). `now` is the verifier's clock.
///
/// Errors: `invalid_secret` (no secret, or an empty one), then in the spec's
/// order `missing_header`, `unsupported_version`, `malformed_header`,
/// `future_timestamp` / `stale_timestamp`, `invalid_method` / `bad_encoding`,
/// `signature_mismatch`.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub fn verify_request(
    secrets: Vec<Vec<u8>>,
    method: String,
    target: String,
    body: &[u8],
    timestamp: Option<String>,
    signature: Option<String>,
    version: Option<String>,
    tolerance_secs: u64,
    now: u64,
) -> Result<VerifiedRequest, SigningError> {
    if secrets.is_empty() {
        return Err(SigningError::invalid_secret(
            "a verifier needs at least one secret",
        ));
    }
    let secrets = secrets
        .iter()
        .map(Secret::new)
        .collect::<Result<Vec<_>, _>>()?;
    let headers = SignatureHeaders {
        timestamp: timestamp.as_deref().map(str::as_bytes),
        signature: signature.as_deref().map(str::as_bytes),
        version: version.as_deref().map(str::as_bytes),
    };
    let verified = Verifier::new(secrets).tolerance(tolerance_secs).verify(
        &method,
        &target,
        &BodyHash::of(body),
        &headers,
        now,
    )?;
    Ok(VerifiedRequest {
        timestamp: verified.timestamp,
        // At most as many secrets as a Vec holds; saturate rather than wrap.
        secret_index: u32::try_from(verified.secret_index).unwrap_or(u32::MAX),
    })
}

/// The v1 string to sign (`METHOD\nPATH\nQUERY\nTIMESTAMP\nBODY_HASH`), to
/// debug a `signature_mismatch` by comparing both sides. Contains no secret.
///
/// Errors: `invalid_method`, `bad_encoding`.
#[uniffi::export]
pub fn canonical_string(
    method: String,
    target: String,
    timestamp: u64,
    body: &[u8],
) -> Result<String, SigningError> {
    Ok(triggers_signing::canonical_string(
        &method,
        &target,
        &timestamp.to_string(),
        &BodyHash::of(body),
    )?)
}

fn webhook_secrets(secrets: &[String]) -> Result<Vec<WebhookSecret>, SigningError> {
    if secrets.is_empty() {
        return Err(SigningError::invalid_secret(
            "at least one webhook secret is needed",
        ));
    }
    Ok(secrets
        .iter()
        .map(|s| WebhookSecret::parse(s))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Signs one webhook delivery attempt (Standard Webhooks v1) and returns the
/// `webhook-signature` value: `v1,<base64>`, or one entry per secret joined by
/// single spaces while a secret rotates. `secrets` are `whsec_…` strings (the
/// prefix may be omitted).
///
/// Errors: `invalid_secret` (no secret, an empty one, one that is not
/// base64), `malformed_header` (a message id that is not non-empty visible
/// ASCII, a timestamp above 19 digits).
#[uniffi::export]
pub fn sign_webhook(
    msg_id: String,
    timestamp: u64,
    body: &[u8],
    secrets: Vec<String>,
) -> Result<String, SigningError> {
    let secrets = webhook_secrets(&secrets)?;
    Ok(webhook::sign_all(&secrets, &msg_id, timestamp, body)?)
}

/// Verifies a webhook delivery (Standard Webhooks v1): accepts when any `v1`
/// entry of the `webhook-signature` value matches any of `secrets`. The
/// header arguments are the received `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` values (`None`: absent). Returns the signed timestamp.
///
/// Errors: `invalid_secret`, then `missing_header`, `malformed_header`,
/// `future_timestamp` / `stale_timestamp`, `unsupported_version` (no `v1`
/// entry), `signature_mismatch`.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub fn verify_webhook(
    secrets: Vec<String>,
    msg_id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    body: &[u8],
    tolerance_secs: u64,
    now: u64,
) -> Result<u64, SigningError> {
    let secrets = webhook_secrets(&secrets)?;
    let headers = WebhookHeaders {
        id: msg_id.as_deref().map(str::as_bytes),
        timestamp: timestamp.as_deref().map(str::as_bytes),
        signature: signature.as_deref().map(str::as_bytes),
    };
    Ok(WebhookVerifier::new(secrets)
        .tolerance(tolerance_secs)
        .verify(&headers, body, now)?)
}

#[cfg(test)]
mod tests;
