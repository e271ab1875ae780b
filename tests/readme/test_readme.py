"""The README's examples and commands, run as printed.

Every fenced block of README.md is either run by one of the CASES below or listed in NOT_RUN with the reason it
cannot run on this machine (and what checks it instead); ``test_every_readme_block_is_run_or_says_why`` fails on
a block that is neither, so a new example cannot land untried.

``make readme`` runs them (CI's ``.ci/run`` too, after ``make test``: together they take minutes, most of it
waiting for simulated jobs, which would push ``make test`` past its 10 minutes); the unit suite runs the check that
every block has a case (tests/unit/test_readme_blocks.py).

A case runs in a *checkout* of its own: a temporary directory holding a copy of the repository's files (the
README's commands use paths relative to the repository root, and write files such as ``first.yml``). The
commands run with ``bash`` in that directory, with Ansible's commands on ``PATH`` as after installing them, a
throwaway ``HOME`` and no credentials of the developer's. Where the README says to run against the simulator, the
case runs the README's own simulator command line (the block of "Without a cloud"), so the simulator the examples
meet is the one the README promises: 40 servers in the groups ``apps-prod`` and ``design``.
"""

import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml

from tests.harness.checkout import COMMAND_TIMEOUT, Checkout, fenced_blocks, succeeded
from tests.harness.collection import REPO_ROOT
from tests.harness.playbook import ANSIBLE_BIN, GROUP

README = os.path.join(REPO_ROOT, "README.md")


def readme_blocks():
    return fenced_blocks(README)


BLOCKS = readme_blocks()


def block(marker):
    """The one block that contains ``marker``."""
    found = [candidate for candidate in BLOCKS if marker in candidate.text]
    assert len(found) == 1, "README marker %r is in %d blocks: %s" % (marker, len(found), found)
    return found[0]


# ---------------------------------------------------------------------------------------------------- the checkout


SIMULATOR_BLOCK = "scripts/with_simulator.py --servers"
EXPORT_PREFIX = "export ANSIBLE_COLLECTIONS_PATH="


def simulator_command():
    """The README's own simulator command line, up to and including its ``--``: ``.venv/bin/python
    scripts/with_simulator.py <options> --``."""
    text = block(SIMULATOR_BLOCK).text.replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "scripts/with_simulator.py" in line)
    words = shlex.split(line, comments=True)
    return " ".join(shlex.quote(word) for word in words[:words.index("--") + 1])


def export_line():
    """The README's line that points Ansible at the checkout's collection and Python."""
    return next(line for line in block(SIMULATOR_BLOCK).text.splitlines() if line.startswith(EXPORT_PREFIX))


class ReadmeCheckout(Checkout):
    """A checkout (tests/harness/checkout.py) that also runs a script under the README's simulator command."""

    def with_simulator(self, script, timeout=COMMAND_TIMEOUT):
        """``script`` under the README's simulator command, after the README's export line."""
        return self.bash("%s\n%s bash -e -o pipefail -c %s" % (export_line(), simulator_command(), shlex.quote(script)),
                         timeout=timeout)


@pytest.fixture
def checkout(tmp_path):
    return ReadmeCheckout(tmp_path / "checkout", tmp_path / "home")


def commands(marker):
    """The command lines of a bash block (continuations joined, comments and blank lines dropped)."""
    text = block(marker).text.replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


# ---------------------------------------------------------------------------------------------------- the cases


def case_first_playbook(checkout):
    """"A first playbook", saved as first.yml, run by the simulator block of "Without a cloud" as printed."""
    first = block("# first.yml")
    assert "first.yml" in block(SIMULATOR_BLOCK).text
    checkout.write("first.yml", first.text)
    output = succeeded(*checkout.bash(block(SIMULATOR_BLOCK).text))
    assert "HDA versions in use" in output
    assert "UNREACHABLE" not in output
    assert re.search(r"upgrade\.summary", output), output[-3000:]


INVENTORY_FAILURE = "export ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true"


def case_inventory_auth_failure(checkout):
    """The inventory commands made fatal as printed: with a wrong secret key the run fails, saying why."""
    checkout.write("prod.app_servers.yml", block("# prod.app_servers.yml").text)
    rc, output = checkout.with_simulator("export HUAWEICLOUD_SDK_SK=wrong-secret-key\n" + block(INVENTORY_FAILURE).text)
    assert rc != 0, output[-3000:]
    assert "Authentication failed" in output, output[-3000:]
    assert "wrong-secret-key" not in output and "no hosts matched" not in output, output[-3000:]


PRINT_ENV = "--print-env &)"


def case_simulator_by_hand(checkout):
    """The simulator started by hand with --print-env, the first playbook run twice against it, then stopped."""
    checkout.write("first.yml", block("# first.yml").text)
    twice = "first.yml\n.venv/bin/ansible-playbook -i localhost, first.yml"  # "as often as you like": twice
    script = export_line() + "\n" + block(PRINT_ENV).text.replace("first.yml", twice, 1)
    stopped = ('for _ in $(seq 100); do kill -0 "$WORKSPACE_APP_SIMULATOR_PID" 2>/dev/null || exit 0; sleep 0.1; done\n'
               'echo "the simulator still runs 10 s after the kill"; exit 1\n')
    rc, output = checkout.bash(script + stopped)
    succeeded(rc, output)
    recaps = re.findall(r"^localhost\s*: ok=\d+\s+changed=(\d+)", output, re.M)
    assert len(recaps) == 2 and recaps[1] == "0", output[-3000:]  # the same simulator: the second run has nothing to do


def case_ad_hoc(checkout):
    """The ad hoc command with its placeholders: "..." is no key, and the service says so, naming no secret."""
    (line,) = commands("ansible localhost -m huaweicloud.workspace_app.app_server_group_info")
    rc, output = checkout.with_simulator(line)
    assert rc != 0
    assert "localhost | FAILED" in output, output[-3000:]
    assert re.search(r"authentication|signature|access key", output, re.I), output[-3000:]
    assert "Traceback" not in output


def case_credentials_file(checkout):
    """The credentials file as printed is read: its placeholder key reaches the service, which refuses it."""
    checkout.write("credentials", block("[basic]").text)
    rc, output = checkout.with_simulator(
        "env -u HUAWEICLOUD_SDK_AK -u HUAWEICLOUD_SDK_SK -u HUAWEICLOUD_SDK_PROJECT_ID "
        "ansible localhost -m huaweicloud.workspace_app.app_server_group_info -a credentials_file=$PWD/credentials")
    assert rc != 0
    assert re.search(r"authentication|signature|access key", output, re.I), output[-3000:]
    assert "****" not in output.replace("*" * 40, "")  # the file's sk never echoed


def case_module_defaults(checkout):
    """The module_defaults snippet in a play runs every module; the README's reason for it holds too: the same
    wait_timeout under the action group makes the other modules fail."""
    snippet = yaml.safe_load(block("huaweicloud.workspace_app.app_server_image:\n    wait_timeout: 7200").text)
    defaults = snippet["module_defaults"]
    tasks = [{"huaweicloud.workspace_app.app_server_hda_upgrade": {"server_group_name": "apps-prod"},
              "check_mode": True},
             {"huaweicloud.workspace_app.app_server_group_info": {}, "register": "group_list"},
             {"ansible.builtin.assert": {"that": [
                 "group_list.server_groups | map(attribute='name') | sort == ['apps-prod', 'design']"]}}]
    wrong = dict(defaults, **{GROUP: dict(defaults[GROUP], wait_timeout=7200)})
    plays = [{"name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
              "module_defaults": module_defaults, "tasks": tasks}
             for name, module_defaults in (("as printed", defaults), ("wait_timeout in the group", wrong))]
    checkout.write("right.yml", yaml.safe_dump(plays[:1], sort_keys=False))
    checkout.write("wrong.yml", yaml.safe_dump(plays[1:], sort_keys=False))
    succeeded(*checkout.with_simulator("ansible-playbook -i localhost, right.yml"))
    rc, output = checkout.with_simulator("ansible-playbook -i localhost, wrong.yml")
    assert rc != 0 and "Unsupported parameters" in output and "wait_timeout" in output, output[-3000:]


FLEET_TASK = "tasks:\n    - huaweicloud.workspace_app.app_server_hda_upgrade:\n        server_group_name: apps-prod\n"


def case_one_task_for_the_fleet(checkout):
    checkout.write("fleet.yml", block(FLEET_TASK).text)
    output = succeeded(*checkout.with_simulator("ansible-playbook -i localhost, fleet.yml"))
    assert "changed=1" in output


def case_inventory(checkout):
    """The inventory configuration, its two commands, then the one-host-per-server play on its hosts (those
    behind, as the README's own command limits it: the others would only show that the play skips them)."""
    config = block("# prod.app_servers.yml")
    checkout.write("prod.app_servers.yml", config.text)
    checkout.write("per_host.yml", block("- hosts: apps_prod").text)
    script = "\n".join(commands("ansible-inventory -i prod.app_servers.yml --graph"))
    output = succeeded(*checkout.with_simulator(script))
    assert "@apps_prod:" in output and "@hda_behind:" in output, output[:3000]
    assert re.search(r"^sim-server-\d+\s*: ok=\d+\s+changed=1", output, re.M), output[-3000:]
    # the play on a simulator of its own: the commands above have brought every host up to date
    output = succeeded(*checkout.with_simulator("ansible-playbook -i prod.app_servers.yml per_host.yml -f 20 "
                                                "--limit hda_behind"))
    assert re.search(r"^sim-server-\d+\s*: ok=\d+\s+changed=1", output, re.M), output[-3000:]


def case_role(checkout):
    """The role's example, its vault variables given as a user would (-e), against the simulator."""
    checkout.write("roll.yml", block("huaweicloud.workspace_app.rolling_update\n").text)
    output = succeeded(*checkout.with_simulator(
        'ansible-playbook -i localhost, roll.yml -e vault_hw_ak="$HUAWEICLOUD_SDK_AK" '
        '-e vault_hw_sk="$HUAWEICLOUD_SDK_SK"'))
    assert "changed=" in output


def case_ready_to_use_playbooks(checkout):
    """The four playbook commands by collection name; the one with placeholder ids fails before any change."""
    lines = commands("ansible-playbook huaweicloud.workspace_app.inventory_report")
    assert len(lines) == 4, lines
    # each against a simulator of its own, side by side: most of their time is waiting for the simulated jobs
    with concurrent.futures.ThreadPoolExecutor(len(lines)) as pool:
        results = list(pool.map(checkout.with_simulator, lines))
    for line, (rc, output) in zip(lines, results):
        if "ID1,ID2" in line:
            assert rc != 0
            assert re.search(r"ID1.*ID2", output), output[-3000:]
            assert "changed=0" in output, output[-3000:]
        else:
            succeeded(rc, output)


GOLDEN = "ansible-playbook huaweicloud.workspace_app.golden_image -e @golden.yml --check --diff"


def case_golden_image(checkout):
    """The pipeline's answers saved as golden.yml, then its three commands as printed against the README's simulator
    (one simulator for the three): the plan sends nothing, the run builds the image and rolls it onto every server
    of the group in waves, the third run changes nothing."""
    checkout.write("golden.yml", block("# golden.yml").text)
    lines = commands(GOLDEN)
    assert len(lines) == 3, lines
    output = succeeded(*checkout.with_simulator("\n".join(lines), timeout=600))
    changed = [int(count) for count in re.findall(r"^localhost\s*:.*changed=(\d+)", output, re.M)]
    assert len(changed) == 3 and changed[1] > 0 and changed[2] == 0, (changed, output[-6000:])
    assert "Check mode, nothing changed (the plan): golden image office 2026.12" in output, output[-6000:]
    assert re.search(r"rollout: \d+ wave\(s\), 20 server\(s\) changed, 0 failed", output), output[-6000:]
    assert "image: built before, found by its name" in output, output[-6000:]


CHECK_TENANT = "ansible-playbook huaweicloud.workspace_app.check_tenant"


def case_check_tenant(checkout):
    """"Checking a real tenant" as printed, against the README's simulator: the report is printed, written where the
    command says and shown by the cat; the simulator's tenant holds nothing the collection does not expect."""
    output = succeeded(*checkout.with_simulator(block(CHECK_TENANT).text))
    with open(os.path.join(checkout.root, "workspace_app_tenant_check.txt"), encoding="utf-8") as handle:
        report = handle.read()
    assert report.startswith("Workspace App tenant check (read-only), "), report
    assert "read: 2 server group(s), 40 server(s)" in report, report
    assert report.rstrip().endswith("nothing unexpected: every field and value read is one the collection knows")
    assert report in output  # the cat
    assert "changed=1" in output and "failed=0" in output  # the report file is the one thing written


TARBALL_INSTALL = "ansible-galaxy collection install build/"


def case_install_from_tarball(checkout):
    """make build, then the tarball installed as printed (into a collections path of the test's own)."""
    env_line = "export ANSIBLE_COLLECTIONS_PATH=$HOME/collections\n"
    output = succeeded(*checkout.bash(env_line + block(TARBALL_INSTALL).text))
    manifest = os.path.join(checkout.home, "collections", "ansible_collections", "huaweicloud", "workspace_app",
                            "MANIFEST.json")
    assert os.path.exists(manifest), output[-3000:]
    installed = os.path.dirname(manifest)
    for path in ("plugins/modules/app_server_hda_upgrade.py", "plugins/inventory/app_servers.py",
                 "roles/rolling_update/tasks/main.yml", "playbooks/hda_upgrade.yml"):
        assert os.path.exists(os.path.join(installed, path)), path


def case_documentation(checkout):
    output = succeeded(*checkout.bash(export_line() + "\n" + block("ansible-doc huaweicloud.workspace_app").text))
    for name in ("app_server_fleet", "app_servers", "read_by_id", "rolling_update"):
        assert name in output


def case_import_playbook(checkout):
    """The AWX project's playbook: the collection's playbook imported by name."""
    checkout.write("hda_upgrade.yml", block("ansible.builtin.import_playbook:").text)
    succeeded(*checkout.with_simulator("ansible-playbook -i localhost, hda_upgrade.yml -e server_group_name=design"))


def case_demo(checkout):
    """``make demo`` as printed (the other line of the block, make test, is the command that runs this test)."""
    lines = commands("make demo")
    assert lines[1].startswith("make test"), lines
    succeeded(*checkout.bash(lines[0]))


EE_FROM_TARBALL = "ansible-builder build -f extensions/awx/execution-environment-tarball.yml"


def case_execution_environment_from_tarball(checkout):
    """make build as printed; then the definition as printed, through ``ansible-builder create`` (the build
    context, what ``build`` hands to a container engine, which this machine lacks) instead of ``build -t``."""
    lines = commands(EE_FROM_TARBALL)
    assert lines[0] == "make build" and lines[1].startswith(EE_FROM_TARBALL), lines
    words = shlex.split(lines[1])
    create = ["ansible-builder", "create"] + words[2:words.index("-t")] + ["--context", "$HOME/context"]
    output = succeeded(*checkout.bash("make build\n" + " ".join(create)))
    assert os.path.exists(os.path.join(checkout.root, "build", "huaweicloud-workspace_app.tar.gz")), output[-3000:]
    context = os.path.join(checkout.home, "context")
    assert any(name.endswith(".tar.gz") for _dir, _subdirs, names in os.walk(context) for name in names), output


# The awx.awx modules the README's AWX tasks call: their argument specs come from the awx.awx collection that the
# ansible package of this version ships (downloaded from PyPI once into .tmp/, unpacked without installing).
AWX_FROM_ANSIBLE = "10.7.0"
AWX_TASKS = ["awx.awx.execution_environment:", "awx.awx.credential_type:", "awx.awx.credential:\n",
             "awx.awx.project:", "awx.awx.job_template:", "awx.awx.inventory_source:"]


def awx_collection():
    root = os.path.join(REPO_ROOT, ".tmp", "awx-%s" % AWX_FROM_ANSIBLE)
    if not os.path.isdir(os.path.join(root, "ansible_collections", "awx", "awx")):
        download = os.path.join(REPO_ROOT, ".tmp", "awx-download")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
                        "-d", download, "ansible==%s" % AWX_FROM_ANSIBLE], check=True, timeout=600)
        (wheel,) = [os.path.join(download, name) for name in os.listdir(download) if name.endswith(".whl")]
        with zipfile.ZipFile(wheel) as archive:
            members = [name for name in archive.namelist() if name.startswith("ansible_collections/awx/awx/")]
            archive.extractall(root + ".partial", members)
        os.replace(root + ".partial", root)
        shutil.rmtree(download)
    return root


def templated(value):
    return isinstance(value, str) and "{{" in value


def awx_problems(task, spec):
    """What the awx.awx module's argument spec refuses in a task's arguments (templated values are not judged)."""
    options = spec["doc"]["options"]
    names = {alias: name for name, option in options.items() for alias in [name] + option.get("aliases", [])}
    arguments = task[next(key for key in task if key.startswith("awx.awx."))]
    problems = ["unknown option %s" % key for key in arguments if key not in names]
    given = {names[key] for key in arguments if key in names}
    problems += ["%s is required" % name for name, option in options.items()
                 if option.get("required") and name not in given]
    for key, value in arguments.items():
        option = options.get(names.get(key), {})
        if templated(value):
            continue
        if option.get("choices") and value not in option["choices"]:
            problems.append("%s: %r not in %s" % (key, value, option["choices"]))
        if option.get("type") == "bool" and not isinstance(value, bool):
            problems.append("%s: %r is not a boolean" % (key, value))
        if option.get("type") == "list" and not isinstance(value, list):
            problems.append("%s: %r is not a list" % (key, value))
    return problems


def case_awx_tasks(checkout):
    """Every awx.awx task of the README's AWX section, checked against that module's argument spec; the files
    the tasks read (credential type, surveys) exist and parse."""
    tasks = [task for marker in AWX_TASKS for task in yaml.safe_load(block(marker).text)]
    modules = sorted({key for task in tasks for key in task if key.startswith("awx.awx.")})
    env = dict(checkout.environment(), ANSIBLE_COLLECTIONS_PATH=awx_collection())
    docs = subprocess.run([os.path.join(ANSIBLE_BIN, "ansible-doc"), "-j"] + modules, env=env, capture_output=True,
                          text=True, check=True)
    specs = json.loads(docs.stdout)
    assert sorted(specs) == modules, docs.stderr
    problems = {task["name"]: awx_problems(task, specs[next(k for k in task if k.startswith("awx.awx."))])
                for task in tasks}
    assert not any(problems.values()), problems
    for path in re.findall(r"'(extensions/awx/[^']+\.yml)'", "".join(block(marker).text for marker in AWX_TASKS)):
        with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
            assert yaml.safe_load(handle), path


CASES = {
    "first_playbook": (case_first_playbook, ["# first.yml", SIMULATOR_BLOCK]),
    "simulator_by_hand": (case_simulator_by_hand, [PRINT_ENV]),
    "ad_hoc": (case_ad_hoc, ["ansible localhost -m huaweicloud.workspace_app.app_server_group_info"]),
    "credentials_file": (case_credentials_file, ["[basic]"]),
    "module_defaults": (case_module_defaults, ["huaweicloud.workspace_app.app_server_image:\n    wait_timeout: 7200"]),
    "one_task_for_the_fleet": (case_one_task_for_the_fleet, [FLEET_TASK]),
    "inventory": (case_inventory, ["# prod.app_servers.yml", "ansible-inventory -i prod.app_servers.yml --graph",
                                   "- hosts: apps_prod"]),
    "inventory_auth_failure": (case_inventory_auth_failure, [INVENTORY_FAILURE]),
    "role": (case_role, ["huaweicloud.workspace_app.rolling_update\n"]),
    "ready_to_use_playbooks": (case_ready_to_use_playbooks,
                               ["ansible-playbook huaweicloud.workspace_app.inventory_report"]),
    "check_tenant": (case_check_tenant, [CHECK_TENANT]),
    "golden_image": (case_golden_image, ["# golden.yml", GOLDEN]),
    "install_from_tarball": (case_install_from_tarball, [TARBALL_INSTALL]),
    "execution_environment_from_tarball": (case_execution_environment_from_tarball, [EE_FROM_TARBALL]),
    "awx_tasks": (case_awx_tasks, AWX_TASKS),
    "documentation": (case_documentation, ["ansible-doc huaweicloud.workspace_app"]),
    "import_playbook": (case_import_playbook, ["ansible.builtin.import_playbook:"]),
    "demo": (case_demo, ["make demo"]),
}

# Blocks that cannot run here, each with the reason and what checks it instead.
NOT_RUN = {
    "ansible-galaxy collection install huaweicloud.workspace_app\n":
        "installs from Galaxy: the collection is not published yet and this machine reaches no Galaxy server; "
        "the same install from make build's tarball is case install_from_tarball",
    "ansible-builder build -f extensions/awx/execution-environment.yml":
        "installs the collection from Galaxy (not published yet) into a container image (no container engine "
        "here); case execution_environment_from_tarball runs ansible-builder create on the tarball definition, "
        "which differs only in the collection's source (tests/unit/test_awx_extensions.py)",
    "make integration-targets INTEGRATION_CONFIG=":
        "needs an account on the real service; CI runs make integration-targets against the simulator",
}


def test_every_readme_block_is_run_or_says_why():
    markers = [marker for _function, found in CASES.values() for marker in found] + list(NOT_RUN)
    covered = {id(block(marker)) for marker in markers}  # block() asserts each marker names exactly one block
    untried = [candidate for candidate in BLOCKS if id(candidate) not in covered]
    assert not untried, "README blocks no test runs (add a case, or a reason to NOT_RUN): %s" % untried


@pytest.mark.parametrize("name", sorted(CASES))
def test_readme_example_runs_as_printed(name, checkout):
    function, _markers = CASES[name]
    function(checkout)
