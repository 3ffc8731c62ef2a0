#!/usr/bin/env bash
# Checks and tests the uniffi crate triggers-uniffi: rustfmt and clippy (if
# installed) and the Rust tests (every vector through the exported
# functions, every error code, bad inputs). The Python SDK built from it is
# tested by sdks/python/test.sh.
# Idempotent; the cargo target directory is reused:
# ${TRIGGERS_UNIFFI_TARGET:-$HOME/.cache/triggers/uniffi-target}.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
export CARGO_TARGET_DIR="${TRIGGERS_UNIFFI_TARGET:-$HOME/.cache/triggers/uniffi-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
log() { printf '\n==> %s\n' "$*"; }

log "rust: $(cargo --version)"
if cargo fmt --version >/dev/null 2>&1; then
    log "cargo fmt --check (this crate only)"
    cargo fmt -- --check
else
    echo "rustfmt is not installed: format check skipped" >&2
fi
if cargo clippy --version >/dev/null 2>&1; then
    log "cargo clippy -D warnings"
    cargo clippy --all-targets --locked -- -D warnings
else
    echo "clippy is not installed: lint skipped" >&2
fi

log "cargo test"
cargo test --locked

log "triggers-uniffi: all tests passed"
