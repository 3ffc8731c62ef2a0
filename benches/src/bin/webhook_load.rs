//! Webhook delivery load test: ingest → fan-out → signed POST → receiver,
//! end to end over loopback, against the release `triggers-service` binary.
//!
//! ```text
//! webhook_load --bin target/release/triggers-service --webhooks 10 --seconds 30
//!              [--rate EVENTS_PER_SEC] [--concurrency 64] [--outage SECS]
//! ```
//!
//! - A receiver (hyper, HTTP/1.1 keep-alive) on 127.0.0.1 answers 200 and
//!   records, for every delivery, now − the `sent_us` the load generator put
//!   in the 1 KiB payload: the ingest-to-delivery latency.
//! - The service runs as a child process on a fresh data directory (SQLite,
//!   durable commits), local delivery allowed; `--webhooks` webhooks all
//!   subscribe to every event and all point at the receiver.
//! - `--rate 0` (default): closed loop, `--concurrency` clients post events
//!   as fast as the service accepts them. `--rate N`: open loop, N events/s.
//! - `--outage S`: the receiver is down (its port closed: connection refused)
//!   for S seconds in the middle of the run; the service's RSS is sampled
//!   every second throughout.
//!
//! Prints one `RESULT` line: events accepted, deliveries, deliveries/s
//! (during the load, and end to end including the drain), latency
//! percentiles, RSS samples.

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

struct Args {
    bin: String,
    webhooks: usize,
    seconds: u64,
    rate: u64,
    concurrency: usize,
    outage: u64,
    baseline: bool,
}

fn args() -> Res<Args> {
    let mut a = Args {
        bin: "target/release/triggers-service".into(),
        webhooks: 10,
        seconds: 30,
        rate: 0,
        concurrency: 64,
        outage: 0,
        baseline: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--baseline" {
            a.baseline = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bin" => a.bin = value,
            "--webhooks" => a.webhooks = value.parse()?,
            "--seconds" => a.seconds = value.parse()?,
            "--rate" => a.rate = value.parse()?,
            "--concurrency" => a.concurrency = value.parse()?,
            "--outage" => a.outage = value.parse()?,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

#[derive(Default)]
struct Recorder {
    deliveries: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
    last_us: AtomicU64,
}

/// Finds `"sent_us":<digits>` in the body.
fn sent_us(body: &[u8]) -> Option<u64> {
    let key = b"\"sent_us\":";
    let at = body.windows(key.len()).position(|w| w == key)? + key.len();
    let digits: Vec<u8> = body[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

async fn receive(
    rec: Arc<Recorder>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let now = now_us();
    if let Some(sent) = sent_us(&body) {
        rec.latencies_us.lock().await.push(now.saturating_sub(sent));
    }
    rec.deliveries.fetch_add(1, Ordering::Relaxed);
    rec.last_us.store(now, Ordering::Relaxed);
    Ok(Response::new(Full::new(Bytes::from_static(b"ok"))))
}

/// Serves until `up` turns false (then the port closes: connection refused).
async fn run_receiver(listener: TcpListener, rec: Arc<Recorder>, up: Arc<AtomicBool>) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let rec = rec.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| receive(rec.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            () = tokio::time::sleep(Duration::from_millis(50)) => {
                if !up.load(Ordering::Relaxed) {
                    conns.abort_all();
                    return;
                }
            }
        }
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

struct Service {
    child: Child,
    base: String,
    key: String,
    _dir: tempfile::TempDir,
}

fn start_service(bin: &str) -> Res<Service> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env("TRIGGERS_WEBHOOKS_ALLOW_LOCAL", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut key = None;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line?;
        if let Some(start) = line.find("trgk_") {
            key = Some(
                line[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>(),
            );
            break;
        }
    }
    // Keep draining: a closed pipe would fail the service's later prints.
    std::thread::spawn(move || for _ in lines {});
    Ok(Service {
        child,
        base: format!("http://127.0.0.1:{port}"),
        key: key.ok_or("the service printed no admin key")?,
        _dir: dir,
    })
}

async fn post(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    key: &str,
    body: String,
) -> Res<(u16, Bytes)> {
    let req = Request::post(url)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let res = client.request(req).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

#[tokio::main]
async fn main() -> Res<()> {
    let a = args()?;
    let rec = Arc::new(Recorder::default());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let recv_addr: SocketAddr = listener.local_addr()?;
    let up = Arc::new(AtomicBool::new(true));
    let mut receiver = tokio::spawn(run_receiver(listener, rec.clone(), up.clone()));

    if a.baseline {
        return baseline(&a, recv_addr, rec).await;
    }
    let svc = start_service(&a.bin)?;
    let pid = svc.child.id();
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    for _ in 0..100 {
        let ok = client
            .get(format!("{}/healthz", svc.base).parse()?)
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for i in 0..a.webhooks {
        let body = format!(r#"{{"url":"http://{recv_addr}/hook/{i}","events":["*"]}}"#);
        let (status, text) = post(
            &client,
            &format!("{}/v1/webhooks", svc.base),
            &svc.key,
            body,
        )
        .await?;
        if status != 201 {
            return Err(format!(
                "creating a webhook: {status} {}",
                String::from_utf8_lossy(&text)
            )
            .into());
        }
    }
    // Let the engine's webhook cache see them all.
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let padding = "x".repeat(1024 - 120);
    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let url = Arc::new(format!("{}/v1/events", svc.base));
    let key = Arc::new(svc.key.clone());
    let rss = Arc::new(Mutex::new(Vec::new()));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (rss, sampling) = (rss.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                rss.lock().await.push(rss_kb(pid));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    let start = Instant::now();
    let start_us = now_us();
    let end = start + Duration::from_secs(a.seconds);
    let one = {
        let (client, url, key, accepted, refused, padding) = (
            client.clone(),
            url.clone(),
            key.clone(),
            accepted.clone(),
            refused.clone(),
            padding.clone(),
        );
        move || {
            let (client, url, key, accepted, refused, padding) = (
                client.clone(),
                url.clone(),
                key.clone(),
                accepted.clone(),
                refused.clone(),
                padding.clone(),
            );
            async move {
                let body = format!(
                    r#"{{"source":"load","event_type":"load.tick","payload":{{"sent_us":{},"pad":"{padding}"}}}}"#,
                    now_us()
                );
                match post(&client, &url, &key, body).await {
                    Ok((201, _)) => accepted.fetch_add(1, Ordering::Relaxed),
                    _ => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }
    };
    let outage_at =
        (a.outage > 0).then(|| start + Duration::from_secs(a.seconds.saturating_sub(a.outage) / 2));
    let mut outage_done = a.outage == 0;
    let delivered_at_start_of_window = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Semaphore::new(a.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let mut tick = tokio::time::interval(Duration::from_micros(
        1_000_000u64.checked_div(a.rate).unwrap_or(1_000),
    ));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let warmup_done = start + Duration::from_secs(2);
    let mut warm = false;
    while Instant::now() < end {
        if !warm && Instant::now() >= warmup_done {
            warm = true;
            delivered_at_start_of_window
                .store(rec.deliveries.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        if let Some(at) = outage_at {
            if !outage_done && Instant::now() >= at && up.load(Ordering::Relaxed) {
                up.store(false, Ordering::Relaxed);
                let _ = (&mut receiver).await;
                eprintln!("receiver down at {:?}", start.elapsed());
            }
            if !outage_done
                && !up.load(Ordering::Relaxed)
                && Instant::now() >= at + Duration::from_secs(a.outage)
            {
                let listener = TcpListener::bind(recv_addr).await?;
                up.store(true, Ordering::Relaxed);
                receiver = tokio::spawn(run_receiver(listener, rec.clone(), up.clone()));
                outage_done = true;
                eprintln!("receiver up at {:?}", start.elapsed());
            }
        }
        let permit = gate.clone().acquire_owned().await?;
        if a.rate > 0 {
            tick.tick().await;
        }
        let f = one();
        tasks.spawn(async move {
            f.await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let load_secs = start.elapsed().as_secs_f64();
    let delivered_during_load = rec.deliveries.load(Ordering::Relaxed);
    let window_deliveries =
        delivered_during_load - delivered_at_start_of_window.load(Ordering::Relaxed);
    let window_secs = load_secs - 2.0;

    // Drain: wait until every accepted event reached every webhook (or 120 s
    // without progress).
    let expected = accepted.load(Ordering::Relaxed) * a.webhooks as u64;
    let mut last = 0;
    let mut idle_since = Instant::now();
    while rec.deliveries.load(Ordering::Relaxed) < expected
        && idle_since.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = rec.deliveries.load(Ordering::Relaxed);
        if now != last {
            last = now;
            idle_since = Instant::now();
        }
    }
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let delivered = rec.deliveries.load(Ordering::Relaxed);
    let end_to_end_secs =
        (rec.last_us.load(Ordering::Relaxed).saturating_sub(start_us)) as f64 / 1e6;
    let mut lat = std::mem::take(&mut *rec.latencies_us.lock().await);
    lat.sort_unstable();
    let rss = rss.lock().await.clone();
    let rss_max = rss.iter().copied().max().unwrap_or(0);
    // Dead letters (deliveries given up after the retry budget), by paging.
    let mut dead = 0u64;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{}/v1/dead-letters?limit=100&cursor={c}", svc.base),
            None => format!("{}/v1/dead-letters?limit=100", svc.base),
        };
        let req = Request::get(url)
            .header("authorization", format!("Bearer {}", svc.key))
            .body(Full::new(Bytes::new()))?;
        let body = client
            .request(req)
            .await?
            .into_body()
            .collect()
            .await?
            .to_bytes();
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        dead += page["dead_letters"]
            .as_array()
            .map_or(0, |a| a.len() as u64);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut svc = svc;
    let _ = svc.child.kill();
    let _ = svc.child.wait();
    println!(
        "RESULT webhooks={} seconds={} rate={} accepted={} refused={} expected_deliveries={} delivered={} \
         load_window_deliveries_per_s={:.0} end_to_end_deliveries_per_s={:.0} \
         dead_letters={} latency_ms_p50={:.1} p90={:.1} p99={:.1} max={:.1} rss_kb_max={} rss_kb_first={} rss_kb_last={}",
        a.webhooks,
        a.seconds,
        a.rate,
        accepted.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        expected,
        delivered,
        window_deliveries as f64 / window_secs,
        delivered as f64 / end_to_end_secs,
        dead,
        percentile(&lat, 0.50),
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
        rss_max,
        rss.first().copied().unwrap_or(0),
        rss.last().copied().unwrap_or(0),
    );
    println!(
        "RSS_KB {}",
        rss.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
    );
    Ok(())
}

/// The baseline of the same machine: plain keep-alive POSTs of the same 1 KiB
/// envelope straight to the receiver, `--concurrency` at a time, for
/// `--seconds`: what loopback HTTP alone allows.
async fn baseline(a: &Args, recv_addr: SocketAddr, rec: Arc<Recorder>) -> Res<()> {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let url = Arc::new(format!("http://{recv_addr}/hook/0"));
    let padding = Arc::new("x".repeat(1024 - 120));
    let end = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..a.concurrency {
        let (client, url, padding) = (client.clone(), url.clone(), padding.clone());
        tasks.spawn(async move {
            while Instant::now() < end {
                let body = format!(
                    r#"{{"id":"x","type":"load.tick","source":"load","data":{{"sent_us":{},"pad":"{padding}"}}}}"#,
                    now_us()
                );
                let _ = post(&client, &url, "none", body).await;
            }
        });
    }
    let start = Instant::now();
    while tasks.join_next().await.is_some() {}
    let n = rec.deliveries.load(Ordering::Relaxed);
    let mut lat = std::mem::take(&mut *rec.latencies_us.lock().await);
    lat.sort_unstable();
    println!(
        "BASELINE direct_posts_per_s={:.0} latency_ms_p50={:.2} p99={:.2}",
        n as f64 / start.elapsed().as_secs_f64(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    Ok(())
}
