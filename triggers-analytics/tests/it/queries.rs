//! Query checks: ranges, straddling and overlapping buckets, filters,
//! limits, and mixed granularities.

use triggers_analytics::*;

use crate::support::*;

fn state(seed: u64) -> (Vec<Record>, Aggregates) {
    let records = generate(seed, &Shape::small(&["acct_1"]));
    let (state, _) = fold(Aggregates::new(Granularity::Minute), &records);
    (records, state)
}

#[test]
fn ranges_are_checked() {
    assert_eq!(
        TimeRange::new(5, 5),
        Err(QueryError::InvalidRange { from: 5, to: 5 })
    );
    assert!(TimeRange::new(-1, 5).is_err());
    assert!(TimeRange::new(0, MAX_TIME + 1).is_err());
    assert!(TimeRange::new(0, MAX_TIME).is_ok());
    let r = TimeRange::new(T0 + 1, T0 + HOUR + 1).expect("range");
    assert!(!r.is_aligned(Granularity::Minute));
    let a = r.aligned(Granularity::Hour);
    assert_eq!((a.from, a.to), (T0, T0 + 2 * HOUR));
}

#[test]
fn straddling_and_overlapping_buckets_are_refused() {
    let (_, state) = state(51);
    let all: Vec<&Bucket> = state.iter().collect();
    // Half a minute: the first bucket straddles.
    let half = TimeRange::new(T0 + 30_000_000, T0 + HOUR).expect("range");
    assert!(matches!(
        summary("acct_1", half, all.iter().copied()),
        Err(QueryError::BucketStraddlesRange(k)) if k.start == T0
    ));
    // The same minute twice, or a minute inside an hour that is also passed.
    let range = TimeRange::new(T0, T0 + HOUR).expect("range");
    let first = state.buckets("acct_1", range).next().expect("a bucket");
    let twice = [first, first];
    assert!(matches!(
        summary("acct_1", range, twice),
        Err(QueryError::OverlappingBuckets(_))
    ));
    let hours = rollup(state.iter(), Granularity::Hour).expect("rollup");
    assert!(matches!(
        summary("acct_1", range, hours.iter().chain([first])),
        Err(QueryError::OverlappingBuckets(_))
    ));
    // Buckets wholly outside the range are ignored.
    let one = TimeRange::new(T0 + MINUTE, T0 + 2 * MINUTE).expect("range");
    let s = summary("acct_1", one, all.iter().copied()).expect("summary");
    assert_eq!(s.buckets, 1);
}

#[test]
fn mixed_granularities_give_the_same_summary() {
    let (records, state) = state(52);
    let range = TimeRange::new(T0 - HOUR, T0 + DAY).expect("range");
    let minutes: Vec<&Bucket> = state.buckets("acct_1", range).collect();
    let by_minute = summary("acct_1", range, minutes.iter().copied()).expect("summary");
    // Hours for whole hours except the one holding T0, whose minutes stay.
    let hours = rollup(
        minutes
            .iter()
            .copied()
            .filter(|b| b.start() >= T0 + HOUR || b.start() < T0),
        Granularity::Hour,
    )
    .expect("rollup");
    let mixed: Vec<&Bucket> = hours
        .iter()
        .chain(
            minutes
                .iter()
                .copied()
                .filter(|b| b.start() >= T0 && b.start() < T0 + HOUR),
        )
        .collect();
    let s = summary("acct_1", range, mixed).expect("summary");
    assert_eq!(s.events, by_minute.events);
    assert_eq!(s.api, by_minute.api);
    assert_eq!(s.deliveries, by_minute.deliveries);
    assert_eq!(
        s.events.total,
        Naive::of(&records, "acct_1", range.from, range.to).events
    );
}

#[test]
fn timeseries_limits() {
    let (_, state) = state(53);
    let range = TimeRange::new(T0, T0 + HOUR).expect("range");
    let q = |metric, granularity, range, filter| TimeseriesQuery {
        metric,
        granularity,
        range,
        filter,
    };
    let src = Filter {
        source: Some("src-0".into()),
        event_type: None,
    };
    let minutes: Vec<&Bucket> = state.iter().collect();
    assert_eq!(
        timeseries(
            "acct_1",
            &q(Metric::ApiRequests, Granularity::Minute, range, src.clone()),
            minutes.iter().copied()
        )
        .err(),
        Some(QueryError::FilterNotSupported)
    );
    let unaligned = TimeRange::new(T0, T0 + 90 * MINUTE).expect("range");
    assert_eq!(
        timeseries(
            "acct_1",
            &q(Metric::Events, Granularity::Hour, unaligned, Filter::none()),
            minutes.iter().copied()
        )
        .err(),
        Some(QueryError::UnalignedRange(Granularity::Hour))
    );
    let long = TimeRange::new(T0, T0 + 100 * DAY).expect("range");
    assert_eq!(
        timeseries(
            "acct_1",
            &q(Metric::Events, Granularity::Minute, long, Filter::none()),
            minutes.iter().copied()
        )
        .err(),
        Some(QueryError::TooManyPoints(144_000))
    );
    // Hour buckets cannot answer a per-minute timeseries.
    let hours = rollup(state.iter(), Granularity::Hour).expect("rollup");
    assert!(matches!(
        timeseries(
            "acct_1",
            &q(Metric::Events, Granularity::Minute, range, Filter::none()),
            &hours
        ),
        Err(QueryError::BucketStraddlesRange(_))
    ));
    // An empty range of buckets: zeros and no percentiles.
    let later = TimeRange::new(T0 + 10 * DAY, T0 + 10 * DAY + HOUR).expect("range");
    let ts = timeseries(
        "acct_1",
        &q(
            Metric::IngestLatencyP99,
            Granularity::Minute,
            later,
            Filter::none(),
        ),
        minutes.iter().copied(),
    )
    .expect("timeseries");
    assert_eq!(ts.points.len(), 60);
    assert!(ts.points.iter().all(|p| p.value == Value::Micros(None)));
    let ts = timeseries(
        "acct_1",
        &q(Metric::Events, Granularity::Minute, later, src),
        minutes.iter().copied(),
    )
    .expect("timeseries");
    assert!(
        ts.points
            .iter()
            .all(|p| p.value == Value::Count(0) && p.exact)
    );
}

#[test]
fn breakdown_limits() {
    let (_, state) = state(54);
    let range = TimeRange::new(T0, T0 + HOUR).expect("range");
    let q = |dimension, top_n, filter| BreakdownQuery {
        dimension,
        range,
        top_n,
        filter,
    };
    for n in [0, MAX_TOP_N_PLUS_ONE] {
        assert_eq!(
            breakdown(
                "acct_1",
                &q(Dimension::Source, n, Filter::none()),
                state.iter()
            )
            .err(),
            Some(QueryError::InvalidTopN(n))
        );
    }
    let by_source_filter = Filter {
        source: Some("src-1".into()),
        event_type: None,
    };
    assert_eq!(
        breakdown(
            "acct_1",
            &q(Dimension::Source, 5, by_source_filter.clone()),
            state.iter()
        )
        .err(),
        Some(QueryError::FilterNotSupported)
    );
    assert_eq!(
        breakdown(
            "acct_1",
            &q(Dimension::Webhook, 5, by_source_filter),
            state.iter()
        )
        .err(),
        Some(QueryError::FilterNotSupported)
    );
    let b = breakdown(
        "acct_1",
        &q(Dimension::Webhook, 1, Filter::none()),
        state.iter(),
    )
    .expect("breakdown");
    assert_eq!(b.rows.len(), 1);
    assert!(b.other > 0);
    assert!(b.rows[0].webhook.is_some());
    assert!(parse_id(&b.rows[0].key).is_some());
}

const MAX_TOP_N_PLUS_ONE: usize = triggers_analytics::query::MAX_TOP_N + 1;

#[test]
fn names_parse_back() {
    for m in Metric::ALL {
        assert_eq!(Metric::parse(m.as_str()), Some(m));
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(json, format!("\"{}\"", m.as_str()));
    }
    for d in Dimension::ALL {
        assert_eq!(Dimension::parse(d.as_str()), Some(d));
    }
    for g in Granularity::ALL {
        assert_eq!(Granularity::parse(g.as_str()), Some(g));
    }
    assert_eq!(Metric::parse("nope"), None);
    assert_eq!(Dimension::parse(""), None);
}

#[test]
fn summary_serializes_for_the_endpoint() {
    let (_, state) = state(55);
    let range = TimeRange::new(T0, T0 + HOUR).expect("range");
    let s = summary("acct_1", range, state.iter()).expect("summary");
    let v = serde_json::to_value(&s).expect("json");
    assert_eq!(v["account"], "acct_1");
    assert!(v["api"]["by_class"]["2xx"].as_u64().expect("count") > 0);
    assert!(v["deliveries"]["by_outcome"]["5xx"].is_u64());
    assert!(v["deliveries"]["dead_letters_by_reason"]["retries_exhausted"].is_u64());
    assert!(v["events"]["ingest_latency"]["p99_us"].is_f64());
}
