//! `WebhookVerifier::verify` on arbitrary headers and bodies, and
//! `WebhookSecret::parse` on arbitrary strings: no panic; success only for a
//! signature `sign` produces; `sign` → `verify` round-trips whenever the id
//! is acceptable, and never for another body.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use triggers_signing::Error;
use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    encoded_secret: &'a str,
    raw_secret: &'a [u8],
    id: Option<&'a [u8]>,
    timestamp: Option<&'a [u8]>,
    signature: Option<&'a [u8]>,
    now: u64,
    tolerance: Option<u16>,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    // Parsing an arbitrary secret never panics; a parsed secret re-encodes
    // to something that parses to the same key.
    if let Ok(parsed) = WebhookSecret::parse(input.encoded_secret) {
        let encoded = parsed.expose_encoded();
        let again = WebhookSecret::parse(&encoded).expect("expose_encoded must parse");
        assert_eq!(again.expose_encoded(), encoded);
    }
    let secret = WebhookSecret::from_bytes(input.raw_secret)
        .unwrap_or_else(|_| WebhookSecret::from_bytes(b"fuzz-key").expect("non-empty key"));
    let tolerance = input.tolerance.map_or(300, u64::from);
    let verifier = WebhookVerifier::new([secret.clone()]).tolerance(tolerance);

    let headers = WebhookHeaders {
        id: input.id,
        timestamp: input.timestamp,
        signature: input.signature,
    };
    if let Ok(ts) = verifier.verify(&headers, input.body, input.now) {
        // Accepted: one of the presented entries is the real signature.
        let id = std::str::from_utf8(input.id.unwrap_or_default()).expect("accepted ids are ASCII");
        let expected = webhook::sign(&secret, id, ts, input.body).expect("accepted id signs");
        let presented = input.signature.unwrap_or_default();
        assert!(
            presented
                .split(|b| *b == b' ')
                .any(|e| e == expected.as_bytes()),
            "accepted {presented:?}, expected an entry {expected:?}"
        );
    }

    // Round trip with the fuzzed id, at `now` (within the 19-digit limit).
    let ts = input.now.min(9_999_999_999_999_999_999);
    let Ok(id) = std::str::from_utf8(input.id.unwrap_or_default()) else {
        return;
    };
    match webhook::sign(&secret, id, ts, input.body) {
        Ok(sig) => {
            let ts_text = ts.to_string();
            let headers = WebhookHeaders {
                id: Some(id.as_bytes()),
                timestamp: Some(ts_text.as_bytes()),
                signature: Some(sig.as_bytes()),
            };
            assert_eq!(verifier.verify(&headers, input.body, ts), Ok(ts));
            let mut other = input.body.to_vec();
            other.push(b'!');
            assert_eq!(verifier.verify(&headers, &other, ts), Err(Error::Mismatch));
        }
        Err(e) => {
            assert!(
                id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()),
                "sign refused a valid id {id:?}: {e:?}"
            );
        }
    }
});
