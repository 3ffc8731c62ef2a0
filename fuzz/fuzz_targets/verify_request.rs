//! `Verifier::verify` on arbitrary requests: it must never panic; whenever
//! canonicalization succeeds the string to sign has only canonical
//! characters, and `sign` → `verify` of the same request round-trips (also
//! through the canonical form of the target, and never for another body).
//! `Verifier::precheck` (the checks a server runs before reading the body)
//! must agree with `verify` on every input: the same error, or success
//! exactly when `verify` succeeds or only the MAC differs.
//!
//! Header values are mostly arbitrary bytes, but can also be chosen
//! well-formed (`Valid`), so that the fuzzer reaches canonicalization and
//! the MAC comparison instead of stopping at header parsing.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use triggers_fuzz::check_string_to_sign;
use triggers_signing::{
    BodyHash, Error, Prechecked, Secret, SignatureHeaders, Verifier, canonical_string, sign,
    split_target,
};

/// The spec's largest timestamp: at most 19 decimal digits.
const MAX_TIMESTAMP: u64 = 9_999_999_999_999_999_999;

#[derive(Arbitrary, Debug)]
enum Header<'a> {
    Absent,
    Raw(&'a [u8]),
    Valid,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    method: &'a str,
    target: &'a str,
    now: u64,
    /// Signed timestamp = now + skew, for a `Valid` timestamp header.
    skew: i16,
    tolerance: Option<u16>,
    secret: &'a [u8],
    timestamp: Header<'a>,
    signature: Header<'a>,
    /// The MAC a `Valid` signature header presents (hex-encoded).
    mac: [u8; 32],
    upper_case_mac: bool,
    version: Header<'a>,
    body: &'a [u8],
}

fn hex(bytes: &[u8], upper: bool) -> String {
    bytes
        .iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

fuzz_target!(|input: Input<'_>| {
    let secret = Secret::new(input.secret)
        .unwrap_or_else(|_| Secret::new("fuzz-secret").expect("non-empty secret"));
    let tolerance = input.tolerance.map_or(300, u64::from);
    let verifier = Verifier::new([secret.clone()]).tolerance(tolerance);
    let hash = BodyHash::of(input.body);

    // 1. Arbitrary headers: no panic, and success only for the right MAC.
    let ts_valid = input
        .now
        .saturating_add_signed(i64::from(input.skew))
        .to_string();
    let mac_valid = hex(&input.mac, input.upper_case_mac);
    let pick = |h: &Header<'_>, valid: &'static str| -> Option<Vec<u8>> {
        match h {
            Header::Absent => None,
            Header::Raw(v) => Some(v.to_vec()),
            Header::Valid => Some(valid.as_bytes().to_vec()),
        }
    };
    let timestamp = match input.timestamp {
        Header::Valid => Some(ts_valid.clone().into_bytes()),
        ref h => pick(h, ""),
    };
    let signature = match input.signature {
        Header::Valid => Some(mac_valid.clone().into_bytes()),
        ref h => pick(h, ""),
    };
    let version = pick(&input.version, "v1");
    let headers = SignatureHeaders {
        timestamp: timestamp.as_deref(),
        signature: signature.as_deref(),
        version: version.as_deref(),
    };
    let verified = verifier.verify(input.method, input.target, &hash, &headers, input.now);
    let prechecked = verifier.precheck(input.method, input.target, &headers, input.now);
    match &verified {
        Ok(v) => assert_eq!(
            prechecked,
            Ok(Prechecked {
                timestamp: v.timestamp,
                signature: v.signature,
            })
        ),
        Err(Error::Mismatch) => assert!(prechecked.is_ok(), "precheck: {prechecked:?}"),
        Err(err) => assert_eq!(prechecked.as_ref().err(), Some(err), "precheck disagrees"),
    }
    if let Ok(ok) = verified {
        // Accepted: the presented MAC must be exactly what `sign` computes.
        let expected = sign(
            &secret,
            input.method,
            input.target,
            ok.timestamp,
            input.body,
        )
        .expect("verify accepted a request that sign refuses");
        let presented = String::from_utf8_lossy(signature.as_deref().unwrap_or_default());
        assert_eq!(expected.signature, presented.to_ascii_lowercase());
    }

    // 2. Canonicalization and the sign → verify round trip, at a timestamp
    //    the spec allows (at most 19 digits).
    let ts = input.now.min(MAX_TIMESTAMP);
    let ts_text = ts.to_string();
    match canonical_string(input.method, input.target, &ts_text, &hash) {
        Ok(canonical) => {
            if let Err(why) = check_string_to_sign(&canonical, &ts_text) {
                panic!("{why}: {canonical:?}");
            }
            let signed = sign(&secret, input.method, input.target, ts, input.body)
                .expect("canonicalization succeeded, so must sign");
            assert_eq!(signed.timestamp, ts_text);
            assert_eq!(signed.version, "v1");
            let headers = SignatureHeaders {
                timestamp: Some(signed.timestamp.as_bytes()),
                signature: Some(signed.signature.as_bytes()),
                version: Some(signed.version.as_bytes()),
            };
            let ok = verifier
                .verify(input.method, input.target, &hash, &headers, ts)
                .expect("sign -> verify must round-trip");
            assert_eq!((ok.timestamp, ok.secret_index), (ts, 0));

            // Verifiers accept upper-case hex.
            let upper = signed.signature.to_ascii_uppercase();
            let headers_upper = SignatureHeaders {
                signature: Some(upper.as_bytes()),
                ..headers
            };
            verifier
                .verify(input.method, input.target, &hash, &headers_upper, ts)
                .expect("upper-case signature must verify");

            // The canonical form of the request is the same request.
            let mut lines = canonical.split('\n');
            let (method, path, query) = (
                lines.next().unwrap_or_default(),
                lines.next().unwrap_or_default(),
                lines.next().unwrap_or_default(),
            );
            let canonical_target = match split_target(input.target).1 {
                Some(_) => format!("{path}?{query}"),
                None => path.to_owned(),
            };
            verifier
                .verify(method, &canonical_target, &hash, &headers, ts)
                .expect("the canonical form of a request must verify like the request");

            // Another body never verifies.
            let mut other = input.body.to_vec();
            other.push(0);
            assert_eq!(
                verifier.verify(
                    input.method,
                    input.target,
                    &BodyHash::of(&other),
                    &headers,
                    ts
                ),
                Err(Error::Mismatch)
            );
        }
        Err(err) => {
            // sign refuses exactly what canonicalization refuses, and so
            // does precheck with otherwise valid headers.
            assert_eq!(
                sign(&secret, input.method, input.target, ts, input.body),
                Err(err.clone())
            );
            let zeros = [b'0'; 64];
            let headers = SignatureHeaders {
                timestamp: Some(ts_text.as_bytes()),
                signature: Some(&zeros),
                version: Some(b"v1"),
            };
            assert_eq!(
                verifier.precheck(input.method, input.target, &headers, ts),
                Err(err)
            );
        }
    }

    // 3. Spec section 4: signers refuse timestamps of more than 19 digits
    //    (no verifier would parse them).
    if input.now > MAX_TIMESTAMP {
        assert!(
            sign(&secret, input.method, input.target, input.now, input.body).is_err(),
            "sign accepted timestamp {} (20 digits), which no verifier accepts",
            input.now
        );
    }
});
