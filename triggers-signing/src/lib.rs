//! # triggers-signing
//!
//! The Triggers API v1 request-signing spec and the webhook signature scheme
//! (Standard Webhooks v1), as a small pure library: no async, no I/O, no
//! panics on any input. The normative spec is `docs/SIGNING.md`; the
//! cross-language test vectors are `vectors/v1.json`.
//!
//! ## Requests (v1)
//!
//! String to sign: `METHOD "\n" PATH "\n" QUERY "\n" TIMESTAMP "\n" BODY_HASH`,
//! MAC: lower-case hex HMAC-SHA256 keyed with the secret's UTF-8 bytes.
//!
//! ```
//! use triggers_signing::{sign, BodyHash, Secret, SignatureHeaders, Verifier};
//!
//! let secret = Secret::new("my-signing-secret")?;
//! let body = br#"{"source":"shop","event_type":"order.created","payload":{}}"#;
//! let signed = sign(&secret, "POST", "/v1/events", 1_700_000_000, body)?;
//! for (name, value) in signed.iter() {
//!     println!("{name}: {value}");
//! }
//!
//! // The receiving side:
//! let headers = SignatureHeaders {
//!     timestamp: Some(signed.timestamp.as_bytes()),
//!     signature: Some(signed.signature.as_bytes()),
//!     version: Some(signed.version.as_bytes()),
//! };
//! Verifier::new([secret]).verify("POST", "/v1/events", &BodyHash::of(body), &headers, 1_700_000_030)?;
//! # Ok::<(), triggers_signing::Error>(())
//! ```
//!
//! ## Webhooks
//!
//! See [`webhook`].

mod canonical;
mod error;
mod hex;
mod request;
pub mod webhook;

pub use canonical::{
    canonical_method, canonical_path, canonical_query, canonical_string, split_target,
};
pub use error::{Component, Error};
pub use request::{
    BodyHash, BodyHasher, Secret, SignatureHeaders, SignedHeaders, Verified, Verifier, sign,
    sign_hashed, unix_now,
};

/// `X-Signature-Timestamp` (lower-case, as HTTP/2 and the `http` crate use).
pub const HEADER_TIMESTAMP: &str = "x-signature-timestamp";
/// `X-Signature`: the lower-case hex HMAC-SHA256.
pub const HEADER_SIGNATURE: &str = "x-signature";
/// `X-Signature-Version`: `v1`.
pub const HEADER_VERSION: &str = "x-signature-version";
/// The only request-signature version this crate speaks.
pub const VERSION_V1: &str = "v1";
/// Default accepted clock skew, either way, in seconds.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
