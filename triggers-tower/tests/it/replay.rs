//! Replay protection over real HTTP.

use triggers_tower::signature::{ReplayCache, VerifySignatureLayer};

use crate::support::*;

const BODY: &[u8] = br#"{"event":"invoice.paid"}"#;

#[tokio::test]
async fn the_same_signature_is_refused_the_second_time() {
    let addr = serve(router_with(layer().replay_protection(1_000))).await;
    let request = Signed::post("/v1/events", BODY);
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
    request
        .send(addr)
        .await
        .assert_rejected(401, "replayed_signature");
    request
        .send(addr)
        .await
        .assert_rejected(401, "replayed_signature");

    // A fresh signature (new timestamp) for the same content is fine.
    let mut again = Signed::post("/v1/events", BODY);
    again.timestamp = NOW + 1;
    again
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{}", NOW + 1));
}

#[tokio::test]
async fn failed_verifications_are_not_recorded() {
    let addr = serve(router_with(layer().replay_protection(1_000))).await;
    // A tampered request carrying a valid signature must not burn it.
    let mut tampered = Signed::post("/v1/events", BODY);
    tampered.sent_body = Some(b"tampered".to_vec());
    tampered
        .send(addr)
        .await
        .assert_rejected(401, "signature_mismatch");
    Signed::post("/v1/events", BODY)
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
}

#[tokio::test]
async fn after_the_window_a_replay_is_stale_and_the_entry_is_gone() {
    let clock = TestClock::at(NOW);
    let cache = ReplayCache::new(1_000);
    let addr = serve(router_with(
        VerifySignatureLayer::new(secrets())
            .tolerance(300)
            .clock(clock.reader())
            .replay_cache(cache.clone()),
    ))
    .await;
    let request = Signed::post("/v1/events", BODY);
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
    assert_eq!(cache.len(), 1);

    clock.set(NOW + 300);
    request
        .send(addr)
        .await
        .assert_rejected(401, "replayed_signature");

    clock.set(NOW + 301);
    request
        .send(addr)
        .await
        .assert_rejected(401, "stale_timestamp");

    // The next accepted request purges the expired entry.
    let mut fresh = Signed::post("/v1/events", BODY);
    fresh.timestamp = NOW + 301;
    fresh
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{}", NOW + 301));
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn memory_stays_bounded_under_many_requests() {
    let cache = ReplayCache::new(8);
    let addr = serve(router_with(layer().replay_cache(cache.clone()))).await;
    for i in 0..40u64 {
        let mut request = Signed::post("/v1/events", BODY);
        request.timestamp = NOW - 200 + i;
        request
            .send(addr)
            .await
            .assert_echoed(BODY, &format!("demo/0/{}", NOW - 200 + i));
        assert!(cache.len() <= 8);
    }
    assert_eq!(cache.len(), 8);
}

#[tokio::test]
async fn a_cache_can_be_shared_between_routes() {
    use axum::Router;
    use axum::routing::post;
    let cache = ReplayCache::new(100);
    let app = Router::new()
        .route(
            "/v1/a",
            post(echo).layer(layer().replay_cache(cache.clone())),
        )
        .route(
            "/v1/b",
            post(echo).layer(layer().replay_cache(cache.clone())),
        );
    let addr = serve(app).await;
    let request = Signed::post("/v1/a", BODY);
    request
        .send(addr)
        .await
        .assert_echoed(BODY, &format!("demo/0/{NOW}"));
    request
        .send(addr)
        .await
        .assert_rejected(401, "replayed_signature");
    assert_eq!(cache.len(), 1);
}
