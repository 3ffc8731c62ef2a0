//! Minimal hex helpers (lower-case encode, strict 32-byte decode).

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn encode_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    encode_lower_into(bytes, &mut out);
    out
}

/// Appends the lower-case hex of `bytes` to `out`.
pub(crate) fn encode_lower_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(HEX_LOWER[usize::from(b >> 4)] as char);
        out.push(HEX_LOWER[usize::from(b & 0x0f)] as char);
    }
}

pub(crate) fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes exactly 64 hex digits (either case) into 32 bytes.
pub(crate) fn decode_32(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Lower-case hex of 32 bytes, on the stack.
pub(crate) fn encode_lower_array(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX_LOWER[usize::from(b >> 4)];
        out[2 * i + 1] = HEX_LOWER[usize::from(b & 0x0f)];
    }
    out
}
