#!/usr/bin/env bash
# Builds and runs every test of the TypeScript SDK and of its WebAssembly
# binding. Idempotent: each step skips what is already current.
#
#   1. bindings/wasm/build.sh          the .wasm and its JS glue (wasm/)
#   2. cargo test (bindings/wasm)      the binding's Rust unit tests, on the host
#   3. npm ci                          only when node_modules is missing or package-lock.json changed
#   4. npm run build                   dist/ (ESM, CommonJS, browser)
#   5. tsc -p test/types               the published types, as a consumer sees them
#   6. node --test                     vectors (ESM, CommonJS, browser build), API, Chromium
#
# The Chromium test needs /usr/bin/chromium (Debian's package); this script
# installs it when it can (root or sudo), otherwise that test is skipped with
# a message.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET_BASE="${TRIGGERS_WASM_TARGET:-$HOME/.cache/triggers/wasm-target}"
log() { printf '\nsdks/typescript/test.sh: %s\n' "$*" >&2; }

log "1/6 WebAssembly build"
"$REPO/bindings/wasm/build.sh"

log "2/6 Rust unit tests of bindings/wasm (host)"
if command -v cargo >/dev/null 2>&1; then
    (cd "$REPO/bindings/wasm" && cargo test --locked --quiet --target-dir "$TARGET_BASE/host")
else
    log "no host cargo on PATH: skipping the binding's Rust unit tests"
fi

cd "$HERE"
log "3/6 npm dependencies"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.triggers-package-lock.sha256
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    npm ci --no-audit --no-fund
    printf '%s\n' "$lock_sum" >"$stamp"
else
    echo "node_modules matches package-lock.json"
fi

if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        log "installing Debian's chromium for the browser test"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || true
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        log "installing Debian's chromium for the browser test"
        sudo apt-get update -q && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || true
    fi
fi

log "4/6 package build"
npm run --silent build

log "5/6 type check of the published types"
node node_modules/typescript/bin/tsc -p test/types

log "6/6 node --test"
node --test test/*.test.mjs test/*.test.cjs
