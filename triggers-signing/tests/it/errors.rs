//! Error codes and messages, secret redaction, and secret parsing.

use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{
    BodyHash, Component, Error, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_VERSION, Secret,
    SignatureHeaders, Verifier, canonical_method, canonical_path, canonical_query,
};

/// One value of every variant, with its code and its exact message.
fn every_variant() -> Vec<(Error, &'static str, &'static str)> {
    vec![
        (
            Error::MissingHeader {
                header: HEADER_SIGNATURE,
            },
            "missing_header",
            "missing header `x-signature`",
        ),
        (
            Error::MalformedHeader {
                header: HEADER_TIMESTAMP,
                reason: "leading zero in timestamp",
            },
            "malformed_header",
            "malformed header `x-signature-timestamp`: leading zero in timestamp",
        ),
        (
            Error::UnsupportedVersion,
            "unsupported_version",
            "unsupported signature version",
        ),
        (
            Error::StaleTimestamp { age: 301 },
            "stale_timestamp",
            "timestamp is 301 s old, outside the tolerance",
        ),
        (
            Error::FutureTimestamp { ahead: 302 },
            "future_timestamp",
            "timestamp is 302 s in the future, outside the tolerance",
        ),
        (
            Error::BadEncoding {
                component: Component::Path,
                offset: 4,
            },
            "bad_encoding",
            "invalid percent-encoding in the path at byte 4",
        ),
        (
            Error::BadEncoding {
                component: Component::Query,
                offset: 0,
            },
            "bad_encoding",
            "invalid percent-encoding in the query at byte 0",
        ),
        (
            Error::InvalidMethod,
            "invalid_method",
            "the HTTP method is empty or not a token",
        ),
        (
            Error::InvalidSecret,
            "invalid_secret",
            "the secret is empty or not validly encoded",
        ),
        (
            Error::Mismatch,
            "signature_mismatch",
            "signature does not match",
        ),
    ]
}

#[test]
fn every_variant_has_its_code_and_message() {
    for (error, code, message) in every_variant() {
        assert_eq!(error.code(), code, "{error:?}");
        assert_eq!(error.to_string(), message, "{error:?}");
        assert!(Error::CODES.contains(&code));
    }
}

#[test]
fn codes_are_unique_snake_case_and_all_reachable() {
    let mut seen = std::collections::BTreeSet::new();
    for code in Error::CODES {
        assert!(seen.insert(code), "duplicate code {code}");
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
    }
    let produced: std::collections::BTreeSet<&str> =
        every_variant().iter().map(|(e, _, _)| e.code()).collect();
    assert_eq!(produced, seen, "every code belongs to a variant");
}

#[test]
fn error_is_a_std_error_and_thread_safe() {
    fn assert_traits<T: std::error::Error + Send + Sync + Clone + PartialEq + 'static>() {}
    assert_traits::<Error>();
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Error::Mismatch);
    assert_eq!(boxed.to_string(), "signature does not match");
    assert!(boxed.source().is_none());
}

#[test]
fn bad_encoding_reports_component_and_offset() {
    assert_eq!(
        canonical_path("/ab/c%G1"),
        Err(Error::BadEncoding {
            component: Component::Path,
            offset: 5
        })
    );
    assert_eq!(
        canonical_path("%"),
        Err(Error::BadEncoding {
            component: Component::Path,
            offset: 0
        })
    );
    assert_eq!(
        canonical_query("a=1&&b=%4"),
        Err(Error::BadEncoding {
            component: Component::Query,
            offset: 7
        })
    );
    assert_eq!(
        canonical_query("a=1&%zz=2"),
        Err(Error::BadEncoding {
            component: Component::Query,
            offset: 4
        })
    );
    assert_eq!(canonical_method(""), Err(Error::InvalidMethod));
    assert_eq!(canonical_method("GET "), Err(Error::InvalidMethod));
    assert_eq!(canonical_method("g\u{e9}t"), Err(Error::InvalidMethod));
    assert_eq!(canonical_method("get").as_deref(), Ok("GET"));
}

#[test]
fn messages_never_echo_header_values() {
    let secret = Secret::new("s").expect("non-empty");
    let hash = BodyHash::of(b"");
    let sneaky = "SNEAKY-VALUE-0123456789";
    for headers in [
        SignatureHeaders {
            timestamp: Some(sneaky.as_bytes()),
            signature: Some(&[b'a'; 64]),
            version: Some(b"v1"),
        },
        SignatureHeaders {
            timestamp: Some(b"1"),
            signature: Some(sneaky.as_bytes()),
            version: Some(b"v1"),
        },
        SignatureHeaders {
            timestamp: Some(b"1"),
            signature: Some(&[b'a'; 64]),
            version: Some(sneaky.as_bytes()),
        },
    ] {
        let err = Verifier::new([secret.clone()])
            .verify("GET", "/", &hash, &headers, 1)
            .expect_err("rejected");
        assert!(!err.to_string().contains("SNEAKY"), "{err}");
        assert!(!format!("{err:?}").contains("SNEAKY"), "{err:?}");
    }
}

#[test]
fn missing_header_names_each_header() {
    let hash = BodyHash::of(b"");
    let full = SignatureHeaders {
        timestamp: Some(b"1"),
        signature: Some(&[b'0'; 64]),
        version: Some(b"v1"),
    };
    let verifier = Verifier::new([Secret::new("s").expect("non-empty")]);
    for (headers, name) in [
        (
            SignatureHeaders {
                timestamp: None,
                ..full
            },
            HEADER_TIMESTAMP,
        ),
        (
            SignatureHeaders {
                signature: None,
                ..full
            },
            HEADER_SIGNATURE,
        ),
        (
            SignatureHeaders {
                version: None,
                ..full
            },
            HEADER_VERSION,
        ),
    ] {
        assert_eq!(
            verifier.verify("GET", "/", &hash, &headers, 1),
            Err(Error::MissingHeader { header: name })
        );
    }
    assert!(!SignatureHeaders::default().any_present());
    assert!(
        SignatureHeaders {
            version: Some(b"v1"),
            ..SignatureHeaders::default()
        }
        .any_present()
    );
}

#[test]
fn secret_debug_is_redacted() {
    let raw = "super-secret-value-42";
    let secret = Secret::new(raw).expect("non-empty");
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    assert_eq!(format!("{secret:#?}"), "Secret(<redacted>)");
    let verifier = Verifier::new([secret.clone(), secret]);
    let shown = format!("{verifier:?} {verifier:#?}");
    assert!(!shown.contains(raw), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");

    let wh = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
    assert_eq!(format!("{wh:?}"), "WebhookSecret(<redacted>)");
    let shown = format!("{:?}", WebhookVerifier::new([wh]));
    assert!(
        !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn request_secret_must_be_non_empty() {
    assert_eq!(Secret::new("").err(), Some(Error::InvalidSecret));
    assert_eq!(Secret::new(b"").err(), Some(Error::InvalidSecret));
    assert!(Secret::new(" ").is_ok());
    assert!(Secret::new("\u{1f511}").is_ok());
}

#[test]
fn webhook_secret_parse_errors() {
    for bad in [
        "",
        "whsec_",
        "whsec_not base64!",
        "whsec_@@@@",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
        "whsec_=",
    ] {
        assert_eq!(
            WebhookSecret::parse(bad).err(),
            Some(Error::InvalidSecret),
            "{bad:?}"
        );
    }
    assert_eq!(
        WebhookSecret::from_bytes(&[]).err(),
        Some(Error::InvalidSecret)
    );
    assert_eq!(
        webhook::sign_all(&[], "msg_1", 1, b"").err(),
        Some(Error::InvalidSecret)
    );
}

#[test]
fn webhook_secret_prefix_is_optional() {
    let with = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
    let without = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
    let a = webhook::sign(&with, "msg_1", 1_700_000_000, b"{}").expect("signs");
    let b = webhook::sign(&without, "msg_1", 1_700_000_000, b"{}").expect("signs");
    assert_eq!(a, b);
    assert_eq!(
        with.expose_encoded(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    );
    assert_eq!(without.expose_encoded(), with.expose_encoded());
    let raw = WebhookSecret::from_bytes(&[7; 24]).expect("non-empty");
    let round = WebhookSecret::parse(&raw.expose_encoded()).expect("round-trips");
    assert_eq!(
        webhook::sign(&raw, "msg_1", 1, b"x").expect("signs"),
        webhook::sign(&round, "msg_1", 1, b"x").expect("signs")
    );
}

#[test]
fn webhook_errors() {
    let secret = WebhookSecret::from_bytes(&[3; 32]).expect("non-empty");
    let verifier = WebhookVerifier::new([secret.clone()]);
    let body = b"{}";
    let sig = webhook::sign(&secret, "msg_1", 1_700_000_000, body).expect("signs");
    let ok = WebhookHeaders {
        id: Some(b"msg_1"),
        timestamp: Some(b"1700000000"),
        signature: Some(sig.as_bytes()),
    };
    let now = 1_700_000_000;
    assert_eq!(verifier.verify(&ok, body, now), Ok(now));

    let code = |h: WebhookHeaders<'_>, now: u64| {
        verifier.verify(&h, body, now).expect_err("rejected").code()
    };
    assert_eq!(
        code(WebhookHeaders { id: None, ..ok }, now),
        "missing_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                timestamp: None,
                ..ok
            },
            now
        ),
        "missing_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                signature: None,
                ..ok
            },
            now
        ),
        "missing_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                id: Some(b""),
                ..ok
            },
            now
        ),
        "malformed_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                timestamp: Some(b"01700000000"),
                ..ok
            },
            now
        ),
        "malformed_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                signature: Some(b"no-comma"),
                ..ok
            },
            now
        ),
        // Unparsable entries are skipped (as Standard Webhooks libraries do):
        // nothing of version v1 remains.
        "unsupported_version"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                signature: Some(b"   "),
                ..ok
            },
            now
        ),
        "malformed_header"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                signature: Some(b"v1,%%%"),
                ..ok
            },
            now
        ),
        "signature_mismatch"
    );
    assert_eq!(
        code(
            WebhookHeaders {
                signature: Some(b"v1a,abc v2,abc"),
                ..ok
            },
            now
        ),
        "unsupported_version"
    );
    assert_eq!(code(ok, now + 301), "stale_timestamp");
    assert_eq!(code(ok, now - 301), "future_timestamp");
    assert_eq!(
        code(
            WebhookHeaders {
                signature: Some(b"v1,AAAA"),
                ..ok
            },
            now
        ),
        "signature_mismatch"
    );
    // Entries of other versions are skipped; a v1 entry among them counts.
    let mixed = format!("v1a,xyz {sig}");
    assert_eq!(
        verifier.verify(
            &WebhookHeaders {
                signature: Some(mixed.as_bytes()),
                ..ok
            },
            body,
            now
        ),
        Ok(now)
    );
}

#[test]
fn webhook_ids_must_be_visible_ascii() {
    let secret = WebhookSecret::from_bytes(&[3; 32]).expect("non-empty");
    for id in ["", "msg 1", "msg_\u{e9}t\u{e9}", "msg\n1", "msg\t1"] {
        assert_eq!(
            webhook::sign(&secret, id, 1, b"{}").map_err(|e| e.code()),
            Err("malformed_header"),
            "{id:?}"
        );
    }
}

#[test]
fn an_unparsable_webhook_entry_does_not_hide_a_valid_one() {
    use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
    let secret = WebhookSecret::from_bytes(&[7; 32]).expect("secret");
    let good = webhook::sign(&secret, "msg_1", 1_700_000_000, b"{}").expect("sign");
    let verifier = WebhookVerifier::new([secret]);
    for header in [
        format!("v2 {good}"),
        format!("v1,not*base64 {good}"),
        format!("{good}\t"),
        format!("v1a,abc  {good}"),
    ] {
        let headers = WebhookHeaders {
            id: Some(b"msg_1"),
            timestamp: Some(b"1700000000"),
            signature: Some(header.as_bytes()),
        };
        assert_eq!(
            verifier.verify(&headers, b"{}", 1_700_000_000),
            Ok(1_700_000_000),
            "{header:?}"
        );
    }
}

#[test]
fn signers_refuse_timestamps_no_verifier_parses() {
    use triggers_signing::{Secret, sign, webhook};
    let s = Secret::new("k").expect("secret");
    let err = sign(&s, "GET", "/", 10_000_000_000_000_000_000, b"").expect_err("20 digits");
    assert_eq!(err.code(), "malformed_header");
    assert!(sign(&s, "GET", "/", 9_999_999_999_999_999_999, b"").is_ok());
    let ws = webhook::WebhookSecret::from_bytes(&[1; 24]).expect("secret");
    assert!(webhook::sign(&ws, "m", u64::MAX, b"").is_err());
}
