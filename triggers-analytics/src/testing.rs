//! The conformance suite of [`AnalyticsStore`] backends (feature
//! `testing`): every backend runs the same checks (tests/it runs them on
//! SQLite always, and on DynamoDB under a moto server).
//!
//! Each check takes a fresh, empty store and panics on a failure.
//! [`run_suite`] runs them all, each on its own store (`make` returns a
//! future of a fresh store). The checks are also public one by one, so a
//! backend's tests can name each (see tests/it/store.rs and
//! tests/it/dynamodb.rs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::store::{
    AnalyticsStore, BatchReport, BucketPage, StoreError, StoredBucket, apply_batch,
    apply_batch_once, covering, list_all,
};
use crate::{
    Bucket, BucketKey, DAY_US, Granularity, HOUR_US, MINUTE_US, Outcome, Record, TimeRange, rollup,
    summary,
};

/// A minute boundary (2023-11-14T22:14:00Z), Unix µs: the suite's epoch.
pub const T0: i64 = 1_700_000_040_000_000;

/// An API request record.
pub fn request(account: &str, id: u128, status: u16, at: i64) -> Record {
    Record::ApiRequest {
        account: account.into(),
        request_id: id,
        status,
        at,
    }
}

/// An ingested event record.
pub fn event(account: &str, id: u128, source: &str, at: i64) -> Record {
    Record::EventIngested {
        account: account.into(),
        event_id: id,
        source: source.into(),
        event_type: "order.created".into(),
        received_at: at,
        ingest_latency_us: Some(1_000 + (id % 1_000) as u64),
    }
}

/// A delivery attempt record.
pub fn attempt(account: &str, delivery: u128, n: u32, status: u16, at: i64) -> Record {
    Record::DeliveryAttempt {
        account: account.into(),
        delivery_id: delivery,
        attempt: n,
        webhook_id: 7,
        outcome: Outcome::Status(status),
        at,
        ingest_to_delivery_us: (status < 300).then_some(25_000),
    }
}

fn key(account: &str, start: i64) -> BucketKey {
    BucketKey {
        account: account.into(),
        granularity: Granularity::Minute,
        start,
    }
}

fn bucket_with(account: &str, start: i64, records: &[Record]) -> Bucket {
    let mut b = Bucket::new(key(account, start));
    for r in records {
        b.apply(r).unwrap();
    }
    b
}

async fn load_one(store: &impl AnalyticsStore, k: &BucketKey) -> Option<StoredBucket> {
    let mut got = store.load(std::slice::from_ref(k)).await.unwrap();
    assert!(got.len() <= 1, "one bucket per key, got {}", got.len());
    got.pop()
}

/// Runs every check, each on a store `make` returns (a fresh, empty one).
pub async fn run_suite<S, F, Fut>(mut make: F)
where
    S: AnalyticsStore + Clone + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    round_trip_and_versions(&make().await).await;
    version_conflicts_are_detected(&make().await).await;
    apply_batch_counts_redeliveries_once(&make().await).await;
    apply_batch_retries_a_lost_write(&make().await).await;
    concurrent_apply_batch_counts_each_record_once(&make().await).await;
    list_pages_through_a_range(&make().await).await;
    accounts_are_isolated(&make().await).await;
    write_all_is_all_or_nothing(&make().await).await;
    rollups_match_their_minutes(&make().await).await;
    apply_batch_once_keeps_small_sealed_buckets(&make().await).await;
}

/// A written bucket loads back equal, with version 1, then 2 after an
/// update; absent keys are absent from `load`.
pub async fn round_trip_and_versions(store: &impl AnalyticsStore) {
    let records = [
        event("acct_a", 1, "shop", T0 + 1),
        request("acct_a", 2, 503, T0 + 2),
        attempt("acct_a", 3, 1, 200, T0 + 3),
    ];
    let mut b = bucket_with("acct_a", T0, &records);
    assert_eq!(store.write(&b, None).await.unwrap(), 1);
    let got = load_one(store, b.key()).await.expect("stored");
    assert_eq!(got.version, 1);
    assert_eq!(got.bucket, b);
    assert_eq!(got.bucket.events().total, 1);
    assert_eq!(got.bucket.api().errors(), 1);

    b.apply(&request("acct_a", 4, 200, T0 + 4)).unwrap();
    assert_eq!(store.write(&b, Some(1)).await.unwrap(), 2);
    let got = load_one(store, b.key()).await.expect("stored");
    assert_eq!((got.version, got.bucket.api().total), (2, 2));
    assert_eq!(got.bucket, b);

    let missing = [key("acct_a", T0 + MINUTE_US), key("acct_b", T0)];
    assert!(store.load(&missing).await.unwrap().is_empty());
    let both = [missing[0].clone(), b.key().clone(), missing[1].clone()];
    let got = store.load(&both).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].bucket.key(), b.key());
}

/// A write naming a stale version, or creating a bucket that exists, fails
/// with `Conflict` and changes nothing.
pub async fn version_conflicts_are_detected(store: &impl AnalyticsStore) {
    let first = bucket_with("acct_a", T0, &[request("acct_a", 1, 200, T0)]);
    assert_eq!(store.write(&first, None).await.unwrap(), 1);

    let other = bucket_with("acct_a", T0, &[request("acct_a", 2, 200, T0)]);
    match store.write(&other, None).await {
        Err(StoreError::Conflict { key }) => assert_eq!(&key, first.key()),
        r => panic!("creating an existing bucket must conflict, got {r:?}"),
    }
    let mut second = first.clone();
    second.apply(&request("acct_a", 3, 200, T0)).unwrap();
    assert_eq!(store.write(&second, Some(1)).await.unwrap(), 2);
    // A writer that read version 1 lost.
    match store.write(&other, Some(1)).await {
        Err(e @ StoreError::Conflict { .. }) => assert_eq!(e.code(), "conflict"),
        r => panic!("a stale version must conflict, got {r:?}"),
    }
    match store.write(&other, Some(7)).await {
        Err(StoreError::Conflict { .. }) => {}
        r => panic!("a future version must conflict, got {r:?}"),
    }
    // Updating a bucket that was never stored conflicts too.
    let absent = bucket_with("acct_a", T0 + MINUTE_US, &[]);
    assert!(matches!(
        store.write(&absent, Some(1)).await,
        Err(StoreError::Conflict { .. })
    ));
    let got = load_one(store, first.key()).await.expect("stored");
    assert_eq!((got.version, got.bucket), (2, second));
    assert!(load_one(store, absent.key()).await.is_none());
}

fn api_total(buckets: &[StoredBucket]) -> u64 {
    buckets.iter().map(|b| b.bucket.api().total).sum()
}

async fn all_minutes(
    store: &impl AnalyticsStore,
    account: &str,
    range: TimeRange,
) -> Vec<StoredBucket> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let BucketPage { buckets, next } = store
            .list(account, Granularity::Minute, range, after, 3)
            .await
            .unwrap();
        out.extend(buckets);
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// `apply_batch` counts each record once across redelivered batches and
/// within a batch, spreads records over their buckets, and reports
/// invalid records without failing.
pub async fn apply_batch_counts_redeliveries_once(store: &impl AnalyticsStore) {
    let batch: Vec<Record> = (0..12u128)
        .map(|i| {
            request(
                "acct_a",
                i,
                200 + (i % 2) as u16 * 300,
                T0 + (i as i64 % 3) * MINUTE_US,
            )
        })
        .chain([request("acct_a", 0, 200, T0)]) // duplicated within the batch
        .chain([request("", 99, 200, T0)]) // invalid account
        .collect();
    let first = apply_batch(store, Granularity::Minute, &batch)
        .await
        .unwrap();
    assert_eq!((first.counted, first.duplicates), (12, 1));
    assert_eq!(first.written, 3);
    assert_eq!(first.rejected.len(), 1);
    assert_eq!(first.rejected[0].index, 13);

    let again = apply_batch(store, Granularity::Minute, &batch)
        .await
        .unwrap();
    assert_eq!(
        (again.counted, again.duplicates, again.written),
        (0, 13, 0),
        "a redelivered batch changes nothing"
    );
    let range = TimeRange::new(T0, T0 + 3 * MINUTE_US).unwrap();
    let stored = all_minutes(store, "acct_a", range).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(api_total(&stored), 12);
    assert_eq!(
        stored.iter().map(|b| b.bucket.api().errors()).sum::<u64>(),
        6
    );
    assert!(stored.iter().all(|b| b.version == 1));
}

/// A store that lets another writer fold `interloper` into the store just
/// before its first write: the first conditional write of `apply_batch`
/// then loses, deterministically.
#[derive(Debug)]
struct Interfering<'a, S> {
    inner: &'a S,
    interloper: Mutex<Option<Vec<Record>>>,
}

#[async_trait]
impl<S: AnalyticsStore> AnalyticsStore for Interfering<'_, S> {
    async fn load(&self, keys: &[BucketKey]) -> Result<Vec<StoredBucket>, StoreError> {
        self.inner.load(keys).await
    }

    async fn write_all(&self, writes: &[(&Bucket, Option<u64>)]) -> Result<Vec<u64>, StoreError> {
        let interloper = self.interloper.lock().unwrap().take();
        if let Some(records) = interloper {
            apply_batch(self.inner, Granularity::Minute, &records).await?;
        }
        self.inner.write_all(writes).await
    }

    async fn list(
        &self,
        account: &str,
        granularity: Granularity,
        range: TimeRange,
        after: Option<i64>,
        limit: usize,
    ) -> Result<BucketPage, StoreError> {
        self.inner
            .list(account, granularity, range, after, limit)
            .await
    }
}

/// When another writer updates a bucket between `apply_batch`'s load and
/// write, the write conflicts, and the retry reloads, re-applies and counts
/// each record once (the overlap with the other writer as duplicates).
pub async fn apply_batch_retries_a_lost_write(store: &impl AnalyticsStore) {
    let other: Vec<Record> = (0..5u128)
        .map(|i| request("acct_a", i, 200, T0 + 1))
        .collect();
    let mine: Vec<Record> = (3..10u128)
        .map(|i| request("acct_a", i, 200, T0 + 2))
        .collect();
    let interfering = Interfering {
        inner: store,
        interloper: Mutex::new(Some(other)),
    };
    let report: BatchReport = apply_batch(&interfering, Granularity::Minute, &mine)
        .await
        .unwrap();
    assert_eq!(report.conflicts, 1, "the first write lost");
    assert_eq!((report.counted, report.duplicates), (5, 2));
    let got = load_one(store, &key("acct_a", T0)).await.expect("stored");
    assert_eq!(got.bucket.api().total, 10, "ids 0..10, each once");
    assert_eq!(got.version, 2);
}

/// Two tasks applying overlapping and duplicated batches concurrently: every
/// distinct record is counted exactly once.
pub async fn concurrent_apply_batch_counts_each_record_once<S>(store: &S)
where
    S: AnalyticsStore + Clone + 'static,
{
    // Task A: ids 0..60, task B: ids 30..90, in batches of 10, spread over
    // 3 minutes; each task also redelivers its first batch at the end.
    let batches = |from: u128, to: u128| -> Vec<Vec<Record>> {
        let all: Vec<Record> = (from..to)
            .map(|i| event("acct_a", i, "shop", T0 + (i as i64 % 3) * MINUTE_US + 1))
            .collect();
        let mut out: Vec<Vec<Record>> = all.chunks(10).map(<[Record]>::to_vec).collect();
        out.push(out[0].clone());
        out
    };
    let a = tokio::spawn(apply_all(store.clone(), batches(0, 60)));
    let b = tokio::spawn(apply_all(store.clone(), batches(30, 90)));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a + b, 90, "the tasks together counted each record once");
    let range = TimeRange::new(T0, T0 + 3 * MINUTE_US).unwrap();
    let stored = all_minutes(store, "acct_a", range).await;
    assert_eq!(stored.len(), 3);
    assert_eq!(
        stored.iter().map(|b| b.bucket.events().total).sum::<u64>(),
        90
    );
    for b in &stored {
        assert_eq!(b.bucket.events().total, 30, "{:?}", b.bucket.key());
        assert_eq!(b.bucket.dedup_len(), 30);
    }
}

/// Applies `batches` one after the other (yielding between them, so two
/// tasks interleave); returns how many records counted.
async fn apply_all<S: AnalyticsStore>(store: S, batches: Vec<Vec<Record>>) -> u64 {
    let mut counted = 0;
    for b in batches {
        counted += apply_batch(&store, Granularity::Minute, &b)
            .await
            .unwrap()
            .counted;
        tokio::task::yield_now().await;
    }
    counted
}

/// `list` returns the buckets of one account and granularity starting in
/// the range, oldest first, page by page; nothing outside the range or of
/// another granularity.
pub async fn list_pages_through_a_range(store: &impl AnalyticsStore) {
    for m in 0..8i64 {
        let at = T0 + m * MINUTE_US;
        store
            .write(
                &bucket_with("acct_a", at, &[request("acct_a", m as u128, 200, at)]),
                None,
            )
            .await
            .unwrap();
    }
    let hour = Bucket::new(BucketKey {
        account: "acct_a".into(),
        granularity: Granularity::Hour,
        start: Granularity::Hour.start_of(T0),
    });
    store.write(&hour, None).await.unwrap();

    let range = TimeRange::new(T0 + MINUTE_US, T0 + 6 * MINUTE_US).unwrap();
    let p1 = store
        .list("acct_a", Granularity::Minute, range, None, 2)
        .await
        .unwrap();
    let starts = |p: &BucketPage| {
        p.buckets
            .iter()
            .map(|b| b.bucket.start())
            .collect::<Vec<_>>()
    };
    assert_eq!(starts(&p1), [T0 + MINUTE_US, T0 + 2 * MINUTE_US]);
    assert_eq!(p1.next, Some(T0 + 2 * MINUTE_US));
    let p2 = store
        .list("acct_a", Granularity::Minute, range, p1.next, 2)
        .await
        .unwrap();
    assert_eq!(starts(&p2), [T0 + 3 * MINUTE_US, T0 + 4 * MINUTE_US]);
    let p3 = store
        .list("acct_a", Granularity::Minute, range, p2.next, 2)
        .await
        .unwrap();
    assert_eq!(starts(&p3), [T0 + 5 * MINUTE_US]);
    assert_eq!(p3.next, None);
    // An exact fit has no next page.
    let all = store
        .list("acct_a", Granularity::Minute, range, None, 5)
        .await
        .unwrap();
    assert_eq!((all.buckets.len(), all.next), (5, None));
    assert_eq!(api_total(&all.buckets), 5);
    // Limit 0 is treated as 1.
    let one = store
        .list("acct_a", Granularity::Minute, range, None, 0)
        .await
        .unwrap();
    assert_eq!(one.buckets.len(), 1);
    // The other granularity.
    let hours = store
        .list(
            "acct_a",
            Granularity::Hour,
            TimeRange::new(hour.start(), hour.end()).unwrap(),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(hours.buckets.len(), 1);
    assert_eq!(hours.buckets[0].bucket, hour);
}

/// Buckets of two accounts with the same start never mix: listing, loading
/// and conditional writes are per account.
pub async fn accounts_are_isolated(store: &impl AnalyticsStore) {
    let a = bucket_with("acct_a", T0, &[request("acct_a", 1, 200, T0)]);
    let b = bucket_with(
        "acct_b",
        T0,
        &[request("acct_b", 1, 500, T0), request("acct_b", 2, 500, T0)],
    );
    store.write(&a, None).await.unwrap();
    // Same start, other account: not a conflict.
    store.write(&b, None).await.unwrap();
    let range = TimeRange::new(T0, T0 + MINUTE_US).unwrap();
    for (account, expected) in [("acct_a", &a), ("acct_b", &b)] {
        let page = store
            .list(account, Granularity::Minute, range, None, 10)
            .await
            .unwrap();
        assert_eq!(page.buckets.len(), 1, "{account}");
        assert_eq!(&page.buckets[0].bucket, expected);
    }
    let page = store
        .list("acct_c", Granularity::Minute, range, None, 10)
        .await
        .unwrap();
    assert!(page.buckets.is_empty());
    // A prefix of another account's id is another account.
    let page = store
        .list("acct_", Granularity::Minute, range, None, 10)
        .await
        .unwrap();
    assert!(page.buckets.is_empty());
    assert_eq!(
        load_one(store, b.key())
            .await
            .unwrap()
            .bucket
            .api()
            .errors(),
        2
    );
    assert_eq!(
        load_one(store, a.key())
            .await
            .unwrap()
            .bucket
            .api()
            .errors(),
        0
    );
}

/// `write_all` writes every bucket or none: one stale version among them
/// leaves all stored buckets as they were; a request naming a bucket twice,
/// or none, is invalid.
pub async fn write_all_is_all_or_nothing(store: &impl AnalyticsStore) {
    let a = bucket_with("acct_a", T0, &[request("acct_a", 1, 200, T0)]);
    let b = bucket_with(
        "acct_a",
        T0 + MINUTE_US,
        &[request("acct_a", 2, 200, T0 + MINUTE_US)],
    );
    assert_eq!(
        store.write_all(&[(&a, None), (&b, None)]).await.unwrap(),
        [1, 1]
    );
    let a2 = bucket_with(
        "acct_a",
        T0,
        &[request("acct_a", 1, 200, T0), request("acct_a", 3, 500, T0)],
    );
    let b2 = bucket_with(
        "acct_a",
        T0 + MINUTE_US,
        &[request("acct_a", 4, 200, T0 + MINUTE_US)],
    );
    match store.write_all(&[(&a2, Some(1)), (&b2, Some(7))]).await {
        Err(StoreError::Conflict { .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let got_a = load_one(store, a.key()).await.unwrap();
    assert_eq!(
        (got_a.version, got_a.bucket.api().total),
        (1, 1),
        "nothing written"
    );
    let c = bucket_with("acct_a", T0 + 2 * MINUTE_US, &[]);
    match store.write_all(&[(&a2, Some(1)), (&c, Some(1))]).await {
        Err(StoreError::Conflict { .. }) => {}
        other => panic!("expected a conflict for an absent bucket, got {other:?}"),
    }
    assert!(
        load_one(store, c.key()).await.is_none(),
        "the new bucket was not created"
    );
    assert_eq!(load_one(store, a.key()).await.unwrap().version, 1);
    match store.write_all(&[(&a2, Some(1)), (&a2, Some(1))]).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected invalid (same key twice), got {other:?}"),
    }
    match store.write_all(&[]).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected invalid (nothing to write), got {other:?}"),
    }
    assert_eq!(
        store
            .write_all(&[(&a2, Some(1)), (&b2, Some(1))])
            .await
            .unwrap(),
        [2, 2]
    );
    assert_eq!(
        load_one(store, a.key()).await.unwrap().bucket.api().total,
        2
    );
}

/// After batches that cross hours and a day boundary, are redelivered and
/// are applied by two writers at once, every stored hour and day rollup
/// equals the merge of its stored minutes, and a summary over the
/// [`covering`] buckets (days, hours, minutes) equals the summary over all
/// minutes.
pub async fn rollups_match_their_minutes<S>(store: &S)
where
    S: AnalyticsStore + Clone + 'static,
{
    // 90 minutes each side of a midnight, spread over 3 records kinds.
    let midnight = Granularity::Day.start_of(T0) + DAY_US;
    let start = midnight - 90 * MINUTE_US;
    let record = |i: u128| -> Record {
        let at = start + (i as i64 * 7 % 180) * MINUTE_US + (i as i64 % 50);
        match i % 3 {
            0 => event(
                "acct_a",
                i,
                ["shop", "crm", "ads"][(i % 9 / 3) as usize],
                at,
            ),
            1 => request("acct_a", i, if i % 4 == 1 { 503 } else { 200 }, at),
            _ => attempt(
                "acct_a",
                i,
                1 + (i % 2) as u32,
                if i % 5 == 0 { 500 } else { 200 },
                at,
            ),
        }
    };
    let all: Vec<Record> = (0..600u128).map(record).collect();
    let mut batches: Vec<Vec<Record>> = all.chunks(37).map(<[Record]>::to_vec).collect();
    batches.push(batches[1].clone());
    let (left, right): (Vec<_>, Vec<_>) = batches
        .into_iter()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let strip = |v: Vec<(usize, Vec<Record>)>| v.into_iter().map(|(_, b)| b).collect();
    let a = tokio::spawn(apply_all(store.clone(), strip(left)));
    let b = tokio::spawn(apply_all(store.clone(), strip(right)));
    assert_eq!(
        a.await.unwrap() + b.await.unwrap(),
        600,
        "each record counted once"
    );

    let range = TimeRange::new(start, midnight + 90 * MINUTE_US).unwrap();
    let minutes = list_all(store, "acct_a", Granularity::Minute, range)
        .await
        .unwrap();
    let wide = TimeRange::new(Granularity::Day.start_of(start), midnight + DAY_US).unwrap();
    for g in [Granularity::Hour, Granularity::Day] {
        let stored = list_all(store, "acct_a", g, wide).await.unwrap();
        let expected = rollup(&minutes, g).unwrap();
        assert_eq!(stored.len(), expected.len(), "{g} rollups");
        for (s, e) in stored.iter().zip(&expected) {
            assert_eq!(s.key(), e.key());
            assert!(s.is_sealed(), "rollups keep no dedup set");
            assert_eq!(s.events(), e.events(), "{g} at {}", s.start());
            assert_eq!(s.api(), e.api(), "{g} at {}", s.start());
            assert_eq!(s.deliveries(), e.deliveries(), "{g} at {}", s.start());
        }
    }
    // A range with minute, hour and day parts.
    let range = TimeRange::new(
        start + 7 * MINUTE_US,
        midnight + 3 * HOUR_US + 2 * MINUTE_US,
    )
    .unwrap();
    let cover = covering(store, "acct_a", range).await.unwrap();
    assert!(
        cover.iter().any(|b| b.granularity() == Granularity::Hour),
        "hours used"
    );
    assert!(
        cover.len() < 60,
        "fewer buckets than minutes: {}",
        cover.len()
    );
    let fine = list_all(store, "acct_a", Granularity::Minute, range)
        .await
        .unwrap();
    let (x, y) = (
        summary("acct_a", range, &cover).unwrap(),
        summary("acct_a", range, &fine).unwrap(),
    );
    assert_eq!(
        (&x.events, &x.api, &x.deliveries),
        (&y.events, &y.api, &y.deliveries)
    );
    assert!(y.events.total > 0 && y.api.requests > 0 && y.deliveries.attempts > 0);
}

/// `apply_batch_once` stores sealed minutes (no dedup set) and rollups that
/// equal their minutes; a batch's own duplicates count once.
pub async fn apply_batch_once_keeps_small_sealed_buckets(store: &impl AnalyticsStore) {
    let records: Vec<Record> = (0..300u128)
        .map(|i| event("acct_a", i, "shop", T0 + (i as i64 % 90) * MINUTE_US))
        .collect();
    let mut counted = 0;
    for chunk in records.chunks(40) {
        let mut batch = chunk.to_vec();
        batch.push(chunk[0].clone()); // a duplicate within the batch
        let r = apply_batch_once(store, Granularity::Minute, &batch)
            .await
            .unwrap();
        assert_eq!(r.duplicates, 1);
        counted += r.counted;
    }
    assert_eq!(counted, 300);
    let range = TimeRange::new(T0, T0 + 90 * MINUTE_US).unwrap();
    let minutes = list_all(store, "acct_a", Granularity::Minute, range)
        .await
        .unwrap();
    assert_eq!(minutes.len(), 90);
    assert!(minutes.iter().all(|b| b.is_sealed() && b.dedup_len() == 0));
    assert_eq!(minutes.iter().map(|b| b.events().total).sum::<u64>(), 300);
    let wide = TimeRange::new(
        Granularity::Day.start_of(T0),
        Granularity::Day.start_of(T0) + DAY_US,
    )
    .unwrap();
    let hours = list_all(store, "acct_a", Granularity::Hour, wide)
        .await
        .unwrap();
    let expected = rollup(&minutes, Granularity::Hour).unwrap();
    assert_eq!(hours.len(), expected.len());
    for (s, e) in hours.iter().zip(&expected) {
        assert_eq!(s.events(), e.events());
    }
    let cover = covering(store, "acct_a", range).await.unwrap();
    assert_eq!(summary("acct_a", range, &cover).unwrap().events.total, 300);
}
