//! Body limit (413) and body read errors, over raw TCP so that the exact
//! framing (content-length vs chunked) is under the test's control.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use http_body::{Body, Frame};
use tower::ServiceExt;

use crate::support::*;

const LIMIT: usize = 1024;

async fn server() -> std::net::SocketAddr {
    serve(router_with(layer().body_limit(LIMIT))).await
}

fn signed_head(body: &[u8], framing: &str) -> String {
    let signed = Signed::post("/v1/events", body);
    let mut head = String::from("POST /v1/events HTTP/1.1\r\nhost: test\r\n");
    for (name, value) in signed.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(framing);
    head.push_str("\r\n");
    head
}

#[tokio::test]
async fn body_at_the_limit_passes() {
    let addr = server().await;
    let body = vec![b'a'; LIMIT];
    Signed::post("/v1/events", &body)
        .send(addr)
        .await
        .assert_echoed(&body, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn oversized_content_length_is_refused_before_reading_the_body() {
    let addr = server().await;
    let body = vec![b'a'; LIMIT + 1];
    // Only the head is sent: the answer must not wait for the body.
    let head = signed_head(&body, &format!("content-length: {}\r\n", body.len()));
    raw_exchange(addr, &head, b"")
        .await
        .assert_rejected(413, "payload_too_large");
}

#[tokio::test]
async fn oversized_chunked_body_is_refused_while_reading() {
    let addr = server().await;
    // Three 512-byte chunks (1536 > 1024), no terminating chunk: the server
    // must give up as soon as the limit is crossed, not wait for the end.
    let body = vec![b'b'; 3 * 512];
    let head = signed_head(&body, "transfer-encoding: chunked\r\n");
    let mut chunked = Vec::new();
    for chunk in body.chunks(512) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    raw_exchange(addr, &head, &chunked)
        .await
        .assert_rejected(413, "payload_too_large");
}

#[tokio::test]
async fn chunked_body_within_the_limit_passes() {
    let addr = server().await;
    let body = vec![b'c'; 700];
    let head = signed_head(&body, "transfer-encoding: chunked\r\n");
    let mut chunked = Vec::new();
    for chunk in body.chunks(100) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    raw_exchange(addr, &head, &chunked)
        .await
        .assert_echoed(&body, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn default_limit_is_one_mebibyte() {
    let addr = serve(router_with(layer())).await;
    let head = signed_head(b"", &format!("content-length: {}\r\n", 1024 * 1024 + 1));
    raw_exchange(addr, &head, b"")
        .await
        .assert_rejected(413, "payload_too_large");

    let body = vec![b'd'; 1024 * 1024];
    Signed::post("/v1/events", &body)
        .send(addr)
        .await
        .assert_echoed(&body, &format!("demo/0/{NOW}"));
}

/// A body that yields some bytes, then fails.
struct Broken(u8);

impl Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0 += 1;
        Poll::Ready(Some(if self.0 == 1 {
            Ok(Frame::data(Bytes::from_static(b"partial")))
        } else {
            Err(std::io::Error::other("connection reset"))
        }))
    }
}

#[tokio::test]
async fn body_read_error_is_400() {
    // In-process: a transport error cannot be produced reliably over TCP.
    let inner = tower::service_fn(
        |_: Request<triggers_tower::body::RequestBody<Broken>>| async {
            Ok::<_, Infallible>(http::Response::new(String::from("unreachable")))
        },
    );
    let service = tower::ServiceBuilder::new().layer(layer()).service(inner);
    let signed = Signed::post("/v1/events", b"partial");
    let mut builder = Request::post("/v1/events");
    for (name, value) in signed.headers() {
        builder = builder.header(name, value);
    }
    let response = service
        .oneshot(builder.body(Broken(0)).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "body_read_failed");
}
