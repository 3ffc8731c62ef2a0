"""Every case of triggers-signing/vectors/v1.json through the installed
wheel (the Rust core via uniffi), plus the check that the wheel, not the
source tree, is what is imported."""
from __future__ import annotations

import base64
import json
import os
import sysconfig

import pytest

import triggers_api
from triggers_api import SignatureError

from conftest import SDK_DIR, VECTORS_PATH

with open(VECTORS_PATH, encoding="utf-8") as f:
    VECTORS = json.load(f)


def _cases(section):
    cases = VECTORS[section]
    return pytest.mark.parametrize("case", cases, ids=[c["name"] for c in cases])


def _body(case) -> bytes:
    return base64.b64decode(case["body_base64"], validate=True)


def test_the_installed_wheel_is_imported():
    path = os.path.realpath(triggers_api.__file__)
    site = os.path.realpath(sysconfig.get_paths()["purelib"])
    assert path.startswith(site + os.sep), path
    assert not path.startswith(os.path.realpath(SDK_DIR) + os.sep), path
    native = os.path.join(os.path.dirname(path), "_native")
    assert any(n.startswith("libtriggers_uniffi") for n in os.listdir(native))


def test_vector_file_shape():
    assert VECTORS["version"] == "v1"
    assert len(VECTORS["request_cases"]) >= 40
    assert len(VECTORS["request_invalid"]) >= 15
    assert len(VECTORS["webhook_cases"]) >= 5


@_cases("request_cases")
def test_request_case(case):
    body = _body(case)
    ts = case["timestamp"]
    # The plain positional form the cross-language parity test uses.
    signed = triggers_api.sign_request(
        case["secret"].encode("utf-8"), case["method"], case["target"], body, ts
    )
    assert signed.signature == case["signature"]
    assert signed.timestamp == str(ts)
    assert signed.version == "v1"
    assert triggers_api.canonical_string(case["method"], case["target"], ts, body) == case[
        "canonical"
    ]
    # The record-returning uniffi export gives the same headers.
    record = triggers_api._native.sign_request(case["secret"].encode("utf-8"), case["method"], case["target"], body, ts)
    assert (record.timestamp, record.signature, record.version) == (signed.timestamp, signed.signature, "v1")
    # str secret == its UTF-8 bytes.
    assert triggers_api.sign_request(case["secret"], case["method"], case["target"], body, ts) == signed
    ok = triggers_api.verify_request(
        case["secret"], case["method"], case["target"], body, signed.headers, now=ts
    )
    assert ok.timestamp == ts and ok.secret_index == 0


@_cases("request_invalid")
def test_request_invalid_case(case):
    with pytest.raises(SignatureError) as err:
        triggers_api.verify_request(
            case["secret"],
            case["method"],
            case["target"],
            _body(case),
            case["headers"],
            now=case["now"],
        )
    assert err.value.code == case["error"]


@_cases("webhook_cases")
def test_webhook_case(case):
    body = _body(case)
    secrets = case.get("secrets") or [case["secret"]]
    signed = triggers_api.sign_webhook(secrets, case["id"], body, case["timestamp"])
    assert signed.signature == case["signature"]
    for secret in {case["secret"], *secrets}:
        v = triggers_api.verify_webhook_signature(
            secret, signed.headers, body, now=case["timestamp"]
        )
        assert (v.id, v.timestamp) == (case["id"], case["timestamp"])
    with pytest.raises(SignatureError) as err:
        triggers_api.verify_webhook_signature(
            case["secret"], signed.headers, body + b"x", now=case["timestamp"]
        )
    assert err.value.code == "signature_mismatch"
