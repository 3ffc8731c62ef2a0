//! Webhook signatures: [Standard Webhooks](https://www.standardwebhooks.com) v1.
//!
//! Signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the key is the
//! base64-decoded part of a `whsec_…` secret; the header value is `v1,<base64>`,
//! several of them space-separated while a secret rotates.
//!
//! ```
//! use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
//! let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! let body = br#"{"test": 2432232314}"#;
//! let sig = webhook::sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
//! assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//!
//! let headers = WebhookHeaders {
//!     id: Some(b"msg_p5jXN8AQM9LWM0D4loKWxJek"),
//!     timestamp: Some(b"1614265330"),
//!     signature: Some(sig.as_bytes()),
//! };
//! let verifier = WebhookVerifier::new([secret]);
//! assert!(verifier.verify(&headers, body, 1614265330 + 10).is_ok());
//! ```

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::request::{check_sign_timestamp, check_window, parse_timestamp};
use crate::{DEFAULT_TOLERANCE_SECS, Error};

/// `webhook-id`: the message id, stable across retries of one delivery.
pub const HEADER_ID: &str = "webhook-id";
/// `webhook-timestamp`: Unix seconds when the attempt was signed.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature`: `v1,<base64>` entries, space-separated.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The prefix of an encoded webhook secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A webhook signing secret. Zeroed on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

impl WebhookSecret {
    /// Parses `whsec_` + base64 (the prefix may be omitted, as Standard
    /// Webhooks libraries allow). Empty or invalid base64 is
    /// [`Error::InvalidSecret`].
    pub fn parse(encoded: &str) -> Result<Self, Error> {
        let b64 = encoded.strip_prefix(SECRET_PREFIX).unwrap_or(encoded);
        let bytes = Zeroizing::new(STANDARD.decode(b64).map_err(|_| Error::InvalidSecret)?);
        Self::from_bytes(&bytes)
    }

    /// Wraps raw key bytes (for example freshly generated random bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.is_empty() {
            return Err(Error::InvalidSecret);
        }
        Ok(WebhookSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// The `whsec_…` form. This exposes the secret: show it to its owner
    /// once, never log it.
    pub fn expose_encoded(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&*self.0))
    }

    fn mac(&self, id: &[u8], timestamp: &[u8], body: &[u8]) -> [u8; 32] {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        };
        mac.update(id);
        mac.update(b".");
        mac.update(timestamp);
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Validates a message id: non-empty visible ASCII without spaces (it travels
/// in a header).
fn check_id(id: &[u8]) -> Result<(), Error> {
    if id.is_empty() || !id.iter().all(|b| b.is_ascii_graphic()) {
        return Err(Error::MalformedHeader {
            header: HEADER_ID,
            reason: "expected non-empty visible ASCII",
        });
    }
    Ok(())
}

/// Signs one delivery attempt: returns the `webhook-signature` value
/// `v1,<base64>`.
pub fn sign(
    secret: &WebhookSecret,
    id: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, Error> {
    sign_all(core::slice::from_ref(secret), id, timestamp, body)
}

/// Signs with every given secret (during a rotation) and joins the entries
/// with spaces, as Standard Webhooks allows.
///
/// ```
/// use triggers_signing::webhook::{sign_all, WebhookSecret};
/// let a = WebhookSecret::from_bytes(&[1; 24]).unwrap();
/// let b = WebhookSecret::from_bytes(&[2; 24]).unwrap();
/// let value = sign_all(&[a, b], "msg_1", 1, b"{}").unwrap();
/// assert_eq!(value.split(' ').count(), 2);
/// ```
pub fn sign_all(
    secrets: &[WebhookSecret],
    id: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, Error> {
    check_id(id.as_bytes())?;
    check_sign_timestamp(timestamp, HEADER_TIMESTAMP)?;
    if secrets.is_empty() {
        return Err(Error::InvalidSecret);
    }
    let ts = timestamp.to_string();
    let entries: Vec<String> = secrets
        .iter()
        .map(|s| {
            format!(
                "v1,{}",
                STANDARD.encode(s.mac(id.as_bytes(), ts.as_bytes(), body))
            )
        })
        .collect();
    Ok(entries.join(" "))
}

/// The three webhook headers as received (`None` = absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookHeaders<'a> {
    /// `webhook-id`.
    pub id: Option<&'a [u8]>,
    /// `webhook-timestamp`.
    pub timestamp: Option<&'a [u8]>,
    /// `webhook-signature`.
    pub signature: Option<&'a [u8]>,
}

impl<'a> WebhookHeaders<'a> {
    /// Reads the headers through a lookup by lower-case name.
    pub fn from_fn(mut get: impl FnMut(&'static str) -> Option<&'a [u8]>) -> Self {
        WebhookHeaders {
            id: get(HEADER_ID),
            timestamp: get(HEADER_TIMESTAMP),
            signature: get(HEADER_SIGNATURE),
        }
    }
}

/// Verifies webhook deliveries against one or more candidate secrets.
#[derive(Clone, Debug)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: u64,
}

impl WebhookVerifier {
    /// A verifier with the given secrets and the default ±300 s tolerance.
    pub fn new(secrets: impl IntoIterator<Item = WebhookSecret>) -> Self {
        WebhookVerifier {
            secrets: secrets.into_iter().collect(),
            tolerance: DEFAULT_TOLERANCE_SECS,
        }
    }

    /// Sets the accepted clock skew, in seconds, either way.
    pub fn tolerance(mut self, seconds: u64) -> Self {
        self.tolerance = seconds;
        self
    }

    /// Verifies a delivery: headers present and well-formed, timestamp within
    /// the window, then any `v1` entry matching any secret (constant-time
    /// comparison). Entries of other versions are ignored; none of `v1` is
    /// [`Error::UnsupportedVersion`]. Returns the signed timestamp.
    pub fn verify(
        &self,
        headers: &WebhookHeaders<'_>,
        body: &[u8],
        now: u64,
    ) -> Result<u64, Error> {
        let id = headers
            .id
            .ok_or(Error::MissingHeader { header: HEADER_ID })?;
        let ts_raw = headers.timestamp.ok_or(Error::MissingHeader {
            header: HEADER_TIMESTAMP,
        })?;
        let sig_raw = headers.signature.ok_or(Error::MissingHeader {
            header: HEADER_SIGNATURE,
        })?;
        check_id(id)?;
        let timestamp = parse_timestamp(ts_raw, HEADER_TIMESTAMP)?;
        check_window(timestamp, now, self.tolerance)?;

        // As the Standard Webhooks libraries do, entries that cannot be
        // parsed are skipped, not fatal: one odd entry from a future scheme
        // must not hide a valid `v1` one.
        let mut presented: Vec<[u8; 32]> = Vec::new();
        let mut saw_any = false;
        let mut saw_v1 = false;
        for entry in sig_raw
            .split(|b| b.is_ascii_whitespace())
            .filter(|e| !e.is_empty())
        {
            saw_any = true;
            let Some(value) = entry.strip_prefix(b"v1,") else {
                continue;
            };
            saw_v1 = true;
            if let Ok(decoded) = STANDARD.decode(value) {
                if let Ok(sig) = <[u8; 32]>::try_from(decoded.as_slice()) {
                    presented.push(sig);
                }
            }
        }
        if !saw_any {
            return Err(Error::MalformedHeader {
                header: HEADER_SIGNATURE,
                reason: "expected space-separated `v1,<base64>` entries",
            });
        }
        if !saw_v1 {
            return Err(Error::UnsupportedVersion);
        }
        let mut ok = false;
        for secret in &self.secrets {
            let expected = secret.mac(id, ts_raw, body);
            for sig in &presented {
                ok |= bool::from(expected.ct_eq(sig));
            }
        }
        if ok {
            Ok(timestamp)
        } else {
            Err(Error::Mismatch)
        }
    }
}
