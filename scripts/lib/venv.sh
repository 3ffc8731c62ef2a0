# Python tools the scripts need, each in its own virtualenv under
# ~/.cache/triggers/ (sourced; not run directly).
#
#   ensure_venv VENV CHECK REQUIREMENT…
#       creates VENV with python3 (or $PYTHON) when it has no python, and
#       pip-installs the REQUIREMENTs into it unless `VENV/bin/python -c CHECK`
#       already succeeds (so a second run installs nothing). Exits 2 with the
#       reason when venv or pip fails.

ensure_venv() {
    local venv="$1" check="$2"
    shift 2
    if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        return 0
    fi
    printf '==> installing %s into %s (pip, once)\n' "$*" "$venv" >&2
    mkdir -p "$(dirname "$venv")"
    if [[ ! -x "$venv/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$venv" || {
            printf 'error: python3 -m venv failed (Debian: apt-get install python3-venv)\n' >&2
            exit 2
        }
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || {
        printf 'error: pip install %s failed\n' "$*" >&2
        exit 2
    }
}
