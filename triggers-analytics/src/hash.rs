//! Stable, seedless hashes: FNV-1a for names (the order of the capped maps,
//! which must be the same in every process and every version, so it cannot
//! be `std`'s randomly seeded hasher), and a 128-bit mixer for the
//! server-generated random ids of the dedup sets.

use std::hash::{BuildHasherDefault, Hasher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`, continuing from `state`.
#[inline]
pub(crate) fn fnv1a_from(mut state: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        state ^= u64::from(b);
        state = state.wrapping_mul(FNV_PRIME);
    }
    state
}

/// FNV-1a 64 of `bytes`.
#[inline]
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

/// The finaliser of MurmurHash3 (fmix64): a bijection that spreads every
/// input bit over every output bit.
#[inline]
pub(crate) fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// A 64-bit hash of a 128-bit id.
#[inline]
pub(crate) fn mix128(id: u128) -> u64 {
    let lo = id as u64;
    let hi = (id >> 64) as u64;
    fmix64(lo ^ fmix64(hi).rotate_left(23))
}

/// The hasher of the dedup sets. The ids are random (UUID v4) and chosen by
/// the service, never by clients, so a fast non-keyed mix is enough; SipHash
/// would cost a third of the fold's time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_from(self.0 ^ FNV_OFFSET, bytes);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = fmix64(self.0 ^ u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }

    #[inline]
    fn write_u128(&mut self, n: u128) {
        self.0 ^= mix128(n);
    }
}

/// `BuildHasher` of [`IdHasher`].
pub(crate) type IdBuildHasher = BuildHasherDefault<IdHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values() {
        // Reference values of FNV-1a 64.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_from(fnv1a(b"foo"), b"bar"), fnv1a(b"foobar"));
    }

    #[test]
    fn id_mix_differs_per_half() {
        assert_ne!(mix128(1), mix128(1 << 64));
        assert_ne!(mix128(0), mix128(1));
    }
}
