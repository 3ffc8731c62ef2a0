#!/usr/bin/env bash
# Compiles tests/c/smoke.c with gcc against the static library and
# include/triggers.h, and runs it. Expects the release library to be built:
#   cargo build --release --locked --target-dir "$TRIGGERS_FFI_TARGET"
# (bindings/ffi/test.sh does both).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FFI="$(cd "$HERE/../.." && pwd)"
TARGET="${TRIGGERS_FFI_TARGET:-$HOME/.cache/triggers/ffi-target}"
LIB="$TARGET/release/libtriggers_ffi.a"
CC="${CC:-gcc}"

if [ ! -f "$LIB" ]; then
    echo "missing $LIB: run 'cargo build --release --locked --target-dir $TARGET' in $FFI" >&2
    exit 1
fi

OUT="$TARGET/c-smoke"
mkdir -p "$OUT"
# The system libraries a Rust static library needs on Linux (rustc
# --print native-static-libs): libc covers the rest.
"$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -O1 \
    -I "$FFI/include" "$HERE/smoke.c" "$LIB" -lpthread -ldl -lm \
    -o "$OUT/smoke"
if command -v g++ >/dev/null 2>&1; then
    # The header is also valid C++ (extern "C").
    printf '#include "triggers.h"\nint main() { return triggers_ffi_abi_version() == TRIGGERS_FFI_ABI_VERSION ? 0 : 1; }\n' \
        >"$OUT/cpp-header.cpp"
    g++ -std=c++17 -Wall -Wextra -Werror -I "$FFI/include" "$OUT/cpp-header.cpp" "$LIB" \
        -lpthread -ldl -lm -o "$OUT/cpp-header"
    "$OUT/cpp-header"
    echo "ok   the header compiles as C++ and the ABI versions agree"
fi
"$OUT/smoke"

# Again under AddressSanitizer and UBSan (the C side is instrumented: any
# out-of-bounds write into the caller's buffers would be reported), when the
# compiler and the machine support them.
if "$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -O1 -g -fsanitize=address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=all -I "$FFI/include" "$HERE/smoke.c" "$LIB" \
    -lpthread -ldl -lm -o "$OUT/smoke-asan" 2>/dev/null; then
    "$OUT/smoke-asan" >/dev/null
    echo "ok   the smoke test is clean under AddressSanitizer + UBSan"
else
    echo "sanitizers unavailable: sanitized smoke run skipped" >&2
fi
