//! Overhead of `triggers_tower::signature::VerifySignatureLayer`, in process
//! (no sockets), on a current-thread tokio runtime with
//! `tower::ServiceExt::oneshot`, for a signed 1 KiB `POST`:
//!
//! - `layer/bare_service/1KiB` (a): the inner `service_fn` alone, which
//!   collects the body and answers 200 with its length;
//! - `layer/signature_layer/1KiB` (b): the same service wrapped in the
//!   signature layer (default settings: required mode, `x-key-id`, system
//!   clock, no replay cache), with a valid signature;
//! - `layer/verify_and_hash/1KiB` (c): `BodyHash::of` + `Verifier::verify`
//!   of the same request, i.e. the cryptographic work the layer cannot avoid.
//!
//! The layer's overhead beyond hashing is b − a − c (`benches/run.sh` prints
//! it). Every iteration builds the same `http::Request` (headers included) in
//! (a) and (b), so request construction cancels out; every iteration checks
//! the response is a 200, so a rejection path is never measured by mistake.

use std::convert::Infallible;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use tower::{Layer, ServiceExt, service_fn};
use triggers_signing::{
    BodyHash, Secret, SignatureHeaders, SignedHeaders, Verifier, sign, unix_now,
};
use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};

const TARGET: &str = "/v1/events/abc%2Fdef?z=1&a=2&b=%20x";
const SECRET: &str = "tsk_live_4f9a1c7e2b8d4e6fa0c3b5d7e9f1a2c4";
const KEY_ID: &str = "demo";
const BODY_LEN: usize = 1024;

/// Deterministic printable pseudo-random bytes (same generator as `signing`).
fn body(len: usize) -> Bytes {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            b' ' + ((state >> 24) % 95) as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

/// The request both (a) and (b) receive: key id, the three signature
/// headers, content-length and the body.
fn request(signed: &SignedHeaders, body: &Bytes) -> Request<Full<Bytes>> {
    let mut builder = Request::post(TARGET)
        .header("x-key-id", KEY_ID)
        .header(http::header::CONTENT_LENGTH, body.len());
    for (name, value) in signed.iter() {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(body.clone()))
        .expect("a valid request")
}

/// The inner service: collects the body, answers 200 with its length.
async fn handler<B>(request: Request<B>) -> Result<Response<Full<Bytes>>, Infallible>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let len = request
        .into_body()
        .collect()
        .await
        .expect("an in-memory body")
        .to_bytes()
        .len();
    Ok(Response::new(Full::new(Bytes::from(len.to_string()))))
}

fn layer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let secret = Secret::new(SECRET).expect("valid secret");
    let body = body(BODY_LEN);

    let mut group = c.benchmark_group("layer");
    group.throughput(Throughput::Bytes(BODY_LEN as u64));

    // (a) The bare inner service.
    {
        let signed = sign(&secret, "POST", TARGET, unix_now(), &body).expect("sign");
        let service = service_fn(handler::<Full<Bytes>>);
        group.bench_function(BenchmarkId::new("bare_service", "1KiB"), |b| {
            b.to_async(&runtime).iter(|| async {
                let response = service
                    .oneshot(request(&signed, &body))
                    .await
                    .expect("infallible");
                assert_eq!(response.status(), StatusCode::OK);
                black_box(response)
            });
        });
    }

    // (b) The same service behind the signature layer. Signed now: the
    // layer reads the system clock and allows ±300 s, far more than one
    // benchmark lasts.
    {
        let secrets = StaticSecrets::new().with_secret(KEY_ID, secret.clone());
        let service = VerifySignatureLayer::new(secrets).layer(service_fn(handler));
        let signed = sign(&secret, "POST", TARGET, unix_now(), &body).expect("sign");
        let response = runtime
            .block_on(service.clone().oneshot(request(&signed, &body)))
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "the layer must accept");
        group.bench_function(BenchmarkId::new("signature_layer", "1KiB"), |b| {
            b.to_async(&runtime).iter(|| async {
                let response = service
                    .clone()
                    .oneshot(request(&signed, &body))
                    .await
                    .expect("infallible");
                assert_eq!(response.status(), StatusCode::OK);
                black_box(response)
            });
        });
    }

    // (c) Hashing + verification alone.
    {
        let now = unix_now();
        let signed = sign(&secret, "POST", TARGET, now, &body).expect("sign");
        let verifier = Verifier::new([secret.clone()]);
        let headers = SignatureHeaders {
            timestamp: Some(signed.timestamp.as_bytes()),
            signature: Some(signed.signature.as_bytes()),
            version: Some(signed.version.as_bytes()),
        };
        group.bench_function(BenchmarkId::new("verify_and_hash", "1KiB"), |b| {
            b.iter(|| {
                verifier
                    .verify(
                        black_box("POST"),
                        black_box(TARGET),
                        &BodyHash::of(black_box(&body)),
                        black_box(&headers),
                        black_box(now),
                    )
                    .expect("verify")
            });
        });
    }
    group.finish();
}

/// `criterion_group!` generates an undocumented `pub fn`: keep it private.
mod group {
    use std::time::Duration;

    use criterion::{Criterion, criterion_group};

    use super::layer;

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        targets = layer
    }
}
criterion_main!(group::benches);
