#!/usr/bin/env bash
# Builds the AWS Lambda artefacts of triggers-service for the `provided.al2023`
# runtime: one `bootstrap` executable per function, and its zip.
#
#   scripts/build-lambda.sh [--arch x86_64|arm64|all] [--deploy-arch ARCH]
#                           [--function NAME=BIN]… [--features LIST] [--debug]
#                           [--no-install] [--no-smoke]
#
# Output (paths relative to the repository):
#
#   target/lambda/<arch>/<function>/bootstrap     every architecture built
#   target/lambda/<arch>/<function>.zip           the same, zipped (bootstrap at the root, 0755)
#   target/lambda/<function>/bootstrap            the --deploy-arch build: what
#   target/lambda/<function>.zip                  deploy/template.yaml's CodeUri points at
#   target/lambda/BUILD-INFO.txt                  arch, commit, sha256, glibc needed, per file
#
# Functions (default): api = bin `triggers-lambda-api`, worker = bin
# `triggers-lambda-worker`, sweeper = bin `triggers-lambda-sweeper`,
# analytics = bin `triggers-lambda-analytics`, of package triggers-service
# with features `lambda,aws`. The deploy architecture must equal the stack's
# `Architecture` parameter (default x86_64 in both).
#
# Why not a plain `cargo build`: AL2023 has glibc 2.34; a binary linked on a
# newer system (Debian bookworm: 2.36) may need newer glibc symbols and then
# fails at start on Lambda ("GLIBC_2.35 not found"). This script links with
# zig through cargo-zigbuild, against glibc 2.34 exactly
# (`<triple>.2.34`), and then checks every binary anyway: its ELF machine,
# the highest GLIBC_x.y it needs (<= 2.34), and that it needs no shared
# library beyond glibc's and libgcc_s. A binary that fails a check is not
# written to target/lambda.
#
# Rust standard library per target: the rustup one when the target is
# installed (`rustup target add aarch64-unknown-linux-gnu`); otherwise, when
# Debian's `rustc-web` and `rust-web-src` are installed, std is built from
# source (`-Zbuild-std`, RUSTC=/usr/bin/rustc, RUSTC_BOOTSTRAP=1; a separate
# target directory; about 2 more minutes). When neither exists the
# architecture is reported as NOT BUILT, with what to install, and the others
# are still built.
#
# Tools installed when missing (unless --no-install), never system-wide:
#   zig          PyPI `ziglang` in a virtualenv ~/.cache/triggers/venv-zig
#   cargo-zigbuild  crates.io, `cargo install --root ~/.cache/triggers/lambda-tools`
# Without zig (install refused or failed) an x86_64 host still builds x86_64
# with its own linker, and the glibc check decides whether the result is
# usable.
#
# Smoke test (unless --no-smoke; with the default functions only): each
# architecture this machine can run (the host's; arm64 on x86_64 through
# Debian's qemu-user-static + libc6-arm64-cross when installed) runs its four
# bootstraps against a local emulation of the Lambda Runtime API
# (deploy/smoke_bootstrap.py, SQLite backend in a temporary directory): an
# HTTP API payload 2.0 GET /healthz must answer 200, GET /v1/inbox without a
# key 401 `missing_api_key`, an SQS batch with a message that is not a
# job must list it in `batchItemFailures`, an EventBridge scheduled
# event must be answered with the sweep's summary, and DynamoDB Streams
# batches that hold no fact must be answered with the analytics summary
# (the analytics function on the aws backend, pointed at a closed loopback
# port: it sends no request for them).
#
# Exit status: 0 when every requested architecture was built and passed the
# checks; 1 when one was not built (the message says why), 2 on bad usage.
#
# Environment: CARGO_TARGET_DIR (default: target/ of the repository),
# TRIGGERS_ZIG_VENV, TRIGGERS_LAMBDA_TOOLS, ZIGLANG_VERSION (default 0.17.1),
# CARGO_ZIGBUILD_VERSION (default 0.24.1), GLIBC_MAX (default 2.34: AL2023),
# TRIGGERS_BUILD_STD_RUSTC / TRIGGERS_BUILD_STD_SRC (the compiler and std
# sources for -Zbuild-std; default Debian's /usr/bin/rustc and
# /usr/lib/rustlib/src/rust/library).
#
# Not run by the test suite (a release build of the service and the AWS SDK
# takes several minutes per architecture on 2 cores).
set -euo pipefail

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/lambda"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
ZIG_VENV="${TRIGGERS_ZIG_VENV:-$HOME/.cache/triggers/venv-zig}"
TOOLS="${TRIGGERS_LAMBDA_TOOLS:-$HOME/.cache/triggers/lambda-tools}"
ZIGLANG_VERSION="${ZIGLANG_VERSION:-0.17.1}"
CARGO_ZIGBUILD_VERSION="${CARGO_ZIGBUILD_VERSION:-0.24.1}"
GLIBC_MAX="${GLIBC_MAX:-2.34}"
# Debian's rustc-web and the std sources of rust-web-src (for -Zbuild-std).
STD_RUSTC="${TRIGGERS_BUILD_STD_RUSTC:-/usr/bin/rustc}"
STD_SRC="${TRIGGERS_BUILD_STD_SRC:-/usr/lib/rustlib/src/rust/library}"
PACKAGE=triggers-service

arch_arg=all
deploy_arch=""
features="lambda,aws"
profile=release
install=1
smoke=1
functions=()

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --arch) arch_arg="${2:?--arch needs a value}"; shift 2 ;;
        --deploy-arch) deploy_arch="${2:?--deploy-arch needs a value}"; shift 2 ;;
        --function) functions+=("${2:?--function needs NAME=BIN}"); shift 2 ;;
        --features) features="${2?--features needs a value}"; shift 2 ;;
        --debug) profile=debug; shift ;;
        --no-install) install=0; shift ;;
        --no-smoke) smoke=0; shift ;;
        -h|--help) usage ;;
        *) printf 'error: unknown argument %s\n\n' "$1" >&2; usage ;;
    esac
done
if [[ ${#functions[@]} -eq 0 ]]; then
    functions=(api=triggers-lambda-api worker=triggers-lambda-worker sweeper=triggers-lambda-sweeper analytics=triggers-lambda-analytics)
else
    smoke=0   # the smoke test knows the default functions only
fi

case "$arch_arg" in
    all) archs=(x86_64 arm64) ;;
    x86_64|arm64) archs=("$arch_arg") ;;
    *) die "--arch must be x86_64, arm64 or all (got $arch_arg)" ;;
esac
[[ -n "$deploy_arch" ]] || deploy_arch="${archs[0]}"
[[ "$deploy_arch" == x86_64 || "$deploy_arch" == arm64 ]] || die "--deploy-arch must be x86_64 or arm64"
[[ " ${archs[*]} " == *" $deploy_arch "* ]] || die "--deploy-arch $deploy_arch is not among the architectures built (${archs[*]})"
for f in "${functions[@]}"; do
    [[ "$f" =~ ^[a-z0-9_-]+=[A-Za-z0-9_-]+$ ]] || die "--function wants NAME=BIN (got $f)"
done

triple_of() { case "$1" in x86_64) echo x86_64-unknown-linux-gnu ;; arm64) echo aarch64-unknown-linux-gnu ;; esac; }
machine_of() { case "$1" in x86_64) echo "X86-64" ;; arm64) echo "AArch64" ;; esac; }
host_arch() { case "$(uname -m)" in x86_64) echo x86_64 ;; aarch64|arm64) echo arm64 ;; *) uname -m ;; esac; }

# ---------------------------------------------------------------- tools

ZIGBUILD=""
find_zigbuild() {
    local zb
    zb="$(command -v cargo-zigbuild || true)"
    [[ -n "$zb" ]] || { [[ -x "$TOOLS/bin/cargo-zigbuild" ]] && zb="$TOOLS/bin/cargo-zigbuild"; }
    [[ -n "$zb" ]] || return 1
    # zig itself: on PATH, or the PyPI wheel's module (cargo-zigbuild falls
    # back to `python3 -m ziglang`, so the venv's python must come first).
    if ! command -v zig >/dev/null; then
        if [[ -x "$ZIG_VENV/bin/python3" ]] && "$ZIG_VENV/bin/python3" -m ziglang version >/dev/null 2>&1; then
            export PATH="$ZIG_VENV/bin:$PATH"
        else
            return 1
        fi
    fi
    ZIGBUILD="$zb"
}

install_zig_tools() {
    if ! command -v zig >/dev/null && ! { [[ -x "$ZIG_VENV/bin/python3" ]] && "$ZIG_VENV/bin/python3" -m ziglang version >/dev/null 2>&1; }; then
        log "installing zig (PyPI ziglang==$ZIGLANG_VERSION) into $ZIG_VENV"
        if ! { python3 -m venv "$ZIG_VENV" \
                && "$ZIG_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"; }; then
            warn "could not install ziglang"
            return 1
        fi
    fi
    if ! command -v cargo-zigbuild >/dev/null && [[ ! -x "$TOOLS/bin/cargo-zigbuild" ]]; then
        log "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION into $TOOLS (cargo install, about 2 minutes)"
        CARGO_TARGET_DIR="$TOOLS/build" cargo install --quiet --root "$TOOLS" --version "=$CARGO_ZIGBUILD_VERSION" cargo-zigbuild \
            || { warn "could not install cargo-zigbuild"; return 1; }
    fi
}

find_zigbuild || { [[ $install -eq 1 ]] && install_zig_tools && find_zigbuild; } || true
if [[ -n "$ZIGBUILD" ]]; then
    log "linker: zig $(zig version 2>/dev/null || python3 -m ziglang version) via $ZIGBUILD (glibc pinned to $GLIBC_MAX)"
else
    warn "zig/cargo-zigbuild unavailable: only the host architecture can be built, with the host linker, and only if the glibc check passes"
fi

# How the standard library for a triple is obtained: "rustup", "build-std",
# or "" (not available).
std_source() {
    local triple="$1"
    if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
        echo rustup
    elif [[ -x "$STD_RUSTC" && -d "$STD_SRC/std" ]]; then
        echo build-std
    elif [[ "$triple" == "$(triple_of "$(host_arch)")" ]] && ! command -v rustup >/dev/null; then
        echo rustup   # a plain toolchain (no rustup) always has its host std
    else
        echo ""
    fi
}

# ---------------------------------------------------------------- checks

# glibc version needs, machine and shared libraries of an ELF file; prints a
# one-line summary, returns non-zero with a reason on stderr when unfit.
check_binary() {
    local file="$1" arch="$2" machine needed max libs bad=0
    machine="$(readelf -h "$file" | sed -n 's/^ *Machine: *//p')"
    if [[ "$machine" != *"$(machine_of "$arch")"* ]]; then
        printf 'error: %s is built for "%s", not %s\n' "$file" "$machine" "$arch" >&2
        return 1
    fi
    needed="$(readelf -V --wide "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV || true)"
    max="$(printf '%s\n' "$needed" | tail -n 1)"
    local v too_new=()
    for v in $needed; do
        [[ "$(printf '%s\n%s\n' "$v" "$GLIBC_MAX" | sort -V | tail -n 1)" == "$GLIBC_MAX" ]] || too_new+=("$v")
    done
    if [[ ${#too_new[@]} -gt 0 ]]; then
        printf 'error: %s needs GLIBC_%s; AL2023 has %s. The symbols:\n' "$file" "$max" "$GLIBC_MAX" >&2
        for v in "${too_new[@]}"; do
            objdump -T "$file" 2>/dev/null | grep -F "(GLIBC_$v)" >&2 || true
        done
        bad=1
    fi
    libs="$(readelf -d "$file" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
    for lib in $libs; do
        case "$lib" in
            libc.so.6|libm.so.6|libgcc_s.so.1|libpthread.so.0|libdl.so.2|librt.so.1|libutil.so.1|ld-linux-x86-64.so.2|ld-linux-aarch64.so.1) ;;
            *) printf 'error: %s needs %s, which provided.al2023 does not promise\n' "$file" "$lib" >&2; bad=1 ;;
        esac
    done
    printf '%s, needs GLIBC <= %s, libraries: %s\n' "$machine" "${max:-none}" "${libs:-none (static)}"
    return $bad
}

# A zip with `bootstrap` at its root, mode 0755, fixed timestamps (the same
# binary gives the same zip).
make_zip() {
    python3 - "$1" "$2" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)
info.create_system = 3
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read())
PY
}

# ---------------------------------------------------------------- build

bins=()
for f in "${functions[@]}"; do bins+=(--bin "${f#*=}"); done
feature_args=()
[[ -z "$features" ]] || feature_args=(--features "$features")
profile_args=()
[[ "$profile" == release ]] && profile_args=(--release)
# Smaller zips start faster; symbols are of no use on Lambda (panics still
# print their message and location).
export CARGO_PROFILE_RELEASE_STRIP=symbols

cd "$ROOT"
rm -f "$OUT/BUILD-INFO.txt.tmp"
mkdir -p "$OUT"
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]] || commit="$commit+dirty"

built=()
not_built=()
for arch in "${archs[@]}"; do
    # No stale artefacts of an earlier run: what is there after this run was
    # built by it (or the architecture is reported NOT BUILT).
    rm -rf "${OUT:?}/$arch" "$OUT/$arch.zip"
    triple="$(triple_of "$arch")"
    std="$(std_source "$triple")"
    env_args=()
    extra=()
    target_dir="$TARGET_DIR"
    if [[ -z "$std" ]]; then
        not_built+=("$arch: no Rust standard library for $triple. Install it with \`rustup target add $triple\`, or on Debian bookworm \`apt-get install rustc-web cargo-web rust-web-src\` (then it is built from source)")
        continue
    fi
    if [[ "$std" == build-std ]]; then
        # Debian's rustc-web with its std sources; its own target directory
        # so the two compilers never share artefacts.
        env_args=(RUSTC="$STD_RUSTC" RUSTC_BOOTSTRAP=1)
        extra=("-Zbuild-std=std,panic_abort")
        target_dir="$TARGET_DIR/lambda-build-std"
    fi
    if [[ -n "$ZIGBUILD" ]]; then
        cmd=("$ZIGBUILD" zigbuild --target "$triple.$GLIBC_MAX")
    elif [[ "$arch" == "$(host_arch)" ]]; then
        cmd=(cargo build --target "$triple")
    else
        not_built+=("$arch: no linker for $triple (zig via cargo-zigbuild is unavailable; rerun without --no-install, or install ziglang and cargo-zigbuild)")
        continue
    fi
    log "building $arch ($triple, std: $std, profile $profile): ${functions[*]}"
    if ! env "${env_args[@]}" CARGO_TARGET_DIR="$target_dir" \
        "${cmd[@]}" -p "$PACKAGE" "${feature_args[@]}" "${profile_args[@]}" "${extra[@]}" "${bins[@]}"; then
        not_built+=("$arch: the build failed (see the compiler output above)")
        continue
    fi
    ok=1
    for f in "${functions[@]}"; do
        name="${f%%=*}" bin="${f#*=}"
        src="$target_dir/$triple/$profile/$bin"
        [[ -f "$src" ]] || { not_built+=("$arch: $src is missing after the build"); ok=0; continue; }
        if ! summary="$(check_binary "$src" "$arch")"; then
            not_built+=("$arch/$name: $bin fails the AL2023 checks (above)")
            ok=0
            continue
        fi
        mkdir -p "$OUT/$arch/$name"
        install -m 0755 "$src" "$OUT/$arch/$name/bootstrap"
        make_zip "$OUT/$arch/$name/bootstrap" "$OUT/$arch/$name.zip"
        sha="$(sha256sum "$OUT/$arch/$name/bootstrap" | cut -d' ' -f1)"
        size="$(stat -c %s "$OUT/$arch/$name.zip")"
        log "$arch/$name: $summary"
        printf '%s/%s: bin %s, %s, sha256 %s, zip %s bytes\n' "$arch" "$name" "$bin" "$summary" "$sha" "$size" >> "$OUT/BUILD-INFO.txt.tmp"
    done
    if [[ $ok -eq 1 && $smoke -eq 1 ]]; then
        runner=()
        if [[ "$arch" != "$(host_arch)" ]]; then
            if [[ "$arch" == arm64 ]] && command -v qemu-aarch64-static >/dev/null && [[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]]; then
                runner=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)
            else
                warn "smoke test of $arch skipped: this machine cannot run it (for arm64 on x86_64: apt-get install qemu-user-static libc6-arm64-cross)"
                runner=(skip)
            fi
        fi
        if [[ "${runner[*]}" != skip ]]; then
            log "smoke test of $arch${runner:+ (under ${runner[*]})}"
            if ! python3 "$ROOT/deploy/smoke_bootstrap.py" "$OUT/$arch/api/bootstrap" "$OUT/$arch/worker/bootstrap" "$OUT/$arch/sweeper/bootstrap" "$OUT/$arch/analytics/bootstrap" -- "${runner[@]}"; then
                not_built+=("$arch: the smoke test failed (above)")
                ok=0
            fi
        fi
    fi
    [[ $ok -eq 1 ]] && built+=("$arch")
done

if [[ " ${built[*]} " == *" $deploy_arch "* ]]; then
    for f in "${functions[@]}"; do
        name="${f%%=*}"
        mkdir -p "$OUT/$name"
        install -m 0755 "$OUT/$deploy_arch/$name/bootstrap" "$OUT/$name/bootstrap"
        cp "$OUT/$deploy_arch/$name.zip" "$OUT/$name.zip"
    done
    {
        printf 'commit %s, profile %s, built %s\n' "$commit" "$profile" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf 'deploy architecture (target/lambda/<function>/bootstrap): %s  -> sam deploy --parameter-overrides Architecture=%s\n' "$deploy_arch" "$deploy_arch"
        cat "$OUT/BUILD-INFO.txt.tmp"
    } > "$OUT/BUILD-INFO.txt"
    log "deploy copies: target/lambda/<function>/bootstrap are the $deploy_arch builds (stack parameter Architecture=$deploy_arch)"
else
    warn "the deploy architecture $deploy_arch was not built: target/lambda/<function>/ left as it was"
fi
rm -f "$OUT/BUILD-INFO.txt.tmp"

[[ ${#built[@]} -eq 0 ]] || log "built: ${built[*]} (in target/lambda/<arch>/)"
if [[ ${#not_built[@]} -gt 0 ]]; then
    for reason in "${not_built[@]}"; do
        printf 'NOT BUILT: %s\n' "$reason" >&2
    done
    exit 1
fi
