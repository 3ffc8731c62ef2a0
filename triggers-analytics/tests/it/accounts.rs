//! Accounts never mix: not in buckets, not in merges, not in queries.

use triggers_analytics::*;

use crate::support::*;

/// The same records (same ids, names, times) for two accounts.
fn twin(records: &[Record], account: &str) -> Vec<Record> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            match &mut r {
                Record::EventIngested { account: a, .. }
                | Record::ApiRequest { account: a, .. }
                | Record::DeliveryAttempt { account: a, .. }
                | Record::DeadLettered { account: a, .. } => *a = account.to_owned(),
            }
            r
        })
        .collect()
}

#[test]
fn identical_ids_in_two_accounts_count_in_each() {
    let a = generate(21, &Shape::small(&["acct_a"]));
    let b = twin(&a, "acct_b");
    // A third account with other traffic.
    let c = generate(22, &Shape::small(&["acct_c"]));
    let mut all: Vec<Record> = a.iter().chain(&b).chain(&c).cloned().collect();
    Rng(5).shuffle(&mut all);
    let (state, report) = fold(Aggregates::new(Granularity::Minute), &all);
    assert_eq!(report.counted, all.len() as u64, "no cross-account dedup");
    let range = TimeRange::new(T0 - HOUR, T0 + DAY).expect("range");
    let sa = summary("acct_a", range, state.buckets("acct_a", range)).expect("a");
    let sb = summary("acct_b", range, state.buckets("acct_b", range)).expect("b");
    let sc = summary("acct_c", range, state.buckets("acct_c", range)).expect("c");
    assert_eq!(sa.events, sb.events);
    assert_eq!(sa.deliveries, sb.deliveries);
    let na = Naive::of(&a, "acct_a", T0 - HOUR, T0 + DAY);
    let nc = Naive::of(&c, "acct_c", T0 - HOUR, T0 + DAY);
    assert_eq!(sa.events.total, na.events);
    assert_eq!(sa.api.requests, na.requests);
    assert_eq!(sc.events.total, nc.events);
    assert_eq!(sc.deliveries.attempts, nc.attempts);
    for b in state.iter() {
        assert!(["acct_a", "acct_b", "acct_c"].contains(&b.account()));
    }
    assert_eq!(state.buckets("acct_x", range).count(), 0);
}

#[test]
fn queries_refuse_buckets_of_another_account() {
    let all = generate(23, &Shape::small(&["acct_a", "acct_b"]));
    let (state, _) = fold(Aggregates::new(Granularity::Minute), &all);
    let range = TimeRange::new(T0 - HOUR, T0 + DAY).expect("range");
    let mixed: Vec<&Bucket> = state.iter().collect();
    assert!(accounts(&all).len() == 2);
    assert_eq!(
        summary("acct_a", range, mixed.iter().copied()).err(),
        Some(QueryError::AccountMismatch)
    );
    let q = TimeseriesQuery {
        metric: Metric::Events,
        granularity: Granularity::Hour,
        range: TimeRange::new(T0 - HOUR, T0 + DAY).expect("range"),
        filter: Filter::none(),
    };
    assert_eq!(
        timeseries("acct_a", &q, mixed.iter().copied()).err(),
        Some(QueryError::AccountMismatch)
    );
    let bq = BreakdownQuery {
        dimension: Dimension::Source,
        range,
        top_n: 10,
        filter: Filter::none(),
    };
    assert_eq!(
        breakdown("acct_b", &bq, mixed.iter().copied()).err(),
        Some(QueryError::AccountMismatch)
    );
}

#[test]
fn merges_and_applies_refuse_another_account() {
    let key = |a: &str| BucketKey::for_time(a, Granularity::Minute, T0).expect("key");
    let mut a = Bucket::new(key("acct_a"));
    let b = Bucket::new(key("acct_b"));
    assert_eq!(a.merge(&b), Err(MergeError::AccountMismatch));
    let foreign = Record::ApiRequest {
        account: "acct_b".into(),
        request_id: 1,
        status: 200,
        at: T0,
    };
    assert_eq!(
        a.apply(&foreign),
        Err(ApplyError::WrongBucket {
            expected: key("acct_b")
        })
    );
    assert!(a.is_empty());
    let mut hour_a =
        Bucket::new(BucketKey::for_time("acct_a", Granularity::Hour, T0).expect("key"));
    assert_eq!(hour_a.merge(&b), Err(MergeError::AccountMismatch));
    // A rollup keeps accounts apart.
    let hours = rollup([&a, &b], Granularity::Hour).expect("rollup");
    assert_eq!(hours.len(), 2);
    assert_eq!(hours[0].account(), "acct_a");
    assert_eq!(hours[1].account(), "acct_b");
}
