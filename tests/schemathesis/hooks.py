"""Schemathesis hooks for the Triggers API run (loaded by scripts/schemathesis.sh
through SCHEMATHESIS_HOOKS).

They keep the run honest without weakening any check:

1. The run must not lock itself out. The API keys the run authenticates with
   (their ids are in TRIGGERS_PROTECTED_KEY_IDS, comma-separated) must never be
   revoked (`DELETE /v1/api-keys/{key_id}`) or rotated
   (`POST /v1/api-keys/{key_id}/rotate`): a revocation makes every later
   request 401, and a second rotation (or `transition_seconds: 0`) expires
   the version in use. Schemathesis can learn those ids from responses
   (`GET /v1/api-keys` lists them; stateful links and the "extra data
   sources" feature reuse them), so such a request is redirected to a
   well-formed key id that was never issued: the request is still sent and
   checked (it gets 404), it just cannot hit the run's own credentials.
   Keys the run creates itself (`POST /v1/api-keys`) are rotated and revoked
   normally.

2. Cursors are opaque tokens that only the server mints, so a random string
   is *not* valid input even though the schema can only say `type: string`.
   In positive mode a generated cursor that the server could not have
   returned is replaced by a well-formed one (an inbox cursor is
   base64url("<unix micros>:<uuid>"), an API-key cursor is a key id), derived
   deterministically from the generated value. Cursors that already have the
   right form (e.g. from a `next_cursor`) are kept. Negative cases are left
   alone: the server must refuse them with 400 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid

import schemathesis

PROTECTED_KEY_IDS = frozenset(
    part.strip() for part in os.environ.get("TRIGGERS_PROTECTED_KEY_IDS", "").split(",") if part.strip()
)
# Well-formed (`key_` + 16 base62) and never issued (ids are random); easy to
# spot in reports.
UNISSUED_KEY_ID = "key_ProtectedByHook1"

KEY_ID_RE = re.compile(r"^key_[0-9A-Za-z]{16}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Operations that change a key in a way that can lock the run out.
KEY_WRITES = {
    ("DELETE", "/v1/api-keys/{key_id}"),
    ("POST", "/v1/api-keys/{key_id}/rotate"),
}


def _digest(value: object) -> bytes:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).digest()


def _is_inbox_cursor(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
            return False
        ts, _, event_id = raw.decode("utf-8").partition(":")
        int(ts)
        return bool(UUID_RE.match(event_id))
    except (ValueError, UnicodeDecodeError):
        return False


def _inbox_cursor(seed: object) -> str:
    d = _digest(seed)
    micros = 1_600_000_000_000_000 + int.from_bytes(d[:6], "big")
    event_id = uuid.UUID(bytes=d[8:24], version=4)
    text = f"{micros}:{event_id}"
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def _key_cursor(seed: object) -> str:
    d = _digest(seed)
    return "key_" + "".join(BASE62[b % 62] for b in d[:16])


def _is_positive(case) -> bool:
    meta = getattr(case, "meta", None)
    if meta is None:
        return False
    return meta.generation.mode.is_positive


@schemathesis.hook
def before_call(context, case, kwargs):
    method = case.operation.method.upper()
    path = case.operation.path

    # 1. Never revoke or rotate the run's own keys.
    if (method, path) in KEY_WRITES and case.path_parameters:
        key_id = case.path_parameters.get("key_id")
        if isinstance(key_id, str) and key_id in PROTECTED_KEY_IDS:
            case.path_parameters["key_id"] = UNISSUED_KEY_ID

    # 2. Positive cases carry cursors the server could have minted.
    if _is_positive(case) and case.query and "cursor" in case.query:
        cursor = case.query["cursor"]
        if method == "GET" and path == "/v1/inbox" and not _is_inbox_cursor(cursor):
            case.query["cursor"] = _inbox_cursor(cursor)
        elif method == "GET" and path == "/v1/api-keys" and not (
            isinstance(cursor, str) and KEY_ID_RE.match(cursor)
        ):
            case.query["cursor"] = _key_cursor(cursor)
