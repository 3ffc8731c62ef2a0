#!/usr/bin/env bash
# Builds and runs every test of the TypeScript SDK and of its WebAssembly
# binding. Idempotent: each step skips what is already current.
#
#   1. bindings/wasm/build.sh          the .wasm and its JS glue (wasm/)
#   2. cargo test (bindings/wasm)      the binding's Rust unit tests, on the host
#   3. npm ci                          only when node_modules is missing or package-lock.json changed
#   4. npm run check:types             src/generated/openapi.ts is current with docs/openapi.json
#   5. npm run build                   dist/ (ESM, CommonJS, browser)
#   6. tsc -p test/types               the published types, as a consumer sees them
#   7. node --test test/               vectors (ESM, CommonJS, browser build), API, client
#                                      (offline, against node:http servers), Chromium
#   8. node --test test/live/          the client against the real service
#                                      (../../scripts/with-service.sh: a throwaway
#                                      triggers-service on 127.0.0.1), in Node
#                                      (ESM, CommonJS) and in Chromium
#   9. examples/typescript/quickstart.mjs  against the real service too
#
# The Chromium tests need /usr/bin/chromium (Debian's package); this script
# installs it when it can (root or sudo), otherwise they are skipped with a
# message. Steps 8 and 9 build triggers-service (cargo, honours
# CARGO_TARGET_DIR) unless TRIGGERS_SERVICE_BIN names a binary.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET_BASE="${TRIGGERS_WASM_TARGET:-$HOME/.cache/triggers/wasm-target}"
log() { printf '\nsdks/typescript/test.sh: %s\n' "$*" >&2; }

log "1/9 WebAssembly build"
"$REPO/bindings/wasm/build.sh"

log "2/9 Rust unit tests of bindings/wasm (host)"
if command -v cargo >/dev/null 2>&1; then
    (cd "$REPO/bindings/wasm" && cargo test --locked --quiet --target-dir "$TARGET_BASE/host")
else
    log "no host cargo on PATH: skipping the binding's Rust unit tests"
fi

cd "$HERE"
log "3/9 npm dependencies"
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

log "4/9 generated API types are current with docs/openapi.json"
npm run --silent check:types

log "5/9 package build"
npm run --silent build

log "6/9 type check of the published types"
node node_modules/typescript/bin/tsc -p test/types

log "7/9 node --test (offline)"
node --test test/*.test.mjs test/*.test.cjs

log "8/9 node --test against the service"
"$REPO/scripts/with-service.sh" node --test test/live/*.test.mjs test/live/*.test.cjs

log "9/9 examples/typescript/quickstart.mjs against the service"
EXAMPLES="$REPO/examples/typescript"
if [ ! -e "$EXAMPLES/node_modules/@zapier/triggers-api-client/package.json" ]; then
    (cd "$EXAMPLES" && npm install --no-audit --no-fund)
fi
(cd "$EXAMPLES" && "$REPO/scripts/with-service.sh" sh -c '
    TRIGGERS_BASE_URL="$TRIGGERS_TEST_BASE_URL" TRIGGERS_API_KEY="$TRIGGERS_TEST_ADMIN_KEY" \
    TRIGGERS_KEY_ID="$TRIGGERS_TEST_KEY_ID" TRIGGERS_SIGNING_SECRET="$TRIGGERS_TEST_SIGNING_SECRET" \
    node quickstart.mjs')
