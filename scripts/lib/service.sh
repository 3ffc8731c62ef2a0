# Start and stop a throwaway triggers-service on 127.0.0.1 (sourced by
# scripts/with-service.sh and scripts/schemathesis.sh; not run directly).
#
#   service_bin                 sets SERVICE_BIN: $TRIGGERS_SERVICE_BIN, else
#                               `cargo build -p triggers-service` (honours
#                               CARGO_TARGET_DIR) and the binary it reports
#   service_start WORKDIR [VAR=value …]
#                               starts `serve` on a free port with a fresh data
#                               directory WORKDIR/data and the given environment,
#                               waits for /healthz (at most 30 s), and sets
#                               SERVICE_PID, SERVICE_BASE, SERVICE_DATA,
#                               SERVICE_ADMIN_KEY, SERVICE_ADMIN_KEY_ID and
#                               SERVICE_SIGNING_SECRET (the bootstrap admin key,
#                               printed once at first start)
#   service_stop                SIGTERM, then SIGKILL after 5 s
#   service_key_id KEY          prints the key id of an API key
#
# Logs: WORKDIR/server.out and WORKDIR/server.err.

_service_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_service_log() { printf '==> %s\n' "$*" >&2; }
_service_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

service_bin() {
    if [[ -n "${TRIGGERS_SERVICE_BIN:-}" ]]; then
        SERVICE_BIN="$TRIGGERS_SERVICE_BIN"
    else
        _service_log "building triggers-service (cargo build -p triggers-service)"
        # Ask cargo where the binary is: honours CARGO_TARGET_DIR, relative or
        # not, and any build.target-dir configuration.
        SERVICE_BIN="$(cd "$_service_root" && cargo build --locked -p triggers-service --bin triggers-service \
                --message-format=json-render-diagnostics \
            | python3 -c '
import json, sys
exe = None
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
            and msg["target"]["name"] == "triggers-service":
        exe = msg["executable"]
print(exe or "")
')" || _service_die "cargo build -p triggers-service failed"
    fi
    [[ -n "$SERVICE_BIN" && -x "$SERVICE_BIN" ]] || _service_die "no executable triggers-service binary (${SERVICE_BIN:-none})"
}

# The key id is `key_` + the 16 characters after `trgk_` (triggers-keys token.rs).
service_key_id() { printf 'key_%s' "${1:5:16}"; }

service_start() {
    local work="$1"
    shift
    [[ -n "${SERVICE_BIN:-}" ]] || service_bin
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    SERVICE_BASE="http://127.0.0.1:$port"
    SERVICE_DATA="$work/data"
    SERVICE_WORK="$work"
    _service_log "starting $SERVICE_BIN serve on $SERVICE_BASE (data: $SERVICE_DATA)"
    env "$@" "$SERVICE_BIN" serve --listen "127.0.0.1:$port" --data-dir "$SERVICE_DATA" \
        >"$work/server.out" 2>"$work/server.err" &
    SERVICE_PID=$!
    local ready=0
    for _ in $(seq 1 120); do # 120 × 0.25 s = 30 s
        if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
            cat "$work/server.err" >&2 || true
            _service_die "triggers-service exited during start-up"
        fi
        if curl -fsS --max-time 2 "$SERVICE_BASE/healthz" >/dev/null 2>&1; then
            ready=1
            break
        fi
        sleep 0.25
    done
    [[ "$ready" == 1 ]] || { cat "$work/server.err" >&2 || true; _service_die "no answer from $SERVICE_BASE/healthz within 30 s"; }
    SERVICE_ADMIN_KEY="$(grep -o 'trgk_[A-Za-z0-9]*' "$work/server.out" | head -1 || true)"
    SERVICE_SIGNING_SECRET="$(grep -o 'trgs_[A-Za-z0-9]*' "$work/server.out" | head -1 || true)"
    [[ -n "$SERVICE_ADMIN_KEY" && -n "$SERVICE_SIGNING_SECRET" ]] \
        || _service_die "no admin API key (trgk_…) and signing secret (trgs_…) on the server's stdout"
    SERVICE_ADMIN_KEY_ID="$(service_key_id "$SERVICE_ADMIN_KEY")"
}

service_stop() {
    if [[ -n "${SERVICE_PID:-}" ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
        kill -TERM "$SERVICE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVICE_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVICE_PID" 2>/dev/null || true
        wait "$SERVICE_PID" 2>/dev/null || true
    fi
}
