#!/usr/bin/env bash
# Builds triggers-wasm for wasm32-unknown-unknown and generates its JS glue
# (wasm-bindgen) for the TypeScript SDK:
#
#   sdks/typescript/wasm/node/   --target nodejs (CommonJS, loads the .wasm synchronously)
#   sdks/typescript/wasm/web/    --target web    (ES module, initSync/init for browsers)
#
# Idempotent: cargo skips an up-to-date build, wasm-bindgen-cli is installed
# only when the installed version differs from the wasm-bindgen crate in
# Cargo.lock, and the glue is regenerated only when the .wasm or the
# wasm-bindgen version changed.
#
# Toolchain: an installed rustup `wasm32-unknown-unknown` target if there is
# one; otherwise Debian's rustc-web with its std sources (-Zbuild-std), see
# docs in README.md.
#
# Environment:
#   TRIGGERS_WASM_TARGET  cargo target directory base (default ~/.cache/triggers/wasm-target)
#   TRIGGERS_BIN_ROOT     `cargo install --root` for wasm-bindgen-cli (default ~/.cache/triggers)
#   TRIGGERS_WASM_OUT     glue output directory (default sdks/typescript/wasm)
#   TRIGGERS_WASM_TOOLCHAIN=rustup|debian  force a toolchain
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET_BASE="${TRIGGERS_WASM_TARGET:-$HOME/.cache/triggers/wasm-target}"
BIN_ROOT="${TRIGGERS_BIN_ROOT:-$HOME/.cache/triggers}"
OUT="${TRIGGERS_WASM_OUT:-$REPO/sdks/typescript/wasm}"
WASM_TARGET=wasm32-unknown-unknown
CRATE_FILE=triggers_wasm
DEBIAN_PACKAGES=(rustc-web cargo-web rust-web-src lld-19)

log() { printf 'bindings/wasm/build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command as root: directly when root, through sudo when available.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

have_rustup_target() {
    command -v rustup >/dev/null 2>&1 &&
        rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"
}

ensure_debian_packages() {
    command -v dpkg >/dev/null 2>&1 ||
        die "no rustup $WASM_TARGET target and not a Debian system: run 'rustup target add $WASM_TARGET'"
    local missing=() p
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
}

# ---------------------------------------------------------------- 1. cargo
toolchain="${TRIGGERS_WASM_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
    if have_rustup_target; then toolchain=rustup; else toolchain=debian; fi
fi

cd "$HERE"
case "$toolchain" in
rustup)
    # Separate target directories: the two compilers never share artefacts.
    TARGET_DIR="$TARGET_BASE/rustup"
    log "building with rustup's $WASM_TARGET target"
    cargo build --release --locked --target "$WASM_TARGET" --target-dir "$TARGET_DIR"
    ;;
debian)
    ensure_debian_packages
    TARGET_DIR="$TARGET_BASE/debian"
    log "building with Debian rustc-web and -Zbuild-std (no rustup $WASM_TARGET target installed)"
    # std is rebuilt anyway, so panics can compile to a bare trap
    # (-Cpanic=immediate-abort, unstable): no panic formatting code, -16% size.
    # Nothing here panics by design; a trap surfaces as a WebAssembly.RuntimeError.
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Zunstable-options -Cpanic=immediate-abort" \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld \
        /usr/bin/cargo build --release --locked --target "$WASM_TARGET" --target-dir "$TARGET_DIR" \
        -Zbuild-std=std,panic_abort
    ;;
*) die "TRIGGERS_WASM_TOOLCHAIN must be rustup or debian, not '$toolchain'" ;;
esac
WASM="$TARGET_DIR/$WASM_TARGET/release/$CRATE_FILE.wasm"
[ -f "$WASM" ] || die "cargo did not produce $WASM"

# ------------------------------------------------------- 2. wasm-bindgen-cli
WBG_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$WBG_VERSION" ] || die "no wasm-bindgen in bindings/wasm/Cargo.lock"
export PATH="$BIN_ROOT/bin:$PATH"
installed="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [ "$installed" != "$WBG_VERSION" ]; then
    log "installing wasm-bindgen-cli $WBG_VERSION into $BIN_ROOT (installed: ${installed:-none}; takes a few minutes)"
    # No --locked: the registry lacks a few of the exact versions that
    # wasm-bindgen-cli's own lock file pins; plain resolution works.
    if command -v cargo >/dev/null 2>&1; then
        cargo install wasm-bindgen-cli --version "=$WBG_VERSION" --root "$BIN_ROOT"
    else
        RUSTC=/usr/bin/rustc /usr/bin/cargo install wasm-bindgen-cli --version "=$WBG_VERSION" --root "$BIN_ROOT"
    fi
    installed="$(wasm-bindgen --version | awk '{ print $2 }')"
    [ "$installed" = "$WBG_VERSION" ] || die "wasm-bindgen $installed on PATH, expected $WBG_VERSION"
fi

# ------------------------------------------------------------ 3. JS glue
# The stamp records what the glue was generated from; equal stamp, no work.
stamp="$(sha256sum "$WASM" | cut -d' ' -f1) wasm-bindgen $WBG_VERSION build.sh $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$stamp" ] &&
    [ -f "$OUT/node/$CRATE_FILE.js" ] && [ -f "$OUT/web/$CRATE_FILE.js" ]; then
    log "glue in ${OUT#"$REPO"/} is current"
    exit 0
fi
log "generating JS glue into ${OUT#"$REPO"/}"
mkdir -p "$(dirname "$OUT")"
tmp="$(mktemp -d "${OUT%/*}/.wasm-glue.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
# The name and producers sections are debugging/telemetry only: -45% size.
strip=(--remove-name-section --remove-producers-section)
wasm-bindgen --target nodejs "${strip[@]}" --out-dir "$tmp/node" "$WASM"
# --omit-default-module-path: the browser build passes the bytes itself
# (inlined), so bundlers must not go looking for a .wasm next to the glue.
wasm-bindgen --target web "${strip[@]}" --omit-default-module-path --out-dir "$tmp/web" "$WASM"
# The SDK is "type": "module"; mark each folder's module system explicitly.
printf '{ "type": "commonjs" }\n' >"$tmp/node/package.json"
printf '{ "type": "module" }\n' >"$tmp/web/package.json"
printf '%s' "$stamp" >"$tmp/.stamp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
trap - EXIT

raw=$(wc -c <"$OUT/web/${CRATE_FILE}_bg.wasm")
gz=$(gzip -9c "$OUT/web/${CRATE_FILE}_bg.wasm" | wc -c)
log "$CRATE_FILE.wasm: $raw bytes, $gz bytes gzipped (-9)"
