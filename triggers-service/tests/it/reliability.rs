//! Crash and shutdown: nothing acknowledged is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::{Client, Method};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::support::{Process, event, free_port, send, token};

/// Posts events from `workers` tasks until `stop` is set; returns the ids of
/// every event whose POST was answered 2xx, with its payload number.
async fn load(
    base: String,
    key: String,
    workers: usize,
    acked: Arc<Mutex<Vec<(String, u64)>>>,
    count: Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..workers)
        .map(|w| {
            let (base, key, acked, count) =
                (base.clone(), key.clone(), acked.clone(), count.clone());
            tokio::spawn(async move {
                let client = Client::new();
                for i in 0.. {
                    let n = (w as u64) * 1_000_000 + i;
                    let res = client
                        .post(format!("{base}/v1/events"))
                        .bearer_auth(&key)
                        .json(&event("load", "load.test", n))
                        .send()
                        .await;
                    let Ok(res) = res else { break }; // server gone
                    if !res.status().is_success() {
                        break;
                    }
                    let Ok(v) = res.json::<Value>().await else {
                        break;
                    };
                    let id = v["event_id"].as_str().unwrap_or_default().to_owned();
                    acked.lock().await.push((id, n));
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect()
}

async fn check_all_present(base: &str, key: &str, acked: &[(String, u64)]) {
    let client = Client::new();
    for (id, n) in acked {
        let res = send(&client, base, key, Method::GET, &format!("/v1/events/{id}")).await;
        assert_eq!(res.status(), 200, "acknowledged event {id} lost");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["payload"]["n"].as_u64(), Some(*n));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut p = Process::start(dir.path(), port).await;
    let text = p.stdout(Some("curl ")).await;
    let key = token(&text, "trgk_").expect("first start prints the admin key");

    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let workers = load(p.base.clone(), key.clone(), 8, acked.clone(), count.clone()).await;
    // Kill while requests are in flight, once a good number were answered.
    while count.load(Ordering::SeqCst) < 400 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    p.sigkill();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() >= 400);

    let p2 = Process::start(dir.path(), port).await;
    assert!(
        !p2.stdout(None).await.contains("trgk_"),
        "a later start must never print a secret"
    );
    check_all_present(&p2.base, &key, &acked).await;
    let mut p2 = p2;
    p2.sigkill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut p = Process::start(dir.path(), port).await;
    let text = p.stdout(Some("curl ")).await;
    let key = token(&text, "trgk_").unwrap();

    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let workers = load(p.base.clone(), key.clone(), 8, acked.clone(), count.clone()).await;
    while count.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    p.sigterm();
    let status = tokio::task::spawn_blocking(move || p.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().await.clone();
    let mut p2 = Process::start(dir.path(), port).await;
    check_all_present(&p2.base, &key, &acked).await;
    p2.sigkill();
}
