//! 128-bit ids as UUID strings (`8-4-4-4-12` lowercase hex) in serialized
//! forms, and packed id sets for the dedup structure.

use core::fmt::Write as _;

/// The hyphenated lowercase form of a 128-bit id (what `Uuid::hyphenated`
/// prints).
///
/// ```
/// assert_eq!(
///     triggers_analytics::format_id(0x0123456789abcdef0123456789abcdef),
///     "01234567-89ab-cdef-0123-456789abcdef"
/// );
/// ```
pub fn format_id(id: u128) -> String {
    let hex = format!("{id:032x}");
    let mut out = String::with_capacity(36);
    for (i, part) in [(0, 8), (8, 12), (12, 16), (16, 20), (20, 32)]
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push('-');
        }
        out.push_str(&hex[part.0..part.1]);
    }
    out
}

/// Parses a UUID in hyphenated (`8-4-4-4-12`) or simple (32 hex digits)
/// form, either case. `None` for anything else.
///
/// ```
/// use triggers_analytics::{format_id, parse_id};
/// let id = 0xfeed_u128 << 64 | 42;
/// assert_eq!(parse_id(&format_id(id)), Some(id));
/// assert_eq!(parse_id("not-an-id"), None);
/// ```
pub fn parse_id(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    let hex: String = match b.len() {
        32 => s.to_owned(),
        36 => {
            if [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                return None;
            }
            s.chars().filter(|&c| c != '-').collect()
        }
        _ => return None,
    };
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

/// Serde of a `u128` id as a UUID string (`#[serde(with = "ids::uuid")]`).
pub(crate) mod uuid {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(id: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_id(*id))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_id(&s).ok_or_else(|| D::Error::custom(format!("invalid id {s:?}")))
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes of a hex string; `None` if it is not one.
pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef] {
            let s = format_id(id);
            assert_eq!(s.len(), 36);
            assert_eq!(parse_id(&s), Some(id));
            assert_eq!(parse_id(&s.replace('-', "")), Some(id));
            assert_eq!(parse_id(&s.to_uppercase()), Some(id));
        }
        for bad in [
            "",
            "0",
            "01234567-89ab-cdef-0123-456789abcdeg",
            "0123456789ab-cdef-0123-456789abcdef",
            "+1234567-89ab-cdef-0123-456789abcdef",
            "é1234567-89ab-cdef-0123-456789abcde",
        ] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn hex_round_trip() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&bytes), "0001abff");
        assert_eq!(from_hex("0001ABff"), Some(bytes.to_vec()));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
