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
//! The worked example of `docs/SIGNING.md` section 9:
//!
//! ```
//! use triggers_signing::{canonical_string, sign, BodyHash, Secret};
//! let target = "/v1/events/a%2fb?source=shop&b=2&a=1&flag";
//! let body = br#"{"x":1}"#;
//! assert_eq!(
//!     canonical_string("post", target, "1700000000", &BodyHash::of(body))?,
//!     "POST\n/v1/events/a%2Fb\na=1&b=2&flag=&source=shop\n1700000000\n\
//!      5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
//! );
//! let signed = sign(&Secret::new("demo-secret")?, "post", target, 1_700_000_000, body)?;
//! assert_eq!(signed.signature, "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f");
//! # Ok::<(), triggers_signing::Error>(())
//! ```
//!
//! ## Webhooks
//!
//! See [`webhook`].

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

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
    BodyHash, BodyHasher, Prechecked, Prepared, Secret, SignatureHeaders, SignedHeaders, Verified,
    Verifier, sign, sign_hashed, unix_now,
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
