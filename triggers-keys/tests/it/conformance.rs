//! The SQLite backend through the shared conformance suite.

use std::sync::atomic::{AtomicUsize, Ordering};

use triggers_keys::backends::sqlite::SqliteKeyStore;
use triggers_keys::testing;
use triggers_sqlite::{Db, DbOptions};

use crate::fresh_store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_whole_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    testing::run_all(|| {
        let path = dir
            .path()
            .join(format!("{}.db", n.fetch_add(1, Ordering::SeqCst)));
        async move {
            let store = SqliteKeyStore::new(Db::open(path, DbOptions::default()).unwrap());
            store.migrate().await.unwrap();
            store
        }
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        9,
        "every check ran on its own store"
    );
}

// One test per check too, so a failure names its check.
macro_rules! checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (_dir, store) = fresh_store().await;
            testing::$name(&store).await;
        }
    )*};
}

checks!(
    insert_get_round_trip,
    duplicate_insert_conflicts,
    list_paginates_per_account,
    rotation_is_applied_and_visible,
    stale_rotation_conflicts,
    concurrent_rotations_exactly_one_wins,
    revoke_is_stored,
    has_admin_tracks_admin_keys,
    find_by_hash_finds_every_version,
);

/// Works through `Arc<dyn KeyStore>` too (the trait is dyn-compatible).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suite_runs_through_a_trait_object() {
    let (_dir, store) = fresh_store().await;
    let store: std::sync::Arc<dyn triggers_keys::KeyStore> = std::sync::Arc::new(store);
    testing::concurrent_rotations_exactly_one_wins(&store).await;
    testing::find_by_hash_finds_every_version(&store).await;
}
