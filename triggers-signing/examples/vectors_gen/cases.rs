//! The hand-written inputs of the cross-language test vectors
//! (`vectors/v1.json`) and the code that computes their outputs with this
//! crate.
//!
//! This file is shared, through `#[path]`, by the generator
//! (`examples/gen_vectors.rs`, which writes or `--check`s the file) and by the
//! integration tests (`tests/it/vectors.rs`, which fail when the committed
//! file differs from what [`render`] produces). It lives in a subdirectory of
//! `examples/` so Cargo does not mistake it for an example of its own.
//!
//! Only the *inputs* are written by hand here (names, secrets, methods,
//! targets, bodies, timestamps, headers). Every *output* (string to sign,
//! signature, error code) is computed by the library. Many inputs also carry
//! a hand-written expectation (the canonical PATH and QUERY of a request, the
//! intended error code of an invalid case, the published Standard Webhooks
//! signature) which [`build`] checks, so a library regression cannot silently
//! rewrite the vectors.
//!
//! # File format
//!
//! ```text
//! { "version": "v1",
//!   "request_cases":   [ { name, secret, method, target, body_base64, timestamp,
//!                          canonical, signature } ],
//!   "request_invalid": [ { name, secret, method, target, body_base64, timestamp, now,
//!                          headers: { "X-Signature"?, "X-Signature-Timestamp"?,
//!                                     "X-Signature-Version"? }, error } ],
//!   "webhook_cases":   [ { name, secret, secrets?, id, timestamp, body_base64, signature } ] }
//! ```
//!
//! A header absent from `headers` is a missing header. `webhook_cases[].secrets`
//! is an extension present only on rotation cases: it lists every secret the
//! sender signs with (`secret` is the first of them), and `signature` is then
//! the space-separated list of `v1,<base64>` entries, one per secret, in that
//! order. A verifier holding any one of the secrets must accept it.

#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{BodyHash, Secret, SignatureHeaders, Verifier, canonical_string, sign};

/// The Standard Webhooks specification's published example.
pub const STANDARD_WEBHOOKS_NAME: &str = "standard_webhooks_spec_example";
/// Its secret.
pub const STANDARD_WEBHOOKS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Its message id.
pub const STANDARD_WEBHOOKS_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
/// Its timestamp.
pub const STANDARD_WEBHOOKS_TIMESTAMP: u64 = 1_614_265_330;
/// Its body.
pub const STANDARD_WEBHOOKS_BODY: &str = r#"{"test": 2432232314}"#;
/// Its signature, as published.
pub const STANDARD_WEBHOOKS_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// The secret of request cases that do not choose their own.
pub const DEFAULT_SECRET: &str = "test-signing-secret-v1";
/// The timestamp of request cases that do not choose their own.
pub const DEFAULT_TIMESTAMP: u64 = 1_700_000_000;

/// Where the vectors live: `triggers-signing/vectors/v1.json`.
pub fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join("v1.json")
}

// ---------------------------------------------------------------------------
// The file format.
// ---------------------------------------------------------------------------

/// The whole vectors file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Always `v1`.
    pub version: String,
    /// Requests that sign and verify.
    pub request_cases: Vec<RequestCase>,
    /// Requests a verifier must reject, with the error code.
    pub request_invalid: Vec<InvalidCase>,
    /// Standard Webhooks signatures.
    pub webhook_cases: Vec<WebhookCase>,
}

/// A request that signs, with its string to sign and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestCase {
    /// Unique name.
    pub name: String,
    /// The secret (HMAC key = its UTF-8 bytes).
    pub secret: String,
    /// The method as sent (not canonicalized).
    pub method: String,
    /// Path and query as sent on the request line.
    pub target: String,
    /// The raw body, standard base64 with padding.
    pub body_base64: String,
    /// Unix seconds.
    pub timestamp: u64,
    /// The string to sign.
    pub canonical: String,
    /// Lower-case hex HMAC-SHA256.
    pub signature: String,
}

/// The signature headers of an invalid case; `None` = header absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseHeaders {
    /// `X-Signature`.
    #[serde(
        rename = "X-Signature",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub signature: Option<String>,
    /// `X-Signature-Timestamp`.
    #[serde(
        rename = "X-Signature-Timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<String>,
    /// `X-Signature-Version`.
    #[serde(
        rename = "X-Signature-Version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
}

/// A request a verifier (holding `secret`, clock at `now`) must reject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidCase {
    /// Unique name.
    pub name: String,
    /// The verifier's secret.
    pub secret: String,
    /// The method as received.
    pub method: String,
    /// Path and query as received.
    pub target: String,
    /// The raw body as received, standard base64.
    pub body_base64: String,
    /// The nominal signing time of the request (the headers are authoritative).
    pub timestamp: u64,
    /// The verifier's clock.
    pub now: u64,
    /// The headers as received.
    pub headers: CaseHeaders,
    /// The expected error code.
    pub error: String,
}

/// A Standard Webhooks signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookCase {
    /// Unique name.
    pub name: String,
    /// `whsec_` + base64 (the first secret on rotation cases).
    pub secret: String,
    /// Extension, rotation cases only: every secret the sender signs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<String>>,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: u64,
    /// The raw body, standard base64.
    pub body_base64: String,
    /// `webhook-signature`: `v1,<base64>`, space-separated on rotation cases.
    pub signature: String,
}

// ---------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------

/// The inputs of a valid request case.
#[derive(Debug, Clone)]
pub struct RequestInput {
    /// Unique name.
    pub name: &'static str,
    /// Secret.
    pub secret: String,
    /// Method as sent.
    pub method: String,
    /// Target as sent.
    pub target: String,
    /// Raw body.
    pub body: Vec<u8>,
    /// Unix seconds.
    pub timestamp: u64,
    /// Hand-written canonical PATH and QUERY, checked against the library.
    pub expect: Option<(&'static str, &'static str)>,
}

impl RequestInput {
    fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = secret.into();
        self
    }
    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    fn ts(mut self, timestamp: u64) -> Self {
        self.timestamp = timestamp;
        self
    }
    fn expect(mut self, path: &'static str, query: &'static str) -> Self {
        self.expect = Some((path, query));
        self
    }
}

fn req(name: &'static str, method: &str, target: &str) -> RequestInput {
    RequestInput {
        name,
        secret: DEFAULT_SECRET.to_owned(),
        method: method.to_owned(),
        target: target.to_owned(),
        body: Vec::new(),
        timestamp: DEFAULT_TIMESTAMP,
        expect: None,
    }
}

/// Every byte value once, in order.
pub fn all_bytes() -> Vec<u8> {
    (0..=255u8).collect()
}

/// 1 MiB of a deterministic pseudo-random pattern (a 32-bit LCG, high byte).
pub fn one_mib_body() -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..1 << 20)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 24) as u8
        })
        .collect()
}

const JSON_BODY: &str =
    r#"{"source":"shop","event_type":"order.created","payload":{"order_id":1042,"total":"19.99"}}"#;

/// The valid request cases, in file order.
pub fn request_inputs() -> Vec<RequestInput> {
    vec![
        // --- basics ------------------------------------------------------
        req("post_json_body", "POST", "/v1/events")
            .body(JSON_BODY)
            .expect("/v1/events", ""),
        req("get_no_query_empty_body", "GET", "/v1/events").expect("/v1/events", ""),
        req("root_path", "GET", "/").expect("/", ""),
        req("empty_path", "GET", "").expect("/", ""),
        req("empty_path_with_query", "GET", "?b=2&a=1").expect("/", "a=1&b=2"),
        req("delete_with_body", "DELETE", "/v1/subscriptions/sub_123")
            .body(r#"{"reason":"unused"}"#)
            .expect("/v1/subscriptions/sub_123", ""),
        req(
            "full_request",
            "POST",
            "/v1/events?source=shop&dry_run&tag=a%2Fb&tag=A",
        )
        .body(JSON_BODY)
        .expect("/v1/events", "dry_run=&source=shop&tag=A&tag=a%2Fb"),
        // --- path shapes -------------------------------------------------
        req("trailing_slash", "GET", "/v1/events/").expect("/v1/events/", ""),
        req("double_slash", "GET", "/v1//events").expect("/v1//events", ""),
        req("only_slashes", "GET", "//").expect("//", ""),
        req("dot_segments_kept", "GET", "/v1/./events/../x").expect("/v1/./events/../x", ""),
        req("encoded_dot_segments_decoded", "GET", "/v1/%2e%2E/x").expect("/v1/../x", ""),
        req("encoded_slash_upper", "GET", "/files/a%2Fb").expect("/files/a%2Fb", ""),
        req("encoded_slash_lower", "GET", "/files/a%2fb").expect("/files/a%2Fb", ""),
        req("real_slash_distinct_from_encoded", "GET", "/files/a/b").expect("/files/a/b", ""),
        req("encoded_question_mark_in_path", "GET", "/a%3Fb?c=d").expect("/a%3Fb", "c=d"),
        req("asterisk_form_target", "OPTIONS", "*").expect("%2A", ""),
        req("unreserved_raw", "GET", "/~user/a-b_c.d/Z9").expect("/~user/a-b_c.d/Z9", ""),
        req("reserved_chars_in_path", "GET", "/r/:@!$&'()*+,;=")
            .expect("/r/%3A%40%21%24%26%27%28%29%2A%2B%2C%3B%3D", ""),
        req(
            "reserved_chars_in_path_percent_encoded",
            "GET",
            "/r/%3a%40%21%24%26%27%28%29%2a%2b%2c%3b%3d",
        )
        .expect("/r/%3A%40%21%24%26%27%28%29%2A%2B%2C%3B%3D", ""),
        req("lowercase_hex_escapes_normalised", "GET", "/caf%c3%a9").expect("/caf%C3%A9", ""),
        req(
            "over_encoded_unreserved",
            "GET",
            "/%41%62%7E%2D%2E%5F%30%7e",
        )
        .expect("/Ab~-._0~", ""),
        req("encoded_space_in_path", "GET", "/a%20b").expect("/a%20b", ""),
        req("raw_space_in_path", "GET", "/a b").expect("/a%20b", ""),
        req("encoded_percent", "GET", "/100%25/x?p=%25").expect("/100%25/x", "p=%25"),
        req("control_bytes_encoded", "GET", "/c/%00%0a%0D%09").expect("/c/%00%0A%0D%09", ""),
        req("non_utf8_bytes_in_path", "GET", "/bin/%FF%fe%80").expect("/bin/%FF%FE%80", ""),
        req(
            "many_segments",
            "GET",
            "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z",
        )
        .expect("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z", ""),
        // --- unicode -----------------------------------------------------
        req("unicode_raw_path", "GET", "/café/日本").expect("/caf%C3%A9/%E6%97%A5%E6%9C%AC", ""),
        req(
            "unicode_percent_encoded_path",
            "GET",
            "/caf%C3%A9/%E6%97%A5%E6%9C%AC",
        )
        .expect("/caf%C3%A9/%E6%97%A5%E6%9C%AC", ""),
        req("emoji_path", "GET", "/e/😀").expect("/e/%F0%9F%98%80", ""),
        req("unicode_raw_query", "GET", "/search?name=José&city=Zürich")
            .expect("/search", "city=Z%C3%BCrich&name=Jos%C3%A9"),
        req(
            "unicode_percent_encoded_query_lowercase_hex",
            "GET",
            "/search?name=Jos%c3%a9&city=Z%c3%bcrich",
        )
        .expect("/search", "city=Z%C3%BCrich&name=Jos%C3%A9"),
        req("non_utf8_bytes_in_query", "GET", "/q?k=%ff&%C0=v").expect("/q", "%C0=v&k=%FF"),
        // --- query -------------------------------------------------------
        req("query_unsorted", "GET", "/v1/events?c=3&b=2&a=1").expect("/v1/events", "a=1&b=2&c=3"),
        req("query_repeated_keys", "GET", "/s?a=2&a=1&a=3&a=1").expect("/s", "a=1&a=1&a=2&a=3"),
        req(
            "same_key_values_sorted_by_bytes",
            "GET",
            "/s?k=b&k=B&k=a&k=%61&k=_",
        )
        .expect("/s", "k=B&k=_&k=a&k=a&k=b"),
        req("key_without_equals", "GET", "/s?flag&a=1").expect("/s", "a=1&flag="),
        req("key_with_empty_value", "GET", "/s?flag=&a=1").expect("/s", "a=1&flag="),
        req("equals_inside_values", "GET", "/s?a=b=c&d==").expect("/s", "a=b%3Dc&d=%3D"),
        req("empty_keys", "GET", "/s?=x&=&b").expect("/s", "=&=x&b="),
        req("empty_pieces_dropped", "GET", "/s?&&a=1&&b=2&").expect("/s", "a=1&b=2"),
        req(
            "plus_versus_space_versus_encoded_plus",
            "GET",
            "/s?q=a+b&r=a%20b&s=a%2Bb&t=a b",
        )
        .expect("/s", "q=a%2Bb&r=a%20b&s=a%2Bb&t=a%20b"),
        req("empty_query_after_question_mark", "GET", "/v1/events?").expect("/v1/events", ""),
        req("query_of_only_ampersands", "GET", "/v1/events?&&&").expect("/v1/events", ""),
        req("question_marks_in_query", "GET", "/s?a=?b?&c").expect("/s", "a=%3Fb%3F&c="),
        req(
            "encoded_delimiters_in_query",
            "GET",
            "/s?e%3D=f&a%26b=c%3Dd",
        )
        .expect("/s", "a%26b=c%3Dd&e%3D=f"),
        req(
            "sort_by_encoded_not_decoded_key",
            "GET",
            "/s?z=1&%7B=2&~=3&%C3%A9=4",
        )
        .expect("/s", "%7B=2&%C3%A9=4&z=1&~=3"),
        req("sort_pairs_not_joined_strings", "GET", "/s?a-&a=~").expect("/s", "a=~&a-="),
        req(
            "slashes_and_urls_in_query",
            "GET",
            "/s?u=http://x.y/?z&path=/a/b",
        )
        .expect("/s", "path=%2Fa%2Fb&u=http%3A%2F%2Fx.y%2F%3Fz"),
        req("semicolon_in_query", "GET", "/s?a=1;b=2").expect("/s", "a=1%3Bb%3D2"),
        req("newline_encoded_in_query", "GET", "/s?a=x%0Ay").expect("/s", "a=x%0Ay"),
        // --- methods -----------------------------------------------------
        req("lowercase_method", "post", "/v1/events")
            .body(JSON_BODY)
            .expect("/v1/events", ""),
        req("mixed_case_method", "pAtCh", "/v1/events/evt_1")
            .body(r#"{"status":"done"}"#)
            .expect("/v1/events/evt_1", ""),
        req("webdav_method", "PROPFIND", "/dav/").expect("/dav/", ""),
        req("hyphenated_method", "M-SEARCH", "/upnp").expect("/upnp", ""),
        req("all_tchar_method", "!#$%&'*+-.^_`|~09azAZ", "/x").expect("/x", ""),
        // --- bodies ------------------------------------------------------
        req("put_empty_body", "PUT", "/v1/things/1").expect("/v1/things/1", ""),
        req("binary_body_all_256_bytes", "POST", "/upload")
            .body(all_bytes())
            .expect("/upload", ""),
        req("one_mib_body", "POST", "/upload?size=1048576")
            .body(one_mib_body())
            .expect("/upload", "size=1048576"),
        req("body_with_crlf_and_unicode", "POST", "/v1/events")
            .body("{\"msg\":\"h\u{e9}llo \u{1f600}\"}\r\n")
            .expect("/v1/events", ""),
        // --- secrets -----------------------------------------------------
        req("secret_with_unicode", "POST", "/v1/events")
            .secret("s\u{e9}cret-\u{1f511}-\u{43a}\u{43b}\u{44e}\u{447}")
            .body(JSON_BODY)
            .expect("/v1/events", ""),
        req("secret_with_spaces", "POST", "/v1/events")
            .secret("  spaced  secret  ")
            .body(JSON_BODY)
            .expect("/v1/events", ""),
        req("secret_single_character", "GET", "/v1/events")
            .secret("x")
            .expect("/v1/events", ""),
        req("secret_exactly_64_bytes", "GET", "/v1/events")
            .secret("0123456789abcdef".repeat(4))
            .expect("/v1/events", ""),
        req("secret_longer_than_hmac_block", "GET", "/v1/events")
            .secret("0123456789".repeat(10))
            .expect("/v1/events", ""),
        // --- timestamps --------------------------------------------------
        req("timestamp_zero", "GET", "/v1/events")
            .ts(0)
            .expect("/v1/events", ""),
        req("timestamp_year_2100", "GET", "/v1/events")
            .ts(4_102_444_800)
            .expect("/v1/events", ""),
        // 2^53 - 1: the largest integer every JSON parser reads exactly.
        req("timestamp_large", "GET", "/v1/events")
            .ts(9_007_199_254_740_991)
            .expect("/v1/events", ""),
    ]
}

/// A header of an invalid case.
#[derive(Debug, Clone)]
pub enum Hdr {
    /// The well-formed value (the timestamp in decimal, or `v1`).
    Default,
    /// Absent.
    Absent,
    /// This exact value.
    Value(&'static str),
}

/// What a signature is computed over: `None` fields are those of the
/// untampered default request (`POST /v1/events?source=shop`, the default
/// body) with the case's secret and timestamp.
#[derive(Debug, Clone, Default)]
pub struct SignedAs {
    /// Signing secret.
    pub secret: Option<&'static str>,
    /// Method.
    pub method: Option<&'static str>,
    /// Target.
    pub target: Option<&'static str>,
    /// Body.
    pub body: Option<&'static [u8]>,
    /// Timestamp.
    pub timestamp: Option<u64>,
}

/// The `X-Signature` header of an invalid case.
#[derive(Debug, Clone)]
pub enum Sig {
    /// Absent.
    Absent,
    /// This exact value.
    Value(&'static str),
    /// A signature computed by the library over (possibly) other content.
    Signed(SignedAs),
    /// The same, upper-cased.
    SignedUpper(SignedAs),
}

/// The inputs of an invalid request case.
#[derive(Debug, Clone)]
pub struct InvalidInput {
    /// Unique name.
    pub name: &'static str,
    /// The error code this case is meant to produce (checked).
    pub error: &'static str,
    /// The verifier's secret.
    pub secret: &'static str,
    /// Method as received.
    pub method: &'static str,
    /// Target as received.
    pub target: &'static str,
    /// Body as received.
    pub body: &'static [u8],
    /// Nominal signing time.
    pub timestamp: u64,
    /// Verifier clock.
    pub now: u64,
    /// `X-Signature`.
    pub signature: Sig,
    /// `X-Signature-Timestamp`.
    pub timestamp_header: Hdr,
    /// `X-Signature-Version`.
    pub version_header: Hdr,
}

impl InvalidInput {
    fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }
    fn target(mut self, target: &'static str) -> Self {
        self.target = target;
        self
    }
    fn body(mut self, body: &'static [u8]) -> Self {
        self.body = body;
        self
    }
    fn now(mut self, now: u64) -> Self {
        self.now = now;
        self
    }
    /// Sets the signing time (and the default header and signature with it).
    fn at(mut self, timestamp: u64) -> Self {
        self.timestamp = timestamp;
        self
    }
    fn sig(mut self, signature: Sig) -> Self {
        self.signature = signature;
        self
    }
    fn signed_as(self, signed_as: SignedAs) -> Self {
        self.sig(Sig::Signed(signed_as))
    }
    fn ts_header(mut self, header: Hdr) -> Self {
        self.timestamp_header = header;
        self
    }
    fn version(mut self, header: Hdr) -> Self {
        self.version_header = header;
        self
    }
}

const INVALID_METHOD: &str = "POST";
const INVALID_TARGET: &str = "/v1/events?source=shop";
const INVALID_BODY: &[u8] = br#"{"source":"shop","event_type":"order.created"}"#;
const OTHER_SECRET: &str = "some-other-secret";

fn bad(name: &'static str, error: &'static str) -> InvalidInput {
    InvalidInput {
        name,
        error,
        secret: DEFAULT_SECRET,
        method: INVALID_METHOD,
        target: INVALID_TARGET,
        body: INVALID_BODY,
        timestamp: DEFAULT_TIMESTAMP,
        now: DEFAULT_TIMESTAMP,
        signature: Sig::Signed(SignedAs::default()),
        timestamp_header: Hdr::Default,
        version_header: Hdr::Default,
    }
}

/// The invalid request cases, in file order.
pub fn invalid_inputs() -> Vec<InvalidInput> {
    const TS: u64 = DEFAULT_TIMESTAMP;
    vec![
        // --- missing_header ----------------------------------------------
        bad("missing_timestamp_header", "missing_header").ts_header(Hdr::Absent),
        bad("missing_signature_header", "missing_header").sig(Sig::Absent),
        bad("missing_version_header", "missing_header").version(Hdr::Absent),
        bad("missing_all_headers", "missing_header")
            .ts_header(Hdr::Absent)
            .sig(Sig::Absent)
            .version(Hdr::Absent),
        bad("order_missing_header_before_version", "missing_header")
            .ts_header(Hdr::Absent)
            .version(Hdr::Value("v2")),
        // --- unsupported_version -----------------------------------------
        bad("unsupported_version_v2", "unsupported_version").version(Hdr::Value("v2")),
        bad("unsupported_version_uppercase_v1", "unsupported_version").version(Hdr::Value("V1")),
        bad("unsupported_version_empty", "unsupported_version").version(Hdr::Value("")),
        bad("unsupported_version_padded", "unsupported_version").version(Hdr::Value(" v1")),
        bad(
            "order_version_before_timestamp_format",
            "unsupported_version",
        )
        .version(Hdr::Value("v0"))
        .ts_header(Hdr::Value("abc")),
        // --- malformed_header: timestamp ---------------------------------
        bad("malformed_timestamp_non_numeric", "malformed_header").ts_header(Hdr::Value("abc")),
        bad("malformed_timestamp_leading_zero", "malformed_header")
            .ts_header(Hdr::Value("01700000000")),
        bad("malformed_timestamp_plus_sign", "malformed_header")
            .ts_header(Hdr::Value("+1700000000")),
        bad("malformed_timestamp_negative", "malformed_header").ts_header(Hdr::Value("-1")),
        bad("malformed_timestamp_empty", "malformed_header").ts_header(Hdr::Value("")),
        bad("malformed_timestamp_fraction", "malformed_header")
            .ts_header(Hdr::Value("1700000000.0")),
        bad("malformed_timestamp_whitespace", "malformed_header")
            .ts_header(Hdr::Value(" 1700000000")),
        bad("malformed_timestamp_20_digits", "malformed_header")
            .ts_header(Hdr::Value("10000000000000000000")),
        bad("malformed_timestamp_overflows_u64", "malformed_header")
            .ts_header(Hdr::Value("99999999999999999999")),
        // --- malformed_header: signature ---------------------------------
        bad("malformed_signature_bad_hex", "malformed_header").sig(Sig::Value(
            "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )),
        bad("malformed_signature_63_hex_digits", "malformed_header").sig(Sig::Value(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        )),
        bad("malformed_signature_65_hex_digits", "malformed_header").sig(Sig::Value(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
        )),
        bad("malformed_signature_empty", "malformed_header").sig(Sig::Value("")),
        bad("malformed_signature_prefixed", "malformed_header").sig(Sig::Value(
            "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )),
        bad("malformed_signature_base64", "malformed_header")
            .sig(Sig::Value("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
        bad("order_timestamp_format_before_window", "malformed_header")
            .ts_header(Hdr::Value("0170"))
            .now(TS + 100_000),
        bad("order_signature_format_before_window", "malformed_header")
            .sig(Sig::Value("abc"))
            .now(TS + 100_000),
        // --- stale / future ----------------------------------------------
        bad("stale_by_301_seconds", "stale_timestamp").now(TS + 301),
        bad("stale_far_past", "stale_timestamp").at(1),
        bad("future_by_301_seconds", "future_timestamp").now(TS - 301),
        bad("future_far", "future_timestamp").at(9_007_199_254_740_991),
        bad("future_19_digit_timestamp_header", "future_timestamp")
            .ts_header(Hdr::Value("9999999999999999999"))
            .signed_as(SignedAs {
                timestamp: Some(9_999_999_999_999_999_999),
                ..SignedAs::default()
            }),
        bad("order_window_before_encoding", "stale_timestamp")
            .target("/v1/%G1")
            .now(TS + 301)
            .signed_as(SignedAs {
                target: Some("/v1/G1"),
                ..SignedAs::default()
            }),
        bad("order_window_before_method", "future_timestamp")
            .method("")
            .now(TS - 301)
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        // --- bad_encoding ------------------------------------------------
        bad("bad_encoding_non_hex_escape_in_path", "bad_encoding")
            .target("/v1/%G1")
            .signed_as(SignedAs {
                target: Some("/v1/G1"),
                ..SignedAs::default()
            }),
        bad("bad_encoding_lone_percent_in_path", "bad_encoding")
            .target("/v1/50%/off")
            .signed_as(SignedAs {
                target: Some("/v1/50%25/off"),
                ..SignedAs::default()
            }),
        bad("bad_encoding_truncated_escape_at_end", "bad_encoding")
            .target("/v1/a%4")
            .signed_as(SignedAs {
                target: Some("/v1/a%40"),
                ..SignedAs::default()
            }),
        bad("bad_encoding_in_query_key", "bad_encoding")
            .target("/v1/events?%ZZ=1")
            .signed_as(SignedAs {
                target: Some("/v1/events?ZZ=1"),
                ..SignedAs::default()
            }),
        bad("bad_encoding_in_query_value", "bad_encoding")
            .target("/v1/events?source=shop%")
            .signed_as(SignedAs {
                target: Some("/v1/events?source=shop%25"),
                ..SignedAs::default()
            }),
        bad(
            "bad_encoding_truncated_escape_in_query_value",
            "bad_encoding",
        )
        .target("/v1/events?source=%4")
        .signed_as(SignedAs {
            target: Some("/v1/events?source=%40"),
            ..SignedAs::default()
        }),
        bad("order_encoding_before_mac", "bad_encoding")
            .target("/v1/%zz")
            .signed_as(SignedAs {
                secret: Some(OTHER_SECRET),
                target: Some("/v1/zz"),
                ..SignedAs::default()
            }),
        // --- invalid_method ----------------------------------------------
        bad("invalid_method_empty", "invalid_method")
            .method("")
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        bad("invalid_method_with_space", "invalid_method")
            .method("PO ST")
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        bad("invalid_method_with_newline", "invalid_method")
            .method("POST\n/evil")
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        bad("invalid_method_non_ascii", "invalid_method")
            .method("P\u{d3}ST")
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        bad("invalid_method_separator", "invalid_method")
            .method("POST/1.1")
            .signed_as(SignedAs {
                method: Some("POST"),
                ..SignedAs::default()
            }),
        // --- signature_mismatch ------------------------------------------
        bad("mismatch_wrong_secret", "signature_mismatch").signed_as(SignedAs {
            secret: Some(OTHER_SECRET),
            ..SignedAs::default()
        }),
        bad("mismatch_secret_differs_in_case", "signature_mismatch").signed_as(SignedAs {
            secret: Some("TEST-SIGNING-SECRET-V1"),
            ..SignedAs::default()
        }),
        bad("mismatch_tampered_body", "signature_mismatch")
            .body(br#"{"source":"shop","event_type":"order.deleted"}"#),
        bad("mismatch_truncated_body", "signature_mismatch")
            .body(br#"{"source":"shop","event_type":"order.created""#),
        bad(
            "mismatch_empty_body_instead_of_signed_body",
            "signature_mismatch",
        )
        .body(b""),
        bad("mismatch_tampered_query", "signature_mismatch")
            .target("/v1/events?source=shop&admin=1"),
        bad("mismatch_query_value_changed", "signature_mismatch").target("/v1/events?source=shoq"),
        bad("mismatch_query_removed", "signature_mismatch").target("/v1/events"),
        bad("mismatch_tampered_path", "signature_mismatch").target("/v2/events?source=shop"),
        bad("mismatch_trailing_slash_added", "signature_mismatch")
            .target("/v1/events/?source=shop"),
        bad("mismatch_encoded_slash_versus_slash", "signature_mismatch")
            .target("/v1/a%2Fb")
            .signed_as(SignedAs {
                target: Some("/v1/a/b"),
                ..SignedAs::default()
            }),
        bad("mismatch_plus_versus_space", "signature_mismatch")
            .target("/s?q=a%20b")
            .signed_as(SignedAs {
                target: Some("/s?q=a+b"),
                ..SignedAs::default()
            }),
        bad("mismatch_method_changed", "signature_mismatch").signed_as(SignedAs {
            method: Some("PUT"),
            ..SignedAs::default()
        }),
        bad("mismatch_timestamp_header_changed", "signature_mismatch")
            .ts_header(Hdr::Value("1700000001"))
            .now(TS + 1),
        bad(
            "mismatch_uppercase_hex_of_wrong_signature",
            "signature_mismatch",
        )
        .sig(Sig::SignedUpper(SignedAs {
            secret: Some(OTHER_SECRET),
            ..SignedAs::default()
        })),
        bad("mismatch_all_zero_signature", "signature_mismatch").sig(Sig::Value(
            "0000000000000000000000000000000000000000000000000000000000000000",
        )),
    ]
}

/// The inputs of a webhook case.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    /// Unique name.
    pub name: &'static str,
    /// Every secret the sender signs with (one except on rotation cases).
    pub secrets: Vec<String>,
    /// `webhook-id`.
    pub id: &'static str,
    /// `webhook-timestamp`.
    pub timestamp: u64,
    /// Raw body.
    pub body: Vec<u8>,
}

fn whsec(key: &[u8]) -> String {
    format!("whsec_{}", STANDARD.encode(key))
}

fn hook(
    name: &'static str,
    secret: String,
    id: &'static str,
    ts: u64,
    body: &[u8],
) -> WebhookInput {
    WebhookInput {
        name,
        secrets: vec![secret],
        id,
        timestamp: ts,
        body: body.to_vec(),
    }
}

/// The webhook cases, in file order.
pub fn webhook_inputs() -> Vec<WebhookInput> {
    let key24: Vec<u8> = (1..=24).collect();
    let key32: Vec<u8> = (0..32).map(|i: u8| i.wrapping_mul(37) ^ 0x5a).collect();
    let key64: Vec<u8> = (0..64).map(|i: u8| 255 - i).collect();
    vec![
        hook(
            STANDARD_WEBHOOKS_NAME,
            STANDARD_WEBHOOKS_SECRET.to_owned(),
            STANDARD_WEBHOOKS_ID,
            STANDARD_WEBHOOKS_TIMESTAMP,
            STANDARD_WEBHOOKS_BODY.as_bytes(),
        ),
        hook(
            "json_event",
            whsec(&key24),
            "msg_2bVxYkMq3oQ0Zr8tLp1n",
            DEFAULT_TIMESTAMP,
            JSON_BODY.as_bytes(),
        ),
        hook(
            "empty_body",
            whsec(&key24),
            "msg_empty",
            DEFAULT_TIMESTAMP,
            b"",
        ),
        hook(
            "binary_body_all_256_bytes",
            whsec(&key32),
            "msg_binary",
            DEFAULT_TIMESTAMP,
            &all_bytes(),
        ),
        hook(
            "unicode_body",
            whsec(&key32),
            "msg_unicode_body",
            DEFAULT_TIMESTAMP,
            "{\"name\":\"Jos\u{e9}\",\"city\":\"\u{65e5}\u{672c}\",\"mood\":\"\u{1f600}\"}"
                .as_bytes(),
        ),
        hook(
            "id_with_punctuation_and_dots",
            whsec(&key24),
            "evt.2024-01-01T00:00:00Z/retry~1:a+b=c",
            DEFAULT_TIMESTAMP,
            br#"{"a":1}"#,
        ),
        WebhookInput {
            name: "rotation_two_secrets",
            secrets: vec![whsec(&key32), whsec(&key24)],
            id: "msg_rotation",
            timestamp: DEFAULT_TIMESTAMP,
            body: JSON_BODY.as_bytes().to_vec(),
        },
        hook(
            "timestamp_one",
            whsec(&key24),
            "msg_ts_one",
            1,
            br#"{"a":1}"#,
        ),
        hook(
            "secret_single_byte",
            whsec(&[1]),
            "msg_short_key",
            DEFAULT_TIMESTAMP,
            br#"{"a":1}"#,
        ),
        hook(
            "secret_64_bytes",
            whsec(&key64),
            "msg_long_key",
            DEFAULT_TIMESTAMP,
            br#"{"a":1}"#,
        ),
    ]
}

// ---------------------------------------------------------------------------
// Computing the outputs.
// ---------------------------------------------------------------------------

fn secret(s: &str) -> Result<Secret, String> {
    Secret::new(s).map_err(|e| format!("secret {s:?}: {e}"))
}

/// Builds one valid request case, checking it against its expectations.
pub fn build_request(input: &RequestInput) -> Result<RequestCase, String> {
    let name = input.name;
    let key = secret(&input.secret)?;
    let ts = input.timestamp.to_string();
    let hash = BodyHash::of(&input.body);
    let canonical = canonical_string(&input.method, &input.target, &ts, &hash)
        .map_err(|e| format!("{name}: canonical_string failed: {e}"))?;
    if let Some((path, query)) = input.expect {
        let expected = format!(
            "{}\n{path}\n{query}\n{ts}\n{}",
            input.method.to_ascii_uppercase(),
            hash.to_hex()
        );
        if canonical != expected {
            return Err(format!(
                "{name}: library canonical {canonical:?} differs from hand-written {expected:?}"
            ));
        }
    }
    let signed = sign(
        &key,
        &input.method,
        &input.target,
        input.timestamp,
        &input.body,
    )
    .map_err(|e| format!("{name}: sign failed: {e}"))?;
    if signed.timestamp != ts || signed.version != "v1" {
        return Err(format!("{name}: unexpected headers {signed:?}"));
    }
    let headers = SignatureHeaders {
        timestamp: Some(signed.timestamp.as_bytes()),
        signature: Some(signed.signature.as_bytes()),
        version: Some(signed.version.as_bytes()),
    };
    Verifier::new([key])
        .verify(
            &input.method,
            &input.target,
            &hash,
            &headers,
            input.timestamp,
        )
        .map_err(|e| format!("{name}: does not verify: {e}"))?;
    Ok(RequestCase {
        name: name.to_owned(),
        secret: input.secret.clone(),
        method: input.method.clone(),
        target: input.target.clone(),
        body_base64: STANDARD.encode(&input.body),
        timestamp: input.timestamp,
        canonical,
        signature: signed.signature,
    })
}

fn signature_over(input: &InvalidInput, how: &SignedAs) -> Result<String, String> {
    let key = secret(how.secret.unwrap_or(input.secret))?;
    sign(
        &key,
        how.method.unwrap_or(INVALID_METHOD),
        how.target.unwrap_or(INVALID_TARGET),
        how.timestamp.unwrap_or(input.timestamp),
        how.body.unwrap_or(INVALID_BODY),
    )
    .map(|s| s.signature)
    .map_err(|e| format!("{}: cannot sign {how:?}: {e}", input.name))
}

/// Builds one invalid request case, checking the library rejects it with the
/// intended code.
pub fn build_invalid(input: &InvalidInput) -> Result<InvalidCase, String> {
    let name = input.name;
    let signature = match &input.signature {
        Sig::Absent => None,
        Sig::Value(v) => Some((*v).to_owned()),
        Sig::Signed(how) => Some(signature_over(input, how)?),
        Sig::SignedUpper(how) => Some(signature_over(input, how)?.to_ascii_uppercase()),
    };
    let header = |h: &Hdr, default: String| match h {
        Hdr::Default => Some(default),
        Hdr::Absent => None,
        Hdr::Value(v) => Some((*v).to_owned()),
    };
    let headers = CaseHeaders {
        signature,
        timestamp: header(&input.timestamp_header, input.timestamp.to_string()),
        version: header(&input.version_header, "v1".to_owned()),
    };
    let got = Verifier::new([secret(input.secret)?]).verify(
        input.method,
        input.target,
        &BodyHash::of(input.body),
        &SignatureHeaders {
            timestamp: headers.timestamp.as_deref().map(str::as_bytes),
            signature: headers.signature.as_deref().map(str::as_bytes),
            version: headers.version.as_deref().map(str::as_bytes),
        },
        input.now,
    );
    let code = match got {
        Ok(v) => return Err(format!("{name}: verified ({v:?}) but must fail")),
        Err(e) => e.code(),
    };
    if code != input.error {
        return Err(format!(
            "{name}: library says {code}, the case is meant to be {}",
            input.error
        ));
    }
    Ok(InvalidCase {
        name: name.to_owned(),
        secret: input.secret.to_owned(),
        method: input.method.to_owned(),
        target: input.target.to_owned(),
        body_base64: STANDARD.encode(input.body),
        timestamp: input.timestamp,
        now: input.now,
        headers,
        error: code.to_owned(),
    })
}

/// Builds one webhook case, checking it verifies with each of its secrets.
pub fn build_webhook(input: &WebhookInput) -> Result<WebhookCase, String> {
    let name = input.name;
    let secrets = input
        .secrets
        .iter()
        .map(|s| WebhookSecret::parse(s).map_err(|e| format!("{name}: secret {s:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let first = input
        .secrets
        .first()
        .ok_or_else(|| format!("{name}: no secret"))?;
    let signature = webhook::sign_all(&secrets, input.id, input.timestamp, &input.body)
        .map_err(|e| format!("{name}: sign failed: {e}"))?;
    if name == STANDARD_WEBHOOKS_NAME && signature != STANDARD_WEBHOOKS_SIGNATURE {
        return Err(format!(
            "{name}: got {signature}, the Standard Webhooks spec says {STANDARD_WEBHOOKS_SIGNATURE}"
        ));
    }
    let ts = input.timestamp.to_string();
    let headers = WebhookHeaders {
        id: Some(input.id.as_bytes()),
        timestamp: Some(ts.as_bytes()),
        signature: Some(signature.as_bytes()),
    };
    for s in &secrets {
        WebhookVerifier::new([s.clone()])
            .verify(&headers, &input.body, input.timestamp)
            .map_err(|e| format!("{name}: does not verify: {e}"))?;
    }
    Ok(WebhookCase {
        name: name.to_owned(),
        secret: first.clone(),
        secrets: (input.secrets.len() > 1).then(|| input.secrets.clone()),
        id: input.id.to_owned(),
        timestamp: input.timestamp,
        body_base64: STANDARD.encode(&input.body),
        signature,
    })
}

fn check_unique<'a>(section: &str, names: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(format!("{section}: duplicate case name {name:?}"));
        }
    }
    Ok(())
}

/// Builds the whole file from the inputs above.
pub fn build() -> Result<VectorFile, String> {
    let request_cases = request_inputs()
        .iter()
        .map(build_request)
        .collect::<Result<Vec<_>, _>>()?;
    let request_invalid = invalid_inputs()
        .iter()
        .map(build_invalid)
        .collect::<Result<Vec<_>, _>>()?;
    let webhook_cases = webhook_inputs()
        .iter()
        .map(build_webhook)
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(
        "request_cases",
        request_cases.iter().map(|c| c.name.as_str()),
    )?;
    check_unique(
        "request_invalid",
        request_invalid.iter().map(|c| c.name.as_str()),
    )?;
    check_unique(
        "webhook_cases",
        webhook_cases.iter().map(|c| c.name.as_str()),
    )?;
    Ok(VectorFile {
        version: "v1".to_owned(),
        request_cases,
        request_invalid,
        webhook_cases,
    })
}

/// The exact bytes of `vectors/v1.json`: pretty JSON plus a trailing newline.
pub fn render() -> Result<String, String> {
    let file = build()?;
    let mut out = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    out.push('\n');
    Ok(out)
}
