//! The Lambda entry points with real events (feature `lambda`).
//!
//! API: API Gateway events (HTTP API payload 2.0, REST API payload 1.0,
//! from the samples of the `aws_lambda_events` crate in `tests/fixtures/`;
//! a function URL's event is the 2.0 sample on its domain) are deserialized as `lambda_http`'s own `LambdaRequest` and go through
//! `lambda_http`'s adapter (what `lambda_http::run` does per invocation)
//! into the service's router, over the SQLite backends in a temporary
//! directory; the answer is the response JSON API Gateway would get.
//! Each case fills the event as API Gateway does for the request the client
//! sent (see `tests/fixtures/README.md`), and signs with `triggers-signing`
//! what the client sent.
//!
//! Worker: SQS events (`SqsEvent`, from the fixture) carrying jobs the
//! engine fanned out and that were leased from the service's own queue, so
//! the engine settles each message on a real queue; deliveries go to real
//! HTTP receivers on 127.0.0.1.
//!
//! Bins: `triggers-lambda-api` and `triggers-lambda-worker` run as child
//! processes against the Lambda Runtime API (its HTTP protocol, served on
//! 127.0.0.1), as the Lambda service runs a custom runtime.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::{HeaderMap, StatusCode};
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt;
use lambda_http::{Adapter, Context, LambdaEvent};
use serde_json::{Value, json};
use sha2::Sha256;
use triggers_keys::{KeyRole, KeySpec};
use triggers_service::app::App;
use triggers_service::config::Config;
use triggers_service::lambda::api;
use triggers_service::lambda::worker::{Outcome, Worker, WorkerOptions};
use triggers_signing::{Secret, sign, unix_now};
use triggers_sqlite::{Db, DbOptions};
use triggers_webhooks::backends::sqlite::SqliteDeliveryQueue;
use triggers_webhooks::engine::Processed;
use triggers_webhooks::queue::{DeliveryQueue, Job};

const FIXTURE_HTTP_V2: &str = include_str!("../fixtures/apigw-http-v2-request.json");
const FIXTURE_REST_V1: &str = include_str!("../fixtures/apigw-rest-v1-request.json");
const FIXTURE_SQS: &str = include_str!("../fixtures/sqs-event.json");

/// The longest any wait in this module may take.
const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------- events

/// Percent-decodes as API Gateway does with an HTTP API's path.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            let pair = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            );
            if let (Some(h), Some(l)) = pair {
                out.push(u8::try_from(h * 16 + l).unwrap());
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query's pairs decoded as API Gateway decodes them (`+` is a space).
fn decoded_query(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    map
}

/// A client's request: method, target as sent (`/prod/v1/events?…`),
/// headers, body.
pub(crate) struct Sent {
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Sent {
    pub(crate) fn new(method: &'static str, target: &str) -> Self {
        Sent {
            method,
            target: target.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self.header("content-type", "application/json")
    }

    fn bearer(self, key: &Key) -> Self {
        let value = format!("Bearer {}", key.api_key);
        self.header("authorization", &value)
    }

    /// Signs the method, the target as sent and the body with the key's
    /// v1 secret.
    fn signed(self, key: &Key) -> Self {
        let target = self.target.clone();
        self.signed_as(key, target, &key.signing_secret)
    }

    /// Signs `target` (not necessarily the one sent) with `secret`. Each
    /// signature has its own timestamp (a few seconds apart, well within
    /// the tolerance): a signature is accepted once.
    fn signed_as(mut self, key: &Key, target: String, secret: &str) -> Self {
        static SIGNED: AtomicU64 = AtomicU64::new(0);
        let age = SIGNED.fetch_add(1, Ordering::Relaxed) % 200;
        let secret = Secret::new(secret).unwrap();
        let body = self.body.clone().unwrap_or_default();
        let signed = sign(
            &secret,
            self.method,
            &target,
            unix_now() - age,
            body.as_bytes(),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = signed
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        self.headers.extend(pairs);
        self.header("x-key-id", &key.key_id.clone())
    }

    fn split(&self) -> (&str, &str) {
        self.target.split_once('?').unwrap_or((&self.target, ""))
    }

    fn content_length(&self) -> String {
        self.body.as_ref().map_or(0, String::len).to_string()
    }

    /// The HTTP API (payload 2.0) event of this request on `stage`: the
    /// path arrives decoded, the query as sent.
    pub(crate) fn http_api(&self, stage: &str) -> Value {
        let mut e: Value = serde_json::from_str(FIXTURE_HTTP_V2).unwrap();
        let (path, query) = self.split();
        let raw_path = percent_decode(path);
        e["rawPath"] = json!(raw_path);
        e["rawQueryString"] = json!(query);
        let params = decoded_query(query);
        e["queryStringParameters"] = if params.is_empty() {
            Value::Null
        } else {
            params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.join(","))))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let ctx = &mut e["requestContext"];
        ctx["stage"] = json!(stage);
        ctx["http"]["method"] = json!(self.method);
        ctx["http"]["path"] = json!(raw_path);
        let headers = e["headers"].as_object_mut().unwrap();
        headers.insert("content-length".into(), json!(self.content_length()));
        for (name, value) in &self.headers {
            headers.insert(name.to_ascii_lowercase(), json!(value));
        }
        e["body"] = self.body.as_ref().map_or(Value::Null, |b| json!(b));
        e["isBase64Encoded"] = json!(false);
        e
    }

    /// The function URL event of this request: payload 2.0, the path as
    /// sent.
    fn function_url(&self) -> Value {
        let mut e = self.http_api("$default");
        let (path, _) = self.split();
        let domain = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws";
        e["rawPath"] = json!(path);
        e["requestContext"]["http"]["path"] = json!(path);
        e["requestContext"]["domainName"] = json!(domain);
        e["requestContext"]["domainPrefix"] = json!("abcdefghijklmnopqrstuvwxyz012345");
        e["headers"]["host"] = json!(domain);
        e
    }

    /// The REST API (payload 1.0) event of this request through the
    /// `execute-api` URL of `stage` (the target starts with `/{stage}`):
    /// paths as sent, the query as decoded values only.
    fn rest_api(&self, stage: &str) -> Value {
        let mut e: Value = serde_json::from_str(FIXTURE_REST_V1).unwrap();
        let (sent_path, query) = self.split();
        let path = sent_path
            .strip_prefix(&format!("/{stage}"))
            .expect("a REST request names its stage");
        e["path"] = json!(path);
        e["httpMethod"] = json!(self.method);
        e["resource"] = json!("/{proxy+}");
        e["pathParameters"] = json!({ "proxy": path.trim_start_matches('/') });
        let params = decoded_query(query);
        if params.is_empty() {
            e["queryStringParameters"] = Value::Null;
            e["multiValueQueryStringParameters"] = Value::Null;
        } else {
            e["multiValueQueryStringParameters"] = json!(params);
            e["queryStringParameters"] = params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.last())))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        let ctx = &mut e["requestContext"];
        ctx["path"] = json!(sent_path);
        ctx["stage"] = json!(stage);
        ctx["httpMethod"] = json!(self.method);
        ctx["resourcePath"] = json!("/{proxy+}");
        let mut headers: Vec<(String, String)> = vec![
            (
                "Host".into(),
                "gy415nuibc.execute-api.us-east-1.amazonaws.com".into(),
            ),
            ("X-Forwarded-Proto".into(), "https".into()),
            ("Content-Length".into(), self.content_length()),
        ];
        headers.extend(self.headers.iter().cloned());
        e["headers"] = headers
            .iter()
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        e["multiValueHeaders"] = headers
            .iter()
            .map(|(n, v)| (n.clone(), json!([v])))
            .collect::<serde_json::Map<_, _>>()
            .into();
        e["body"] = self.body.as_ref().map_or(Value::Null, |b| json!(b));
        e["isBase64Encoded"] = json!(false);
        e
    }
}

// ---------------------------------------------------------------- harness

/// An API key: id, bearer token, v1 signing secret.
struct Key {
    key_id: String,
    api_key: String,
    signing_secret: String,
}

/// The response JSON API Gateway gets: status, headers (`headers` for
/// payload 2.0, `multiValueHeaders` for 1.0), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Asserts the error envelope (with the response's request id) and
    /// returns the code.
    fn error_code(&self) -> &str {
        let err = &self.body["error"];
        assert!(
            err["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
        let id = self.header("x-request-id").expect("x-request-id");
        assert_eq!(err["request_id"].as_str(), Some(id), "{self:?}");
        err["code"].as_str().expect("an error code")
    }
}

/// The functions over a fresh SQLite backend.
struct Harness {
    app: App,
    api: api::ApiFunction,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn open(change: impl FnOnce(&mut Config)) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        change(&mut config);
        let app = App::open(config).await.unwrap();
        let api = api::ApiFunction::new(app.state.clone());
        Harness { app, api, dir }
    }

    async fn key(&self, require_signature: bool) -> Key {
        let new = self
            .app
            .state
            .keys
            .create(KeySpec {
                account_id: "acct_default".into(),
                name: "lambda test".into(),
                role: KeyRole::Admin,
                require_signature,
            })
            .await
            .unwrap();
        Key {
            key_id: new.key.key_id.to_string(),
            api_key: new.issued.api_key.expose().to_owned(),
            signing_secret: new.issued.signing_secret.as_str().to_owned(),
        }
    }

    /// One invocation of the API function with `event`.
    async fn invoke(&self, event: Value) -> Answer {
        let request: LambdaRequest =
            serde_json::from_value(event).expect("an API Gateway event lambda_http accepts");
        let response = Adapter::from(self.api.clone())
            .oneshot(LambdaEvent::new(request, Context::default()))
            .await
            .unwrap();
        let json = serde_json::to_value(&response).unwrap();
        let body = match json["body"].as_str() {
            Some(text) if !text.is_empty() => {
                serde_json::from_str(text).unwrap_or_else(|_| json!(text))
            }
            _ => Value::Null,
        };
        let mut headers = BTreeMap::new();
        for (field, multi) in [("headers", false), ("multiValueHeaders", true)] {
            for (name, value) in json[field].as_object().into_iter().flatten() {
                let value = if multi { &value[0] } else { value };
                headers.insert(
                    name.to_ascii_lowercase(),
                    value.as_str().unwrap().to_owned(),
                );
            }
        }
        Answer {
            status: u16::try_from(json["statusCode"].as_u64().unwrap()).unwrap(),
            headers,
            body,
        }
    }

    fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("triggers.db")
    }
}

fn queued_jobs(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row("SELECT count(*) FROM webhook_queue", [], |r| r.get(0))
        .unwrap()
}

fn event_body(n: u64, event_type: &str) -> Value {
    json!({ "source": "shop", "event_type": event_type, "payload": { "n": n } })
}

// ---------------------------------------------------------------- API

#[tokio::test]
async fn healthz_answers_unsigned_through_both_payload_formats() {
    let h = Harness::open(|_| {}).await;
    let get = Sent::new("GET", "/healthz");
    let staged = Sent::new("GET", "/prod/healthz");
    for (what, event) in [
        ("HTTP API, $default stage", get.http_api("$default")),
        ("HTTP API, stage prod", staged.http_api("prod")),
        ("REST API, stage prod", staged.rest_api("prod")),
    ] {
        let a = h.invoke(event).await;
        assert_eq!(a.status, 200, "{what}: {a:?}");
        assert_eq!(a.body, json!({ "status": "ok" }), "{what}");
        assert!(a.header("x-request-id").is_some(), "{what}: {a:?}");
    }
    // The samples as they are: `/` and `/hello/world` are no routes here;
    // the router answers them with its JSON 404.
    for fixture in [FIXTURE_HTTP_V2, FIXTURE_REST_V1] {
        let a = h.invoke(serde_json::from_str(fixture).unwrap()).await;
        assert_eq!((a.status, a.error_code()), (404, "not_found"), "{a:?}");
    }
    h.app.close().await;
}

/// A query with an encoded slash, a repeated key (values not in order) and
/// a `+`.
const QUERY: &str = "ref=a%2Fb&tag=y&tag=x&q=a+b";

#[tokio::test]
async fn a_signed_post_verifies_behind_both_payload_formats() {
    let h = Harness::open(|_| {}).await;
    let key = h.key(true).await;

    // The key requires signatures: unsigned calls are refused, whichever
    // way they come.
    let target = format!("/prod/v1/events?{QUERY}");
    let unsigned = Sent::new("POST", &target)
        .bearer(&key)
        .json(&event_body(0, "order.created"));
    for event in [unsigned.http_api("prod"), unsigned.rest_api("prod")] {
        let a = h.invoke(event).await;
        assert_eq!((a.status, a.error_code()), (401, "signature_required"));
    }

    let default_target = format!("/v1/events?{QUERY}");
    let cases = [
        (
            "HTTP API, $default stage",
            default_target.as_str(),
            "$default",
            false,
        ),
        ("HTTP API, stage prod", target.as_str(), "prod", false),
        ("REST API, stage prod", target.as_str(), "prod", true),
    ];
    for (n, (what, target, stage, rest)) in cases.into_iter().enumerate() {
        let sent = Sent::new("POST", target)
            .bearer(&key)
            .json(&event_body(n as u64 + 1, "order.created"))
            .signed(&key);
        let event = if rest {
            sent.rest_api(stage)
        } else {
            sent.http_api(stage)
        };
        let a = h.invoke(event).await;
        assert_eq!(a.status, 201, "{what}: {a:?}");
        let event_id = uuid::Uuid::parse_str(a.body["event_id"].as_str().unwrap()).unwrap();
        let stored = h
            .app
            .state
            .events
            .get("acct_default", event_id)
            .await
            .unwrap()
            .expect("the event is stored");
        assert_eq!(
            stored.payload.get(),
            format!(r#"{{"n":{}}}"#, n + 1),
            "{what}"
        );
    }
    h.app.close().await;
}

#[tokio::test]
async fn a_query_space_sent_as_percent_20_verifies_on_http_api_only() {
    let h = Harness::open(|_| {}).await;
    let key = h.key(true).await;
    let post = |n: u64, target: &str| {
        Sent::new("POST", target)
            .bearer(&key)
            .json(&event_body(n, "order.created"))
            .signed(&key)
    };
    // HTTP API keeps the query as sent.
    let a = h
        .invoke(post(1, "/v1/events?note=a%20b").http_api("$default"))
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    // A REST API decodes `%20` and `+` alike; the service re-encodes a space
    // as `+`, so `%20` cannot verify there (the documented limit) ...
    let a = h
        .invoke(post(2, "/prod/v1/events?note=a%20b").rest_api("prod"))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (401, "signature_mismatch"),
        "{a:?}"
    );
    // ... while the form encoding of a space does, and so does a plus sent
    // as `%2B`.
    let a = h
        .invoke(post(3, "/prod/v1/events?note=a+b").rest_api("prod"))
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    let a = h
        .invoke(post(4, "/prod/v1/events?note=a%2Bb").rest_api("prod"))
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    h.app.close().await;
}

#[tokio::test]
async fn encoded_path_segments_survive_rest_and_function_urls_not_http_api() {
    let h = Harness::open(|_| {}).await;
    let key = h.key(true).await;
    let created = h
        .invoke(
            Sent::new("POST", "/v1/events")
                .bearer(&key)
                .json(&event_body(7, "order.created"))
                .signed(&key)
                .http_api("$default"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["event_id"].as_str().unwrap().to_owned();

    // The event's id with its hyphens percent-encoded: both formats find
    // it (REST keeps `%2D`, HTTP API decodes it; both verify).
    let encoded = format!("/prod/v1/events/{}", id.replace('-', "%2D"));
    let unstaged = format!("/v1/events/{}", id.replace('-', "%2D"));
    let get = |target: &str| Sent::new("GET", target).bearer(&key).signed(&key);
    for (what, event) in [
        ("HTTP API", get(&encoded).http_api("prod")),
        ("REST API", get(&encoded).rest_api("prod")),
        ("function URL", get(&unstaged).function_url()),
    ] {
        let a = h.invoke(event).await;
        assert_eq!(a.status, 200, "{what}: {a:?}");
        assert_eq!(a.body["event_id"], json!(id), "{what}");
    }

    // An encoded slash: REST and function URLs hand it over as sent, so the
    // signature verifies and the handler answers (not a UUID); an HTTP API
    // decodes it into a second segment, which names no route.
    let a = h
        .invoke(get("/prod/v1/events/a%2Fb").rest_api("prod"))
        .await;
    assert_eq!(
        (a.status, a.error_code()),
        (400, "invalid_event_id"),
        "{a:?}"
    );
    let a = h
        .invoke(get("/prod/v1/events/a%2Fb").http_api("prod"))
        .await;
    assert_eq!((a.status, a.error_code()), (404, "not_found"), "{a:?}");
    let a = h.invoke(get("/v1/events/a%2Fb").function_url()).await;
    assert_eq!(
        (a.status, a.error_code()),
        (400, "invalid_event_id"),
        "{a:?}"
    );
    h.app.close().await;
}

#[tokio::test]
async fn a_bad_signature_is_a_401_json_error() {
    let h = Harness::open(|_| {}).await;
    let key = h.key(false).await;
    let other = h.key(false).await;
    let target = format!("/prod/v1/events?{QUERY}");
    let wrong = [
        // Another key's secret.
        (target.clone(), other.signing_secret.clone()),
        // The right secret over another target.
        ("/prod/v1/events".to_owned(), key.signing_secret.clone()),
    ];
    for (n, (signed_target, secret)) in wrong.into_iter().enumerate() {
        let sent = Sent::new("POST", &target)
            .bearer(&key)
            .json(&event_body(n as u64, "order.created"))
            .signed_as(&key, signed_target, &secret);
        for event in [sent.http_api("prod"), sent.rest_api("prod")] {
            let a = h.invoke(event).await;
            assert_eq!(
                (a.status, a.error_code()),
                (401, "signature_mismatch"),
                "{a:?}"
            );
            assert!(
                a.header("content-type")
                    .is_some_and(|c| c.starts_with("application/json")),
                "{a:?}"
            );
        }
    }
    let inbox = h
        .invoke(
            Sent::new("GET", "/v1/inbox")
                .bearer(&key)
                .http_api("$default"),
        )
        .await;
    assert_eq!(inbox.status, 200, "{inbox:?}");
    assert_eq!(inbox.body["events"], json!([]), "nothing was stored");
    h.app.close().await;
}

// ---------------------------------------------------------------- worker

/// A receiver on 127.0.0.1 answering `status`, or never (`None`).
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Log = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receive(
    State((log, status)): State<(Log, Option<u16>)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    log.lock().unwrap().push((headers, body));
    match status {
        Some(s) => StatusCode::from_u16(s).unwrap(),
        None => std::future::pending().await,
    }
}

impl Receiver {
    async fn start(status: Option<u16>) -> Receiver {
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state((log.clone(), status));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, log, task }
    }

    fn requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.log.lock().unwrap().clone()
    }
}

/// Standard Webhooks HMAC-SHA256, independent of the project.
fn verifies(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |n: &str| headers.get(n).unwrap().to_str().unwrap();
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", h("webhook-id"), h("webhook-timestamp")).as_bytes());
    mac.update(body);
    let want = STANDARD.encode(mac.finalize().into_bytes());
    h("webhook-signature")
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(want.as_str()))
}

/// An SQS record from the fixture's, carrying `body`.
fn record(message_id: &str, receipt: &str, body: &str, receive_count: u32) -> Value {
    let event: Value = serde_json::from_str(FIXTURE_SQS).unwrap();
    let mut r = event["Records"][0].clone();
    r["messageId"] = json!(message_id);
    r["receiptHandle"] = json!(receipt);
    r["body"] = json!(body);
    r["attributes"]["ApproximateReceiveCount"] = json!(receive_count.to_string());
    r
}

fn sqs_event(records: Vec<Value>) -> aws_lambda_events::event::sqs::SqsEvent {
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_reports_exactly_the_messages_left_undone() {
    let h = Harness::open(|c| {
        c.webhooks.allow_private_destinations = true;
        c.webhooks.allow_http = true;
        c.webhooks.retry_base_delay_ms = 0;
        c.webhooks.request_timeout_ms = 60_000;
    })
    .await;
    let key = h.key(false).await;
    let good = Receiver::start(Some(200)).await;
    let failing = Receiver::start(Some(500)).await;
    let hanging = Receiver::start(None).await;

    // Three webhooks and three events through the API function, one event
    // type each.
    let mut secrets = BTreeMap::new();
    for (kind, r) in [
        ("good", &good),
        ("failing", &failing),
        ("hanging", &hanging),
    ] {
        let a = h
            .invoke(
                Sent::new("POST", "/v1/webhooks")
                    .bearer(&key)
                    .json(&json!({ "url": r.url, "events": [format!("order.{kind}")] }))
                    .http_api("$default"),
            )
            .await;
        assert_eq!(a.status, 201, "{a:?}");
        let webhook_id = uuid::Uuid::parse_str(a.body["webhook_id"].as_str().unwrap()).unwrap();
        secrets.insert(
            kind,
            (webhook_id, a.body["secret"].as_str().unwrap().to_owned()),
        );
        let a = h
            .invoke(
                Sent::new("POST", "/v1/events")
                    .bearer(&key)
                    .json(&event_body(1, &format!("order.{kind}")))
                    .http_api("$default"),
            )
            .await;
        assert_eq!(a.status, 201, "{a:?}");
    }
    // The API function fanned each event out before answering: one job per
    // event on the service's queue, the outbox empty.
    let state = &h.app.state;
    assert!(
        state
            .events
            .undispatched(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(queued_jobs(&h.db_path()), 3);

    // The event source's part: lease the jobs, hand them over as SQS
    // messages (the fixture's record with receipt handle and JSON body).
    let queue = SqliteDeliveryQueue::new(Db::open(h.db_path(), DbOptions::default()).unwrap());
    let leased = queue.receive(10, Duration::from_secs(600)).await.unwrap();
    assert_eq!(leased.len(), 3);
    let kind_of = |webhook_id| {
        secrets
            .iter()
            .find(|(_, (id, _))| *id == webhook_id)
            .map(|(kind, _)| *kind)
            .unwrap()
    };
    // The fixture's own record ("Message Body") is the garbage.
    let fixture: Value = serde_json::from_str(FIXTURE_SQS).unwrap();
    let mut records = vec![fixture["Records"][0].clone()];
    let mut ids = BTreeMap::new();
    for l in &leased {
        let kind = kind_of(l.job.webhook_id);
        let id = format!("msg-{kind}");
        ids.insert(kind, (id.clone(), l.job.clone()));
        records.push(record(
            &id,
            &l.receipt.0,
            &l.job.to_message().unwrap(),
            l.receive_count,
        ));
    }

    let worker = Worker::new(
        state.webhooks.clone(),
        WorkerOptions {
            deadline_margin: Duration::from_secs(1),
            concurrency: None,
        },
    );
    let deadline = SystemTime::now() + Duration::from_secs(5);
    let report = worker.handle(sqs_event(records), Some(deadline)).await;

    // The response: the garbage (the fixture's own body, "Message Body")
    // and the job still waiting on the hanging receiver; not the delivered
    // one, nor the one the engine put back for its next attempt.
    let response = serde_json::to_value(report.response()).unwrap();
    let mut failed: Vec<&str> = response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    failed.sort_unstable();
    assert_eq!(failed, ["MessageID_1", "msg-hanging"], "{report:?}");
    let outcome = |id: &str| {
        &report
            .messages
            .iter()
            .find(|m| m.message_id == id)
            .unwrap()
            .outcome
    };
    assert!(matches!(outcome("MessageID_1"), Outcome::Undecodable(_)));
    assert!(matches!(outcome("msg-hanging"), Outcome::Unfinished));
    assert!(matches!(
        outcome("msg-failing"),
        Outcome::Processed(Processed::Retrying)
    ));
    assert!(matches!(
        outcome("msg-good"),
        Outcome::Processed(Processed::Delivered)
    ));

    // The good receiver got the event once, signed with its webhook's secret.
    let got = good.requests();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    assert!(verifies(&secrets["good"].1, headers, body), "signature");
    let envelope: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(envelope["type"], "order.good");
    assert_eq!(envelope["id"], json!(ids["good"].1.event_id));
    assert_eq!(failing.requests().len(), 1);

    // Attempt logs, read through the API function.
    let harness = &h;
    let log = |kind: &'static str| {
        let path = format!("/v1/webhooks/{}/deliveries", secrets[kind].0);
        let event = Sent::new("GET", &path).bearer(&key).http_api("$default");
        async move { harness.invoke(event).await.body["attempts"].clone() }
    };
    let good_log = log("good").await;
    assert_eq!(good_log.as_array().unwrap().len(), 1, "{good_log}");
    assert_eq!(good_log[0]["success"], json!(true));
    let failing_log = log("failing").await;
    assert_eq!(failing_log.as_array().unwrap().len(), 1, "{failing_log}");
    assert_eq!(
        (
            &failing_log[0]["attempt"],
            &failing_log[0]["status_code"],
            &failing_log[0]["success"]
        ),
        (&json!(1), &json!(500), &json!(false))
    );
    assert_eq!(log("hanging").await, json!([]), "no outcome stored");

    // The queue: the delivered job is gone; the failed one was replaced by
    // its next attempt; the unfinished one is still leased (SQS would make
    // it visible again after its visibility timeout).
    assert_eq!(queued_jobs(&h.db_path()), 2);
    let started = Instant::now();
    let next = loop {
        let got = queue.receive(10, Duration::from_secs(600)).await.unwrap();
        if !got.is_empty() {
            break got;
        }
        assert!(
            started.elapsed() < WAIT,
            "the next attempt never became visible"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].job.delivery_id, ids["failing"].1.delivery_id);
    assert_eq!(next[0].job.attempt, 2);
    h.app.close().await;
}

#[tokio::test]
async fn messages_that_are_not_jobs_are_failures_not_panics() {
    let h = Harness::open(|_| {}).await;
    let job = json!({
        "delivery_id": uuid::Uuid::new_v4(), "webhook_id": uuid::Uuid::new_v4(),
        "account_id": "acct_default", "event_id": uuid::Uuid::new_v4(), "attempt": 1
    })
    .to_string();
    let mut no_receipt = record("no-receipt", "", &job, 1);
    no_receipt.as_object_mut().unwrap().remove("receiptHandle");
    let mut no_body = record("no-body", "r-1", "", 1);
    no_body.as_object_mut().unwrap().remove("body");
    let records = vec![
        record("not-json", "r-2", "Message Body", 1),
        record("not-a-job", "r-3", r#"{"delivery_id":"x"}"#, 1),
        record("truncated", "r-4", &job[..job.len() / 2], 1),
        no_receipt,
        no_body,
    ];
    let worker = Worker::new(h.app.state.webhooks.clone(), WorkerOptions::default());
    let report = worker.handle(sqs_event(records), None).await;
    let failed: Vec<&str> = report.failures().collect();
    assert_eq!(
        failed,
        [
            "not-json",
            "not-a-job",
            "truncated",
            "no-receipt",
            "no-body"
        ]
    );
    assert!(
        report
            .messages
            .iter()
            .all(|m| matches!(m.outcome, Outcome::Undecodable(_))),
        "{report:?}"
    );
    // The codec reads what it writes.
    let decoded = Job::from_message(&job).unwrap();
    assert_eq!(
        Job::from_message(&decoded.to_message().unwrap()).unwrap(),
        decoded
    );
    h.app.close().await;
}

#[tokio::test]
async fn with_no_time_left_nothing_is_attempted_and_everything_is_reported() {
    let h = Harness::open(|c| {
        c.webhooks.allow_private_destinations = true;
        c.webhooks.allow_http = true;
    })
    .await;
    let key = h.key(false).await;
    let r = Receiver::start(Some(200)).await;
    let a = h
        .invoke(
            Sent::new("POST", "/v1/webhooks")
                .bearer(&key)
                .json(&json!({ "url": r.url }))
                .http_api("$default"),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    let a = h
        .invoke(
            Sent::new("POST", "/v1/events")
                .bearer(&key)
                .json(&event_body(1, "order.created"))
                .http_api("$default"),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    let state = &h.app.state;
    let queue = SqliteDeliveryQueue::new(Db::open(h.db_path(), DbOptions::default()).unwrap());
    let leased = queue.receive(10, Duration::from_secs(600)).await.unwrap();
    assert_eq!(leased.len(), 1);
    let l = &leased[0];
    let body = l.job.to_message().unwrap();
    let records = vec![record("m-1", &l.receipt.0, &body, 1)];

    // The deadline is within the margin already.
    let worker = Worker::new(state.webhooks.clone(), WorkerOptions::default());
    let deadline = SystemTime::now() + Duration::from_millis(500);
    let report = worker.handle(sqs_event(records), Some(deadline)).await;
    assert_eq!(report.failures().collect::<Vec<_>>(), ["m-1"]);
    assert!(matches!(report.messages[0].outcome, Outcome::Unfinished));
    assert!(r.requests().is_empty(), "no delivery was started");
    assert_eq!(queued_jobs(&h.db_path()), 1, "the job stays queued");
    h.app.close().await;
}

// ---------------------------------------------------------------- the bins

/// What a function posted to the Runtime API: (path, body).
type Posted = Arc<Mutex<Vec<(String, Value)>>>;

/// The Lambda Runtime API (the HTTP protocol between Lambda and a custom
/// runtime, `/2018-06-01/runtime/…`) on 127.0.0.1, handing out one event:
/// the next `next` waits forever, as Lambda does between invocations.
pub(crate) struct RuntimeApi {
    addr: String,
    posted: Posted,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    pub(crate) async fn start(event: Value) -> RuntimeApi {
        use axum::extract::OriginalUri;
        use axum::response::IntoResponse;
        use axum::routing::get;
        let pending = Arc::new(Mutex::new(Some(event)));
        let posted: Posted = Arc::default();
        let next = move || {
            let pending = pending.clone();
            async move {
                let Some(event) = pending.lock().unwrap().take() else {
                    return std::future::pending().await;
                };
                let deadline = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    + Duration::from_secs(30);
                (
                    [
                        ("lambda-runtime-aws-request-id", "req-1".to_owned()),
                        (
                            "lambda-runtime-deadline-ms",
                            deadline.as_millis().to_string(),
                        ),
                        (
                            "lambda-runtime-invoked-function-arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:triggers".to_owned(),
                        ),
                        ("content-type", "application/json".to_owned()),
                    ],
                    event.to_string(),
                )
                    .into_response()
            }
        };
        let log = posted.clone();
        let post_any = move |OriginalUri(uri): OriginalUri, body: Bytes| {
            let log = log.clone();
            async move {
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                log.lock().unwrap().push((uri.path().to_owned(), body));
                StatusCode::ACCEPTED
            }
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .fallback(post_any);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RuntimeApi { addr, posted, task }
    }

    /// Runs `bin` as Lambda would, until it posted something; returns it.
    async fn invoke(&self, bin: &str, data_dir: &Path) -> (String, Value) {
        let data_dir = data_dir.to_str().unwrap();
        let envs = [
            ("TRIGGERS_BACKEND", "sqlite"),
            ("TRIGGERS_DATA_DIR", data_dir),
        ];
        let (path, posted, _) = self.invoke_env(bin, &envs).await;
        (path, posted)
    }

    /// [`RuntimeApi::invoke`] configured by `envs`; also returns what the
    /// function wrote on stdout and stderr.
    pub(crate) async fn invoke_env(
        &self,
        bin: &str,
        envs: &[(&str, &str)],
    ) -> (String, Value, String) {
        let mut child = KillOnDrop(
            std::process::Command::new(bin)
                .env("AWS_LAMBDA_RUNTIME_API", &self.addr)
                .env("AWS_LAMBDA_FUNCTION_NAME", "triggers")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env("RUST_LOG", "warn")
                .envs(envs.iter().copied())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut stdout = child.0.stdout.take().unwrap();
        let mut stderr = child.0.stderr.take().unwrap();
        let output = std::thread::spawn(move || {
            use std::io::Read;
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let started = Instant::now();
        let posted = loop {
            if let Some(p) = self.posted.lock().unwrap().first().cloned() {
                break p;
            }
            if let Ok(Some(status)) = child.0.try_wait() {
                drop(child);
                let output = output.join().unwrap_or_default();
                panic!("{bin} exited before answering: {status}\n{output}");
            }
            assert!(started.elapsed() < WAIT, "{bin} never answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        drop(child);
        let output = output.join().unwrap_or_default();
        (posted.0, posted.1, output)
    }
}

/// A child process killed (and reaped) when the test is done or fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_bins_answer_invocations_of_the_runtime_api() {
    let dir = tempfile::tempdir().unwrap();

    let healthz = Sent::new("GET", "/healthz").http_api("$default");
    let runtime = RuntimeApi::start(healthz).await;
    let (path, response) = runtime
        .invoke(env!("CARGO_BIN_EXE_triggers-lambda-api"), dir.path())
        .await;
    assert_eq!(path, "/2018-06-01/runtime/invocation/req-1/response");
    assert_eq!(response["statusCode"], json!(200), "{response}");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({ "status": "ok" }));

    let batch: Value = serde_json::from_str(FIXTURE_SQS).unwrap();
    let runtime = RuntimeApi::start(batch).await;
    let (path, response) = runtime
        .invoke(env!("CARGO_BIN_EXE_triggers-lambda-worker"), dir.path())
        .await;
    assert_eq!(path, "/2018-06-01/runtime/invocation/req-1/response");
    assert_eq!(
        response,
        json!({ "batchItemFailures": [{ "itemIdentifier": "MessageID_1" }] })
    );
}

#[tokio::test]
async fn the_bins_refuse_to_start_outside_lambda() {
    for bin in [
        env!("CARGO_BIN_EXE_triggers-lambda-api"),
        env!("CARGO_BIN_EXE_triggers-lambda-worker"),
        env!("CARGO_BIN_EXE_triggers-lambda-sweeper"),
    ] {
        let out = std::process::Command::new(bin)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bin}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("AWS_LAMBDA_RUNTIME_API is not set"),
            "{bin}: {stderr}"
        );
    }
}
