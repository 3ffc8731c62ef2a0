"""Interop: webhook deliveries of the real triggers-service binary verify with
the official Standard Webhooks library (`standardwebhooks` from PyPI), not
with any code of this project.

The service runs on a free 127.0.0.1 port with a temporary data directory and
local delivery allowed; a `http.server` receiver on 127.0.0.1 verifies every
delivery with `standardwebhooks.Webhook(secret).verify(raw_body, headers)`.
Checked: signatures, `webhook-id` = `msg_` + the event id's hex, the envelope
(`data` equal to the posted payload, and its bytes verbatim), secret rotation
(both signatures during the transition window, only the new one without it),
and negative controls (tampered body, id or timestamp, unrelated secret).

The binary: $TRIGGERS_SERVICE_BIN, else $CARGO_TARGET_DIR/debug/triggers-service,
else ~/.cache/triggers/target/debug/triggers-service; built with
`cargo build -p triggers-service` when none exists.
"""
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

try:
    from standardwebhooks import Webhook, WebhookVerificationError
except ImportError:  # pragma: no cover - the environment is incomplete
    pytest.fail(
        "the official Standard Webhooks library is required: "
        "python3 -m pip install standardwebhooks (scripts/test.sh python installs it)",
        pytrace=False,
    )

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TARGET = Path.home() / ".cache" / "triggers" / "target"
DELIVERY_TIMEOUT = 20.0  # seconds to wait for a delivery

# urllib must never go through a proxy from the environment: 127.0.0.1 only.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------- the binary


def _executable(path):
    return path.is_file() and os.access(path, os.X_OK)


def _build():
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(DEFAULT_TARGET))
    out = subprocess.run(
        ["cargo", "build", "-p", "triggers-service", "--bin", "triggers-service",
         "--message-format=json-render-diagnostics"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, check=True, timeout=1800,
    ).stdout.decode()
    exe = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable")
                and msg["target"]["name"] == "triggers-service"):
            exe = msg["executable"]
    assert exe, "cargo build did not report the triggers-service executable"
    return Path(exe)


@pytest.fixture(scope="session")
def service_bin():
    given = os.environ.get("TRIGGERS_SERVICE_BIN")
    if given:
        path = Path(given)
        assert _executable(path), f"TRIGGERS_SERVICE_BIN={given} is not an executable file"
        return path
    candidates = []
    if os.environ.get("CARGO_TARGET_DIR"):
        target = Path(os.environ["CARGO_TARGET_DIR"])
        if not target.is_absolute():
            target = ROOT / target
        candidates.append(target / "debug" / "triggers-service")
    candidates.append(DEFAULT_TARGET / "debug" / "triggers-service")
    for path in candidates:
        if _executable(path):
            return path
    return _build()


# --------------------------------------------------------------- the service


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, base, key):
        self.base = base
        self.key = key

    def call(self, method, path, body=None, raw=None):
        """(status, parsed JSON or None). `raw` sends these bytes as the body."""
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with _HTTP.open(req, timeout=10) as res:
                status, text = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        return status, (json.loads(text) if text else None)

    def post_event(self, source, event_type, payload_raw):
        """POSTs an event whose payload is the exact bytes `payload_raw`."""
        body = (b'{"source":' + json.dumps(source).encode()
                + b',"event_type":' + json.dumps(event_type).encode()
                + b',"payload":' + payload_raw + b"}")
        status, v = self.call("POST", "/v1/events", raw=body)
        assert status == 201, (status, v)
        return v["event_id"]

    def create_webhook(self, url, **fields):
        status, v = self.call("POST", "/v1/webhooks", {"url": url, **fields})
        assert status == 201, (status, v)
        assert v["secret"].startswith("whsec_")
        return v


@pytest.fixture(scope="module")
def service(service_bin, request):
    work = tempfile.TemporaryDirectory(prefix="triggers-interop-")
    request.addfinalizer(work.cleanup)
    port = _free_port()
    out_path = Path(work.name) / "server.out"
    err_path = Path(work.name) / "server.err"
    env = dict(os.environ)
    env.update({
        "TRIGGERS_WEBHOOKS_ALLOW_LOCAL": "true",
        "TRIGGERS_WEBHOOKS_RETRY_BASE_MS": "100",
        "TRIGGERS_SHUTDOWN_GRACE": "2",
        "RUST_LOG": "warn",
    })
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # cwd: the temporary directory, so no ./triggers.toml is picked up.
        proc = subprocess.Popen(
            [str(service_bin), "serve", "--listen", f"127.0.0.1:{port}",
             "--data-dir", str(Path(work.name) / "data")],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=work.name, env=env,
        )

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    request.addfinalizer(stop)

    def log():
        return err_path.read_text(errors="replace")[-4000:]

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    key = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"triggers-service exited during start-up:\n{log()}"
        m = re.search(r"trgk_[A-Za-z0-9]+", out_path.read_text(errors="replace"))
        if m:
            try:
                with _HTTP.open(base + "/healthz", timeout=2) as res:
                    if res.status == 200:
                        key = m.group(0)
                        break
            except OSError:
                pass
        time.sleep(0.1)
    assert key, f"no admin key and /healthz within 30 s:\n{log()}"
    return Service(base, key)


# --------------------------------------------------------------- the receiver


class Receiver(ThreadingHTTPServer):
    """Records every delivery; verifies it with the official library against
    the secrets trusted for its path (answers 204, or 401 when none
    verifies)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.trusted = {}  # path -> [whsec_…]
        self.deliveries = []  # dicts: path, headers, body, verified
        self.cond = threading.Condition()

    @property
    def base(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def wait_for(self, path, event_ids, timeout=DELIVERY_TIMEOUT):
        """The first delivery to `path` of each event id, waiting for all."""
        wanted = set(event_ids)

        def found():
            out = {}
            for d in self.deliveries:
                if d["path"] != path:
                    continue
                try:
                    eid = json.loads(d["body"])["id"]
                except (ValueError, KeyError, TypeError):
                    continue
                if eid in wanted and eid not in out:
                    out[eid] = d
            return out

        with self.cond:
            ok = self.cond.wait_for(lambda: len(found()) == len(wanted), timeout)
            got = found()
        assert ok, f"{path}: {len(wanted) - len(got)} of {len(wanted)} deliveries missing after {timeout} s"
        return got


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = False
        for secret in self.server.trusted.get(self.path, []):
            try:
                Webhook(secret).verify(body, headers)
                verified = True
                break
            except WebhookVerificationError:
                pass
        with self.server.cond:
            self.server.deliveries.append(
                {"path": self.path, "headers": headers, "body": body, "verified": verified})
            self.server.cond.notify_all()
        self.send_response(204 if verified else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver(request):
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    request.addfinalizer(stop)
    return server


def _hook(service, receiver, name, **fields):
    """A webhook to receiver path /<name>-<random>, trusted with its secret."""
    path = f"/{name}-{uuid.uuid4().hex[:8]}"
    created = service.create_webhook(receiver.base + path, **fields)
    receiver.trusted[path] = [created["secret"]]
    return path, created


def _entries(headers):
    return [e for e in headers["webhook-signature"].split(" ") if e]


# --------------------------------------------------------------- payloads

_RICH = {
    "order_id": 1,
    "customer": {
        "name": "Zoë Ångström-Łukasiewicz",
        "tags": ["vip", "日本語", "עברית", "кириллица"],
        "address": {"city": "Zürich", "geo": {"lat": 47.3769, "lng": 8.5417}},
    },
    "items": [{"sku": "☕-1", "qty": 2, "price": 3.5, "options": [[], {}, [None, True, False]]}],
    "emoji": "🎉🚀 👩‍💻",
    "note": "line1\nline2\t\"quoted\" \\ back/slash \u2028",
    "empty": "",
}


def _deep(n):
    v = {"leaf": ["x", 1, None]}
    for i in range(n):
        v = {f"level{i}": v, "list": [i, [i, [i]]]}
    return v


PAYLOADS = [
    # (source, event_type, exact payload bytes)
    ("shop", "order.created", json.dumps(_RICH, ensure_ascii=False).encode("utf-8")),
    ("shop", "order.created", json.dumps(_RICH, ensure_ascii=True).encode()),  # \u escapes, surrogate pairs
    ("boutique-zürich", "commande.créée", json.dumps({"montant": "12,50 €", "ok": True}, ensure_ascii=False).encode()),
    ("deep", "nested.deep", json.dumps(_deep(30)).encode()),
    ("numbers", "numbers.exact", b'{"int": 9007199254740993, "neg": -17, "frac": 1.50, "exp": 1e-7, "big": 1.5E+300}'),
    ("spaces", "format.kept", b'{ "spaced" :  [ 1 , 2 ] ,\n  "k" : "v"\t}'),
    ("empty", "empty.object", b"{}"),
]


# --------------------------------------------------------------- tests


def test_every_delivery_verifies_with_the_official_library(service, receiver):
    path, hook = _hook(service, receiver, "basic")
    posted = {}
    for source, event_type, raw in PAYLOADS:
        posted[service.post_event(source, event_type, raw)] = (source, event_type, raw)

    got = receiver.wait_for(path, posted)
    for event_id, (source, event_type, raw) in posted.items():
        d = got[event_id]
        assert d["verified"], f"the receiver could not verify {event_id}"
        # The library itself, once more, here: it returns the parsed body.
        envelope = Webhook(hook["secret"]).verify(d["body"], d["headers"])
        assert envelope == json.loads(d["body"])
        assert d["headers"]["webhook-id"] == "msg_" + uuid.UUID(event_id).hex
        assert d["headers"]["content-type"].startswith("application/json")
        assert len(_entries(d["headers"])) == 1
        assert abs(int(d["headers"]["webhook-timestamp"]) - time.time()) < 300
        assert envelope["id"] == event_id
        assert envelope["type"] == event_type
        assert envelope["source"] == source
        assert envelope["data"] == json.loads(raw)
        # `data` is the payload byte for byte (never re-serialized).
        assert d["body"].endswith(b'"data":' + raw + b"}"), d["body"]
    # Nothing but these deliveries (no stray retries: every one got 204).
    mine = [d for d in receiver.deliveries if d["path"] == path]
    assert len(mine) == len(posted), [d["headers"]["webhook-id"] for d in mine]


def test_rotation_signs_with_both_secrets_during_the_window(service, receiver):
    path, hook = _hook(service, receiver, "rotate")
    old = hook["secret"]
    before = service.post_event("shop", "order.created", b'{"phase": "before"}')
    d = receiver.wait_for(path, [before])[before]
    Webhook(old).verify(d["body"], d["headers"])
    assert len(_entries(d["headers"])) == 1

    status, rotated = service.call("POST", f"/v1/webhooks/{hook['webhook_id']}/rotate-secret")
    assert status == 200, rotated
    new = rotated["secret"]
    assert new != old and new.startswith("whsec_")
    assert rotated["secret_version"] == hook["secret_version"] + 1
    assert rotated["previous_secret_expires_at"] is not None
    # A receiver that already switched, and one that did not yet: both accept.
    receiver.trusted[path] = [new]

    payload = json.dumps({"phase": "during", "text": "ünïcödé ✓", "nested": {"a": [1, {"b": None}]}},
                         ensure_ascii=False).encode()
    during = service.post_event("shop", "order.updated", payload)
    d = receiver.wait_for(path, [during])[during]
    assert d["verified"]
    entries = _entries(d["headers"])
    assert len(entries) == 2 and all(e.startswith("v1,") for e in entries), entries
    assert Webhook(new).verify(d["body"], d["headers"])["data"] == json.loads(payload)
    assert Webhook(old).verify(d["body"], d["headers"])["data"] == json.loads(payload)
    # Each signature on its own: the current secret's first, then the old one's.
    for secret, entry in ((new, entries[0]), (old, entries[1])):
        alone = dict(d["headers"], **{"webhook-signature": entry})
        Webhook(secret).verify(d["body"], alone)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(d["body"], dict(d["headers"], **{"webhook-signature": entries[0]}))

    # Negative controls on this very delivery.
    _assert_tampering_fails(d, [new, old])

    # Rotating without a transition ends the old secret at once.
    status, again = service.call("POST", f"/v1/webhooks/{hook['webhook_id']}/rotate-secret",
                                 {"transition_seconds": 0})
    assert status == 200, again
    newest = again["secret"]
    assert again["previous_secret_expires_at"] is None
    receiver.trusted[path] = [newest]
    after = service.post_event("shop", "order.updated", b'{"phase": "after"}')
    d = receiver.wait_for(path, [after])[after]
    assert len(_entries(d["headers"])) == 1
    Webhook(newest).verify(d["body"], d["headers"])
    for stale in (new, old):
        with pytest.raises(WebhookVerificationError):
            Webhook(stale).verify(d["body"], d["headers"])


def _assert_tampering_fails(d, secrets):
    body, headers = d["body"], d["headers"]
    envelope = json.loads(body)
    assert b"during" in body
    tampered_bodies = [
        body.replace(b"during", b"DURING", 1),  # one field of `data`
        body + b" ",  # one trailing byte
        body.replace(envelope["id"].encode(), str(uuid.uuid4()).encode(), 1),
    ]
    for secret in secrets:
        wh = Webhook(secret)
        wh.verify(body, headers)  # positive control: the original verifies
        for tampered in tampered_bodies:
            assert tampered != body
            with pytest.raises(WebhookVerificationError):
                wh.verify(tampered, headers)
        with pytest.raises(WebhookVerificationError):
            wh.verify(body, dict(headers, **{"webhook-id": "msg_" + uuid.uuid4().hex}))
        with pytest.raises(WebhookVerificationError):
            ts = str(int(headers["webhook-timestamp"]) + 1)
            wh.verify(body, dict(headers, **{"webhook-timestamp": ts}))
        with pytest.raises(WebhookVerificationError):
            wh.verify(body, {k: v for k, v in headers.items() if k != "webhook-signature"})
    # A secret the webhook never had.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers)


def test_tampered_deliveries_fail_in_the_library(service, receiver):
    path, hook = _hook(service, receiver, "tamper")
    event_id = service.post_event("shop", "order.created",
                                  json.dumps({"phase": "during", "amount": 100}).encode())
    d = receiver.wait_for(path, [event_id])[event_id]
    assert d["verified"]
    _assert_tampering_fails(d, [hook["secret"]])
