//! [`Capped`]: a per-bucket count by key (source, event type, webhook…)
//! bounded to `cap` keys, the rest summed in `other`.
//!
//! ## Which keys are kept: the `cap` smallest by a stable hash
//!
//! A bucket keeps the keys whose `(hash(key), key)` are the `cap` smallest
//! among all keys it has seen (a *bottom-k* set; FNV-1a for names, a fixed
//! mixer for ids). Not the most frequent keys: a "top by count" cap depends
//! on the order the records arrive in (the first keys fill it) and on how a
//! total is split into parts, so two hosts folding the same records in a
//! different order, or an hour folded directly versus merged from its 60
//! minutes, would disagree. The bottom-k set is a function of the *set* of
//! keys only, and has two properties the fold relies on:
//!
//! - **Exact counts for kept keys.** The admission threshold only ever
//!   decreases, so a key kept at the end was admitted at its first record
//!   and never evicted: its count is exact. Every other record is in
//!   `other`, so `sum(kept) + other` is exactly the total.
//! - **Merge = direct.** The bottom-k keys of a union are bottom-k keys of
//!   every part they occur in, so merging parts and truncating to `cap`
//!   gives exactly the map a single fold of all records would give
//!   (associative and commutative).
//!
//! Queries can also tell "never seen" from "possibly folded into `other`":
//! a key absent from a map that never overflowed, or whose hash is below
//! the map's largest kept one, has a count of exactly zero ([`Lookup`]).
//!
//! The trade-off: a busy source whose name hashes high can land in `other`
//! in a bucket with more than `cap` distinct sources. The caps
//! ([`MAX_SOURCES`](crate::MAX_SOURCES) …) are far above what an account
//! sends in one minute in practice, and every answer says whether it is
//! exact.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hash::{fnv1a, fnv1a_from, mix128};

/// The largest cap a deserialized map may declare.
const MAX_CAP: u32 = 1 << 16;

/// The separator of a (source, event type) pair key: a control character,
/// which names never contain.
pub(crate) const PAIR_SEP: char = '\u{1f}';

/// A count that adds up: `u64`, or several counters together.
pub trait Tally: Clone + Default + PartialEq + core::fmt::Debug {
    /// Adds `other` to `self`.
    fn add(&mut self, other: &Self);
    /// True when nothing was counted.
    fn is_zero(&self) -> bool;
}

impl Tally for u64 {
    #[inline]
    fn add(&mut self, other: &Self) {
        *self += *other;
    }
    #[inline]
    fn is_zero(&self) -> bool {
        *self == 0
    }
}

/// A key of a [`Capped`] map: a name (`String`) or an id (`u128`).
pub trait CapKey: Ord + Clone + Default + core::fmt::Debug {
    /// The stable 64-bit hash that orders keys for the cap.
    fn hash64(&self) -> u64;
    /// The serialized form.
    fn encode(&self) -> String;
    /// Parses [`encode`](Self::encode)'s output.
    fn decode(s: &str) -> Option<Self>;
}

impl CapKey for String {
    fn hash64(&self) -> u64 {
        fnv1a(self.as_bytes())
    }
    fn encode(&self) -> String {
        self.clone()
    }
    fn decode(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

impl CapKey for u128 {
    fn hash64(&self) -> u64 {
        mix128(*self)
    }
    fn encode(&self) -> String {
        crate::ids::format_id(*self)
    }
    fn decode(s: &str) -> Option<Self> {
        crate::ids::parse_id(s)
    }
}

/// A borrowed form of a key, to look up without allocating.
pub(crate) trait Probe<K> {
    fn hash64(&self) -> u64;
    fn matches(&self, k: &K) -> bool;
    fn cmp_key(&self, k: &K) -> Ordering;
    fn to_key(&self) -> K;
}

impl Probe<String> for &str {
    #[inline]
    fn hash64(&self) -> u64 {
        fnv1a(self.as_bytes())
    }
    #[inline]
    fn matches(&self, k: &String) -> bool {
        *self == k.as_str()
    }
    fn cmp_key(&self, k: &String) -> Ordering {
        (*self).cmp(k.as_str())
    }
    fn to_key(&self) -> String {
        (*self).to_owned()
    }
}

/// A (source, event type) pair, stored as `source \x1f event_type`.
#[derive(Clone, Copy)]
pub(crate) struct Pair<'a>(pub(crate) &'a str, pub(crate) &'a str);

impl Pair<'_> {
    fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.0
            .bytes()
            .chain(core::iter::once(PAIR_SEP as u8))
            .chain(self.1.bytes())
    }
}

impl Probe<String> for Pair<'_> {
    #[inline]
    fn hash64(&self) -> u64 {
        let h = fnv1a_from(fnv1a(self.0.as_bytes()), &[PAIR_SEP as u8]);
        fnv1a_from(h, self.1.as_bytes())
    }
    #[inline]
    fn matches(&self, k: &String) -> bool {
        let k = k.as_bytes();
        let (s, t) = (self.0.as_bytes(), self.1.as_bytes());
        k.len() == s.len() + 1 + t.len()
            && k.starts_with(s)
            && k[s.len()] == PAIR_SEP as u8
            && k.ends_with(t)
    }
    fn cmp_key(&self, k: &String) -> Ordering {
        self.bytes().cmp(k.bytes())
    }
    fn to_key(&self) -> String {
        let mut s = String::with_capacity(self.0.len() + 1 + self.1.len());
        s.push_str(self.0);
        s.push(PAIR_SEP);
        s.push_str(self.1);
        s
    }
}

impl Probe<u128> for u128 {
    #[inline]
    fn hash64(&self) -> u64 {
        mix128(*self)
    }
    #[inline]
    fn matches(&self, k: &u128) -> bool {
        self == k
    }
    fn cmp_key(&self, k: &u128) -> Ordering {
        self.cmp(k)
    }
    fn to_key(&self) -> u128 {
        *self
    }
}

/// What a [`Capped`] map knows about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a, V> {
    /// Kept: this is its exact count.
    Tracked(&'a V),
    /// Never seen in this bucket: exactly zero.
    Absent,
    /// Not kept: its count, if any, is part of `other`.
    Untracked,
}

/// Counts by key, at most `cap` keys; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Capped<K, V> {
    cap: u32,
    entries: BTreeMap<(u64, K), V>,
    other: V,
}

impl<K: CapKey, V: Tally> Capped<K, V> {
    /// An empty map keeping at most `cap` keys (at least 1).
    pub fn new(cap: u32) -> Self {
        Capped {
            cap: cap.max(1),
            entries: BTreeMap::new(),
            other: V::default(),
        }
    }

    /// The most keys kept.
    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// Keys kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The kept keys and their exact counts, in hash order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.entries.iter().map(|((_, k), v)| (k, v))
    }

    /// Everything counted for keys not kept.
    pub fn other(&self) -> &V {
        &self.other
    }

    /// The sum of every count, kept or not.
    pub fn total(&self) -> V {
        let mut t = self.other.clone();
        for v in self.entries.values() {
            t.add(v);
        }
        t
    }

    /// The largest kept `(hash, key)` when keys were turned away: a key
    /// ordered above it may be in `other`; one at or below it is exact.
    pub(crate) fn bound(&self) -> Option<(u64, &K)> {
        if self.other.is_zero() || (self.entries.len() as u64) < u64::from(self.cap) {
            return None;
        }
        self.entries.last_key_value().map(|((h, k), _)| (*h, k))
    }

    #[inline]
    fn find_mut<P: Probe<K>>(&mut self, h: u64, p: &P) -> Option<&mut V> {
        self.entries
            .range_mut((h, K::default())..)
            .take_while(|((kh, _), _)| *kh == h)
            .find(|((_, k), _)| p.matches(k))
            .map(|(_, v)| v)
    }

    pub(crate) fn lookup_probe<P: Probe<K>>(&self, p: &P) -> Lookup<'_, V> {
        let h = p.hash64();
        if let Some(v) = self
            .entries
            .range((h, K::default())..)
            .take_while(|((kh, _), _)| *kh == h)
            .find(|((_, k), _)| p.matches(k))
            .map(|(_, v)| v)
        {
            return Lookup::Tracked(v);
        }
        match self.bound() {
            Some((bh, bk)) if h > bh || (h == bh && p.cmp_key(bk) == Ordering::Greater) => {
                Lookup::Untracked
            }
            _ => Lookup::Absent,
        }
    }

    /// Counts `v` for the key `p`.
    #[inline]
    pub(crate) fn add<P: Probe<K>>(&mut self, p: &P, v: &V) {
        let h = p.hash64();
        if let Some(slot) = self.find_mut(h, p) {
            slot.add(v);
            return;
        }
        if (self.entries.len() as u64) < u64::from(self.cap) {
            self.entries.insert((h, p.to_key()), v.clone());
            return;
        }
        let below_last = match self.entries.last_key_value() {
            Some(((lh, lk), _)) => h < *lh || (h == *lh && p.cmp_key(lk) == Ordering::Less),
            None => true,
        };
        if below_last {
            if let Some((_, evicted)) = self.entries.pop_last() {
                self.other.add(&evicted);
            }
            self.entries.insert((h, p.to_key()), v.clone());
        } else {
            self.other.add(v);
        }
    }

    /// Adds every count of `other` (the cap becomes the smaller of the two).
    pub fn merge(&mut self, other: &Capped<K, V>) {
        for ((h, k), v) in &other.entries {
            match self.entries.get_mut(&(*h, k.clone())) {
                Some(slot) => slot.add(v),
                None => {
                    self.entries.insert((*h, k.clone()), v.clone());
                }
            }
        }
        self.other.add(&other.other);
        self.cap = self.cap.min(other.cap);
        while self.entries.len() as u64 > u64::from(self.cap) {
            if let Some((_, evicted)) = self.entries.pop_last() {
                self.other.add(&evicted);
            }
        }
    }
}

impl<V: Tally> Capped<String, V> {
    /// What the map knows about `key`.
    pub fn get(&self, key: &str) -> Lookup<'_, V> {
        self.lookup_probe(&key)
    }
}

impl<V: Tally> Capped<u128, V> {
    /// What the map knows about id `key`.
    pub fn get_id(&self, key: u128) -> Lookup<'_, V> {
        self.lookup_probe(&key)
    }
}

#[derive(Serialize)]
struct ReprRef<'a, V> {
    cap: u32,
    entries: Vec<(String, &'a V)>,
    other: &'a V,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr<V> {
    cap: u32,
    entries: Vec<(String, V)>,
    other: V,
}

impl<K: CapKey, V: Tally + Serialize> Serialize for Capped<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReprRef {
            cap: self.cap,
            entries: self
                .entries
                .iter()
                .map(|((_, k), v)| (k.encode(), v))
                .collect(),
            other: &self.other,
        }
        .serialize(s)
    }
}

impl<'de, K: CapKey, V: Tally + Deserialize<'de>> Deserialize<'de> for Capped<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Repr::<V>::deserialize(d)?;
        if r.cap == 0 || r.cap > MAX_CAP || r.entries.len() as u64 > u64::from(r.cap) {
            return Err(D::Error::custom("capped map: invalid cap"));
        }
        let mut entries = BTreeMap::new();
        for (k, v) in r.entries {
            let key = K::decode(&k).ok_or_else(|| D::Error::custom("capped map: invalid key"))?;
            if v.is_zero() {
                return Err(D::Error::custom("capped map: a kept key has no count"));
            }
            if entries.insert((key.hash64(), key), v).is_some() {
                return Err(D::Error::custom("capped map: duplicate key"));
            }
        }
        Ok(Capped {
            cap: r.cap,
            entries,
            other: r.other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(cap: u32, keys: &[&str]) -> Capped<String, u64> {
        let mut c = Capped::new(cap);
        for k in keys {
            c.add(k, &1);
        }
        c
    }

    #[test]
    fn keeps_the_smallest_hashes_whatever_the_order() {
        let keys: Vec<String> = (0..50).map(|i| format!("source-{i}")).collect();
        let mut all: Vec<&str> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            for _ in 0..=(i % 4) {
                all.push(k);
            }
        }
        let a = fold(8, &all);
        let mut rev = all.clone();
        rev.reverse();
        let b = fold(8, &rev);
        assert_eq!(a, b);
        assert_eq!(a.len(), 8);
        assert_eq!(a.total(), all.len() as u64);
        let mut by_hash: Vec<&String> = keys.iter().collect();
        by_hash.sort_by_key(|k| (k.hash64(), (*k).clone()));
        let kept: Vec<&String> = a.iter().map(|(k, _)| k).collect();
        assert_eq!(kept, by_hash[..8].to_vec());
        for (k, v) in a.iter() {
            let exact = all.iter().filter(|x| **x == k.as_str()).count() as u64;
            assert_eq!(*v, exact, "{k}");
        }
        // Lookups: kept, never seen below the bound, above the bound.
        assert!(matches!(a.get(by_hash[0]), Lookup::Tracked(_)));
        assert!(matches!(a.get(by_hash[20]), Lookup::Untracked));
        let unseen_low = (0..)
            .map(|i| format!("unseen-{i}"))
            .find(|k| k.hash64() < by_hash[7].hash64())
            .expect("some name hashes low");
        assert_eq!(a.get(&unseen_low), Lookup::Absent);
    }

    #[test]
    fn merge_equals_direct_fold() {
        let names: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let direct = fold(5, &all);
        let mut left = fold(5, &all[..13]);
        let right = fold(5, &all[13..]);
        left.merge(&right);
        assert_eq!(left, direct);
    }

    #[test]
    fn pairs_hash_like_their_stored_key() {
        let p = Pair("shop", "order.created");
        let k = p.to_key();
        assert_eq!(Probe::<String>::hash64(&p), k.hash64());
        assert!(p.matches(&k));
        assert!(!Pair("shop", "order.create").matches(&k));
        assert!(!Pair("sho", "porder.created").matches(&k));
        assert_eq!(p.cmp_key(&k), Ordering::Equal);
        assert_eq!(Pair("shop", "a").cmp_key(&k), "shop\u{1f}a".cmp(&k));
    }

    #[test]
    fn not_full_means_absent() {
        let c = fold(4, &["a", "b"]);
        assert_eq!(c.get("zzz"), Lookup::Absent);
        assert_eq!(c.bound(), None);
    }
}
