"""The analytics methods against the real triggers-service
(scripts/with-service.sh): a fresh account ingests a few events, and the
summary, timeseries, breakdown and export (JSON, CSV text, streamed CSV)
count exactly those. The fold is asynchronous: the first check polls, with a
bound."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import time
import uuid

import pytest

import triggers_api
from triggers_api import ApiError

from conftest import OPENAPI_PATH

EVENTS = [("shop", "order.created"), ("shop", "order.paid"), ("crm", "contact.added")]


def _api_error(fn, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(*args, **kwargs)
    return err.value


@pytest.fixture(scope="module")
def fresh(service):
    """An admin client of a new account (every count is this module's alone),
    the range around its events, and its summary once it counts them."""
    if not service.bin or not service.data_dir:
        pytest.fail("TRIGGERS_TEST_SERVICE_BIN and TRIGGERS_TEST_DATA_DIR are needed")
    out = subprocess.run(
        [service.bin, "keys", "create", "--name", "py-analytics", "--account",
         f"acct_py_analytics_{uuid.uuid4().hex[:12]}", "--admin", "--data-dir", service.data_dir],
        check=True, capture_output=True, text=True,
    ).stdout
    api_key = re.search(r"(?m)^api_key:\s+(trgk_\S+)", out).group(1)
    client = service.client(api_key, timeout=20)
    start = dt.datetime.now(dt.timezone.utc)
    for source, event_type in EVENTS:
        client.create_event(source, event_type, {"n": 1})
    rng = {"from_": start - dt.timedelta(minutes=5), "to": start + dt.timedelta(minutes=10)}
    deadline = time.monotonic() + 20  # a bound, not a timing assertion
    while True:
        summary = client.get_analytics_summary(**rng)
        if summary["events"]["total"] >= 3 and summary["api"]["by_class"]["2xx"] >= 3:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the summary did not count the 3 events within 20 s: {summary}")
        time.sleep(0.1)
    return client, rng, summary


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_summary_counts_the_events_and_requests(fresh):
    _, rng, s = fresh
    assert s["events"]["total"] == 3
    lat = s["events"]["ingest_latency"]
    assert lat["count"] == 3 and lat["p50_us"] > 0 and lat["min_us"] <= lat["max_us"]
    assert s["api"]["requests"] >= 3
    assert s["api"]["errors"] == s["api"]["by_class"]["4xx"] + s["api"]["by_class"]["5xx"]
    # No webhooks in this account: no attempts, no rates, no latencies.
    assert s["deliveries"]["attempts"] == 0
    assert s["deliveries"]["attempt_success_rate"] is None
    assert s["deliveries"]["ingest_to_delivery"]["p99_us"] is None
    # The range read: `from` rounded down to the minute, `to` up.
    assert _utc(s["from"]) == rng["from_"].replace(second=0, microsecond=0)
    assert dt.timedelta(0) <= _utc(s["to"]) - rng["to"] < dt.timedelta(minutes=1)


def test_timeseries(fresh):
    client, rng, _ = fresh
    ts = client.get_analytics_timeseries(metric="events", bucket="minute", **rng)
    assert (ts["metric"], ts["bucket"]) == ("events", "minute")
    minutes = (_utc(ts["to"]) - _utc(ts["from"])) // dt.timedelta(minutes=1)
    assert len(ts["points"]) == minutes  # empty buckets included
    assert sum(p["value"] for p in ts["points"]) == 3
    assert ts["filter"] == {"source": None, "event_type": None}

    shop = client.get_analytics_timeseries(bucket="minute", source="shop", **rng)
    assert sum(p["value"] for p in shop["points"]) == 2
    assert shop["filter"] == {"source": "shop", "event_type": None}

    e = _api_error(client.get_analytics_timeseries, metric="api_requests", source="shop", **rng)
    assert (e.status, e.code) == (400, "filter_not_supported")
    month_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    e = _api_error(client.get_analytics_timeseries, bucket="minute", from_=month_ago)
    assert (e.status, e.code) == (400, "too_many_points")


def test_breakdown(fresh):
    client, rng, _ = fresh
    b = client.get_analytics_breakdown("source", **rng)
    assert [(r["key"], r["count"], r["webhook"]) for r in b["rows"]] == [("shop", 2, None), ("crm", 1, None)]
    assert (b["total"], b["other"]) == (3, 0)
    top = client.get_analytics_breakdown("source", limit=1, **rng)
    assert [r["key"] for r in top["rows"]] == ["shop"] and top["other"] == 1
    types = client.get_analytics_breakdown("event_type", source="shop", **rng)
    assert [(r["key"], r["count"]) for r in types["rows"]] == [("order.created", 1), ("order.paid", 1)]
    assert types["filter"] == {"source": "shop", "event_type": None}


def test_export_json_csv_and_streamed_csv_agree(fresh):
    client, rng, _ = fresh
    exported = client.export_analytics(bucket="hour", **rng)
    assert exported["bucket"] == "hour" and 1 <= len(exported["rows"]) <= 2
    assert sum(r["events"] for r in exported["rows"]) == 3

    with open(OPENAPI_PATH, encoding="utf-8") as f:
        columns = json.load(f)["components"]["schemas"]["AnalyticsExportRow"]["required"]
    text = client.export_analytics_csv(bucket="hour", **rng)
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == columns
    assert len(records) == len(exported["rows"]) + 1
    for record, row in zip(records[1:], exported["rows"]):
        assert _utc(record[0]) == _utc(row["start"])
        assert int(record[columns.index("events")]) == row["events"]

    streamed = list(client.iter_analytics_csv(bucket="hour", **rng))
    assert streamed == text.splitlines()


def test_bad_input_and_non_admin_keys(service, fresh):
    client, _, _ = fresh
    e = _api_error(client.get_analytics_summary, from_="yesterday")
    assert (e.status, e.code) == (400, "invalid_query")
    e = _api_error(client.get_analytics_breakdown, "colour")
    assert (e.status, e.code) == (400, "invalid_query")
    standard = client.create_api_key(f"py-analytics-std-{uuid.uuid4().hex[:8]}", role="standard")
    limited = triggers_api.Client(service.base_url, standard["api_key"])
    for call in (limited.get_analytics_summary, limited.export_analytics_csv):
        e = _api_error(call)
        assert (e.status, e.code) == (403, "forbidden")
