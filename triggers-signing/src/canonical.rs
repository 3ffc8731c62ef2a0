//! Canonicalization of the request target and the v1 string to sign.
//!
//! See `docs/SIGNING.md` for the normative rules; every function here cites
//! the rule it implements.

use crate::{BodyHash, Component, Error, hex};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 3986 unreserved characters: the only bytes left unescaped.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-decodes `input` and appends it re-encoded to `out`: every byte
/// outside the unreserved set becomes `%XX` with upper-case hex.
///
/// `base` is the offset of `input` within its component, for error reports.
fn normalize_into(
    input: &[u8],
    component: Component,
    base: usize,
    out: &mut String,
) -> Result<(), Error> {
    let mut i = 0;
    while i < input.len() {
        let mut byte = input[i];
        if byte == b'%' {
            let hi = input.get(i + 1).copied().and_then(hex::nibble);
            let lo = input.get(i + 2).copied().and_then(hex::nibble);
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    byte = (hi << 4) | lo;
                    i += 3;
                }
                _ => {
                    return Err(Error::BadEncoding {
                        component,
                        offset: base + i,
                    });
                }
            }
        } else {
            i += 1;
        }
        if is_unreserved(byte) {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX_UPPER[usize::from(byte >> 4)] as char);
            out.push(HEX_UPPER[usize::from(byte & 0x0f)] as char);
        }
    }
    Ok(())
}

/// Splits a request target (`/path?query`, as sent on the request line) into
/// its path and its query. The query is everything after the first `?`.
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

/// The canonical PATH: split on `/`, each segment percent-decoded and encoded
/// again, joined with `/`; an empty path is `/`. No dot-segment removal.
///
/// ```
/// use triggers_signing::canonical_path;
/// assert_eq!(canonical_path("/a%2fb/caf\u{e9}").unwrap(), "/a%2Fb/caf%C3%A9");
/// assert_eq!(canonical_path("").unwrap(), "/");
/// ```
pub fn canonical_path(path: &str) -> Result<String, Error> {
    if path.is_empty() {
        return Ok("/".to_owned());
    }
    let mut out = String::with_capacity(path.len() + path.len() / 4);
    let mut offset = 0;
    for (n, segment) in path.split('/').enumerate() {
        if n > 0 {
            out.push('/');
        }
        normalize_into(segment.as_bytes(), Component::Path, offset, &mut out)?;
        offset += segment.len() + 1;
    }
    Ok(out)
}

/// The canonical QUERY: pieces split on `&` (empty ones dropped), each split
/// at its first `=`, key and value percent-decoded (`+` stays a plus) and
/// encoded again, pairs sorted by key then value (byte order), joined as
/// `k=v` with `&`.
///
/// ```
/// use triggers_signing::canonical_query;
/// assert_eq!(canonical_query("b=2&a=1&a&c=x+y").unwrap(), "a=&a=1&b=2&c=x%2By");
/// ```
pub fn canonical_query(query: &str) -> Result<String, Error> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    for piece in query.split('&') {
        let start = offset;
        offset += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        let mut k = String::with_capacity(key.len());
        normalize_into(key.as_bytes(), Component::Query, start, &mut k)?;
        let mut v = String::with_capacity(value.len());
        normalize_into(
            value.as_bytes(),
            Component::Query,
            start + key.len() + 1,
            &mut v,
        )?;
        pairs.push((k, v));
    }
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + query.len() / 4);
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    Ok(out)
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The canonical METHOD: the method ASCII upper-cased; it must be a
/// non-empty RFC 9110 token (so no newline can be smuggled into the string to
/// sign).
pub fn canonical_method(method: &str) -> Result<String, Error> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Error::InvalidMethod);
    }
    Ok(method.to_ascii_uppercase())
}

/// The complete v1 string to sign:
/// `METHOD "\n" PATH "\n" QUERY "\n" TIMESTAMP "\n" BODY_HASH` (no trailing
/// newline).
///
/// ```
/// use triggers_signing::{canonical_string, BodyHash};
/// let s = canonical_string("post", "/v1/events?b=2&a=1", "1700000000", &BodyHash::of(b"")).unwrap();
/// assert_eq!(
///     s,
///     "POST\n/v1/events\na=1&b=2\n1700000000\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn canonical_string(
    method: &str,
    target: &str,
    timestamp: &str,
    body_hash: &BodyHash,
) -> Result<String, Error> {
    let (path, query) = split_target(target);
    let method = canonical_method(method)?;
    let path = canonical_path(path)?;
    let query = match query {
        Some(q) => canonical_query(q)?,
        None => String::new(),
    };
    let mut out =
        String::with_capacity(method.len() + path.len() + query.len() + timestamp.len() + 68);
    for part in [method.as_str(), &path, &query, timestamp] {
        out.push_str(part);
        out.push('\n');
    }
    out.push_str(&body_hash.to_hex());
    Ok(out)
}
