"""ansible-builder makes an execution environment build context with this collection and its requirements.

No container is built (no container runtime here): ``ansible-builder create`` writes the build context, and the
introspection script that the image build runs is run here, from that context, on the built collection installed
into a temporary collections path."""

import filecmp
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

from tests.harness import REPO_ROOT

BIN = os.path.dirname(sys.executable)
EE_DEFINITION = os.path.join(REPO_ROOT, "extensions", "awx", "execution-environment.yml")
COLLECTION = "huaweicloud.workspace_app"


def run(cmd, cwd=None):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    process = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, "%s failed:\n%s%s" % (" ".join(cmd), process.stdout, process.stderr)
    return process.stdout


def requirement_lines(path):
    """The entries of a pip requirements or bindep file (no comments, no blank lines)."""
    with open(path, encoding="utf-8") as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    """The collection as `make build` builds it."""
    out = tmp_path_factory.mktemp("build")
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), REPO_ROOT])
    (built,) = out.iterdir()
    return built


def create_context(definition, context):
    run([os.path.join(BIN, "ansible-builder"), "create", "-f", str(definition), "-c", str(context),
         "--output-filename", "Containerfile"])
    with open(os.path.join(context, "Containerfile"), encoding="utf-8") as handle:
        return handle.read()


def test_tarball_carries_the_dependency_metadata_ansible_builder_reads(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        meta = yaml.safe_load(archive.extractfile("meta/execution-environment.yml"))
    assert {"meta/execution-environment.yml", "requirements.txt", "bindep.txt"} <= names
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}


def test_shipped_definition_gives_a_build_context_that_installs_the_collection(tmp_path):
    containerfile = create_context(EE_DEFINITION, tmp_path / "context")
    with open(tmp_path / "context" / "_build" / "requirements.yml", encoding="utf-8") as handle:
        assert yaml.safe_load(handle) == {"collections": [{"name": COLLECTION}]}
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-core>=2.16,<2.20 ansible-runner" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    # the collection's own requirements are added by this step, from its meta/execution-environment.yml
    assert "introspect.py introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt" in containerfile
    assert (tmp_path / "context" / "_build" / "scripts" / "introspect.py").is_file()


def test_build_context_from_the_built_tarball_brings_our_python_and_system_requirements(tarball, tmp_path):
    with open(EE_DEFINITION, encoding="utf-8") as handle:
        definition = yaml.safe_load(handle)
    definition["dependencies"]["galaxy"] = {"collections": [{"name": "collections/" + tarball.name, "type": "file"}]}
    definition["additional_build_files"] = [{"src": str(tarball), "dest": "collections"}]
    (tmp_path / "ee").mkdir()
    (tmp_path / "ee" / "execution-environment.yml").write_text(yaml.safe_dump(definition))
    context = tmp_path / "context"
    containerfile = create_context(tmp_path / "ee" / "execution-environment.yml", context)

    # the tarball is in the context where the galaxy stage (COPY _build /build, WORKDIR /build) installs it from
    assert filecmp.cmp(context / "_build" / "collections" / tarball.name, tarball, shallow=False)
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile

    # what the image build's galaxy stage then does, and the introspection of the builder stage
    collections = tmp_path / "collections"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections), str(tarball)])
    out = tmp_path / "introspected"
    out.mkdir()
    report = run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections),
                  "--write-pip", str(out / "requirements.txt"), "--write-bindep", str(out / "bindep.txt")])
    data = yaml.safe_load(report[report.index("---"):])

    ours = "# from collection %s" % COLLECTION
    python = sorted(line.split("#")[0].strip() for line in data["python"] if line.endswith(ours))
    system = sorted(line.split("#")[0].strip() for line in data["system"] if line.endswith(ours))
    assert python == sorted(requirement_lines(os.path.join(REPO_ROOT, "requirements.txt")))
    assert "requests>=2.25" in python
    assert system == sorted(requirement_lines(os.path.join(REPO_ROOT, "bindep.txt")))
    assert sorted(requirement_lines(out / "requirements.txt")) == python
    # introspect writes no bindep file when there is nothing to install (the collection is pure Python)
    assert requirement_lines(out / "bindep.txt") == system if (out / "bindep.txt").exists() else system == []
