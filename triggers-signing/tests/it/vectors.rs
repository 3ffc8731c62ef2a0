//! Checks `vectors/v1.json`: its shape, its coverage, every case against the
//! library and against the independent oracle in `reference`, and that it is
//! exactly what the generator would write today.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{
    BodyHash, Error, Secret, SignatureHeaders, Verifier, canonical_string, sign, sign_hashed,
};

use crate::cases::{self, CaseHeaders, InvalidCase, RequestCase, VectorFile, WebhookCase};
use crate::reference;

fn read_file() -> String {
    let path = cases::vectors_path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run `cargo run -p triggers-signing --example gen_vectors`",
            path.display()
        )
    })
}

fn load() -> VectorFile {
    serde_json::from_str(&read_file())
        .expect("vectors/v1.json does not match the documented format")
}

fn body(b64: &str, name: &str) -> Vec<u8> {
    STANDARD
        .decode(b64)
        .unwrap_or_else(|e| panic!("{name}: body_base64 is not standard base64: {e}"))
}

fn headers(h: &CaseHeaders) -> SignatureHeaders<'_> {
    SignatureHeaders {
        timestamp: h.timestamp.as_deref().map(str::as_bytes),
        signature: h.signature.as_deref().map(str::as_bytes),
        version: h.version.as_deref().map(str::as_bytes),
    }
}

#[test]
fn file_is_what_the_generator_writes() {
    let expected = cases::render().expect("the generator's inputs no longer build");
    let actual = read_file();
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map_or_else(|| "the end".to_owned(), |i| format!("line {}", i + 1));
        panic!(
            "vectors/v1.json is stale (first difference at {line}): \
             run `cargo run -p triggers-signing --example gen_vectors`"
        );
    }
    assert!(
        actual.ends_with("}\n"),
        "pretty JSON with one trailing newline"
    );
    assert!(!actual.ends_with("\n\n"));
}

#[test]
fn generator_output_is_deterministic() {
    let a = cases::render().expect("builds");
    let b = cases::render().expect("builds");
    assert_eq!(a, b);
}

#[test]
fn shape_is_exactly_the_documented_one() {
    let value: serde_json::Value = serde_json::from_str(&read_file()).expect("valid JSON");
    let top = value.as_object().expect("an object");
    let keys: Vec<&str> = top.keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "request_cases",
            "request_invalid",
            "version",
            "webhook_cases"
        ]
    );
    assert_eq!(top["version"], "v1");

    let check_keys = |section: &str, required: &[&str], optional: &[&str]| {
        for case in top[section].as_array().expect("an array") {
            let obj = case.as_object().expect("cases are objects");
            for key in required {
                assert!(obj.contains_key(*key), "{section}: {case} lacks {key}");
            }
            for key in obj.keys() {
                assert!(
                    required.contains(&key.as_str()) || optional.contains(&key.as_str()),
                    "{section}: unexpected field {key}"
                );
            }
            for key in ["timestamp", "now"] {
                if let Some(v) = obj.get(key) {
                    let n = v
                        .as_u64()
                        .unwrap_or_else(|| panic!("{section}: {key} must be an unsigned integer"));
                    assert!(
                        n < 1 << 53,
                        "{section}: {key} must be exact in every JSON parser"
                    );
                }
            }
        }
    };
    check_keys(
        "request_cases",
        &[
            "name",
            "secret",
            "method",
            "target",
            "body_base64",
            "timestamp",
            "canonical",
            "signature",
        ],
        &[],
    );
    check_keys(
        "request_invalid",
        &[
            "name",
            "secret",
            "method",
            "target",
            "body_base64",
            "timestamp",
            "now",
            "headers",
            "error",
        ],
        &[],
    );
    check_keys(
        "webhook_cases",
        &[
            "name",
            "secret",
            "id",
            "timestamp",
            "body_base64",
            "signature",
        ],
        &["secrets"],
    );
    for case in top["request_invalid"].as_array().expect("an array") {
        for (name, value) in case["headers"].as_object().expect("headers is an object") {
            assert!(
                [
                    "X-Signature",
                    "X-Signature-Timestamp",
                    "X-Signature-Version"
                ]
                .contains(&name.as_str()),
                "unexpected header {name}"
            );
            assert!(value.is_string(), "header values are strings");
        }
    }
}

#[test]
fn coverage_minimums() {
    let file = load();
    assert!(
        file.request_cases.len() >= 40,
        "{}",
        file.request_cases.len()
    );
    assert!(
        file.request_invalid.len() >= 15,
        "{}",
        file.request_invalid.len()
    );
    assert!(
        file.webhook_cases.len() >= 5,
        "{}",
        file.webhook_cases.len()
    );

    let codes: BTreeSet<&str> = file
        .request_invalid
        .iter()
        .map(|c| c.error.as_str())
        .collect();
    for code in Error::CODES {
        if code == "invalid_secret" {
            assert!(
                !codes.contains(code),
                "invalid_secret does not apply to requests"
            );
        } else {
            assert!(codes.contains(code), "no invalid case yields {code}");
        }
    }
    for code in &codes {
        assert!(Error::CODES.contains(code), "unknown error code {code}");
    }

    // Each of the three headers is missing in at least one case.
    let missing = |f: fn(&CaseHeaders) -> bool| {
        file.request_invalid
            .iter()
            .any(|c| c.error == "missing_header" && f(&c.headers))
    };
    assert!(missing(|h| h.timestamp.is_none() && h.signature.is_some()));
    assert!(missing(|h| h.signature.is_none() && h.timestamp.is_some()));
    assert!(missing(|h| h.version.is_none() && h.signature.is_some()));

    let spec = file
        .webhook_cases
        .iter()
        .find(|c| c.name == cases::STANDARD_WEBHOOKS_NAME)
        .expect("the Standard Webhooks example is present");
    assert_eq!(spec.secret, cases::STANDARD_WEBHOOKS_SECRET);
    assert_eq!(spec.id, cases::STANDARD_WEBHOOKS_ID);
    assert_eq!(spec.timestamp, cases::STANDARD_WEBHOOKS_TIMESTAMP);
    assert_eq!(
        body(&spec.body_base64, &spec.name),
        cases::STANDARD_WEBHOOKS_BODY.as_bytes()
    );
    assert_eq!(spec.signature, cases::STANDARD_WEBHOOKS_SIGNATURE);
    assert!(
        file.webhook_cases.iter().any(|c| c.secrets.is_some()),
        "a rotation case is present"
    );

    for names in [
        file.request_cases
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        file.request_invalid
            .iter()
            .map(|c| c.name.as_str())
            .collect(),
        file.webhook_cases.iter().map(|c| c.name.as_str()).collect(),
    ] {
        let unique: BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "case names are unique");
    }
}

fn check_request_case(case: &RequestCase) {
    let name = &case.name;
    let body = body(&case.body_base64, name);
    let ts = case.timestamp.to_string();
    let hash = BodyHash::of(&body);

    // String to sign, by the library and by the oracle.
    let canonical = canonical_string(&case.method, &case.target, &ts, &hash)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(canonical, case.canonical, "{name}: canonical");
    assert_eq!(
        reference::canonical(&case.method, &case.target, &ts, &body),
        Ok(case.canonical.clone()),
        "{name}: oracle canonical"
    );
    assert!(
        !case.canonical.ends_with('\n'),
        "{name}: no trailing newline"
    );
    assert_eq!(case.canonical.split('\n').count(), 5, "{name}: five lines");

    // Signature, by the library (in memory and streamed) and by the oracle.
    let secret = Secret::new(&case.secret).expect("non-empty secret");
    let signed = sign(&secret, &case.method, &case.target, case.timestamp, &body)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(signed.signature, case.signature, "{name}: signature");
    assert_eq!(signed.timestamp, ts, "{name}: timestamp header");
    assert_eq!(signed.version, "v1");
    assert_eq!(
        reference::hmac_hex(case.secret.as_bytes(), case.canonical.as_bytes()),
        case.signature,
        "{name}: oracle HMAC"
    );
    let mut hasher = BodyHash::hasher();
    for chunk in body.chunks(7919) {
        hasher.update(chunk);
    }
    let streamed = sign_hashed(
        &secret,
        &case.method,
        &case.target,
        case.timestamp,
        &hasher.finish(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(streamed.signature, case.signature, "{name}: streamed");

    // Verification at now = timestamp, alone and as the second candidate.
    let h = SignatureHeaders {
        timestamp: Some(ts.as_bytes()),
        signature: Some(case.signature.as_bytes()),
        version: Some(b"v1"),
    };
    let ok = Verifier::new([secret.clone()])
        .verify(&case.method, &case.target, &hash, &h, case.timestamp)
        .unwrap_or_else(|e| panic!("{name}: does not verify: {e}"));
    assert_eq!(ok.timestamp, case.timestamp);
    assert_eq!(ok.secret_index, 0);
    let other = Secret::new("not-the-secret").expect("non-empty");
    let ok = Verifier::new([other.clone(), secret])
        .verify(&case.method, &case.target, &hash, &h, case.timestamp)
        .unwrap_or_else(|e| panic!("{name}: does not verify: {e}"));
    assert_eq!(ok.secret_index, 1);
    assert_eq!(
        Verifier::new([other]).verify(&case.method, &case.target, &hash, &h, case.timestamp),
        Err(Error::Mismatch),
        "{name}: another secret"
    );
}

#[test]
fn request_cases() {
    let file = load();
    for case in &file.request_cases {
        check_request_case(case);
    }
}

fn check_invalid_case(case: &InvalidCase) {
    let name = &case.name;
    let body = body(&case.body_base64, name);
    let secret = Secret::new(&case.secret).expect("non-empty secret");
    let got = Verifier::new([secret]).verify(
        &case.method,
        &case.target,
        &BodyHash::of(&body),
        &headers(&case.headers),
        case.now,
    );
    match got {
        Ok(v) => panic!("{name}: verified ({v:?}), expected {}", case.error),
        Err(e) => assert_eq!(e.code(), case.error, "{name}: {e}"),
    }

    // Canonicalization and MAC failures come with otherwise perfect headers.
    if matches!(
        case.error.as_str(),
        "bad_encoding" | "invalid_method" | "signature_mismatch"
    ) {
        let h = &case.headers;
        assert_eq!(h.version.as_deref(), Some("v1"), "{name}");
        let ts = h.timestamp.as_deref().expect("timestamp header present");
        let ts: u64 = ts.parse().expect("a decimal timestamp");
        assert!(ts.abs_diff(case.now) <= 300, "{name}: inside the window");
        let sig = h.signature.as_deref().expect("signature header present");
        assert_eq!(sig.len(), 64, "{name}");
        assert!(sig.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
    // The oracle agrees the request itself is not canonicalizable.
    if matches!(case.error.as_str(), "bad_encoding" | "invalid_method") {
        let errors = reference::canonical(&case.method, &case.target, "0", &body)
            .expect_err("the oracle rejects it too");
        assert_eq!(
            errors.iter().map(|e| e.code()).collect::<Vec<_>>(),
            [case.error.as_str()],
            "{name}: exactly one canonicalization fault (the spec does not order them)"
        );
    }
}

#[test]
fn request_invalid_cases() {
    let file = load();
    for case in &file.request_invalid {
        check_invalid_case(case);
    }
}

fn check_webhook_case(case: &WebhookCase) {
    let name = &case.name;
    let body = body(&case.body_base64, name);
    let encoded: Vec<String> = case
        .secrets
        .clone()
        .unwrap_or_else(|| vec![case.secret.clone()]);
    assert_eq!(
        encoded.first(),
        Some(&case.secret),
        "{name}: secret is the first of secrets"
    );
    if let Some(list) = &case.secrets {
        assert!(list.len() >= 2, "{name}: `secrets` only on rotation cases");
    }
    assert!(case.secret.starts_with("whsec_"), "{name}");
    let secrets: Vec<WebhookSecret> = encoded
        .iter()
        .map(|s| WebhookSecret::parse(s).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();

    // Library signature.
    assert_eq!(
        webhook::sign_all(&secrets, &case.id, case.timestamp, &body).as_deref(),
        Ok(case.signature.as_str()),
        "{name}: signature"
    );
    // Oracle: `v1,` + base64(HMAC(key, id.ts.body)), one per secret.
    let content = [
        case.id.as_bytes(),
        b".",
        case.timestamp.to_string().as_bytes(),
        b".",
        &body,
    ]
    .concat();
    let oracle: Vec<String> = encoded
        .iter()
        .map(|s| {
            let key = STANDARD
                .decode(s.strip_prefix("whsec_").expect("prefixed"))
                .expect("base64");
            format!(
                "v1,{}",
                STANDARD.encode(reference::hmac_raw(&key, &content))
            )
        })
        .collect();
    assert_eq!(oracle.join(" "), case.signature, "{name}: oracle");

    // Verification with each secret alone, and tamper detection.
    let ts = case.timestamp.to_string();
    let headers = WebhookHeaders {
        id: Some(case.id.as_bytes()),
        timestamp: Some(ts.as_bytes()),
        signature: Some(case.signature.as_bytes()),
    };
    for secret in &secrets {
        let verifier = WebhookVerifier::new([secret.clone()]);
        assert_eq!(
            verifier.verify(&headers, &body, case.timestamp),
            Ok(case.timestamp),
            "{name}"
        );
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert_eq!(
            verifier.verify(&headers, &tampered, case.timestamp),
            Err(Error::Mismatch),
            "{name}: tampered body"
        );
        let other_id = format!("{}x", case.id);
        let moved = WebhookHeaders {
            id: Some(other_id.as_bytes()),
            ..headers
        };
        assert_eq!(
            verifier.verify(&moved, &body, case.timestamp),
            Err(Error::Mismatch),
            "{name}: other id"
        );
    }
    let stranger = WebhookSecret::from_bytes(b"a stranger's key").expect("non-empty");
    assert_eq!(
        WebhookVerifier::new([stranger]).verify(&headers, &body, case.timestamp),
        Err(Error::Mismatch),
        "{name}: another secret"
    );
}

#[test]
fn webhook_cases() {
    let file = load();
    for case in &file.webhook_cases {
        check_webhook_case(case);
    }
}

#[test]
fn rotation_signature_lists_one_entry_per_secret() {
    let file = load();
    for case in file.webhook_cases.iter().filter(|c| c.secrets.is_some()) {
        let n = case.secrets.as_ref().map_or(0, Vec::len);
        let entries: Vec<&str> = case.signature.split(' ').collect();
        assert_eq!(entries.len(), n, "{}", case.name);
        assert!(
            entries.iter().all(|e| e.starts_with("v1,")),
            "{}",
            case.name
        );
    }
}
