//! The delivery client against real hyper receivers on 127.0.0.1.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::value::RawValue;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use triggers_signing::webhook::{WebhookHeaders, WebhookVerifier};
use triggers_webhooks::client::{DEFAULT_USER_AGENT, DeliveryClient};
use triggers_webhooks::{
    AttemptOutcome, FailureKind, MAX_RESPONSE_EXCERPT, UrlPolicy, build_body, message_id,
    new_secret, signed_headers,
};
use uuid::Uuid;

const NOW: u64 = 1_700_000_000;

/// A request as the receiver saw it.
#[derive(Debug)]
struct Received {
    /// 1 for the receiver's first accepted connection, and so on.
    conn: usize,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

struct Receiver {
    addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    requests: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    async fn next(&mut self) -> Received {
        self.requests.recv().await.expect("a request")
    }
}

fn respond(status: u16, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).expect("valid status");
    r
}

/// A hyper HTTP/1 receiver answering every request with `handler()`, after
/// recording it.
async fn receiver<F, Fut>(handler: F) -> Receiver
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    let accepts = Arc::new(AtomicUsize::new(0));
    let (tx, requests) = mpsc::unbounded_channel();
    let counter = Arc::clone(&accepts);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let conn = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let tx = tx.clone();
            let handler = handler.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let tx = tx.clone();
                    let handler = handler.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let _ = tx.send(Received {
                            conn,
                            method: parts.method,
                            path: parts.uri.path().to_owned(),
                            headers: parts.headers,
                            body,
                        });
                        Ok::<_, Infallible>(handler().await)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Receiver {
        addr,
        accepts,
        requests,
    }
}

fn client() -> DeliveryClient {
    DeliveryClient::builder()
        .policy(UrlPolicy::local_dev())
        .request_timeout(Duration::from_secs(5))
        .build()
        .expect("builds")
}

fn json() -> Bytes {
    Bytes::from_static(br#"{"hello":"world"}"#)
}

#[tokio::test]
async fn success_sends_the_exact_body_and_signed_headers() {
    let mut rx = receiver(|| async { respond(200, "thanks") }).await;
    let event_id = Uuid::new_v4();
    let payload = RawValue::from_string(r#"{"order_id": 17}"#.into()).expect("JSON");
    let body = build_body(event_id, "order.created", "shop", 1_000_000, &payload).expect("body");
    let secret = new_secret();
    let headers = signed_headers(
        &message_id(event_id),
        NOW,
        &body,
        std::slice::from_ref(&secret),
    )
    .expect("signs");

    let result = client()
        .deliver(&rx.url("/in?x=1"), &headers, Bytes::from(body.clone()))
        .await;
    assert_eq!(result.outcome, AttemptOutcome::Status(200));
    assert!(result.latency > Duration::ZERO);
    assert!(result.latency < Duration::from_secs(5));
    assert_eq!(result.response_excerpt.as_deref(), Some("thanks"));
    assert_eq!(result.retry_after, None);
    assert_eq!(result.error, None);

    let got = rx.next().await;
    assert_eq!(got.method, Method::POST);
    assert_eq!(got.path, "/in");
    assert_eq!(got.body, body);
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["user-agent"], DEFAULT_USER_AGENT);
    assert!(DEFAULT_USER_AGENT.starts_with("triggers-webhooks/"));
    assert_eq!(got.headers["host"], rx.addr.to_string());
    for (name, value) in &headers {
        assert_eq!(got.headers[*name], value.as_str(), "{name}");
    }
    let h = WebhookHeaders::from_fn(|name| got.headers.get(name).map(|v| v.as_bytes()));
    assert!(
        WebhookVerifier::new([secret])
            .verify(&h, &got.body, NOW)
            .is_ok()
    );
}

#[tokio::test]
async fn statuses_are_returned_as_is() {
    for status in [500, 410, 400, 204] {
        let mut rx = receiver(move || async move { respond(status, "") }).await;
        let result = client().deliver(&rx.url("/"), &[], json()).await;
        assert_eq!(result.outcome, AttemptOutcome::Status(status));
        assert_eq!(result.response_excerpt, None, "empty body");
        assert_eq!(result.retry_after, None);
        assert_eq!(rx.next().await.body, json());
    }
}

#[tokio::test]
async fn retry_after_is_read_from_429_and_503_only() {
    for (status, expected) in [(429, Some(7)), (503, Some(7)), (500, None)] {
        let rx = receiver(move || async move {
            let mut r = respond(status, "slow down");
            r.headers_mut()
                .insert("retry-after", http::HeaderValue::from_static("7"));
            r
        })
        .await;
        let result = client().deliver(&rx.url("/"), &[], json()).await;
        assert_eq!(result.outcome, AttemptOutcome::Status(status));
        assert_eq!(result.retry_after, expected.map(Duration::from_secs));
    }
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out() {
    let mut rx = receiver(|| async {
        std::future::pending::<()>().await;
        respond(200, "")
    })
    .await;
    let timeout = Duration::from_millis(300);
    let client = DeliveryClient::builder()
        .policy(UrlPolicy::local_dev())
        .request_timeout(timeout)
        .build()
        .expect("builds");
    let result = client.deliver(&rx.url("/"), &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Failed(FailureKind::Timeout));
    assert!(result.latency >= timeout, "{:?}", result.latency);
    assert!(
        result.latency < Duration::from_secs(3),
        "{:?}",
        result.latency
    );
    assert!(result.error.is_some());
    // The request did arrive.
    assert_eq!(rx.next().await.body, json());
}

/// The receiver reads the whole request and closes the connection without
/// a byte of response: hyper reports an incomplete message, a `Protocol`
/// failure (the TCP connection itself succeeded, so it is not `Connect`).
#[tokio::test]
async fn a_receiver_closing_without_answer_is_a_protocol_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.ends_with(br#"{"hello":"world"}"#) {
            let n = stream.read(&mut buf).await.expect("reads");
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        drop(stream);
        seen
    });
    let result = client()
        .deliver(&format!("http://{addr}/"), &[], json())
        .await;
    assert_eq!(
        result.outcome,
        AttemptOutcome::Failed(FailureKind::Protocol)
    );
    let seen = server.await.expect("server task");
    assert!(seen.starts_with(b"POST / HTTP/1.1\r\n"));
}

#[tokio::test]
async fn nothing_listening_is_a_connect_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let result = client()
        .deliver(&format!("http://{addr}/"), &[], json())
        .await;
    assert_eq!(result.outcome, AttemptOutcome::Failed(FailureKind::Connect));
    assert!(result.error.is_some());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = receiver(|| async { respond(200, "") }).await;
    let location = target.url("/elsewhere");
    let mut rx = receiver(move || {
        let location = location.clone();
        async move {
            let mut r = respond(302, "");
            r.headers_mut().insert(
                "location",
                http::HeaderValue::from_str(&location).expect("header"),
            );
            r
        }
    })
    .await;
    let result = client().deliver(&rx.url("/"), &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Status(302));
    assert_eq!(rx.next().await.body, json());
    assert_eq!(target.accepts(), 0, "the redirect target saw nothing");
}

#[tokio::test]
async fn the_default_policy_blocks_without_connecting() {
    let rx = receiver(|| async { respond(200, "") }).await;
    let strict = DeliveryClient::builder().build().expect("builds");
    let result = strict.deliver(&rx.url("/"), &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Failed(FailureKind::Blocked));
    // https to loopback: blocked by address, not only by scheme.
    let https = format!("https://127.0.0.1:{}/", rx.addr.port());
    let result = strict.deliver(&https, &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Failed(FailureKind::Blocked));
    assert!(
        result
            .error
            .as_deref()
            .is_some_and(|e| e.contains("loopback")),
        "{:?}",
        result.error
    );
    // A name resolving to loopback only.
    let name = format!("https://localhost:{}/", rx.addr.port());
    let result = strict.deliver(&name, &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Failed(FailureKind::Blocked));
    assert_eq!(rx.accepts(), 0, "no connection was made");

    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/",
    ] {
        assert_eq!(
            strict.deliver(url, &[], json()).await.outcome,
            AttemptOutcome::Failed(FailureKind::Blocked),
            "{url}"
        );
        // Even the local development policy refuses metadata addresses.
        assert_eq!(
            client().deliver(url, &[], json()).await.outcome,
            AttemptOutcome::Failed(FailureKind::Blocked),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_name_is_connected_to_its_checked_addresses() {
    let mut rx = receiver(|| async { respond(200, "") }).await;
    let url = format!("http://localhost:{}/named", rx.addr.port());
    let result = client().deliver(&url, &[], json()).await;
    // `localhost` may also resolve to ::1, where nothing listens; the
    // connector then falls back to 127.0.0.1.
    assert_eq!(result.outcome, AttemptOutcome::Status(200), "{result:?}");
    let got = rx.next().await;
    assert_eq!(got.path, "/named");
    assert_eq!(
        got.headers["host"],
        format!("localhost:{}", rx.addr.port()).as_str()
    );
}

#[tokio::test]
async fn a_large_response_is_cut_to_the_excerpt() {
    let rx = receiver(|| async { respond(200, vec![b'a'; 1024 * 1024]) }).await;
    let result = client().deliver(&rx.url("/"), &[], json()).await;
    assert_eq!(result.outcome, AttemptOutcome::Status(200));
    let excerpt = result.response_excerpt.expect("an excerpt");
    assert_eq!(excerpt.len(), MAX_RESPONSE_EXCERPT);
    assert!(excerpt.bytes().all(|b| b == b'a'));
    assert!(
        result.latency < Duration::from_secs(5),
        "{:?}",
        result.latency
    );
}

#[tokio::test]
async fn sequential_deliveries_reuse_the_connection() {
    let mut rx = receiver(|| async { respond(200, "ok") }).await;
    let client = client();
    let clone = client.clone();
    for c in [&client, &clone] {
        let result = c.deliver(&rx.url("/"), &[], json()).await;
        assert_eq!(result.outcome, AttemptOutcome::Status(200));
        assert_eq!(rx.next().await.conn, 1, "served on the first connection");
    }
    assert_eq!(rx.accepts(), 1, "one TCP connection");
}

#[tokio::test]
async fn invalid_urls_and_headers_fail_cleanly() {
    let client = client();
    for url in [
        "not a url",
        "ftp://example.com/",
        "http://user:pw@127.0.0.1/",
    ] {
        assert_eq!(
            client.deliver(url, &[], json()).await.outcome,
            AttemptOutcome::Failed(FailureKind::Blocked),
            "{url}"
        );
    }
    let rx = receiver(|| async { respond(200, "") }).await;
    let bad = [("bad header", "x".to_owned())];
    let result = client.deliver(&rx.url("/"), &bad, json()).await;
    assert_eq!(
        result.outcome,
        AttemptOutcome::Failed(FailureKind::Protocol)
    );
    assert_eq!(rx.accepts(), 0);
}

/// https to a receiver speaking plain HTTP: the handshake fails.
#[tokio::test]
async fn a_failed_tls_handshake_is_a_tls_failure() {
    // A peer that answers the ClientHello with bytes that are not TLS and
    // keeps the connection open: the handshake fails on the record itself,
    // never on a reset racing the write (which would be a transport error).
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut socket, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let mut hello = [0u8; 1024];
            let _ = socket.read(&mut hello).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            // Hold the connection until the client gives up.
            let mut rest = Vec::new();
            let _ = socket.read_to_end(&mut rest).await;
        }
    });
    let url = format!("https://127.0.0.1:{}/", addr.port());
    let result = client().deliver(&url, &[], json()).await;
    assert_eq!(
        result.outcome,
        AttemptOutcome::Failed(FailureKind::Tls),
        "{result:?}"
    );
}
