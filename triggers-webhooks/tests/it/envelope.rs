//! The signed envelope, checked by the signing crate's verifier and,
//! independently, by recomputing the HMAC with `hmac`/`sha2`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::value::RawValue;
use sha2::Sha256;
use triggers_keys::MasterKey;
use triggers_signing::webhook::{WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_webhooks::{
    EventFilter, UrlPolicy, Webhook, WebhookSpec, build_body, message_id, signed_headers,
};
use uuid::Uuid;

const NOW: u64 = 1_700_000_000;

fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> &'a str {
    match headers.iter().find(|(n, _)| *n == name) {
        Some((_, v)) => v,
        None => panic!("header {name} missing"),
    }
}

fn verify(headers: &[(&'static str, String)], body: &[u8], secret: WebhookSecret) -> bool {
    let h = WebhookHeaders::from_fn(|name| {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_bytes())
    });
    WebhookVerifier::new([secret]).verify(&h, body, NOW).is_ok()
}

/// HMAC-SHA256 over `{id}.{timestamp}.{body}` with the decoded secret.
fn recompute(secret: &WebhookSecret, id: &str, ts: &str, body: &[u8]) -> String {
    let encoded = secret.expose_encoded();
    let key = STANDARD
        .decode(encoded.trim_start_matches("whsec_"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[test]
fn headers_verify_with_the_signing_crate_and_by_hand() {
    let master = MasterKey::generate();
    let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::all());
    let new = Webhook::create(spec, &UrlPolicy::default(), &master, 0).expect("valid spec");

    let event_id = Uuid::new_v4();
    let payload =
        RawValue::from_string(r#"{"order_id": 17, "total": "9.90"}"#.into()).expect("valid JSON");
    let body = build_body(event_id, "order.created", "shop", 1_000_000, &payload).expect("builds");
    let secrets = new.webhook.signing_secrets(&master, 0).expect("opens");
    let headers = signed_headers(&message_id(event_id), NOW, &body, &secrets).expect("signs");

    assert_eq!(header(&headers, "webhook-id"), message_id(event_id));
    assert_eq!(header(&headers, "webhook-timestamp"), NOW.to_string());
    assert_eq!(
        header(&headers, "webhook-signature"),
        header(&headers, "x-webhook-signature")
    );
    assert_eq!(
        header(&headers, "webhook-signature"),
        recompute(&new.secret, &message_id(event_id), &NOW.to_string(), &body)
    );
    assert!(verify(&headers, &body, new.secret.clone()));

    // Another secret or a changed body does not verify.
    assert!(!verify(&headers, &body, triggers_webhooks::new_secret()));
    let mut tampered = body.clone();
    tampered.push(b' ');
    assert!(!verify(&headers, &tampered, new.secret));
}

#[test]
fn during_a_rotation_both_secrets_verify_and_new_comes_first() {
    let master = MasterKey::generate();
    let spec = WebhookSpec::new("acct_1", "https://hooks.example.com/in", EventFilter::all());
    let new = Webhook::create(spec, &UrlPolicy::default(), &master, 0).expect("valid spec");
    let old = new.secret;
    let (rotated, fresh) = new
        .webhook
        .rotate_secret(&master, None, Duration::from_secs(3600), 0)
        .expect("rotates");

    let body = br#"{"id":"x"}"#;
    let id = "msg_rotation";
    let during = rotated.signing_secrets(&master, 1).expect("opens");
    let headers = signed_headers(id, NOW, body, &during).expect("signs");
    let sig = header(&headers, "webhook-signature");
    let ts = NOW.to_string();
    assert_eq!(
        sig,
        format!(
            "{} {}",
            recompute(&fresh, id, &ts, body),
            recompute(&old, id, &ts, body)
        )
    );
    assert!(verify(&headers, body, fresh.clone()));
    assert!(verify(&headers, body, old.clone()));

    // After the window only the new secret signs.
    let after = rotated
        .signing_secrets(&master, 3_600_000_000)
        .expect("opens");
    let headers = signed_headers(id, NOW, body, &after).expect("signs");
    assert!(verify(&headers, body, fresh));
    assert!(!verify(&headers, body, old));
}
