"""Shared fixtures: the live service (scripts/with-service.sh), clients, and
a webhook receiver on 127.0.0.1."""
from __future__ import annotations

import http.server
import os
import queue
import threading
from typing import Any, Dict, List, Optional, Tuple

import pytest

import triggers_api

HERE = os.path.dirname(os.path.abspath(__file__))
SDK_DIR = os.path.dirname(HERE)
REPO = os.path.normpath(os.path.join(SDK_DIR, "..", ".."))
VECTORS_PATH = os.path.join(REPO, "triggers-signing", "vectors", "v1.json")
OPENAPI_PATH = os.path.join(REPO, "docs", "openapi.json")


# ------------------------------------------------------------------ service


class Service:
    def __init__(self) -> None:
        self.base_url = os.environ["TRIGGERS_TEST_BASE_URL"]
        self.admin_key = os.environ["TRIGGERS_TEST_ADMIN_KEY"]
        self.key_id = os.environ["TRIGGERS_TEST_KEY_ID"]
        self.signing_secret = os.environ["TRIGGERS_TEST_SIGNING_SECRET"]
        self.bin = os.environ.get("TRIGGERS_TEST_SERVICE_BIN", "")
        self.data_dir = os.environ.get("TRIGGERS_TEST_DATA_DIR", "")

    def client(self, api_key: Optional[str] = None, **kwargs: Any) -> triggers_api.Client:
        return triggers_api.Client(
            self.base_url, self.admin_key if api_key is None else api_key, **kwargs
        )


@pytest.fixture(scope="session")
def service() -> Service:
    if not os.environ.get("TRIGGERS_TEST_BASE_URL"):
        if os.environ.get("TRIGGERS_TEST_REQUIRE_SERVICE") == "1":
            pytest.fail("TRIGGERS_TEST_BASE_URL is not set: run under scripts/with-service.sh")
        pytest.skip("no live service: run under scripts/with-service.sh (see test.sh)")
    return Service()


@pytest.fixture(scope="session")
def admin(service: Service) -> triggers_api.Client:
    return service.client(timeout=20)


# ------------------------------------------------------------------ receiver


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers with
    ``status`` (changeable while it runs)."""

    def __init__(self) -> None:
        self.requests: "queue.Queue[Tuple[str, Dict[str, str], Any, bytes]]" = queue.Queue()
        self.status = 204
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                # self.headers is an email.message.Message: what a real
                # http.server receiver hands to verify_webhook.
                outer.requests.put((self.path, dict(self.headers), self.headers, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks/triggers") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next(self, timeout: float = 30.0):
        """The next request received: (path, headers dict, Message, body)."""
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no webhook delivery within {timeout} s") from None

    def drain(self) -> List[Any]:
        out = []
        while True:
            try:
                out.append(self.requests.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
