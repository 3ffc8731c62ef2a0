#!/usr/bin/env python3
"""Edge cases of the Triggers API that property-based generation does not reach.

    python3 tests/schemathesis/edge_cases.py http://127.0.0.1:<port> <admin api key>

Standard library only. Each case sends a handful of requests to a running
triggers-service (127.0.0.1 only) and compares the outcome with what
docs/openapi.json promises. Prints one line per case and a curl-style
reproduction for every failure; exits 1 if any case fails.

Run it against a throw-away data directory: it creates API keys and events,
and some cases (deliberately) store events that may break the inbox of the
account. scripts/schemathesis.sh runs it after Schemathesis when
TRIGGERS_EDGE_CASES=1.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
import uuid

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
ADMIN = sys.argv[2] if len(sys.argv) > 2 else ""
_url = urllib.parse.urlsplit(BASE)
if _url.hostname not in ("127.0.0.1", "localhost", "::1"):
    sys.exit("edge_cases.py only talks to a local server")

failures: list[str] = []


def call(method, path, body=None, key=None, headers=None):
    """One request; returns (status, lower-cased headers, parsed JSON or raw bytes)."""
    conn = http.client.HTTPConnection(_url.hostname, _url.port or 80, timeout=30)
    h = dict(headers or {})
    if key:
        h["Authorization"] = f"Bearer {key}"
    if body is not None:
        if isinstance(body, str):
            body = body.encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=h)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = data
    return res.status, {k.lower(): v for k, v in res.getheaders()}, parsed


def curl(method, path, body=None):
    parts = [f"curl -si -X {method} '{BASE}{path}' -H 'Authorization: Bearer $KEY'"]
    if body is not None:
        text = body if isinstance(body, str) else body.decode()
        if len(text) > 200:
            text = text[:80] + "…(see edge_cases.py)…"
        parts.append(f"-H 'Content-Type: application/json' --data-raw '{text}'")
    return " ".join(parts)


def case(name, ok, detail, repro):
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
    if not ok:
        for line in repro:
            print(f"       {line}")
        failures.append(name)


def new_key(name, role="standard"):
    status, _, body = call("POST", "/v1/api-keys", json.dumps({"name": name, "role": role}), ADMIN)
    if status != 201:
        sys.exit(f"cannot create a key: {status} {body}")
    return body


def event_body(payload_text):
    return '{"source":"edge","event_type":"case","payload":%s}' % payload_text


# 1. Payloads that are valid JSON objects, accepted with 201, must not break
#    reading the inbox afterwards (the inbox re-parses each payload).
POISON = {
    "payload nested 128 levels": '{"a":' + "[" * 127 + "]" * 127 + "}",
    "payload with number 1e400": '{"n":1e400}',
    "payload with lone surrogate escape": '{"s":"\\ud800"}',
}
for label, payload in POISON.items():
    # Own standard key (same account): the point is the account's inbox.
    body = event_body(payload)
    status, _, created = call("POST", "/v1/events", body, ADMIN)
    if status != 201:
        case(f"{label}: stored or refused consistently", 400 <= status < 500, f"create returned {status}", [curl("POST", "/v1/events", body)])
        continue
    status, headers, page = call("GET", "/v1/inbox?limit=500", key=ADMIN, headers={"X-Request-Id": "edge-inbox"})
    case(
        f"{label}: inbox still readable after 201",
        status == 200,
        f"GET /v1/inbox returned {status} {page!r}"[:300],
        [curl("POST", "/v1/events", body), curl("GET", "/v1/inbox?limit=500")],
    )
    if status >= 500:
        case(
            f"{label}: the 5xx still has X-Request-Id and error.request_id",
            headers.get("x-request-id") == "edge-inbox"
            and isinstance(page, dict)
            and page.get("error", {}).get("request_id") == "edge-inbox",
            f"headers={sorted(headers)} body={page!r}"[:300],
            [curl("GET", "/v1/inbox?limit=500") + " -H 'X-Request-Id: edge-inbox'"],
        )
    # Leave the inbox usable for the next case.
    call("POST", f"/v1/events/{created['event_id']}/ack", key=ADMIN)

# 2. Bytes after the JSON document are malformed JSON.
for path, body in [
    ("/v1/events", event_body("{}") + " trailing"),
    ("/v1/events", event_body("{}") + '{"source":"other"}'),
    ("/v1/api-keys", '{"name":"edge"} trailing'),
]:
    status, _, res = call("POST", path, body, ADMIN)
    code = res.get("error", {}).get("code") if isinstance(res, dict) else None
    case(
        f"trailing data after the JSON body of POST {path} is refused",
        status == 400 and code == "malformed_json",
        f"got {status} {code or ''}".strip(),
        [curl("POST", path, body)],
    )

# 3. JSON Schema `integer` includes 60.0: transition_seconds must accept it.
victim = new_key("edge rotate")
for text in ['{"transition_seconds": 60.0}', '{"transition_seconds": 6e1}']:
    path = f"/v1/api-keys/{victim['key_id']}/rotate"
    status, _, res = call("POST", path, text, ADMIN)
    case(
        f"transition_seconds written as {text.split(': ')[1][:-1]} (an integer in JSON Schema) is accepted",
        status == 200,
        f"got {status} {res.get('error', {}).get('message', '') if isinstance(res, dict) else ''}",
        [curl("POST", path, text)],
    )

# 4. `limit` of GET /v1/api-keys is documented 1..200: a page holds min(limit, keys left).
def count_keys():
    total, cursor = 0, None
    while True:
        path = "/v1/api-keys?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, _, page = call("GET", path, key=ADMIN)
        if status != 200:
            sys.exit(f"cannot list keys: {status} {page}")
        total += len(page["api_keys"])
        cursor = page["next_cursor"]
        if not cursor:
            return total


for i in range(max(0, 101 - count_keys())):
    new_key(f"edge page {i}")
status, _, page = call("GET", "/v1/api-keys?limit=100", key=ADMIN)
n = len(page.get("api_keys", [])) if isinstance(page, dict) else -1
case(
    "GET /v1/api-keys?limit=100 returns 100 keys when more exist",
    status == 200 and n == 100 and bool(page.get("next_cursor")),
    f"got {status} with {n} keys",
    [curl("GET", "/v1/api-keys?limit=100")],
)
status, _, res = call("GET", "/v1/api-keys?limit=150", key=ADMIN)
case(
    "GET /v1/api-keys?limit=150 (over the documented maximum) is 400 invalid_query",
    status == 400 and isinstance(res, dict) and res.get("error", {}).get("code") == "invalid_query",
    f"got {status}",
    [curl("GET", "/v1/api-keys?limit=150")],
)

# 5. An undocumented method is 405 with Allow, before authentication.
status, headers, res = call("PUT", "/v1/events")
case(
    "PUT /v1/events without a key is 405 method_not_allowed",
    status == 405 and "allow" in headers,
    f"got {status} {res.get('error', {}).get('code') if isinstance(res, dict) else ''}",
    ["curl -si -X PUT " + BASE + "/v1/events"],
)

# 6. After DELETE (revoke), the key is still readable (documented soft revoke).
doomed = new_key("edge revoke")
call("DELETE", f"/v1/api-keys/{doomed['key_id']}", key=ADMIN)
status, _, res = call("GET", f"/v1/api-keys/{doomed['key_id']}", key=ADMIN)
case(
    "a revoked key reads back with status revoked (documented)",
    status == 200 and res.get("status") == "revoked",
    f"got {status}",
    [curl("GET", f"/v1/api-keys/{doomed['key_id']}")],
)

# 7. Unknown event ids are 404 whatever the accepted UUID spelling.
eid = str(uuid.uuid4())
status, _, _ = call("GET", f"/v1/events/{eid.upper()}", key=ADMIN)
case("an unknown upper-case event id is 404", status == 404, f"got {status}", [curl("GET", f"/v1/events/{eid.upper()}")])

print(f"\n{len(failures)} edge case(s) failed" if failures else "\nall edge cases passed")
sys.exit(1 if failures else 0)
