#!/usr/bin/env python
"""Run a command against a freshly started Workspace App service simulator.

    with_simulator.py [simulator options...] -- command [args...]

Starts ``python -m simulator --port 0 --ready-file <tmp> [simulator
options]`` from the repository root, waits until the simulator has written its
JSON description to the ready file, then runs the command with the connection
environment the collection reads:

    HW_WORKSPACE_APP_ENDPOINT, HUAWEICLOUD_SDK_IAM_ENDPOINT  simulator URL
    HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
    HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SDK_REGION      simulator credentials
    WORKSPACE_APP_SIMULATOR_JSON                            the whole JSON line

The simulator is stopped whatever happens (including Ctrl-C) and the command's
exit status is returned.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
# the variables and the simulator's values for them: one mapping, also printed by `python -m simulator --print-env`
from simulator.environment import connection_variables  # noqa: E402  pylint: disable=wrong-import-position
READY_TIMEOUT = float(os.environ.get("SIMULATOR_READY_TIMEOUT", "60"))
STOP_TIMEOUT = 10


class SimulatorError(Exception):
    """The simulator did not come up."""


def split_arguments(argv):
    if "--" not in argv:
        raise SystemExit("usage: %s [simulator options...] -- command [args...]" % os.path.basename(sys.argv[0]))
    index = argv.index("--")
    simulator_args, command = argv[:index], argv[index + 1:]
    if not command:
        raise SystemExit("no command given after --")
    return simulator_args, command


def wait_for_ready(process, ready_file, log_file):
    """Return the simulator's JSON description once it is written."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if os.path.exists(ready_file):
            with open(ready_file, encoding="utf-8") as handle:
                text = handle.read()
            try:
                return json.loads(text)
            except ValueError:
                pass  # not completely written yet
        if process.poll() is not None:
            raise SimulatorError("simulator exited with status %s before it was ready\n%s"
                                 % (process.returncode, tail(log_file)))
        time.sleep(0.1)
    raise SimulatorError("simulator not ready after %.0fs\n%s" % (READY_TIMEOUT, tail(log_file)))


def tail(path, lines=30):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return "".join(handle.readlines()[-lines:])


def connection_environment(info):
    env = dict(os.environ)
    env.update(connection_variables(info))
    env["WORKSPACE_APP_SIMULATOR_JSON"] = json.dumps(info)
    return env


def stop(process):
    """End the simulator's process group (it runs in a session of its own)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt()


def main(argv):
    simulator_args, command = split_arguments(argv)
    # SIGTERM (CI timeouts, make being stopped) must also reach the finally below
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    workdir = tempfile.mkdtemp(prefix="workspace-app-simulator-")
    ready_file = os.path.join(workdir, "ready.json")
    log_file = os.path.join(workdir, "simulator.log")

    simulator_command = [sys.executable, "-m", "simulator", "--port", "0",
                         "--ready-file", ready_file] + simulator_args
    with open(log_file, "w", encoding="utf-8") as log:
        simulator = subprocess.Popen(  # pylint: disable=consider-using-with
            simulator_command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal is for the command; stop() ends the simulator
        )
    try:
        info = wait_for_ready(simulator, ready_file, log_file)
        print("simulator ready at %s" % info["url"], file=sys.stderr, flush=True)
        return subprocess.call(command, env=connection_environment(info))
    except SimulatorError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop(simulator)
        if simulator.returncode not in (0, -signal.SIGTERM):
            print("simulator ended with status %s; log: %s" % (simulator.returncode, log_file), file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
