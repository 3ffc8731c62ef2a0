#!/usr/bin/env bash
# Builds the wheel, installs it into a venv and runs every test of the Python
# SDK with pytest: every case of triggers-signing/vectors/v1.json through the
# installed wheel, the signing API, and the client against a real
# triggers-service started by scripts/with-service.sh (webhooks delivered to
# a receiver on 127.0.0.1). The installed wheel is what is imported, never
# src/ (a test checks it).
#
#   sdks/python/test.sh [PYTEST_ARGS…]
#
# Idempotent: the venv (~/.cache/triggers/venv-python-sdk, or
# $TRIGGERS_PY_SDK_VENV) is reused and pytest installed only when missing;
# build.sh rebuilds only when an input changed. PYTHON picks the interpreter
# of a new venv (default python3; the SDK needs ≥ 3.9).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${TRIGGERS_PY_SDK_VENV:-$HOME/.cache/triggers/venv-python-sdk}"
PYTHON="${PYTHON:-python3}"
log() { printf '\n==> %s\n' "$*"; }

log "build the wheel (build.sh)"
wheel="$("$HERE/build.sh" | tail -n 1)"
[[ -f "$wheel" ]] || { echo "error: build.sh gave no wheel" >&2; exit 1; }
echo "$(basename "$wheel"): $(stat -c %s "$wheel") bytes"

# shellcheck source=scripts/lib/venv.sh
source "$ROOT/scripts/lib/venv.sh"
ensure_venv "$VENV" 'import pytest' 'pytest>=7'
log "install the wheel ($("$VENV/bin/python" --version))"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-index --force-reinstall "$wheel"

log "pytest (against a live triggers-service: scripts/with-service.sh)"
cd "$HERE"
# TRIGGERS_TEST_REQUIRE_SERVICE=1: a missing service fails the run instead
# of skipping the client tests.
"$ROOT/scripts/with-service.sh" env TRIGGERS_TEST_REQUIRE_SERVICE=1 \
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"

log "Python SDK: all tests passed"
