//! Criterion benchmarks of `triggers-signing`: v1 request signing and
//! verification for several body sizes, canonicalization alone, Standard
//! Webhooks signatures, and bare SHA-256 / HMAC-SHA256 baselines measured in
//! the same run so results can be expressed as ratios.
//!
//! Benchmark ids (the directory under `target/criterion/`):
//!
//! - `request/{sign,verify,sign_verify}/{0B,1KiB,64KiB,1MiB}`: `verify`
//!   includes hashing the body (`BodyHash::of`), as a receiver must;
//! - `canonicalize/{canonical_string,canonical_path,canonical_query}/target`;
//! - `webhook/{sign,verify,sign_verify}/1KiB`;
//! - `baseline/sha256/{1KiB,1MiB}`: `sha2::Sha256::digest`;
//! - `baseline/hmac_sha256/canonical_1KiB`: HMAC-SHA256 (key setup included)
//!   of the string to sign of the 1 KiB request.
//!
//! Run with `cargo bench -p triggers-benches --bench signing`, or
//! `benches/run.sh` for the summary table.

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_main};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{
    BodyHash, Secret, SignatureHeaders, Verifier, canonical_path, canonical_query,
    canonical_string, sign, split_target,
};

/// A realistic request target: an escaped slash in the path, an unsorted
/// query with an escaped space.
const TARGET: &str = "/v1/events/abc%2Fdef?z=1&a=2&b=%20x";
const METHOD: &str = "POST";
const TIMESTAMP: u64 = 1_700_000_000;
/// The verifier's clock: 30 s after signing, well inside the window.
const NOW: u64 = TIMESTAMP + 30;
const SECRET: &str = "tsk_live_4f9a1c7e2b8d4e6fa0c3b5d7e9f1a2c4";
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WEBHOOK_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

const SIZES: [(&str, usize); 4] = [
    ("0B", 0),
    ("1KiB", 1024),
    ("64KiB", 64 * 1024),
    ("1MiB", 1024 * 1024),
];

/// Deterministic printable pseudo-random bytes (a JSON-ish body stand-in).
fn body(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            b' ' + ((state >> 24) % 95) as u8
        })
        .collect()
}

fn headers(signed: &triggers_signing::SignedHeaders) -> SignatureHeaders<'_> {
    SignatureHeaders {
        timestamp: Some(signed.timestamp.as_bytes()),
        signature: Some(signed.signature.as_bytes()),
        version: Some(signed.version.as_bytes()),
    }
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    len: usize,
) {
    group.throughput(Throughput::Bytes(len as u64));
    // Large bodies take ~0.5 ms per iteration: flat sampling keeps the
    // measurement time bounded.
    if len >= 64 * 1024 {
        group.sampling_mode(SamplingMode::Flat);
    } else {
        group.sampling_mode(SamplingMode::Auto);
    }
}

fn request(c: &mut Criterion) {
    let secret = Secret::new(SECRET).expect("valid secret");
    let verifier = Verifier::new([secret.clone()]);
    let mut group = c.benchmark_group("request");
    for (label, len) in SIZES {
        let body = body(len);
        let signed = sign(&secret, METHOD, TARGET, TIMESTAMP, &body).expect("sign");

        configure(&mut group, len);
        group.bench_with_input(BenchmarkId::new("sign", label), &body, |b, body| {
            b.iter(|| {
                sign(
                    &secret,
                    black_box(METHOD),
                    black_box(TARGET),
                    black_box(TIMESTAMP),
                    black_box(body),
                )
                .expect("sign")
            });
        });

        let hdrs = headers(&signed);
        group.bench_with_input(BenchmarkId::new("verify", label), &body, |b, body| {
            b.iter(|| {
                verifier
                    .verify(
                        black_box(METHOD),
                        black_box(TARGET),
                        &BodyHash::of(black_box(body)),
                        black_box(&hdrs),
                        black_box(NOW),
                    )
                    .expect("verify")
            });
        });

        group.bench_with_input(BenchmarkId::new("sign_verify", label), &body, |b, body| {
            b.iter(|| {
                let signed = sign(
                    &secret,
                    black_box(METHOD),
                    black_box(TARGET),
                    black_box(TIMESTAMP),
                    black_box(body),
                )
                .expect("sign");
                verifier
                    .verify(
                        METHOD,
                        TARGET,
                        &BodyHash::of(black_box(body)),
                        &headers(&signed),
                        black_box(NOW),
                    )
                    .expect("verify")
            });
        });
    }
    group.finish();
}

fn canonicalize(c: &mut Criterion) {
    let hash = BodyHash::of(&body(1024));
    let ts = TIMESTAMP.to_string();
    let (path, query) = split_target(TARGET);
    let query = query.expect("the target has a query");
    let mut group = c.benchmark_group("canonicalize");
    group.bench_function(BenchmarkId::new("canonical_string", "target"), |b| {
        b.iter(|| {
            canonical_string(
                black_box(METHOD),
                black_box(TARGET),
                black_box(&ts),
                black_box(&hash),
            )
            .expect("canonical")
        });
    });
    group.bench_function(BenchmarkId::new("canonical_path", "target"), |b| {
        b.iter(|| canonical_path(black_box(path)).expect("path"));
    });
    group.bench_function(BenchmarkId::new("canonical_query", "target"), |b| {
        b.iter(|| canonical_query(black_box(query)).expect("query"));
    });
    group.finish();
}

fn webhooks(c: &mut Criterion) {
    let secret = WebhookSecret::parse(WEBHOOK_SECRET).expect("valid webhook secret");
    let verifier = WebhookVerifier::new([secret.clone()]);
    let body = body(1024);
    let signature = webhook::sign(&secret, WEBHOOK_ID, TIMESTAMP, &body).expect("sign");
    let ts = TIMESTAMP.to_string();
    let hdrs = WebhookHeaders {
        id: Some(WEBHOOK_ID.as_bytes()),
        timestamp: Some(ts.as_bytes()),
        signature: Some(signature.as_bytes()),
    };

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function(BenchmarkId::new("sign", "1KiB"), |b| {
        b.iter(|| {
            webhook::sign(
                &secret,
                black_box(WEBHOOK_ID),
                black_box(TIMESTAMP),
                black_box(&body),
            )
            .expect("sign")
        });
    });
    group.bench_function(BenchmarkId::new("verify", "1KiB"), |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&hdrs), black_box(&body), black_box(NOW))
                .expect("verify")
        });
    });
    group.bench_function(BenchmarkId::new("sign_verify", "1KiB"), |b| {
        b.iter(|| {
            let signature = webhook::sign(
                &secret,
                black_box(WEBHOOK_ID),
                black_box(TIMESTAMP),
                black_box(&body),
            )
            .expect("sign");
            let hdrs = WebhookHeaders {
                id: Some(WEBHOOK_ID.as_bytes()),
                timestamp: Some(ts.as_bytes()),
                signature: Some(signature.as_bytes()),
            };
            verifier
                .verify(&hdrs, black_box(&body), black_box(NOW))
                .expect("verify")
        });
    });
    group.finish();
}

fn baseline(c: &mut Criterion) {
    let mut group = c.benchmark_group("baseline");
    for (label, len) in [("1KiB", 1024), ("1MiB", 1024 * 1024)] {
        let body = body(len);
        configure(&mut group, len);
        group.bench_with_input(BenchmarkId::new("sha256", label), &body, |b, body| {
            b.iter(|| Sha256::digest(black_box(body)));
        });
    }

    // The exact bytes `sign` MACs for the 1 KiB request.
    let canonical = canonical_string(
        METHOD,
        TARGET,
        &TIMESTAMP.to_string(),
        &BodyHash::of(&body(1024)),
    )
    .expect("canonical");
    configure(&mut group, canonical.len());
    group.bench_function(BenchmarkId::new("hmac_sha256", "canonical_1KiB"), |b| {
        b.iter(|| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(black_box(SECRET.as_bytes())).expect("any key");
            mac.update(black_box(canonical.as_bytes()));
            mac.finalize().into_bytes()
        });
    });
    group.finish();
}

/// `criterion_group!` generates an undocumented `pub fn`: keep it private.
mod group {
    use std::time::Duration;

    use criterion::{Criterion, criterion_group};

    use super::{baseline, canonicalize, request, webhooks};

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        targets = request, canonicalize, webhooks, baseline
    }
}
criterion_main!(group::benches);
