//! The error type of this crate.

use crate::{FilterError, UrlError};

/// Everything the webhook core can refuse. [`Error::code`] gives the stable
/// machine code for the HTTP error envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event patterns are invalid.
    #[error(transparent)]
    Events(#[from] FilterError),
    /// The URL is invalid or its destination is refused.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The description is too long or holds control characters.
    #[error("description must be at most {max} bytes without control characters")]
    InvalidDescription {
        /// The longest accepted description, in bytes.
        max: usize,
    },
    /// `max_retries` above the limit.
    #[error("max_retries must be at most {max}")]
    MaxRetriesOutOfRange {
        /// The largest accepted value.
        max: u32,
    },
    /// A caller-supplied secret is not 24 to 64 bytes.
    #[error("a webhook secret must be `whsec_` + base64 of 24 to 64 bytes")]
    InvalidSecret,
    /// A rotation's transition is longer than allowed.
    #[error("the rotation transition must be at most {max_secs} seconds")]
    TransitionOutOfRange {
        /// The longest accepted transition, in seconds.
        max_secs: u64,
    },
    /// The secret version counter is exhausted.
    #[error("too many secret rotations")]
    TooManyRotations,
    /// A sealed secret could not be sealed or opened (wrong master key or
    /// corrupt record).
    #[error("a stored webhook secret could not be decrypted (wrong master key or corrupt record)")]
    Crypto,
    /// Signing failed (invalid message id or timestamp).
    #[error("signing failed: {0}")]
    Signing(#[source] triggers_signing::Error),
    /// A timestamp outside the representable range.
    #[error("timestamp out of range")]
    TimestampOutOfRange,
    /// The delivery body could not be encoded.
    #[error("the delivery body could not be encoded")]
    Encoding,
}

impl From<triggers_signing::Error> for Error {
    fn from(e: triggers_signing::Error) -> Self {
        Error::Signing(e)
    }
}

impl Error {
    /// The stable machine code.
    ///
    /// Codes: `invalid_events`, `invalid_url`, `url_not_allowed`,
    /// `dns_failure`, `invalid_field`, `invalid_secret`,
    /// `invalid_transition`, `conflict`, `secret_unavailable`,
    /// `signing_failed`, `invalid_timestamp`, `encoding_failed`.
    ///
    /// ```
    /// use triggers_webhooks::{Error, UrlError};
    /// assert_eq!(Error::from(UrlError::HttpNotAllowed).code(), "invalid_url");
    /// assert_eq!(Error::Crypto.code(), "secret_unavailable");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Events(_) => "invalid_events",
            Error::Url(e) => e.code(),
            Error::InvalidDescription { .. } | Error::MaxRetriesOutOfRange { .. } => {
                "invalid_field"
            }
            Error::InvalidSecret => "invalid_secret",
            Error::TransitionOutOfRange { .. } => "invalid_transition",
            Error::TooManyRotations => "conflict",
            Error::Crypto => "secret_unavailable",
            Error::Signing(_) => "signing_failed",
            Error::TimestampOutOfRange => "invalid_timestamp",
            Error::Encoding => "encoding_failed",
        }
    }
}
