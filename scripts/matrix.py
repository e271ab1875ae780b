#!/usr/bin/env python
"""The version matrix: ansible-test sanity, the unit tests and the integration smoke on each supported ansible-core.

    matrix.py [--versions 2.16,...,2.21] [--steps sanity,unit,smoke] [--target-pythons 3.9,...] [--lanes N]

For each ansible-core version a virtual environment ``.venv-core-<version>`` on that version's controller Python
(CONTROLLER_PYTHONS: 3.11 for 2.16 to 2.19; ansible-core 2.20 and 2.21 need Python >= 3.12, so 3.12 and 3.13)
gets that ansible-core (its latest patch release) and requirements-matrix.txt (the collection's runtime
requirements and the test runners); it is rebuilt when either changes or when its interpreter is not that Python.
The interpreter ``pythonX.Y`` is found among pyenv's versions or on PATH (find_python); when it is missing, that
version's row fails and names it. Then, with that environment's interpreter:

* ``sanity``: scripts/ansible_test_sanity.py, i.e. that version's ``ansible-test sanity`` on a copy of the tree,
  with ``--python`` that environment's Python;
* ``unit``: pytest tests/unit (the unit tests import that version's ``ansible``);
* ``smoke``: pytest of tests/integration/test_smoke.py (one playbook through every module against the
  simulator, then its desired states again) and of the tests of what the collection takes from ansible-core
  beyond the module API (COMPAT_TESTS), with ``WORKSPACE_APP_ANSIBLE_BIN`` naming that environment, so that
  ``ansible-playbook`` and the modules' interpreter are that version's.

Then the modules and module_utils are byte-compiled by every Python the README claims for the machines that
run the modules (TARGET_PYTHONS, each found on PATH as ``pythonX.Y``); a claimed Python that is missing fails.

``--lanes N`` runs the versions in N lanes at once (version k in lane k mod N, each lane's versions one after the
other): a version's steps leave one of the two cores idle much of the time (sanity tests one after the other, the
smoke waiting on simulated jobs), so CI's ``make ci-rest`` runs two lanes. ansible-test keeps its sanity virtual
environments and its pip bootstrap cache under ``~/.ansible/test``, where two versions could create the same one at
the same moment; so each lane's sanity runs with a HOME of its own
(``~/.cache/huaweicloud-workspace_app/matrix-lane-K``, kept between runs; pip's download cache stays the shared
one). Lane 0 uses the real HOME.

Every step runs even when an earlier one failed; the logs are in .tmp/matrix/; the table is printed at the end
(and written to --out if given). Exit status 1 when any cell failed.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = ("2.16", "2.17", "2.18", "2.19", "2.20", "2.21")
# The Python each version's environment (the controller) is built with. ansible-core 2.16 to 2.19 run on 3.11
# (the Python of .venv); 2.20 needs >= 3.12 and 2.21 is tested on 3.13, so the newest Pythons serve too.
CONTROLLER_PYTHONS = {"2.16": "3.11", "2.17": "3.11", "2.18": "3.11", "2.19": "3.11", "2.20": "3.12", "2.21": "3.13"}
STEPS = ("sanity", "unit", "smoke")
# README ("Requirements"): the modules need Python >= 3.9 where they run; the newest one tested here is 3.13.
TARGET_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
COMPILED = ("plugins/modules", "plugins/module_utils")
COMPAT_TESTS = ("tests/integration/test_compat.py", "tests/integration/test_progress.py",
                "tests/integration/test_async.py", "tests/integration/test_inventory.py")
REQUIREMENTS = "requirements-matrix.txt"
LOG_DIR = os.path.join(REPO_ROOT, ".tmp", "matrix")


class MissingPython(Exception):
    """The controller Python a version needs is not on this machine."""


def environment_digest(version):
    digest = hashlib.sha256(version.encode())
    for name in (REQUIREMENTS, "requirements.txt"):
        with open(os.path.join(REPO_ROOT, name), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def python_version_of(interpreter):
    """``X.Y`` of an interpreter, or None when it does not run."""
    try:
        works = subprocess.run([interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, check=False)
    except OSError:
        return None
    return works.stdout.strip() if works.returncode == 0 else None


def ensure_venv(version, log):
    """``.venv-core-<version>`` with that ansible-core and the matrix requirements, on the version's controller
    Python; its bin directory. MissingPython when that Python is not found."""
    venv = os.path.join(REPO_ROOT, ".venv-core-%s" % version)
    stamp = os.path.join(venv, ".matrix-stamp")
    wanted = environment_digest(version)
    python = os.path.join(venv, "bin", "python")
    python_version = CONTROLLER_PYTHONS[version]
    if os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as handle:
            if handle.read().strip() == wanted and python_version_of(python) == python_version:
                return os.path.join(venv, "bin")
    base = find_python(python_version)
    if not base:
        raise MissingPython("ansible-core %s needs python%s: not found among pyenv's versions (%s) or on PATH"
                            % (version, python_version, pyenv_root()))
    log.write("controller Python %s: %s\n" % (python_version, base))
    shutil.rmtree(venv, ignore_errors=True)
    run([base, "-m", "venv", venv], log)
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "ansible-core==%s.*" % version,
         "-r", REQUIREMENTS], log)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(wanted + "\n")
    return os.path.join(venv, "bin")


def run(command, log, env=None):
    log.write("$ %s\n" % " ".join(command))
    log.flush()
    subprocess.run(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, check=True)


def core_version(bin_dir):
    out = subprocess.run([os.path.join(bin_dir, "python"), "-c", "import ansible.release as r; print(r.__version__)"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def lane_home(lane):
    """The HOME of a lane's ansible-test sanity runs (lane 0: the real one)."""
    if lane == 0:
        return None
    home = os.path.expanduser(os.path.join("~", ".cache", "huaweicloud-workspace_app", "matrix-lane-%d" % lane))
    os.makedirs(home, exist_ok=True)
    return home


def step_command(step, bin_dir, workers, lane=0):
    python = os.path.join(bin_dir, "python")
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    if step == "sanity":
        home = lane_home(lane)
        if home:
            env.setdefault("PIP_CACHE_DIR", os.path.expanduser(os.path.join("~", ".cache", "pip")))
            env["HOME"] = home
        return [python, "scripts/ansible_test_sanity.py", "--python", python_version_of(python)], env
    if step == "unit":
        return [python, "-m", "pytest", "-n", str(workers), "tests/unit"], env
    env["WORKSPACE_APP_ANSIBLE_BIN"] = bin_dir
    return [python, "-m", "pytest", "-n", str(workers), "tests/integration/test_smoke.py"] + list(COMPAT_TESTS), env


def summary_line(path):
    """pytest's closing line, or the last line of the log."""
    last = ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if line:
                last = line
            if line.startswith("=") and (" passed" in line or " failed" in line or "no tests ran" in line):
                summary = line.strip("= ")
                return summary
    return last


def run_cell(version, step, bin_dir, workers, lane=0):
    path = os.path.join(LOG_DIR, "%s-%s.log" % (version, step))
    command, env = step_command(step, bin_dir, workers, lane)
    started = time.monotonic()
    with open(path, "w", encoding="utf-8") as log:
        log.write("$ %s\n" % " ".join(command))
        log.flush()
        status = subprocess.run(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                check=False).returncode
    elapsed = time.monotonic() - started
    detail = summary_line(path) if step != "sanity" else ("all tests passed" if status == 0 else "see log")
    return dict(ok=status == 0, seconds=elapsed, detail=detail, log=os.path.relpath(path, REPO_ROOT))


def pyenv_root():
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def find_python(python_version):
    """A working ``pythonX.Y``: from pyenv's versions (its shims refuse a version that is not selected), or PATH."""
    candidates = sorted(glob.glob(os.path.join(pyenv_root(), "versions", python_version + ".*", "bin",
                                               "python" + python_version)), reverse=True)
    candidates.append(shutil.which("python%s" % python_version))
    for candidate in filter(None, candidates):
        if python_version_of(candidate) == python_version:
            return candidate
    return None


def compile_with(python_version):
    """Byte-compile the module code with ``pythonX.Y``: (ok, detail)."""
    interpreter = find_python(python_version)
    if not interpreter:
        return False, "python%s not found (pyenv versions or PATH)" % python_version
    cache = tempfile.mkdtemp(prefix="matrix-pycache-")
    try:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
        result = subprocess.run([interpreter, "-m", "compileall", "-q"] + list(COMPILED), cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if result.returncode != 0:
        return False, (result.stdout + result.stderr).strip().splitlines()[-1]
    return True, "compiled"


def cell_text(cell):
    if cell is None:
        return "not run"
    return "%s (%.0f s) %s" % ("pass" if cell["ok"] else "**FAIL**", cell["seconds"], cell["detail"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--versions", default=",".join(VERSIONS))
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--target-pythons", default=",".join(TARGET_PYTHONS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lanes", type=int, default=1, help="versions run at once (default 1)")
    parser.add_argument("--out", help="also write the table (markdown) to this file")
    options = parser.parse_args()
    versions = [v for v in options.versions.split(",") if v]
    steps = [s for s in options.steps.split(",") if s]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error("--steps: unknown %s (allowed: %s)" % (", ".join(unknown), ", ".join(STEPS)))
    unknown = sorted(set(versions) - set(VERSIONS))
    if unknown:
        parser.error("--versions: unknown %s (allowed: %s)" % (", ".join(unknown), ", ".join(VERSIONS)))
    if options.lanes < 1:
        parser.error("--lanes: must be 1 or more")
    os.makedirs(LOG_DIR, exist_ok=True)

    results = {}
    output = threading.Lock()

    def say(text):
        with output:
            sys.stdout.write(text)
            sys.stdout.flush()

    def run_version(version, lane):
        """One version's row: its environment, then its steps one after the other."""
        log_path = os.path.join(LOG_DIR, "%s-venv.log" % version)
        say("== ansible-core %s%s\n" % (version, " (lane %d)" % lane if options.lanes > 1 else ""))
        problem = None
        with open(log_path, "w", encoding="utf-8") as log:
            try:
                bin_dir = ensure_venv(version, log)
            except subprocess.CalledProcessError:
                bin_dir, problem = None, "install failed"
            except MissingPython as missing:
                bin_dir, problem = None, str(missing)
                log.write(problem + "\n")
        if bin_dir is None:
            say("   %s venv: FAIL: %s (see %s)\n" % (version, problem, os.path.relpath(log_path, REPO_ROOT)))
            results[version] = (problem, dict((s, None) for s in steps), True)
            return
        cells, bad = {}, False
        for step in steps:
            cells[step] = run_cell(version, step, bin_dir, options.workers, lane)
            bad = bad or not cells[step]["ok"]
            text = "   %s %-6s %s\n" % (version, step, cell_text(cells[step]))
            if not cells[step]["ok"]:
                with open(os.path.join(REPO_ROOT, cells[step]["log"]), encoding="utf-8", errors="replace") as handle:
                    text += "".join(handle.readlines()[-40:])
            say(text)
        results[version] = (core_version(bin_dir), cells, bad)

    def run_lane(lane):
        for version in versions[lane::options.lanes]:
            run_version(version, lane)

    lanes = [threading.Thread(target=run_lane, args=(lane,)) for lane in range(min(options.lanes, len(versions)))]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    rows = [(version,) + results[version][:2] for version in versions]
    failed = any(results[version][2] for version in versions)

    compiled = []
    for python_version in [p for p in options.target_pythons.split(",") if p]:
        ok, detail = compile_with(python_version)
        failed = failed or not ok
        compiled.append((python_version, ok, detail))

    lines = ["| ansible-core | Python | %s |" % " | ".join(steps), "|---|---|%s" % ("---|" * len(steps))]
    for version, release, cells in rows:
        cells_text = " | ".join(cell_text(cells.get(s)) for s in steps)
        lines.append("| %s (%s) | %s | %s |" % (version, release, CONTROLLER_PYTHONS[version], cells_text))
    lines += ["", "| target Python | %s |" % " and ".join(COMPILED), "|---|---|"]
    for python_version, ok, detail in compiled:
        lines.append("| %s | %s |" % (python_version, ("pass: " if ok else "**FAIL**: ") + detail))
    table = "\n".join(lines)
    print("\n" + table)
    if options.out:
        with open(options.out, "w", encoding="utf-8") as handle:
            handle.write(table + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
