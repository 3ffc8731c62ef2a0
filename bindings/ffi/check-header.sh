#!/usr/bin/env bash
# Regenerates include/triggers.h with cbindgen into a temporary file and fails
# if the committed header differs (the header is generated, never edited).
#
#   ./check-header.sh           # check (CI)
#   ./check-header.sh --write   # regenerate include/triggers.h in place
#
# cbindgen is pinned (formatting differs between versions): a `cbindgen` on
# PATH is used when it is that version; otherwise the pinned version is
# installed once into ${TRIGGERS_TOOLS_DIR:-$HOME/.cache/triggers/tools}.
set -euo pipefail

CBINDGEN_VERSION="0.29.4"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${TRIGGERS_TOOLS_DIR:-$HOME/.cache/triggers/tools}"

find_cbindgen() {
    if command -v cbindgen >/dev/null 2>&1 &&
        [ "$(cbindgen --version 2>/dev/null)" = "cbindgen $CBINDGEN_VERSION" ]; then
        command -v cbindgen
        return
    fi
    if [ ! -x "$TOOLS/bin/cbindgen" ] ||
        [ "$("$TOOLS/bin/cbindgen" --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
        echo "installing cbindgen $CBINDGEN_VERSION into $TOOLS (once)" >&2
        cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --root "$TOOLS" >&2
    fi
    echo "$TOOLS/bin/cbindgen"
}

CBINDGEN="$(find_cbindgen)"
cd "$HERE"
TMP="$(mktemp "${TMPDIR:-/tmp}/triggers.h.XXXXXX")"
trap 'rm -f "$TMP"' EXIT
"$CBINDGEN" --quiet --config cbindgen.toml --crate triggers-ffi --output "$TMP"

if [ "${1:-}" = "--write" ]; then
    cp "$TMP" include/triggers.h
    echo "wrote include/triggers.h"
    exit 0
fi
if ! diff -u include/triggers.h "$TMP"; then
    echo "include/triggers.h is stale: run bindings/ffi/check-header.sh --write" >&2
    exit 1
fi
echo "include/triggers.h is up to date (cbindgen $CBINDGEN_VERSION)"
