#!/usr/bin/env bash
# Runs the signing (and, when present, layer) Criterion benchmarks next to an
# `openssl speed` SHA-256 baseline measured in the same run, and prints a
# markdown summary: figures, ratios against the baselines, and the targets
#
#   - sign+verify of a 1 KiB request under 2 µs,
#   - 1 MiB throughput at least 80 % of `openssl speed -evp sha256` (16 KiB
#     block column),
#   - signature-layer overhead under 1 µs beyond hashing.
#
# Usage: benches/run.sh            (from anywhere; about 3 minutes)
# Environment:
#   CARGO_TARGET_DIR       where Criterion's JSON is read (default: <workspace>/target)
#   BENCH_WARMUP_SECS      Criterion warm-up per benchmark (default 1)
#   BENCH_MEASURE_SECS     Criterion measurement per benchmark (default 3)
#   OPENSSL_SECONDS        duration of `openssl speed` (default 3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
CRITERION_DIR="$TARGET_DIR/criterion"
WARMUP="${BENCH_WARMUP_SECS:-1}"
MEASURE="${BENCH_MEASURE_SECS:-3}"
OSSL_SECS="${OPENSSL_SECONDS:-3}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> %s\n' "$*" >&2; }

# Build first, so compilation does not overlap with any measurement.
BENCHES=(--bench signing)
if [[ -f benches/benches/layer.rs ]]; then
    BENCHES+=(--bench layer)
fi
log "building ${BENCHES[*]}"
cargo bench -p triggers-benches "${BENCHES[@]}" --no-run >&2

# Only results written after this marker count (stale benchmark directories
# from earlier runs are ignored).
touch "$WORK/marker"
sleep 1

log "openssl speed -evp sha256 -seconds $OSSL_SECS -bytes 16384"
openssl speed -evp sha256 -seconds "$OSSL_SECS" -bytes 16384 >"$WORK/openssl.txt" 2>"$WORK/openssl.err"

log "cargo bench -p triggers-benches ${BENCHES[*]} -- --warm-up-time $WARMUP --measurement-time $MEASURE"
cargo bench -p triggers-benches "${BENCHES[@]}" -- \
    --warm-up-time "$WARMUP" --measurement-time "$MEASURE" >"$WORK/criterion.txt" 2>&1 || {
    cat "$WORK/criterion.txt" >&2
    exit 1
}

CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
SHA_NI="no"
if grep -qw sha_ni /proc/cpuinfo; then SHA_NI="yes"; fi

python3 - "$WORK/openssl.txt" "$CRITERION_DIR" "$WORK/marker" \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$CPU" "$SHA_NI" "$(nproc)" \
    "$(rustc --version)" "$(openssl version)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$WARMUP" "$MEASURE" "$OSSL_SECS" <<'PY'
import json
import os
import re
import sys

(openssl_txt, criterion_dir, marker, date, cpu, sha_ni, ncpu, rustc,
 openssl_version, loadavg, warmup, measure, ossl_secs) = sys.argv[1:]
since = os.path.getmtime(marker)

# --- openssl: "sha256   2171158.53k" -- the 'numbers' are in 1000s of bytes
# per second, so k means 1000 bytes/s, not KiB/s.
ossl_bps = None
for line in open(openssl_txt):
    m = re.match(r"^\s*sha256\s+([0-9.]+)k\s*$", line, re.IGNORECASE)
    if m:
        ossl_bps = float(m.group(1)) * 1000.0
if ossl_bps is None:
    sys.exit("could not parse the openssl speed output:\n" + open(openssl_txt).read())

# --- criterion: <dir>/<group>/<function>/<param>/new/{benchmark,estimates}.json
results = {}
for dirpath, _dirs, files in os.walk(criterion_dir):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
        continue
    est_path = os.path.join(dirpath, "estimates.json")
    if os.path.getmtime(est_path) < since:
        continue
    est = json.load(open(est_path))
    try:
        full_id = json.load(open(os.path.join(dirpath, "benchmark.json")))["full_id"]
    except (OSError, KeyError, ValueError):
        full_id = os.path.relpath(os.path.dirname(dirpath), criterion_dir)
    mean = est["mean"]
    results[full_id] = (
        mean["point_estimate"],
        mean["confidence_interval"]["lower_bound"],
        mean["confidence_interval"]["upper_bound"],
    )

def ns(bench):
    if bench not in results:
        return None
    return results[bench][0]

def fmt_time(v):
    if v is None:
        return "n/a"
    if v >= 1e6:
        return f"{v / 1e6:.3f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.3f} µs"
    return f"{v:.1f} ns"

MiB = 1024 * 1024
def mbps(bench, nbytes):
    v = ns(bench)
    return None if v is None else nbytes / (v * 1e-9) / 1e6

def verdict(ok):
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**MISSED**"

ossl_mbps = ossl_bps / 1e6
rows = []
def row(metric, measured, reference, ratio, result=""):
    rows.append(f"| {metric} | {measured} | {reference} | {ratio} | {result} |")

# 1 MiB throughput against openssl.
for bench, label in [
    ("baseline/sha256/1MiB", "bare `sha2::Sha256::digest`, 1 MiB"),
    ("request/sign/1MiB", "`sign`, 1 MiB body"),
    ("request/verify/1MiB", "`Verifier::verify` + body hash, 1 MiB body"),
]:
    t = mbps(bench, MiB)
    if t is None:
        row(label, "n/a", "", "", "")
        continue
    ratio = t / ossl_mbps
    target = bench != "baseline/sha256/1MiB"
    row(label, f"{t:,.0f} MB/s", f"openssl {ossl_mbps:,.0f} MB/s",
        f"{ratio:.1%} of openssl", verdict(ratio >= 0.80) + " (≥ 80 %)" if target else "")

# 1 KiB sign+verify against 2 µs, and how it splits.
sv = ns("request/sign_verify/1KiB")
row("`sign` + `verify`, 1 KiB body", fmt_time(sv), "target 2 µs",
    "n/a" if sv is None else f"{sv / 2000:.0%} of target",
    verdict(None if sv is None else sv < 2000))
sha1k, hmac_c, canon = ns("baseline/sha256/1KiB"), ns("baseline/hmac_sha256/canonical_1KiB"), ns("canonicalize/canonical_string/target")
if None not in (sv, sha1k, hmac_c):
    floor = 2 * (sha1k + hmac_c)
    row("… of which the crypto floor: 2 × (SHA-256 1 KiB + HMAC of the string to sign)",
        fmt_time(floor), f"sha256 1 KiB {fmt_time(sha1k)}, HMAC {fmt_time(hmac_c)}",
        f"{sv / floor:.2f}× floor", "")
for bench, label in [("request/sign/1KiB", "`sign`, 1 KiB body"),
                     ("request/verify/1KiB", "`verify` + body hash, 1 KiB body")]:
    v = ns(bench)
    if None not in (v, sha1k, hmac_c):
        row(label, fmt_time(v), f"SHA-256 1 KiB + HMAC = {fmt_time(sha1k + hmac_c)}",
            f"{v / (sha1k + hmac_c):.2f}×", "")
if canon is not None:
    row("`canonical_string` of `/v1/events/abc%2Fdef?z=1&a=2&b=%20x`", fmt_time(canon),
        "" if hmac_c is None else f"HMAC {fmt_time(hmac_c)}",
        "" if hmac_c is None else f"{canon / hmac_c:.2f}× one HMAC", "")
wh = ns("webhook/sign_verify/1KiB")
if wh is not None:
    row("webhook `sign` + `verify`, 1 KiB body", fmt_time(wh),
        "" if hmac_c is None else "2 HMACs over ~1 KiB", "", "")

# Layer overhead = (b) layered − (a) bare service − (c) verify + hashing.
a, b, c = ns("layer/bare_service/1KiB"), ns("layer/signature_layer/1KiB"), ns("layer/verify_and_hash/1KiB")
if None not in (a, b, c):
    over = b - a - c
    row("signature layer, 1 KiB body: (b) layered", fmt_time(b), f"(a) bare service {fmt_time(a)}", "", "")
    row("… (c) `verify` + body hash alone", fmt_time(c), "", "", "")
    row("… overhead beyond hashing = b − a − c", fmt_time(over), "target 1 µs",
        f"{over / 1000:.0%} of target", verdict(over < 1000))
else:
    row("signature layer overhead", "n/a (layer bench not run)", "target 1 µs", "", "")

print(f"## Benchmark summary ({date})\n")
print(f"- CPU: {cpu} ({ncpu} logical CPUs, SHA-NI: {sha_ni})")
print(f"- {rustc}; {openssl_version}")
print(f"- load average before the run: {loadavg}")
print(f"- Criterion: warm-up {warmup} s, measurement {measure} s per benchmark; "
      f"`openssl speed -evp sha256 -seconds {ossl_secs} -bytes 16384`")
print("- MB/s = 10^6 bytes/s (openssl's unit); times are Criterion means\n")
print("| Metric | Measured | Baseline / target | Ratio | Result |")
print("|---|---|---|---|---|")
print("\n".join(rows))
print("\n<details><summary>All benchmarks (mean, 95 % CI)</summary>\n")
print("| Benchmark | Mean | 95 % CI |")
print("|---|---|---|")
for bench in sorted(results):
    m, lo, hi = results[bench]
    print(f"| `{bench}` | {fmt_time(m)} | {fmt_time(lo)} – {fmt_time(hi)} |")
print("\n</details>")
PY
