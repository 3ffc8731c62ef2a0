#!/usr/bin/env bash
# Runs a command against a throwaway moto server (AWS emulation: DynamoDB and
# SQS) on 127.0.0.1, then stops the server. The AWS backends' conformance
# tests use it:
#
#   scripts/moto.sh COMMAND [ARG…]
#   scripts/moto.sh cargo test -p triggers-keys --features dynamodb --test it aws
#
# The command sees:
#   TRIGGERS_TEST_MOTO_URL   http://127.0.0.1:<port> (the endpoint to give
#                            the AWS SDK, with dummy credentials and region
#                            us-east-1)
#
# Without a command it prints the export line and keeps the server running
# in the foreground until interrupted (for manual runs):
#
#   scripts/moto.sh
#
# moto[server] is installed from PyPI once, into a virtualenv under
# ~/.cache/triggers/venv-moto (override with TRIGGERS_MOTO_VENV); the install
# is skipped when moto_server is already there. The server binds 127.0.0.1
# only, on a free port; nothing it serves leaves the machine. It processes
# one request at a time (see below why). The exit status is the command's.
#
# Environment: TRIGGERS_MOTO_VENV (the virtualenv), MOTO_VERSION (the pip
# requirement, default `moto[server]>=5.1,<6`), KEEP_WORKDIR=1 (keep the
# server log).
set -euo pipefail

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

VENV="${TRIGGERS_MOTO_VENV:-$HOME/.cache/triggers/venv-moto}"
REQUIREMENT="${MOTO_VERSION:-moto[server]>=5.1,<6}"

# shellcheck source=scripts/lib/venv.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/venv.sh"
ensure_venv "$VENV" 'import moto.server' "$REQUIREMENT"
[[ -x "$VENV/bin/moto_server" ]] || die "no moto_server in $VENV/bin"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/triggers-moto.XXXXXX")"
MOTO_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
        kill -TERM "$MOTO_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$MOTO_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    if [[ "$rc" != 0 && -f "$WORK/moto.log" ]]; then
        tail -n 20 "$WORK/moto.log" >&2 || true
    fi
    if [[ "${KEEP_WORKDIR:-0}" == 1 ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind port 0, read it, release it. Another process could take
# it before moto binds; the readiness check below then fails loudly.
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
# moto's server, with one change: requests are processed one at a time.
# moto's DynamoDB transactions are not thread-safe (a cancelled transaction
# restores a copy of the whole table taken before it ran, undoing any write
# that landed meanwhile), so two concurrent transactions could lose a
# committed write, which DynamoDB never does. Serialised, every request is
# atomic, as DynamoDB's per-item serialisation makes it; clients still send
# concurrently (the conformance suites race conditional writes).
cat >"$WORK/serve.py" <<'PY'
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app)

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
moto_app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()

def app(environ, start_response):
    with lock:
        # The whole response is produced under the lock.
        return list(moto_app(environ, start_response))

run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
PY
log "starting moto on $URL (requests serialised; log: $WORK/moto.log)"
"$VENV/bin/python" "$WORK/serve.py" 127.0.0.1 "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!

ready=0
for _ in $(seq 1 120); do # 120 × 0.25 s = 30 s
    kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log" >&2 || true; die "moto_server exited during start-up"; }
    # moto's own API answers once the server is up.
    if curl -fsS --max-time 2 "$URL/moto-api/data.json" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.25
done
[[ "$ready" == 1 ]] || die "no answer from $URL within 30 s"

export TRIGGERS_TEST_MOTO_URL="$URL"
if [[ $# -eq 0 ]]; then
    printf 'export TRIGGERS_TEST_MOTO_URL=%s\n' "$URL"
    log "moto is running; Ctrl-C stops it"
    wait "$MOTO_PID"
    exit 0
fi

set +e
"$@"
rc=$?
set -e
if ! kill -0 "$MOTO_PID" 2>/dev/null; then
    echo "error: moto_server died during the run" >&2
    rc=1
fi
exit "$rc"
