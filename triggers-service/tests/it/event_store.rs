//! The SQLite event store through the shared `EventStore` conformance suite
//! (the DynamoDB one runs the same suite in `aws`).

use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;
use triggers_service::db::sqlite::SqliteEventStore;
use triggers_service::db::testing;
use triggers_sqlite::{Db, DbOptions};

async fn fresh_store() -> (TempDir, SqliteEventStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("events.db"), DbOptions::default()).unwrap();
    (dir, SqliteEventStore::open(db).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_whole_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    testing::run_all(|| {
        let path = dir
            .path()
            .join(format!("{}.db", n.fetch_add(1, Ordering::SeqCst)));
        async move {
            SqliteEventStore::open(Db::open(path, DbOptions::default()).unwrap())
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        6,
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
    ingest_and_get_round_trip,
    idempotency_key_returns_the_original_within_24h,
    concurrent_ingests_with_one_key_store_one_event,
    inbox_pages_oldest_first_with_filters,
    ack_is_idempotent_and_account_scoped,
    outbox_holds_new_events_until_dispatched,
);
