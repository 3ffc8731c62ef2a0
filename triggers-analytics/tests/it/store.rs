//! The SQLite analytics store through the conformance suite
//! (`triggers_analytics::testing`), and the size of a busy minute.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;
use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
use triggers_analytics::store::{AnalyticsStore, StoreError, apply_batch};
use triggers_analytics::testing::{self, T0, event, request};
use triggers_analytics::{Bucket, BucketKey, Granularity, MINUTE_US};

/// A fresh store in its own temporary directory (kept alive by the
/// returned guard).
async fn fresh() -> (SqliteAnalyticsStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db =
        triggers_sqlite::Db::open(dir.path().join("analytics.db"), Default::default()).unwrap();
    let store = SqliteAnalyticsStore::new(db);
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // idempotent
    (store, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_whole_suite() {
    let n = AtomicUsize::new(0);
    let dirs = std::sync::Mutex::new(Vec::new());
    testing::run_suite(|| {
        n.fetch_add(1, Ordering::SeqCst);
        let dirs = &dirs;
        async move {
            let (store, dir) = fresh().await;
            dirs.lock().unwrap().push(dir);
            store
        }
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        10,
        "every check ran on its own store"
    );
}

macro_rules! sqlite_checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (store, _dir) = fresh().await;
            testing::$name(&store).await;
        }
    )*};
}

sqlite_checks!(
    round_trip_and_versions,
    version_conflicts_are_detected,
    apply_batch_counts_redeliveries_once,
    apply_batch_retries_a_lost_write,
    concurrent_apply_batch_counts_each_record_once,
    list_pages_through_a_range,
    accounts_are_isolated,
    write_all_is_all_or_nothing,
    rollups_match_their_minutes,
    apply_batch_once_keeps_small_sealed_buckets,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_does_not_decode_is_corrupt_not_a_panic() {
    let (store, _dir) = fresh().await;
    store
        .db()
        .write(|c| {
            c.execute(
                "INSERT INTO analytics_buckets VALUES ('acct_a', 'minute', ?1, 1, x'7b7d')",
                [T0],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let key = BucketKey {
        account: "acct_a".into(),
        granularity: Granularity::Minute,
        start: T0,
    };
    match store.load(&[key]).await {
        Err(e @ StoreError::Corrupt(_)) => assert_eq!(e.code(), "corrupt"),
        r => panic!("expected Corrupt, got {r:?}"),
    }
    // apply_batch surfaces it too, and writes nothing.
    let r = apply_batch(
        &store,
        Granularity::Minute,
        &[request("acct_a", 1, 200, T0)],
    )
    .await;
    assert!(matches!(r, Err(StoreError::Corrupt(_))), "{r:?}");
}

/// The serialised size of a busy unsealed minute: `n` events from many
/// sources and types, `n` API requests and `n` delivery attempts. Prints
/// the figures (the DynamoDB item limit is 400 KB).
#[test]
fn busy_minute_sizes() {
    for n in [1_000u128, 3_000] {
        let mut b = Bucket::new(BucketKey {
            account: "acct_busy".into(),
            granularity: Granularity::Minute,
            start: T0,
        });
        for i in 0..n {
            let at = T0 + (i as i64 * 7) % MINUTE_US;
            b.apply(&event("acct_busy", i, &format!("src{}", i % 100), at))
                .unwrap();
            b.apply(&request("acct_busy", i, 200, at)).unwrap();
            b.apply(&testing::attempt("acct_busy", i, 1, 200, at))
                .unwrap();
        }
        let unsealed = serde_json::to_vec(&b).unwrap().len();
        b.seal();
        let sealed = serde_json::to_vec(&b).unwrap().len();
        eprintln!(
            "busy minute: {} records -> {unsealed} bytes unsealed ({} B/record), {sealed} bytes sealed",
            3 * n,
            unsealed as u128 / (3 * n)
        );
        assert!(unsealed > sealed);
        assert!(sealed < 64 * 1024, "a sealed bucket is small: {sealed}");
    }
}
