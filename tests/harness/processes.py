"""A controller that crashes: ``ansible-playbook`` killed with SIGKILL together with every process it started.

Its workers run in sessions of their own and the module runs under them, so killing the process group is not
enough: the tree is read from /proc. Used by tests/integration/test_crashes.py and the soak's crash phases.
"""

import os
import signal
import subprocess
import time


def process_tree(pid):
    """``pid`` and every process below it (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def kill_tree(pid):
    for member in process_tree(pid):
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_when(command, environment, ready, timeout=120):
    """Run ``command`` and SIGKILL it with its whole process tree once ``ready()`` is true; its exit code
    (``-SIGKILL`` when killed, its own when it ended first or ``timeout`` passed)."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if ready():
                kill_tree(process.pid)
                break
            time.sleep(0.01)
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            kill_tree(process.pid)
