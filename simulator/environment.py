"""The environment variables the collection's modules read, with a simulator's values.

One place for the mapping: ``python -m simulator --print-env`` prints it as ``export`` lines and
scripts/with_simulator.py exports it to the command it runs.
"""

import shlex

# the simulator's ``credentials`` key -> the environment variable the modules read it from
CREDENTIAL_VARIABLES = (
    ("ak", "HUAWEICLOUD_SDK_AK"),
    ("sk", "HUAWEICLOUD_SDK_SK"),
    ("project_id", "HUAWEICLOUD_SDK_PROJECT_ID"),
    ("region", "HUAWEICLOUD_SDK_REGION"),
)
# variables that take the simulator's URL: it serves the Workspace App API and IAM on one port
URL_VARIABLES = ("HW_WORKSPACE_APP_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT")
# the shell variable --print-env sets (not exported) to the simulator's process id, for `kill`
PID_VARIABLE = "WORKSPACE_APP_SIMULATOR_PID"


def connection_variables(info):
    """``[(name, value), ...]`` for ``info``, the simulator's ready JSON (``Simulator.ready_info()``)."""
    variables = [(name, info["url"]) for name in URL_VARIABLES]
    credentials = info.get("credentials") or {}
    variables += [(name, str(credentials[key])) for key, name in CREDENTIAL_VARIABLES
                  if credentials.get(key) is not None]
    return variables


def export_lines(info, pid=None):
    """Shell text to ``eval``: one ``export NAME=value`` line per variable, values quoted, then (with ``pid``)
    ``WORKSPACE_APP_SIMULATOR_PID=<pid>``."""
    lines = ["export %s=%s" % (name, shlex.quote(value)) for name, value in connection_variables(info)]
    if pid is not None:
        lines.append("%s=%d  # stop the simulator: kill $%s" % (PID_VARIABLE, pid, PID_VARIABLE))
    return "".join(line + "\n" for line in lines)
