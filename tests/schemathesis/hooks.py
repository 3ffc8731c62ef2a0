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
   alone: the server must refuse them with 400 `invalid_cursor`. The same
   goes for the webhook listings: a webhook cursor is a webhook id (a UUID),
   an attempt cursor base64url("<unix micros>:<uuid>:<attempt>") and a
   dead-letter cursor base64url("<unix micros>:<uuid>").

3. Webhook URLs must name an allowed host. scripts/schemathesis.sh starts
   the service with the egress allowlist `127.0.0.1,localhost`, so the only
   webhooks that can exist point at this machine: a test send or a delivery
   never leaves it, and no name is ever resolved. The schema cannot say that
   (the allowlist is deployment configuration; the document describes the
   production API, where any public https URL is valid), so in positive
   cases of `POST /v1/webhooks` and `PUT /v1/webhooks/{webhook_id}` a `url`
   other than `http://127.0.0.1:9/…` is replaced by
   `http://127.0.0.1:9/hook/<digest of the generated value>`: port 9
   (discard) has no listener, so every attempt fails at once with
   `connect`. Negative cases keep their URL: whatever host it names, the
   server must refuse it (`400`; `url_not_allowed` for any host outside the
   allowlist, which edge_cases.py checks explicitly).

4. Webhook length limits count bytes of UTF-8, JSON Schema's `maxLength`
   counts characters: an event pattern may be 255 bytes, a description 1024
   (documented in their descriptions). In positive cases of the same two
   operations, a longer pattern or description is cut at a character
   boundary to fit (a pattern then loses any trailing `.`, so it stays a
   valid pattern). Negative cases are left alone.

5. Analytics queries have cross-parameter rules the schema cannot state
   (documented in docs/openapi.json): `source`/`event_type` filter the
   `events` timeseries and the `source`/`event_type` breakdowns only
   (else `400 filter_not_supported`), and a timeseries has at most 10,000
   points (else `400 too_many_points`). In positive cases the filters a
   metric or dimension does not take are dropped, and a timeseries range is
   cut to one day from `from` (or dropped when Python cannot read the
   generated time). Negative cases, and edge_cases.py, keep the refusals
   covered.
"""

from __future__ import annotations

import base64
import datetime
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

# The only webhook destination positive cases use: loopback, port 9 (discard),
# where nothing listens.
LOOPBACK_URL_RE = re.compile(r"^http://127\.0\.0\.1:9(/[A-Za-z0-9._~/-]*)?$")
WEBHOOK_URL_WRITES = {
    ("POST", "/v1/webhooks"),
    ("PUT", "/v1/webhooks/{webhook_id}"),
}
# Byte limits of the webhook fields (triggers-webhooks: MAX_PATTERN_LEN,
# MAX_DESCRIPTION_LEN).
MAX_PATTERN_BYTES = 255
MAX_DESCRIPTION_BYTES = 1024
INT_RE = re.compile(r"^-?[0-9]+$")
I64 = (-(2**63), 2**63 - 1)

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


def _b64url_text(value: object) -> str | None:
    """The text of a canonical unpadded base64url string, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
            return None
        return raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _is_int(text: str, low: int, high: int) -> bool:
    return bool(INT_RE.match(text)) and low <= int(text) <= high


def _is_attempt_cursor(value: object) -> bool:
    text = _b64url_text(value)
    if text is None:
        return False
    parts = text.split(":", 2)
    return (
        len(parts) == 3
        and _is_int(parts[0], *I64)
        and bool(UUID_RE.match(parts[1]))
        and _is_int(parts[2], 0, 2**32 - 1)
    )


def _is_dead_letter_cursor(value: object) -> bool:
    text = _b64url_text(value)
    if text is None:
        return False
    at, sep, delivery_id = text.partition(":")
    return bool(sep) and _is_int(at, *I64) and bool(UUID_RE.match(delivery_id))


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def _micros_and_uuid(seed: object) -> tuple[int, uuid.UUID]:
    d = _digest(seed)
    return 1_600_000_000_000_000 + int.from_bytes(d[:6], "big"), uuid.UUID(bytes=d[8:24], version=4)


def _attempt_cursor(seed: object) -> str:
    micros, delivery_id = _micros_and_uuid(seed)
    return _b64url(f"{micros}:{delivery_id}:{1 + _digest(seed)[30] % 4}")


def _dead_letter_cursor(seed: object) -> str:
    micros, delivery_id = _micros_and_uuid(seed)
    return _b64url(f"{micros}:{delivery_id}")


def _loopback_url(seed: object) -> str:
    return "http://127.0.0.1:9/hook/" + _digest(seed)[:4].hex()


def _fit_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` of at most `limit` bytes of UTF-8."""
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def _fit_pattern(pattern: object) -> object:
    if not isinstance(pattern, str) or len(pattern.encode("utf-8", "surrogatepass")) <= MAX_PATTERN_BYTES:
        return pattern
    return _fit_bytes(pattern, MAX_PATTERN_BYTES).rstrip(".")


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
        elif method == "GET" and path == "/v1/webhooks" and not (
            isinstance(cursor, str) and UUID_RE.match(cursor)
        ):
            case.query["cursor"] = str(uuid.UUID(bytes=_digest(cursor)[:16], version=4))
        elif method == "GET" and path == "/v1/webhooks/{webhook_id}/deliveries" and not _is_attempt_cursor(cursor):
            case.query["cursor"] = _attempt_cursor(cursor)
        elif method == "GET" and path == "/v1/dead-letters" and not _is_dead_letter_cursor(cursor):
            case.query["cursor"] = _dead_letter_cursor(cursor)

    # 3. Positive cases register loopback destinations only.
    if (
        (method, path) in WEBHOOK_URL_WRITES
        and _is_positive(case)
        and isinstance(case.body, dict)
        and isinstance(case.body.get("url"), str)
        and not LOOPBACK_URL_RE.match(case.body["url"])
    ):
        case.body["url"] = _loopback_url(case.body["url"])

    # 4. Positive cases respect the byte limits the schema cannot express.
    if (method, path) in WEBHOOK_URL_WRITES and _is_positive(case) and isinstance(case.body, dict):
        events = case.body.get("events")
        if isinstance(events, list):
            case.body["events"] = [_fit_pattern(p) for p in events]
        description = case.body.get("description")
        if isinstance(description, str):
            case.body["description"] = _fit_bytes(description, MAX_DESCRIPTION_BYTES)

    # 5. Positive analytics cases respect the cross-parameter rules.
    analytics_rules(case)


def _one_day_after(text: object) -> str | None:
    """RFC 3339 one day after `text`, or None when it does not parse."""
    if not isinstance(text, str):
        return None
    try:
        start = datetime.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if start.tzinfo is None:
        return None
    try:
        return (start + datetime.timedelta(days=1)).isoformat()
    except OverflowError:
        return None


def analytics_rules(case) -> None:
    """Rule 5: positive analytics cases respect the cross-parameter rules."""
    if not _is_positive(case) or case.operation.method.upper() != "GET" or not isinstance(case.query, dict):
        return
    path = case.operation.path
    q = case.query
    if path == "/v1/analytics/timeseries":
        if q.get("metric", "events") != "events":
            q.pop("source", None)
            q.pop("event_type", None)
        if "from" in q:
            to = _one_day_after(q["from"])
            if to is None:
                q.pop("from", None)
                q.pop("to", None)
            else:
                q["to"] = to
    elif path == "/v1/analytics/breakdown":
        by = q.get("by")
        if by == "source":
            q.pop("source", None)
        elif by == "event_type":
            q.pop("event_type", None)
        else:
            q.pop("source", None)
            q.pop("event_type", None)
