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

import base64
import http.client
import json
import sys
import time
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

# ---------------------------------------------------------------- webhooks
# scripts/schemathesis.sh starts the service with
# TRIGGERS_WEBHOOKS_ALLOW_LOCAL=true and the host allowlist
# `127.0.0.1,localhost`: every webhook below points at 127.0.0.1:9 (nothing
# listens there), and the cases check that no other host can be registered.

LOOPBACK = "http://127.0.0.1:9/hook"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


def jcall(method, path, obj=None, key=None, raw=None, headers=None):
    body = raw if raw is not None else (None if obj is None else json.dumps(obj))
    return call(method, path, body, key or ADMIN, headers)


def code_of(res):
    return res.get("error", {}).get("code") if isinstance(res, dict) else None


def text_of(obj=None, raw=None):
    return raw if raw is not None else (None if obj is None else json.dumps(obj))


def expect(name, method, path, obj=None, status=400, code=None, raw=None, headers=None, key=None):
    """One request whose outcome is a status (and, for errors, a code)."""
    got, _, res = jcall(method, path, obj, key=key, raw=raw, headers=headers)
    ok = got == status and (code is None or code_of(res) == code)
    case(name, ok, f"got {got} {code_of(res) or ''}".strip() + (f", want {status} {code or ''}".rstrip()), [curl(method, path, text_of(obj, raw))])
    return got, res


def new_webhook(**fields):
    body = {"url": LOOPBACK, **fields}
    status, _, res = jcall("POST", "/v1/webhooks", body)
    if status != 201:
        sys.exit(f"cannot create a webhook: {status} {res}")
    return res


def b64(n):
    return base64.b64encode(bytes(range(n)) if n <= 256 else b"\x01" * n).decode()


def list_all(path, field):
    items, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        status, _, page = jcall("GET", path + (f"{sep}limit=100&cursor={cursor}" if cursor else f"{sep}limit=100"))
        if status != 200:
            return None, status
        items += page[field]
        cursor = page["next_cursor"]
        if not cursor:
            return items, 200


def wait_for(predicate, seconds=20.0, step=0.2):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


# 8. Only loopback destinations can be registered (the run's allowlist), and
#    no other host name sneaks in through URL syntax.
for url in [
    "https://example.com/hook",
    "http://example.com:9/hook",
    "http://hooks.internal:9/hook",
    "http://10.0.0.1:9/hook",
    "http://192.168.1.1:9/hook",
    "http://[::1]:9/hook",
    "http://[::ffff:127.0.0.1]:9/hook",
    "http://localhost.:9/hook",
    "http://127.0.0.1.nip.io:9/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:9/hook",
    "https://example.com@evil.example/hook",
]:
    expect(f"POST /v1/webhooks with url {url} is 400 url_not_allowed", "POST", "/v1/webhooks", {"url": url}, 400, "url_not_allowed")
for url, why in [
    ("ftp://127.0.0.1:9/hook", "scheme"),
    ("http://user:pw@127.0.0.1:9/hook", "credentials"),
    ("http://127.0.0.1:9/hook#frag", "fragment"),
    ("http://127.0.0.1:0/hook", "port 0"),
    ("/relative/hook", "relative"),
    ("http://127.0.0.1:9/" + "a" * 2100, "longer than 2048 bytes"),
]:
    expect(f"POST /v1/webhooks with an invalid url ({why}) is 400 invalid_url", "POST", "/v1/webhooks", {"url": url}, 400, "invalid_url")
status, _, res = jcall("POST", "/v1/webhooks", {"url": "http://127.1:9/hook"})
case(
    "a loopback URL is stored normalised (http://127.1:9/hook → http://127.0.0.1:9/hook)",
    status == 201 and res.get("url") == LOOPBACK,
    f"got {status} {res.get('url') if isinstance(res, dict) else res!r}",
    [curl("POST", "/v1/webhooks", '{"url":"http://127.1:9/hook"}')],
)
hook = new_webhook(description="edge", events=["edge.*"], max_retries=2)
hid = hook["webhook_id"]
for url in ["https://example.com/hook", "http://[::1]:9/hook"]:
    expect(f"PUT /v1/webhooks/{{id}} with url {url} is 400 url_not_allowed", "PUT", f"/v1/webhooks/{hid}", {"url": url}, 400, "url_not_allowed")
status, _, res = jcall("GET", f"/v1/webhooks/{hid}")
case("a refused PUT leaves the webhook unchanged", status == 200 and res.get("url") == LOOPBACK, f"got {status} {res!r}"[:200], [curl("GET", f"/v1/webhooks/{hid}")])

# 9. Event patterns.
for events, why in [
    ([], "an empty list"),
    ([""], "an empty pattern"),
    (["a*"], "a wildcard inside a segment"),
    (["*.a"], "a wildcard before the last segment"),
    (["order.*.x"], "a wildcard in the middle"),
    (["a..b"], "an empty segment"),
    ([".a"], "a leading dot"),
    (["a."], "a trailing dot"),
    (["a b"], "a space"),
    (["a\u00a0b"], "a no-break space"),
    (["a\tb"], "a tab"),
    (["x" * 256], "256 bytes"),
    (["\u00e9" * 128], "128 characters but 256 bytes"),
    ([f"p{i}" for i in range(101)], "101 patterns"),
]:
    expect(f"events with {why} is 400 invalid_events", "POST", "/v1/webhooks", {"url": LOOPBACK, "events": events}, 400, "invalid_events")
    expect(f"PUT events with {why} is 400 invalid_events", "PUT", f"/v1/webhooks/{hid}", {"events": events}, 400, "invalid_events")
expect("events given as a string is 400 invalid_field", "POST", "/v1/webhooks", {"url": LOOPBACK, "events": "order.*"}, 400, "invalid_field")
for events in [["*"], ["order.*", "invoice.paid"], ["\u00e9" * 127], [f"p{i}" for i in range(100)]]:
    status, _, res = jcall("POST", "/v1/webhooks", {"url": LOOPBACK, "events": events, "is_active": False})
    case(
        f"events {json.dumps(events)[:40]} are accepted as given",
        status == 201 and res.get("events") == events,
        f"got {status} {code_of(res) or ''}",
        [curl("POST", "/v1/webhooks", json.dumps({"url": LOOPBACK, "events": events}))],
    )
status, _, res = jcall("POST", "/v1/webhooks", {"url": LOOPBACK, "events": None})
case("events null means [\"*\"]", status == 201 and res.get("events") == ["*"], f"got {status} {res!r}"[:200], [curl("POST", "/v1/webhooks", '{"url":"%s","events":null}' % LOOPBACK)])

# 10. Secrets: whsec_ + standard base64 (padded) of 24 to 64 bytes.
for secret, why in [
    ("whsec_" + b64(23), "23 bytes"),
    ("whsec_" + b64(65), "65 bytes"),
    ("whsec_" + b64(25).rstrip("="), "unpadded base64"),
    ("whsec_" + b64(24).replace("+", "-").replace("/", "_") + "-_", "base64url"),
    ("whsec_not base64 at all, really not", "not base64"),
    ("whsec_", "empty"),
]:
    expect(f"a secret of {why} is 400 invalid_secret", "POST", "/v1/webhooks", {"url": LOOPBACK, "secret": secret}, 400, "invalid_secret")
    expect(f"rotating to a secret of {why} is 400 invalid_secret", "POST", f"/v1/webhooks/{hid}/rotate-secret", {"secret": secret}, 400, "invalid_secret")
for secret, shown, why in [
    ("whsec_" + b64(24), "whsec_" + b64(24), "24 bytes"),
    ("whsec_" + b64(64), "whsec_" + b64(64), "64 bytes"),
    (b64(32), "whsec_" + b64(32), "no whsec_ prefix"),
]:
    status, _, res = jcall("POST", "/v1/webhooks", {"url": LOOPBACK, "secret": secret, "is_active": False})
    case(
        f"a secret of {why} is accepted and returned once as {shown[:12]}…",
        status == 201 and res.get("secret") == shown and res.get("secret_version") == 1,
        f"got {status} {code_of(res) or ''}",
        [curl("POST", "/v1/webhooks", json.dumps({"url": LOOPBACK, "secret": secret}))],
    )
status, _, res = jcall("GET", f"/v1/webhooks/{hid}")
case("GET never shows the secret", status == 200 and "secret" not in res, f"got {status} keys={sorted(res) if isinstance(res, dict) else res!r}", [curl("GET", f"/v1/webhooks/{hid}")])

# 11. max_retries, description, and PUT semantics (absent keeps, null resets).
for value, why in [(21, "21"), (-1, "-1"), ("3", "a string"), (2.5, "2.5"), (2**32, "2^32")]:
    expect(f"max_retries {why} is 400 invalid_field", "POST", "/v1/webhooks", {"url": LOOPBACK, "max_retries": value}, 400, "invalid_field")
for text, value in [("20", 20), ("0", 0), ("5.0", 5), ("5e0", 5)]:
    raw = '{"url":"%s","max_retries":%s,"is_active":false}' % (LOOPBACK, text)
    status, _, res = jcall("POST", "/v1/webhooks", raw=raw)
    case(f"max_retries written as {text} (an integer in JSON Schema) is accepted", status == 201 and res.get("max_retries") == value, f"got {status} {res.get('max_retries') if isinstance(res, dict) else res!r}", [curl("POST", "/v1/webhooks", raw)])
for description, why in [("a\u0001b", "a control character"), ("a\u0085b", "a C1 control character"), ("x" * 1025, "1025 bytes"), ("\u00e9" * 513, "513 characters but 1026 bytes")]:
    expect(f"a description with {why} is 400 invalid_field", "POST", "/v1/webhooks", {"url": LOOPBACK, "description": description}, 400, "invalid_field")
status, _, res = jcall("POST", "/v1/webhooks", {"url": LOOPBACK, "description": "\u00e9" * 512, "is_active": False})
case("a description of 1024 bytes is accepted", status == 201, f"got {status} {code_of(res) or ''}", [curl("POST", "/v1/webhooks", "{…description of 512 × é…}")])

path = f"/v1/webhooks/{hid}"
steps = [
    ({"max_retries": 7, "description": "seven"}, {"max_retries": 7, "description": "seven"}),
    ({}, {"max_retries": 7, "description": "seven", "url": LOOPBACK, "events": ["edge.*"]}),
    ({"description": None, "events": None, "url": None, "is_active": None}, {"max_retries": 7, "description": "seven", "is_active": True}),
    ({"max_retries": None}, {"max_retries": None, "description": "seven"}),
]
for body, want in steps:
    status, _, res = jcall("PUT", path, body)
    got = {k: res.get(k) for k in want} if isinstance(res, dict) else res
    case(f"PUT {json.dumps(body)} gives {json.dumps(want)}", status == 200 and got == want, f"got {status} {got!r}"[:300], [curl("PUT", path, json.dumps(body))])
status, _, before = jcall("GET", path)
status, _, after = jcall("PUT", path, {})
case("PUT {} changes updated_at only", status == 200 and after.get("updated_at") != before.get("updated_at") and {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}, f"got {status}", [curl("PUT", path, "{}")])

# 12. Bodies must be JSON objects with known fields.
for method, p, obj in [
    ("POST", "/v1/webhooks", {"url": LOOPBACK, "secret_version": 1}),
    ("PUT", path, {"webhook_id": hid}),
    ("PUT", path, {"secret": "whsec_" + b64(32)}),
    ("POST", f"{path}/rotate-secret", {"transition": 5}),
    ("POST", "/v1/dead-letters/replay", {"webhook_id": hid, "limit": 5}),
]:
    expect(f"{method} {p.replace(hid, '{id}')} with unknown field {next(iter(set(obj) - {'url', 'webhook_id'} or set(obj)))} is 400 invalid_field", method, p, obj, 400, "invalid_field")
for method, p, raw in [
    ("POST", "/v1/webhooks", '["%s"]' % LOOPBACK),
    ("PUT", path, "[null, null]"),
    ("PUT", path, "[]"),
    ("POST", f"{path}/rotate-secret", "[null, null]"),
    ("POST", f"{path}/rotate-secret", '"whsec_%s"' % b64(32)),
    ("POST", "/v1/dead-letters/replay", '["%s"]' % hid),
]:
    expect(f"{method} {p.replace(hid, '{id}')} with the body {raw[:24]} (not an object) is 400 invalid_field", method, p, None, 400, "invalid_field", raw=raw)
for method, p, raw in [
    ("POST", "/v1/webhooks", '{"url": "%s"' % LOOPBACK),
    ("POST", "/v1/webhooks", '{"url": "%s"} trailing' % LOOPBACK),
    ("PUT", path, "{,}"),
    ("POST", f"{path}/rotate-secret", "{} {}"),
    ("POST", "/v1/dead-letters/replay", "nope"),
]:
    expect(f"{method} {p.replace(hid, '{id}')} with malformed JSON {raw[-12:]!r} is 400 malformed_json", method, p, None, 400, "malformed_json", raw=raw)
expect("POST /v1/webhooks without a JSON content type is 415", "POST", "/v1/webhooks", None, 415, "unsupported_media_type", raw=json.dumps({"url": LOOPBACK}), headers={"Content-Type": "text/plain"})
expect("POST /v1/webhooks without url is 400 invalid_field", "POST", "/v1/webhooks", {"events": ["*"]}, 400, "invalid_field")

# 13. Secret rotation.
rot = f"{path}/rotate-secret"
status, _, res = call("POST", rot, None, ADMIN)
case("rotate-secret with no body uses the defaults (a one-day transition)", status == 200 and res.get("previous_secret_expires_at") is not None and res.get("secret", "").startswith("whsec_"), f"got {status} {code_of(res) or ''}", [curl("POST", rot)])
if status == 200:
    from datetime import datetime

    def ts(s):
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

    gap = ts(res["previous_secret_expires_at"]) - ts(res["updated_at"])
    case("the default transition is 86400 s", abs(gap - 86400) < 1, f"got {gap}", [curl("POST", rot)])
version = res.get("secret_version", 0) if isinstance(res, dict) else 0
expect("transition_seconds 604801 is 400 invalid_transition", "POST", rot, {"transition_seconds": 604801}, 400, "invalid_transition")
expect("transition_seconds -1 is 400 invalid_field", "POST", rot, {"transition_seconds": -1}, 400, "invalid_field")
for body, label in [({"transition_seconds": 604800}, "604800"), ({"transition_seconds": 0}, "0"), (None, "60.0")]:
    raw = '{"transition_seconds": 60.0}' if body is None else json.dumps(body)
    status, _, res = call("POST", rot, raw, ADMIN, {"Content-Type": "text/plain"} if body is None else None)
    ok = status == 200 and res.get("secret_version") == version + 1
    if ok and label == "0":
        ok = res.get("previous_secret_expires_at") is None
    case(f"transition_seconds {label} rotates (secret_version + 1{', no previous secret' if label == '0' else ''})", ok, f"got {status} {res!r}"[:200], [curl("POST", rot, raw)])
    version += 1 if status == 200 else 0
own = "whsec_" + b64(40)
status, _, res = jcall("POST", rot, {"secret": own, "transition_seconds": None})
case("rotating to your own secret returns it once", status == 200 and res.get("secret") == own, f"got {status}", [curl("POST", rot, json.dumps({"secret": own}))])

# 14. Ids: anything but a UUID names nothing (404), upper case is the same id.
unknown = str(uuid.uuid4())
for method, suffix, obj in [("GET", "", None), ("PUT", "", {}), ("DELETE", "", None), ("POST", "/test", None), ("POST", "/rotate-secret", None), ("GET", "/deliveries", None)]:
    for wid in ["nope", unknown, "12345"]:
        expect(f"{method} /v1/webhooks/{wid}{suffix} is 404 webhook_not_found", method, f"/v1/webhooks/{wid}{suffix}", obj, 404, "webhook_not_found")
for did in ["nope", unknown]:
    expect(f"POST /v1/dead-letters/{did}/replay is 404 dead_letter_not_found", "POST", f"/v1/dead-letters/{did}/replay", None, 404, "dead_letter_not_found")
status, _, res = jcall("GET", f"/v1/webhooks/{hid.upper()}")
case("a webhook id in upper case names the same webhook", status == 200 and res.get("webhook_id") == hid, f"got {status}", [curl("GET", f"/v1/webhooks/{hid.upper()}")])

# 15. Query parameters and cursors.
for p in [f"/v1/webhooks", f"{path}/deliveries", "/v1/dead-letters"]:
    for cursor in ["garbage", "MTIz", str(uuid.uuid4()) + "x", "%FF"]:
        q = f"{p}?cursor={cursor}"
        expect(f"GET {p.replace(hid, '{id}')}?cursor={cursor[:12]} is 400 invalid_cursor", "GET", q, None, 400, "invalid_cursor")
    for q in ["limit=0", "limit=101", "limit=ten", "sort=asc"]:
        expect(f"GET {p.replace(hid, '{id}')}?{q} is 400 invalid_query", "GET", f"{p}?{q}", None, 400, "invalid_query")
for q in ["since=yesterday", "until=2026-01-31", "webhook_id=nope"]:
    expect(f"GET /v1/dead-letters?{q} is 400 invalid_query", "GET", f"/v1/dead-letters?{q}", None, 400, "invalid_query")
status, _, res = jcall("GET", "/v1/dead-letters?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z")
case("GET /v1/dead-letters with until before since is an empty page", status == 200 and res.get("dead_letters") == [] and res.get("next_cursor") is None, f"got {status}", [curl("GET", "/v1/dead-letters?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z")])
webhooks, status = list_all("/v1/webhooks", "webhooks")
ids = [w["webhook_id"] for w in webhooks or []]
case("paging through GET /v1/webhooks lists each webhook once, by id", status == 200 and len(ids) == len(set(ids)) and ids == sorted(ids), f"got {status}, {len(ids)} ids", [curl("GET", "/v1/webhooks?limit=100")])

# 16. Bulk replay.
bulk = "/v1/dead-letters/replay"
for since, until, label in [("2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "until before since"), ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "until equal to since")]:
    body = {"webhook_id": hid, "since": since, "until": until}
    status, _, res = jcall("POST", bulk, body)
    case(f"bulk replay with {label} is an empty range (202, nothing replayed)", status == 202 and res == {"webhook_id": hid, "replayed": 0, "skipped": 0, "truncated": False}, f"got {status} {res!r}"[:200], [curl("POST", bulk, json.dumps(body))])
expect("bulk replay of an unknown webhook is 404 webhook_not_found", "POST", bulk, {"webhook_id": unknown}, 404, "webhook_not_found")
expect("bulk replay with since not RFC 3339 is 400 invalid_field", "POST", bulk, {"webhook_id": hid, "since": "yesterday"}, 400, "invalid_field")
expect("bulk replay with webhook_id not a UUID is 400 invalid_field", "POST", bulk, {"webhook_id": "nope"}, 400, "invalid_field")
expect("bulk replay without webhook_id is 400 invalid_field", "POST", bulk, {}, 400, "invalid_field")
expect("bulk replay without a JSON content type is 415", "POST", bulk, None, 415, "unsupported_media_type", raw=json.dumps({"webhook_id": hid}), headers={"Content-Type": "text/plain"})

# 17. Test sends, the attempt log, dead letters and replay, end to end (all
#     to 127.0.0.1:9, refused at once).
started = time.monotonic()
status, _, res = jcall("POST", f"{path}/test")
elapsed = time.monotonic() - started
case(
    "a test send to 127.0.0.1:9 is 200 with success false, failure connect",
    status == 200 and res.get("success") is False and res.get("failure") == "connect" and res.get("status_code") is None and str(res.get("msg_id", "")).startswith("msg_"),
    f"got {status} {res!r}"[:300],
    [curl("POST", f"{path}/test")],
)
case("the test send answered within 5 s", elapsed < 5, f"took {elapsed:.1f} s", [curl("POST", f"{path}/test")])

dead_hook = new_webhook(events=["edge.dead"], max_retries=0, description="edge dead letters")
did_hook = dead_hook["webhook_id"]
status, _, ev = call("POST", "/v1/events", '{"source":"edge","event_type":"edge.dead","payload":{"n":1}}', ADMIN)
if status != 201:
    sys.exit(f"cannot create an event: {status} {ev}")


def dead_letters_of(webhook_id):
    status, _, page = jcall("GET", f"/v1/dead-letters?webhook_id={webhook_id}")
    return page["dead_letters"] if status == 200 else []


dead = wait_for(lambda: dead_letters_of(did_hook))
case(
    "an event to a webhook with max_retries 0 becomes one dead letter after one refused attempt",
    len(dead or []) == 1 and dead[0]["reason"] == "retries_exhausted" and dead[0]["attempts"] == 1 and dead[0]["last_failure"] == "connect" and dead[0]["event_id"] == ev["event_id"] and dead[0]["replayed_at"] is None,
    f"got {dead!r}"[:300],
    [curl("GET", f"/v1/dead-letters?webhook_id={did_hook}")],
)
if dead:
    delivery = dead[0]["delivery_id"]
    replay = f"/v1/dead-letters/{delivery}/replay"
    status, _, res = jcall("GET", f"/v1/webhooks/{did_hook}/deliveries")
    case("the attempt log shows the refused attempt", status == 200 and len(res.get("attempts", [])) == 1 and res["attempts"][0]["delivery_id"] == delivery and res["attempts"][0]["failure"] == "connect", f"got {status} {res!r}"[:300], [curl("GET", f"/v1/webhooks/{did_hook}/deliveries")])
    jcall("PUT", f"/v1/webhooks/{did_hook}", {"is_active": False})
    expect("replaying a dead letter of a deactivated webhook is 409 webhook_inactive", "POST", replay, None, 409, "webhook_inactive")
    expect("bulk replay of a deactivated webhook is 409 webhook_inactive", "POST", bulk, {"webhook_id": did_hook}, 409, "webhook_inactive")
    # One retry from now on: a replayed delivery stays replayed for a few seconds.
    jcall("PUT", f"/v1/webhooks/{did_hook}", {"is_active": True, "max_retries": 1})
    status, _, res = jcall("POST", replay)
    case("replaying the dead letter is 202", status == 202 and res == {"delivery_id": delivery, "replayed": True}, f"got {status} {res!r}"[:200], [curl("POST", replay)])
    expect("replaying it again at once is 409 already_replayed", "POST", replay, None, 409, "already_replayed")
    status, _, res = jcall("POST", bulk, {"webhook_id": did_hook})
    case("bulk replay skips the dead letter replayed already", status == 202 and res.get("replayed") == 0 and res.get("skipped") == 1, f"got {status} {res!r}"[:200], [curl("POST", bulk, json.dumps({"webhook_id": did_hook}))])
    listed = dead_letters_of(did_hook)
    case("the replayed dead letter is listed with replayed_at", len(listed) == 1 and (listed[0]["replayed_at"] is not None or listed[0]["attempts"] > 1), f"got {listed!r}"[:300], [curl("GET", f"/v1/dead-letters?webhook_id={did_hook}")])
    again = wait_for(lambda: [d for d in dead_letters_of(did_hook) if d["attempts"] >= 3 and d["replayed_at"] is None], seconds=30)
    case("the replay fails twice more (fresh budget: 1 retry) and is a dead letter again", bool(again), f"got {dead_letters_of(did_hook)!r}"[:300], [curl("GET", f"/v1/dead-letters?webhook_id={did_hook}")])
    status, _, page1 = jcall("GET", f"/v1/webhooks/{did_hook}/deliveries?limit=1")
    ok = status == 200 and len(page1.get("attempts", [])) == 1 and page1.get("next_cursor")
    if ok:
        status, _, page2 = jcall("GET", f"/v1/webhooks/{did_hook}/deliveries?limit=1&cursor={page1['next_cursor']}")
        ok = status == 200 and len(page2.get("attempts", [])) == 1 and page2["attempts"][0] != page1["attempts"][0]
    case("the attempt log pages with its next_cursor", bool(ok), f"got {status}", [curl("GET", f"/v1/webhooks/{did_hook}/deliveries?limit=1")])
    attempts, _ = list_all(f"/v1/webhooks/{did_hook}/deliveries", "attempts")
    case("every attempt is recorded, newest first", attempts is not None and [a["attempt"] for a in attempts] == sorted((a["attempt"] for a in attempts), reverse=True) and len(attempts) >= 3, f"got {[a['attempt'] for a in attempts or []]}", [curl("GET", f"/v1/webhooks/{did_hook}/deliveries")])
    status, _, res = jcall("POST", bulk, {"webhook_id": did_hook, "until": "2000-01-01T00:00:00Z"})
    case("bulk replay before the dead letter's time replays nothing", status == 202 and res.get("replayed") == 0, f"got {status} {res!r}"[:200], [curl("POST", bulk, "{…until 2000…}")])
    jcall("PUT", f"/v1/webhooks/{did_hook}", {"max_retries": 5})  # replays stay pending a while
    status, _, res = jcall("POST", bulk, {"webhook_id": did_hook, "since": "2000-01-01T00:00:00Z"})
    case("bulk replay replays the dead letter again", status == 202 and res.get("replayed") == 1 and res.get("truncated") is False, f"got {status} {res!r}"[:200], [curl("POST", bulk, json.dumps({"webhook_id": did_hook}))])
    status, headers, res = jcall("DELETE", f"/v1/webhooks/{did_hook}")
    case("DELETE /v1/webhooks/{id} is 204 with an empty body", status == 204 and res == b"", f"got {status} {res!r}"[:100], [curl("DELETE", f"/v1/webhooks/{did_hook}")])
    expect("deleting it again is 404 webhook_not_found", "DELETE", f"/v1/webhooks/{did_hook}", None, 404, "webhook_not_found")
    expect("its attempt log is gone with it (404)", "GET", f"/v1/webhooks/{did_hook}/deliveries", None, 404, "webhook_not_found")
    case("its dead letters stay listed", len(dead_letters_of(did_hook)) == 1, f"got {dead_letters_of(did_hook)!r}"[:200], [curl("GET", f"/v1/dead-letters?webhook_id={did_hook}")])

# 18. Webhooks are for admin keys only.
standard = new_key("edge webhooks standard")["api_key"]
expect("GET /v1/webhooks with a standard key is 403 forbidden", "GET", "/v1/webhooks", None, 403, "forbidden", key=standard)
expect("POST /v1/webhooks with a standard key is 403 forbidden", "POST", "/v1/webhooks", {"url": LOOPBACK}, 403, "forbidden", key=standard)
expect("GET /v1/dead-letters with a standard key is 403 forbidden", "GET", "/v1/dead-letters", None, 403, "forbidden", key=standard)

# 19. After everything (Schemathesis' run and the cases above): every webhook
#     of the account names a loopback host.
webhooks, status = list_all("/v1/webhooks", "webhooks")
foreign = sorted({urllib.parse.urlsplit(w["url"]).hostname for w in webhooks or []} - LOOPBACK_HOSTS)
case(
    f"all {len(webhooks or [])} webhooks of the account name 127.0.0.1 or localhost",
    status == 200 and not foreign,
    f"got {status}, other hosts: {foreign}",
    [curl("GET", "/v1/webhooks?limit=100")],
)

print(f"\n{len(failures)} edge case(s) failed" if failures else "\nall edge cases passed")
sys.exit(1 if failures else 0)
