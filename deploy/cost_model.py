#!/usr/bin/env python3
"""The AWS cost model of docs/DEPLOY.md ("Cost"): requests per ingested event
and per webhook delivery, derived from the backends' code, times us-east-1
list prices. Prints the Markdown tables the document shows.

    python3 deploy/cost_model.py [--webhooks 2] [--event-kib 1] [--arch x86_64]

Every figure is a parameter below; change one and the tables follow. The
request counts are the ones the module docs of the backends state
(triggers-service/src/db/dynamodb.rs, triggers-keys/src/backends/dynamodb.rs,
triggers-webhooks/src/backends/{dynamodb,sqs}.rs) and that their tests
count against moto; the capacity units per request are DynamoDB's billing
rules applied to the item sizes estimated in `item_sizes`.
"""

import argparse
import math

# --------------------------------------------------------------- prices
# us-east-1 on-demand list prices, no free tier, as of 2025-06 (DynamoDB
# on-demand after its 2024-11-01 price cut). Check
# https://aws.amazon.com/<service>/pricing/ before relying on them.
PRICE = {
    "ddb_wru": 0.625 / 1e6,  # per write request unit
    "ddb_rru": 0.125 / 1e6,  # per read request unit
    "ddb_storage_gb": 0.25,  # per GB-month
    "ddb_pitr_gb": 0.20,  # per GB-month of continuous backups
    "sqs_request": 0.40 / 1e6,  # standard queue, per request (64 KiB chunk)
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    "httpapi_first_300m": 1.00 / 1e6,  # HTTP API, first 300 M requests/month
    "httpapi_after": 0.90 / 1e6,
    "logs_ingest_gb": 0.50,  # CloudWatch Logs ingestion
}

SCALES = [1_000_000, 100_000_000, 1_000_000_000]


def wru(size_bytes):
    """Write request units of one standard write: 1 per started KB."""
    return max(1, math.ceil(size_bytes / 1024))


def rru_strong(size_bytes):
    """Read request units of one strongly consistent read: 1 per started 4 KB."""
    return max(1, math.ceil(size_bytes / 4096))


def item_sizes(event_kib):
    """Estimated DynamoDB item sizes in bytes (attribute names + values)."""
    payload = int(event_kib * 1024)
    # pk, sk, event_id, account_id, source, event_type, received_at, the
    # inbox and outbox keys: about 330 bytes besides the payload.
    event = payload + 330
    return {
        "event": event,
        "inbox_entry": 250,  # inbox index: keys + source + event_type
        "outbox_entry": 200,  # outbox index: keys only
        "key": 600,  # an API key with one version (hash, sealed secret)
        "attempt": 450,  # one attempt (outcome JSON, latency, short excerpt)
    }


def model(args):
    s = item_sizes(args.event_kib)
    W = args.webhooks
    # ---- per ingested event (POST /v1/events, API key, unsigned, no
    # idempotency key), then its fan-out to W webhooks.
    ingest = {
        "httpapi": 1,
        "lambda_invocations": 1,
        "lambda_gb_s": args.api_ms / 1000 * args.api_mb / 1024,
        # authenticate: GetItem of the key (consistent)
        "ddb_get_key": 1,
        "rru": rru_strong(s["key"]),
        # ingest: PutItem of the event + its two index entries
        "ddb_put_event": 1,
        "wru": wru(s["event"]) + wru(s["inbox_entry"]) + wru(s["outbox_entry"]),
        # fan-out: SendMessageBatch (10 jobs per call); mark_dispatched:
        # UpdateItem (billed on the whole item) + the outbox entry's removal
        "sqs_send_batch": math.ceil(W / 10),
        "ddb_update_dispatched": 1,
    }
    ingest["wru"] += wru(s["event"]) + wru(s["outbox_entry"])
    ingest["fanout_gb_s"] = args.fanout_ms / 1000 * args.api_mb / 1024

    # ---- per delivery (one attempt that succeeds), B jobs per invocation
    def delivery(batch):
        return {
            "lambda_invocations": 1 / batch,
            "lambda_gb_s": args.worker_ms / 1000 * args.worker_mb / 1024 / batch,
            # the event source's ReceiveMessage and its DeleteMessageBatch of
            # the batch's successes, per batch; the engine's DeleteMessage
            # (ack) per job
            "sqs": 2 / batch + 1,
            # GetItem of the event (consistent)
            "rru": rru_strong(s["event"]),
            # PutItem of the attempt + its by-webhook index entry (ALL)
            "wru": 2 * wru(s["attempt"]),
        }

    return s, ingest, delivery


def cost_rows(args):
    s, ingest, delivery = model(args)
    W = args.webhooks
    gb_s_price = PRICE["lambda_gb_s"][args.arch]
    rows = []
    for events in SCALES:
        batch = 1 if events < 10_000_000 else args.batch
        d = delivery(batch)
        deliveries = events * W
        api = events
        httpapi = min(api, 300e6) * PRICE["httpapi_first_300m"] + max(0, api - 300e6) * PRICE["httpapi_after"]
        lam_req = (events * ingest["lambda_invocations"] + deliveries * d["lambda_invocations"])
        lam_gb_s = events * (ingest["lambda_gb_s"] + ingest["fanout_gb_s"]) + deliveries * d["lambda_gb_s"]
        wrus = events * ingest["wru"] + deliveries * d["wru"]
        rrus = events * ingest["rru"] + deliveries * d["rru"]
        sqs = events * ingest["sqs_send_batch"] + deliveries * d["sqs"]
        log_gb = (lam_req * args.log_bytes_per_invocation + api * args.access_log_bytes) / 1e9
        row = {
            "events": events,
            "batch": batch,
            "httpapi": httpapi,
            "lambda": lam_req * PRICE["lambda_request"] + lam_gb_s * gb_s_price,
            "lam_req": lam_req,
            "lam_gb_s": lam_gb_s,
            "ddb": wrus * PRICE["ddb_wru"] + rrus * PRICE["ddb_rru"],
            "wrus": wrus,
            "rrus": rrus,
            "sqs": sqs * PRICE["sqs_request"],
            "sqs_requests": sqs,
            "logs": log_gb * PRICE["logs_ingest_gb"],
            "log_gb": log_gb,
        }
        row["total"] = row["httpapi"] + row["lambda"] + row["ddb"] + row["sqs"] + row["logs"]
        # storage added per month (DynamoDB adds 100 bytes per item and
        # index entry): the event item and its inbox entry (kept until the
        # event is acknowledged; the outbox entry goes at fan-out), the
        # attempts (item + by-webhook entry, W per event)
        stored = events * (s["event"] + s["inbox_entry"] + 200) + deliveries * 2 * (s["attempt"] + 100)
        row["storage_gb"] = stored / 1e9
        rows.append(row)
    return s, ingest, delivery, rows


# --------------------------------------------------------------- analytics
# The analytics consumer (triggers-lambda-analytics): stream reads by Lambda
# triggers are free, and the template's filters drop the records that hold
# no fact before any invocation (free too). What is billed: the
# invocations, and per account-hour a batch touches one consistent
# BatchGetItem and one TransactWriteItems of its minute bucket with the hour
# and day rollups (triggers_analytics::store::apply_batch; transactions
# bill twice). Bucket sizes measured with triggers-analytics' JSON codec: a
# minute bucket is ~1 KB plus 37 bytes per fact it counted (its dedup set);
# a sealed rollup 1-1.7 KB (2 started KB).
MINUTE_BASE_B = 1_100
DEDUP_B_PER_FACT = 37
ROLLUP_B = 1_700
MAX_BLOB_B = 396 * 1024  # triggers_analytics::backends::dynamodb::MAX_BLOB_BYTES


def analytics_group(minute_bytes):
    """(WRU, RRU) of one account-hour group of a batch: its minute bucket at
    `minute_bytes` with the hour and day rollups."""
    sizes = [minute_bytes, ROLLUP_B, ROLLUP_B]
    return 2 * sum(wru(b) for b in sizes), sum(rru_strong(b) for b in sizes)


def analytics(args, events_per_month, busy):
    """Monthly analytics cost of `events_per_month` (1 event + `webhooks`
    attempts each: one fact per stream record). `busy`: all from one
    account (batches of many facts, one large minute bucket); otherwise
    quiet accounts (each fact the only one of its account in its batch:
    the most writes per fact)."""
    W = args.webhooks
    seconds = 30 * 86400
    rates = [events_per_month / seconds, events_per_month * W / seconds]  # events, attempts streams
    facts_per_s = sum(rates)
    gb_s_price = PRICE["lambda_gb_s"][args.arch]
    inv = wrus = rrus = 0.0
    for rate in rates:
        # One invocation per batching window while records arrive, more
        # when a window holds more than a batch.
        # (At most one per record at low rates.)
        per_s = max(min(rate, 1 / args.analytics_window), rate / args.analytics_batch)
        invocations = per_s * seconds
        inv += invocations
        if busy:
            # The minute bucket, on average half-way through its minute.
            minute = MINUTE_BASE_B + DEDUP_B_PER_FACT * facts_per_s * 30
            w, r = analytics_group(minute)
            wrus += invocations * w
            rrus += invocations * r
        else:
            w, r = analytics_group(MINUTE_BASE_B + DEDUP_B_PER_FACT)
            wrus += rate * seconds * w
            rrus += rate * seconds * r
    lam = inv * PRICE["lambda_request"] + inv * args.analytics_ms / 1000 * args.analytics_mb / 1024 * gb_s_price
    ddb = wrus * PRICE["ddb_wru"] + rrus * PRICE["ddb_rru"]
    logs = inv * args.log_bytes_per_invocation / 1e9 * PRICE["logs_ingest_gb"]
    # The largest minute bucket: a whole minute of the busy account's
    # facts; a quiet account's holds a few.
    peak_minute = MINUTE_BASE_B + DEDUP_B_PER_FACT * (facts_per_s * 60 if busy else 12)
    return {
        "invocations": inv, "wrus": wrus, "rrus": rrus, "lambda": lam, "ddb": ddb, "logs": logs,
        "total": lam + ddb + logs, "per_million": (lam + ddb + logs) / (events_per_month / 1e6),
        "peak_minute_kb": peak_minute / 1024, "fits": peak_minute <= MAX_BLOB_B,
    }


def money(x):
    return f"${x:,.2f}" if x < 100 else f"${x:,.0f}"


def count(x):
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            v = x / div
            return f"{v:,.3g} {unit}" if v < 100 else f"{v:,.0f} {unit}"
    return f"{x:,.3g}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--webhooks", type=int, default=2, help="matching webhooks per event (default 2)")
    p.add_argument("--event-kib", type=float, default=1.0, help="event payload size, KiB (default 1)")
    p.add_argument("--arch", choices=["x86_64", "arm64"], default="x86_64")
    p.add_argument("--api-mb", type=int, default=256, help="API function memory, MB")
    p.add_argument("--api-ms", type=float, default=30, help="API function billed ms per ingest")
    p.add_argument("--fanout-ms", type=float, default=5, help="Lambda ms per event for its fan-out")
    p.add_argument("--worker-mb", type=int, default=256, help="worker memory, MB")
    p.add_argument("--worker-ms", type=float, default=300, help="worker billed ms per invocation (receiver latency)")
    p.add_argument("--batch", type=int, default=10, help="jobs per worker invocation at >= 10 M events/month (1 below)")
    p.add_argument("--log-bytes-per-invocation", type=int, default=400, help="START/END/REPORT lines + one app line")
    p.add_argument("--access-log-bytes", type=int, default=250, help="HTTP API access log line")
    p.add_argument("--analytics-window", type=float, default=5, help="AnalyticsBatchingWindowSeconds")
    p.add_argument("--analytics-batch", type=int, default=500, help="AnalyticsBatchSize")
    p.add_argument("--analytics-mb", type=int, default=256, help="AnalyticsMemorySize")
    p.add_argument("--analytics-ms", type=float, default=50, help="analytics billed ms per invocation (assumed)")
    args = p.parse_args()

    s, ingest, delivery, rows = cost_rows(args)
    d1 = delivery(1)
    print(f"Assumptions: {args.event_kib:g} KiB payload (event item ~{s['event']} B), {args.webhooks} webhooks per event, "
          f"1 successful attempt each, {args.arch}, API {args.api_mb} MB x {args.api_ms:g} ms (+{args.fanout_ms:g} ms fan-out), "
          f"worker {args.worker_mb} MB x {args.worker_ms:g} ms per invocation.\n")
    print("Per ingested event: 1 HTTP API request, 1 API invocation, "
          f"{ingest['ddb_get_key']} GetItem ({ingest['rru']} RRU), 1 PutItem + 1 UpdateItem ({ingest['wru']} WRU), "
          f"{ingest['sqs_send_batch']} SQS SendMessageBatch.")
    print(f"Per delivery (batch of B): 1/B invocations, {d1['rru']} RRU (GetItem), {d1['wru']} WRU (PutItem), "
          "1 + 2/B SQS requests.\n")
    print("| events/month | jobs per worker call | HTTP API | Lambda (requests, GB-s) | DynamoDB (WRU, RRU) | SQS (requests) | Logs (GB) | **total/month** | storage added/month |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {count(r['events'])} | {r['batch']} | {money(r['httpapi'])} | "
              f"{money(r['lambda'])} ({count(r['lam_req'])}, {count(r['lam_gb_s'])}) | "
              f"{money(r['ddb'])} ({count(r['wrus'])}, {count(r['rrus'])}) | "
              f"{money(r['sqs'])} ({count(r['sqs_requests'])}) | {money(r['logs'])} ({r['log_gb']:,.1f}) | "
              f"**{money(r['total'])}** | {r['storage_gb']:,.1f} GB |")

    print(f"\nAnalytics consumer ({args.webhooks + 1} facts per event; window {args.analytics_window:g} s, "
          f"batch {args.analytics_batch}, {args.analytics_mb} MB x {args.analytics_ms:g} ms per invocation):\n")
    print("| events/month | accounts | invocations | DynamoDB (WRU, RRU) | Lambda | Logs | **total/month** | per million events | largest minute bucket |")
    print("|---|---|---|---|---|---|---|---|---|")
    for events in SCALES:
        for busy in (False, True):
            a = analytics(args, events, busy)
            size = f"{a['peak_minute_kb']:,.0f} KB" + ("" if a["fits"] else " **over 396 KB: refused**")
            print(f"| {count(events)} | {'one busy' if busy else 'quiet'} | {count(a['invocations'])} | "
                  f"{money(a['ddb'])} ({count(a['wrus'])}, {count(a['rrus'])}) | {money(a['lambda'])} | "
                  f"{money(a['logs'])} | **{money(a['total'])}** | {money(a['per_million'])} | {size} |")


if __name__ == "__main__":
    main()
