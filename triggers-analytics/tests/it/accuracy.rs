//! A known generated workload, redelivered and shuffled, folded in batches:
//! every count checked exactly against a naive computation over the unique
//! records, every percentile within the sketch's stated 1%.

use triggers_analytics::*;

use crate::support::*;

fn shape() -> Shape {
    Shape {
        accounts: vec!["acct_a".into(), "acct_b".into()],
        minutes: 150,
        events: 24_000,
        // More sources than MAX_SOURCES in a busy minute: the caps overflow.
        sources: 160,
        event_types: 30,
        webhooks_per_account: 6,
    }
}

struct Run {
    unique: Vec<Record>,
    minutes: Aggregates,
}

fn run(seed: u64) -> Run {
    let unique = generate(seed, &shape());
    let delivered = redeliver(seed, &unique, 0.3);
    let mut state = Aggregates::new(Granularity::Minute);
    let mut counted = 0;
    let mut duplicates = 0;
    for batch in delivered.chunks(997) {
        let (s, report) = fold(state, batch);
        state = s;
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.sealed, 0);
        counted += report.counted;
        duplicates += report.duplicates;
    }
    assert_eq!(counted, unique.len() as u64, "each record counted once");
    assert_eq!(duplicates, (delivered.len() - unique.len()) as u64);
    Run {
        unique,
        minutes: state,
    }
}

fn check_summary(s: &Summary, n: &Naive) {
    assert_eq!(s.events.total, n.events);
    check_latency("ingest", &s.events.ingest_latency, &n.ingest);

    assert_eq!(s.api.requests, n.requests);
    for c in StatusClass::ALL {
        let lo = match c {
            StatusClass::Informational => 100,
            StatusClass::Success => 200,
            StatusClass::Redirection => 300,
            StatusClass::ClientError => 400,
            StatusClass::ServerError => 500,
        };
        assert_eq!(s.api.by_class[&c], n.class(lo), "{c:?}");
    }
    let errors = n.class(400) + n.class(500);
    assert_eq!(s.api.errors, errors);
    let rate = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    assert_eq!(s.api.error_rate, rate(errors, n.requests));
    assert_eq!(s.api.client_error_rate, rate(n.class(400), n.requests));
    assert_eq!(s.api.server_error_rate, rate(n.class(500), n.requests));

    let d = &s.deliveries;
    assert_eq!(d.attempts, n.attempts);
    assert_eq!(d.retries, n.retries);
    assert_eq!(d.first_attempts, n.attempts - n.retries);
    assert_eq!(d.succeeded, n.succeeded);
    assert_eq!(d.failed, n.attempts - n.succeeded);
    assert_eq!(d.dead_lettered, n.dead);
    assert_eq!(d.attempt_success_rate, rate(n.succeeded, n.attempts));
    assert_eq!(
        d.delivery_success_rate,
        rate(n.succeeded, n.succeeded + n.dead)
    );
    for (class, count) in &d.by_outcome {
        assert_eq!(
            *count,
            n.by_outcome.get(class.as_str()).copied().unwrap_or(0),
            "{class:?}"
        );
    }
    for (reason, count) in &d.dead_letters_by_reason {
        assert_eq!(
            *count,
            n.by_reason.get(reason.as_str()).copied().unwrap_or(0),
            "{reason:?}"
        );
    }
    check_latency("ingest_to_delivery", &d.ingest_to_delivery, &n.i2d);
}

fn check_latency(what: &str, l: &LatencySummary, sorted: &[u64]) {
    assert_eq!(l.count, sorted.len() as u64, "{what} count");
    assert_eq!(l.min_us, sorted.first().copied(), "{what} min");
    assert_eq!(l.max_us, sorted.last().copied(), "{what} max");
    let mean =
        (!sorted.is_empty()).then(|| sorted.iter().sum::<u64>() as f64 / sorted.len() as f64);
    assert_eq!(l.mean_us, mean, "{what} mean");
    assert_within(
        &format!("{what} p50"),
        l.p50_us,
        exact_quantile(sorted, 0.5),
    );
    assert_within(
        &format!("{what} p90"),
        l.p90_us,
        exact_quantile(sorted, 0.9),
    );
    assert_within(
        &format!("{what} p99"),
        l.p99_us,
        exact_quantile(sorted, 0.99),
    );
}

#[test]
fn summary_matches_the_naive_computation_over_several_ranges() {
    let r = run(1);
    let whole = TimeRange::new(T0, T0 + DAY).expect("range");
    let hours = rollup(r.minutes.iter(), Granularity::Hour).expect("rollup");
    // Sealed buckets as a store hands them back (frozen sketches, summed
    // bin by bin) answer exactly the same.
    let stored: Vec<Bucket> = r
        .minutes
        .iter()
        .map(|b| {
            let mut b = b.clone();
            b.seal();
            serde_json::from_str(&serde_json::to_string(&b).expect("json")).expect("bucket")
        })
        .collect();
    for account in ["acct_a", "acct_b"] {
        let from_store = summary(
            account,
            whole,
            stored.iter().filter(|b| b.account() == account),
        )
        .expect("summary");
        let in_memory =
            summary(account, whole, r.minutes.buckets(account, whole)).expect("summary");
        assert_eq!(from_store, in_memory);
        let q = TimeseriesQuery {
            metric: Metric::IngestToDeliveryP90,
            granularity: Granularity::Hour,
            range: whole,
            filter: Filter::none(),
        };
        assert_eq!(
            timeseries(
                account,
                &q,
                stored.iter().filter(|b| b.account() == account)
            ),
            timeseries(account, &q, r.minutes.buckets(account, whole))
        );
    }
    for account in ["acct_a", "acct_b"] {
        for (from, to) in [
            (T0, T0 + DAY),
            (T0, T0 + HOUR),
            (T0 + 17 * MINUTE, T0 + 93 * MINUTE),
            (T0 + 149 * MINUTE, T0 + 150 * MINUTE),
            (T0 + 5 * HOUR, T0 + 6 * HOUR),
        ] {
            let range = TimeRange::new(from, to).expect("range");
            let s = summary(account, range, r.minutes.buckets(account, whole)).expect("summary");
            let naive = Naive::of(&r.unique, account, from, to);
            check_summary(&s, &naive);
            assert_eq!(s.account, account);
            assert_eq!((s.from, s.to), (from, to));
        }
        // Hour buckets (merged from minutes) give the same numbers.
        let range = TimeRange::new(T0, T0 + 3 * HOUR).expect("range");
        let by_hour = summary(
            account,
            range,
            hours.iter().filter(|b| b.account() == account),
        )
        .expect("summary");
        check_summary(&by_hour, &Naive::of(&r.unique, account, T0, T0 + 3 * HOUR));
        let by_minute =
            summary(account, range, r.minutes.buckets(account, whole)).expect("summary");
        assert_eq!(by_hour.events, by_minute.events);
        assert_eq!(by_hour.deliveries, by_minute.deliveries);
        assert_eq!(by_hour.api, by_minute.api);
    }
    // The workload exercises what it should.
    let n = Naive::of(&r.unique, "acct_a", T0, T0 + DAY);
    assert!(
        n.retries > 100 && n.dead > 50 && n.succeeded > 1000,
        "{n:?}"
    );
    assert!(n.by_reason.len() == 4, "{:?}", n.by_reason);
    assert!(n.ingest.contains(&0));
}

#[test]
fn timeseries_points_match_per_minute_and_per_hour() {
    let r = run(2);
    let whole = TimeRange::new(T0, T0 + DAY).expect("range");
    let account = "acct_b";
    let minutes_range = TimeRange::new(T0, T0 + 3 * HOUR).expect("range");
    let mut inexact_points = 0;
    // The naive numbers of every point, computed once.
    let mut naive = std::collections::HashMap::new();
    for (g, range) in [
        (Granularity::Minute, minutes_range),
        (Granularity::Hour, whole),
    ] {
        for start in (range.from..range.to).step_by(g.micros() as usize) {
            naive.insert(
                (g, start),
                Naive::of(&r.unique, account, start, start + g.micros()),
            );
        }
    }
    for metric in Metric::ALL {
        for (g, range) in [
            (Granularity::Minute, minutes_range),
            (Granularity::Hour, whole),
        ] {
            let q = TimeseriesQuery {
                metric,
                granularity: g,
                range,
                filter: Filter::none(),
            };
            let ts =
                timeseries(account, &q, r.minutes.buckets(account, whole)).expect("timeseries");
            assert_eq!(
                ts.points.len() as i64,
                range.micros() / g.micros(),
                "{metric:?}"
            );
            for p in &ts.points {
                let n = &naive[&(g, p.start)];
                assert!(p.exact);
                let rate = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
                let expected = match metric {
                    Metric::Events => Value::Count(n.events),
                    Metric::IngestLatencyP50
                    | Metric::IngestLatencyP90
                    | Metric::IngestLatencyP99
                    | Metric::IngestToDeliveryP50
                    | Metric::IngestToDeliveryP90
                    | Metric::IngestToDeliveryP99 => {
                        let q = match metric {
                            Metric::IngestLatencyP50 | Metric::IngestToDeliveryP50 => 0.5,
                            Metric::IngestLatencyP90 | Metric::IngestToDeliveryP90 => 0.9,
                            _ => 0.99,
                        };
                        let samples = if matches!(
                            metric,
                            Metric::IngestLatencyP50
                                | Metric::IngestLatencyP90
                                | Metric::IngestLatencyP99
                        ) {
                            &n.ingest
                        } else {
                            &n.i2d
                        };
                        let Value::Micros(v) = p.value else {
                            panic!("{metric:?}: {:?}", p.value)
                        };
                        assert_within(
                            &format!("{metric:?} at {}", p.start),
                            v,
                            exact_quantile(samples, q),
                        );
                        continue;
                    }
                    Metric::ApiRequests => Value::Count(n.requests),
                    Metric::ApiErrors => Value::Count(n.class(400) + n.class(500)),
                    Metric::ApiErrorRate => {
                        Value::Rate(rate(n.class(400) + n.class(500), n.requests))
                    }
                    Metric::DeliveryAttempts => Value::Count(n.attempts),
                    Metric::DeliveriesSucceeded => Value::Count(n.succeeded),
                    Metric::DeliveryFailures => Value::Count(n.attempts - n.succeeded),
                    Metric::Retries => Value::Count(n.retries),
                    Metric::DeadLetters => Value::Count(n.dead),
                    Metric::AttemptSuccessRate => Value::Rate(rate(n.succeeded, n.attempts)),
                    Metric::DeliverySuccessRate => {
                        Value::Rate(rate(n.succeeded, n.succeeded + n.dead))
                    }
                };
                assert_eq!(p.value, expected, "{metric:?} at {}", p.start);
            }
        }
    }
    // Filtered event counts: exact where the answer says so, a lower bound
    // elsewhere.
    let sources = ["src-0", "src-3", "src-40", "src-150"];
    let types = ["type.0", "type.7", "type.29"];
    for s in sources {
        for t in types {
            for filter in [
                Filter {
                    source: Some(s.into()),
                    event_type: None,
                },
                Filter {
                    source: None,
                    event_type: Some(t.into()),
                },
                Filter {
                    source: Some(s.into()),
                    event_type: Some(t.into()),
                },
            ] {
                let q = TimeseriesQuery {
                    metric: Metric::Events,
                    granularity: Granularity::Minute,
                    range: minutes_range,
                    filter: filter.clone(),
                };
                let ts =
                    timeseries(account, &q, r.minutes.buckets(account, whole)).expect("timeseries");
                for p in &ts.points {
                    let n = &naive[&(Granularity::Minute, p.start)];
                    let expected = match (&filter.source, &filter.event_type) {
                        (Some(s), None) => n.by_source.get(s).copied(),
                        (None, Some(t)) => n.by_type.get(t).copied(),
                        _ => n.by_pair.get(&(s.to_owned(), t.to_owned())).copied(),
                    }
                    .unwrap_or(0);
                    let Value::Count(v) = p.value else {
                        panic!("{:?}", p.value)
                    };
                    if p.exact {
                        assert_eq!(v, expected, "{filter:?} at {}", p.start);
                    } else {
                        inexact_points += 1;
                        assert!(v <= expected, "{filter:?} at {}", p.start);
                    }
                }
            }
        }
    }
    assert!(
        inexact_points > 0,
        "the workload should overflow the source cap somewhere"
    );
}

#[test]
fn breakdowns_match_with_exactness_flags() {
    let r = run(3);
    let account = "acct_a";
    let range = TimeRange::new(T0, T0 + DAY).expect("range");
    let n = Naive::of(&r.unique, account, T0, T0 + DAY);
    let mut exact_rows = 0;
    let mut inexact_rows = 0;
    for dimension in Dimension::ALL {
        let q = BreakdownQuery {
            dimension,
            range,
            top_n: 1_000,
            filter: Filter::none(),
        };
        let b = breakdown(account, &q, r.minutes.buckets(account, range)).expect("breakdown");
        assert_eq!(
            b.rows.iter().map(|r| r.count).sum::<u64>() + b.other,
            b.total
        );
        assert!(b.total_exact);
        assert!(b.rows.windows(2).all(|w| w[0].count >= w[1].count));
        let (total, expected): (u64, Vec<(String, u64)>) = match dimension {
            Dimension::Source => (
                n.events,
                n.by_source.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            ),
            Dimension::EventType => (
                n.events,
                n.by_type.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            ),
            Dimension::Webhook => (
                n.attempts,
                n.by_webhook
                    .iter()
                    .map(|(k, v)| (format_id(*k), v.0))
                    .collect(),
            ),
            Dimension::ApiStatus => (
                n.requests,
                n.by_status
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
            ),
            Dimension::DeliveryOutcome => (
                n.attempts,
                n.by_outcome
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
            ),
            Dimension::DeadLetterReason => (
                n.dead,
                n.by_reason
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
            ),
        };
        assert_eq!(b.total, total, "{dimension:?}");
        let expected: std::collections::BTreeMap<String, u64> = expected.into_iter().collect();
        for row in &b.rows {
            let want = expected.get(&row.key).copied().unwrap_or(0);
            if row.exact {
                exact_rows += 1;
                assert_eq!(row.count, want, "{dimension:?} {}", row.key);
            } else {
                inexact_rows += 1;
                assert!(row.count <= want, "{dimension:?} {}", row.key);
            }
            if let Some(w) = &row.webhook {
                let id = parse_id(&row.key).expect("webhook id");
                let e = n.by_webhook[&id];
                assert_eq!(
                    (w.attempts, w.succeeded, w.retries, w.dead_lettered),
                    e,
                    "{}",
                    row.key
                );
            }
        }
        if matches!(
            dimension,
            Dimension::ApiStatus | Dimension::DeliveryOutcome | Dimension::DeadLetterReason
        ) {
            assert_eq!(b.rows.len(), expected.len(), "{dimension:?}: every key");
            assert_eq!(b.other, 0);
        }
        // Top 3 and the rest.
        let top = breakdown(
            account,
            &BreakdownQuery {
                top_n: 3,
                ..q.clone()
            },
            r.minutes.buckets(account, range),
        )
        .expect("breakdown");
        assert!(top.rows.len() <= 3);
        assert_eq!(top.rows[..], b.rows[..top.rows.len()]);
        assert_eq!(
            top.other,
            b.total - top.rows.iter().map(|r| r.count).sum::<u64>()
        );
    }
    assert!(exact_rows > 50, "{exact_rows}");
    assert!(inexact_rows > 0, "the source cap should overflow somewhere");

    // Filtered: sources of one event type, event types of one source.
    for (dimension, filter) in [
        (
            Dimension::Source,
            Filter {
                source: None,
                event_type: Some("type.1".into()),
            },
        ),
        (
            Dimension::EventType,
            Filter {
                source: Some("src-2".into()),
                event_type: None,
            },
        ),
    ] {
        let q = BreakdownQuery {
            dimension,
            range,
            top_n: 1_000,
            filter: filter.clone(),
        };
        let b = breakdown(account, &q, r.minutes.buckets(account, range)).expect("breakdown");
        let expected_total = match (&filter.source, &filter.event_type) {
            (Some(s), _) => n.by_source[s],
            (_, Some(t)) => n.by_type[t],
            _ => unreachable!(),
        };
        if b.total_exact {
            assert_eq!(b.total, expected_total);
        } else {
            assert!(b.total <= expected_total);
        }
        assert!(!b.rows.is_empty());
        for row in &b.rows {
            let key = match (&filter.source, &filter.event_type) {
                (Some(s), _) => (s.clone(), row.key.clone()),
                (_, Some(t)) => (row.key.clone(), t.clone()),
                _ => unreachable!(),
            };
            let want = n.by_pair.get(&key).copied().unwrap_or(0);
            if row.exact {
                assert_eq!(row.count, want, "{key:?}");
            } else {
                assert!(row.count <= want, "{key:?}");
            }
        }
    }
}

#[test]
fn export_rows_match_buckets() {
    let r = run(4);
    let range = TimeRange::new(T0, T0 + DAY).expect("range");
    let mut lines = 0;
    for b in r.minutes.buckets("acct_a", range) {
        let row = ExportRow::of(b);
        let n = Naive::of(&r.unique, "acct_a", b.start(), b.end());
        assert_eq!(row.events, n.events);
        assert_eq!(row.api_requests, n.requests);
        assert_eq!(row.api_2xx, n.class(200));
        assert_eq!(row.api_4xx, n.class(400));
        assert_eq!(row.api_5xx, n.class(500));
        assert_eq!(row.delivery_attempts, n.attempts);
        assert_eq!(row.deliveries_succeeded, n.succeeded);
        assert_eq!(row.delivery_failures, n.attempts - n.succeeded);
        assert_eq!(row.retries, n.retries);
        assert_eq!(row.dead_letters, n.dead);
        assert_within(
            "export p99",
            row.ingest_latency_p99_us,
            exact_quantile(&n.ingest, 0.99),
        );
        let csv = row.to_csv();
        assert_eq!(
            csv.split(',').count(),
            ExportRow::CSV_HEADER.split(',').count()
        );
        assert!(csv.starts_with(&format!("acct_a,minute,{},", b.start())));
        lines += 1;
    }
    assert!(lines > 100);
}
