//! Integration tests of triggers-keys: the SQLite backend through the
//! conformance suite, the key service, the legacy migration.
//!
//! The crate's dev-dependency on itself enables `sqlite` and `testing`, so a
//! plain `cargo test --workspace` runs all of this.
#![allow(clippy::unwrap_used, missing_docs)]

mod conformance;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod migrate;
mod service;
mod sqlite;
#[cfg(feature = "tower")]
mod tower;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tempfile::TempDir;
use triggers_keys::backends::sqlite::SqliteKeyStore;
use triggers_keys::{KeyService, MasterKey};
use triggers_sqlite::{Db, DbOptions};

/// A migrated store in a fresh database (keep the dir alive).
pub async fn fresh_store() -> (TempDir, SqliteKeyStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("keys.db"), DbOptions::default()).unwrap();
    let store = SqliteKeyStore::new(db);
    store.migrate().await.unwrap();
    (dir, store)
}

/// A settable clock.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn new(t: i64) -> Self {
        TestClock(Arc::new(AtomicI64::new(t)))
    }
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

pub const T0: i64 = 1_700_000_000;

/// A key service on a fresh SQLite store, with a test clock at [`T0`].
pub async fn fresh_service() -> (TempDir, KeyService<SqliteKeyStore>, TestClock) {
    let (dir, store) = fresh_store().await;
    let clock = TestClock::new(T0);
    let c = clock.clone();
    let keys = KeyService::new(store, MasterKey::generate()).with_clock(move || c.get());
    (dir, keys, clock)
}

/// True when `secret` is among `secrets` (checked by signing with it).
pub fn accepts(secrets: &[triggers_signing::Secret], secret: &str) -> Option<usize> {
    use triggers_signing::{BodyHash, Secret, SignatureHeaders, Verifier, sign};
    let s = Secret::new(secret).unwrap();
    let signed = sign(&s, "POST", "/v1/events", 1_700_000_000, b"{}").unwrap();
    let headers = SignatureHeaders {
        timestamp: Some(signed.timestamp.as_bytes()),
        signature: Some(signed.signature.as_bytes()),
        version: Some(b"v1"),
    };
    Verifier::new(secrets.iter().cloned())
        .verify(
            "POST",
            "/v1/events",
            &BodyHash::of(b"{}"),
            &headers,
            1_700_000_000,
        )
        .ok()
        .map(|v| v.secret_index)
}
