"""Cross-check the Rust-generated v1 vectors against the independent Python
reference implementation, and test that implementation by hand as well."""
import base64
import hashlib
import hmac
import json
import os

import pytest

import triggers_ref as ref

VECTORS_PATH = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "triggers-signing", "vectors", "v1.json"))

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

KNOWN_WEBHOOK = {
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": 1614265330,
    "body": b'{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def _load():
    if not os.path.exists(VECTORS_PATH):
        return None
    with open(VECTORS_PATH, encoding="utf-8") as f:
        return json.load(f)


VECTORS = _load()
needs_vectors = pytest.mark.skipif(VECTORS is None, reason="vectors file not generated yet")


def _cases(section):
    return VECTORS.get(section, []) if VECTORS else []


def _params(section):
    cases = _cases(section)
    return pytest.mark.parametrize("case", cases, ids=[c["name"] for c in cases])


def _body(case):
    return base64.b64decode(case["body_base64"], validate=True)


# --- vector file -------------------------------------------------------------

@needs_vectors
def test_vector_file_shape_and_counts():
    assert VECTORS["version"] == "v1"
    assert len(_cases("request_cases")) >= 40
    assert len(_cases("request_invalid")) >= 15
    assert len(_cases("webhook_cases")) >= 5
    for section in ("request_cases", "request_invalid", "webhook_cases"):
        names = [c["name"] for c in _cases(section)]
        assert len(names) == len(set(names)), "duplicate case names in " + section


@needs_vectors
@_params("request_cases")
def test_request_case(case):
    body = _body(case)
    ts = case["timestamp"]
    canonical = ref.canonical_string(case["method"], case["target"], ts, body)
    assert canonical == case["canonical"]
    signature = ref.sign(case["secret"], case["method"], case["target"], ts, body)
    assert signature == case["signature"]
    headers = {
        "X-Signature-Timestamp": str(ts),
        "X-Signature": case["signature"],
        "X-Signature-Version": "v1",
    }
    assert ref.verify(case["secret"], case["method"], case["target"], body, headers, ts) is None


@needs_vectors
@_params("request_invalid")
def test_request_invalid(case):
    result = ref.verify(case["secret"], case["method"], case["target"], _body(case),
                        case["headers"], case["now"])
    assert result == case["error"]


@needs_vectors
@_params("webhook_cases")
def test_webhook_case(case):
    body = _body(case)
    secrets = case.get("secrets") or [case["secret"]]
    assert ref.webhook_sign_all(secrets, case["id"], case["timestamp"], body) == case["signature"]
    for secret in {case["secret"], *secrets}:
        assert ref.webhook_verify(secret, case["id"], case["timestamp"], body, case["signature"])
    for i in (0, len(body) - 1) if body else ():
        tampered = bytearray(body)
        tampered[i] ^= 0x01
        assert not ref.webhook_verify(case["secret"], case["id"], case["timestamp"],
                                      bytes(tampered), case["signature"])
    # Appending a byte is a one-byte tamper that also works for an empty body.
    assert not ref.webhook_verify(case["secret"], case["id"], case["timestamp"],
                                  body + b"x", case["signature"])


@needs_vectors
def test_known_standard_webhooks_vector_in_file():
    k = KNOWN_WEBHOOK
    matches = [c for c in _cases("webhook_cases")
               if c["secret"] == k["secret"] and c["id"] == k["id"]
               and c["timestamp"] == k["timestamp"] and _body(c) == k["body"]]
    assert matches, "Standard Webhooks known vector missing from the vectors file"
    assert any(c["signature"].split(" ")[0] == k["signature"] for c in matches)


# --- hand-derived tests of the reference implementation -----------------------

def test_known_standard_webhooks_vector_reproduced():
    k = KNOWN_WEBHOOK
    assert ref.webhook_sign(k["secret"], k["id"], k["timestamp"], k["body"]) == k["signature"]
    assert ref.webhook_verify(k["secret"], k["id"], k["timestamp"], k["body"], k["signature"])
    assert not ref.webhook_verify(k["secret"], k["id"], k["timestamp"], k["body"] + b" ",
                                  k["signature"])


def test_webhook_rotation_any_entry_matches():
    k = KNOWN_WEBHOOK
    other = "whsec_" + base64.b64encode(b"another key, 32 bytes long......").decode()
    header = ref.webhook_sign_all([other, k["secret"]], k["id"], k["timestamp"], k["body"])
    assert header.split(" ")[1] == k["signature"]
    assert ref.webhook_verify(k["secret"], k["id"], k["timestamp"], k["body"], header)
    assert ref.webhook_verify(other, k["id"], k["timestamp"], k["body"], header)
    assert not ref.webhook_verify(k["secret"], k["id"], k["timestamp"], k["body"],
                                  "v2," + k["signature"][3:])


def test_spec_example_canonicalization():
    got = ref.canonical_string("get", "/a%2fb/caf%C3%A9?b=2&a=1&a&c=x+y", 1700000000, b"")
    assert got == ("GET\n/a%2Fb/caf%C3%A9\na=&a=1&b=2&c=x%2By\n1700000000\n" + EMPTY_SHA256)


@pytest.mark.parametrize("target, path, query", [
    ("", "/", ""),                                   # empty path is "/"
    ("/", "/", ""),
    ("/?", "/", ""),                                 # "?" with nothing after
    ("?a=1", "/", "a=1"),
    ("//a/", "//a/", ""),                            # empty segments kept
    ("/./../x", "/./../x", ""),                      # no dot-segment removal
    ("/%7e%41%2D", "/~A-", ""),                      # unreserved decoded
    ("/a b/\u00fc", "/a%20b/%C3%BC", ""),            # raw non-ASCII as UTF-8
    ("/%c3%bc", "/%C3%BC", ""),                      # hex upper-cased
    ("/x%ff", "/x%FF", ""),                          # decoded bytes need not be UTF-8
    ("/a+b/!*'()", "/a%2Bb/%21%2A%27%28%29", ""),   # sub-delims encoded
    ("/p?&&a=1&&", "/p", "a=1"),                     # empty pieces dropped
    ("/p?=v&k=", "/p", "=v&k="),                     # empty key / empty value
    ("/p?a=b=c", "/p", "a=b%3Dc"),                   # split at first "="
    ("/p?q?r=1", "/p", "q%3Fr=1"),                   # query is after the FIRST "?"
    ("/p?a=1&B=2", "/p", "B=2&a=1"),                 # byte order: "B" < "a"
    ("/p?a=2&a=10", "/p", "a=10&a=2"),               # then by value, as bytes
    ("/p?A=1&*=2", "/p", "%2A=2&A=1"),               # sorted on the ENCODED key
    ("/p?%61=1&a=0", "/p", "a=0&a=1"),               # decoded-then-encoded keys tie
    ("/p?k=%20+%2B", "/p", "k=%20%2B%2B"),           # "+" is a literal plus
    ("/p?k=a%26b&k2", "/p", "k=a%26b&k2="),          # encoded "&" is data
    ("/p#frag", "/p%23frag", ""),                    # "#" is just a byte
])
def test_hand_canonical_path_and_query(target, path, query):
    lines = ref.canonical_string("GET", target, 1, b"").split("\n")
    assert lines == ["GET", path, query, "1", EMPTY_SHA256]


@pytest.mark.parametrize("method, expected", [
    ("get", "GET"), ("Post", "POST"), ("m-search", "M-SEARCH"),
    ("x!#$%&'*+-.^_`|~9", "X!#$%&'*+-.^_`|~9"),
])
def test_hand_method(method, expected):
    assert ref.canonical_string(method, "/", 0, b"").split("\n")[0] == expected


@pytest.mark.parametrize("method", ["", "GE T", "GET\n", "G:T", "G(T", "G\u00c9T", "\"GET\""])
def test_hand_invalid_method(method):
    with pytest.raises(ref.SigningError) as err:
        ref.canonical_string(method, "/", 0, b"")
    assert err.value.code == "invalid_method"


@pytest.mark.parametrize("target", [
    "/%G1", "/%", "/a%4", "/%4/b", "/p?a=%", "/p?%zz=1", "/p?a=%4", "/p?a=1&b=%g0",
])
def test_hand_bad_encoding(target):
    with pytest.raises(ref.SigningError) as err:
        ref.canonical_string("GET", target, 0, b"")
    assert err.value.code == "bad_encoding"


def test_hand_body_hash_and_signature():
    body = b'{"hello":"world"}'
    canonical = ref.canonical_string("post", "/hooks/run?x=1", 1700000000, body)
    expected_canonical = "\n".join([
        "POST", "/hooks/run", "x=1", "1700000000", hashlib.sha256(body).hexdigest()])
    assert canonical == expected_canonical
    secret = "s3cr\u00e9t"  # key is the UTF-8 bytes of the secret
    mac = hmac.new("s3cr\u00e9t".encode("utf-8"), expected_canonical.encode(), hashlib.sha256)
    assert ref.sign(secret, "post", "/hooks/run?x=1", 1700000000, body) == mac.hexdigest()


# --- hand-written verifier tests --------------------------------------------------

SECRET = "test-secret"
NOW = 1700000000


def _signed_headers(ts=NOW, method="POST", target="/t?b=1&a=2", body=b"payload"):
    return {
        "X-Signature-Timestamp": str(ts),
        "X-Signature": ref.sign(SECRET, method, target, ts, body),
        "X-Signature-Version": "v1",
    }


def _verify(headers, method="POST", target="/t?b=1&a=2", body=b"payload", now=NOW):
    return ref.verify(SECRET, method, target, body, headers, now)


def test_verify_ok_and_equivalent_targets():
    headers = _signed_headers()
    assert _verify(headers) is None
    assert _verify(headers, method="post", target="/%74?a=2&b=1") is None
    upper = dict(headers, **{"X-Signature": headers["X-Signature"].upper()})
    assert _verify(upper) is None


@pytest.mark.parametrize("drop, expected", [
    (("X-Signature-Timestamp",), "missing_header"),
    (("X-Signature",), "missing_header"),
    (("X-Signature-Version",), "missing_header"),
    (("X-Signature", "X-Signature-Version"), "missing_header"),
])
def test_verify_missing_headers(drop, expected):
    headers = {k: v for k, v in _signed_headers().items() if k not in drop}
    assert _verify(headers) == expected


def test_verify_missing_beats_everything_else():
    headers = {"X-Signature-Timestamp": "bogus", "X-Signature-Version": "v2"}
    assert _verify(headers) == "missing_header"


@pytest.mark.parametrize("version", ["v2", "V1", "v1 ", "", "1"])
def test_verify_unsupported_version(version):
    headers = dict(_signed_headers(), **{"X-Signature-Version": version,
                                         "X-Signature-Timestamp": "bogus"})
    assert _verify(headers) == "unsupported_version"


@pytest.mark.parametrize("ts", ["", "01", "00", "+1700000000", " 1700000000", "1700000000 ",
                                "-1", "1.5", "1e9", "\u0661\u0667", "1" * 20,
                                "18446744073709551616"])
def test_verify_malformed_timestamp(ts):
    headers = dict(_signed_headers(), **{"X-Signature-Timestamp": ts, "X-Signature": "zz"})
    assert _verify(headers) == "malformed_header"


def test_verify_timestamp_19_digits_is_well_formed():
    headers = dict(_signed_headers(), **{"X-Signature-Timestamp": "9" * 19})
    assert _verify(headers) == "future_timestamp"
    headers = dict(_signed_headers(), **{"X-Signature-Timestamp": "0"})
    assert _verify(headers) == "stale_timestamp"


@pytest.mark.parametrize("sig", ["", "a" * 63, "a" * 65, "g" * 64, " " + "a" * 63,
                                 "0x" + "a" * 62])
def test_verify_malformed_signature(sig):
    headers = dict(_signed_headers(), **{"X-Signature": sig})
    assert _verify(headers, target="/%zz") == "malformed_header"


@pytest.mark.parametrize("offset, expected", [
    (0, None), (300, None), (-300, None),
    (301, "future_timestamp"), (-301, "stale_timestamp"),
])
def test_verify_window(offset, expected):
    ts = NOW + offset
    assert _verify(_signed_headers(ts=ts)) == expected


def test_verify_window_checked_before_canonicalization():
    headers = dict(_signed_headers(), **{"X-Signature-Timestamp": str(NOW + 301)})
    assert _verify(headers, target="/%zz") == "future_timestamp"
    headers = dict(_signed_headers(), **{"X-Signature-Timestamp": str(NOW - 301)})
    assert _verify(headers, method="G T") == "stale_timestamp"


def test_verify_canonicalization_errors():
    headers = _signed_headers()
    assert _verify(headers, target="/a%G1") == "bad_encoding"
    assert _verify(headers, target="/a?x=%4") == "bad_encoding"
    assert _verify(headers, method="GE T") == "invalid_method"
    assert _verify(headers, method="") == "invalid_method"


@pytest.mark.parametrize("change", [
    {"method": "PUT"}, {"target": "/t?b=1&a=3"}, {"target": "/t/?b=1&a=2"},
    {"body": b"payloaD"}, {"body": b""},
])
def test_verify_signature_mismatch(change):
    assert _verify(_signed_headers(), **change) == "signature_mismatch"


def test_verify_mismatch_on_other_secret_and_timestamp():
    headers = _signed_headers()
    assert ref.verify("other", "POST", "/t?b=1&a=2", b"payload", headers, NOW) \
        == "signature_mismatch"
    headers = dict(headers, **{"X-Signature-Timestamp": str(NOW + 1)})
    assert _verify(headers) == "signature_mismatch"
