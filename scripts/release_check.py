#!/usr/bin/env python
"""Release hygiene: build the collection tarball and import it with galaxy-importer, as Galaxy and
Automation Hub do on upload.

    release_check.py [--skip-build] [--no-lint]

1. ``ansible-galaxy collection build`` (this venv's) into build/.
2. ``.venv-importer``: a virtual environment of its own for galaxy-importer, whose caps (attrs<24, flake8<7,
   ansible-lint<=26.10.1 in 0.4.44) would downgrade or hold back the development tools of .venv. Created on
   first use, re-installed when the wanted packages change.
   Its ansible-core and ansible-lint are pinned to the versions of requirements-dev.txt, so the importer
   lints with the same ansible-lint as ``make lint``.
3. ``python -m galaxy_importer.main build/<tarball>`` with a configuration (build/galaxy-importer.cfg, passed
   through GALAXY_IMPORTER_CONFIG) that keeps RUN_ANSIBLE_TEST off (it needs containers) and runs ansible-doc,
   ansible-lint (production profile) and the changelog check. --no-lint leaves out the importer's ansible-lint
   run, which takes most of the time. `make lint` lints the same files, but the importer lints the tarball
   without this repository's .ansible-lint excludes (changelogs/, for one), so it sees problems `make lint` does not.

Fails when the import fails, when the importer logs any ERROR or WARNING (ansible-lint findings, a missing
changelog, requirement files named in meta/execution-environment.yml but absent, ...), or when a module or role
of the tarball comes out of the import without its documentation. The importer's full result is kept in
build/importer_result.json. Prints how long each step took.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.path.join(REPO_ROOT, "build")
IMPORTER_VENV = os.path.join(REPO_ROOT, ".venv-importer")
IMPORTER_STAMP = os.path.join(IMPORTER_VENV, ".release-check.stamp")
GALAXY_IMPORTER = "galaxy-importer==0.4.44"
# taken over from requirements-dev.txt, so both venvs run the same ansible-core and ansible-lint
SHARED_PINS = ("ansible-core", "ansible-lint")
IMPORTER_CONFIG = """\
[galaxy-importer]
LOG_LEVEL_MAIN = INFO
# ansible-test sanity runs in containers there; `make sanity` runs it here
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = {lint}
OFFLINE_ANSIBLE_LINT = True
CHECK_CHANGELOG = True
ANSIBLE_LOCAL_TMP = {tmp}
"""
PROBLEM = re.compile(r"^(ERROR|WARNING|CRITICAL)\b")


def step(title):
    print("\n=== %s" % title, flush=True)
    return time.monotonic()


def done(started, title):
    seconds = time.monotonic() - started
    print("--- %s: %.1fs" % (title, seconds), flush=True)
    return seconds


def collection_version():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"version:\s*['\"]?([^'\"\s#]+)", line)
            if match:
                return match.group(1)
    raise SystemExit("galaxy.yml has no version")


def importer_requirements():
    pins = {}
    with open(os.path.join(REPO_ROOT, "requirements-dev.txt"), encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line.split("#", 1)[0].strip())
            if match and match.group(1).lower() in SHARED_PINS:
                pins[match.group(1).lower()] = match.group(0)
    missing = set(SHARED_PINS) - set(pins)
    if missing:
        raise SystemExit("requirements-dev.txt pins no %s" % ", ".join(sorted(missing)))
    return [GALAXY_IMPORTER] + [pins[name] for name in SHARED_PINS]


def build_tarball():
    tarball = os.path.join(BUILD_DIR, "huaweicloud-workspace_app-%s.tar.gz" % collection_version())
    ansible_galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.run([ansible_galaxy, "collection", "build", "--force", "--output-path", BUILD_DIR, REPO_ROOT],
                   check=True, cwd=REPO_ROOT)
    return tarball


def ensure_importer_venv():
    wanted = "\n".join(importer_requirements()) + "\n"
    python = os.path.join(IMPORTER_VENV, "bin", "python")
    if os.path.exists(IMPORTER_STAMP) and os.access(python, os.X_OK):
        with open(IMPORTER_STAMP, encoding="utf-8") as handle:
            if handle.read() == wanted:
                print("%s is up to date (%s)" % (os.path.basename(IMPORTER_VENV), ", ".join(wanted.split())))
                return python
    if not os.access(python, os.X_OK):
        subprocess.run([sys.executable, "-m", "venv", IMPORTER_VENV], check=True)
    # git (and so ansible-lint's file discovery) ignores the whole venv, as Python 3.13's venv arranges itself
    with open(os.path.join(IMPORTER_VENV, ".gitignore"), "w", encoding="utf-8") as handle:
        handle.write("# created by scripts/release_check.py\n*\n")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([python, "-m", "pip", "install", "--quiet"] + wanted.split(), check=True, env=env)
    with open(IMPORTER_STAMP, "w", encoding="utf-8") as handle:
        handle.write(wanted)
    return python


def run_importer(python, tarball, lint=True):
    """Run the importer, echo its log, and return (exit status, log lines)."""
    tmp = os.path.join(BUILD_DIR, "importer-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    config = os.path.join(BUILD_DIR, "galaxy-importer.cfg")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(IMPORTER_CONFIG.format(tmp=tmp, lint=lint))
    # the importer's own ansible-doc and ansible-lint come first; nothing of the caller's Ansible set-up leaks in
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "GALAXY_IMPORTER_")))
    env.update(PATH=os.path.dirname(python) + os.pathsep + env.get("PATH", ""), GALAXY_IMPORTER_CONFIG=config,
               VIRTUAL_ENV=IMPORTER_VENV)
    result_file = os.path.join(BUILD_DIR, "importer_result.json")
    if os.path.exists(result_file):
        os.remove(result_file)
    lines = []
    with subprocess.Popen([python, "-m", "galaxy_importer.main", tarball], cwd=BUILD_DIR, env=env,  # writes importer_result.json there
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    return process.returncode, lines, result_file


def check_result(result_file, tarball):
    """Problems in the importer's result: content the tarball has but the import did not document."""
    problems = []
    if not os.path.exists(result_file):
        return ["no %s was written" % os.path.relpath(result_file, REPO_ROOT)]
    with open(result_file, encoding="utf-8") as handle:
        result = json.load(handle)
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    modules = sorted(os.path.basename(name)[:-3] for name in names
                     if re.fullmatch(r"plugins/modules/[^/_][^/]*\.py", name))
    roles = sorted(set(name.split("/")[1] for name in names if re.fullmatch(r"roles/[^/]+/.+", name)))
    contents = dict(((item["content_type"], item["name"]), item) for item in result["contents"])
    docs = dict(((item["content_type"], item["content_name"]), item) for item in result["docs_blob"]["contents"])
    for module in modules:
        if not (contents.get(("module", module)) or {}).get("description"):
            problems.append("module %s: no description in the import result" % module)
        if not (docs.get(("module", module)) or {}).get("doc_strings"):
            problems.append("module %s: ansible-doc gave no documentation" % module)
    for role in roles:
        if not (contents.get(("role", role)) or {}).get("description"):
            problems.append("role %s: no description (roles/%s/meta/main.yml galaxy_info.description)" % (role, role))
    if not result["docs_blob"].get("collection_readme", {}).get("html"):
        problems.append("README.md was not rendered")
    print("import result: %d modules, %d roles, %d playbooks, requires_ansible %s"
          % (len(modules), len(roles), sum(1 for kind, _unused in contents if kind == "playbook"), result.get("requires_ansible")))
    return problems


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--skip-build", action="store_true", help="import the tarball already in build/")
    parser.add_argument("--no-lint", action="store_true", help="leave out the importer's ansible-lint run")
    args = parser.parse_args(argv)
    timings = {}
    os.makedirs(BUILD_DIR, exist_ok=True)

    started = step("build the collection tarball")
    if args.skip_build:
        candidates = sorted(glob.glob(os.path.join(BUILD_DIR, "huaweicloud-workspace_app-%s.tar.gz" % collection_version())))
        if not candidates:
            raise SystemExit("--skip-build: no tarball of version %s in build/" % collection_version())
        tarball = candidates[0]
    else:
        tarball = build_tarball()
    timings["build"] = done(started, "build")

    started = step("galaxy-importer virtual environment (%s)" % os.path.relpath(IMPORTER_VENV, REPO_ROOT))
    python = ensure_importer_venv()
    timings["importer venv"] = done(started, "importer venv")

    started = step("galaxy-importer on %s" % os.path.relpath(tarball, REPO_ROOT))
    status, lines, result_file = run_importer(python, tarball, lint=not args.no_lint)
    timings["import"] = done(started, "import")

    problems = [line for line in lines if PROBLEM.match(line)]
    if status != 0:
        problems.insert(0, "galaxy-importer exited with status %d" % status)
    if status == 0:
        problems.extend(check_result(result_file, tarball))

    print("\n=== release check: %s" % ", ".join("%s %.1fs" % item for item in timings.items())
          + ", total %.1fs" % sum(timings.values()))
    if problems:
        print("FAILED: %d problem(s):" % len(problems))
        for problem in problems:
            print("  " + problem)
        return 1
    print("PASSED: galaxy-importer imported %s with no error or warning" % os.path.basename(tarball))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
