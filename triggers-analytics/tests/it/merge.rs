//! Merging: hour = merge of its 60 minutes, day = merge of its hours, and
//! merge is associative and commutative (proptest).

use proptest::prelude::*;
use triggers_analytics::*;

use crate::support::*;

fn fold_at(g: Granularity, records: &[Record]) -> Vec<Bucket> {
    let (state, report) = fold(Aggregates::new(g), records);
    assert!(report.rejected.is_empty());
    state.into_buckets()
}

/// One busy hour: more distinct sources, types, pairs and webhooks than
/// the caps, so the kept keys differ between minutes and the hour.
fn busy_hour(seed: u64) -> Vec<Record> {
    let shape = Shape {
        accounts: vec!["acct_1".into()],
        minutes: 60,
        events: 6_000,
        sources: 300,
        event_types: 400,
        webhooks_per_account: 150,
    };
    generate(seed, &shape)
        .into_iter()
        .filter(|r| r.at() >= T0 && r.at() < T0 + HOUR)
        .collect()
}

#[test]
fn an_hour_is_the_merge_of_its_60_minutes() {
    let records = busy_hour(31);
    let minutes = fold_at(Granularity::Minute, &records);
    assert_eq!(minutes.len(), 60);
    let direct = fold_at(Granularity::Hour, &records);
    assert_eq!(direct.len(), 1);
    let hour = &direct[0];
    // The caps did overflow in the hour.
    assert!(*hour.events().by_source.other() > 0);
    assert!(*hour.events().by_type.other() > 0);
    assert!(*hour.events().by_source_type.other() > 0);
    assert!(!hour.deliveries().by_webhook.other().is_zero());
    assert_eq!(hour.events().by_source.len(), MAX_SOURCES as usize);

    let merged = rollup(&minutes, Granularity::Hour).expect("rollup");
    assert_eq!(merged.len(), 1);
    assert_eq!(&merged[0], hour, "merge of minutes == hour folded directly");

    // By hand, in reverse order, into an empty hour bucket.
    let mut by_hand = Bucket::new(hour.key().clone());
    for m in minutes.iter().rev() {
        by_hand.merge(m).expect("disjoint minutes");
    }
    assert_eq!(&by_hand, hour);

    // Sealed minutes merge into a sealed hour with the same counts.
    let mut sealed_hour = Bucket::new(hour.key().clone());
    for m in &minutes {
        let mut m = m.clone();
        m.seal();
        sealed_hour.merge(&m).expect("merge");
    }
    assert!(sealed_hour.is_sealed());
    let mut hour_sealed = hour.clone();
    hour_sealed.seal();
    assert_eq!(sealed_hour, hour_sealed);
}

#[test]
fn a_day_is_the_merge_of_its_hours() {
    let shape = Shape {
        accounts: vec!["acct_1".into(), "acct_2".into()],
        minutes: 24 * 60,
        events: 4_000,
        ..Shape::small(&[])
    };
    let records: Vec<Record> = generate(32, &shape)
        .into_iter()
        .filter(|r| r.at() >= T0 && r.at() < T0 + DAY)
        .collect();
    let minutes = fold_at(Granularity::Minute, &records);
    let hours = rollup(&minutes, Granularity::Hour).expect("hours");
    assert_eq!(hours, fold_at(Granularity::Hour, &records));
    let days = rollup(&hours, Granularity::Day).expect("days");
    assert_eq!(days, fold_at(Granularity::Day, &records));
    assert_eq!(days, rollup(&minutes, Granularity::Day).expect("days"));
    assert_eq!(days.len(), 2);
    assert!(
        rollup(&days, Granularity::Hour).is_err(),
        "days do not split"
    );
}

#[test]
fn merging_parts_that_share_a_record_is_refused() {
    let records = generate(33, &Shape::small(&["acct_1"]));
    let in_first_minute: Vec<Record> = records
        .iter()
        .filter(|r| r.at() >= T0 && r.at() < T0 + MINUTE)
        .cloned()
        .collect();
    let (left, right) = in_first_minute.split_at(in_first_minute.len() / 2);
    let mut a = fold_at(Granularity::Minute, left).remove(0);
    let b = fold_at(Granularity::Minute, &[right, &left[..3]].concat()).remove(0);
    let before = a.clone();
    assert_eq!(a.merge(&b), Err(MergeError::Overlap { records: 3 }));
    assert_eq!(a, before, "a refused merge changes nothing");
    // A minute does not absorb an hour, nor a minute of another interval.
    let mut m = Bucket::new(BucketKey::for_time("acct_1", Granularity::Minute, T0).expect("k"));
    let h = Bucket::new(BucketKey::for_time("acct_1", Granularity::Hour, T0).expect("k"));
    let other_minute =
        Bucket::new(BucketKey::for_time("acct_1", Granularity::Minute, T0 + MINUTE).expect("k"));
    assert!(matches!(m.merge(&h), Err(MergeError::NotContained { .. })));
    assert!(matches!(
        m.merge(&other_minute),
        Err(MergeError::NotContained { .. })
    ));
}

/// Records inside one hour, from a small universe of names so keys repeat
/// across parts, and enough of them to overflow the caps.
fn arb_records() -> impl Strategy<Value = Vec<Record>> {
    let event = (
        any::<u64>(),
        0u32..150,
        0u32..180,
        0i64..HOUR,
        0u64..100_000,
    )
        .prop_map(|(id, s, t, at, lat)| Record::EventIngested {
            account: "acct_1".into(),
            event_id: u128::from(id),
            source: format!("s{s}"),
            event_type: format!("t{t}"),
            received_at: T0 + at,
            ingest_latency_us: (lat % 7 != 0).then_some(lat),
        });
    let attempt = (
        any::<u64>(),
        1u32..5,
        0u32..80,
        prop_oneof![Just(200u16), Just(503), Just(404), Just(410)],
        0i64..HOUR,
        0u64..1_000_000,
    )
        .prop_map(|(id, n, w, status, at, lat)| Record::DeliveryAttempt {
            account: "acct_1".into(),
            delivery_id: u128::from(id),
            attempt: n,
            webhook_id: u128::from(w),
            outcome: Outcome::Status(status),
            at: T0 + at,
            ingest_to_delivery_us: (status == 200).then_some(lat),
        });
    let request =
        (any::<u64>(), 100u16..600, 0i64..HOUR).prop_map(|(id, status, at)| Record::ApiRequest {
            account: "acct_1".into(),
            request_id: u128::from(id),
            status,
            at: T0 + at,
        });
    let dead = (any::<u64>(), 0u32..80, 0u32..6, 0i64..HOUR).prop_map(|(id, w, n, at)| {
        Record::DeadLettered {
            account: "acct_1".into(),
            delivery_id: u128::from(id),
            webhook_id: u128::from(w),
            attempts: n,
            reason: DeadLetterReason::ALL[(n % 4) as usize],
            at: T0 + at,
        }
    });
    proptest::collection::vec(
        prop_oneof![4 => event, 2 => attempt, 2 => request, 1 => dead],
        0..400,
    )
}

fn hour_of(records: &[Record]) -> Bucket {
    let key = BucketKey::for_time("acct_1", Granularity::Hour, T0).expect("key");
    let mut b = Bucket::new(key);
    for r in records {
        b.apply(r).expect("valid");
    }
    b
}

fn merged(a: &Bucket, b: &Bucket) -> Bucket {
    let mut m = a.clone();
    m.merge(b).expect("disjoint");
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merge_is_associative_commutative_and_equals_direct(
        records in arb_records(),
        cut1 in 0usize..400,
        cut2 in 0usize..400,
    ) {
        // Disjoint parts (duplicates within the generated list go to the
        // part of their first copy, as a single host would dedup them).
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<Record> = records.into_iter().filter(|r| seen.insert(r.id())).collect();
        let (i, j) = (cut1.min(cut2).min(unique.len()), cut1.max(cut2).min(unique.len()));
        let (a, b, c) = (hour_of(&unique[..i]), hour_of(&unique[i..j]), hour_of(&unique[j..]));
        let direct = hour_of(&unique);
        let ab_c = merged(&merged(&a, &b), &c);
        let a_bc = merged(&a, &merged(&b, &c));
        let c_ba = merged(&c, &merged(&b, &a));
        let b_ac = merged(&b, &merged(&a, &c));
        prop_assert_eq!(&ab_c, &a_bc);
        prop_assert_eq!(&ab_c, &c_ba);
        prop_assert_eq!(&ab_c, &b_ac);
        prop_assert_eq!(&ab_c, &direct);
        // Minutes folded and rolled up: the same hour.
        let (minutes, _) = fold(Aggregates::new(Granularity::Minute), &unique);
        let hours = rollup(minutes.iter(), Granularity::Hour).expect("rollup");
        if unique.is_empty() {
            prop_assert!(hours.is_empty());
        } else {
            prop_assert_eq!(&hours[0], &direct);
        }
    }
}
