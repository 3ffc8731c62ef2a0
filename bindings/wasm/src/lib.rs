//! # triggers-wasm
//!
//! [wasm-bindgen](https://rustwasm.github.io/wasm-bindgen/) exports of
//! [`triggers_signing`]: sign and verify v1 requests, sign and verify
//! Standard Webhooks deliveries. The TypeScript package
//! `@zapier/triggers-api-client` (`sdks/typescript`) wraps these exports in
//! typed functions; they can also be called directly.
//!
//! Conventions of every export:
//!
//! - bytes (bodies) cross as `Uint8Array`, text as JS strings (UTF-8 in Rust);
//! - Unix timestamps, clocks and tolerances are `u64`, a `BigInt` in JS;
//! - an absent header is `undefined` (or `null`);
//! - secrets are JS strings; several candidate secrets are an `Array` of
//!   strings (any other element is the error `invalid_secret`);
//! - a failure throws a JS `Error` named `SignatureError` whose `code`
//!   property is the stable code of the spec ([`Error::code`]), never a
//!   panic: every input is validated, and the message never contains a
//!   secret.
//!
//! The logic lives in plain Rust functions returning
//! `Result<_, triggers_signing::Error>` (tested on the host); the exports only
//! convert errors.

use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{
    BodyHash, Error, Secret, SignatureHeaders, Verifier, canonical_string, sign_hashed,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[wasm_bindgen]
extern "C" {
    /// The global JS `Error`, to throw errors that carry a `code`.
    #[wasm_bindgen(js_name = Error)]
    type JsErrorObject;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> JsErrorObject;

    #[wasm_bindgen(method, setter = code, js_class = "Error")]
    fn set_code(this: &JsErrorObject, code: &str);

    #[wasm_bindgen(method, setter = name, js_class = "Error")]
    fn set_name(this: &JsErrorObject, name: &str);
}

/// Converts a signing error into a thrown JS `Error` with `name`
/// `SignatureError` and `code` = [`Error::code`]. The message comes from the
/// error's `Display`, which never echoes secrets or header values.
fn to_js(error: Error) -> JsValue {
    let object = JsErrorObject::new(&error.to_string());
    object.set_name("SignatureError");
    object.set_code(error.code());
    object.into()
}

/// Reads an array of candidate secrets: each element must be a string.
/// The Rust copies are zeroed when dropped.
fn secret_strings(values: Vec<JsValue>) -> Result<Vec<Zeroizing<String>>, Error> {
    values
        .into_iter()
        .map(|value| {
            value
                .as_string()
                .map(Zeroizing::new)
                .ok_or(Error::InvalidSecret)
        })
        .collect()
}

/// The pure-Rust core of the exports (host-testable).
mod core {
    use super::*;

    pub(crate) fn sign_request(
        secret: &str,
        method: &str,
        target: &str,
        timestamp: u64,
        body_hash: &BodyHash,
    ) -> Result<String, Error> {
        let secret = Secret::new(secret)?;
        let signed = sign_hashed(&secret, method, target, timestamp, body_hash)?;
        Ok(signed.signature)
    }

    pub(crate) fn canonical(
        method: &str,
        target: &str,
        timestamp: u64,
        body_hash: &BodyHash,
    ) -> Result<String, Error> {
        canonical_string(method, target, &timestamp.to_string(), body_hash)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn verify_request(
        secrets: &[Zeroizing<String>],
        method: &str,
        target: &str,
        body_hash: &BodyHash,
        timestamp: Option<&str>,
        signature: Option<&str>,
        version: Option<&str>,
        now: u64,
        tolerance: u64,
    ) -> Result<u32, Error> {
        let secrets = secrets
            .iter()
            .map(|s| Secret::new(s.as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let headers = SignatureHeaders {
            timestamp: timestamp.map(str::as_bytes),
            signature: signature.map(str::as_bytes),
            version: version.map(str::as_bytes),
        };
        let verified = Verifier::new(secrets)
            .tolerance(tolerance)
            .verify(method, target, body_hash, &headers, now)?;
        // At most as many secrets as a JS array holds (< 2^32).
        Ok(u32::try_from(verified.secret_index).unwrap_or(u32::MAX))
    }

    fn webhook_secrets(secrets: &[Zeroizing<String>]) -> Result<Vec<WebhookSecret>, Error> {
        secrets.iter().map(|s| WebhookSecret::parse(s)).collect()
    }

    pub(crate) fn sign_webhook(
        secrets: &[Zeroizing<String>],
        id: &str,
        timestamp: u64,
        body: &[u8],
    ) -> Result<String, Error> {
        webhook::sign_all(&webhook_secrets(secrets)?, id, timestamp, body)
    }

    pub(crate) fn verify_webhook(
        secrets: &[Zeroizing<String>],
        id: Option<&str>,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: u64,
        tolerance: u64,
    ) -> Result<u64, Error> {
        let headers = WebhookHeaders {
            id: id.map(str::as_bytes),
            timestamp: timestamp.map(str::as_bytes),
            signature: signature.map(str::as_bytes),
        };
        WebhookVerifier::new(webhook_secrets(secrets)?)
            .tolerance(tolerance)
            .verify(&headers, body, now)
    }
}

/// Signs a v1 request; returns the value of `X-Signature` (64 lower-case hex
/// digits). The other two headers are `X-Signature-Timestamp` (the decimal
/// `timestamp`) and `X-Signature-Version: v1`.
///
/// `target` is the path and query exactly as sent (`/v1/events?a=1`).
/// Errors: `invalid_secret`, `invalid_method`, `bad_encoding`,
/// `malformed_header` (timestamp above 19 digits).
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(
    secret: String,
    method: &str,
    target: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, JsValue> {
    let secret = Zeroizing::new(secret);
    core::sign_request(&secret, method, target, timestamp, &BodyHash::of(body)).map_err(to_js)
}

/// The SHA-256 digest of a body, computed by the caller (32 bytes); other
/// lengths throw a plain JS `Error` without `code` (a programming error of
/// the caller, not a signing error).
fn body_hash(digest: &[u8]) -> Result<BodyHash, JsValue> {
    <[u8; 32]>::try_from(digest)
        .map(BodyHash::from_bytes)
        .map_err(|_| JsErrorObject::new("bodyHash must be the 32 bytes of a SHA-256 digest").into())
}

/// [`signRequest`](sign_request) for a body hashed by the caller:
/// `body_hash` is the 32-byte SHA-256 digest of the body (the TypeScript SDK
/// hashes large bodies with `node:crypto`, which uses the CPU's SHA
/// instructions). Canonicalization and HMAC stay here, so the signature is
/// the same as [`signRequest`](sign_request)'s for the same body.
#[wasm_bindgen(js_name = signRequestHashed)]
pub fn sign_request_hashed(
    secret: String,
    method: &str,
    target: &str,
    timestamp: u64,
    body_hash: &[u8],
) -> Result<String, JsValue> {
    let secret = Zeroizing::new(secret);
    let hash = self::body_hash(body_hash)?;
    core::sign_request(&secret, method, target, timestamp, &hash).map_err(to_js)
}

/// The v1 string to sign (five lines), for debugging signature mismatches.
/// Errors: `invalid_method`, `bad_encoding`.
#[wasm_bindgen(js_name = canonicalString)]
pub fn canonical_string_js(
    method: &str,
    target: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, JsValue> {
    core::canonical(method, target, timestamp, &BodyHash::of(body)).map_err(to_js)
}

/// Verifies a v1 request against candidate secrets (in order: new, old) at
/// clock `now` (Unix seconds) with a symmetric `tolerance` (seconds).
/// `timestamp`, `signature`, `version` are the values of
/// `X-Signature-Timestamp`, `X-Signature`, `X-Signature-Version`
/// (`undefined` when absent). Returns the index of the matching secret.
///
/// Errors, in the spec's order: `invalid_secret` (a candidate is empty or not
/// a string), `missing_header`, `unsupported_version`, `malformed_header`,
/// `future_timestamp`, `stale_timestamp`, `invalid_method`, `bad_encoding`,
/// `signature_mismatch`.
#[wasm_bindgen(js_name = verifyRequest)]
#[allow(clippy::too_many_arguments)]
pub fn verify_request(
    secrets: Vec<JsValue>,
    method: &str,
    target: &str,
    body: &[u8],
    timestamp: Option<String>,
    signature: Option<String>,
    version: Option<String>,
    now: u64,
    tolerance: u64,
) -> Result<u32, JsValue> {
    let secrets = secret_strings(secrets).map_err(to_js)?;
    core::verify_request(
        &secrets,
        method,
        target,
        &BodyHash::of(body),
        timestamp.as_deref(),
        signature.as_deref(),
        version.as_deref(),
        now,
        tolerance,
    )
    .map_err(to_js)
}

/// [`verifyRequest`](verify_request) for a body hashed by the caller
/// (`body_hash`: the 32-byte SHA-256 digest of the body as received). Same
/// checks, in the same order, same result.
#[wasm_bindgen(js_name = verifyRequestHashed)]
#[allow(clippy::too_many_arguments)]
pub fn verify_request_hashed(
    secrets: Vec<JsValue>,
    method: &str,
    target: &str,
    body_hash: &[u8],
    timestamp: Option<String>,
    signature: Option<String>,
    version: Option<String>,
    now: u64,
    tolerance: u64,
) -> Result<u32, JsValue> {
    let hash = self::body_hash(body_hash)?;
    let secrets = secret_strings(secrets).map_err(to_js)?;
    core::verify_request(
        &secrets,
        method,
        target,
        &hash,
        timestamp.as_deref(),
        signature.as_deref(),
        version.as_deref(),
        now,
        tolerance,
    )
    .map_err(to_js)
}

/// Signs a webhook delivery with every given secret (`whsec_…`; one, or
/// several during a rotation); returns the `webhook-signature` value
/// (`v1,<base64>` entries separated by a space).
///
/// Errors: `invalid_secret` (no secret, or one that is empty or not base64),
/// `malformed_header` (an id that is not non-empty visible ASCII, a
/// timestamp above 19 digits).
#[wasm_bindgen(js_name = signWebhook)]
pub fn sign_webhook(
    secrets: Vec<JsValue>,
    id: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<String, JsValue> {
    let secrets = secret_strings(secrets).map_err(to_js)?;
    core::sign_webhook(&secrets, id, timestamp, body).map_err(to_js)
}

/// Verifies a webhook delivery (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature` header values; `undefined` when absent) against
/// candidate secrets at clock `now` with a symmetric `tolerance`. Returns the
/// signed timestamp.
///
/// Errors: `invalid_secret`, `missing_header`, `malformed_header`,
/// `future_timestamp`, `stale_timestamp`, `unsupported_version`,
/// `signature_mismatch`.
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(
    secrets: Vec<JsValue>,
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    body: &[u8],
    now: u64,
    tolerance: u64,
) -> Result<u64, JsValue> {
    let secrets = secret_strings(secrets).map_err(to_js)?;
    core::verify_webhook(
        &secrets,
        id.as_deref(),
        timestamp.as_deref(),
        signature.as_deref(),
        body,
        now,
        tolerance,
    )
    .map_err(to_js)
}

#[cfg(test)]
mod tests {
    use super::core;
    use triggers_signing::BodyHash;
    use zeroize::Zeroizing;

    fn code<T>(result: Result<T, triggers_signing::Error>) -> Option<&'static str> {
        result.err().map(|e| e.code())
    }

    fn secrets(list: &[&str]) -> Vec<Zeroizing<String>> {
        list.iter()
            .map(|s| Zeroizing::new((*s).to_owned()))
            .collect()
    }

    const TARGET: &str = "/v1/events/a%2fb?source=shop&b=2&a=1&flag";
    const SIG: &str = "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f";

    #[test]
    fn worked_example_of_the_spec() {
        let hash = BodyHash::of(br#"{"x":1}"#);
        let sig = core::sign_request("demo-secret", "post", TARGET, 1_700_000_000, &hash);
        assert_eq!(sig.as_deref(), Ok(SIG));
        // A digest computed elsewhere (node:crypto in the SDK) signs alike.
        let given = BodyHash::from_bytes(*hash.as_bytes());
        let sig = core::sign_request("demo-secret", "post", TARGET, 1_700_000_000, &given);
        assert_eq!(sig.as_deref(), Ok(SIG));
        let canonical = core::canonical("post", TARGET, 1_700_000_000, &hash);
        assert_eq!(
            canonical.as_deref(),
            Ok(
                "POST\n/v1/events/a%2Fb\na=1&b=2&flag=&source=shop\n1700000000\n\
                5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
            )
        );
    }

    #[test]
    fn verify_reports_the_matching_secret_and_codes() {
        let body = br#"{"x":1}"#;
        let verify = |list: &[&str], sig: &str, version: &str, now: u64| {
            core::verify_request(
                &secrets(list),
                "POST",
                TARGET,
                &BodyHash::of(body),
                Some("1700000000"),
                Some(sig),
                Some(version),
                now,
                300,
            )
        };
        assert_eq!(
            verify(&["new", "demo-secret"], SIG, "v1", 1_700_000_300),
            Ok(1)
        );
        assert_eq!(
            code(verify(&["new"], SIG, "v1", 1_700_000_000)),
            Some("signature_mismatch")
        );
        assert_eq!(
            code(verify(&[], SIG, "v1", 1_700_000_000)),
            Some("signature_mismatch")
        );
        assert_eq!(
            code(verify(&[""], SIG, "v1", 1_700_000_000)),
            Some("invalid_secret")
        );
        assert_eq!(
            code(verify(&["x"], SIG, "v2", 1_700_000_000)),
            Some("unsupported_version")
        );
        assert_eq!(
            code(verify(&["x"], SIG, "v1", 1_700_000_301)),
            Some("stale_timestamp")
        );
        assert_eq!(
            code(verify(&["x"], "abc", "v1", 1_700_000_000)),
            Some("malformed_header")
        );
    }

    #[test]
    fn webhooks_sign_and_verify_with_rotation() {
        let body = br#"{"test": 2432232314}"#;
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let spec = secrets(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
        let sig = core::sign_webhook(&spec, id, 1_614_265_330, body);
        assert_eq!(
            sig.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );

        let both = secrets(&[
            "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ]);
        let rotated = core::sign_webhook(&both, id, 1_614_265_330, body).unwrap_or_default();
        assert_eq!(rotated.split(' ').count(), 2);
        let verify = |list: &[Zeroizing<String>], sig: &str| {
            core::verify_webhook(
                list,
                Some(id),
                Some("1614265330"),
                Some(sig),
                body,
                1_614_265_330,
                300,
            )
        };
        assert_eq!(verify(&spec, &rotated), Ok(1_614_265_330));
        assert_eq!(
            code(verify(&secrets(&["not base64!"]), &rotated)),
            Some("invalid_secret")
        );
        assert_eq!(
            code(core::sign_webhook(&[], id, 1, body)),
            Some("invalid_secret")
        );
        assert_eq!(
            code(verify(&secrets(&["whsec_AAAA"]), &rotated)),
            Some("signature_mismatch")
        );
        assert_eq!(code(verify(&spec, "v2,abc")), Some("unsupported_version"));
    }
}
