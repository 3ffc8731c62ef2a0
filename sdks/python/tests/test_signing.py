"""The Pythonic signing API: inputs it accepts, errors it raises, what it
never shows. Independent checks use tests/python/triggers_ref.py (a
standard-library implementation of the spec) and hmac/hashlib."""
from __future__ import annotations

import base64
import email.message
import hashlib
import hmac
import os
import sys
import time

import pytest

import triggers_api
from triggers_api import SIGNATURE_ERROR_CODES, SignatureError

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "tests", "python"))
import triggers_ref as ref  # noqa: E402

SECRET = "trgs_test-secret"
TS = 1_700_000_000
SW = {
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": 1614265330,
    "body": b'{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(SignatureError) as err:
        fn(*args, **kwargs)
    return err.value.code


# ------------------------------------------------------------------ sign


def test_sign_matches_an_independent_implementation():
    target = "/v1/events/caf%c3%a9?b=2&a=x+y&flag"
    body = '{"é":1}'
    signed = triggers_api.sign_request(SECRET, "post", target, body, TS)
    assert signed.signature == ref.sign(SECRET, "post", target, TS, body.encode())
    canonical = triggers_api.canonical_string("post", target, TS, body)
    assert canonical == ref.canonical_string("post", target, TS, body.encode())
    mac = hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    assert signed.signature == mac


def test_str_bytes_bytearray_and_memoryview_are_the_same_input():
    a = triggers_api.sign_request(SECRET, "GET", "/", "{}", TS)
    for secret in (SECRET.encode(), bytearray(SECRET.encode()), memoryview(SECRET.encode())):
        for body in (b"{}", bytearray(b"{}"), memoryview(b"{}")):
            assert triggers_api.sign_request(secret, "GET", "/", body, TS) == a
    assert triggers_api.sign_request(SECRET, b"GET", b"/", b"{}", TS) == a


def test_defaults_empty_body_and_now():
    before = int(time.time())
    signed = triggers_api.sign_request(SECRET, "GET", "/v1/inbox")
    after = int(time.time())
    assert before <= int(signed.timestamp) <= after
    assert signed.signature == ref.sign(SECRET, "GET", "/v1/inbox", int(signed.timestamp), b"")
    assert triggers_api.sign_request(SECRET, "GET", "/", None, TS) == triggers_api.sign_request(
        SECRET, "GET", "/", b"", TS
    )


def test_headers_and_repr():
    signed = triggers_api.sign_request(SECRET, "GET", "/", b"", TS)
    assert signed.headers == {
        "X-Signature-Timestamp": "1700000000",
        "X-Signature": signed.signature,
        "X-Signature-Version": "v1",
    }
    assert len(signed.signature) == 64 and signed.signature == signed.signature.lower()
    # The full signature is not shown by repr (docs/SIGNING.md: never log it).
    assert signed.signature not in repr(signed)
    assert signed.signature[:8] in repr(signed)


@pytest.mark.parametrize(
    "args, code",
    [
        (("", "GET", "/"), "invalid_secret"),
        ((b"", "GET", "/"), "invalid_secret"),
        ((SECRET, "", "/"), "invalid_method"),
        ((SECRET, "GE T", "/"), "invalid_method"),
        ((SECRET, "GET\r\n", "/"), "invalid_method"),
        ((SECRET, "G\udc80T", "/"), "invalid_method"),
        ((SECRET, b"\xff", "/"), "invalid_method"),
        ((SECRET, "GET", "/%G1"), "bad_encoding"),
        ((SECRET, "GET", "/ok?a=%4"), "bad_encoding"),
        ((SECRET, "GET", "/\udc80"), "bad_encoding"),
    ],
)
def test_sign_errors_are_typed(args, code):
    assert code_of(triggers_api.sign_request, *args, b"", TS) == code


def test_timestamp_range():
    max19 = 9_999_999_999_999_999_999
    assert triggers_api.sign_request(SECRET, "GET", "/", b"", max19).timestamp == str(max19)
    assert triggers_api.sign_request(SECRET, "GET", "/", b"", 0).timestamp == "0"
    for bad in (max19 + 1, 2**64 - 1, 2**64, 2**200, -1):
        assert code_of(triggers_api.sign_request, SECRET, "GET", "/", b"", bad) == "malformed_header"
    for wrong in (1.5, "1700000000", True):
        with pytest.raises(TypeError):
            triggers_api.sign_request(SECRET, "GET", "/", b"", wrong)
    with pytest.raises(TypeError):
        triggers_api.sign_request(SECRET, "GET", "/", 123, TS)  # body must be bytes or str
    with pytest.raises(TypeError):
        triggers_api.sign_request(SECRET, 5, "/", b"", TS)


# ------------------------------------------------------------------ verify


def test_verify_rotation_reports_the_matching_secret():
    signed = triggers_api.sign_request("old", "POST", "/v1/events", b"{}", TS)
    v = triggers_api.verify_request(["new", b"old"], "POST", "/v1/events", b"{}", signed.headers, now=TS)
    assert v.secret_index == 1 and v.timestamp == TS
    assert code_of(
        triggers_api.verify_request, ["new"], "POST", "/v1/events", b"{}", signed.headers, now=TS
    ) == "signature_mismatch"


def test_verify_headers_case_insensitive_and_message_objects():
    signed = triggers_api.sign_request(SECRET, "GET", "/a?b=1", b"", TS)
    lower = {k.lower(): v for k, v in signed.headers.items()}
    assert triggers_api.verify_request(SECRET, "GET", "/a?b=1", b"", lower, now=TS).timestamp == TS
    upper = {k.upper(): [v] for k, v in signed.headers.items()}  # list values: the first counts
    assert triggers_api.verify_request(SECRET, "GET", "/a?b=1", b"", upper, now=TS)
    raw = [(k.lower().encode(), v.encode()) for k, v in signed.headers.items()]  # ASGI style
    assert triggers_api.verify_request(SECRET, "GET", "/a?b=1", b"", raw, now=TS)
    msg = email.message.Message()
    for k, v in signed.headers.items():
        msg[k] = v
    assert triggers_api.verify_request(SECRET, "GET", "/a?b=1", b"", msg, now=TS)
    # Re-encoded target and reordered query still verify (the spec's normalisation).
    assert triggers_api.verify_request(SECRET, "get", "/%61?b=1&", b"", msg, now=TS)


def test_verify_errors_in_the_spec_order():
    signed = triggers_api.sign_request(SECRET, "POST", "/v1/events", b"{}", TS)
    h = signed.headers

    def verify(headers, body=b"{}", now=TS, **kw):
        return triggers_api.verify_request(SECRET, "POST", "/v1/events", body, headers, now=now, **kw)

    assert verify(h).timestamp == TS
    assert code_of(verify, {}) == "missing_header"
    assert code_of(verify, {**h, "X-Signature-Version": "v2"}) == "unsupported_version"
    assert code_of(verify, {**h, "X-Signature-Timestamp": "01"}) == "malformed_header"
    assert code_of(verify, {**h, "X-Signature": "xyz"}) == "malformed_header"
    assert code_of(verify, {**h, "X-Signature-Timestamp": "17\udc80"}) == "malformed_header"
    assert code_of(verify, h, now=TS + 301) == "stale_timestamp"
    assert code_of(verify, h, now=TS - 301) == "future_timestamp"
    assert verify(h, now=TS + 301, tolerance=301).timestamp == TS
    assert code_of(verify, h, body=b"{ }") == "signature_mismatch"
    assert code_of(
        triggers_api.verify_request, SECRET, "P OST", "/v1/events", b"{}", h, now=TS
    ) == "invalid_method"
    assert code_of(
        triggers_api.verify_request, SECRET, "POST", "/v1/%zz", b"{}", h, now=TS
    ) == "bad_encoding"
    assert code_of(triggers_api.verify_request, [], "POST", "/", b"", h, now=TS) == "invalid_secret"
    assert code_of(triggers_api.verify_request, ["a", ""], "POST", "/", b"", h, now=TS) == "invalid_secret"
    with pytest.raises(ValueError):
        verify(h, tolerance=-1)
    with pytest.raises(ValueError):
        verify(h, now=-5)


def test_every_error_code_is_reachable_and_known():
    assert SIGNATURE_ERROR_CODES == (
        "missing_header", "malformed_header", "unsupported_version", "stale_timestamp",
        "future_timestamp", "bad_encoding", "invalid_method", "invalid_secret",
        "signature_mismatch",
    )
    signed = triggers_api.sign_request(SECRET, "GET", "/", b"", TS)
    seen = {
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"", {}, now=TS),
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"", {**signed.headers, "X-Signature": "0"}, now=TS),
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"", {**signed.headers, "X-Signature-Version": "v9"}, now=TS),
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"", signed.headers, now=TS + 999),
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"", signed.headers, now=TS - 999),
        code_of(triggers_api.sign_request, SECRET, "GET", "/%", b"", TS),
        code_of(triggers_api.sign_request, SECRET, "", "/", b"", TS),
        code_of(triggers_api.sign_request, "", "GET", "/", b"", TS),
        code_of(triggers_api.verify_request, SECRET, "GET", "/", b"x", signed.headers, now=TS),
    }
    assert seen == set(SIGNATURE_ERROR_CODES)


def test_errors_never_show_secrets_or_signatures():
    signed = triggers_api.sign_request(SECRET, "GET", "/", b"", TS)
    with pytest.raises(SignatureError) as err:
        triggers_api.verify_request("other-secret", "GET", "/", b"", signed.headers, now=TS)
    text = f"{err.value} {err.value!r} {err.value.args}"
    assert "other-secret" not in text and signed.signature not in text
    bad_whsec = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0!"
    with pytest.raises(SignatureError) as err:
        triggers_api.sign_webhook(bad_whsec, "msg_1", b"{}", TS)
    assert err.value.code == "invalid_secret"
    assert "c2VjcmV0" not in f"{err.value} {err.value!r}"
    assert isinstance(err.value, triggers_api.TriggersError)


# ------------------------------------------------------------------ webhooks


def _ref_webhook_sig(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def test_standard_webhooks_vector_and_parsed_payload():
    signed = triggers_api.sign_webhook(SW["secret"], SW["id"], SW["body"], SW["timestamp"])
    assert signed.signature == SW["signature"]
    assert signed.headers == {
        "webhook-id": SW["id"],
        "webhook-timestamp": str(SW["timestamp"]),
        "webhook-signature": SW["signature"],
    }
    assert SW["signature"] not in repr(signed)
    payload = triggers_api.verify_webhook(SW["secret"], signed.headers, SW["body"], now=SW["timestamp"])
    assert payload == {"test": 2432232314}
    # Without the whsec_ prefix, as bytes, and with header names in any case.
    upper = {k.upper(): v for k, v in signed.headers.items()}
    bare = SW["secret"][len("whsec_"):].encode()
    assert triggers_api.verify_webhook([bare], upper, SW["body"], now=SW["timestamp"]) == payload


def test_webhook_rotation_and_an_independent_hmac():
    new = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    body = b'{"id":"1","data":{"x":1.50}}'
    signed = triggers_api.sign_webhook([new, SW["secret"]], "msg_2", body, TS)
    entries = signed.signature.split(" ")
    assert entries == [_ref_webhook_sig(new, "msg_2", TS, body), _ref_webhook_sig(SW["secret"], "msg_2", TS, body)]
    for secret in (new, SW["secret"]):
        assert triggers_api.verify_webhook(secret, signed.headers, body, now=TS) == {"id": "1", "data": {"x": 1.5}}
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert code_of(triggers_api.verify_webhook, other, signed.headers, body, now=TS) == "signature_mismatch"


def test_webhook_errors():
    h = triggers_api.sign_webhook(SW["secret"], SW["id"], SW["body"], SW["timestamp"]).headers
    ok = dict(secrets=SW["secret"], body=SW["body"], now=SW["timestamp"])

    def verify(headers, **kw):
        args = {**ok, **kw}
        return triggers_api.verify_webhook(args["secrets"], headers, args["body"], now=args["now"])

    assert code_of(verify, {k: v for k, v in h.items() if k != "webhook-id"}) == "missing_header"
    assert code_of(verify, {k: v for k, v in h.items() if k != "webhook-signature"}) == "missing_header"
    assert code_of(verify, {**h, "webhook-id": "a b"}) == "malformed_header"
    assert code_of(verify, {**h, "webhook-timestamp": "-1"}) == "malformed_header"
    assert code_of(verify, {**h, "webhook-signature": "v2,abc"}) == "unsupported_version"
    assert code_of(verify, h, now=SW["timestamp"] + 301) == "stale_timestamp"
    assert code_of(verify, h, now=SW["timestamp"] - 301) == "future_timestamp"
    assert code_of(verify, h, body=SW["body"] + b" ") == "signature_mismatch"
    assert code_of(verify, h, secrets=[]) == "invalid_secret"
    assert code_of(verify, h, secrets="whsec_not base64") == "invalid_secret"
    assert code_of(verify, h, secrets=b"\xff\xfe") == "invalid_secret"
    assert code_of(triggers_api.sign_webhook, SW["secret"], "", b"{}", TS) == "malformed_header"
    assert code_of(triggers_api.sign_webhook, SW["secret"], "msg\udc80", b"{}", TS) == "malformed_header"
    assert code_of(triggers_api.sign_webhook, SW["secret"], "m", b"{}", -1) == "malformed_header"
    assert code_of(triggers_api.sign_webhook, [], "m", b"{}", TS) == "invalid_secret"


def test_verify_webhook_refuses_a_signed_body_that_is_not_json():
    signed = triggers_api.sign_webhook(SW["secret"], "msg_3", b"not json", TS)
    v = triggers_api.verify_webhook_signature(SW["secret"], signed.headers, b"not json", now=TS)
    assert (v.id, v.timestamp) == ("msg_3", TS)
    with pytest.raises(ValueError) as err:
        triggers_api.verify_webhook(SW["secret"], signed.headers, b"not json", now=TS)
    assert not isinstance(err.value, SignatureError)
