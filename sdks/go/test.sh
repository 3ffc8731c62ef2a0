#!/usr/bin/env bash
# Builds the native library and runs every test of the Go SDK:
# gofmt, go vet, go test -race (every case of triggers-signing/vectors/v1.json,
# the examples) and one pass of each benchmark (a smoke run, not a timing).
# Idempotent; the cargo target directory is reused:
# ${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}.
#
#   sdks/go/test.sh
#   go test -run '^$' -bench . -benchmem     # the benchmarks, for figures
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
log() { printf '\n==> %s\n' "$*"; }

log "go: $(go version)"
log "build the native library and the module (build.sh)"
./build.sh

log "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
    echo "not gofmt-ed:" >&2
    echo "$unformatted" >&2
    exit 1
fi

log "go vet"
go vet ./...

# -count=1: cgo links lib/libtriggers_ffi.a by -l, which Go's test cache does
# not track; never reuse a result obtained with another build of the library.
log "go test -race"
go test -race -count=1 ./...

log "benchmarks, one iteration each (smoke run)"
go test -run '^$' -bench . -benchtime 1x -count=1 ./... >/dev/null
echo "benchmarks ran"

log "Go SDK: all tests passed"
