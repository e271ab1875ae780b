#!/usr/bin/env bash
# Run the ansible-core compatibility tests on every other ansible-core version the collection claims.
#
#   scripts/ansible_core_matrix.sh 2.16 2.17 2.18
#
# meta/runtime.yml says requires_ansible >= 2.16; the main venv (.venv) runs the latest (the whole suite). For each
# version given, a venv .venv-core-<version> gets that ansible-core (latest patch) and the collection's runtime
# requirements; then pytest (from .venv) runs the tests of the parts that lean on ansible-core beyond the module
# API (tests/integration/test_compat.py, test_progress.py, test_async.py) with WORKSPACE_APP_ANSIBLE_BIN pointing
# at that venv, so ansible-playbook and the modules' interpreter are that version's. The versions run one after
# another; a failing version does not stop the others, and the script fails if any failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
PYTHON=${PYTHON:-python3}
TESTS=${COMPAT_TESTS:-tests/integration/test_compat.py tests/integration/test_progress.py tests/integration/test_async.py tests/integration/test_inventory.py}
cd "$ROOT" || exit 1

if [ "$#" -eq 0 ]; then
    echo "usage: $0 VERSION..." >&2
    exit 2
fi

failed=()
for version in "$@"; do
    venv="$ROOT/.venv-core-$version"
    stamp="$venv/.installed"
    if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
        test -x "$venv/bin/python" || "$PYTHON" -m venv "$venv" || { failed+=("$version (venv)"); continue; }
        if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ansible-core==$version.*" \
                -r requirements.txt; then
            failed+=("$version (install)")
            continue
        fi
        touch "$stamp"
    fi
    echo "== ansible-core $("$venv/bin/ansible" --version | head -n1 | sed 's/.*core //; s/]//')"
    # shellcheck disable=SC2086  # TESTS is a list of paths
    if ! WORKSPACE_APP_ANSIBLE_BIN="$venv/bin" "$VENV_BIN/python" -m pytest -n "${PYTEST_WORKERS:-2}" $TESTS; then
        failed+=("$version")
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "ansible-core compatibility failed on: ${failed[*]}" >&2
    exit 1
fi
