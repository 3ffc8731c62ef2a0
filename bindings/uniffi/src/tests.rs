//! The exported functions, called as Rust functions: every case of
//! `triggers-signing/vectors/v1.json`, every error code, and the inputs a
//! foreign caller can get wrong.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    version: String,
    request_cases: Vec<RequestCase>,
    request_invalid: Vec<InvalidCase>,
    webhook_cases: Vec<WebhookCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestCase {
    name: String,
    secret: String,
    method: String,
    target: String,
    body_base64: String,
    timestamp: u64,
    canonical: String,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidCase {
    name: String,
    secret: String,
    method: String,
    target: String,
    body_base64: String,
    #[allow(dead_code)]
    timestamp: u64,
    now: u64,
    headers: BTreeMap<String, String>,
    error: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookCase {
    name: String,
    secret: String,
    #[serde(default)]
    secrets: Option<Vec<String>>,
    id: String,
    timestamp: u64,
    body_base64: String,
    signature: String,
}

fn vectors() -> VectorFile {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../triggers-signing/vectors/v1.json"
    );
    let text = std::fs::read_to_string(path).expect("read the vectors file");
    let file: VectorFile = serde_json::from_str(&text).expect("parse the vectors file");
    assert_eq!(file.version, "v1");
    file
}

fn b64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).expect("base64 body in the vectors")
}

const NOW: u64 = 1_700_000_000;

fn sign_ok(secret: &str, method: &str, target: &str, body: &[u8], ts: u64) -> SignedRequest {
    sign_request(secret.as_bytes(), method.into(), target.into(), body, ts).expect("sign")
}

#[test]
fn every_request_case_signs_canonicalizes_and_verifies() {
    let v = vectors();
    assert!(v.request_cases.len() >= 40);
    for c in &v.request_cases {
        let body = b64(&c.body_base64);
        let canonical = canonical_string(c.method.clone(), c.target.clone(), c.timestamp, &body)
            .expect("canonical");
        assert_eq!(canonical, c.canonical, "{}", c.name);
        let signed = sign_ok(&c.secret, &c.method, &c.target, &body, c.timestamp);
        assert_eq!(signed.signature, c.signature, "{}", c.name);
        assert_eq!(signed.timestamp, c.timestamp.to_string(), "{}", c.name);
        assert_eq!(signed.version, "v1");
        let fast = sign_request_signature(
            c.secret.as_bytes(),
            c.method.as_bytes(),
            c.target.as_bytes(),
            &body,
            c.timestamp,
        )
        .expect("sign_request_signature");
        assert_eq!(fast, c.signature, "{}", c.name);
        let ok = verify_request(
            vec![c.secret.as_bytes().to_vec()],
            c.method.clone(),
            c.target.clone(),
            &body,
            Some(signed.timestamp.clone()),
            Some(c.signature.clone()),
            Some("v1".into()),
            DEFAULT_TOLERANCE_SECS,
            c.timestamp,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(ok.timestamp, c.timestamp);
        assert_eq!(ok.secret_index, 0);
    }
}

#[test]
fn every_invalid_request_case_fails_with_its_code() {
    let v = vectors();
    assert!(v.request_invalid.len() >= 15);
    for c in &v.request_invalid {
        let header = |name: &str| c.headers.get(name).cloned();
        let err = verify_request(
            vec![c.secret.as_bytes().to_vec()],
            c.method.clone(),
            c.target.clone(),
            &b64(&c.body_base64),
            header("X-Signature-Timestamp"),
            header("X-Signature"),
            header("X-Signature-Version"),
            DEFAULT_TOLERANCE_SECS,
            c.now,
        )
        .expect_err(&c.name);
        assert_eq!(err.code(), c.error, "{}: {err}", c.name);
    }
}

#[test]
fn every_webhook_case_signs_and_verifies() {
    let v = vectors();
    assert!(v.webhook_cases.len() >= 5);
    for c in &v.webhook_cases {
        let body = b64(&c.body_base64);
        let secrets = c.secrets.clone().unwrap_or_else(|| vec![c.secret.clone()]);
        let sig =
            sign_webhook(c.id.clone(), c.timestamp, &body, secrets.clone()).expect("sign webhook");
        assert_eq!(sig, c.signature, "{}", c.name);
        for secret in secrets.iter().chain([&c.secret]) {
            let ts = verify_webhook(
                vec![secret.clone()],
                Some(c.id.clone()),
                Some(c.timestamp.to_string()),
                Some(c.signature.clone()),
                &body,
                DEFAULT_TOLERANCE_SECS,
                c.timestamp,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(ts, c.timestamp);
        }
        let mut tampered = body.clone();
        tampered.push(b'x');
        let err = verify_webhook(
            vec![c.secret.clone()],
            Some(c.id.clone()),
            Some(c.timestamp.to_string()),
            Some(c.signature.clone()),
            &tampered,
            DEFAULT_TOLERANCE_SECS,
            c.timestamp,
        )
        .expect_err("tampered body");
        assert_eq!(err.code(), "signature_mismatch", "{}", c.name);
    }
}

#[test]
fn every_core_code_maps_to_its_own_variant() {
    let codes = error_codes();
    assert_eq!(codes, triggers_signing::Error::CODES.to_vec());
    let mut seen = std::collections::HashSet::new();
    for code in &codes {
        let e = SigningError::with_code(code, "m".into());
        assert_eq!(e.code(), code);
        assert_eq!(e.message(), "m");
        assert!(
            !matches!(e, SigningError::Other { .. }),
            "{code} has no variant"
        );
        // One distinct variant per code.
        assert!(seen.insert(std::mem::discriminant(&e)), "{code}");
    }
    let other = SigningError::with_code("new_code", "m".into());
    assert!(matches!(other, SigningError::Other { .. }));
    assert_eq!(other.code(), "new_code");
    assert_eq!(other.to_string(), "new_code: m");
}

#[test]
fn core_errors_keep_code_and_message() {
    let e = SigningError::from(triggers_signing::Error::Mismatch);
    assert!(matches!(e, SigningError::SignatureMismatch { .. }));
    assert_eq!(e.message(), "signature does not match");
}

#[test]
fn the_worked_example_of_the_spec() {
    let signed = sign_ok(
        "demo-secret",
        "post",
        "/v1/events/a%2fb?source=shop&b=2&a=1&flag",
        br#"{"x":1}"#,
        1_700_000_000,
    );
    assert_eq!(
        signed.signature,
        "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f"
    );
}

fn code_of<T: fmt::Debug>(r: Result<T, SigningError>) -> String {
    r.expect_err("expected an error").code().to_owned()
}

#[test]
fn sign_request_rejects_bad_input_with_typed_errors() {
    let sign = |secret: &[u8], method: &str, target: &str, ts: u64| {
        sign_request(secret, method.into(), target.into(), &[], ts)
    };
    assert_eq!(code_of(sign(b"", "GET", "/", NOW)), "invalid_secret");
    assert_eq!(code_of(sign(b"s", "", "/", NOW)), "invalid_method");
    assert_eq!(code_of(sign(b"s", "GE T", "/", NOW)), "invalid_method");
    assert_eq!(code_of(sign(b"s", "GET\n", "/", NOW)), "invalid_method");
    assert_eq!(code_of(sign(b"s", "GÉT", "/", NOW)), "invalid_method");
    assert_eq!(code_of(sign(b"s", "GET", "/%G1", NOW)), "bad_encoding");
    assert_eq!(code_of(sign(b"s", "GET", "/?a=%", NOW)), "bad_encoding");
    assert_eq!(
        code_of(sign(b"s", "GET", "/", u64::MAX)),
        "malformed_header"
    );
    // The largest timestamp a verifier parses (19 digits) still signs.
    let max = 9_999_999_999_999_999_999;
    assert_eq!(
        sign(b"s", "GET", "/", max)
            .expect("19 digits")
            .timestamp
            .len(),
        19
    );
    // Non-UTF-8 secrets are bytes like any other.
    assert!(sign(&[0xff, 0x00, 0xfe], "GET", "/", NOW).is_ok());
}

#[test]
fn sign_request_signature_has_the_same_errors_and_checks_utf8() {
    let fast = |secret: &[u8], method: &[u8], target: &[u8], ts: u64| {
        sign_request_signature(secret, method, target, b"", ts)
    };
    assert_eq!(code_of(fast(b"", b"GET", b"/", NOW)), "invalid_secret");
    assert_eq!(code_of(fast(b"s", b"", b"/", NOW)), "invalid_method");
    assert_eq!(code_of(fast(b"s", b"G\xffT", b"/", NOW)), "invalid_method");
    assert_eq!(code_of(fast(b"s", b"GET", b"/\xff", NOW)), "bad_encoding");
    assert_eq!(code_of(fast(b"s", b"GET", b"/%zz", NOW)), "bad_encoding");
    assert_eq!(
        code_of(fast(b"s", b"GET", b"/", u64::MAX)),
        "malformed_header"
    );
    // An empty secret is refused before the method is looked at.
    assert_eq!(code_of(fast(b"", b"", b"/\xff", NOW)), "invalid_secret");
    assert_eq!(
        fast(b"s", b"GET", b"/", NOW).expect("sign"),
        sign_ok("s", "GET", "/", b"", NOW).signature
    );
}

#[test]
fn verify_request_argument_errors_come_first() {
    let signed = sign_ok("s", "GET", "/", b"", NOW);
    let verify = |secrets: Vec<Vec<u8>>| {
        verify_request(
            secrets,
            "GET".into(),
            "/".into(),
            &[],
            None,
            None,
            None,
            300,
            NOW,
        )
    };
    assert_eq!(code_of(verify(vec![])), "invalid_secret");
    assert_eq!(
        code_of(verify(vec![b"a".to_vec(), vec![]])),
        "invalid_secret"
    );
    // With secrets, missing headers are the first failure.
    assert_eq!(code_of(verify(vec![b"s".to_vec()])), "missing_header");
    // The second candidate that matches is reported by index.
    let ok = verify_request(
        vec![b"new".to_vec(), b"s".to_vec()],
        "GET".into(),
        "/".into(),
        &[],
        Some(signed.timestamp),
        Some(signed.signature.to_uppercase()),
        Some(signed.version),
        300,
        NOW + 300,
    )
    .expect("old secret, upper-case hex, at the edge of the window");
    assert_eq!(ok.secret_index, 1);
}

#[test]
fn verify_request_window_and_header_errors() {
    let signed = sign_ok("s", "POST", "/v1/events", b"{}", NOW);
    let verify = |ts: Option<&str>, sig: Option<&str>, ver: Option<&str>, body: &[u8], now| {
        verify_request(
            vec![b"s".to_vec()],
            "POST".into(),
            "/v1/events".into(),
            body,
            ts.map(Into::into),
            sig.map(Into::into),
            ver.map(Into::into),
            300,
            now,
        )
    };
    let (ts, sig) = (
        Some(signed.timestamp.as_str()),
        Some(signed.signature.as_str()),
    );
    assert!(verify(ts, sig, Some("v1"), b"{}", NOW).is_ok());
    assert_eq!(
        code_of(verify(ts, sig, Some("v1"), b"{ }", NOW)),
        "signature_mismatch"
    );
    assert_eq!(
        code_of(verify(ts, sig, Some("v2"), b"{}", NOW)),
        "unsupported_version"
    );
    assert_eq!(
        code_of(verify(ts, sig, Some(""), b"{}", NOW)),
        "unsupported_version"
    );
    assert_eq!(
        code_of(verify(ts, None, Some("v1"), b"{}", NOW)),
        "missing_header"
    );
    assert_eq!(
        code_of(verify(Some("01"), sig, Some("v1"), b"{}", NOW)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(Some(""), sig, Some("v1"), b"{}", NOW)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(Some("é"), sig, Some("v1"), b"{}", NOW)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(ts, Some("zz"), Some("v1"), b"{}", NOW)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(ts, sig, Some("v1"), b"{}", NOW + 301)),
        "stale_timestamp"
    );
    assert_eq!(
        code_of(verify(ts, sig, Some("v1"), b"{}", NOW - 301)),
        "future_timestamp"
    );
    // Extreme clocks and tolerances do not overflow.
    assert_eq!(
        code_of(verify(ts, sig, Some("v1"), b"{}", u64::MAX)),
        "stale_timestamp"
    );
    assert!(
        verify_request(
            vec![b"s".to_vec()],
            "POST".into(),
            "/v1/events".into(),
            b"{}",
            ts.map(Into::into),
            sig.map(Into::into),
            Some("v1".into()),
            u64::MAX,
            u64::MAX,
        )
        .is_ok()
    );
}

const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SW_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SW_TS: u64 = 1_614_265_330;
const SW_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SW_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

#[test]
fn the_standard_webhooks_vector() {
    let sig = sign_webhook(SW_ID.into(), SW_TS, SW_BODY, vec![SW_SECRET.into()]).expect("sign");
    assert_eq!(sig, SW_SIG);
    // Without the prefix too.
    let bare = SW_SECRET.trim_start_matches("whsec_").to_owned();
    let sig = sign_webhook(SW_ID.into(), SW_TS, SW_BODY, vec![bare]).expect("sign");
    assert_eq!(sig, SW_SIG);
}

#[test]
fn webhook_rotation_signs_with_every_secret() {
    let other = format!("whsec_{}", STANDARD.encode([7u8; 32]));
    let sig = sign_webhook(
        "msg_1".into(),
        NOW,
        b"{}",
        vec![other.clone(), SW_SECRET.into()],
    )
    .expect("sign");
    let entries: Vec<_> = sig.split(' ').collect();
    assert_eq!(entries.len(), 2);
    for secret in [other, SW_SECRET.to_owned()] {
        assert_eq!(
            verify_webhook(
                vec![secret],
                Some("msg_1".into()),
                Some(NOW.to_string()),
                Some(sig.clone()),
                b"{}",
                300,
                NOW,
            )
            .expect("either secret verifies"),
            NOW
        );
    }
}

#[test]
fn webhook_errors_are_typed() {
    let sign =
        |id: &str, ts: u64, secrets: Vec<String>| sign_webhook(id.into(), ts, SW_BODY, secrets);
    assert_eq!(code_of(sign(SW_ID, SW_TS, vec![])), "invalid_secret");
    assert_eq!(
        code_of(sign(SW_ID, SW_TS, vec!["".into()])),
        "invalid_secret"
    );
    assert_eq!(
        code_of(sign(SW_ID, SW_TS, vec!["whsec_".into()])),
        "invalid_secret"
    );
    assert_eq!(
        code_of(sign(SW_ID, SW_TS, vec!["whsec_!!!".into()])),
        "invalid_secret"
    );
    assert_eq!(
        code_of(sign("", SW_TS, vec![SW_SECRET.into()])),
        "malformed_header"
    );
    assert_eq!(
        code_of(sign("a b", SW_TS, vec![SW_SECRET.into()])),
        "malformed_header"
    );
    assert_eq!(
        code_of(sign(SW_ID, u64::MAX, vec![SW_SECRET.into()])),
        "malformed_header"
    );

    let verify =
        |secrets: Vec<String>, id: Option<&str>, ts: Option<&str>, sig: Option<&str>, now| {
            verify_webhook(
                secrets,
                id.map(Into::into),
                ts.map(Into::into),
                sig.map(Into::into),
                SW_BODY,
                300,
                now,
            )
        };
    let s = || vec![SW_SECRET.to_owned()];
    let ts = SW_TS.to_string();
    let ts = Some(ts.as_str());
    assert_eq!(
        verify(s(), Some(SW_ID), ts, Some(SW_SIG), SW_TS).expect("ok"),
        SW_TS
    );
    assert_eq!(
        code_of(verify(vec![], Some(SW_ID), ts, Some(SW_SIG), SW_TS)),
        "invalid_secret"
    );
    assert_eq!(
        code_of(verify(
            vec!["x y".into()],
            Some(SW_ID),
            ts,
            Some(SW_SIG),
            SW_TS
        )),
        "invalid_secret"
    );
    assert_eq!(
        code_of(verify(s(), None, ts, Some(SW_SIG), SW_TS)),
        "missing_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), None, Some(SW_SIG), SW_TS)),
        "missing_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), ts, None, SW_TS)),
        "missing_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(""), ts, Some(SW_SIG), SW_TS)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), Some("x"), Some(SW_SIG), SW_TS)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), ts, Some("  "), SW_TS)),
        "malformed_header"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), ts, Some("v2,abc"), SW_TS)),
        "unsupported_version"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), ts, Some(SW_SIG), SW_TS + 301)),
        "stale_timestamp"
    );
    assert_eq!(
        code_of(verify(s(), Some(SW_ID), ts, Some(SW_SIG), SW_TS - 301)),
        "future_timestamp"
    );
    assert_eq!(
        code_of(verify(s(), Some("msg_other"), ts, Some(SW_SIG), SW_TS)),
        "signature_mismatch"
    );
    // A garbled v1 entry next to the valid one does not hide it.
    let both = format!("v1,@@@ v2,xyz {SW_SIG}");
    assert!(verify(s(), Some(SW_ID), ts, Some(&both), SW_TS).is_ok());
}

#[test]
fn error_messages_never_echo_secrets_or_header_values() {
    let secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0!";
    let e = sign_webhook("msg_1".into(), NOW, &[], vec![secret.into()]).expect_err("bad");
    assert!(!e.to_string().contains("c2VjcmV0"), "{e}");
    let e = verify_request(
        vec![b"top-secret".to_vec()],
        "GET".into(),
        "/".into(),
        &[],
        Some("1700000000".into()),
        Some("deadbeef-not-hex".into()),
        Some("v1".into()),
        300,
        NOW,
    )
    .expect_err("bad");
    let text = format!("{e} {e:?}");
    assert!(
        !text.contains("top-secret") && !text.contains("deadbeef"),
        "{text}"
    );
}
