#!/usr/bin/env bash
# Builds the platform wheel of the Python SDK (distribution `triggers-api`,
# package `triggers_api`) into sdks/python/dist/:
#
#   sdks/python/build.sh            # → prints the wheel's path on its last line
#   pip install sdks/python/dist/triggers_api-*.whl
#
# maturin (bindings = "uniffi") compiles bindings/uniffi (the Rust signing
# core behind uniffi) in release mode, generates its Python module with the
# crate's own uniffi-bindgen, and packs both with src/triggers_api into a
# wheel tagged for this platform (py3-none-manylinux_…).
#
# Idempotent: maturin is installed into a venv under ~/.cache/triggers/ only
# when missing; the cargo target directory is reused (incremental); nothing
# is rebuilt when no input changed since the last build (a stamp in dist/).
#
# Environment: TRIGGERS_UNIFFI_TARGET (cargo target directory, default
# ~/.cache/triggers/uniffi-target), TRIGGERS_MATURIN_VENV (default
# ~/.cache/triggers/maturin-venv), PYTHON (default python3), FORCE=1 (rebuild).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$HOME/.cache/triggers"
VENV="${TRIGGERS_MATURIN_VENV:-$CACHE/maturin-venv}"
export CARGO_TARGET_DIR="${TRIGGERS_UNIFFI_TARGET:-$CACHE/uniffi-target}"
PYTHON="${PYTHON:-python3}"
MATURIN_SPEC='maturin>=1.13,<2'
DIST="$HERE/dist"

# shellcheck source=scripts/lib/venv.sh
source "$ROOT/scripts/lib/venv.sh"
ensure_venv "$VENV" 'import maturin' "$MATURIN_SPEC" >&2

# Everything the wheel is made of, and the tools that make it.
stamp() {
    {
        "$VENV/bin/maturin" --version
        rustc --version
        cd "$ROOT"
        find sdks/python/pyproject.toml sdks/python/README.md sdks/python/src \
            bindings/uniffi/Cargo.toml bindings/uniffi/Cargo.lock bindings/uniffi/src \
            triggers-signing/Cargo.toml triggers-signing/src Cargo.toml \
            -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum
    } | sha256sum | cut -d' ' -f1
}

want="$(stamp)"
shopt -s nullglob
wheels=("$DIST"/triggers_api-*.whl)
if [[ "${FORCE:-0}" != 1 && ${#wheels[@]} -eq 1 && -f "$DIST/.stamp" \
      && "$(cat "$DIST/.stamp")" == "$want" ]]; then
    echo "==> wheel up to date"
    echo "${wheels[0]}"
    exit 0
fi

echo "==> maturin build (release; cargo target: $CARGO_TARGET_DIR)"
mkdir -p "$DIST"
rm -f "$DIST"/triggers_api-*.whl "$DIST/.stamp"
(cd "$HERE" && "$VENV/bin/maturin" build --release --out "$DIST")
wheels=("$DIST"/triggers_api-*.whl)
if [[ ${#wheels[@]} -ne 1 ]]; then
    echo "error: expected one wheel in $DIST, found ${#wheels[@]}" >&2
    exit 1
fi
case "${wheels[0]}" in
    *-none-any.whl) echo "error: ${wheels[0]} is not a platform wheel" >&2; exit 1 ;;
esac
echo "$want" > "$DIST/.stamp"
echo "${wheels[0]}"
