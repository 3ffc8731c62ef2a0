//! The one error type of this crate.

use core::fmt;

/// Which part of the request target failed to percent-decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The path (before `?`).
    Path,
    /// The query (after the first `?`).
    Query,
}

/// Everything that can go wrong while signing or verifying.
///
/// Every variant has a stable machine code ([`Error::code`]) shared by all
/// language bindings and the test vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A required header is absent. Code `missing_header`.
    MissingHeader {
        /// The header's canonical (lower-case) name.
        header: &'static str,
    },
    /// A header is present but its value does not have the required form.
    /// Code `malformed_header`.
    MalformedHeader {
        /// The header's canonical (lower-case) name.
        header: &'static str,
        /// What is wrong with it (static text, never echoes the value).
        reason: &'static str,
    },
    /// The signature version is not one this library verifies. Code
    /// `unsupported_version`.
    UnsupportedVersion,
    /// The timestamp is older than the tolerance allows. Code `stale_timestamp`.
    StaleTimestamp {
        /// Seconds between the timestamp and the verifier's clock.
        age: u64,
    },
    /// The timestamp is further in the future than the tolerance allows. Code
    /// `future_timestamp`.
    FutureTimestamp {
        /// Seconds the timestamp is ahead of the verifier's clock.
        ahead: u64,
    },
    /// Percent-decoding of the path or query met an invalid escape (`%G1`, a
    /// lone `%`). Code `bad_encoding`.
    BadEncoding {
        /// Path or query.
        component: Component,
        /// Byte offset of the offending `%` within that component.
        offset: usize,
    },
    /// The HTTP method is empty or not an RFC 9110 token. Code `invalid_method`.
    InvalidMethod,
    /// The secret is empty, or a webhook secret is not valid base64. Code
    /// `invalid_secret`.
    InvalidSecret,
    /// No candidate secret produced the presented signature. Code
    /// `signature_mismatch`.
    Mismatch,
}

impl Error {
    /// Every machine code this crate can return, in declaration order.
    pub const CODES: [&'static str; 9] = [
        "missing_header",
        "malformed_header",
        "unsupported_version",
        "stale_timestamp",
        "future_timestamp",
        "bad_encoding",
        "invalid_method",
        "invalid_secret",
        "signature_mismatch",
    ];

    /// The stable machine code of this error, as used in the test vectors,
    /// the HTTP error envelope and every SDK.
    ///
    /// ```
    /// use triggers_signing::Error;
    /// assert_eq!(Error::Mismatch.code(), "signature_mismatch");
    /// ```
    pub fn code(&self) -> &'static str {
        let i = match self {
            Error::MissingHeader { .. } => 0,
            Error::MalformedHeader { .. } => 1,
            Error::UnsupportedVersion => 2,
            Error::StaleTimestamp { .. } => 3,
            Error::FutureTimestamp { .. } => 4,
            Error::BadEncoding { .. } => 5,
            Error::InvalidMethod => 6,
            Error::InvalidSecret => 7,
            Error::Mismatch => 8,
        };
        Self::CODES[i]
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingHeader { header } => write!(f, "missing header `{header}`"),
            Error::MalformedHeader { header, reason } => {
                write!(f, "malformed header `{header}`: {reason}")
            }
            Error::UnsupportedVersion => f.write_str("unsupported signature version"),
            Error::StaleTimestamp { age } => {
                write!(f, "timestamp is {age} s old, outside the tolerance")
            }
            Error::FutureTimestamp { ahead } => {
                write!(
                    f,
                    "timestamp is {ahead} s in the future, outside the tolerance"
                )
            }
            Error::BadEncoding { component, offset } => {
                let part = match component {
                    Component::Path => "path",
                    Component::Query => "query",
                };
                write!(f, "invalid percent-encoding in the {part} at byte {offset}")
            }
            Error::InvalidMethod => f.write_str("the HTTP method is empty or not a token"),
            Error::InvalidSecret => f.write_str("the secret is empty or not validly encoded"),
            Error::Mismatch => f.write_str("signature does not match"),
        }
    }
}

impl std::error::Error for Error {}
