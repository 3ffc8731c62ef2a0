#!/usr/bin/env bash
# Lints the AWS SAM template (deploy/template.yaml):
#
# 1. cfn-lint, the CloudFormation linter from PyPI, on the template as
#    written: the SAM resources against SAM's schemas (Globals merged), the
#    others against the resource specifications of every region listed
#    below.
# 2. the SAM translator (PyPI aws-sam-translator, what the transform runs in
#    CloudFormation), offline: deploy/sam_translate.py turns the template
#    into plain CloudFormation, and cfn-lint checks that too (the versions,
#    aliases, event source mapping, permissions and stage SAM generates).
# 3. deploy/check_schema.py: the template's tables (names, keys, indexes,
#    projections, TTL), queues and their defaults agree with what the Rust
#    backends declare, every index ARN in a policy names a real index, and
#    every TRIGGERS_* variable the functions get is one the service reads.
#
#   deploy/lint.sh [TEMPLATE…]        # default: deploy/template.yaml
#
# Exit status: 0 when cfn-lint reports nothing on the template and on its
# translation (no error, no warning, no informational finding that is not
# ignored below), SAM translates it, and the schema check passes. Otherwise
# the bits of cfn-lint's status (2 error, 4 warning, 8 informational; a
# refused translation counts as 2) or'ed with 16 for a schema mismatch.
#
# cfn-lint and aws-sam-translator are installed once into a virtualenv under
# ~/.cache/triggers/venv-cfn-lint (override with TRIGGERS_CFN_LINT_VENV); the
# install is skipped when both are already there. CFN_LINT_VERSION and
# SAM_TRANSLATOR_VERSION are the pip requirements (defaults
# `cfn-lint>=1.20,<2`, `aws-sam-translator>=1.90,<2`). Nothing here talks to
# AWS.
#
# Ignored rules: none. Every finding fails the run. If one must be ignored
# one day, do it in the template next to the resource, with the reason:
#
#   Metadata:
#     cfn-lint:
#       config:
#         ignore_checks: [W1234]   # why
set -euo pipefail

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TRIGGERS_CFN_LINT_VENV:-$HOME/.cache/triggers/venv-cfn-lint}"
REQUIREMENT="${CFN_LINT_VERSION:-cfn-lint>=1.20,<2}"
SAM_REQUIREMENT="${SAM_TRANSLATOR_VERSION:-aws-sam-translator>=1.90,<2}"

# shellcheck source=scripts/lib/venv.sh
source "$ROOT/scripts/lib/venv.sh"
ensure_venv "$VENV" 'import cfnlint, samtranslator' "$REQUIREMENT" "$SAM_REQUIREMENT"

if [[ $# -eq 0 ]]; then
    set -- "$ROOT/deploy/template.yaml"
fi

log "$("$VENV/bin/cfn-lint" --version)"
# --regions: the template must be valid wherever it may be deployed, not only
# in us-east-1 (resource properties and allowed values differ by region).
# --include-checks I: informational findings count too.
lint() {
    "$VENV/bin/cfn-lint" \
        --regions us-east-1 eu-west-1 eu-central-1 ap-southeast-2 \
        --include-checks I \
        --format parseable \
        -- "$@"
}
status=0
lint "$@" || status=$?

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for template in "$@"; do
    translated="$work/$(basename "$template").json"
    if "$VENV/bin/python" "$ROOT/deploy/sam_translate.py" "$template" "$translated"; then
        lint "$translated" || status=$((status | $?))
    else
        status=$((status | 2))
    fi
done

if [[ $status -eq 0 ]]; then
    log "cfn-lint: no findings in $* (as written and as translated by SAM)"
else
    # cfn-lint's exit status is a bit field: 2 errors, 4 warnings, 8 informational.
    log "cfn-lint or the SAM translator found problems (exit status $status: 2=error 4=warning 8=info, or'ed)"
fi

# The venv has PyYAML (a cfn-lint dependency).
for template in "$@"; do
    "$VENV/bin/python" "$ROOT/deploy/check_schema.py" "$template" || status=$((status | 16))
done
exit "$status"
