#!/usr/bin/env bash
# Runs every test of the web console. Idempotent: each step skips what is
# already current.
#
#   1. npm ci                          only when node_modules is missing or package-lock.json changed
#   2. scripts/build-console.sh --check  type check; console/dist is what the sources build
#   3. cargo test (http::console)      the service serves the embedded dist: types, CSP, caching, routes
#   4. vitest                          component tests (jsdom) against a live service
#                                      (../scripts/with-service.sh) and loopback receivers
#   5. node --test e2e/                end to end in Debian's Chromium (playwright-core)
#                                      against a live `triggers-service serve`
#
# Steps 3-5 build triggers-service (cargo, honours CARGO_TARGET_DIR, default
# ~/.cache/triggers/target) unless TRIGGERS_SERVICE_BIN names a binary. Step 5
# needs /usr/bin/chromium (Debian's package; installed here when running as
# root or with sudo), or CHROMIUM=/path/to/chromium.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triggers/target}"
log() { printf '\nconsole/test.sh: %s\n' "$*" >&2; }

cd "$HERE"
log "1/5 npm dependencies"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.triggers-package-lock.sha256
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    npm ci --no-audit --no-fund
    printf '%s\n' "$lock_sum" >"$stamp"
else
    echo "node_modules matches package-lock.json"
fi

log "2/5 console/dist is current (scripts/build-console.sh --check)"
"$REPO/scripts/build-console.sh" --check

log "3/5 cargo test: the service serves the embedded console"
(cd "$REPO" && cargo test --locked --quiet -p triggers-service --lib http::console)

log "4/5 vitest (component tests, against the service)"
"$REPO/scripts/with-service.sh" node node_modules/vitest/vitest.mjs run

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        log "installing Debian's chromium for the end-to-end tests"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || true
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        log "installing Debian's chromium for the end-to-end tests"
        sudo apt-get update -q && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || true
    fi
fi
[ -x "$CHROMIUM" ] || { echo "error: no Chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM)" >&2; exit 1; }
export CHROMIUM

log "5/5 end to end in Chromium (against the service)"
"$REPO/scripts/with-service.sh" node --test e2e/
