#!/usr/bin/env bash
# Summary endpoint benchmark (docs/PERFORMANCE.md section 5): GET
# /v1/analytics/summary over 30 days of one account's minute buckets, on the
# release binary and its SQLite store, measured with wrk (latency
# percentiles), against a baseline measured in the same run: the same
# endpoint over the last minute (one bucket).
#
#   benches/load/analytics.sh [seconds] [records-per-minute]   # default 15 s, 60
#
# The store is seeded by analytics_seed (benches/src/bin) with 43,200 minute
# buckets and their hour and day rollups, as the service's in-process host
# writes them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECS="${1:-15}"
PER_MINUTE="${2:-60}"
cd "$ROOT"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triggers/target}"
cargo build --release -q -p triggers-service -p triggers-benches --bin triggers-service --bin analytics_seed
T="$CARGO_TARGET_DIR/release"
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$T/analytics_seed" --db "$DATA/triggers.db" --account acct_default --days 30 --per-minute "$PER_MINUTE"
"$T/triggers-service" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" >"$DATA/out.txt" 2>"$DATA/err.txt" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
KEY="$(grep -o 'trgk_[A-Za-z0-9]*' "$DATA/out.txt" | head -1)"
NOW="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
FROM30="$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ)"
FROM1="$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)"
URL30="http://127.0.0.1:$PORT/v1/analytics/summary?from=$FROM30&to=$NOW"
URL1="http://127.0.0.1:$PORT/v1/analytics/summary?from=$FROM1&to=$NOW"
EVENTS="$(curl -sf -H "Authorization: Bearer $KEY" "$URL30" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"]["total"])')"
echo "CHECK events_in_30_days=$EVENTS"
bench() { # name url connections
    local out
    out="$(wrk -t1 -c"$3" -d"${SECS}s" --latency -H "Authorization: Bearer $KEY" "$2")"
    echo "$out" >&2
    local rps p50 p99
    rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
    p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
    echo "RESULT $1 connections=$3 req_per_s=$rps p50=$p50 p99=$p99"
}
bench baseline_1_minute "$URL1" 1
bench summary_30_days "$URL30" 1
bench baseline_1_minute "$URL1" 8
bench summary_30_days "$URL30" 8
