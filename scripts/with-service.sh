#!/usr/bin/env bash
# Runs a command against a throwaway triggers-service on 127.0.0.1, then stops
# the service. The SDK test suites use it to test their clients against the
# real service.
#
#   scripts/with-service.sh COMMAND [ARG…]
#
# The command sees:
#   TRIGGERS_TEST_BASE_URL        http://127.0.0.1:<port>
#   TRIGGERS_TEST_ADMIN_KEY       the bootstrap admin API key (trgk_…)
#   TRIGGERS_TEST_KEY_ID          its key id (key_…), the v1 signing key id
#   TRIGGERS_TEST_SIGNING_SECRET  its v1 signing secret (trgs_…)
#   TRIGGERS_TEST_SERVICE_BIN     the service binary (e.g. for `keys create`)
#   TRIGGERS_TEST_DATA_DIR        the service's data directory
#
# Webhook destinations are limited to 127.0.0.1 and localhost (plain http
# allowed), so tests can deliver to their own loopback receivers and nothing
# leaves the machine. The exit status is the command's.
#
# Environment: TRIGGERS_SERVICE_BIN (use this binary instead of building),
# KEEP_WORKDIR=1 (keep the data directory and the server log).
set -euo pipefail

[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARG…]" >&2; exit 2; }
# shellcheck source=scripts/lib/service.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/service.sh"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/triggers-with-service.XXXXXX")"
cleanup() {
    local rc=$?
    service_stop
    if [[ "$rc" != 0 && -f "$WORK/server.err" ]]; then
        tail -n 20 "$WORK/server.err" >&2 || true
    fi
    if [[ "${KEEP_WORKDIR:-0}" == 1 ]]; then
        printf '==> kept %s\n' "$WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

service_start "$WORK" TRIGGERS_WEBHOOKS_ALLOW_LOCAL=true TRIGGERS_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1,localhost RUST_LOG=warn

export TRIGGERS_TEST_BASE_URL="$SERVICE_BASE"
export TRIGGERS_TEST_ADMIN_KEY="$SERVICE_ADMIN_KEY"
export TRIGGERS_TEST_KEY_ID="$SERVICE_ADMIN_KEY_ID"
export TRIGGERS_TEST_SIGNING_SECRET="$SERVICE_SIGNING_SECRET"
export TRIGGERS_TEST_SERVICE_BIN="$SERVICE_BIN"
export TRIGGERS_TEST_DATA_DIR="$SERVICE_DATA"
set +e
"$@"
rc=$?
set -e
if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    echo "error: triggers-service died during the run" >&2
    rc=1
fi
exit "$rc"
