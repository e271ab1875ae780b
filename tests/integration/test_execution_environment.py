"""ansible-builder makes an execution environment build context with this collection and its requirements.

No container is built (no container runtime here): ``ansible-builder create`` writes the build context, and the
introspection script that the image build runs is run here, from that context, on the built collection installed
into a temporary collections path."""

import filecmp
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from tests.harness import REPO_ROOT

BIN = os.path.dirname(sys.executable)
EE_DEFINITION = os.path.join(REPO_ROOT, "extensions", "awx", "execution-environment.yml")
EE_TARBALL_DEFINITION = os.path.join(REPO_ROOT, "extensions", "awx", "execution-environment-tarball.yml")
# the copy of the tarball without the version that `make build` writes and the tarball definition installs
EE_TARBALL = "huaweicloud-workspace_app.tar.gz"
COLLECTION = "huaweicloud.workspace_app"


def run(cmd, cwd=None, **environ):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1", **environ)
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
    assert "ansible-core>=2.16,<2.22 ansible-runner" in containerfile
    # ansible-core 2.20 and 2.21 need Python >= 3.12: on 3.11 the range above would stop at 2.19
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile and "python3.11" not in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    # the collection's own requirements are added by this step, from its meta/execution-environment.yml
    assert "introspect.py introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt" in containerfile
    assert (tmp_path / "context" / "_build" / "scripts" / "introspect.py").is_file()


def test_make_build_writes_the_copy_the_tarball_definition_installs():
    with open(os.path.join(REPO_ROOT, "Makefile"), encoding="utf-8") as handle:
        makefile = handle.read()
    recipe = makefile[makefile.index("\nbuild:"):].split("\n\n", 1)[0]
    assert "cp build/huaweicloud-workspace_app-$(COLLECTION_VERSION).tar.gz build/%s" % EE_TARBALL in recipe


def test_tarball_definition_is_the_galaxy_one_but_for_where_the_collection_comes_from():
    with open(EE_DEFINITION, encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    with open(EE_TARBALL_DEFINITION, encoding="utf-8") as handle:
        tarball = yaml.safe_load(handle)
    assert tarball.pop("additional_build_files") == [{"src": "../../build/" + EE_TARBALL, "dest": "collections"}]
    assert tarball["dependencies"].pop("galaxy") == {"collections": [{"name": "collections/" + EE_TARBALL,
                                                                      "type": "file"}]}
    del galaxy["dependencies"]["galaxy"]
    assert tarball == galaxy


def test_build_context_from_the_built_tarball_brings_our_python_and_system_requirements(tarball, tmp_path):
    # the shipped definition as it is, in a copy of the repository's layout: extensions/awx/ and build/ with what
    # `make build` leaves there
    checkout = tmp_path / "checkout"
    (checkout / "extensions" / "awx").mkdir(parents=True)
    (checkout / "build").mkdir()
    definition = checkout / "extensions" / "awx" / os.path.basename(EE_TARBALL_DEFINITION)
    shutil.copyfile(EE_TARBALL_DEFINITION, definition)
    shutil.copyfile(tarball, checkout / "build" / tarball.name)
    shutil.copyfile(tarball, checkout / "build" / EE_TARBALL)
    context = tmp_path / "context"
    containerfile = create_context(definition, context)
    with open(context / "_build" / "requirements.yml", encoding="utf-8") as handle:
        assert yaml.safe_load(handle) == {"collections": [{"name": "collections/" + EE_TARBALL, "type": "file"}]}

    # the tarball is in the context where the galaxy stage (COPY _build /build, WORKDIR /build) installs it from
    assert filecmp.cmp(context / "_build" / "collections" / EE_TARBALL, tarball, shallow=False)
    assert os.listdir(context / "_build" / "collections") == [EE_TARBALL]
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile

    # what the image build's galaxy stage then does, and the introspection of the builder stage
    collections = tmp_path / "collections"
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections),
         str(context / "_build" / "collections" / EE_TARBALL)])  # the name without the version is no matter
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

    # the AWX project skeleton's playbooks find the collection's playbooks they import in what the image installs
    project = os.path.join(REPO_ROOT, "extensions", "awx", "project")
    playbooks = sorted(name for name in os.listdir(project) if name.endswith(".yml"))
    assert len(playbooks) >= 10
    checked = run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "localhost,"] + playbooks,
                  cwd=project, ANSIBLE_COLLECTIONS_PATH=str(collections),
                  ANSIBLE_CONFIG=os.path.join(project, "ansible.cfg"))
    assert checked.count("playbook: ") == len(playbooks), checked
