//! Property tests. Every `proptest!` block is bounded by a case count, never
//! by time, so runs are reproducible and CI time is predictable.

use proptest::collection::vec;
use proptest::prelude::*;
use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{
    BodyHash, Error, Secret, SignatureHeaders, Verified, Verifier, canonical_path, canonical_query,
    canonical_string, sign, sign_hashed,
};

use crate::reference;

const CASES: u32 = 256;

// ---------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------

/// A valid RFC 9110 token.
fn method() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}"
}

/// One "atom" of a path segment or query component: an unreserved or
/// reserved ASCII character, a valid escape (either hex case), or any other
/// character except the delimiters in `forbidden` and `%`.
fn atom(forbidden: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9._~-]",
        2 => "[:@!$'()*+,; ]",
        2 => "%[0-9A-Fa-f]{2}",
        1 => any::<char>()
            .prop_filter("delimiter", move |c| *c != '%' && *c != '?' && !forbidden.contains(*c))
            .prop_map(String::from),
    ]
}

fn text(forbidden: &'static str, max: usize) -> impl Strategy<Value = String> {
    vec(atom(forbidden), 0..max).prop_map(|atoms| atoms.concat())
}

/// A path: `/` then segments joined with `/` (which may be empty).
fn path() -> impl Strategy<Value = String> {
    vec(text("/", 6), 0..5).prop_map(|segments| format!("/{}", segments.join("/")))
}

/// One query piece: `key`, `key=` or `key=value` (values may hold `=`).
fn piece() -> impl Strategy<Value = String> {
    (text("&=", 5), proptest::option::of(text("&", 5))).prop_map(|(k, v)| match v {
        Some(v) => format!("{k}={v}"),
        None => k,
    })
}

fn pieces() -> impl Strategy<Value = Vec<String>> {
    vec(piece(), 0..6)
}

/// A request target: a path, optionally `?` and a query.
fn target() -> impl Strategy<Value = String> {
    (path(), proptest::option::of(pieces())).prop_map(|(p, q)| match q {
        Some(q) => format!("{p}?{}", q.join("&")),
        None => p,
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..300)
}

fn secret() -> impl Strategy<Value = String> {
    vec(any::<char>(), 1..40).prop_map(|c| c.into_iter().collect())
}

/// A timestamp the verifier can parse (at most 19 digits).
fn timestamp() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..=10_000_000_000, 0u64..=9_999_999_999_999_999_999,]
}

/// Targets made of the characters that stress the decoder.
fn tricky_target() -> impl Strategy<Value = String> {
    "[%0-9a-fA-FgG/?&=+ .~\u{e9}]{0,24}"
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

fn headers<'a>(ts: &'a str, sig: &'a str) -> SignatureHeaders<'a> {
    SignatureHeaders {
        timestamp: Some(ts.as_bytes()),
        signature: Some(sig.as_bytes()),
        version: Some(b"v1"),
    }
}

fn key(s: &str) -> Secret {
    Secret::new(s).expect("non-empty secret")
}

/// Verifies a request signed over `signed_target` but received as `target`.
fn verify_as(
    secret: &Secret,
    signed: (&str, &str, u64, &[u8]),
    received: (&str, &str, &[u8]),
) -> Result<Verified, Error> {
    let (m, t, ts, b) = signed;
    let s = sign(secret, m, t, ts, b).expect("the signed request is valid");
    let (rm, rt, rb) = received;
    Verifier::new([secret.clone()]).verify(
        rm,
        rt,
        &BodyHash::of(rb),
        &headers(&s.timestamp, &s.signature),
        ts,
    )
}

/// Replaces the `index`-th character of `s` (modulo its length) with `with`.
fn replace_char(s: &str, index: usize, with: char) -> String {
    let n = s.chars().count();
    if n == 0 {
        return with.to_string();
    }
    let index = index % n;
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == index { with } else { c })
        .collect()
}

/// Inserts `with` before the `index`-th character of `s` (modulo length + 1).
fn insert_char(s: &str, index: usize, with: char) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let index = index % (chars.len() + 1);
    chars.insert(index, with);
    chars.into_iter().collect()
}

fn is_canonical_component(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hex = |x: Option<&u8>| matches!(x, Some(b'0'..=b'9' | b'A'..=b'F'));
            if !(hex(b.get(i + 1)) && hex(b.get(i + 2))) {
                return false;
            }
            i += 3;
        } else if c.is_ascii_alphanumeric() || b"-._~".contains(&c) || extra.contains(&c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

// ---------------------------------------------------------------------------
// Request signing.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn sign_then_verify_round_trips(
        m in method(),
        t in target(),
        b in body(),
        s in secret(),
        ts in timestamp(),
        skew in -300i64..=300,
    ) {
        let secret = key(&s);
        let signed = sign(&secret, &m, &t, ts, &b).expect("valid input signs");
        prop_assert_eq!(signed.signature.len(), 64);
        prop_assert!(signed.signature.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        prop_assert_eq!(&signed.timestamp, &ts.to_string());
        // The oracle computes the same signature.
        prop_assert_eq!(
            reference::signature(&s, &m, &t, ts, &b),
            Ok(signed.signature.clone())
        );
        let now = ts.saturating_add_signed(skew);
        let ok = Verifier::new([key("decoy"), secret])
            .verify(&m, &t, &BodyHash::of(&b), &headers(&signed.timestamp, &signed.signature), now)
            .expect("verifies");
        prop_assert_eq!((ok.timestamp, ok.secret_index), (ts, 1));
        let hex: String = ok.signature.iter().map(|b| format!("{b:02x}")).collect();
        prop_assert_eq!(hex, signed.signature.clone());
        // Upper-case hex is still 64 hex digits and verifies.
        let upper = signed.signature.to_ascii_uppercase();
        prop_assert!(Verifier::new([key(&s)])
            .verify(&m, &t, &BodyHash::of(&b), &headers(&signed.timestamp, &upper), now)
            .is_ok());
    }

    #[test]
    fn permuted_query_verifies(
        (original, permuted) in pieces().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        p in path(),
        extra_empty in 0usize..3,
        b in body(),
    ) {
        let secret = key("permute");
        let signed_target = format!("{p}?{}", original.join("&"));
        let mut received_pieces = permuted;
        for _ in 0..extra_empty {
            received_pieces.push(String::new());
        }
        let received_target = format!("{p}?{}", received_pieces.join("&"));
        prop_assert_eq!(
            verify_as(&secret, ("POST", &signed_target, 1_700_000_000, &b), ("POST", &received_target, &b))
                .map(|v| (v.timestamp, v.secret_index)),
            Ok((1_700_000_000, 0))
        );
    }

    #[test]
    fn any_body_byte_change_fails(
        b in vec(any::<u8>(), 1..300),
        index in any::<usize>(),
        delta in 1u8..=255,
        t in target(),
    ) {
        let secret = key("body");
        let mut tampered = b.clone();
        let i = index % b.len();
        tampered[i] = tampered[i].wrapping_add(delta);
        prop_assert_eq!(
            verify_as(&secret, ("POST", &t, 1_700_000_000, &b), ("POST", &t, &tampered)),
            Err(Error::Mismatch)
        );
        // Truncation and extension too.
        prop_assert_eq!(
            verify_as(&secret, ("POST", &t, 1_700_000_000, &b), ("POST", &t, &b[..b.len() - 1])),
            Err(Error::Mismatch)
        );
        let mut longer = b.clone();
        longer.push(0);
        prop_assert_eq!(
            verify_as(&secret, ("POST", &t, 1_700_000_000, &b), ("POST", &t, &longer)),
            Err(Error::Mismatch)
        );
    }

    /// Inserting any character other than `?` into the path always fails
    /// (mismatch, or bad encoding when it breaks an escape).
    #[test]
    fn any_path_insertion_fails(
        p in path(),
        q in pieces(),
        index in any::<usize>(),
        c in any::<char>().prop_filter("query delimiter", |c| *c != '?'),
    ) {
        let secret = key("path");
        let query = q.join("&");
        let signed = format!("{p}?{query}");
        let received = format!("{}?{query}", insert_char(&p, index, c));
        let got = verify_as(&secret, ("GET", &signed, 1_700_000_000, b""), ("GET", &received, b""));
        prop_assert!(
            matches!(got, Err(Error::Mismatch | Error::BadEncoding { .. })),
            "{:?} -> {:?}: {:?}", signed, received, got
        );
    }

    /// Replacing one character of the path fails unless the two paths are
    /// canonically equal (only possible by changing the case of a hex digit
    /// inside an escape).
    #[test]
    fn any_path_replacement_fails_unless_equivalent(
        p in path(),
        index in any::<usize>(),
        c in prop_oneof![atom("").prop_map(|a| a.chars().next().unwrap_or('x')), Just('/'), Just('%')]
            .prop_filter("query delimiter", |c| *c != '?'),
    ) {
        let secret = key("path");
        let mutated = replace_char(&p, index, c);
        let got = verify_as(&secret, ("GET", &p, 1_700_000_000, b""), ("GET", &mutated, b""));
        match canonical_path(&mutated) {
            Err(e) => prop_assert_eq!(got, Err(e)),
            Ok(cm) if Ok(cm.clone()) == canonical_path(&p) => {
                prop_assert!(got.is_ok());
                prop_assert!(p.eq_ignore_ascii_case(&mutated), "{:?} ~ {:?}", p, mutated);
            }
            Ok(_) => prop_assert_eq!(got, Err(Error::Mismatch)),
        }
    }

    /// Inserting any character other than `&` and `=` into the query always
    /// fails: it changes some decoded key or value.
    #[test]
    fn any_query_insertion_fails(
        p in path(),
        q in pieces(),
        index in any::<usize>(),
        c in any::<char>().prop_filter("query delimiters", |c| *c != '&' && *c != '='),
    ) {
        let secret = key("query");
        let query = q.join("&");
        let signed = format!("{p}?{query}");
        let received = format!("{p}?{}", insert_char(&query, index, c));
        let got = verify_as(&secret, ("GET", &signed, 1_700_000_000, b""), ("GET", &received, b""));
        prop_assert!(
            matches!(got, Err(Error::Mismatch | Error::BadEncoding { .. })),
            "{:?} -> {:?}: {:?}", signed, received, got
        );
    }

    /// Replacing one character of the query fails unless the canonical
    /// queries are equal.
    #[test]
    fn any_query_replacement_fails_unless_equivalent(
        p in path(),
        q in pieces(),
        index in any::<usize>(),
        c in prop_oneof![atom("").prop_map(|a| a.chars().next().unwrap_or('x')), Just('&'), Just('='), Just('%')],
    ) {
        let secret = key("query");
        let query = q.join("&");
        let mutated = replace_char(&query, index, c);
        let signed = format!("{p}?{query}");
        let received = format!("{p}?{mutated}");
        let got = verify_as(&secret, ("GET", &signed, 1_700_000_000, b""), ("GET", &received, b""));
        match canonical_query(&mutated) {
            Err(e) => prop_assert_eq!(got, Err(e)),
            Ok(cm) if Ok(cm.clone()) == canonical_query(&query) => prop_assert!(got.is_ok()),
            Ok(_) => prop_assert_eq!(got, Err(Error::Mismatch)),
        }
    }

    #[test]
    fn method_change_fails_unless_only_case_differs(
        m in method(),
        other in method(),
        t in target(),
        flip in any::<usize>(),
    ) {
        let secret = key("method");
        let got = verify_as(&secret, (&m, &t, 1_700_000_000, b"x"), (&other, &t, b"x"));
        if m.eq_ignore_ascii_case(&other) {
            prop_assert!(got.is_ok());
        } else {
            prop_assert_eq!(got, Err(Error::Mismatch));
        }
        // Changing only the case of one letter still verifies.
        let i = flip % m.len();
        let recased: String = m
            .char_indices()
            .map(|(j, c)| if j == i { if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() } } else { c })
            .collect();
        prop_assert!(verify_as(&secret, (&m, &t, 1_700_000_000, b"x"), (&recased, &t, b"x")).is_ok());
    }

    #[test]
    fn timestamp_change_fails(
        ts in 1_000u64..=4_000_000_000,
        delta in 1i64..=300,
        sign_neg in any::<bool>(),
        t in target(),
    ) {
        let secret = key("ts");
        let signed = sign(&secret, "POST", &t, ts, b"{}").expect("signs");
        let delta = if sign_neg { -delta } else { delta };
        let forged = ts.saturating_add_signed(delta).to_string();
        // The verifier's clock is the original time: the forged value is in
        // the window, so only the MAC can catch it.
        prop_assert_eq!(
            Verifier::new([secret]).verify("POST", &t, &BodyHash::of(b"{}"), &headers(&forged, &signed.signature), ts),
            Err(Error::Mismatch)
        );
    }

    #[test]
    fn secret_change_fails(s in secret(), other in secret(), t in target()) {
        prop_assume!(s != other);
        let signed = sign(&key(&s), "GET", &t, 1_700_000_000, b"").expect("signs");
        prop_assert_eq!(
            Verifier::new([key(&other)]).verify("GET", &t, &BodyHash::of(b""), &headers(&signed.timestamp, &signed.signature), 1_700_000_000),
            Err(Error::Mismatch)
        );
    }
}

// ---------------------------------------------------------------------------
// Canonicalization.
// ---------------------------------------------------------------------------

fn check_canonicalization(m: &str, t: &str) -> Result<(), TestCaseError> {
    let hash = BodyHash::of(b"");
    let got = canonical_string(m, t, "1", &hash);
    let oracle = reference::canonical(m, t, "1", b"");
    match (&got, &oracle) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
        (Err(e), Err(allowed)) => {
            prop_assert!(
                matches!(e, Error::BadEncoding { .. } | Error::InvalidMethod),
                "{:?}",
                e
            );
            prop_assert!(
                allowed.iter().any(|a| a.code() == e.code()),
                "{e:?} vs {allowed:?}"
            );
        }
        _ => prop_assert!(false, "library {:?} vs oracle {:?}", got, oracle),
    }
    if let Ok(c) = got {
        let lines: Vec<&str> = c.split('\n').collect();
        prop_assert_eq!(lines.len(), 5);
        prop_assert!(is_canonical_component(lines[1], b"/"), "{:?}", lines[1]);
        prop_assert!(is_canonical_component(lines[2], b"=&"), "{:?}", lines[2]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn canonicalization_never_panics_on_arbitrary_strings(m in any::<String>(), t in any::<String>()) {
        check_canonicalization(&m, &t)?;
    }

    #[test]
    fn canonicalization_agrees_with_oracle_on_tricky_targets(m in method(), t in tricky_target()) {
        check_canonicalization(&m, &t)?;
    }

    #[test]
    fn canonicalization_agrees_with_oracle_on_structured_targets(m in method(), t in target()) {
        check_canonicalization(&m, &t)?;
    }

    #[test]
    fn canonical_output_charset(p in any::<String>(), q in any::<String>(), sp in path(), sq in pieces()) {
        for p in [p, sp] {
            if let Ok(c) = canonical_path(&p) {
                prop_assert!(is_canonical_component(&c, b"/"), "{:?} -> {:?}", p, c);
            }
        }
        for q in [q, sq.join("&")] {
            if let Ok(c) = canonical_query(&q) {
                prop_assert!(is_canonical_component(&c, b"=&"), "{:?} -> {:?}", q, c);
            }
        }
    }

    #[test]
    fn canonicalization_is_idempotent(p in path(), q in pieces(), tp in tricky_target()) {
        let q = q.join("&");
        for p in [p.as_str(), tp.as_str()] {
            if let Ok(once) = canonical_path(p) {
                prop_assert_eq!(canonical_path(&once), Ok(once.clone()));
            }
        }
        for q in [q.as_str(), tp.as_str()] {
            if let Ok(once) = canonical_query(q) {
                prop_assert_eq!(canonical_query(&once), Ok(once.clone()));
            }
        }
        // A canonical target signs like the original.
        let t = format!("{p}?{q}");
        if let (Ok(cp), Ok(cq)) = (canonical_path(&p), canonical_query(&q)) {
            let hash = BodyHash::of(b"");
            prop_assert_eq!(
                canonical_string("get", &format!("{cp}?{cq}"), "7", &hash),
                canonical_string("GET", &t, "7", &hash)
            );
        }
    }

    #[test]
    fn streaming_hash_equals_one_shot(b in vec(any::<u8>(), 0..2048), cuts in vec(any::<usize>(), 0..8)) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (b.len() + 1)).collect();
        cuts.sort_unstable();
        let mut hasher = BodyHash::hasher();
        let mut start = 0;
        for cut in cuts {
            hasher.update(&b[start..cut]);
            start = cut;
        }
        hasher.update(&b[start..]);
        let streamed = hasher.finish();
        prop_assert_eq!(streamed, BodyHash::of(&b));
        prop_assert_eq!(streamed.to_hex(), reference::body_hash_hex(&b));
        prop_assert_eq!(BodyHash::from_bytes(*streamed.as_bytes()), streamed);
        let secret = key("stream");
        prop_assert_eq!(
            sign_hashed(&secret, "PUT", "/x", 5, &streamed),
            sign(&secret, "PUT", "/x", 5, &b)
        );
    }
}

// ---------------------------------------------------------------------------
// Webhooks.
// ---------------------------------------------------------------------------

fn webhook_id() -> impl Strategy<Value = String> {
    "[!-~]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn webhook_round_trip_and_tamper(
        k in vec(any::<u8>(), 1..64),
        id in webhook_id(),
        ts in 1_000u64..=9_999_999_999,
        b in body(),
        index in any::<usize>(),
        delta in 1u8..=255,
        skew in -300i64..=300,
    ) {
        let secret = WebhookSecret::from_bytes(&k).expect("non-empty");
        let sig = webhook::sign(&secret, &id, ts, &b).expect("signs");
        let tss = ts.to_string();
        let h = WebhookHeaders { id: Some(id.as_bytes()), timestamp: Some(tss.as_bytes()), signature: Some(sig.as_bytes()) };
        let verifier = WebhookVerifier::new([secret.clone()]);
        let now = ts.saturating_add_signed(skew);
        prop_assert_eq!(verifier.verify(&h, &b, now), Ok(ts));

        // Oracle.
        let content = [id.as_bytes(), b".", tss.as_bytes(), b".", &b].concat();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(reference::hmac_raw(&k, &content));
        prop_assert_eq!(&sig, &format!("v1,{b64}"));

        // Tampered body.
        if !b.is_empty() {
            let mut t = b.clone();
            let i = index % t.len();
            t[i] = t[i].wrapping_add(delta);
            prop_assert_eq!(verifier.verify(&h, &t, now), Err(Error::Mismatch));
        }
        // Tampered id.
        let other_id = replace_char(&id, index, if id.starts_with('x') { 'y' } else { 'x' });
        if other_id != id {
            let h2 = WebhookHeaders { id: Some(other_id.as_bytes()), ..h };
            prop_assert_eq!(verifier.verify(&h2, &b, now), Err(Error::Mismatch));
        }
        // Tampered timestamp, still in the window.
        let forged = (ts + 1).to_string();
        let h3 = WebhookHeaders { timestamp: Some(forged.as_bytes()), ..h };
        prop_assert_eq!(verifier.verify(&h3, &b, ts), Err(Error::Mismatch));
        // Another key.
        let mut k2 = k.clone();
        k2[index % k.len()] ^= delta;
        let stranger = WebhookVerifier::new([WebhookSecret::from_bytes(&k2).expect("non-empty")]);
        prop_assert_eq!(stranger.verify(&h, &b, now), Err(Error::Mismatch));
        // Rotation: signing with both keys verifies with either.
        let both = webhook::sign_all(&[secret, WebhookSecret::from_bytes(&k2).expect("non-empty")], &id, ts, &b).expect("signs");
        let h4 = WebhookHeaders { signature: Some(both.as_bytes()), ..h };
        prop_assert_eq!(verifier.verify(&h4, &b, now), Ok(ts));
        prop_assert_eq!(stranger.verify(&h4, &b, now), Ok(ts));
    }

    #[test]
    fn webhook_secret_encoding_round_trips(k in vec(any::<u8>(), 1..100)) {
        let secret = WebhookSecret::from_bytes(&k).expect("non-empty");
        let encoded = secret.expose_encoded();
        prop_assert!(encoded.starts_with("whsec_"));
        let parsed = WebhookSecret::parse(&encoded).expect("parses");
        prop_assert_eq!(
            webhook::sign(&parsed, "msg", 1, b"x"),
            webhook::sign(&secret, "msg", 1, b"x")
        );
    }
}

// ---------------------------------------------------------------------------
// Tolerance window.
// ---------------------------------------------------------------------------

fn request_at(ts: u64, now: u64, verifier: &Verifier, secret: &Secret) -> Result<Verified, Error> {
    let s = sign(secret, "POST", "/v1/events", ts, b"{}").expect("signs");
    verifier.verify(
        "POST",
        "/v1/events",
        &BodyHash::of(b"{}"),
        &headers(&s.timestamp, &s.signature),
        now,
    )
}

fn webhook_at(
    ts: u64,
    now: u64,
    verifier: &WebhookVerifier,
    secret: &WebhookSecret,
) -> Result<u64, Error> {
    let sig = webhook::sign(secret, "msg_1", ts, b"{}").expect("signs");
    let tss = ts.to_string();
    verifier.verify(
        &WebhookHeaders {
            id: Some(b"msg_1"),
            timestamp: Some(tss.as_bytes()),
            signature: Some(sig.as_bytes()),
        },
        b"{}",
        now,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn tolerance_boundaries_are_exactly_300_seconds(ts in 301u64..=9_999_999_999_999_999_000) {
        let secret = key("window");
        let v = Verifier::new([secret.clone()]);
        prop_assert!(request_at(ts, ts + 300, &v, &secret).is_ok());
        prop_assert!(request_at(ts, ts - 300, &v, &secret).is_ok());
        prop_assert_eq!(request_at(ts, ts + 301, &v, &secret), Err(Error::StaleTimestamp { age: 301 }));
        prop_assert_eq!(request_at(ts, ts - 301, &v, &secret), Err(Error::FutureTimestamp { ahead: 301 }));

        let wsecret = WebhookSecret::from_bytes(b"window").expect("non-empty");
        let wv = WebhookVerifier::new([wsecret.clone()]);
        prop_assert_eq!(webhook_at(ts, ts + 300, &wv, &wsecret), Ok(ts));
        prop_assert_eq!(webhook_at(ts, ts - 300, &wv, &wsecret), Ok(ts));
        prop_assert_eq!(webhook_at(ts, ts + 301, &wv, &wsecret), Err(Error::StaleTimestamp { age: 301 }));
        prop_assert_eq!(webhook_at(ts, ts - 301, &wv, &wsecret), Err(Error::FutureTimestamp { ahead: 301 }));
    }

    #[test]
    fn custom_tolerance_boundaries(ts in 100_000u64..=4_000_000_000, tol in 0u64..=50_000) {
        let secret = key("window");
        let v = Verifier::new([secret.clone()]).tolerance(tol);
        prop_assert!(request_at(ts, ts + tol, &v, &secret).is_ok());
        prop_assert!(request_at(ts, ts - tol, &v, &secret).is_ok());
        prop_assert_eq!(request_at(ts, ts + tol + 1, &v, &secret), Err(Error::StaleTimestamp { age: tol + 1 }));
        prop_assert_eq!(request_at(ts, ts - tol - 1, &v, &secret), Err(Error::FutureTimestamp { ahead: tol + 1 }));
    }
}

#[test]
fn tolerance_edges_near_zero_and_the_largest_timestamp() {
    let secret = key("edges");
    let v = Verifier::new([secret.clone()]);
    // Near the epoch: nothing underflows.
    assert!(request_at(0, 0, &v, &secret).is_ok());
    assert!(request_at(0, 300, &v, &secret).is_ok());
    assert!(request_at(300, 0, &v, &secret).is_ok());
    assert_eq!(
        request_at(301, 0, &v, &secret),
        Err(Error::FutureTimestamp { ahead: 301 })
    );
    assert_eq!(
        request_at(0, 301, &v, &secret),
        Err(Error::StaleTimestamp { age: 301 })
    );
    // The largest timestamp a verifier parses (19 digits), against clocks
    // up to u64::MAX: nothing overflows.
    let max = 9_999_999_999_999_999_999;
    assert!(request_at(max, max, &v, &secret).is_ok());
    assert!(request_at(max, max + 300, &v, &secret).is_ok());
    assert_eq!(
        request_at(max, u64::MAX, &v, &secret),
        Err(Error::StaleTimestamp {
            age: u64::MAX - max
        })
    );
    assert_eq!(
        request_at(max, 0, &v, &secret),
        Err(Error::FutureTimestamp { ahead: max })
    );
    // Tolerance 0: only the exact second.
    let exact = Verifier::new([secret.clone()]).tolerance(0);
    assert!(request_at(1_000, 1_000, &exact, &secret).is_ok());
    assert!(request_at(1_000, 1_001, &exact, &secret).is_err());
    assert!(request_at(1_000, 999, &exact, &secret).is_err());
    // Tolerance u64::MAX: everything.
    let any = Verifier::new([secret.clone()]).tolerance(u64::MAX);
    assert!(request_at(0, u64::MAX, &any, &secret).is_ok());
    assert!(request_at(max, 0, &any, &secret).is_ok());
}

#[test]
fn verifier_with_no_secrets_never_verifies() {
    let secret = key("lonely");
    assert_eq!(
        request_at(1_000, 1_000, &Verifier::new([]), &secret),
        Err(Error::Mismatch)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `prepare` + `verify_prepared` (what the tower layer runs) gives
    /// exactly what `verify` gives, for valid, tampered and malformed input.
    #[test]
    fn prepared_verification_agrees_with_verify(
        method in "[A-Za-z]{1,7}",
        target in "[/?&=%a-fA-F0-9gG+ ]{0,24}",
        body in proptest::collection::vec(any::<u8>(), 0..64),
        tamper in any::<bool>(),
        skew in -400i64..400,
    ) {
        let secret = triggers_signing::Secret::new("prepared").expect("secret");
        let ts = 1_700_000_000u64;
        let sig = match triggers_signing::sign(&secret, &method, &target, ts, &body) {
            Ok(s) => s.signature,
            Err(_) => "0".repeat(64),
        };
        let mut received = body.clone();
        if tamper {
            received.push(b'!');
        }
        let ts_text = ts.to_string();
        let headers = triggers_signing::SignatureHeaders {
            timestamp: Some(ts_text.as_bytes()),
            signature: Some(sig.as_bytes()),
            version: Some(b"v1"),
        };
        let now = ts.saturating_add_signed(skew);
        let verifier = triggers_signing::Verifier::new([secret]);
        let hash = triggers_signing::BodyHash::of(&received);
        let direct = verifier.verify(&method, &target, &hash, &headers, now);
        let prepared = verifier
            .prepare(&method, &target, &headers, now)
            .and_then(|p| verifier.verify_prepared(&p, &hash));
        prop_assert_eq!(direct, prepared);
    }
}
