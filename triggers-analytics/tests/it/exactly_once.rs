//! Out-of-order and duplicated records (streams redeliver) count once.

use proptest::prelude::*;
use triggers_analytics::*;

use crate::support::*;

fn fold_all(records: &[Record], batch: usize) -> (Vec<Bucket>, FoldReport) {
    let mut state = Aggregates::new(Granularity::Minute);
    let mut total = FoldReport::default();
    for chunk in records.chunks(batch.max(1)) {
        let (s, r) = fold(state, chunk);
        state = s;
        total.counted += r.counted;
        total.duplicates += r.duplicates;
        total.sealed += r.sealed;
        total.rejected.extend(r.rejected);
    }
    (state.into_buckets(), total)
}

#[test]
fn a_redelivered_shuffled_stream_gives_the_same_buckets() {
    let unique = generate(11, &Shape::small(&["acct_1", "acct_2"]));
    let (in_order, r0) = fold_all(&unique, unique.len());
    assert_eq!(r0.counted, unique.len() as u64);
    assert_eq!(r0.duplicates, 0);
    for seed in 0..5 {
        let stream = redeliver(seed, &unique, 0.5);
        assert!(stream.len() > unique.len() + unique.len() / 3);
        let (buckets, r) = fold_all(&stream, 1 + seed as usize * 37);
        assert_eq!(r.counted, unique.len() as u64, "seed {seed}");
        assert_eq!(r.duplicates, (stream.len() - unique.len()) as u64);
        assert_eq!(buckets, in_order, "seed {seed}");
    }
}

#[test]
fn the_same_batch_twice_changes_nothing() {
    let unique = generate(12, &Shape::small(&["acct_1"]));
    let (state, first) = fold(Aggregates::new(Granularity::Minute), &unique);
    let before = state.clone().into_buckets();
    let mut state = state;
    assert!(!state.take_changed().is_empty());
    let (mut state, second) = fold(state, &unique);
    assert_eq!(first.counted, unique.len() as u64);
    assert_eq!(second.counted, 0);
    assert_eq!(second.duplicates, unique.len() as u64);
    assert!(state.take_changed().is_empty(), "no bucket to write back");
    assert_eq!(state.into_buckets(), before);
}

#[test]
fn identities_per_kind() {
    let key = BucketKey::for_time("acct_1", Granularity::Minute, T0).expect("key");
    let mut b = Bucket::new(key);
    let attempt = |n: u32| Record::DeliveryAttempt {
        account: "acct_1".into(),
        delivery_id: 5,
        attempt: n,
        webhook_id: 9,
        outcome: Outcome::Status(500),
        at: T0 + 1,
        ingest_to_delivery_us: None,
    };
    let dead = |attempts: u32| Record::DeadLettered {
        account: "acct_1".into(),
        delivery_id: 5,
        webhook_id: 9,
        attempts,
        reason: DeadLetterReason::RetriesExhausted,
        at: T0 + 2,
    };
    let event = Record::EventIngested {
        account: "acct_1".into(),
        event_id: 5,
        source: "s".into(),
        event_type: "t".into(),
        received_at: T0,
        ingest_latency_us: None,
    };
    let request = Record::ApiRequest {
        account: "acct_1".into(),
        request_id: 5,
        status: 200,
        at: T0,
    };
    // The same 128 bits as an event, a request, a delivery: all distinct.
    for r in [
        &event,
        &request,
        &attempt(1),
        &attempt(2),
        &dead(2),
        &dead(6),
    ] {
        assert_eq!(b.apply(r), Ok(Applied::Counted), "{r:?}");
    }
    // Replays continue the numbering: attempt 3 is new, attempt 2 is not.
    assert_eq!(b.apply(&attempt(3)), Ok(Applied::Counted));
    for r in [&event, &request, &attempt(2), &dead(6)] {
        assert_eq!(b.apply(r), Ok(Applied::Duplicate), "{r:?}");
    }
    let d = b.deliveries();
    assert_eq!((d.attempts, d.retries, d.dead_lettered), (3, 2, 2));
    assert_eq!(b.events().total, 1);
    assert_eq!(b.api().total, 1);
    assert_eq!(b.dedup_len(), 7);
}

#[test]
fn a_sealed_bucket_refuses_late_records() {
    let unique = generate(13, &Shape::small(&["acct_1"]));
    let (early, late) = unique.split_at(unique.len() / 2);
    let (mut state, _) = fold(Aggregates::new(Granularity::Minute), early);
    let sealed = state.seal_before(T0 + 5 * MINUTE);
    assert!(sealed >= 4, "{sealed}");
    state.take_changed();
    let before: Vec<Bucket> = state.clone().into_buckets();
    let late_in_sealed = late.iter().filter(|r| r.at() < T0 + 5 * MINUTE).count() as u64;
    let early_in_sealed = early.iter().filter(|r| r.at() < T0 + 5 * MINUTE).count() as u64;
    assert!(late_in_sealed > 0);
    // Redelivered early records and new late ones alike: not counted.
    let (state, report) = fold(state, late.iter().chain(early.iter()));
    assert_eq!(report.sealed, late_in_sealed + early_in_sealed);
    assert_eq!(
        report.counted,
        late.len() as u64 - late_in_sealed,
        "unsealed buckets still count"
    );
    for b in before.iter().filter(|b| b.end() <= T0 + 5 * MINUTE) {
        assert!(b.is_sealed());
        assert_eq!(b.dedup_len(), 0);
        assert_eq!(state.get(b.key()), Some(b), "sealed buckets are final");
    }
}

#[test]
fn take_changed_names_exactly_the_touched_buckets() {
    let r = |id: u128, minute: i64| Record::ApiRequest {
        account: "acct_1".into(),
        request_id: id,
        status: 200,
        at: T0 + minute * MINUTE + 5,
    };
    let (mut state, _) = fold(Aggregates::new(Granularity::Minute), &[r(1, 0), r(2, 1)]);
    let keys: Vec<i64> = state.take_changed().iter().map(|k| k.start).collect();
    assert_eq!(keys, [T0, T0 + MINUTE]);
    let (mut state, _) = fold(state, &[r(1, 0), r(3, 2)]);
    let keys: Vec<i64> = state.take_changed().iter().map(|k| k.start).collect();
    assert_eq!(
        keys,
        [T0 + 2 * MINUTE],
        "a duplicate does not dirty a bucket"
    );
    let needed = required_keys(Granularity::Minute, &[r(1, 0), r(3, 2), r(4, 2)]);
    assert_eq!(
        needed.iter().map(|k| k.start).collect::<Vec<_>>(),
        [T0, T0 + 2 * MINUTE]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any permutation of any redelivery of a workload, in any batch size,
    /// folds to the same buckets as the unique records in order.
    #[test]
    fn order_and_duplicates_do_not_matter(seed in any::<u64>(), batch in 1usize..200, dup in 0.0f64..1.0) {
        let shape = Shape { events: 60, ..Shape::small(&["acct_1", "acct_2"]) };
        let unique = generate(seed, &shape);
        let (expected, _) = fold_all(&unique, unique.len());
        let stream = redeliver(seed, &unique, dup);
        let (got, report) = fold_all(&stream, batch);
        prop_assert_eq!(report.counted, unique.len() as u64);
        prop_assert_eq!(report.duplicates, (stream.len() - unique.len()) as u64);
        prop_assert_eq!(got, expected);
    }
}
