//! The SQLite webhook store through the shared conformance suite.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;
use triggers_sqlite::{Db, DbOptions};
use triggers_webhooks::backends::sqlite::SqliteWebhookStore;
use triggers_webhooks::store::WebhookStore;
use triggers_webhooks::testing;

/// A migrated store in a fresh database (keep the dir alive).
async fn fresh_store() -> (TempDir, SqliteWebhookStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("webhooks.db"), DbOptions::default()).unwrap();
    let store = SqliteWebhookStore::new(db);
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // idempotent
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_whole_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    testing::run_store_suite(|| {
        let path = dir
            .path()
            .join(format!("{}.db", n.fetch_add(1, Ordering::SeqCst)));
        async move {
            let store = SqliteWebhookStore::new(Db::open(path, DbOptions::default()).unwrap());
            store.migrate().await.unwrap();
            store
        }
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        7,
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
    webhook_round_trip_and_account_isolation,
    list_webhooks_paginates_per_account,
    update_detects_lost_updates,
    delete_is_account_scoped,
    attempts_are_listed_newest_first,
    record_attempts_batches_and_skips_duplicates,
    dead_letters_are_listed_and_replayed_once,
);

/// Works through `Arc<dyn WebhookStore>` too (the trait is dyn-compatible).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_suite_runs_through_a_trait_object() {
    let (_dir, store) = fresh_store().await;
    let store: Arc<dyn WebhookStore> = Arc::new(store);
    testing::update_detects_lost_updates(&store).await;
}
