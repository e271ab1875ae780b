"""The collection's metadata says what is tested."""

import importlib.util
import os

import yaml

from tests.harness import REPO_ROOT


def load_matrix():
    spec = importlib.util.spec_from_file_location("matrix", os.path.join(REPO_ROOT, "scripts", "matrix.py"))
    matrix = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(matrix)
    return matrix


def test_requires_ansible_names_exactly_the_versions_of_the_matrix():
    versions = load_matrix().VERSIONS
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        runtime = yaml.safe_load(handle)
    lowest = versions[0]
    major, minor = versions[-1].split(".")
    assert runtime["requires_ansible"] == ">=%s.0,<%s.%d.0" % (lowest, major, int(minor) + 1)
    assert [int(v.split(".")[1]) for v in versions] == list(range(int(lowest.split(".")[1]), int(minor) + 1))


def test_the_python_versions_the_readme_claims_are_compiled_by_the_matrix():
    pythons = load_matrix().TARGET_PYTHONS
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "need Python ≥ %s" % pythons[0] in readme
