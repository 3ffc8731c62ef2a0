"""A quick benchmark (no pytest): signing a request with a 1 KiB body with
the SDK (the Rust core through uniffi) against pure-Python implementations
of the same spec on hmac/hashlib.

    ~/.cache/triggers/venv-python-sdk/bin/python sdks/python/bench.py

Run it with the installed wheel (sdks/python/test.sh installs it). Timings
depend on the machine and its load: compare the ratios, not the numbers.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import sys
import timeit

import triggers_api

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))
import triggers_ref  # noqa: E402  (the independent reference implementation)

SECRET = "trgs_Qm9vX2c4Lp7Rt1Zs8Kd3Nf6Hb0Jw5Gy2Ue4Ai7Oc1Ve"
SECRET_B = SECRET.encode()
METHOD = "POST"
TARGET = "/v1/events?source=shop&b=2&a=1"
BODY = (b'{"source":"shop","event_type":"order.created","payload":{"pad":"'
        + b"x" * 1024)[:1022] + b'"}'
TS = 1_700_000_000
assert len(BODY) == 1024


def minimal_python(secret: bytes, method: str, target: str, body: bytes, ts: int) -> str:
    """The least a pure-Python signer does for this target (already
    normalised: no escapes; sorts the query): the fastest fair baseline."""
    path, _, query = target.partition("?")
    q = "&".join(sorted(query.split("&"))) if query else ""
    canonical = f"{method.upper()}\n{path}\n{q}\n{ts}\n{hashlib.sha256(body).hexdigest()}"
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


def sdk() -> str:
    return triggers_api.sign_request(SECRET_B, METHOD, TARGET, BODY, TS).signature


def native_only() -> str:
    # The general uniffi export (str arguments, a record back), called
    # directly; the SDK's sign_request uses the zero-copy export instead.
    return triggers_api._native.sign_request(SECRET_B, METHOD, TARGET, BODY, TS).signature


def reference() -> str:
    return triggers_ref.sign(SECRET, METHOD, TARGET, TS, BODY)


def minimal() -> str:
    return minimal_python(SECRET_B, METHOD, TARGET, BODY, TS)


def best_per_call(fns, number: int = 5000, rounds: int = 30) -> list:
    """The best time per call of each function. The functions take turns,
    round after round, so that a load that comes and goes (other processes
    on the machine) hits them all alike; the minimum is the least disturbed."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number)
    return best


def main() -> None:
    expected = sdk()
    assert native_only() == reference() == minimal() == expected, "implementations disagree"
    names = [
        "triggers_api.sign_request (Rust core via uniffi)",
        "_native.sign_request (uniffi export returning a record)",
        "tests/python/triggers_ref.sign (pure Python, full spec)",
        "minimal hmac/hashlib signer (pure Python, no escapes)",
    ]
    rows = list(zip(names, best_per_call([sdk, native_only, reference, minimal])))
    base = rows[0][1]
    print(f"sign_request, 1 KiB body, {sys.implementation.name} {sys.version.split()[0]}:")
    for name, t in rows:
        print(f"  {name:<58} {t * 1e6:7.2f} µs/call   {t / base:5.2f}x the SDK")


if __name__ == "__main__":
    main()
