//! Shared helpers: real servers on 127.0.0.1:0, a real HTTP client, signing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use triggers_signing::{Secret, sign};
use triggers_tower::api_key::Authenticated;
use triggers_tower::signature::{StaticSecrets, VerifiedSignature, VerifySignatureLayer};

/// The fixed "now" of every injected clock.
pub const NOW: u64 = 1_700_000_000;
pub const KEY_ID: &str = "demo";
pub const SECRET: &str = "demo-secret";
pub const OLD_SECRET: &str = "demo-secret-old";

pub fn secret(s: &str) -> Secret {
    Secret::new(s).unwrap()
}

/// `demo` → [`SECRET`].
pub fn secrets() -> StaticSecrets {
    StaticSecrets::new().with_secret(KEY_ID, secret(SECRET))
}

/// A settable clock.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicU64>);

impl TestClock {
    pub fn at(now: u64) -> Self {
        TestClock(Arc::new(AtomicU64::new(now)))
    }

    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }

    pub fn reader(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let now = Arc::clone(&self.0);
        move || now.load(Ordering::SeqCst)
    }
}

/// A signature layer over [`secrets`] with the clock at [`NOW`].
pub fn layer() -> VerifySignatureLayer<StaticSecrets> {
    layer_with(secrets())
}

pub fn layer_with(secrets: StaticSecrets) -> VerifySignatureLayer<StaticSecrets> {
    VerifySignatureLayer::new(secrets).clock(TestClock::at(NOW).reader())
}

/// The handler behind every test route: echoes the body it received and
/// reports what the layers established in `x-verified` / `x-identity`.
pub async fn echo(
    signature: Option<VerifiedSignature>,
    identity: Option<Authenticated<String>>,
    body: Bytes,
) -> Response {
    let mut response = Response::new(Body::from(body));
    let verified = match signature {
        Some(s) => format!("{}/{}/{}", s.key_id, s.secret_index, s.timestamp),
        None => "none".to_owned(),
    };
    response
        .headers_mut()
        .insert("x-verified", HeaderValue::from_str(&verified).unwrap());
    if let Some(Authenticated(who)) = identity {
        response
            .headers_mut()
            .insert("x-identity", HeaderValue::from_str(&who).unwrap());
    }
    response
}

/// `/v1/events` (any method) → [`echo`], behind `layer`.
pub fn router_with<L>(layer: L) -> Router
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service: tower::Service<Request<Body>, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as tower::Service<Request<Body>>>::Response: axum::response::IntoResponse + 'static,
    <L::Service as tower::Service<Request<Body>>>::Future: Send + 'static,
{
    Router::new()
        .route("/v1/events", axum::routing::any(echo))
        .layer(layer)
}

/// Serves `router` on 127.0.0.1:0. The listener is bound before this
/// returns, so connections are accepted as soon as the task runs.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// `error.code` of a JSON rejection, checking the envelope shape.
    pub fn code(&self) -> String {
        assert_eq!(
            self.headers
                .get("content-type")
                .map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "rejection content-type; body: {:?}",
            self.body
        );
        let json: serde_json::Value = serde_json::from_slice(&self.body).unwrap();
        let error = json["error"].as_object().expect("an `error` object");
        assert!(error["message"].is_string());
        assert_eq!(error.len(), 2, "exactly code and message: {json}");
        error["code"].as_str().unwrap().to_owned()
    }

    /// Asserts a rejection with this status and code.
    #[track_caller]
    pub fn assert_rejected(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code().as_str()),
            (status, code),
            "body: {:?}",
            self.body
        );
    }

    /// Asserts the handler ran, saw exactly `body`, and the `x-verified`
    /// header it reported.
    #[track_caller]
    pub fn assert_echoed(&self, body: &[u8], verified: &str) {
        assert_eq!(self.status, StatusCode::OK, "body: {:?}", self.body);
        assert_eq!(&self.body[..], body, "the handler saw different bytes");
        assert_eq!(self.header("x-verified"), Some(verified));
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A real HTTP/1.1 client (hyper-util).
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends `request` to `addr` (the request's URI is a path and query).
pub async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> Reply {
    let (mut parts, body) = request.into_parts();
    let pq = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    parts.uri = format!("http://{addr}{pq}").parse().unwrap();
    let response = client()
        .request(Request::from_parts(parts, body))
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// A request builder for the fields that matter.
pub struct Signed {
    pub method: Method,
    /// What is signed.
    pub signed_target: String,
    /// What is sent (defaults to `signed_target`).
    pub sent_target: Option<String>,
    pub signed_body: Vec<u8>,
    /// What is sent (defaults to `signed_body`).
    pub sent_body: Option<Vec<u8>>,
    pub timestamp: u64,
    pub secret: String,
    pub key_id: Option<String>,
}

impl Signed {
    pub fn post(target: &str, body: &[u8]) -> Self {
        Signed {
            method: Method::POST,
            signed_target: target.to_owned(),
            sent_target: None,
            signed_body: body.to_vec(),
            sent_body: None,
            timestamp: NOW,
            secret: SECRET.to_owned(),
            key_id: Some(KEY_ID.to_owned()),
        }
    }

    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let signed = sign(
            &secret(&self.secret),
            self.method.as_str(),
            &self.signed_target,
            self.timestamp,
            &self.signed_body,
        )
        .unwrap();
        let mut headers: Vec<(&'static str, String)> = signed
            .iter()
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
        if let Some(key_id) = &self.key_id {
            headers.push(("x-key-id", key_id.clone()));
        }
        headers
    }

    pub fn sent_body(&self) -> Vec<u8> {
        self.sent_body
            .clone()
            .unwrap_or_else(|| self.signed_body.clone())
    }

    pub fn request(&self) -> Request<Full<Bytes>> {
        let target = self.sent_target.as_ref().unwrap_or(&self.signed_target);
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(target.as_str());
        for (name, value) in self.headers() {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::from(self.sent_body())))
            .unwrap()
    }

    pub async fn send(&self, addr: SocketAddr) -> Reply {
        send(addr, self.request()).await
    }
}

/// A raw HTTP/1.1 exchange: writes `head` and `body` as given, then reads one
/// response (status line, headers, `content-length` bytes of body).
///
/// Fails (instead of hanging) if no complete response arrives within 10 s,
/// e.g. because the server waits for body bytes that are never sent.
pub async fn raw_exchange(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        raw_exchange_inner(addr, head, body),
    )
    .await
    .expect("the server did not answer")
}

async fn raw_exchange_inner(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut out = head.as_bytes().to_vec();
    out.extend_from_slice(body);
    stream.write_all(&out).await.unwrap();

    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let (status, headers) = parse_head(&buf[..header_end]);
    let length: usize = headers
        .get("content-length")
        .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the response body");
        buf.extend_from_slice(&chunk[..n]);
    }
    Reply {
        status,
        headers,
        body: Bytes::copy_from_slice(&buf[header_end..header_end + length]),
    }
}

/// A minimal response-head parser (no extra dependency).
fn parse_head(head: &[u8]) -> (StatusCode, http::HeaderMap) {
    let text = std::str::from_utf8(head).unwrap();
    let mut lines = text.split("\r\n");
    let mut status_line = lines.next().unwrap().splitn(3, ' ');
    assert_eq!(status_line.next(), Some("HTTP/1.1"));
    let status = StatusCode::from_bytes(status_line.next().unwrap().as_bytes()).unwrap();
    let mut headers = http::HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    (status, headers)
}
