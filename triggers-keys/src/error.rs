//! The error type of this crate.

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
}

impl KeyError {
    /// The stable machine code.
    ///
    /// ```
    /// use triggers_keys::KeyError;
    /// assert_eq!(KeyError::Expired.code(), "key_expired");
    /// ```
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
        }
    }
}
