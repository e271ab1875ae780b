"""The collection's metadata says what is tested."""

import os

import pytest
import yaml

from tests.harness import REPO_ROOT, load_script


def load_matrix():
    return load_script("matrix")


def test_requires_ansible_names_exactly_the_versions_of_the_matrix():
    versions = load_matrix().VERSIONS
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        runtime = yaml.safe_load(handle)
    lowest = versions[0]
    major, minor = versions[-1].split(".")
    assert runtime["requires_ansible"] == ">=%s.0,<%s.%d.0" % (lowest, major, int(minor) + 1)
    assert [int(v.split(".")[1]) for v in versions] == list(range(int(lowest.split(".")[1]), int(minor) + 1))


def test_every_version_of_the_matrix_has_a_controller_python_it_runs_on():
    matrix = load_matrix()
    assert sorted(matrix.CONTROLLER_PYTHONS) == sorted(matrix.VERSIONS)
    for version, python in matrix.CONTROLLER_PYTHONS.items():
        # ansible-core 2.20 and later need Python >= 3.12 on the controller; before, 3.11 serves
        needed = (3, 12) if tuple(map(int, version.split("."))) >= (2, 20) else (3, 11)
        assert tuple(map(int, python.split("."))) >= needed, version
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "Requires ansible-core %s to %s" % (matrix.VERSIONS[0], matrix.VERSIONS[-1]) in readme
    assert "Supported: ansible-core %s to %s" % (matrix.VERSIONS[0], matrix.VERSIONS[-1]) in readme


def test_a_missing_controller_python_fails_naming_it(monkeypatch, tmp_path):
    matrix = load_matrix()
    monkeypatch.setattr(matrix, "REPO_ROOT", str(tmp_path))
    monkeypatch.setattr(matrix, "environment_digest", lambda version: "digest")
    monkeypatch.setattr(matrix, "find_python", lambda version: None)
    with open(str(tmp_path / "venv.log"), "w", encoding="utf-8") as log:
        with pytest.raises(matrix.MissingPython) as missing:
            matrix.ensure_venv("2.21", log)
    message = str(missing.value)
    assert message.startswith("ansible-core 2.21 needs python3.13: not found among pyenv's versions")
    assert "or on PATH" in message


def test_the_python_versions_the_readme_claims_are_compiled_by_the_matrix():
    pythons = load_matrix().TARGET_PYTHONS
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "need Python ≥ %s" % pythons[0] in readme


def test_the_user_agent_carries_the_version_of_galaxy_yml():
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client

    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    assert client.COLLECTION_VERSION == version
    assert client.USER_AGENT == "huaweicloud.workspace_app/%s" % version


def test_every_plugin_and_role_was_added_in_a_released_version():
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    released = set(yaml.safe_load(open(os.path.join(REPO_ROOT, "changelogs", "changelog.yaml"),
                                       encoding="utf-8"))["releases"] or {}) | {version}
    found = []
    for folder in ("plugins", "roles"):
        for root, _dirs, files in os.walk(os.path.join(REPO_ROOT, folder)):
            for name in files:
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        if "version_added:" in line:
                            found.append((name, line.split("version_added:", 1)[1].strip().strip("'\"")))
    assert found
    assert [item for item in found if item[1] not in released] == []
