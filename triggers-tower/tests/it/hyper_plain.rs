//! The layers in a plain hyper server: no axum involved.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tower::{ServiceBuilder, ServiceExt};
use triggers_tower::api_key::{ApiKeyLayer, Authenticated, StaticApiKeys};
use triggers_tower::body::RequestBody;
use triggers_tower::signature::VerifiedSignature;

use crate::support::*;

/// Echoes the verified body; reports the layers' findings in headers.
async fn handler(
    request: Request<RequestBody<Incoming>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let verified = request.extensions().get::<VerifiedSignature>().map_or_else(
        || "none".to_owned(),
        |s| format!("{}/{}/{}", s.key_id, s.secret_index, s.timestamp),
    );
    let identity = request
        .extensions()
        .get::<Authenticated<String>>()
        .map(|a| a.0.clone());
    assert!(request.body().is_buffered());
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let mut response = Response::builder().header("x-verified", verified);
    if let Some(identity) = identity {
        response = response.header("x-identity", identity);
    }
    Ok(response.body(Full::new(body)).unwrap())
}

async fn hyper_server() -> SocketAddr {
    let service = ServiceBuilder::new()
        .layer(ApiKeyLayer::new(
            StaticApiKeys::new().with_key("live-key", "acme".to_owned()),
        ))
        .layer(layer())
        .service_fn(handler);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service.clone();
            tokio::spawn(async move {
                let hyper_service =
                    hyper::service::service_fn(move |request: Request<Incoming>| {
                        service.clone().oneshot(request)
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper_service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn plain_hyper_service() {
    let addr = hyper_server().await;
    let body = br#"{"plain":"hyper"}"#;

    let mut valid = Signed::post("/v1/events?x=1", body).request();
    valid
        .headers_mut()
        .insert("x-api-key", "live-key".parse().unwrap());
    let reply = send(addr, valid).await;
    reply.assert_echoed(body, &format!("demo/0/{NOW}"));
    assert_eq!(reply.header("x-identity"), Some("acme"));

    let mut tampered = Signed::post("/v1/events?x=1", body);
    tampered.sent_target = Some("/v1/events?x=2".into());
    let mut tampered = tampered.request();
    tampered
        .headers_mut()
        .insert("x-api-key", "live-key".parse().unwrap());
    send(addr, tampered)
        .await
        .assert_rejected(401, "signature_mismatch");

    send(addr, Signed::post("/v1/events", body).request())
        .await
        .assert_rejected(401, "missing_api_key");
}
