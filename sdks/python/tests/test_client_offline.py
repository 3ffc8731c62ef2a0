"""The client without the service: its coverage of docs/openapi.json, its
argument checks, and its errors against real loopback sockets (a closed
port, a server that never answers, a proxy-like non-JSON error page, a
redirect)."""
from __future__ import annotations

import http.server
import inspect
import json
import keyword
import re
import socket
import threading

import pytest

import triggers_api
from triggers_api import ApiError, Client, NetworkError

from conftest import OPENAPI_PATH


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def test_every_operation_of_the_openapi_document_has_a_method():
    with open(OPENAPI_PATH, encoding="utf-8") as f:
        doc = json.load(f)
    ops = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                ops[op["operationId"]] = (method.upper(), path, op)
    assert len(ops) >= 20
    missing = [op for op in ops if not callable(getattr(Client, _snake(op), None))]
    assert missing == [], f"operations without a Client method: {missing}"
    shared = doc["components"].get("parameters", {})
    for op_id, (_, path, op) in ops.items():
        sig = inspect.signature(getattr(Client, _snake(op_id)))
        # Every path parameter is a parameter of the method.
        for name in re.findall(r"{(\w+)}", path):
            assert name in sig.parameters, f"{op_id}: {name}"
        # Every query parameter too (a list operation's cursor and limit...),
        # shared ones ($ref) included; a Python keyword gets a trailing
        # underscore (PEP 8): `from` is `from_`.
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = shared[p["$ref"].rsplit("/", 1)[-1]]
            if p.get("in") == "query":
                name = p["name"] + "_" if keyword.iskeyword(p["name"]) else p["name"]
                # The export's format is the method's: export_analytics (JSON)
                # or export_analytics_csv / iter_analytics_csv (CSV).
                if op_id == "exportAnalytics" and name == "format":
                    continue
                assert name in sig.parameters, f"{op_id}: {name}"
        # The X-Request-Id header of every operation.
        assert "request_id" in sig.parameters, op_id


def test_constructor_checks_and_repr_hides_secrets():
    c = Client("http://127.0.0.1:8080/prefix/", "trgk_SECRETKEY", signing=("key_1", "trgs_SECRET"))
    assert c.base_url == "http://127.0.0.1:8080/prefix"
    text = repr(c)
    assert "SECRET" not in text and "signed=True" in text
    for bad in ("ftp://x", "127.0.0.1:8080", "http://", "http://h/?q=1"):
        with pytest.raises(ValueError):
            Client(bad, "k")
    with pytest.raises(ValueError):
        Client("http://h", "k\r\nX-Evil: 1")
    with pytest.raises(TypeError):
        Client("http://h", "k", signing="key_only")
    with pytest.raises(ValueError):
        Client("http://h", "k", signing=("key_1", ""))
    with pytest.raises(ValueError):
        Client("http://h", "k", timeout=0)
    with pytest.raises(ValueError):
        Client("http://h", "k").get_event("")


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_network_error_on_a_closed_port():
    client = Client(f"http://127.0.0.1:{_closed_port()}", "trgk_x", timeout=5)
    with pytest.raises(NetworkError) as err:
        client.create_event("shop", "order.created", {"a": 1})
    assert isinstance(err.value, triggers_api.TriggersError)
    assert err.value.method == "POST" and err.value.url.endswith("/v1/events")
    assert isinstance(err.value.__cause__, OSError)
    assert "trgk_x" not in str(err.value)


def test_network_error_on_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections, never answers
    try:
        client = Client(f"http://127.0.0.1:{listener.getsockname()[1]}", "k", timeout=0.5)
        with pytest.raises(NetworkError):
            client.health()
    finally:
        listener.close()


class _Fixed(http.server.BaseHTTPRequestHandler):
    status = 502
    body = b"<html>bad gateway</html>"
    headers_out = {"Content-Type": "text/html", "X-Request-Id": "rid-1"}
    seen = []

    def _answer(self):
        _Fixed.seen.append((self.command, self.path, dict(self.headers)))
        self.send_response(self.status)
        for k, v in self.headers_out.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fixed_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Fixed)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Fixed.seen = []
    yield srv
    srv.shutdown()
    srv.server_close()


def test_a_non_json_error_page_is_an_api_error(fixed_server):
    client = Client(f"http://127.0.0.1:{fixed_server.server_address[1]}", "k")
    with pytest.raises(ApiError) as err:
        client.list_inbox(source="shop")
    e = err.value
    assert (e.status, e.code, e.request_id) == (502, "http_502", "rid-1")
    assert "bad gateway" in e.message


def test_redirects_are_not_followed(fixed_server, monkeypatch):
    monkeypatch.setattr(_Fixed, "status", 302)
    monkeypatch.setattr(_Fixed, "headers_out", {"Location": "http://127.0.0.1:9/elsewhere"})
    monkeypatch.setattr(_Fixed, "body", b"")
    client = Client(f"http://127.0.0.1:{fixed_server.server_address[1]}", "trgk_k")
    with pytest.raises(ApiError) as err:
        client.get_event("0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b")
    assert err.value.status == 302
    assert len(_Fixed.seen) == 1  # nothing was sent to the Location


def test_signed_request_carries_what_was_sent(fixed_server, monkeypatch):
    """The exact target of the request line and the exact body bytes are
    what is signed (checked by verifying on the receiving side)."""
    monkeypatch.setattr(_Fixed, "status", 200)
    monkeypatch.setattr(_Fixed, "headers_out", {"Content-Type": "application/json"})
    monkeypatch.setattr(_Fixed, "body", b'{"ok":true}')
    bodies = []
    orig = _Fixed._answer

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        bodies.append(self.rfile.read(n) if n else b"")
        orig(self)

    monkeypatch.setattr(_Fixed, "do_POST", answer)
    monkeypatch.setattr(_Fixed, "do_GET", answer)
    base = f"http://127.0.0.1:{fixed_server.server_address[1]}/api"
    client = Client(base, "trgk_k", signing=("key_abc", "trgs_secret"))
    assert client.create_event("shop", "order.created", {"é": "x y/z?&"}) == {"ok": True}
    assert client.list_inbox(source="a b&c=d/é", limit=2, cursor=None) == {"ok": True}
    assert client.get_event("a/b?c") == {"ok": True}
    assert [s[1] for s in _Fixed.seen] == [
        "/api/v1/events",
        "/api/v1/inbox?source=a%20b%26c%3Dd%2F%C3%A9&limit=2",
        "/api/v1/events/a%2Fb%3Fc",
    ]
    for (method, target, headers), body in zip(_Fixed.seen, bodies):
        assert headers["X-Key-Id"] == "key_abc"
        assert headers["Authorization"] == "Bearer trgk_k"
        v = triggers_api.verify_request("trgs_secret", method, target, body, headers)
        assert v.secret_index == 0
    assert client.create_event("s", "t", b'{"b": 1.50,  "a": 2}', idempotency_key="k") == {"ok": True}
    assert bodies[-1] == b'{"source":"s","event_type":"t","idempotency_key":"k","payload":{"b": 1.50,  "a": 2}}'
    with pytest.raises(TypeError):
        client.create_event("s", "t", "not a dict")
    assert json.loads(bodies[0]) == {"source": "shop", "event_type": "order.created", "payload": {"é": "x y/z?&"}}
    assert _Fixed.seen[0][2]["Content-Type"] == "application/json"
