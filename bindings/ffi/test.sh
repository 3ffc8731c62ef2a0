#!/usr/bin/env bash
# Builds and tests the C ABI crate triggers-ffi: rustfmt and clippy (if
# installed), the Rust tests (every vector through the extern "C" functions,
# NULL and invalid inputs, buffer too small), the release build, the
# generated-header check (installs the pinned cbindgen only if missing) and
# the C smoke test (gcc against the static library).
# Idempotent; the cargo target directory is reused:
# ${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
export TRIGGERS_FFI_TARGET="${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}"
export CARGO_TARGET_DIR="$TRIGGERS_FFI_TARGET"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$CARGO_TARGET_DIR"
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

log "cargo test (the C ABI from Rust)"
cargo test --locked

log "cargo build --release (staticlib, cdylib)"
cargo build --release --locked

log "generated header is current"
./check-header.sh

log "C smoke test (gcc + static library)"
./tests/c/run.sh

log "triggers-ffi: all tests passed"
