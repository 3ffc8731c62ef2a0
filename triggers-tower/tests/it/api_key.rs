//! `ApiKeyLayer` behind a real axum server, alone and with the signature
//! layer.

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use tower::ServiceBuilder;
use triggers_tower::api_key::{
    ApiKeyLayer, ApiKeyValidator, Authenticated, KeyRejection, StaticApiKeys,
};
use triggers_tower::signature::{KeyIdSource, VerifySignatureLayer};

use crate::support::*;

fn keys() -> StaticApiKeys<String> {
    StaticApiKeys::new()
        .with_key("live-key", "acme".to_owned())
        .with_expired_key("old-key", "acme".to_owned())
        .with_revoked_key("leaked-key", "acme".to_owned())
}

async fn server() -> std::net::SocketAddr {
    serve(router_with(ApiKeyLayer::new(keys()))).await
}

fn request(headers: &[(&str, &str)], body: &'static [u8]) -> Request<Full<Bytes>> {
    let mut builder = Request::post("/v1/events");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Full::new(Bytes::from_static(body))).unwrap()
}

#[tokio::test]
async fn valid_key_reaches_the_handler_with_its_identity() {
    let addr = server().await;
    for header in [
        ("authorization", "Bearer live-key"),
        ("authorization", "bearer live-key"),
        ("x-api-key", "live-key"),
    ] {
        let reply = send(addr, request(&[header], b"payload")).await;
        reply.assert_echoed(b"payload", "none");
        assert_eq!(reply.header("x-identity"), Some("acme"));
    }
}

#[tokio::test]
async fn missing_key() {
    let addr = server().await;
    send(addr, request(&[], b""))
        .await
        .assert_rejected(401, "missing_api_key");
    // Another auth scheme is not an API key.
    send(addr, request(&[("authorization", "Basic YTpi")], b""))
        .await
        .assert_rejected(401, "missing_api_key");
}

#[tokio::test]
async fn invalid_key() {
    let addr = server().await;
    send(addr, request(&[("x-api-key", "guess")], b""))
        .await
        .assert_rejected(401, "invalid_api_key");
    send(addr, request(&[("authorization", "Bearer ")], b""))
        .await
        .assert_rejected(401, "invalid_api_key");
    send(
        addr,
        request(&[("authorization", "Bearer live-key extra")], b""),
    )
    .await
    .assert_rejected(401, "invalid_api_key");
}

#[tokio::test]
async fn expired_key() {
    let addr = server().await;
    send(addr, request(&[("x-api-key", "old-key")], b""))
        .await
        .assert_rejected(401, "key_expired");
}

#[tokio::test]
async fn revoked_key() {
    let addr = server().await;
    send(
        addr,
        request(&[("authorization", "Bearer leaked-key")], b""),
    )
    .await
    .assert_rejected(401, "key_revoked");
}

struct Down;

impl ApiKeyValidator for Down {
    type Identity = String;

    async fn validate(&self, _key: &str) -> Result<String, KeyRejection> {
        Err(KeyRejection::backend(std::io::Error::other(
            "connection refused",
        )))
    }
}

#[tokio::test]
async fn backend_failure_is_503() {
    let addr = serve(router_with(ApiKeyLayer::new(Down))).await;
    let reply = send(addr, request(&[("x-api-key", "live-key")], b"")).await;
    reply.assert_rejected(503, "key_lookup_failed");
    assert!(!String::from_utf8_lossy(&reply.body).contains("refused"));
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_500() {
    let app = Router::new().route(
        "/whoami",
        get(|Authenticated(who): Authenticated<String>| async move { who }),
    );
    let addr = serve(app).await;
    let reply = send(
        addr,
        Request::get("/whoami")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    reply.assert_rejected(500, "internal_error");
}

#[tokio::test]
async fn custom_header_and_no_bearer() {
    let layer = ApiKeyLayer::new(keys())
        .api_key_header(http::HeaderName::from_static("x-triggers-key"))
        .bearer(false);
    let addr = serve(router_with(layer)).await;
    let reply = send(addr, request(&[("x-triggers-key", "live-key")], b"ok")).await;
    reply.assert_echoed(b"ok", "none");
    send(addr, request(&[("authorization", "Bearer live-key")], b""))
        .await
        .assert_rejected(401, "missing_api_key");
}

/// API key outside, signature inside, the signing key id taken from the
/// authenticated identity.
fn combined() -> Router {
    router_with(
        ServiceBuilder::new()
            .layer(ApiKeyLayer::new(
                StaticApiKeys::new().with_key("live-key", KEY_ID.to_owned()),
            ))
            .layer(
                layer().key_id(KeyIdSource::extension(|auth: &Authenticated<String>| {
                    Some(auth.0.clone())
                })),
            ),
    )
}

#[tokio::test]
async fn api_key_identity_selects_the_signing_key() {
    let addr = serve(combined()).await;
    let body = br#"{"a":1}"#;
    let mut signed = Signed::post("/v1/events", body);
    signed.key_id = None; // the identity names the key, not a header
    let mut sent = signed.request();
    sent.headers_mut()
        .insert("authorization", "Bearer live-key".parse().unwrap());
    let reply = send(addr, sent).await;
    reply.assert_echoed(body, &format!("demo/0/{NOW}"));
    assert_eq!(reply.header("x-identity"), Some(KEY_ID));

    // The API key is checked first...
    send(addr, signed.request())
        .await
        .assert_rejected(401, "missing_api_key");

    // ...then the signature.
    let mut tampered = signed.request();
    tampered
        .headers_mut()
        .insert("authorization", "Bearer live-key".parse().unwrap());
    *tampered.body_mut() = Full::new(Bytes::from_static(b"{}"));
    send(addr, tampered)
        .await
        .assert_rejected(401, "signature_mismatch");
}

#[tokio::test]
async fn missing_identity_extension_is_missing_key_id() {
    // Signature layer reading the identity, but no API key layer.
    let addr = serve(router_with(layer().key_id(KeyIdSource::extension(
        |auth: &Authenticated<String>| Some(auth.0.clone()),
    ))))
    .await;
    Signed::post("/v1/events", b"{}")
        .send(addr)
        .await
        .assert_rejected(401, "missing_key_id");
}

#[tokio::test]
async fn layers_compose_with_an_arc_validator_and_lookup() {
    use std::sync::Arc;
    let addr = serve(router_with(
        ServiceBuilder::new()
            .layer(ApiKeyLayer::new(Arc::new(keys())))
            .layer(
                VerifySignatureLayer::new(Arc::new(secrets())).clock(TestClock::at(NOW).reader()),
            ),
    ))
    .await;
    let mut sent = Signed::post("/v1/events", b"x").request();
    sent.headers_mut()
        .insert("x-api-key", "live-key".parse().unwrap());
    let reply = send(addr, sent).await;
    reply.assert_echoed(b"x", &format!("demo/0/{NOW}"));
    assert_eq!(reply.header("x-identity"), Some("acme"));
}
