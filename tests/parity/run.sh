#!/usr/bin/env bash
# Cross-language parity test: 1,000 generated requests (and 200 webhook
# deliveries) signed by the Rust core, the TypeScript SDK (WebAssembly), the
# Go SDK (cgo over the C ABI) and the Python SDK (uniffi), each compared byte
# for byte with an independent reference implementation (tests/python/triggers_ref.py).
#
#   tests/parity/run.sh [--seed N] [--count N]
#
# Expects the SDKs to be built already (scripts/test.sh sdks runs their test
# scripts first): sdks/typescript/dist, sdks/go/lib, and the Python wheel
# installed in $TRIGGERS_PY_SDK_VENV (default ~/.cache/triggers/venv-python-sdk).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SEED=20261124
COUNT=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --seed) SEED="$2"; shift 2 ;;
        --count) COUNT="$2"; shift 2 ;;
        *) echo "usage: $0 [--seed N] [--count N]" >&2; exit 2 ;;
    esac
done
VENV="${TRIGGERS_PY_SDK_VENV:-$HOME/.cache/triggers/venv-python-sdk}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triggers/target}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/triggers-parity.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

python3 "$HERE/cases.py" --seed "$SEED" --count "$COUNT" >"$WORK/cases.json"
(cd "$ROOT" && cargo build --quiet --locked -p triggers-signing --example parity)
(cd "$HERE/go" && go build -o "$WORK/parity-go" .)

python3 "$HERE/run.py" "$WORK/cases.json" \
    "rust=$CARGO_TARGET_DIR/debug/examples/parity" \
    "typescript=node $HERE/sign.mjs" \
    "go=$WORK/parity-go" \
    "python=$VENV/bin/python $HERE/sign_python.py"
