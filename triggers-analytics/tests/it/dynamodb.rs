//! The DynamoDB analytics store through the conformance suite, on a moto
//! server:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-analytics --features dynamodb --test it dynamodb
//! ```
//!
//! Every check runs on its own table (a unique name prefix). Without
//! TRIGGERS_TEST_MOTO_URL the tests skip loudly.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use triggers_analytics::backends::dynamodb::{
    self, DynamoAnalyticsStore, MAX_BLOB_BYTES, create_analytics_tables,
};
use triggers_analytics::store::{AnalyticsStore, StoreError, apply_batch};
use triggers_analytics::testing::{self, T0, request};
use triggers_analytics::{Bucket, BucketKey, Granularity, TimeRange};
use triggers_keys::testing::aws;

async fn fresh_store(url: &str) -> DynamoAnalyticsStore {
    let store = DynamoAnalyticsStore::new(aws::dynamodb_client(url), &aws::unique_prefix());
    store.create_tables().await.unwrap();
    store.create_tables().await.unwrap(); // idempotent
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_store_passes_the_whole_suite() {
    let Some(url) = aws::moto_url("dynamodb::dynamodb_store_passes_the_whole_suite") else {
        return;
    };
    let n = AtomicUsize::new(0);
    testing::run_suite(|| {
        n.fetch_add(1, Ordering::SeqCst);
        fresh_store(&url)
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        10,
        "every check ran on its own table"
    );
}

macro_rules! dynamodb_checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(url) = aws::moto_url(concat!("dynamodb::", stringify!($name))) else {
                return;
            };
            let store = fresh_store(&url).await;
            testing::$name(&store).await;
        }
    )*};
}

dynamodb_checks!(
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
async fn table_creation_by_prefix_is_idempotent() {
    let Some(url) = aws::moto_url("dynamodb::table_creation_by_prefix_is_idempotent") else {
        return;
    };
    let client = aws::dynamodb_client(&url);
    let prefix = aws::unique_prefix();
    create_analytics_tables(&client, &prefix).await.unwrap();
    create_analytics_tables(&client, &prefix).await.unwrap();
    let store = DynamoAnalyticsStore::new(client, &prefix);
    assert_eq!(
        store.table(),
        format!("{prefix}{}", dynamodb::ANALYTICS_TABLE)
    );
    let r = apply_batch(
        &store,
        Granularity::Minute,
        &[request("acct_a", 1, 200, T0)],
    )
    .await
    .unwrap();
    assert_eq!(r.counted, 1);
}

/// A bucket over the item limit is refused before it is sent, with a clear
/// error; nothing is stored; sealed, the same bucket fits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_buckets_are_refused_with_too_large() {
    let Some(url) = aws::moto_url("dynamodb::oversized_buckets_are_refused_with_too_large") else {
        return;
    };
    let store = fresh_store(&url).await;
    let key = BucketKey {
        account: "acct_busy".into(),
        granularity: Granularity::Minute,
        start: T0,
    };
    let mut b = Bucket::new(key.clone());
    let mut i = 0u128;
    while serde_json::to_vec(&b).unwrap().len() <= MAX_BLOB_BYTES {
        for _ in 0..500 {
            b.apply(&request("acct_busy", i, 200, T0 + (i as i64 % 1000)))
                .unwrap();
            i += 1;
        }
    }
    eprintln!("a minute of {i} API requests exceeds {MAX_BLOB_BYTES} bytes unsealed");
    match store.write(&b, None).await {
        Err(e @ StoreError::TooLarge { .. }) => {
            assert_eq!(e.code(), "too_large");
            let StoreError::TooLarge {
                bytes,
                limit,
                key: k,
            } = e
            else {
                unreachable!()
            };
            assert!(bytes > limit);
            assert_eq!(k, key);
        }
        r => panic!("expected TooLarge, got {r:?}"),
    }
    assert!(
        store
            .load(std::slice::from_ref(&key))
            .await
            .unwrap()
            .is_empty()
    );
    b.seal();
    assert_eq!(store.write(&b, None).await.unwrap(), 1);
    let page = store
        .list(
            "acct_busy",
            Granularity::Minute,
            TimeRange::new(T0, T0 + 60_000_000).unwrap(),
            None,
            5,
        )
        .await
        .unwrap();
    assert_eq!(page.buckets[0].bucket.api().total, i as u64);
}
