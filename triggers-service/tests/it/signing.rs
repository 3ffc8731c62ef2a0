//! v1 signed requests through the service: optional for most keys,
//! required for keys created with `require_signature`.

use reqwest::Method;
use serde_json::json;
use triggers_signing::{Secret, sign, unix_now};

use crate::support::{Server, error_code};

fn signed(
    s: &Server,
    key: &str,
    secret: &str,
    path: &str,
    body: &[u8],
    tamper: bool,
) -> reqwest::RequestBuilder {
    let headers = sign(
        &Secret::new(secret).unwrap(),
        "POST",
        path,
        unix_now(),
        body,
    )
    .unwrap();
    let mut req = s
        .req(Method::POST, path, key)
        .header("content-type", "application/json")
        .body(if tamper {
            [body, b" "].concat()
        } else {
            body.to_vec()
        });
    for (name, value) in headers.iter() {
        req = req.header(name, value);
    }
    req
}

#[tokio::test]
async fn keys_that_require_signatures_refuse_unsigned_and_tampered_requests() {
    let s = Server::start().await;
    let (_, key, secret) = s
        .create_key(json!({ "name": "signer", "require_signature": true }))
        .await;
    let body = br#"{"source":"shop","event_type":"order.created","payload":{"a":1}}"#;

    let res = s
        .req(Method::POST, "/v1/events", &key)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (401, "signature_required".into()));

    let res = signed(&s, &key, &secret, "/v1/events", body, false)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let res = signed(&s, &key, &secret, "/v1/events", body, true)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (401, "signature_mismatch".into()));

    // Another key's signing secret does not verify for this key.
    let res = signed(&s, &key, &s.admin_signing_secret, "/v1/events", body, false)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (401, "signature_mismatch".into()));
    s.stop().await;
}

#[tokio::test]
async fn optional_signatures_verify_when_present_and_survive_rotation() {
    let s = Server::start().await;
    let (key_id, key, secret) = s.create_key(json!({ "name": "opt" })).await;
    let body = br#"{"source":"s","event_type":"t","payload":{}}"#;
    // Unsigned is fine for this key; signed must verify.
    let res = s
        .req(Method::POST, "/v1/events", &key)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = signed(&s, &key, &secret, "/v1/events", body, true)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (401, "signature_mismatch".into()));

    // After a rotation with a transition, the old signing secret still verifies.
    let rotated: serde_json::Value = s
        .post_json(
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
            json!({ "transition_seconds": 600 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["signing_secret"].as_str().unwrap();
    for sec in [secret.as_str(), new_secret] {
        let res = signed(&s, &key, sec, "/v1/events", body, false)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    s.stop().await;
}
