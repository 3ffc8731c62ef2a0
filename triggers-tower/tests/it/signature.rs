//! `VerifySignatureLayer` behind a real axum server.

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use triggers_signing::{Secret, sign};
use triggers_tower::signature::{LookupError, Mode, SecretLookup, StaticSecrets};

use crate::support::*;

const BODY: &[u8] = br#"{"source":"shop","event_type":"order.created","payload":{"id":42}}"#;

async fn server() -> std::net::SocketAddr {
    serve(router_with(layer())).await
}

#[tokio::test]
async fn valid_signature_passes_and_the_handler_sees_the_exact_bytes() {
    let addr = server().await;
    let reply = Signed::post("/v1/events", BODY).send(addr).await;
    reply.assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn valid_signature_with_query_and_empty_body() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events?since=2024-01-01T00%3A00%3A00Z&limit=10", b"");
    request.method = Method::GET;
    request
        .send(addr)
        .await
        .assert_echoed(b"", &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn binary_body_is_verified_byte_for_byte() {
    let addr = server().await;
    let body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let reply = Signed::post("/v1/events", &body).send(addr).await;
    reply.assert_echoed(&body, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn tampered_body_is_refused() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events", BODY);
    request.sent_body =
        Some(br#"{"source":"shop","event_type":"order.created","payload":{"id":43}}"#.to_vec());
    request
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn tampered_query_is_refused() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events?account=1", BODY);
    request.sent_target = Some("/v1/events?account=2".into());
    request
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn tampered_method_and_path_are_refused() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events", BODY);
    request.method = Method::PUT;
    request.signed_target = "/v1/events".into();
    let mut sent = request.request();
    *sent.method_mut() = Method::POST; // signed as PUT, sent as POST
    send(addr, sent)
        .await
        .assert_rejected(401, "signature_mismatch");

    let mut request = Signed::post("/v1/other", BODY);
    request.sent_target = Some("/v1/events".into());
    request
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn reordered_query_is_still_valid() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events?a=1&b=2&b=1", BODY);
    request.sent_target = Some("/v1/events?b=1&a=1&b=2".into());
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn wrong_secret_is_refused() {
    let addr = server().await;
    let mut request = Signed::post("/v1/events", BODY);
    request.secret = "not-the-secret".into();
    request
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn old_secret_still_passes_during_rotation() {
    let rotating = StaticSecrets::new()
        .with_secret(KEY_ID, secret(SECRET))
        .with_secret(KEY_ID, secret(OLD_SECRET));
    let addr = serve(router_with(layer_with(rotating))).await;

    let new = Signed::post("/v1/events", BODY);
    new.send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));

    let mut old = Signed::post("/v1/events", BODY);
    old.secret = OLD_SECRET.into();
    old.send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/1/{NOW}"));

    let mut retired = Signed::post("/v1/events", BODY);
    retired.secret = "retired-secret".into();
    retired
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let clock = TestClock::at(NOW);
    let addr = serve(router_with(
        VerifySignatureLayer::new(secrets())
            .tolerance(300)
            .clock(clock.reader()),
    ))
    .await;

    let mut request = Signed::post("/v1/events", BODY);
    request.timestamp = NOW - 301;
    request
        .send(addr)
        .await
        .assert_rejected(401, "stale_timestamp");

    request.timestamp = NOW + 301;
    request
        .send(addr)
        .await
        .assert_rejected(401, "future_timestamp");

    // The window is inclusive at both ends.
    for timestamp in [NOW - 300, NOW + 300] {
        request.timestamp = timestamp;
        request
            .send(addr)
            .await
            .assert_echoed(BODY, &format!("demo/0/{timestamp}"));
    }

    // The same signed request becomes stale when the server clock moves on.
    request.timestamp = NOW;
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
    clock.set(NOW + 3_600);
    request
        .send(addr)
        .await
        .assert_rejected(401, "stale_timestamp");
}

use triggers_tower::signature::VerifySignatureLayer;

#[tokio::test]
async fn tolerance_is_configurable() {
    let addr = serve(router_with(layer().tolerance(10))).await;
    let mut request = Signed::post("/v1/events", BODY);
    request.timestamp = NOW - 11;
    request
        .send(addr)
        .await
        .assert_rejected(401, "stale_timestamp");
    request.timestamp = NOW - 10;
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{}", NOW - 10));
}

#[tokio::test]
async fn unsigned_request_is_refused_in_required_mode() {
    let addr = server().await;
    let request = Request::post("/v1/events")
        .header("x-key-id", KEY_ID)
        .body(Full::new(Bytes::from_static(BODY)))
        .unwrap();
    send(addr, request)
        .await
        .assert_rejected(401, "missing_header");
}

#[tokio::test]
async fn partially_signed_request_is_malformed() {
    let addr = server().await;
    for missing in [
        "x-signature-timestamp",
        "x-signature",
        "x-signature-version",
    ] {
        let full = Signed::post("/v1/events", BODY);
        let mut builder = Request::post("/v1/events");
        for (name, value) in full.headers() {
            if name != missing {
                builder = builder.header(name, value);
            }
        }
        let request = builder.body(Full::new(Bytes::from_static(BODY))).unwrap();
        send(addr, request)
            .await
            .assert_rejected(400, "missing_header");
    }
}

#[tokio::test]
async fn unsigned_request_passes_in_optional_mode() {
    let addr = serve(router_with(layer().mode(Mode::Optional))).await;

    // No signature headers at all: through, unverified, body intact.
    let request = Request::post("/v1/events")
        .body(Full::new(Bytes::from_static(BODY)))
        .unwrap();
    send(addr, request).await.assert_echoed(BODY, "none");

    // Signed requests are still verified...
    Signed::post("/v1/events", BODY)
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));

    // ...and refused when wrong.
    let mut request = Signed::post("/v1/events", BODY);
    request.sent_body = Some(b"tampered".to_vec());
    request
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");

    // Claiming to be signed with only some headers is not "unsigned".
    let request = Request::post("/v1/events")
        .header("x-signature-version", "v1")
        .body(Full::new(Bytes::from_static(BODY)))
        .unwrap();
    send(addr, request)
        .await
        .assert_rejected(400, "missing_header");
}

#[tokio::test]
async fn optional_mode_does_not_buffer_or_limit_unsigned_bodies() {
    let addr = serve(router_with(layer().mode(Mode::Optional).body_limit(16))).await;
    let body = vec![b'x'; 1000];
    let request = Request::post("/v1/events")
        .body(Full::new(Bytes::from(body.clone())))
        .unwrap();
    send(addr, request).await.assert_echoed(&body, "none");
}

/// Sends the valid headers of `Signed::post(BODY)` with one replaced.
async fn send_with_header(addr: std::net::SocketAddr, name: &str, value: &str) -> Reply {
    let signed = Signed::post("/v1/events", BODY);
    let mut builder = Request::post("/v1/events");
    for (n, v) in signed.headers() {
        builder = builder.header(n, if n == name { value.to_owned() } else { v });
    }
    send(
        addr,
        builder.body(Full::new(Bytes::from_static(BODY))).unwrap(),
    )
    .await
}

#[tokio::test]
async fn malformed_headers_are_refused() {
    let addr = server().await;
    send_with_header(addr, "x-signature", &"zz".repeat(32))
        .await
        .assert_rejected(400, "malformed_header");
    send_with_header(addr, "x-signature", "abcd")
        .await
        .assert_rejected(400, "malformed_header");
    send_with_header(addr, "x-signature-timestamp", "17e8")
        .await
        .assert_rejected(400, "malformed_header");
    send_with_header(addr, "x-signature-timestamp", "-1700000000")
        .await
        .assert_rejected(400, "malformed_header");
    send_with_header(addr, "x-signature-timestamp", "01700000000")
        .await
        .assert_rejected(400, "malformed_header");
    send_with_header(addr, "x-signature-version", "v2")
        .await
        .assert_rejected(400, "unsupported_version");
}

#[tokio::test]
async fn repeated_signature_header_is_malformed() {
    let addr = server().await;
    let signed = Signed::post("/v1/events", BODY);
    let mut builder = Request::post("/v1/events");
    for (name, value) in signed.headers() {
        builder = builder.header(name, value);
    }
    builder = builder.header("x-signature", "0".repeat(64));
    let reply = send(
        addr,
        builder.body(Full::new(Bytes::from_static(BODY))).unwrap(),
    )
    .await;
    reply.assert_rejected(400, "malformed_header");
}

#[tokio::test]
async fn uppercase_hex_signature_is_accepted() {
    let addr = server().await;
    let signed = Signed::post("/v1/events", BODY);
    let mut builder = Request::post("/v1/events");
    for (name, value) in signed.headers() {
        let value = if name == "x-signature" {
            value.to_ascii_uppercase()
        } else {
            value
        };
        builder = builder.header(name, value);
    }
    send(
        addr,
        builder.body(Full::new(Bytes::from_static(BODY))).unwrap(),
    )
    .await
    .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn bad_percent_encoding_is_refused() {
    let addr = serve(Router::new().fallback(crate::support::echo).layer(layer())).await;
    // Signed by a client that does not validate its target: the signature
    // is computed over the raw string, which the spec refuses to canonicalize.
    let timestamp = NOW.to_string();
    let head = format!(
        "POST /v1/events?a=%zz HTTP/1.1\r\nhost: test\r\nx-key-id: demo\r\n\
         x-signature-timestamp: {timestamp}\r\nx-signature: {}\r\nx-signature-version: v1\r\n\
         content-length: 0\r\n\r\n",
        "0".repeat(64)
    );
    raw_exchange(addr, &head, b"")
        .await
        .assert_rejected(400, "bad_encoding");
}

#[tokio::test]
async fn key_id_errors() {
    let addr = server().await;

    let mut request = Signed::post("/v1/events", BODY);
    request.key_id = None;
    request
        .send(addr)
        .await
        .assert_rejected(401, "missing_key_id");

    request.key_id = Some("nobody".into());
    request
        .send(addr)
        .await
        .assert_rejected(401, "unknown_key_id");

    let mut builder = Request::post("/v1/events").header("x-key-id", "other");
    for (name, value) in Signed::post("/v1/events", BODY).headers() {
        builder = builder.header(name, value);
    }
    send(
        addr,
        builder.body(Full::new(Bytes::from_static(BODY))).unwrap(),
    )
    .await
    .assert_rejected(400, "malformed_key_id");
}

#[tokio::test]
async fn key_id_header_is_configurable() {
    let addr = serve(router_with(
        layer().key_id_header(http::HeaderName::from_static("x-client")),
    ))
    .await;
    let mut request = Signed::post("/v1/events", BODY);
    request.key_id = None;
    let mut sent = request.request();
    sent.headers_mut()
        .insert("x-client", KEY_ID.parse().unwrap());
    send(addr, sent)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[derive(Clone)]
struct FailingLookup;

impl SecretLookup for FailingLookup {
    async fn lookup(&self, _key_id: &str) -> Result<Vec<Secret>, LookupError> {
        Err(LookupError::backend("database is down"))
    }
}

#[tokio::test]
async fn lookup_backend_failure_is_503() {
    let addr = serve(router_with(
        VerifySignatureLayer::new(FailingLookup).clock(TestClock::at(NOW).reader()),
    ))
    .await;
    let reply = Signed::post("/v1/events", BODY).send(addr).await;
    reply.assert_rejected(503, "key_lookup_failed");
    assert!(
        !String::from_utf8_lossy(&reply.body).contains("database"),
        "backend errors are not leaked"
    );
}

#[tokio::test]
async fn works_inside_a_nested_router() {
    // The inner router sees `/events`; the client signed `/v1/events`.
    let inner = Router::new()
        .route("/events", post(crate::support::echo))
        .layer(layer());
    let addr = serve(Router::new().nest("/v1", inner)).await;
    Signed::post("/v1/events?x=1", BODY)
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn route_layer_and_absolute_form_targets() {
    let app = Router::new()
        .route("/v1/events", post(crate::support::echo))
        .route_layer(layer());
    let addr = serve(app).await;
    // Absolute-form request target: the path and query are verified.
    let signed = Signed::post("/v1/events?a=1", BODY);
    let mut head = format!("POST http://{addr}/v1/events?a=1 HTTP/1.1\r\nhost: {addr}\r\n");
    for (name, value) in signed.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", BODY.len()));
    raw_exchange(addr, &head, BODY)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn fixed_key_id_source() {
    use triggers_tower::signature::KeyIdSource;
    let addr = serve(router_with(layer().key_id(KeyIdSource::fixed(KEY_ID)))).await;
    let mut request = Signed::post("/v1/events", BODY);
    request.key_id = None;
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn signing_helper_matches_the_layer_for_every_method() {
    let addr = server().await;
    for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
        let signed = sign(&secret(SECRET), method.as_str(), "/v1/events", NOW, b"x").unwrap();
        let mut builder = Request::builder()
            .method(method.clone())
            .uri("/v1/events")
            .header("x-key-id", KEY_ID);
        for (name, value) in signed.iter() {
            builder = builder.header(name, value);
        }
        send(
            addr,
            builder.body(Full::new(Bytes::from_static(b"x"))).unwrap(),
        )
        .await
        .assert_echoed(b"x", &format!("demo/0/{NOW}"));
    }
}
