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
/// outside the unreserved set becomes `%XX` with upper-case hex. With
/// `keep_slash`, a literal `/` is copied as is (the path's segment
/// separator; an escaped `%2F` is still re-encoded).
///
/// `base` is the offset of `input` within its component, for error reports.
/// Runs of bytes that need no change are copied with one `push_str`.
fn normalize_into(
    input: &str,
    component: Component,
    base: usize,
    keep_slash: bool,
    out: &mut String,
) -> Result<(), Error> {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // The longest run of bytes copied verbatim. When it is not empty it
        // starts and ends next to ASCII bytes, so both ends are char
        // boundaries (`i` may be inside a multi-byte char otherwise).
        let run = i + bytes[i..]
            .iter()
            .position(|&b| !(is_unreserved(b) || (keep_slash && b == b'/')))
            .unwrap_or(bytes.len() - i);
        if run > i {
            // Always `Some`: see above.
            out.push_str(input.get(i..run).unwrap_or_default());
            i = run;
        }
        if i == bytes.len() {
            break;
        }
        let mut byte = bytes[i];
        if byte == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex::nibble);
            let lo = bytes.get(i + 2).copied().and_then(hex::nibble);
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

/// Appends the canonical PATH to `out`.
fn path_into(path: &str, out: &mut String) -> Result<(), Error> {
    if path.is_empty() {
        out.push('/');
        return Ok(());
    }
    // Splitting on `/`, normalizing each segment and joining with `/` is
    // normalizing the whole path with literal slashes kept.
    normalize_into(path, Component::Path, 0, true, out)
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
    let mut out = String::with_capacity(path.len() + path.len() / 4 + 1);
    path_into(path, &mut out)?;
    Ok(out)
}

/// Appends the canonical QUERY to `out`. Keys and values are normalized into
/// one scratch buffer; only their offsets are sorted.
fn query_into(query: &str, out: &mut String) -> Result<(), Error> {
    if query.is_empty() {
        return Ok(());
    }
    let mut scratch = String::with_capacity(query.len() + query.len() / 4);
    // (key start, key end = value start, value end) in `scratch`.
    let mut pairs: Vec<(usize, usize, usize)> = Vec::with_capacity(8);
    let mut offset = 0;
    for piece in query.split('&') {
        let start = offset;
        offset += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        let k_start = scratch.len();
        normalize_into(key, Component::Query, start, false, &mut scratch)?;
        let k_end = scratch.len();
        normalize_into(
            value,
            Component::Query,
            start + key.len() + 1,
            false,
            &mut scratch,
        )?;
        pairs.push((k_start, k_end, scratch.len()));
    }
    let s = scratch.as_bytes();
    // Same order as sorting `(key, value)` string pairs: key bytes, then
    // value bytes.
    pairs.sort_unstable_by(|a, b| (&s[a.0..a.1], &s[a.1..a.2]).cmp(&(&s[b.0..b.1], &s[b.1..b.2])));
    for (n, &(k, v, end)) in pairs.iter().enumerate() {
        if n > 0 {
            out.push('&');
        }
        out.push_str(&scratch[k..v]);
        out.push('=');
        out.push_str(&scratch[v..end]);
    }
    Ok(())
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
    let mut out = String::with_capacity(query.len() + query.len() / 4);
    query_into(query, &mut out)?;
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
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Error::InvalidMethod);
    }
    let (path, query) = split_target(target);
    // One allocation in the common case: escapes grow a component by at
    // most 3x, rarely; 64 hex digits and four newlines are fixed.
    let mut out = String::with_capacity(
        method.len() + target.len() + target.len() / 4 + timestamp.len() + 72,
    );
    // A token is ASCII: upper-casing it byte by byte is `to_ascii_uppercase`.
    out.extend(method.bytes().map(|b| char::from(b.to_ascii_uppercase())));
    out.push('\n');
    path_into(path, &mut out)?;
    out.push('\n');
    if let Some(query) = query {
        query_into(query, &mut out)?;
    }
    out.push('\n');
    out.push_str(timestamp);
    out.push('\n');
    hex::encode_lower_into(body_hash.as_bytes(), &mut out);
    Ok(out)
}

/// Checks, without building anything, that `method` and `target` would
/// canonicalize: the same errors, in the same order and with the same
/// offsets, as [`canonical_string`].
pub(crate) fn validate(method: &str, target: &str) -> Result<(), Error> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Error::InvalidMethod);
    }
    let (path, query) = split_target(target);
    let scan = |text: &str, component: Component| {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hi = bytes.get(i + 1).copied().and_then(hex::nibble);
                let lo = bytes.get(i + 2).copied().and_then(hex::nibble);
                if hi.is_none() || lo.is_none() {
                    return Err(Error::BadEncoding {
                        component,
                        offset: i,
                    });
                }
                i += 3;
            } else {
                i += 1;
            }
        }
        Ok(())
    };
    scan(path, Component::Path)?;
    if let Some(q) = query {
        scan(q, Component::Query)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn validate_agrees_with_canonical_string_on_any_input(
            method in "[A-Za-z !%]{0,6}",
            target in "[/?&=%a-fA-F0-9gG+é]{0,24}",
        ) {
            let hash = BodyHash::from_bytes([0; 32]);
            prop_assert_eq!(
                validate(&method, &target),
                canonical_string(&method, &target, "1", &hash).map(|_| ())
            );
        }
    }

    #[test]
    fn validate_agrees_with_canonical_string() {
        let hash = BodyHash::from_bytes([0; 32]);
        for (method, target) in [
            ("GET", "/a/b?c=d"),
            ("get", "/%G1"),
            ("POST", "/ok/%4"),
            ("POST", "/a?x=%zz&y=%"),
            ("POST", "/a?%=1"),
            ("", "/"),
            ("P T", "/%G1"),
            ("POST", "/%41%2f?a=%2B&&b"),
            ("POST", "/a%?b=%G"),
            ("POST", "?%"),
        ] {
            assert_eq!(
                validate(method, target),
                canonical_string(method, target, "1", &hash).map(|_| ()),
                "{method} {target}"
            );
        }
    }
}
