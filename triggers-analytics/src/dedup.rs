//! The exactly-once structure of a bucket: the identities of every record it
//! counted.
//!
//! ## Why an exact set, and what it costs
//!
//! Streams redeliver (DynamoDB Streams and Lambda retry whole batches) and
//! reorder (shards, retries, late dead letters), and the issue asks that
//! each event be counted once. The options:
//!
//! - **An exact set of ids per bucket (this).** Exact, order-independent,
//!   mergeable (union) and checkable (a merge of parts that share a record
//!   is refused). It costs 16 bytes per event or request and 20 per attempt
//!   or dead letter when serialized (twice that as hex in a human-readable
//!   format such as JSON), and about twice that in memory (hash set
//!   overhead). A minute bucket of an account ingesting 100 events/s holds
//!   6,000 ids: ~96 KB serialized in a binary format.
//! - A Bloom filter or a HyperLogLog: constant size, but a false positive
//!   drops a real record, so counts would no longer be exact.
//! - A per-shard checkpoint (the last applied stream sequence number): tiny,
//!   but it needs in-order delivery per shard and a transactional write of
//!   checkpoint and buckets, and it cannot deduplicate across hosts or the
//!   in-process path.
//!
//! The set is only needed while redeliveries can still arrive.
//! [`Bucket::seal`](crate::Bucket::seal) drops it once the bucket is older
//! than the redelivery horizon (DynamoDB Streams keep records 24 hours; an
//! in-process host knows when it last re-read), after which the bucket is
//! final: a late record is reported as [`Applied::Sealed`](crate::Applied)
//! and not counted. Memory is then bounded by the traffic of the horizon,
//! not by history, and a month of sealed minute buckets is just counters
//! and sketches.

use std::collections::HashSet;

use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hash::IdBuildHasher;
use crate::ids::{from_hex, to_hex};
use crate::record::RecordId;

/// The identities counted by one bucket, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) events: HashSet<u128, IdBuildHasher>,
    pub(crate) requests: HashSet<u128, IdBuildHasher>,
    pub(crate) attempts: HashSet<(u128, u32), IdBuildHasher>,
    pub(crate) dead_letters: HashSet<(u128, u32), IdBuildHasher>,
}

impl Seen {
    /// Records `id`; false if it was there already.
    #[inline]
    pub(crate) fn insert(&mut self, id: RecordId) -> bool {
        match id {
            RecordId::Event(i) => self.events.insert(i),
            RecordId::Request(i) => self.requests.insert(i),
            RecordId::Attempt(i, n) => self.attempts.insert((i, n)),
            RecordId::DeadLetter(i, n) => self.dead_letters.insert((i, n)),
        }
    }

    /// Identities held.
    pub(crate) fn len(&self) -> usize {
        self.events.len() + self.requests.len() + self.attempts.len() + self.dead_letters.len()
    }

    /// Identities held by both.
    pub(crate) fn overlap(&self, other: &Seen) -> usize {
        fn common<T: Eq + std::hash::Hash>(
            a: &HashSet<T, IdBuildHasher>,
            b: &HashSet<T, IdBuildHasher>,
        ) -> usize {
            let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
            small.iter().filter(|x| large.contains(x)).count()
        }
        common(&self.events, &other.events)
            + common(&self.requests, &other.requests)
            + common(&self.attempts, &other.attempts)
            + common(&self.dead_letters, &other.dead_letters)
    }

    /// Adds every identity of `other`.
    pub(crate) fn union(&mut self, other: &Seen) {
        self.events.extend(other.events.iter().copied());
        self.requests.extend(other.requests.iter().copied());
        self.attempts.extend(other.attempts.iter().copied());
        self.dead_letters.extend(other.dead_letters.iter().copied());
    }
}

/// Sorted, packed big-endian: 16 bytes per id, 20 per (id, n).
fn pack_ids(set: &HashSet<u128, IdBuildHasher>) -> Vec<u8> {
    let mut ids: Vec<u128> = set.iter().copied().collect();
    ids.sort_unstable();
    ids.iter().flat_map(|i| i.to_be_bytes()).collect()
}

fn pack_pairs(set: &HashSet<(u128, u32), IdBuildHasher>) -> Vec<u8> {
    let mut ids: Vec<(u128, u32)> = set.iter().copied().collect();
    ids.sort_unstable();
    let mut out = Vec::with_capacity(ids.len() * 20);
    for (i, n) in ids {
        out.extend_from_slice(&i.to_be_bytes());
        out.extend_from_slice(&n.to_be_bytes());
    }
    out
}

fn unpack_ids(b: &[u8]) -> Option<HashSet<u128, IdBuildHasher>> {
    if b.len() % 16 != 0 {
        return None;
    }
    let mut set = HashSet::with_capacity_and_hasher(b.len() / 16, IdBuildHasher::default());
    for c in b.chunks_exact(16) {
        let id = u128::from_be_bytes(c.try_into().ok()?);
        if !set.insert(id) {
            return None;
        }
    }
    Some(set)
}

fn unpack_pairs(b: &[u8]) -> Option<HashSet<(u128, u32), IdBuildHasher>> {
    if b.len() % 20 != 0 {
        return None;
    }
    let mut set = HashSet::with_capacity_and_hasher(b.len() / 20, IdBuildHasher::default());
    for c in b.chunks_exact(20) {
        let id = u128::from_be_bytes(c[..16].try_into().ok()?);
        let n = u32::from_be_bytes(c[16..].try_into().ok()?);
        if !set.insert((id, n)) {
            return None;
        }
    }
    Some(set)
}

/// Packed ids: a hex string in human-readable formats (JSON), bytes in
/// binary ones.
struct Packed(Vec<u8>);

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&to_hex(&self.0))
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Packed;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("packed ids (hex string or bytes)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Packed, E> {
                from_hex(v)
                    .map(Packed)
                    .ok_or_else(|| E::custom("packed ids: invalid hex"))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Packed, E> {
                Ok(Packed(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Packed, E> {
                Ok(Packed(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Packed, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Packed(out))
            }
        }
        if d.is_human_readable() {
            d.deserialize_str(V)
        } else {
            d.deserialize_bytes(V)
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr {
    events: Packed,
    requests: Packed,
    attempts: Packed,
    dead_letters: Packed,
}

impl Serialize for Seen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Repr {
            events: Packed(pack_ids(&self.events)),
            requests: Packed(pack_ids(&self.requests)),
            attempts: Packed(pack_pairs(&self.attempts)),
            dead_letters: Packed(pack_pairs(&self.dead_letters)),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Repr::deserialize(d)?;
        let bad = |what: &str| D::Error::custom(format!("dedup set: invalid {what}"));
        Ok(Seen {
            events: unpack_ids(&r.events.0).ok_or_else(|| bad("events"))?,
            requests: unpack_ids(&r.requests.0).ok_or_else(|| bad("requests"))?,
            attempts: unpack_pairs(&r.attempts.0).ok_or_else(|| bad("attempts"))?,
            dead_letters: unpack_pairs(&r.dead_letters.0).ok_or_else(|| bad("dead_letters"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_overlap_union() {
        let mut a = Seen::default();
        assert!(a.insert(RecordId::Event(1)));
        assert!(!a.insert(RecordId::Event(1)));
        // Same number, other kinds: distinct identities.
        assert!(a.insert(RecordId::Request(1)));
        assert!(a.insert(RecordId::Attempt(1, 1)));
        assert!(a.insert(RecordId::Attempt(1, 2)));
        assert!(a.insert(RecordId::DeadLetter(1, 2)));
        assert_eq!(a.len(), 5);
        let mut b = Seen::default();
        b.insert(RecordId::Attempt(1, 2));
        b.insert(RecordId::Event(9));
        assert_eq!(a.overlap(&b), 1);
        a.union(&b);
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn packing_round_trips_and_refuses_garbage() {
        let mut a = Seen::default();
        for i in 0..10u128 {
            a.insert(RecordId::Event(i << 100 | i));
            a.insert(RecordId::DeadLetter(i, 3));
        }
        let json = serde_json::to_string(&a).expect("serializes");
        let back: Seen = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, a);
        assert!(unpack_ids(&[0; 15]).is_none());
        assert!(unpack_ids(&[0; 32]).is_none(), "duplicates are refused");
        assert!(unpack_pairs(&[0; 21]).is_none());
        assert!(
            serde_json::from_str::<Seen>(
                r#"{"events":"zz","requests":"","attempts":"","dead_letters":""}"#
            )
            .is_err()
        );
    }
}
