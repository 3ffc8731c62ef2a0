#!/usr/bin/env bash
# Webhook delivery benchmark: ingest -> fan-out -> signed POST -> receiver on
# loopback (keep-alive), 1 KiB payloads, against the release binary with its
# durable SQLite store. Figures go to docs/PERFORMANCE.md (section 3).
#
#   benches/load/webhooks.sh [seconds]      # default 30 s per phase
#
# Phases, all in one run so the ratios compare like with like:
#   baseline   plain keep-alive POSTs of the same body straight to the
#              receiver (what loopback HTTP alone allows on this machine)
#   max-10     10 webhooks, events posted as fast as accepted (closed loop)
#   max-1000   1,000 webhooks, the same
#   half-10    10 webhooks, open loop at half of max-10's delivery rate:
#              ingest-to-delivery latency percentiles
#   outage     10 webhooks at half rate for 150 s, the receiver down (port
#              closed) for 60 s in the middle; the service's RSS each second
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECS="${1:-30}"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triggers/target}"
cargo build --release -q -p triggers-service -p triggers-benches --bin triggers-service --bin webhook_load
T="$CARGO_TARGET_DIR/release"
run() { echo "--- $*" >&2; "$T/webhook_load" --bin "$T/triggers-service" "$@"; }
run --baseline --seconds 10 --concurrency 64
MAX10="$(run --webhooks 10 --seconds "$SECS" | tee /dev/stderr | grep '^RESULT')"
run --webhooks 1000 --seconds "$SECS" --concurrency 16
RATE="$(sed -E 's/.*end_to_end_deliveries_per_s=([0-9]+).*/\1/' <<<"$MAX10")"
HALF_EVENTS=$(( RATE / 2 / 10 ))
run --webhooks 10 --seconds "$SECS" --rate "$HALF_EVENTS"
run --webhooks 10 --seconds 150 --rate "$HALF_EVENTS" --outage 60
