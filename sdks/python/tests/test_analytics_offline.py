"""The analytics methods without the service, against a real http.server on
127.0.0.1: the path and query they send (datetimes as RFC 3339 in UTC), the
Accept header per format, what they return, their errors, and the CSV export
read as it arrives. Against the real service: test_client_service.py."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
import urllib.parse
from typing import Any, Callable, List, Optional

import pytest

import triggers_api
from triggers_api import ApiError, Client, NetworkError

CSV_HEADER = (
    "start,end,events,ingest_latency_p50_us,ingest_latency_p90_us,ingest_latency_p99_us,"
    "api_requests,api_2xx,api_4xx,api_5xx,delivery_attempts,deliveries_succeeded,"
    "delivery_failures,retries,dead_letters,ingest_to_delivery_p50_us,"
    "ingest_to_delivery_p90_us,ingest_to_delivery_p99_us"
)
CSV_ROW_1 = (
    "2026-11-24T10:00:00Z,2026-11-24T11:00:00Z,1200,812.4,1530.9,4102.2,1250,1240,10,0,"
    "2400,2390,10,10,0,20311.8,35120.5,48001.2"
)
CSV_ROW_2 = "2026-11-24T11:00:00Z,2026-11-24T12:00:00Z,7,,,,0,0,0,0,0,0,0,0,0,,,"

SUMMARY = {
    "from": "2026-11-24T00:00:00Z",
    "to": "2026-11-25T00:00:00Z",
    "events": {
        "total": 3,
        "ingest_latency": {
            "count": 3, "min_us": 100, "max_us": 900, "mean_us": 400.5,
            "p50_us": 301.2, "p90_us": 880.1, "p99_us": 899.9,
        },
    },
    "api": {
        "requests": 5, "by_class": {"1xx": 0, "2xx": 4, "3xx": 0, "4xx": 1, "5xx": 0},
        "errors": 1, "error_rate": 0.2, "client_error_rate": 0.2, "server_error_rate": 0,
    },
    "deliveries": {"attempts": 0, "attempt_success_rate": None},
}


class Server:
    """An http.server on 127.0.0.1 whose answer is ``handle(handler)``; it
    records (path, headers) of every request."""

    def __init__(self) -> None:
        self.seen: List[Any] = []
        self.handle: Callable[[http.server.BaseHTTPRequestHandler], None] = lambda h: None
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.seen.append((self.path, dict(self.headers)))
                outer.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status: int, body: Any, ctype: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode()
        )

        def handle(h: http.server.BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("X-Request-Id", "rid-analytics")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw)

        self.handle = handle

    @property
    def last_path(self) -> str:
        return self.seen[-1][0]

    @property
    def last_headers(self) -> dict:
        return self.seen[-1][1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def srv():
    s = Server()
    yield s
    s.close()


def test_summary_sends_the_range_as_rfc3339_and_returns_the_json(srv):
    srv.answer(200, SUMMARY)
    client = Client(srv.base + "/api", "trgk_k")
    cet = dt.timezone(dt.timedelta(hours=1))
    got = client.get_analytics_summary(
        from_=dt.datetime(2026, 11, 24, 1, 0, tzinfo=cet),  # 00:00 UTC
        to="2026-11-25T00:00:00+01:00",  # a str is sent as given
    )
    assert got == SUMMARY
    assert srv.last_path == (
        "/api/v1/analytics/summary?from=2026-11-24T00%3A00%3A00Z&to=2026-11-25T00%3A00%3A00%2B01%3A00"
    )
    assert srv.last_headers["Accept"] == "application/json"
    assert srv.last_headers["Authorization"] == "Bearer trgk_k"
    # Microseconds are kept; no range, no query.
    client.get_analytics_summary(to=dt.datetime(2026, 1, 31, 12, 0, 0, 250000, tzinfo=dt.timezone.utc))
    assert srv.last_path == "/api/v1/analytics/summary?to=2026-01-31T12%3A00%3A00.250000Z"
    client.get_analytics_summary()
    assert srv.last_path == "/api/v1/analytics/summary"


def test_bad_ranges_are_refused_before_sending(srv):
    srv.answer(200, SUMMARY)
    client = Client(srv.base, "trgk_k")
    with pytest.raises(ValueError, match="timezone-aware"):
        client.get_analytics_summary(from_=dt.datetime(2026, 11, 24))
    with pytest.raises(TypeError, match="from_"):
        client.get_analytics_timeseries(from_=1_700_000_000)
    with pytest.raises(TypeError):
        client.export_analytics_csv(to=dt.date(2026, 11, 24))
    with pytest.raises(ValueError):
        client.get_analytics_breakdown("")
    with pytest.raises(TypeError):
        client.get_analytics_breakdown(None)
    with pytest.raises(TypeError):
        client.get_analytics_breakdown()  # by is required
    with pytest.raises(TypeError):
        next(client.iter_analytics_csv(from_=3.5))
    assert srv.seen == []


def test_timeseries_and_breakdown_queries(srv):
    answer = {"metric": "events", "bucket": "minute", "points": [{"start": "x", "value": None, "exact": True}]}
    srv.answer(200, answer)
    client = Client(srv.base, "trgk_k")
    got = client.get_analytics_timeseries(
        metric="events", bucket="minute", source="a b&c=d/é", event_type=None,
        from_="2026-11-24T10:00:00Z",
    )
    assert got == answer
    assert srv.last_path == (
        "/v1/analytics/timeseries?metric=events&bucket=minute&from=2026-11-24T10%3A00%3A00Z"
        "&source=a%20b%26c%3Dd%2F%C3%A9"
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(srv.last_path).query)
    assert query["source"] == ["a b&c=d/é"]

    srv.answer(200, {"by": "webhook", "rows": [], "total": 0, "other": 0})
    assert client.get_analytics_breakdown("webhook", limit=5)["by"] == "webhook"
    assert srv.last_path == "/v1/analytics/breakdown?by=webhook&limit=5"
    client.get_analytics_breakdown("source", event_type="order.created", to="2026-11-25T00:00:00Z")
    assert srv.last_path == (
        "/v1/analytics/breakdown?by=source&to=2026-11-25T00%3A00%3A00Z&event_type=order.created"
    )


def test_error_envelopes_are_api_errors(srv):
    srv.answer(400, {"error": {"code": "too_many_points", "message": "at most 10000 points", "request_id": "rid-body"}})
    client = Client(srv.base, "trgk_k")
    with pytest.raises(ApiError) as err:
        client.get_analytics_timeseries(bucket="minute", from_="2025-01-01T00:00:00Z")
    assert (err.value.status, err.value.code, err.value.request_id) == (400, "too_many_points", "rid-body")

    srv.answer(403, {"error": {"code": "forbidden", "message": "admin keys only", "request_id": "r"}})
    for call in (
        lambda: client.get_analytics_summary(),
        lambda: client.get_analytics_breakdown("source"),
        lambda: client.export_analytics(),
        lambda: client.export_analytics_csv(),
        lambda: list(client.iter_analytics_csv()),
    ):
        with pytest.raises(ApiError) as err:
            call()
        assert (err.value.status, err.value.code) == (403, "forbidden")


def test_export_as_json_and_as_csv(srv):
    exported = {"bucket": "day", "from": "a", "to": "b", "rows": [{"events": 3}]}
    srv.answer(200, exported)
    client = Client(srv.base, "trgk_k")
    assert client.export_analytics(bucket="day", from_="2026-11-24T00:00:00Z") == exported
    assert srv.last_path == "/v1/analytics/export?bucket=day&from=2026-11-24T00%3A00%3A00Z&format=json"
    assert srv.last_headers["Accept"] == "application/json"

    text = f"{CSV_HEADER}\r\n{CSV_ROW_1}\r\n{CSV_ROW_2}\r\n"
    srv.answer(200, text, "text/csv; charset=utf-8")
    assert client.export_analytics_csv(bucket="hour") == text
    assert srv.last_path == "/v1/analytics/export?bucket=hour&format=csv"
    assert srv.last_headers["Accept"] == "text/csv"

    # A success that is not CSV.
    srv.answer(200, exported)
    for call in (lambda: client.export_analytics_csv(), lambda: list(client.iter_analytics_csv())):
        with pytest.raises(ApiError) as err:
            call()
        assert (err.value.status, err.value.code, err.value.request_id) == (200, "invalid_response", "rid-analytics")


def test_iter_analytics_csv_yields_lines_as_they_arrive(srv):
    """The first two lines come out before the server sends the rest: it
    waits for the test to have them."""
    release = threading.Event()

    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.end_headers()  # no length: the body ends when the connection closes
        h.wfile.write(f"{CSV_HEADER}\r\n{CSV_ROW_1}\r\n".encode())
        h.wfile.flush()
        if not release.wait(30):
            return
        # A quoted field with a line break and an escaped quote; a last line
        # without a line break.
        h.wfile.write(f'"x\ny ""z"",é",2\n{CSV_ROW_2}'.encode())
        h.close_connection = True

    srv.handle = handle
    client = Client(srv.base + "/p", "trgk_k", signing=("key_abc", "trgs_secret"))
    lines = []
    for line in client.iter_analytics_csv(bucket="hour", from_=dt.datetime(2026, 11, 24, 10, tzinfo=dt.timezone.utc)):
        lines.append(line)
        if len(lines) == 2:
            release.set()
    assert lines == [CSV_HEADER, CSV_ROW_1, '"x\ny ""z"",é",2', CSV_ROW_2]
    path, headers = srv.seen[-1]
    assert path == "/p/v1/analytics/export?bucket=hour&from=2026-11-24T10%3A00%3A00Z&format=csv"
    assert headers["Accept"] == "text/csv"
    assert triggers_api.verify_request("trgs_secret", "GET", path, b"", headers).secret_index == 0


def test_iter_analytics_csv_closed_early_closes_the_connection(srv):
    gone = threading.Event()

    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.end_headers()
        deadline = time.monotonic() + 30
        try:
            h.wfile.write(f"{CSV_HEADER}\n".encode())
            while time.monotonic() < deadline:  # rows until the client hangs up
                h.wfile.write(f"{CSV_ROW_1}\n".encode() * 64)
                h.wfile.flush()
                time.sleep(0.01)
        except OSError:
            gone.set()

    srv.handle = handle
    lines = Client(srv.base, "trgk_k").iter_analytics_csv()
    assert next(lines) == CSV_HEADER
    assert next(lines) == CSV_ROW_1
    lines.close()
    assert gone.wait(30), "the server could still write after the generator was closed"


def test_iter_analytics_csv_timeout_bounds_each_read(srv):
    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.end_headers()
        h.wfile.write(f"{CSV_HEADER}\n".encode())
        h.wfile.flush()
        time.sleep(3)  # then nothing

    srv.handle = handle
    lines = []
    with pytest.raises(NetworkError) as err:
        for line in Client(srv.base, "trgk_k", timeout=0.3).iter_analytics_csv():
            lines.append(line)
    assert lines == [CSV_HEADER]
    assert err.value.method == "GET" and "/v1/analytics/export" in err.value.url
