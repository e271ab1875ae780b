#!/usr/bin/env bash
# Run the molecule scenario(s) of extensions/molecule/ against a fresh service simulator each.
#
#   scripts/molecule_test.sh [scenario...]        (default: every scenario in extensions/molecule/)
#
# Each scenario runs `molecule test -s <scenario>` inside scripts/with_simulator.py, which starts the simulator,
# exports its URL and credentials (HW_WORKSPACE_APP_ENDPOINT, HUAWEICLOUD_SDK_*, WORKSPACE_APP_SIMULATOR_JSON)
# and stops it afterwards. The collection is found through .collections/ (a link back to this checkout), the
# same tree `make collections` and the tests use. Molecule keeps its working files in ~/.ansible/tmp/molecule.*.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
# simulator options: small fleet, fast jobs, half the servers behind on the access agent (seed 0 puts outdated
# servers in both groups). Sessions never end by themselves (no --session-drain): the scenario's drain policy
# notify_then_logoff is what empties a wave, so the logoff calls verify.yml checks come however slow the machine.
SIMULATOR_ARGS=${MOLECULE_SIMULATOR_ARGS:---servers 12 --groups 2 --seed 0 --job-duration 0.5 --outdated-hda 0.5}

cd "$ROOT"
mkdir -p .collections/ansible_collections/huaweicloud
[ -L .collections/ansible_collections/huaweicloud/workspace_app ] || ln -s ../../.. .collections/ansible_collections/huaweicloud/workspace_app

export PATH="$VENV_BIN:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
export ANSIBLE_PYTHON_INTERPRETER="$VENV_BIN/python"
export ANSIBLE_NOCOLOR=1 PY_COLORS=0 NO_COLOR=1

if [ $# -eq 0 ]; then
    mapfile -t scenarios < <(find extensions/molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
else
    scenarios=("$@")
fi
[ ${#scenarios[@]} -gt 0 ] || { echo "no molecule scenario found in extensions/molecule/" >&2; exit 1; }

status=0
for scenario in "${scenarios[@]}"; do
    start=$SECONDS
    # shellcheck disable=SC2086  # SIMULATOR_ARGS is a list of options
    if "$VENV_BIN/python" scripts/with_simulator.py $SIMULATOR_ARGS -- molecule test -s "$scenario"; then
        echo "molecule scenario $scenario: passed in $((SECONDS - start))s"
    else
        echo "molecule scenario $scenario: FAILED after $((SECONDS - start))s" >&2
        status=1
    fi
done
exit $status
