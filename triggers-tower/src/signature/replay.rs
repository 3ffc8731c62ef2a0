//! A bounded cache of recently accepted signatures.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// Refuses the same signature twice within the tolerance window.
///
/// Each accepted signature (its 32 MAC bytes) is remembered until its signed
/// timestamp leaves the tolerance window; after that the timestamp check
/// alone refuses it, so the entry is dropped. Memory is bounded: at most
/// `capacity` entries are kept. Expired entries are purged on every insert;
/// when the cache is still full, the entry that would expire soonest is
/// evicted (a replay of *that* request would then pass, so size the capacity
/// for your peak rate × the window: 1 000 req/s × 600 s = 600 000 entries,
/// about 100 bytes each).
///
/// The cache is a cheap handle: clones share the same entries, so one cache
/// can protect several routes or layers.
///
/// ```
/// use triggers_tower::signature::ReplayCache;
///
/// let cache = ReplayCache::new(2);
/// let now = 1_700_000_000;
/// assert!(cache.insert([1; 32], now + 300, now)); // first time: accepted
/// assert!(!cache.insert([1; 32], now + 300, now + 10)); // replay: refused
/// assert!(cache.insert([2; 32], now + 310, now + 10));
/// assert!(cache.insert([3; 32], now + 320, now + 20)); // full: evicts [1; 32], expiring soonest
/// assert_eq!(cache.len(), 2);
/// assert!(cache.insert([4; 32], now + 900, now + 600)); // the others expired: purged
/// assert_eq!(cache.len(), 1);
/// ```
#[derive(Clone)]
pub struct ReplayCache {
    state: Arc<Mutex<State>>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    /// MAC → expiry (Unix seconds, inclusive).
    entries: HashMap<[u8; 32], u64>,
    /// The same entries ordered by expiry, for purging and eviction.
    by_expiry: BTreeSet<(u64, [u8; 32])>,
}

impl ReplayCache {
    /// An empty cache holding at most `capacity` signatures (at least 1).
    ///
    /// ```
    /// use triggers_tower::signature::ReplayCache;
    /// assert_eq!(ReplayCache::new(10_000).capacity(), 10_000);
    /// assert_eq!(ReplayCache::new(0).capacity(), 1);
    /// ```
    pub fn new(capacity: usize) -> Self {
        ReplayCache {
            state: Arc::new(Mutex::new(State::default())),
            capacity: capacity.max(1),
        }
    }

    /// The maximum number of entries.
    ///
    /// ```
    /// use triggers_tower::signature::ReplayCache;
    /// assert_eq!(ReplayCache::new(5).capacity(), 5);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of entries currently held (expired ones included until the
    /// next insert purges them).
    ///
    /// ```
    /// use triggers_tower::signature::ReplayCache;
    /// let cache = ReplayCache::new(5);
    /// cache.insert([0; 32], 100, 0);
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when the cache holds no entry.
    ///
    /// ```
    /// use triggers_tower::signature::ReplayCache;
    /// assert!(ReplayCache::new(5).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// Records `signature` until `expires_at` (inclusive), at time `now`.
    /// Returns `true` when it was not already recorded (accept the request),
    /// `false` when it is a replay (refuse it).
    ///
    /// The check and the insert are one atomic step, so of two concurrent
    /// identical requests exactly one is accepted.
    ///
    /// ```
    /// use triggers_tower::signature::ReplayCache;
    /// let cache = ReplayCache::new(100);
    /// assert!(cache.insert([7; 32], 1_000, 900));
    /// assert!(!cache.insert([7; 32], 1_000, 1_000));
    /// assert!(cache.insert([7; 32], 1_300, 1_001));
    /// ```
    pub fn insert(&self, signature: [u8; 32], expires_at: u64, now: u64) -> bool {
        let mut state = self.lock();
        state.purge_expired(now);
        if state.entries.contains_key(&signature) {
            return false;
        }
        if expires_at < now {
            // Already outside its window: nothing to remember.
            return true;
        }
        while state.entries.len() >= self.capacity {
            match state.by_expiry.pop_first() {
                Some((_, evicted)) => {
                    state.entries.remove(&evicted);
                    tracing::debug!("replay cache full: evicted a live entry");
                }
                None => break,
            }
        }
        state.entries.insert(signature, expires_at);
        state.by_expiry.insert((expires_at, signature));
        true
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The critical sections cannot panic halfway through an update, so a
        // poisoned lock still guards consistent data.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn purge_expired(&mut self, now: u64) {
        while let Some(&(expires_at, signature)) = self.by_expiry.first() {
            if expires_at >= now {
                break;
            }
            self.by_expiry.pop_first();
            self.entries.remove(&signature);
        }
    }
}

impl fmt::Debug for ReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sig(n: u32) -> [u8; 32] {
        let mut s = [0u8; 32];
        s[..4].copy_from_slice(&n.to_be_bytes());
        s
    }

    #[test]
    fn refuses_a_replay_within_the_window() {
        let cache = ReplayCache::new(10);
        assert!(cache.insert(sig(1), 1_300, 1_000));
        assert!(!cache.insert(sig(1), 1_300, 1_000));
        assert!(!cache.insert(sig(1), 1_300, 1_300), "expiry is inclusive");
        assert!(
            cache.insert(sig(1), 1_600, 1_301),
            "expired entries are dropped"
        );
    }

    #[test]
    fn never_exceeds_capacity() {
        let cache = ReplayCache::new(100);
        for n in 0..10_000 {
            assert!(cache.insert(sig(n), 1_000_000 + u64::from(n), 0));
            assert!(cache.len() <= 100);
        }
        assert_eq!(cache.len(), 100);
        let state = cache.lock();
        assert_eq!(state.by_expiry.len(), state.entries.len());
    }

    #[test]
    fn evicts_the_soonest_expiring_entry_when_full() {
        let cache = ReplayCache::new(3);
        assert!(cache.insert(sig(1), 500, 0));
        assert!(cache.insert(sig(2), 100, 0));
        assert!(cache.insert(sig(3), 300, 0));
        assert!(cache.insert(sig(4), 400, 0)); // evicts sig(2), expiring at 100
        assert!(!cache.insert(sig(1), 500, 0));
        assert!(!cache.insert(sig(3), 300, 0));
        assert!(!cache.insert(sig(4), 400, 0));
        assert!(
            cache.insert(sig(2), 100, 0),
            "the evicted entry is forgotten"
        );
    }

    #[test]
    fn purges_expired_entries_before_evicting_live_ones() {
        let cache = ReplayCache::new(3);
        assert!(cache.insert(sig(1), 10, 0));
        assert!(cache.insert(sig(2), 20, 0));
        assert!(cache.insert(sig(3), 1_000, 0));
        // At t=50 both early entries are expired: both go, the live one stays.
        assert!(cache.insert(sig(4), 1_050, 50));
        assert_eq!(cache.len(), 2);
        assert!(!cache.insert(sig(3), 1_000, 50));
    }

    #[test]
    fn already_expired_signatures_are_not_stored() {
        let cache = ReplayCache::new(3);
        assert!(cache.insert(sig(1), 10, 20));
        assert!(cache.is_empty());
    }

    #[test]
    fn capacity_of_zero_means_one() {
        let cache = ReplayCache::new(0);
        assert!(cache.insert(sig(1), 100, 0));
        assert!(cache.insert(sig(2), 100, 0));
        assert_eq!(cache.len(), 1);
        assert!(!cache.insert(sig(2), 100, 0));
    }

    #[test]
    fn clones_share_entries() {
        let a = ReplayCache::new(10);
        let b = a.clone();
        assert!(a.insert(sig(9), 100, 0));
        assert!(!b.insert(sig(9), 100, 0));
    }

    #[test]
    fn concurrent_inserts_accept_exactly_once() {
        let cache = ReplayCache::new(1_000);
        let accepted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| usize::from(cache.insert(sig(42), 100, 0))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(accepted, 1);
    }
}
