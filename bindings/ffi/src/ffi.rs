//! The exported C functions: pointer checks and conversions, `catch_unwind`,
//! output buffers. The only module of this crate that uses `unsafe`.
#![allow(unsafe_code)]

use core::ffi::c_char;
use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;

use triggers_signing::SignatureHeaders;
use triggers_signing::webhook::WebhookHeaders;

use crate::TRIGGERS_FFI_ABI_VERSION;
use crate::codes::{
    TRIGGERS_ERR_BUFFER_TOO_SMALL, TRIGGERS_ERR_INTERNAL, TRIGGERS_ERR_INVALID_ARGUMENT,
    TRIGGERS_ERR_NULL_POINTER, TRIGGERS_OK, describe,
};
use crate::imp::{self, Res, SecretList};

/// Runs `f`, turning a panic into [`TRIGGERS_ERR_INTERNAL`] so that no
/// unwinding ever crosses the C boundary.
fn guard(f: impl FnOnce() -> Res<()>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => TRIGGERS_OK,
        Ok(Err(code)) => code,
        Err(payload) => {
            // Dropping the payload runs arbitrary `Drop` code: guard it too.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            TRIGGERS_ERR_INTERNAL
        }
    }
}

/// An input `(ptr, len)`: empty when `len` is 0 (`ptr` may then be NULL).
///
/// # Safety
///
/// When `len > 0` and `ptr` is not NULL, `ptr` must point to `len` readable
/// bytes that stay unchanged for `'a`.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> Res<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(TRIGGERS_ERR_NULL_POINTER);
    }
    if isize::try_from(len).is_err() {
        return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: `ptr` is non-null, `u8` has alignment 1, `len <= isize::MAX`,
    // and the caller guarantees `len` readable, unchanging bytes for `'a`.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A received header: NULL is absent, anything else is present (possibly
/// empty).
///
/// # Safety
///
/// When `ptr` is not NULL, it must point to `len` readable bytes that stay
/// unchanged for `'a` (any non-NULL pointer when `len` is 0).
unsafe fn header<'a>(ptr: *const u8, len: usize) -> Res<Option<&'a [u8]>> {
    if ptr.is_null() {
        return Ok(None);
    }
    if isize::try_from(len).is_err() {
        return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: `ptr` is non-null, `u8` has alignment 1, `len <= isize::MAX`,
    // and the caller guarantees `len` readable, unchanging bytes for `'a`
    // (for `len == 0`, any non-null aligned pointer is a valid empty slice).
    Ok(Some(unsafe { core::slice::from_raw_parts(ptr, len) }))
}

/// A secret list: `count` lengths at `lens`, the secrets back to back at
/// `data`.
///
/// # Safety
///
/// When `count > 0`, `lens` must point to `count` readable `size_t`s and
/// `data` to as many readable bytes as they add up to, unchanged for `'a`.
unsafe fn secret_list<'a>(
    data: *const u8,
    lens: *const usize,
    count: usize,
) -> Res<SecretList<'a>> {
    let lens: &[usize] = if count == 0 {
        &[]
    } else {
        if lens.is_null() {
            return Err(TRIGGERS_ERR_NULL_POINTER);
        }
        if !lens.is_aligned()
            || count
                .checked_mul(size_of::<usize>())
                .is_none_or(|bytes| isize::try_from(bytes).is_err())
        {
            return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: `lens` is non-null and aligned, the array's byte size fits
        // in `isize`, and the caller guarantees `count` readable, unchanging
        // `size_t`s (`size_t` is `usize`).
        unsafe { core::slice::from_raw_parts(lens, count) }
    };
    let total = SecretList::total_len(lens)?;
    // SAFETY: the caller guarantees `total` readable bytes at `data`.
    let data = unsafe { input(data, total) }?;
    SecretList::new(data, lens)
}

/// Reads the capacity of an output buffer.
///
/// # Safety
///
/// When `out_len` is not NULL, it must point to a readable and writable
/// `size_t`.
unsafe fn capacity(out_len: *mut usize) -> Res<usize> {
    if out_len.is_null() {
        return Err(TRIGGERS_ERR_NULL_POINTER);
    }
    if !out_len.is_aligned() {
        return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-null, aligned, and the caller guarantees it is readable.
    Ok(unsafe { out_len.read() })
}

/// Stores a length into a `size_t` already checked by [`capacity`].
///
/// # Safety
///
/// `out_len` must have passed [`capacity`] and be writable.
unsafe fn set_len(out_len: *mut usize, len: usize) {
    // SAFETY: non-null and aligned (checked by `capacity`), writable by the
    // caller's contract.
    unsafe { out_len.write(len) }
}

/// Copies `value` to `out` (capacity already known to suffice).
///
/// # Safety
///
/// When `out` is not NULL it must point to at least `value.len()` writable
/// bytes that do not overlap `value`.
unsafe fn copy_out(value: &[u8], out: *mut u8) -> Res<()> {
    if value.is_empty() {
        return Ok(());
    }
    if out.is_null() {
        return Err(TRIGGERS_ERR_NULL_POINTER);
    }
    // SAFETY: `out` is non-null and, by the caller's contract (its stated
    // capacity is at least `value.len()`), valid for `value.len()` writes and
    // not overlapping `value`; `u8` has alignment 1.
    unsafe { core::ptr::copy_nonoverlapping(value.as_ptr(), out, value.len()) };
    Ok(())
}

/// Writes one output value with the buffer-too-small protocol.
///
/// # Safety
///
/// As [`capacity`] for `out_len` and [`copy_out`] for `out` with the capacity
/// read from `*out_len`.
unsafe fn write_output(value: &[u8], out: *mut u8, out_len: *mut usize) -> Res<()> {
    // SAFETY: forwarded from this function's contract.
    let cap = unsafe { capacity(out_len) }?;
    if cap < value.len() {
        // SAFETY: checked by `capacity` just above.
        unsafe { set_len(out_len, value.len()) };
        return Err(TRIGGERS_ERR_BUFFER_TOO_SMALL);
    }
    // SAFETY: `out` holds `cap >= value.len()` writable bytes (caller).
    unsafe { copy_out(value, out) }?;
    // SAFETY: checked by `capacity` above.
    unsafe { set_len(out_len, value.len()) };
    Ok(())
}

/// The version of this C ABI, [`TRIGGERS_FFI_ABI_VERSION`] of the library
/// actually linked. Compare it with the header's `TRIGGERS_FFI_ABI_VERSION`.
#[unsafe(no_mangle)]
pub extern "C" fn triggers_ffi_abi_version() -> u32 {
    // Cannot panic; guarded like every entry point all the same (0 is no
    // version).
    catch_unwind(|| TRIGGERS_FFI_ABI_VERSION).unwrap_or(0)
}

/// The stable machine code of an error number (`"signature_mismatch"` for
/// `TRIGGERS_ERR_SIGNATURE_MISMATCH`, `"ok"` for `TRIGGERS_OK`, `"unknown"` for
/// a number this library does not define). A static NUL-terminated string:
/// never free it.
#[unsafe(no_mangle)]
pub extern "C" fn triggers_error_code(err: i32) -> *const c_char {
    catch_unwind(|| describe(err).map_or(c"unknown", |(code, _)| code))
        .unwrap_or(c"internal_error")
        .as_ptr()
}

/// A short English description of an error number (static, NUL-terminated,
/// never free it; it never contains secrets or input values).
#[unsafe(no_mangle)]
pub extern "C" fn triggers_error_message(err: i32) -> *const c_char {
    catch_unwind(|| describe(err).map_or(c"unknown error number", |(_, message)| message))
        .unwrap_or(c"internal error")
        .as_ptr()
}

/// Signs a request (spec v1): writes the `X-Signature-Timestamp` value (the
/// decimal `timestamp`, at most `TRIGGERS_TIMESTAMP_MAX_LEN` bytes) to
/// `out_timestamp` and the `X-Signature` value (`TRIGGERS_SIGNATURE_LEN`
/// lower-case hex digits) to `out_signature`. The `X-Signature-Version` value
/// is always `"v1"`.
///
/// - `method`: the HTTP method as sent (UTF-8; `post` is signed as `POST`).
/// - `target`: path and query exactly as on the request line (UTF-8).
/// - `body`: the raw body bytes; `secret`: the secret's bytes (non-empty).
/// - `timestamp`: Unix seconds.
///
/// Returns `TRIGGERS_OK`, `TRIGGERS_ERR_INVALID_METHOD`,
/// `TRIGGERS_ERR_BAD_ENCODING`, `TRIGGERS_ERR_INVALID_SECRET`,
/// `TRIGGERS_ERR_MALFORMED_HEADER` (timestamp over 19 digits) or an argument
/// error. If either output is too small, both lengths are set to what is
/// needed and `TRIGGERS_ERR_BUFFER_TOO_SMALL` is returned.
///
/// # Safety
///
/// Every `(ptr, len)` input must be readable for `len` bytes (or `len` 0);
/// `out_timestamp_len` and `out_signature_len` must point to readable,
/// writable `size_t`s holding the capacities of `out_timestamp` and
/// `out_signature`, which must be writable for that many bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn triggers_sign_request(
    method: *const u8,
    method_len: usize,
    target: *const u8,
    target_len: usize,
    body: *const u8,
    body_len: usize,
    secret: *const u8,
    secret_len: usize,
    timestamp: u64,
    out_timestamp: *mut u8,
    out_timestamp_len: *mut usize,
    out_signature: *mut u8,
    out_signature_len: *mut usize,
) -> i32 {
    guard(|| {
        // SAFETY: the pointers and lengths come straight from the caller, who
        // guarantees this function's contract, which is the contract of each
        // helper (the same holds for every block below).
        let ts_cap = unsafe { capacity(out_timestamp_len) }?;
        // SAFETY: as above.
        let sig_cap = unsafe { capacity(out_signature_len) }?;
        // SAFETY: as above.
        let method = unsafe { input(method, method_len) }?;
        // SAFETY: as above.
        let target = unsafe { input(target, target_len) }?;
        // SAFETY: as above.
        let body = unsafe { input(body, body_len) }?;
        // SAFETY: as above.
        let secret = unsafe { input(secret, secret_len) }?;
        let signed = imp::sign_request(method, target, body, secret, timestamp)?;
        let (ts, sig) = (signed.timestamp.as_bytes(), signed.signature.as_bytes());
        if ts_cap < ts.len() || sig_cap < sig.len() {
            // SAFETY: both checked by `capacity` above.
            unsafe {
                set_len(out_timestamp_len, ts.len());
                set_len(out_signature_len, sig.len());
            }
            return Err(TRIGGERS_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: as above; capacities suffice.
        unsafe { write_output(ts, out_timestamp, out_timestamp_len) }?;
        // SAFETY: as above; capacities suffice.
        unsafe { write_output(sig, out_signature, out_signature_len) }
    })
}

/// Verifies a signed request (spec v1, section 5).
///
/// - `method`, `target`, `body`: the request as received (method and target
///   UTF-8).
/// - `header_timestamp`, `header_signature`, `header_version`: the values of
///   `X-Signature-Timestamp`, `X-Signature` and `X-Signature-Version`; NULL
///   means the header is absent.
/// - `secrets`, `secret_lens`, `secrets_count`: the candidate secrets (during
///   a rotation: new and old) back to back, and their lengths. Each must be
///   non-empty (`TRIGGERS_ERR_INVALID_SECRET`); with none, every request is a
///   mismatch.
/// - `tolerance_secs`: accepted clock skew either way
///   (`TRIGGERS_DEFAULT_TOLERANCE_SECS` is the spec's default);
///   `now`: the verifier's clock, Unix seconds.
/// - `out_secret_index`: may be NULL; on success receives the index of the
///   secret that matched (0 = the first).
///
/// Returns `TRIGGERS_OK` or the first failing check's code, in the spec's
/// order (`missing_header`, `unsupported_version`, `malformed_header`,
/// `stale_timestamp`/`future_timestamp`, `invalid_method`/`bad_encoding`,
/// `signature_mismatch`), after argument errors.
///
/// # Safety
///
/// Every input pointer must be NULL or readable for its length (for
/// `secret_lens`: `secrets_count` `size_t`s; for `secrets`: their sum);
/// `out_secret_index` must be NULL or point to a writable `size_t`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn triggers_verify_request(
    method: *const u8,
    method_len: usize,
    target: *const u8,
    target_len: usize,
    body: *const u8,
    body_len: usize,
    header_timestamp: *const u8,
    header_timestamp_len: usize,
    header_signature: *const u8,
    header_signature_len: usize,
    header_version: *const u8,
    header_version_len: usize,
    secrets: *const u8,
    secret_lens: *const usize,
    secrets_count: usize,
    tolerance_secs: u64,
    now: u64,
    out_secret_index: *mut usize,
) -> i32 {
    guard(|| {
        if !out_secret_index.is_null() && !out_secret_index.is_aligned() {
            return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: the pointers and lengths come straight from the caller, who
        // guarantees this function's contract, which is the contract of each
        // helper (the same holds for every block below).
        let method = unsafe { input(method, method_len) }?;
        // SAFETY: as above.
        let target = unsafe { input(target, target_len) }?;
        // SAFETY: as above.
        let body = unsafe { input(body, body_len) }?;
        let headers = SignatureHeaders {
            // SAFETY: as above.
            timestamp: unsafe { header(header_timestamp, header_timestamp_len) }?,
            // SAFETY: as above.
            signature: unsafe { header(header_signature, header_signature_len) }?,
            // SAFETY: as above.
            version: unsafe { header(header_version, header_version_len) }?,
        };
        // SAFETY: as above.
        let secrets = unsafe { secret_list(secrets, secret_lens, secrets_count) }?;
        let index =
            imp::verify_request(method, target, body, headers, secrets, tolerance_secs, now)?;
        if !out_secret_index.is_null() {
            // SAFETY: non-null, aligned (checked first), writable by contract.
            unsafe { out_secret_index.write(index) };
        }
        Ok(())
    })
}

/// Signs a webhook delivery (Standard Webhooks v1): writes the
/// `webhook-signature` value, one `v1,<base64>` entry per secret in the given
/// order, joined by single spaces (`secrets_count * 48 - 1` bytes), to `out`.
///
/// - `msg_id`: the `webhook-id` (non-empty visible ASCII, else
///   `TRIGGERS_ERR_MALFORMED_HEADER`); `timestamp`: Unix seconds (the
///   `webhook-timestamp` value is its decimal form); `body`: raw bytes.
/// - `secrets`, `secret_lens`, `secrets_count`: one or more `whsec_<base64>`
///   secrets (the prefix is optional) back to back, and their lengths. None,
///   an empty one or bad base64: `TRIGGERS_ERR_INVALID_SECRET`.
///
/// # Safety
///
/// Every input pointer must be readable for its length (for `secret_lens`:
/// `secrets_count` `size_t`s; for `secrets`: their sum); `out_len` must point
/// to a readable, writable `size_t` holding the capacity of `out`, which must
/// be writable for that many bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn triggers_sign_webhook(
    msg_id: *const u8,
    msg_id_len: usize,
    timestamp: u64,
    body: *const u8,
    body_len: usize,
    secrets: *const u8,
    secret_lens: *const usize,
    secrets_count: usize,
    out: *mut u8,
    out_len: *mut usize,
) -> i32 {
    guard(|| {
        // SAFETY: the pointers and lengths come straight from the caller, who
        // guarantees this function's contract, which is the contract of each
        // helper (the same holds for every block below).
        unsafe { capacity(out_len) }?;
        // SAFETY: as above.
        let id = unsafe { input(msg_id, msg_id_len) }?;
        // SAFETY: as above.
        let body = unsafe { input(body, body_len) }?;
        // SAFETY: as above.
        let secrets = unsafe { secret_list(secrets, secret_lens, secrets_count) }?;
        let value = imp::sign_webhook(id, timestamp, body, secrets)?;
        // SAFETY: as above.
        unsafe { write_output(value.as_bytes(), out, out_len) }
    })
}

/// Verifies a webhook delivery (Standard Webhooks v1): `header_id`,
/// `header_timestamp` and `header_signature` are the values of `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` (NULL = absent); `body` the raw
/// body; `secrets`/`secret_lens`/`secrets_count` the candidate `whsec_`
/// secrets (any `v1` entry matching any secret passes); `tolerance_secs` the
/// accepted skew (`TRIGGERS_DEFAULT_TOLERANCE_SECS`), `now` Unix seconds.
///
/// Returns `TRIGGERS_OK`, `missing_header`, `malformed_header`,
/// `stale_timestamp`/`future_timestamp`, `unsupported_version` (no `v1`
/// entry), `signature_mismatch`, `invalid_secret` (an empty or non-base64
/// secret) or an argument error.
///
/// # Safety
///
/// Every input pointer must be NULL or readable for its length (for
/// `secret_lens`: `secrets_count` `size_t`s; for `secrets`: their sum).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn triggers_verify_webhook(
    header_id: *const u8,
    header_id_len: usize,
    header_timestamp: *const u8,
    header_timestamp_len: usize,
    header_signature: *const u8,
    header_signature_len: usize,
    body: *const u8,
    body_len: usize,
    secrets: *const u8,
    secret_lens: *const usize,
    secrets_count: usize,
    tolerance_secs: u64,
    now: u64,
) -> i32 {
    guard(|| {
        let headers = WebhookHeaders {
            // SAFETY: the pointers and lengths come straight from the caller,
            // who guarantees this function's contract, which is the contract
            // of each helper (the same holds for every block below).
            id: unsafe { header(header_id, header_id_len) }?,
            // SAFETY: as above.
            timestamp: unsafe { header(header_timestamp, header_timestamp_len) }?,
            // SAFETY: as above.
            signature: unsafe { header(header_signature, header_signature_len) }?,
        };
        // SAFETY: as above.
        let body = unsafe { input(body, body_len) }?;
        // SAFETY: as above.
        let secrets = unsafe { secret_list(secrets, secret_lens, secrets_count) }?;
        imp::verify_webhook(headers, body, secrets, tolerance_secs, now).map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_error() {
        let code = guard(|| panic!("deliberate test panic"));
        assert_eq!(code, TRIGGERS_ERR_INTERNAL);
        assert_eq!(guard(|| Ok(())), TRIGGERS_OK);
        assert_eq!(
            guard(|| Err(TRIGGERS_ERR_NULL_POINTER)),
            TRIGGERS_ERR_NULL_POINTER
        );
    }

    #[test]
    fn empty_inputs_may_be_null() {
        // SAFETY: NULL with length 0 is the documented empty input.
        let empty = unsafe { input(core::ptr::null(), 0) };
        assert_eq!(empty, Ok(&[][..]));
        // SAFETY: the NULL is rejected before any read.
        let bad = unsafe { input(core::ptr::null(), 3) };
        assert_eq!(bad, Err(TRIGGERS_ERR_NULL_POINTER));
    }
}
