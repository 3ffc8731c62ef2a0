#!/usr/bin/env bash
# Builds the native signing library (bindings/ffi, Rust, release) and puts it
# with its header where cgo finds them (sdks/go/lib/), then builds the module.
#
#   sdks/go/build.sh
#
# The cargo target directory is reused between runs (incremental):
# ${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FFI="$(cd "$HERE/../../bindings/ffi" && pwd)"
TARGET="${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}"

cargo build --release --locked --manifest-path "$FFI/Cargo.toml" --target-dir "$TARGET"

mkdir -p "$HERE/lib"
# Copy only what changed, so Go's build cache stays valid otherwise.
install_if_changed() { # <src> <dst>
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2"
        echo "updated ${2#"$HERE"/}"
    fi
}
install_if_changed "$TARGET/release/libtriggers_ffi.a" "$HERE/lib/libtriggers_ffi.a"
install_if_changed "$FFI/include/triggers.h" "$HERE/lib/triggers.h"

cd "$HERE"
go build ./...
echo "built: $HERE/lib/libtriggers_ffi.a + github.com/zapier/triggers-api-go"
