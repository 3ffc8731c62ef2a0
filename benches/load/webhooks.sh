#!/usr/bin/env bash
# Webhook delivery benchmark: ingest -> outbox -> fan-out -> signed POST ->
# receiver, end to end on loopback (keep-alive), 1 KiB payloads, against the
# release binary with its durable SQLite store. Figures: docs/PERFORMANCE.md
# section 3.
#
#   benches/load/webhooks.sh [seconds]      # default 20 s per phase
#
# All phases in one run, so the ratios compare like with like:
#   baseline       plain keep-alive POSTs of a 1 KiB body straight to the same
#                  receiver: what loopback HTTP alone allows on this machine
#   10 x 1000/s    10 webhooks, 1,000 events/s open loop = 10,000 deliveries/s
#   10 x 1600/s    10 webhooks, 16,000 deliveries/s offered: above capacity,
#                  so the delivered rate is the sustained maximum
#   1000 x 11/s    1,000 webhooks, 11,000 deliveries/s offered
#   1000 x 16/s    1,000 webhooks, 16,000 deliveries/s offered (maximum)
#   10 x 500/s     half of the 10,000/s target: latency percentiles
#   1000 x 5/s     the same with 1,000 webhooks
#   outage         10 webhooks at 5,000 deliveries/s for 150 s, the receiver
#                  down (port closed) from 45 s to 105 s; RSS every second;
#                  delivered + dead-lettered must equal expected
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECS="${1:-20}"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triggers/target}"
cargo build --release -q -p triggers-service -p triggers-benches --bin triggers-service --bin webhook_load
T="$CARGO_TARGET_DIR/release"
run() { echo "--- $*" >&2; "$T/webhook_load" --bin "$T/triggers-service" "$@" | grep -E '^(RESULT|BASELINE)'; }
run --baseline --seconds 10 --concurrency 64
run --webhooks 10 --seconds "$SECS" --rate 1000
run --webhooks 10 --seconds "$SECS" --rate 1600
run --webhooks 1000 --seconds "$SECS" --rate 11 --concurrency 16
run --webhooks 1000 --seconds "$SECS" --rate 16 --concurrency 16
run --webhooks 10 --seconds "$SECS" --rate 500
run --webhooks 1000 --seconds "$SECS" --rate 5 --concurrency 16
"$T/webhook_load" --bin "$T/triggers-service" --webhooks 10 --seconds 150 --rate 500 --outage 60
