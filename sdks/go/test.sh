#!/usr/bin/env bash
# Builds the native library and runs every test of the Go SDK:
# gofmt and go vet (the SDK and examples/go), go test -race against a
# throwaway triggers-service on 127.0.0.1 (scripts/with-service.sh: the client
# tests, every case of triggers-signing/vectors/v1.json, the examples), the
# example program examples/go against another throwaway service, and one pass
# of each benchmark (a smoke run, not a timing).
# Idempotent; the cargo target directories are reused:
# ${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target} for the library,
# CARGO_TARGET_DIR (if set) for the service.
#
#   sdks/go/test.sh
#   go test -run '^$' -bench . -benchmem     # the benchmarks, for figures
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
EXAMPLE="$ROOT/examples/go"
cd "$HERE"
log() { printf '\n==> %s\n' "$*"; }

log "go: $(go version)"
log "build the native library and the module (build.sh)"
./build.sh

log "gofmt"
unformatted="$(gofmt -l . "$EXAMPLE")"
if [ -n "$unformatted" ]; then
    echo "not gofmt-ed:" >&2
    echo "$unformatted" >&2
    exit 1
fi

log "go vet"
go vet ./...
(cd "$EXAMPLE" && go vet ./...)

# -count=1: cgo links lib/libtriggers_ffi.a by -l, which Go's test cache does
# not track; never reuse a result obtained with another build of the library.
# with-service.sh sets TRIGGERS_TEST_BASE_URL & co., so the client tests run
# against the real service instead of skipping.
log "go test -race (against a throwaway triggers-service)"
"$ROOT/scripts/with-service.sh" go test -race -count=1 ./...

log "example program (examples/go) against a throwaway triggers-service"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/triggers-go-example.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
(cd "$EXAMPLE" && go build -o "$BIN/triggers-go-example" .)
"$ROOT/scripts/with-service.sh" bash -c '
    export TRIGGERS_BASE_URL="$TRIGGERS_TEST_BASE_URL" TRIGGERS_API_KEY="$TRIGGERS_TEST_ADMIN_KEY" \
           TRIGGERS_KEY_ID="$TRIGGERS_TEST_KEY_ID" TRIGGERS_SIGNING_SECRET="$TRIGGERS_TEST_SIGNING_SECRET"
    exec "$1"' bash "$BIN/triggers-go-example"

log "benchmarks, one iteration each (smoke run)"
go test -run '^$' -bench . -benchtime 1x -count=1 ./... >/dev/null
echo "benchmarks ran"

log "Go SDK: all tests passed"
