//! Error numbers of the C ABI and their static code and message strings.

use core::ffi::CStr;

use triggers_signing::Error;

/// Success.
pub const TRIGGERS_OK: i32 = 0;

/// `missing_header`: a required header is absent.
pub const TRIGGERS_ERR_MISSING_HEADER: i32 = 1;
/// `malformed_header`: a header is present but has the wrong form (also: a
/// webhook message id that is not visible ASCII, a timestamp too large to
/// sign).
pub const TRIGGERS_ERR_MALFORMED_HEADER: i32 = 2;
/// `unsupported_version`: the signature version is not `v1` (webhooks: no
/// `v1` entry).
pub const TRIGGERS_ERR_UNSUPPORTED_VERSION: i32 = 3;
/// `stale_timestamp`: the timestamp is older than the tolerance.
pub const TRIGGERS_ERR_STALE_TIMESTAMP: i32 = 4;
/// `future_timestamp`: the timestamp is further ahead than the tolerance.
pub const TRIGGERS_ERR_FUTURE_TIMESTAMP: i32 = 5;
/// `bad_encoding`: an invalid percent-escape in the path or query.
pub const TRIGGERS_ERR_BAD_ENCODING: i32 = 6;
/// `invalid_method`: the method is empty or not an RFC 9110 token.
pub const TRIGGERS_ERR_INVALID_METHOD: i32 = 7;
/// `invalid_secret`: a secret is empty, a webhook secret is not base64, or
/// a webhook is signed with no secret at all.
pub const TRIGGERS_ERR_INVALID_SECRET: i32 = 8;
/// `signature_mismatch`: no candidate secret gives the presented signature.
pub const TRIGGERS_ERR_SIGNATURE_MISMATCH: i32 = 9;

/// `null_pointer`: a pointer argument is NULL where it may not be (an input
/// with a non-zero length, an output or output length).
pub const TRIGGERS_ERR_NULL_POINTER: i32 = 100;
/// `invalid_utf8`: a text argument (method, target, webhook message id, a
/// webhook secret) is not valid UTF-8.
pub const TRIGGERS_ERR_INVALID_UTF8: i32 = 101;
/// `buffer_too_small`: an output buffer is too small; its `*out_len` now
/// holds the needed length and nothing was written to it.
pub const TRIGGERS_ERR_BUFFER_TOO_SMALL: i32 = 102;
/// `invalid_argument`: a length is out of range (over `PTRDIFF_MAX`, or
/// secret lengths that overflow when added) or a `size_t` pointer is
/// misaligned.
pub const TRIGGERS_ERR_INVALID_ARGUMENT: i32 = 103;
/// `internal_error`: a bug: a panic was caught at the C boundary.
pub const TRIGGERS_ERR_INTERNAL: i32 = 104;

/// Machine codes of errors 1..=9, in the order of `Error::CODES`.
const CORE_CODES: [&CStr; 9] = [
    c"missing_header",
    c"malformed_header",
    c"unsupported_version",
    c"stale_timestamp",
    c"future_timestamp",
    c"bad_encoding",
    c"invalid_method",
    c"invalid_secret",
    c"signature_mismatch",
];

const CORE_MESSAGES: [&CStr; 9] = [
    c"a required signature header is absent",
    c"a signature header is present but has the wrong form",
    c"the signature version is not supported (expected v1)",
    c"the signature timestamp is older than the tolerance allows",
    c"the signature timestamp is further in the future than the tolerance allows",
    c"invalid percent-encoding in the path or query",
    c"the HTTP method is empty or not a token",
    c"the secret is empty or not validly encoded",
    c"signature does not match",
];

/// `(number, code, message)` of the errors of this ABI itself.
const ABI_ERRORS: [(i32, &CStr, &CStr); 5] = [
    (
        TRIGGERS_ERR_NULL_POINTER,
        c"null_pointer",
        c"a required pointer argument is NULL",
    ),
    (
        TRIGGERS_ERR_INVALID_UTF8,
        c"invalid_utf8",
        c"a text argument is not valid UTF-8",
    ),
    (
        TRIGGERS_ERR_BUFFER_TOO_SMALL,
        c"buffer_too_small",
        c"the output buffer is too small; its length now holds the needed size",
    ),
    (
        TRIGGERS_ERR_INVALID_ARGUMENT,
        c"invalid_argument",
        c"an argument is out of range or misaligned",
    ),
    (
        TRIGGERS_ERR_INTERNAL,
        c"internal_error",
        c"internal error (a panic was caught at the C boundary)",
    ),
];

/// The number of a core error: its position in `Error::CODES`, plus one.
pub(crate) fn from_error(error: &Error) -> i32 {
    let code = error.code();
    Error::CODES
        .iter()
        .position(|c| *c == code)
        .and_then(|i| i32::try_from(i + 1).ok())
        // A code added to the core but not yet to this ABI: a bug here.
        .filter(|n| (1..=CORE_CODES.len() as i32).contains(n))
        .unwrap_or(TRIGGERS_ERR_INTERNAL)
}

/// `(code, message)` of an error number, `None` for unknown numbers.
pub(crate) fn describe(err: i32) -> Option<(&'static CStr, &'static CStr)> {
    if err == TRIGGERS_OK {
        return Some((c"ok", c"success"));
    }
    if let Some(i) = usize::try_from(err)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < CORE_CODES.len())
    {
        return Some((CORE_CODES[i], CORE_MESSAGES[i]));
    }
    ABI_ERRORS
        .iter()
        .find(|(n, _, _)| *n == err)
        .map(|(_, code, message)| (*code, *message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_codes_map_one_to_one_in_order() {
        assert_eq!(CORE_CODES.len(), Error::CODES.len());
        for (i, code) in Error::CODES.iter().enumerate() {
            assert_eq!(CORE_CODES[i].to_str(), Ok(*code));
            let n = i32::try_from(i + 1).expect("small");
            assert_eq!(describe(n).map(|(c, _)| c.to_str()), Some(Ok(*code)));
        }
    }

    #[test]
    fn numbers_of_core_errors() {
        assert_eq!(
            from_error(&Error::Mismatch),
            TRIGGERS_ERR_SIGNATURE_MISMATCH
        );
        assert_eq!(
            from_error(&Error::InvalidSecret),
            TRIGGERS_ERR_INVALID_SECRET
        );
        assert_eq!(
            from_error(&Error::MissingHeader { header: "x" }),
            TRIGGERS_ERR_MISSING_HEADER
        );
        assert_eq!(
            from_error(&Error::InvalidMethod),
            TRIGGERS_ERR_INVALID_METHOD
        );
    }

    #[test]
    fn every_code_is_unique_and_unknown_numbers_are_none() {
        let mut seen = std::collections::BTreeSet::new();
        for n in (0..=9).chain(100..=104) {
            let (code, message) = describe(n).expect("known");
            assert!(!message.is_empty());
            assert!(seen.insert(code.to_owned()), "duplicate code {code:?}");
        }
        for n in [-1, 10, 99, 105, i32::MAX, i32::MIN] {
            assert!(describe(n).is_none(), "{n}");
        }
    }
}
