//! `/v1/analytics/*` end to end: a known workload (events from several
//! sources and types, deliveries that succeed, retry, and die) goes through
//! the real API and the real webhook engine to a receiver on 127.0.0.1, and
//! every number the API reports is checked against what the workload
//! implies: counts exactly, percentiles against their exact bounds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use triggers_analytics::store::covering;
use triggers_analytics::{TimeRange, summary};

use crate::support::{Server, error_code, foreign_account_key};
use crate::webhooks::{Receiver, Reply, create_webhook, eventually, local_server, settle};

const SOURCES: [&str; 3] = ["shop", "crm", "ads"];
const TYPES: [&str; 2] = ["order.created", "order.paid"];
const EVENTS: u64 = 40;

/// The account's API requests as the analytics store holds them (read
/// in-process, so reading adds no request of its own).
async fn stored_requests(s: &Server, account: &str) -> u64 {
    let now = triggers_service::core::time::now_micros();
    let range = TimeRange::new(now - 86_400_000_000, now + 60_000_000).unwrap();
    let buckets = covering(&*s.state.analytics, account, range).await.unwrap();
    summary(account, range, &buckets).unwrap().api.requests
}

/// Waits until the folder has written `n` requests of the account.
async fn requests_flushed(s: &Server, account: &str, n: u64) {
    eventually(&format!("{n} API requests in analytics"), || async move {
        (stored_requests(s, account).await == n).then_some(())
    })
    .await;
}

async fn get_json(s: &Server, path: &str, key: &str) -> Value {
    let res = s.get(path, key).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_workload_is_reported_exactly() {
    let s = local_server(|w| w.max_retries = 1).await;
    let key = s.admin_key.clone();
    // n % 5 == 0: always 500 (2 attempts, then a dead letter);
    // n % 5 == 1: 500 once, then 200 (2 attempts); else 200 at once.
    let tries: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let r = Receiver::start(move |_, req| {
        let n = req.json()["data"]["n"].as_u64().unwrap();
        let mut tries = tries.lock().unwrap();
        let t = tries.entry(n).or_insert(0);
        *t += 1;
        match (n % 5, *t) {
            (0, _) | (1, 1) => Reply::status(500),
            _ => Reply::ok(),
        }
    })
    .await;
    let (webhook_id, _) = create_webhook(&s, &key, json!({ "url": r.url, "events": ["*"] })).await;
    for n in 0..EVENTS {
        let body = json!({
            "source": SOURCES[(n % 3) as usize],
            "event_type": TYPES[(n % 2) as usize],
            "payload": { "n": n },
        });
        assert_eq!(s.post_json("/v1/events", &key, body).await.status(), 201);
    }
    // Two errors: 404 and 400.
    let missing = format!("/v1/events/{}", uuid::Uuid::new_v4());
    assert_eq!(s.get(&missing, &key).await.status(), 404);
    let bad = s
        .post_json("/v1/events", &key, json!({ "source": "" }))
        .await;
    assert_eq!(bad.status(), 400);
    // An idempotent replay is not a new event.
    let once = json!({ "source": "shop", "event_type": "order.created", "payload": { "n": 1000 }, "idempotency_key": "k1" });
    assert_eq!(
        s.post_json("/v1/events", &key, once.clone()).await.status(),
        201
    );
    assert_eq!(s.post_json("/v1/events", &key, once).await.status(), 200);
    let events = EVENTS + 1; // n = 1000 is delivered at once (1000 % 5 == 0!)
    settle(&s).await;
    // 1 webhook + 40 events + 2 errors + 2 idempotent posts.
    let requests = 1 + EVENTS + 2 + 2;
    requests_flushed(&s, "acct_default", requests).await;

    // The breakdown by status first: it sees exactly the workload.
    let b = get_json(&s, "/v1/analytics/breakdown?by=api_status", &key).await;
    let by: HashMap<&str, u64> = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), count(&r["count"])))
        .collect();
    assert_eq!(
        by,
        HashMap::from([("201", 1 + EVENTS + 1), ("200", 1), ("404", 1), ("400", 1)])
    );
    requests_flushed(&s, "acct_default", requests + 1).await;

    // Deliveries: n % 5 == 0 → 2 failed attempts + a dead letter (8 + the
    // replayed n = 1000); n % 5 == 1 → a failure then a success; else one success.
    let dead = (0..EVENTS).filter(|n| n % 5 == 0).count() as u64 + 1;
    let flaky = (0..EVENTS).filter(|n| n % 5 == 1).count() as u64;
    let fine = events - dead - flaky;
    let v = get_json(&s, "/v1/analytics/summary", &key).await;
    assert_eq!(count(&v["events"]["total"]), events);
    assert_eq!(count(&v["events"]["ingest_latency"]["count"]), events);
    let api = &v["api"];
    assert_eq!(count(&api["requests"]), requests + 1);
    assert_eq!(count(&api["errors"]), 2);
    assert_eq!(count(&api["by_class"]["4xx"]), 2);
    assert_eq!(count(&api["by_class"]["2xx"]), requests + 1 - 2);
    assert_eq!(
        api["error_rate"].as_f64().unwrap(),
        2.0 / (requests + 1) as f64
    );
    let d = &v["deliveries"];
    let attempts = 2 * dead + 2 * flaky + fine;
    let succeeded = flaky + fine;
    assert_eq!(count(&d["attempts"]), attempts);
    assert_eq!(count(&d["first_attempts"]), events);
    assert_eq!(count(&d["retries"]), dead + flaky);
    assert_eq!(count(&d["succeeded"]), succeeded);
    assert_eq!(count(&d["failed"]), attempts - succeeded);
    assert_eq!(count(&d["dead_lettered"]), dead);
    assert_eq!(count(&d["by_outcome"]["2xx"]), succeeded);
    assert_eq!(count(&d["by_outcome"]["5xx"]), attempts - succeeded);
    assert_eq!(
        count(&d["dead_letters_by_reason"]["retries_exhausted"]),
        dead
    );
    assert_eq!(
        d["attempt_success_rate"].as_f64().unwrap(),
        succeeded as f64 / attempts as f64
    );
    assert_eq!(
        d["delivery_success_rate"].as_f64().unwrap(),
        succeeded as f64 / (succeeded + dead) as f64
    );
    for l in [&v["events"]["ingest_latency"], &d["ingest_to_delivery"]] {
        let (min, max) = (l["min_us"].as_f64().unwrap(), l["max_us"].as_f64().unwrap());
        let (p50, p99) = (l["p50_us"].as_f64().unwrap(), l["p99_us"].as_f64().unwrap());
        // DDSketch: within 1% of a value between the exact min and max.
        assert!(min * 0.99 <= p50 && p50 <= p99 && p99 <= max * 1.01, "{l}");
    }
    assert_eq!(count(&d["ingest_to_delivery"]["count"]), succeeded);

    // Breakdowns by source and type, exact.
    let b = get_json(&s, "/v1/analytics/breakdown?by=source", &key).await;
    let rows: HashMap<&str, u64> = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), count(&r["count"])))
        .collect();
    for (i, src) in SOURCES.iter().enumerate() {
        let mut want = (0..EVENTS).filter(|n| *n % 3 == i as u64).count() as u64;
        if *src == "shop" {
            want += 1; // n = 1000
        }
        assert_eq!(rows[src], want, "{src}");
    }
    assert_eq!(
        (
            count(&b["total"]),
            b["total_exact"].as_bool(),
            count(&b["other"])
        ),
        (events, Some(true), 0)
    );
    let b = get_json(&s, "/v1/analytics/breakdown?by=event_type&source=crm", &key).await;
    let crm_paid = (0..EVENTS).filter(|n| n % 3 == 1 && n % 2 == 1).count() as u64;
    let paid = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "order.paid")
        .unwrap();
    assert_eq!(count(&paid["count"]), crm_paid);
    let b = get_json(&s, "/v1/analytics/breakdown?by=webhook", &key).await;
    assert_eq!(b["rows"][0]["key"], webhook_id.as_str());
    let w = &b["rows"][0]["webhook"];
    assert_eq!(
        (
            count(&w["attempts"]),
            count(&w["succeeded"]),
            count(&w["retries"]),
            count(&w["dead_lettered"])
        ),
        (attempts, succeeded, dead + flaky, dead)
    );

    // Timeseries: the points add up; a filter picks one source.
    let sum = |v: &Value| {
        v["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64().unwrap_or(0.0))
            .sum::<f64>()
    };
    let ts = get_json(&s, "/v1/analytics/timeseries?bucket=minute", &key).await;
    assert_eq!(sum(&ts) as u64, events);
    let ts = get_json(
        &s,
        "/v1/analytics/timeseries?bucket=hour&metric=dead_letters",
        &key,
    )
    .await;
    assert_eq!(sum(&ts) as u64, dead);
    let ts = get_json(&s, "/v1/analytics/timeseries?bucket=day&source=ads", &key).await;
    assert_eq!(
        sum(&ts) as u64,
        (0..EVENTS).filter(|n| n % 3 == 2).count() as u64
    );

    // Exports: CSV and JSON carry the same rows, which add up.
    let res = s
        .req(Method::GET, "/v1/analytics/export?bucket=minute", &key)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header, triggers_service::http::analytics::export_columns());
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert!(!rows.is_empty());
    let total = |name: &str| {
        rows.iter()
            .map(|r| r[col(name)].parse::<u64>().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        (
            total("events"),
            total("delivery_attempts"),
            total("dead_letters")
        ),
        (events, attempts, dead)
    );
    let json_export = get_json(&s, "/v1/analytics/export?bucket=minute&format=json", &key).await;
    let jrows = json_export["rows"].as_array().unwrap();
    assert_eq!(jrows.len(), rows.len());
    for (j, c) in jrows.iter().zip(&rows) {
        assert_eq!(j["start"].as_str().unwrap(), c[col("start")]);
        assert_eq!(
            count(&j["events"]),
            c[col("events")].parse::<u64>().unwrap()
        );
    }

    // Another account sees none of it; a standard key may not look.
    let (_, other, _) = foreign_account_key(&s).await;
    let v = get_json(&s, "/v1/analytics/summary", &other).await;
    assert_eq!(
        (
            count(&v["events"]["total"]),
            count(&v["deliveries"]["attempts"])
        ),
        (0, 0)
    );
    let (_, standard, _) = s
        .create_key(json!({ "name": "ingest", "role": "standard" }))
        .await;
    assert_eq!(
        error_code(s.get("/v1/analytics/summary", &standard).await).await,
        (403, "forbidden".into())
    );
    s.stop().await;
}

#[tokio::test]
async fn bad_analytics_queries_are_clear_400s() {
    let s = Server::start().await;
    let k = s.admin_key.clone();
    for (path, code) in [
        ("/v1/analytics/summary?from=yesterday", "invalid_query"),
        ("/v1/analytics/summary?bogus=1", "invalid_query"),
        ("/v1/analytics/timeseries?metric=nope", "invalid_query"),
        ("/v1/analytics/timeseries?bucket=week", "invalid_query"),
        (
            "/v1/analytics/timeseries?metric=retries&source=shop",
            "filter_not_supported",
        ),
        (
            "/v1/analytics/timeseries?bucket=minute&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "too_many_points",
        ),
        ("/v1/analytics/timeseries?source=", "invalid_query"),
        ("/v1/analytics/breakdown", "invalid_query"),
        ("/v1/analytics/breakdown?by=source&limit=0", "invalid_query"),
        (
            "/v1/analytics/breakdown?by=source&source=shop",
            "filter_not_supported",
        ),
        (
            "/v1/analytics/breakdown?by=webhook&event_type=x",
            "filter_not_supported",
        ),
        ("/v1/analytics/export?format=xml", "invalid_query"),
    ] {
        assert_eq!(
            error_code(s.get(path, &k).await).await,
            (400, code.to_owned()),
            "{path}"
        );
    }
    // An empty range (to before from) is an empty answer, not an error.
    let v: Value = s
        .get(
            "/v1/analytics/timeseries?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &k,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["points"], json!([]));
    assert_eq!(v["from"], v["to"]);
    // Times before 1970 count as 1970; far future is fine.
    let res = s
        .get(
            "/v1/analytics/summary?from=1900-01-01T00:00:00Z&to=9999-12-31T00:00:00Z",
            &k,
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["from"], "1970-01-01T00:00:00Z");
    s.stop().await;
}
