//! The error type of this crate.

use core::fmt;
use std::sync::Arc;

use crate::StoreError;

/// Everything key handling can refuse. [`KeyError::code`] gives the stable
/// machine code used in the HTTP error envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a `trgk_…` key of the right length and alphabet.
    #[error("the API key is not a Triggers key (expected trgk_ and 54 letters or digits)")]
    MalformedKey,
    /// The key's checksum does not match: a typo or a truncated copy.
    #[error("the API key's checksum does not match; check for a typo")]
    BadChecksum,
    /// Not a `key_…` id.
    #[error("malformed key id (expected key_ and 16 letters or digits)")]
    MalformedKeyId,
    /// No version of the key has this secret (or the key does not exist).
    #[error("unknown or wrong API key")]
    InvalidKey,
    /// The version presented was rotated out and its transition has ended.
    #[error("this API key version has expired; use the key issued at the last rotation")]
    Expired,
    /// The key was revoked.
    #[error("this API key has been revoked")]
    Revoked,
    /// The key id names no key of this account.
    #[error("no such API key")]
    NotFound,
    /// `transition_seconds` outside `0..=max`.
    #[error("transition_seconds must be between 0 and {max}")]
    TransitionOutOfRange {
        /// The largest accepted value.
        max: u64,
    },
    /// A concurrent change won (optimistic concurrency); retry.
    #[error("the key was changed concurrently; retry the request")]
    Conflict,
    /// Sealing or opening a secret failed (wrong master key or corrupt data).
    #[error("a stored secret could not be decrypted (wrong master key or corrupt record)")]
    Crypto,
    /// The key store failed (unavailable backend, corrupt record). The cause
    /// is kept as the error's source, for logs; it is not for clients.
    #[error("the key store is unavailable")]
    Store(#[source] StoreFailure),
}

/// A key store failure carried by [`KeyError::Store`]: cheap to clone, and
/// equal only to clones of itself.
#[derive(Debug, Clone)]
pub struct StoreFailure(Arc<dyn std::error::Error + Send + Sync>);

impl StoreFailure {
    /// Wraps a backend error.
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreFailure(Arc::from(e.into()))
    }
}

impl fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for StoreFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for StoreFailure {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StoreFailure {}

impl From<StoreError> for KeyError {
    /// `Conflict` and `NotFound` keep their meaning; any other failure is
    /// [`KeyError::Store`].
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => KeyError::Conflict,
            StoreError::NotFound => KeyError::NotFound,
            StoreError::Backend(e) => KeyError::Store(StoreFailure(Arc::from(e))),
        }
    }
}

impl KeyError {
    /// The stable machine code.
    ///
    /// ```
    /// use triggers_keys::KeyError;
    /// assert_eq!(KeyError::Expired.code(), "key_expired");
    /// assert_eq!(KeyError::BadChecksum.code(), "invalid_api_key");
    /// ```
    ///
    /// Codes: `invalid_api_key`, `invalid_key_id`, `key_expired`,
    /// `key_revoked`, `not_found`, `invalid_transition`, `conflict`,
    /// `secret_unavailable`, `store_unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::MalformedKey | KeyError::BadChecksum | KeyError::InvalidKey => {
                "invalid_api_key"
            }
            KeyError::MalformedKeyId => "invalid_key_id",
            KeyError::Expired => "key_expired",
            KeyError::Revoked => "key_revoked",
            KeyError::NotFound => "not_found",
            KeyError::TransitionOutOfRange { .. } => "invalid_transition",
            KeyError::Conflict => "conflict",
            KeyError::Crypto => "secret_unavailable",
            KeyError::Store(_) => "store_unavailable",
        }
    }
}
