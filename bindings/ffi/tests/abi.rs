//! The C ABI exercised through its `extern "C"` functions, exactly as a C
//! caller would: every case of `triggers-signing/vectors/v1.json`, NULL and
//! invalid inputs, the buffer-too-small protocol, the error strings.
#![allow(unsafe_code, clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::ffi::CStr;
use std::ptr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use triggers_ffi::*;

// ---------------------------------------------------------------- vectors

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
    #[allow(dead_code)]
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
    let text = std::fs::read_to_string(path).unwrap();
    let file: VectorFile = serde_json::from_str(&text).unwrap();
    assert_eq!(file.version, "v1");
    file
}

fn b64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).unwrap()
}

// --------------------------------------------------- thin, safe callers

fn code_of(err: i32) -> &'static str {
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(triggers_error_code(err)) }
        .to_str()
        .unwrap()
}

fn message_of(err: i32) -> &'static str {
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(triggers_error_message(err)) }
        .to_str()
        .unwrap()
}

/// `Some(slice)` is a present header, `None` an absent one (NULL).
fn hdr(h: Option<&[u8]>) -> (*const u8, usize) {
    h.map_or((ptr::null(), 0), |s| (s.as_ptr(), s.len()))
}

fn concat(secrets: &[&[u8]]) -> (Vec<u8>, Vec<usize>) {
    (secrets.concat(), secrets.iter().map(|s| s.len()).collect())
}

fn sign_request(
    method: &[u8],
    target: &[u8],
    body: &[u8],
    secret: &[u8],
    ts: u64,
) -> Result<(String, String), i32> {
    let mut ts_buf = [0u8; TRIGGERS_TIMESTAMP_MAX_LEN];
    let mut sig_buf = [0u8; TRIGGERS_SIGNATURE_LEN];
    let (mut ts_len, mut sig_len) = (ts_buf.len(), sig_buf.len());
    // SAFETY: every (ptr, len) pair comes from a live slice; the outputs are
    // local buffers with their true capacities.
    let rc = unsafe {
        triggers_sign_request(
            method.as_ptr(),
            method.len(),
            target.as_ptr(),
            target.len(),
            body.as_ptr(),
            body.len(),
            secret.as_ptr(),
            secret.len(),
            ts,
            ts_buf.as_mut_ptr(),
            &mut ts_len,
            sig_buf.as_mut_ptr(),
            &mut sig_len,
        )
    };
    if rc != TRIGGERS_OK {
        return Err(rc);
    }
    Ok((
        String::from_utf8(ts_buf[..ts_len].to_vec()).unwrap(),
        String::from_utf8(sig_buf[..sig_len].to_vec()).unwrap(),
    ))
}

#[allow(clippy::too_many_arguments)]
fn verify_request(
    method: &[u8],
    target: &[u8],
    body: &[u8],
    timestamp: Option<&[u8]>,
    signature: Option<&[u8]>,
    version: Option<&[u8]>,
    secrets: &[&[u8]],
    tolerance: u64,
    now: u64,
) -> Result<usize, i32> {
    let (data, lens) = concat(secrets);
    let (t, tl) = hdr(timestamp);
    let (s, sl) = hdr(signature);
    let (v, vl) = hdr(version);
    let mut index = usize::MAX;
    // SAFETY: every (ptr, len) pair comes from a live slice or is NULL.
    let rc = unsafe {
        triggers_verify_request(
            method.as_ptr(),
            method.len(),
            target.as_ptr(),
            target.len(),
            body.as_ptr(),
            body.len(),
            t,
            tl,
            s,
            sl,
            v,
            vl,
            data.as_ptr(),
            lens.as_ptr(),
            lens.len(),
            tolerance,
            now,
            &mut index,
        )
    };
    if rc == TRIGGERS_OK {
        Ok(index)
    } else {
        Err(rc)
    }
}

fn sign_webhook(id: &[u8], ts: u64, body: &[u8], secrets: &[&[u8]]) -> Result<String, i32> {
    let (data, lens) = concat(secrets);
    let mut out = vec![0u8; 1024];
    let mut out_len = out.len();
    // SAFETY: every (ptr, len) pair comes from a live slice; `out` holds
    // `out_len` bytes.
    let rc = unsafe {
        triggers_sign_webhook(
            id.as_ptr(),
            id.len(),
            ts,
            body.as_ptr(),
            body.len(),
            data.as_ptr(),
            lens.as_ptr(),
            lens.len(),
            out.as_mut_ptr(),
            &mut out_len,
        )
    };
    if rc != TRIGGERS_OK {
        return Err(rc);
    }
    out.truncate(out_len);
    Ok(String::from_utf8(out).unwrap())
}

fn verify_webhook(
    id: Option<&[u8]>,
    ts: Option<&[u8]>,
    sig: Option<&[u8]>,
    body: &[u8],
    secrets: &[&[u8]],
    tolerance: u64,
    now: u64,
) -> Result<(), i32> {
    let (data, lens) = concat(secrets);
    let (i, il) = hdr(id);
    let (t, tl) = hdr(ts);
    let (s, sl) = hdr(sig);
    // SAFETY: every (ptr, len) pair comes from a live slice or is NULL.
    let rc = unsafe {
        triggers_verify_webhook(
            i,
            il,
            t,
            tl,
            s,
            sl,
            body.as_ptr(),
            body.len(),
            data.as_ptr(),
            lens.as_ptr(),
            lens.len(),
            tolerance,
            now,
        )
    };
    if rc == TRIGGERS_OK { Ok(()) } else { Err(rc) }
}

// ------------------------------------------------------------ the vectors

#[test]
fn every_request_case_signs_and_verifies_through_the_abi() {
    let file = vectors();
    assert!(!file.request_cases.is_empty());
    for c in &file.request_cases {
        let body = b64(&c.body_base64);
        let (ts, sig) = sign_request(
            c.method.as_bytes(),
            c.target.as_bytes(),
            &body,
            c.secret.as_bytes(),
            c.timestamp,
        )
        .unwrap_or_else(|e| panic!("{}: sign failed with {}", c.name, code_of(e)));
        assert_eq!(sig, c.signature, "{}: signature", c.name);
        assert_eq!(ts, c.timestamp.to_string(), "{}: timestamp", c.name);

        let verify = |secrets: &[&[u8]]| {
            verify_request(
                c.method.as_bytes(),
                c.target.as_bytes(),
                &body,
                Some(ts.as_bytes()),
                Some(sig.as_bytes()),
                Some(b"v1"),
                secrets,
                TRIGGERS_DEFAULT_TOLERANCE_SECS,
                c.timestamp,
            )
        };
        assert_eq!(verify(&[c.secret.as_bytes()]), Ok(0), "{}: verify", c.name);
        // During a rotation the matching secret may come second.
        assert_eq!(
            verify(&[b"another-secret", c.secret.as_bytes()]),
            Ok(1),
            "{}: verify with a rotation",
            c.name
        );
        assert_eq!(
            verify(&[b"another-secret"]),
            Err(TRIGGERS_ERR_SIGNATURE_MISMATCH),
            "{}: wrong secret",
            c.name
        );
    }
}

#[test]
fn every_invalid_request_fails_with_its_code_through_the_abi() {
    let file = vectors();
    assert!(!file.request_invalid.is_empty());
    for c in &file.request_invalid {
        for name in c.headers.keys() {
            assert!(
                [
                    "X-Signature",
                    "X-Signature-Timestamp",
                    "X-Signature-Version"
                ]
                .contains(&name.as_str()),
                "{}: unexpected header {name}",
                c.name
            );
        }
        let get = |name: &str| c.headers.get(name).map(String::as_bytes);
        let body = b64(&c.body_base64);
        let rc = verify_request(
            c.method.as_bytes(),
            c.target.as_bytes(),
            &body,
            get("X-Signature-Timestamp"),
            get("X-Signature"),
            get("X-Signature-Version"),
            &[c.secret.as_bytes()],
            TRIGGERS_DEFAULT_TOLERANCE_SECS,
            c.now,
        );
        let err = rc.expect_err(&c.name);
        assert_eq!(code_of(err), c.error, "{}", c.name);
    }
}

#[test]
fn every_webhook_case_signs_and_verifies_through_the_abi() {
    let file = vectors();
    assert!(!file.webhook_cases.is_empty());
    let mut rotations = 0;
    for c in &file.webhook_cases {
        let body = b64(&c.body_base64);
        let secrets: Vec<&[u8]> = match &c.secrets {
            Some(list) => {
                rotations += 1;
                assert_eq!(list.first(), Some(&c.secret), "{}", c.name);
                list.iter().map(String::as_bytes).collect()
            }
            None => vec![c.secret.as_bytes()],
        };
        let sig = sign_webhook(c.id.as_bytes(), c.timestamp, &body, &secrets)
            .unwrap_or_else(|e| panic!("{}: sign failed with {}", c.name, code_of(e)));
        assert_eq!(sig, c.signature, "{}: signature", c.name);

        let ts = c.timestamp.to_string();
        for secret in &secrets {
            assert_eq!(
                verify_webhook(
                    Some(c.id.as_bytes()),
                    Some(ts.as_bytes()),
                    Some(sig.as_bytes()),
                    &body,
                    &[secret],
                    TRIGGERS_DEFAULT_TOLERANCE_SECS,
                    c.timestamp,
                ),
                Ok(()),
                "{}: verify",
                c.name
            );
        }
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert_eq!(
            verify_webhook(
                Some(c.id.as_bytes()),
                Some(ts.as_bytes()),
                Some(sig.as_bytes()),
                &tampered,
                &secrets,
                TRIGGERS_DEFAULT_TOLERANCE_SECS,
                c.timestamp,
            ),
            Err(TRIGGERS_ERR_SIGNATURE_MISMATCH),
            "{}: tampered body",
            c.name
        );
    }
    assert!(rotations > 0, "the vectors include a rotation case");
}

// ----------------------------------------------------- the worked example

const DEMO_TARGET: &[u8] = b"/v1/events/a%2fb?source=shop&b=2&a=1&flag";
const DEMO_SIG: &str = "3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f";

#[test]
fn worked_example_of_the_spec() {
    let (ts, sig) = sign_request(
        b"post",
        DEMO_TARGET,
        br#"{"x":1}"#,
        b"demo-secret",
        1_700_000_000,
    )
    .unwrap();
    assert_eq!(ts, "1700000000");
    assert_eq!(sig, DEMO_SIG);
}

// ------------------------------------------------------- NULL and friends

#[test]
fn null_inputs_with_a_length_are_refused() {
    let mut ts = [0u8; 32];
    let mut sig = [0u8; 64];
    let (mut tl, mut sl) = (ts.len(), sig.len());
    // SAFETY: the NULL method is refused before anything is read.
    let rc = unsafe {
        triggers_sign_request(
            ptr::null(),
            4,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"s".as_ptr(),
            1,
            1,
            ts.as_mut_ptr(),
            &mut tl,
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);
    assert_eq!(code_of(rc), "null_pointer");
    assert_eq!(sig, [0u8; 64], "nothing written");

    // A NULL output length.
    // SAFETY: the NULL length pointer is refused before anything is written.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"s".as_ptr(),
            1,
            1,
            ts.as_mut_ptr(),
            ptr::null_mut(),
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);

    // A NULL output buffer that claims a capacity.
    let mut sl = 64;
    let mut tl = 32;
    // SAFETY: the NULL output is refused before anything is written.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"s".as_ptr(),
            1,
            1,
            ts.as_mut_ptr(),
            &mut tl,
            ptr::null_mut(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);

    // A NULL secret list that claims one secret.
    let lens = [5usize];
    // SAFETY: the NULL secrets pointer is refused before anything is read.
    let rc = unsafe {
        triggers_verify_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null(),
            0,
            ptr::null(),
            lens.as_ptr(),
            1,
            300,
            1,
            ptr::null_mut(),
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);
    // A NULL length array that claims one secret.
    // SAFETY: the NULL lengths pointer is refused before anything is read.
    let rc = unsafe {
        triggers_sign_webhook(
            b"msg_1".as_ptr(),
            5,
            1,
            ptr::null(),
            0,
            b"whsec_AAAA".as_ptr(),
            ptr::null(),
            1,
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);
    // Everything NULL.
    // SAFETY: refused before anything is read.
    let rc = unsafe {
        triggers_sign_webhook(
            ptr::null(),
            1,
            1,
            ptr::null(),
            0,
            ptr::null(),
            ptr::null(),
            0,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_NULL_POINTER);
}

#[test]
fn null_with_length_zero_is_the_empty_input() {
    let with_slice = sign_request(b"GET", b"/", b"", b"k", 7).unwrap();
    let mut ts = [0u8; 19];
    let mut sig = [0u8; 64];
    let (mut tl, mut sl) = (ts.len(), sig.len());
    // SAFETY: NULL body with length 0 is the documented empty body.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"k".as_ptr(),
            1,
            7,
            ts.as_mut_ptr(),
            &mut tl,
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_OK);
    assert_eq!(std::str::from_utf8(&sig[..sl]).unwrap(), with_slice.1);
    assert_eq!(std::str::from_utf8(&ts[..tl]).unwrap(), "7");
}

#[test]
fn absent_and_empty_headers_differ() {
    let (ts, sig) = sign_request(b"GET", b"/", b"", b"k", 100).unwrap();
    let v = |t: Option<&[u8]>| {
        verify_request(
            b"GET",
            b"/",
            b"",
            t,
            Some(sig.as_bytes()),
            Some(b"v1"),
            &[b"k"],
            300,
            100,
        )
    };
    assert_eq!(v(Some(ts.as_bytes())), Ok(0));
    assert_eq!(v(None), Err(TRIGGERS_ERR_MISSING_HEADER));
    assert_eq!(v(Some(b"")), Err(TRIGGERS_ERR_MALFORMED_HEADER));
}

#[test]
fn out_secret_index_may_be_null() {
    let (ts, sig) = sign_request(b"GET", b"/", b"", b"k", 100).unwrap();
    let lens = [1usize];
    // SAFETY: all pointers come from live slices; the index output is NULL.
    let rc = unsafe {
        triggers_verify_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            ts.as_ptr(),
            ts.len(),
            sig.as_ptr(),
            sig.len(),
            b"v1".as_ptr(),
            2,
            b"k".as_ptr(),
            lens.as_ptr(),
            1,
            300,
            100,
            ptr::null_mut(),
        )
    };
    assert_eq!(rc, TRIGGERS_OK);
}

#[test]
fn invalid_utf8_text_is_refused() {
    let bad: &[u8] = &[b'G', 0xff, b'T'];
    assert_eq!(
        sign_request(bad, b"/", b"", b"k", 1),
        Err(TRIGGERS_ERR_INVALID_UTF8)
    );
    assert_eq!(
        sign_request(b"GET", &[b'/', 0xc3], b"", b"k", 1),
        Err(TRIGGERS_ERR_INVALID_UTF8)
    );
    assert_eq!(code_of(TRIGGERS_ERR_INVALID_UTF8), "invalid_utf8");
    // A request secret is bytes: not UTF-8 is fine.
    assert!(sign_request(b"GET", b"/", b"", &[0xff, 0xfe], 1).is_ok());
    // Body bytes need not be UTF-8 either.
    assert!(sign_request(b"GET", b"/", &[0xff, 0x00, 0x80], b"k", 1).is_ok());
    assert_eq!(
        verify_request(bad, b"/", b"", None, None, None, &[b"k"], 300, 1),
        Err(TRIGGERS_ERR_INVALID_UTF8)
    );
    assert_eq!(
        sign_webhook(&[b'm', 0xff], 1, b"", &[b"whsec_AAAA"]),
        Err(TRIGGERS_ERR_INVALID_UTF8)
    );
    assert_eq!(
        sign_webhook(b"msg_1", 1, b"", &[&[0xff, 0xfe]]),
        Err(TRIGGERS_ERR_INVALID_UTF8)
    );
}

#[test]
fn embedded_nul_is_signed_not_truncated() {
    // (ptr, len) inputs: a NUL inside the target is part of what is signed
    // (and percent-encoded), never the end of a C string.
    let a = sign_request(b"GET", b"/a\0b", b"", b"k", 1).unwrap();
    let b = sign_request(b"GET", b"/a", b"", b"k", 1).unwrap();
    assert_ne!(a.1, b.1);
}

#[test]
fn secrets_are_checked() {
    assert_eq!(
        sign_request(b"GET", b"/", b"", b"", 1),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    assert_eq!(
        verify_request(b"GET", b"/", b"", None, None, None, &[b"k", b""], 300, 1),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    assert_eq!(
        sign_webhook(b"msg_1", 1, b"", &[]),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    assert_eq!(
        sign_webhook(b"msg_1", 1, b"", &[b"whsec_not base64!"]),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    assert_eq!(
        sign_webhook(b"msg_1", 1, b"", &[b"whsec_"]),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    assert_eq!(
        verify_webhook(
            Some(b"m"),
            Some(b"1"),
            Some(b"v1,x"),
            b"",
            &[b"%%%"],
            300,
            1
        ),
        Err(TRIGGERS_ERR_INVALID_SECRET)
    );
    // With no candidate secret at all, a well-formed request is a mismatch.
    let (ts, sig) = sign_request(b"GET", b"/", b"", b"k", 100).unwrap();
    assert_eq!(
        verify_request(
            b"GET",
            b"/",
            b"",
            Some(ts.as_bytes()),
            Some(sig.as_bytes()),
            Some(b"v1"),
            &[],
            300,
            100
        ),
        Err(TRIGGERS_ERR_SIGNATURE_MISMATCH)
    );
}

#[test]
fn lengths_out_of_range_are_refused() {
    let data = b"ab";
    let lens = [usize::MAX, 3];
    let mut out = [0u8; 8];
    let mut out_len = out.len();
    // SAFETY: the lengths overflow and are refused before `data` is read.
    let rc = unsafe {
        triggers_sign_webhook(
            b"m".as_ptr(),
            1,
            1,
            ptr::null(),
            0,
            data.as_ptr(),
            lens.as_ptr(),
            2,
            out.as_mut_ptr(),
            &mut out_len,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_INVALID_ARGUMENT);
    // An input longer than PTRDIFF_MAX.
    let mut ts = [0u8; 19];
    let mut sig = [0u8; 64];
    let (mut tl, mut sl) = (ts.len(), sig.len());
    // SAFETY: the length is refused before anything is read.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            usize::MAX,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"k".as_ptr(),
            1,
            1,
            ts.as_mut_ptr(),
            &mut tl,
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_INVALID_ARGUMENT);
    // A misaligned `size_t *`.
    let raw = [0u8; 2 * size_of::<usize>()];
    let base = raw.as_ptr();
    let misaligned = if base.align_offset(align_of::<usize>()) == 0 {
        base.wrapping_add(1)
    } else {
        base
    };
    // SAFETY: the misaligned pointer is refused before it is read.
    let rc = unsafe {
        triggers_sign_webhook(
            b"m".as_ptr(),
            1,
            1,
            ptr::null(),
            0,
            data.as_ptr(),
            misaligned.cast::<usize>(),
            1,
            out.as_mut_ptr(),
            &mut out_len,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_INVALID_ARGUMENT);
}

#[test]
fn timestamp_over_19_digits_is_refused_when_signing() {
    assert_eq!(
        sign_request(b"GET", b"/", b"", b"k", 10_000_000_000_000_000_000),
        Err(TRIGGERS_ERR_MALFORMED_HEADER)
    );
    let (ts, _) = sign_request(b"GET", b"/", b"", b"k", 9_999_999_999_999_999_999).unwrap();
    assert_eq!(ts.len(), TRIGGERS_TIMESTAMP_MAX_LEN);
    assert_eq!(
        sign_webhook(b"m", u64::MAX, b"", &[b"whsec_AAAA"]),
        Err(TRIGGERS_ERR_MALFORMED_HEADER)
    );
}

#[test]
fn tolerance_is_the_callers() {
    let (ts, sig) = sign_request(b"GET", b"/", b"", b"k", 1_000).unwrap();
    let v = |tolerance, now| {
        verify_request(
            b"GET",
            b"/",
            b"",
            Some(ts.as_bytes()),
            Some(sig.as_bytes()),
            Some(b"v1"),
            &[b"k"],
            tolerance,
            now,
        )
    };
    assert_eq!(v(300, 1_300), Ok(0));
    assert_eq!(v(300, 1_301), Err(TRIGGERS_ERR_STALE_TIMESTAMP));
    assert_eq!(v(600, 1_301), Ok(0));
    assert_eq!(v(0, 999), Err(TRIGGERS_ERR_FUTURE_TIMESTAMP));

    let wsig = sign_webhook(b"msg_1", 1_000, b"{}", &[b"whsec_AAAA"]).unwrap();
    let w = |tolerance, now| {
        verify_webhook(
            Some(b"msg_1"),
            Some(b"1000"),
            Some(wsig.as_bytes()),
            b"{}",
            &[b"whsec_AAAA"],
            tolerance,
            now,
        )
    };
    assert_eq!(w(300, 1_300), Ok(()));
    assert_eq!(w(300, 1_301), Err(TRIGGERS_ERR_STALE_TIMESTAMP));
    assert_eq!(w(600, 1_301), Ok(()));
    assert_eq!(w(300, 600), Err(TRIGGERS_ERR_FUTURE_TIMESTAMP));
}

#[test]
fn webhook_header_checks() {
    let sig = sign_webhook(b"msg_1", 5, b"x", &[b"whsec_AAAA"]).unwrap();
    let s: &[&[u8]] = &[b"whsec_AAAA"];
    let v = |id, ts, sg: Option<&[u8]>| verify_webhook(id, ts, sg, b"x", s, 300, 5);
    assert_eq!(v(Some(b"msg_1"), Some(b"5"), Some(sig.as_bytes())), Ok(()));
    assert_eq!(
        v(None, Some(b"5"), Some(sig.as_bytes())),
        Err(TRIGGERS_ERR_MISSING_HEADER)
    );
    assert_eq!(
        v(Some(b"msg_1"), None, Some(sig.as_bytes())),
        Err(TRIGGERS_ERR_MISSING_HEADER)
    );
    assert_eq!(
        v(Some(b"msg_1"), Some(b"5"), None),
        Err(TRIGGERS_ERR_MISSING_HEADER)
    );
    assert_eq!(
        v(Some(b""), Some(b"5"), Some(sig.as_bytes())),
        Err(TRIGGERS_ERR_MALFORMED_HEADER)
    );
    assert_eq!(
        v(Some(b"msg_1"), Some(b"05"), Some(sig.as_bytes())),
        Err(TRIGGERS_ERR_MALFORMED_HEADER)
    );
    assert_eq!(
        v(Some(b"msg_1"), Some(b"5"), Some(b"v2,abc")),
        Err(TRIGGERS_ERR_UNSUPPORTED_VERSION)
    );
    assert_eq!(
        v(Some(b"msg_2"), Some(b"5"), Some(sig.as_bytes())),
        Err(TRIGGERS_ERR_SIGNATURE_MISMATCH)
    );
    // An unknown scheme's entry does not hide a valid v1 entry.
    let mixed = format!("v2,zzz {sig}");
    assert_eq!(
        v(Some(b"msg_1"), Some(b"5"), Some(mixed.as_bytes())),
        Ok(())
    );
    assert_eq!(
        sign_webhook(b"has space", 5, b"x", s),
        Err(TRIGGERS_ERR_MALFORMED_HEADER)
    );
}

// ------------------------------------------------------- buffer too small

#[test]
fn sign_request_reports_both_needed_lengths() {
    let mut ts = [0xAAu8; 4];
    let mut sig = [0xAAu8; 64];
    let (mut tl, mut sl) = (ts.len(), sig.len());
    // SAFETY: all inputs are live slices; the outputs state their capacities.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"k".as_ptr(),
            1,
            1_700_000_000,
            ts.as_mut_ptr(),
            &mut tl,
            sig.as_mut_ptr(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_BUFFER_TOO_SMALL);
    assert_eq!(code_of(rc), "buffer_too_small");
    assert_eq!((tl, sl), (10, 64));
    assert_eq!(ts, [0xAA; 4], "nothing written to a short buffer");
    assert_eq!(sig, [0xAA; 64], "nothing written on failure");

    // Size query: zero capacities and NULL buffers.
    let (mut tl, mut sl) = (0usize, 0usize);
    // SAFETY: capacities 0, so the NULL outputs are never written.
    let rc = unsafe {
        triggers_sign_request(
            b"GET".as_ptr(),
            3,
            b"/".as_ptr(),
            1,
            ptr::null(),
            0,
            b"k".as_ptr(),
            1,
            5,
            ptr::null_mut(),
            &mut tl,
            ptr::null_mut(),
            &mut sl,
        )
    };
    assert_eq!(rc, TRIGGERS_ERR_BUFFER_TOO_SMALL);
    assert_eq!((tl, sl), (1, TRIGGERS_SIGNATURE_LEN));
}

#[test]
fn sign_webhook_reports_the_needed_length() {
    let secrets: &[&[u8]] = &[b"whsec_AAAA", b"whsec_AQID"];
    let (data, lens) = concat(secrets);
    let call = |out: *mut u8, out_len: &mut usize| {
        // SAFETY: all inputs are live slices; `out` holds `*out_len` bytes
        // (or is NULL with capacity 0).
        unsafe {
            triggers_sign_webhook(
                b"msg_1".as_ptr(),
                5,
                1,
                b"{}".as_ptr(),
                2,
                data.as_ptr(),
                lens.as_ptr(),
                lens.len(),
                out,
                out_len,
            )
        }
    };
    let mut need = 0usize;
    assert_eq!(
        call(ptr::null_mut(), &mut need),
        TRIGGERS_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(need, 2 * (TRIGGERS_WEBHOOK_SIGNATURE_ENTRY_LEN + 1) - 1);

    let mut short = vec![0u8; need - 1];
    let mut short_len = short.len();
    assert_eq!(
        call(short.as_mut_ptr(), &mut short_len),
        TRIGGERS_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(short_len, need);
    assert!(short.iter().all(|b| *b == 0), "nothing written");

    let mut exact = vec![0u8; need];
    let mut exact_len = exact.len();
    assert_eq!(call(exact.as_mut_ptr(), &mut exact_len), TRIGGERS_OK);
    assert_eq!(exact_len, need);
    assert_eq!(
        std::str::from_utf8(&exact).unwrap(),
        sign_webhook(b"msg_1", 1, b"{}", secrets).unwrap()
    );
}

// ------------------------------------------------------------- metadata

#[test]
fn abi_version() {
    assert_eq!(triggers_ffi_abi_version(), TRIGGERS_FFI_ABI_VERSION);
    assert_eq!(TRIGGERS_FFI_ABI_VERSION, 1);
}

#[test]
fn error_strings() {
    let expected = [
        (TRIGGERS_OK, "ok"),
        (TRIGGERS_ERR_MISSING_HEADER, "missing_header"),
        (TRIGGERS_ERR_MALFORMED_HEADER, "malformed_header"),
        (TRIGGERS_ERR_UNSUPPORTED_VERSION, "unsupported_version"),
        (TRIGGERS_ERR_STALE_TIMESTAMP, "stale_timestamp"),
        (TRIGGERS_ERR_FUTURE_TIMESTAMP, "future_timestamp"),
        (TRIGGERS_ERR_BAD_ENCODING, "bad_encoding"),
        (TRIGGERS_ERR_INVALID_METHOD, "invalid_method"),
        (TRIGGERS_ERR_INVALID_SECRET, "invalid_secret"),
        (TRIGGERS_ERR_SIGNATURE_MISMATCH, "signature_mismatch"),
        (TRIGGERS_ERR_NULL_POINTER, "null_pointer"),
        (TRIGGERS_ERR_INVALID_UTF8, "invalid_utf8"),
        (TRIGGERS_ERR_BUFFER_TOO_SMALL, "buffer_too_small"),
        (TRIGGERS_ERR_INVALID_ARGUMENT, "invalid_argument"),
        (TRIGGERS_ERR_INTERNAL, "internal_error"),
    ];
    for (n, code) in expected {
        assert_eq!(code_of(n), code);
        assert!(!message_of(n).is_empty());
    }
    // The core's codes, in order, are 1..=9.
    for (i, code) in triggers_signing::Error::CODES.iter().enumerate() {
        assert_eq!(code_of(i32::try_from(i + 1).unwrap()), *code);
    }
    for n in [-1, 10, 99, 105, i32::MIN, i32::MAX] {
        assert_eq!(code_of(n), "unknown");
        assert_eq!(message_of(n), "unknown error number");
    }
    assert_eq!(
        message_of(TRIGGERS_ERR_SIGNATURE_MISMATCH),
        "signature does not match"
    );
}

#[test]
fn calls_from_many_threads_agree() {
    let expected = sign_request(
        b"post",
        DEMO_TARGET,
        br#"{"x":1}"#,
        b"demo-secret",
        1_700_000_000,
    )
    .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..200)
                    .map(|_| {
                        sign_request(
                            b"post",
                            DEMO_TARGET,
                            br#"{"x":1}"#,
                            b"demo-secret",
                            1_700_000_000,
                        )
                        .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for got in h.join().unwrap() {
            assert_eq!(got, expected);
        }
    }
    assert_eq!(expected.1, DEMO_SIG);
}
