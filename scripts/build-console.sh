#!/usr/bin/env bash
# Builds the web console (console/, React + Vite) into console/dist/, the
# files triggers-service embeds at compile time and serves at /console.
# console/dist/ is committed, so building or running the service never needs
# Node.js; run this after changing console/ and commit the result.
#
#   scripts/build-console.sh          type-check, build console/dist/, print sizes
#   scripts/build-console.sh --check  build into a temporary directory and fail
#                                     when console/dist/ differs (stale or edited)
#
# Installs console/node_modules with `npm ci` when it is missing or older than
# console/package-lock.json. The build is deterministic (same sources and
# lock file: same bytes, wherever the clone is), which is what --check relies on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONSOLE="$ROOT/console"
log() { printf '==> %s\n' "$*" >&2; }

check=0
case "${1:-}" in
    "") ;;
    --check) check=1 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v node >/dev/null 2>&1 || { echo "error: node is not installed (Node.js 20.19 or later builds the console)" >&2; exit 2; }

cd "$CONSOLE"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.triggers-package-lock.sha256
if [[ ! -d node_modules || ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
    log "npm ci (console/)"
    npm ci --no-audit --no-fund
    printf '%s\n' "$lock_sum" >"$stamp"
fi

log "type check (tsc)"
node node_modules/typescript/bin/tsc --noEmit -p tsconfig.json

if [[ "$check" == 1 ]]; then
    out="$(mktemp -d "${TMPDIR:-/tmp}/triggers-console-dist.XXXXXX")"
    trap 'rm -rf "$out"' EXIT
    log "vite build (into $out)"
    node node_modules/vite/bin/vite.js build --logLevel warn --outDir "$out" --emptyOutDir
    if ! diff -r "$out" dist >/dev/null; then
        diff -rq "$out" dist >&2 || true
        echo "error: console/dist is not what console/ builds: run scripts/build-console.sh and commit console/dist" >&2
        exit 1
    fi
    log "console/dist is current"
    exit 0
fi

log "vite build (console/dist)"
node node_modules/vite/bin/vite.js build --logLevel warn
log "console/dist:"
total=0
total_gz=0
while IFS= read -r f; do
    size=$(wc -c <"$f")
    gz=$(gzip -9c "$f" | wc -c)
    total=$((total + size))
    total_gz=$((total_gz + gz))
    printf '    %-40s %8d B  %7d B gzip\n' "${f#dist/}" "$size" "$gz" >&2
done < <(find dist -type f | LC_ALL=C sort)
printf '    %-40s %8d B  %7d B gzip\n' "total" "$total" "$total_gz" >&2
