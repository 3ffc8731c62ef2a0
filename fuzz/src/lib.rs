//! Shared helpers of the `triggers-signing` fuzz targets: an independent,
//! deliberately naive oracle of the canonicalization rules of
//! `docs/SIGNING.md` section 2, and checks of the canonical character set.

/// RFC 3986 unreserved: the only bytes a canonical component holds verbatim.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 9110 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Spec 2.2 on one segment / key / value: decode to bytes (a bad escape is
/// `None`), then encode every non-unreserved byte as `%XX` upper-case.
pub fn oracle_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            decoded.push(hi * 16 + lo);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let mut out = String::new();
    for b in decoded {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// Spec 2.3: segments split on `/`, each normalized, joined with `/`; empty
/// is `/`.
pub fn oracle_path(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("/".to_owned());
    }
    let segments: Option<Vec<String>> = path.split('/').map(oracle_component).collect();
    Some(segments?.join("/"))
}

/// Spec 2.4: non-empty `&` pieces, split at the first `=`, normalized,
/// sorted by key then value, joined as `k=v` with `&`.
pub fn oracle_query(query: &str) -> Option<String> {
    let mut pairs = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((oracle_component(k)?, oracle_component(v)?));
    }
    pairs.sort();
    let joined: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    Some(joined.join("&"))
}

/// True when `s` holds only unreserved bytes, bytes of `extra`, and `%XX`
/// escapes with upper-case hex of a byte that is *not* unreserved (a
/// canonical form never escapes what it could keep).
pub fn is_encoded(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if is_unreserved(c) || extra.contains(&c) => i += 1,
            b'%' => {
                let (Some(&hi), Some(&lo)) = (b.get(i + 1), b.get(i + 2)) else {
                    return false;
                };
                let upper = |c: u8| c.is_ascii_digit() || (b'A'..=b'F').contains(&c);
                if !upper(hi) || !upper(lo) {
                    return false;
                }
                let byte = hex_value(hi).unwrap_or(0) * 16 + hex_value(lo).unwrap_or(0);
                if is_unreserved(byte) {
                    return false;
                }
                i += 3;
            }
            _ => return false,
        }
    }
    true
}

/// True when `q` has the canonical QUERY form: empty, or `k=v` pairs joined
/// with `&`, each key and value encoded, sorted by key then value.
pub fn is_canonical_query(q: &str) -> bool {
    if q.is_empty() {
        return true;
    }
    let mut pairs = Vec::new();
    for piece in q.split('&') {
        let Some((k, v)) = piece.split_once('=') else {
            return false;
        };
        if !is_encoded(k, b"") || !is_encoded(v, b"") {
            return false;
        }
        pairs.push((k, v));
    }
    pairs.windows(2).all(|w| w[0] <= w[1])
}

/// Checks a complete v1 string to sign: five `\n`-separated lines, an
/// upper-case token, encoded path and query, the timestamp as given, 64
/// lower-case hex digits. Returns the reason on failure.
pub fn check_string_to_sign(s: &str, timestamp: &str) -> Result<(), &'static str> {
    let lines: Vec<&str> = s.split('\n').collect();
    let [method, path, query, ts, hash] = lines.as_slice() else {
        return Err("not exactly five lines");
    };
    if method.is_empty()
        || !method.bytes().all(is_tchar)
        || method.bytes().any(|b| b.is_ascii_lowercase())
    {
        return Err("METHOD is not an upper-case token");
    }
    if path.is_empty() || !is_encoded(path, b"/") {
        return Err("PATH has a non-canonical character");
    }
    if !is_canonical_query(query) {
        return Err("QUERY is not canonical");
    }
    if *ts != timestamp {
        return Err("TIMESTAMP differs from the one given");
    }
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("BODY_HASH is not 64 lower-case hex digits");
    }
    Ok(())
}
