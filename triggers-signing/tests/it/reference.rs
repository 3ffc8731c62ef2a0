//! An independent, deliberately naive implementation of the v1 spec, written
//! from the spec text (not from `src/`), used as an oracle by the vector and
//! property tests. It works on bytes: decode a whole component first, then
//! encode, and uses the `hmac`/`sha2` crates directly for the MAC.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `BODY_HASH`.
pub fn body_hash_hex(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

/// Lower-case hex HMAC-SHA256.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// Raw HMAC-SHA256.
pub fn hmac_raw(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex_value(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes; `None` on an invalid escape. `+` is not special.
pub fn percent_decode(input: &str) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Encodes every byte outside `A-Z a-z 0-9 - . _ ~` as `%XX` (upper hex).
pub fn encode(bytes: &[u8]) -> String {
    const UNRESERVED: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    bytes
        .iter()
        .map(|&b| {
            if UNRESERVED.as_bytes().contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The spec's error codes this oracle can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefError {
    /// `bad_encoding`.
    BadEncoding,
    /// `invalid_method`.
    InvalidMethod,
}

impl RefError {
    /// The machine code.
    pub fn code(self) -> &'static str {
        match self {
            RefError::BadEncoding => "bad_encoding",
            RefError::InvalidMethod => "invalid_method",
        }
    }
}

/// Canonical METHOD.
pub fn method(m: &str) -> Result<String, RefError> {
    const TCHAR_SYMBOLS: &str = "!#$%&'*+-.^_`|~";
    let ok = !m.is_empty()
        && m.chars()
            .all(|c| c.is_ascii_alphanumeric() || TCHAR_SYMBOLS.contains(c));
    if ok {
        Ok(m.to_ascii_uppercase())
    } else {
        Err(RefError::InvalidMethod)
    }
}

/// Canonical PATH.
pub fn path(p: &str) -> Result<String, RefError> {
    if p.is_empty() {
        return Ok("/".to_owned());
    }
    let segments: Option<Vec<String>> = p
        .split('/')
        .map(|s| percent_decode(s).map(|d| encode(&d)))
        .collect();
    segments.map(|s| s.join("/")).ok_or(RefError::BadEncoding)
}

/// Canonical QUERY.
pub fn query(q: &str) -> Result<String, RefError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = match piece.find('=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, ""),
        };
        let k = percent_decode(k).ok_or(RefError::BadEncoding)?;
        let v = percent_decode(v).ok_or(RefError::BadEncoding)?;
        pairs.push((encode(&k), encode(&v)));
    }
    pairs.sort_by(|a, b| {
        a.0.as_bytes()
            .cmp(b.0.as_bytes())
            .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
    });
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&"))
}

/// Every error the spec allows for this request (the spec does not order
/// `invalid_method` against `bad_encoding`), or the string to sign.
pub fn canonical(
    m: &str,
    target: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<String, Vec<RefError>> {
    let (p, q) = match target.find('?') {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    let m = method(m);
    let p = path(p);
    let q = q.map_or(Ok(String::new()), query);
    match (m, p, q) {
        (Ok(m), Ok(p), Ok(q)) => Ok(format!(
            "{m}\n{p}\n{q}\n{timestamp}\n{}",
            body_hash_hex(body)
        )),
        (m, p, q) => Err([m.err(), p.err(), q.err()].into_iter().flatten().collect()),
    }
}

/// The v1 signature of a request, or the possible errors.
pub fn signature(
    secret: &str,
    m: &str,
    target: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, Vec<RefError>> {
    let c = canonical(m, target, &timestamp.to_string(), body)?;
    Ok(hmac_hex(secret.as_bytes(), c.as_bytes()))
}
