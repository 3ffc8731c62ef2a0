#!/usr/bin/env bash
# Property-based API tests of triggers-service against docs/openapi.json, with
# Schemathesis (https://schemathesis.readthedocs.io), on 127.0.0.1 only.
#
#   scripts/schemathesis.sh [extra `st run` options…]
#
# What it does:
#   1. installs Schemathesis 4 (pip) unless it is importable;
#   2. builds triggers-service (`cargo build -p triggers-service`, honouring
#      CARGO_TARGET_DIR) unless TRIGGERS_SERVICE_BIN names a binary;
#   3. starts `triggers-service serve` on a free 127.0.0.1 port with a fresh
#      temporary data directory and webhook destinations restricted to
#      127.0.0.1 and localhost, waits for /healthz (at most ~30 s) and reads
#      the admin API key printed once at first start;
#   4. creates the run's identities: a second admin key of that account
#      ("owner", sends every request) and, with `triggers-service keys
#      create`, an admin key of another account ("peer", for the
#      object-level authorization check); the hooks
#      (tests/schemathesis/hooks.py) never revoke or rotate any of these keys;
#   5. runs every Schemathesis check in every phase (examples, coverage,
#      fuzzing, stateful) against http://127.0.0.1:<port>/openapi.json, a
#      bounded number of examples per operation (a count, never a time
#      budget), reproducibly (deterministic generation, or a given seed; no
#      shrinking; only the stateful phase varies, as its links follow the ids
#      the server mints);
#   6. stops the server and exits with Schemathesis' status (non-zero on any
#      failure or error).
#
# Extra arguments go to `st run`, e.g. `--exclude-checks use_after_free` or
# `--include-operation-id createEvent`.
#
# Environment:
#   TRIGGERS_SERVICE_BIN        use this binary instead of building
#   SCHEMATHESIS_MAX_EXAMPLES   test cases per operation and phase (default 50)
#   SCHEMATHESIS_SEED           explore: seeded random generation with this seed
#                               (default: deterministic generation, the same
#                               test cases on every run)
#   SCHEMATHESIS_REPORT_DIR     keep JUnit + NDJSON + HAR reports here
#                               (default: a temporary directory, removed)
#   TRIGGERS_EDGE_CASES=1       afterwards, also run tests/schemathesis/edge_cases.py
#                               (hand-written cases generation cannot reach;
#                               their failures also make the exit status non-zero)
#   KEEP_WORKDIR=1              keep the temporary directory (data, server log)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/tests/schemathesis"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-50}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

command -v curl >/dev/null || die "curl is required"
command -v python3 >/dev/null || die "python3 is required"

# --- 1. Schemathesis -----------------------------------------------------------
if ! python3 -c 'import schemathesis, sys; sys.exit(0 if int(schemathesis.__version__.split(".")[0]) >= 4 else 1)' 2>/dev/null; then
    log "installing schemathesis 4 (pip)"
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.1,<5' \
        || die "cannot install schemathesis; install it with: python3 -m pip install 'schemathesis>=4.1,<5'"
fi
ST=(python3 -m schemathesis.cli)
log "schemathesis $(python3 -c 'import schemathesis; print(schemathesis.__version__)')"

# --- 2, 3. Build and start the server --------------------------------------------
# shellcheck source=scripts/lib/service.sh
source "$ROOT/scripts/lib/service.sh"
service_bin
BIN="$SERVICE_BIN"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/triggers-schemathesis.XXXXXX")"

cleanup() {
    local rc=$?
    service_stop
    if [[ "${KEEP_WORKDIR:-0}" == 1 ]]; then
        log "kept $WORK (server log: $WORK/server.err)"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Webhooks are registered by generated requests, so they may only name
# loopback hosts: TRIGGERS_WEBHOOKS_ALLOW_LOCAL=true admits http:// and
# loopback destinations at all (the default policy is https to public
# addresses only), and the egress allowlist TRIGGERS_WEBHOOKS_ALLOWED_HOSTS
# refuses every other host with 400 url_not_allowed, when a webhook is
# registered or changed and again before every test send and delivery. So
# neither test sends nor deliveries ever leave the machine, and DNS is never
# queried (the hooks give positive cases http://127.0.0.1:9/…, an IP literal
# on a port where nothing listens; edge_cases.py checks that other hosts are
# refused and that every webhook of the run names a loopback host).
log "webhook destinations: 127.0.0.1 and localhost only"
service_start "$WORK" TRIGGERS_WEBHOOKS_ALLOW_LOCAL=true TRIGGERS_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1,localhost
BASE="$SERVICE_BASE"
DATA="$SERVICE_DATA"
SERVER_PID="$SERVICE_PID"
BOOT_KEY="$SERVICE_ADMIN_KEY"
key_id_of() { service_key_id "$1"; }

# --- 4. Identities for the run -------------------------------------------------
# "owner": a second admin key of the bootstrap account, used for every request.
# "peer": an admin key of another account, minted with the CLI; Schemathesis
# replays the owner's reads as the peer (object_level_authorization) and fails
# if the peer can see the owner's events or keys.
created="$(curl -fsS --max-time 10 -X POST "$BASE/v1/api-keys" \
    -H "Authorization: Bearer $BOOT_KEY" -H 'Content-Type: application/json' \
    -d '{"name":"schemathesis run","role":"admin"}')" \
    || die "cannot create the run's admin key with the bootstrap key"
RUN_KEY="$(printf '%s' "$created" | python3 -c 'import json, sys; print(json.load(sys.stdin)["api_key"])')"
[[ "$RUN_KEY" == trgk_* ]] || die "unexpected POST /v1/api-keys response: $created"
PEER_KEY="$("$BIN" keys create --name 'schemathesis peer' --account acct_schemathesis_peer --admin \
        --data-dir "$DATA" 2>>"$WORK/server.err" | grep -o 'trgk_[A-Za-z0-9]*' | head -1 || true)"
[[ -n "$PEER_KEY" ]] || die "cannot create the peer key (triggers-service keys create)"
export TRIGGERS_PROTECTED_KEY_IDS="$(key_id_of "$BOOT_KEY"),$(key_id_of "$RUN_KEY"),$(key_id_of "$PEER_KEY")"
export SCHEMATHESIS_HOOKS="$HERE/hooks.py"

# Web Fuzzing Commons auth file (fixed headers) + the static settings.
python3 - "$WORK/auth.json" "$RUN_KEY" "$PEER_KEY" <<'PY'
import json, sys
path, owner, peer = sys.argv[1:]
entries = [{"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {key}"}]}
           for name, key in (("owner", owner), ("peer", peer))]
with open(path, "w") as f:
    json.dump({"schemaVersion": "0.2.0", "auth": entries}, f)
PY
chmod 600 "$WORK/auth.json"
{
    cat "$HERE/schemathesis.toml"
    printf '\n# Added by scripts/schemathesis.sh for this run.\n[auth.wfc]\npath = "%s"\nuser = "owner"\npeers = ["owner", "peer"]\n' "$WORK/auth.json"
} >"$WORK/schemathesis.toml"

# The server embeds docs/openapi.json at compile time: say so if the binary is stale.
if ! curl -fsS --max-time 5 "$BASE/openapi.json" | python3 -c '
import json, sys
served = json.load(sys.stdin)
with open(sys.argv[1]) as f:
    sys.exit(0 if served == json.load(f) else 1)
' "$ROOT/docs/openapi.json"; then
    log "warning: the served /openapi.json differs from docs/openapi.json (rebuild the service); testing the served one"
fi

# --- 5. Schemathesis -----------------------------------------------------------
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-$WORK/report}"
mkdir -p "$REPORT_DIR"
args=(
    --config-file "$WORK/schemathesis.toml"
    run "$BASE/openapi.json"
    --url "$BASE"
    # Every path: Schemathesis leaves out the operation that served the schema
    # (GET /openapi.json) unless a filter names it explicitly.
    --include-path-regex '^/'
    --checks all
    --phases examples,coverage,fuzzing,stateful
    --max-examples "$MAX_EXAMPLES"
    --no-shrink
    --continue-on-failure
    --workers 1
    --request-timeout 10
    --report junit,ndjson,har
    --report-dir "$REPORT_DIR"
)
if [[ -n "${SCHEMATHESIS_SEED:-}" ]]; then
    args+=(--seed "$SCHEMATHESIS_SEED")
else
    args+=(--generation-deterministic)
fi
args+=("$@")
log "st ${args[*]}"
log "  config = tests/schemathesis/schemathesis.toml + [auth.wfc] ($WORK/auth.json): owner = 'Authorization: Bearer <run admin key>', peer = admin key of acct_schemathesis_peer"
set +e
"${ST[@]}" "${args[@]}"
rc=$?
set -e

if [[ "${TRIGGERS_EDGE_CASES:-0}" == 1 ]]; then
    log "edge cases (tests/schemathesis/edge_cases.py)"
    python3 "$HERE/edge_cases.py" "$BASE" "$RUN_KEY" || rc=1
fi

# The run's own key must have survived (an admin-only read that no event can break).
if ! curl -fsS --max-time 5 -o /dev/null "$BASE/v1/api-keys?limit=1" -H "Authorization: Bearer $RUN_KEY"; then
    log "error: the run's admin key no longer authenticates"
    rc=1
fi
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "error: triggers-service died during the run"
    tail -n 50 "$WORK/server.err" >&2 || true
    rc=1
fi
if [[ "$rc" != 0 ]]; then
    tail -n 20 "$WORK/server.err" >&2 || true
fi
[[ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]] && log "reports in $REPORT_DIR"
log "exit status: $rc"
exit "$rc"
