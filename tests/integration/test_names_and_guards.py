"""Targets by server group name, and the guards that fail before any mutation: explicit versions, wait_timeout 0,
a custom endpoint with nothing to find the project id with; the info module's maintenance alias; the image
change's diff header; servers named ``name (id)`` in --diff and failure messages, and progress lines that say
whose they are (two hosts under forks)."""

import json
import subprocess
import time

import pytest

from tests.harness import ANSIBLE_PLAYBOOK, GROUP, Scenario, ScenarioSet, module_task

HDA = "huaweicloud.workspace_app.app_server_hda_upgrade"
IMAGE = "huaweicloud.workspace_app.app_server_image"
MAINTENANCE = "huaweicloud.workspace_app.app_server_maintenance"
INFO = "huaweicloud.workspace_app.app_server_info"
WAIT = {"poll_interval": 0.2, "wait_timeout": 60}
OLD = "2.0.10.1"


def new_fleet(make_simulator):
    """Two groups of 6; the first group's servers are behind on the access agent."""
    sim = make_simulator(servers=12, groups=2, job_duration=0.3)
    first, second = list(sim.state.groups)
    for server_id in sim.state.server_ids(first):
        sim.state.set_hda_version(server_id, OLD)
    sim.log.clear()
    return sim, sim.state.get_group(first), sim.state.get_group(second)


@pytest.fixture
def fleet(make_simulator):
    return new_fleet(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block printed and registered and on its simulator. Every start of ansible-playbook costs about a second
# of CPU.
scenario = ScenarioSet("names-and-guards")


def fleet_scenario(name, make_simulator, **options):
    sim, first, second = new_fleet(make_simulator)
    return Scenario(name, sim, [], first=first, second=second, **options)


def fleet_of(run):
    return run.of("first", "second")


shared = scenario.fixture()


def test_a_job_module_targets_a_group_by_its_exact_name(fleet, runner_for):
    sim, first, second = fleet
    run = runner_for(sim).run([module_task(HDA, "up", WAIT, server_group_name=first["name"])])
    assert run.rc == 0, run.output
    result = run["up"]
    assert sorted(s["id"] for s in result["servers"]) == sorted(sim.state.server_ids(first["id"]))
    assert result["summary"]["succeeded"] == 6
    assert sorted(sid for call in sim.log.requests(operation="batch_upgrade_hda_version")
                  for sid in call.body["items"]) == sorted(sim.state.server_ids(first["id"]))
    sim.log.clear()
    maint = runner_for(sim).run([module_task(MAINTENANCE, "maint", server_group_name=second["name"], maintenance=True)])
    assert maint.rc == 0 and maint["maint"]["summary"]["succeeded"] == 6
    assert len(sim.log.requests(operation="show_server_group")) == 1  # found by name, then not read again


@scenario
def group_names(make_simulator):
    run = fleet_scenario("group_names", make_simulator)
    sim, first, _second = fleet_of(run)
    run.context["twin"] = sim.state.add_group(first["name"])  # another group of the same name
    run.tasks = [
        dict(module_task(HDA, "unknown", WAIT, server_group_name="no-such-group"), ignore_errors=True),
        dict(module_task(HDA, "twins", WAIT, server_group_name=first["name"]), ignore_errors=True),
        dict(module_task(HDA, "both", WAIT, server_group_name=first["name"], server_group_id=first["id"]),
             ignore_errors=True),
        dict(module_task(HDA, "blank", WAIT, server_group_name="  "), ignore_errors=True),
    ]
    return run


def test_unknown_and_ambiguous_group_names_fail_listing_the_candidates(shared):
    run = shared["group_names"]
    sim, first, _second = fleet_of(run)
    twin = run.context["twin"]
    unknown, twins = run["unknown"]["msg"], run["twins"]["msg"]
    assert unknown.startswith("server_group_name: no server group is named 'no-such-group'") and first["id"] in unknown
    assert twins.startswith("server_group_name: 2 server groups are named %r" % first["name"])
    assert first["id"] in twins and twins.count(twin["id"]) == 1
    assert "mutually exclusive" in run["both"]["msg"] and "server_group_name" in run["both"]["msg"]
    assert run["blank"]["msg"] == "server_group_name: must not be empty"
    assert sim.log.mutations() == []


@scenario
def versions(make_simulator):
    run = fleet_scenario("versions", make_simulator)
    sim, first, second = fleet_of(run)
    latest = sim.state.latest_hda_for(sim.state.server_ids(second["id"])[0])
    run.tasks = [
        dict(module_task(HDA, "word", WAIT, server_group_id=second["id"], version="latest2"), ignore_errors=True),
        dict(module_task(HDA, "other", WAIT, server_group_id=second["id"], version="1.2.3"), ignore_errors=True),
        dict(module_task(HDA, "current", WAIT, server_group_id=second["id"], version=latest), ignore_errors=True),
        dict(module_task(HDA, "pinned", WAIT, server_group_id=first["id"], version=OLD), ignore_errors=True),
    ]
    return run


def test_explicit_versions_are_guarded(shared):
    run = shared["versions"]
    sim, first, second = fleet_of(run)
    latest = sim.state.latest_hda_for(sim.state.server_ids(second["id"])[0])
    assert run["word"]["msg"] == "version: 'latest2' is not a version; use latest or a version such as 2.0.24.5"
    # the servers are current, but 1.2.3 is neither what they run nor the latest: it is refused, naming the latest
    assert run["other"]["msg"].startswith("version: 1.2.3 is not the latest HDA version (latest: %s)" % latest)
    assert run["current"]["changed"] is False and not run["current"].get("failed")
    assert run["pinned"]["changed"] is False and not run["pinned"].get("failed")  # every target runs it already
    assert sim.log.mutations() == []


@scenario
def wait_timeout_zero(make_simulator):
    """The refused tasks, and the accepted one on a simulator of its own (it submits: its mutations would mix)."""
    refused = fleet_scenario("wait_timeout_zero", make_simulator)
    first = refused.context["first"]
    refused.tasks = [dict(module_task(HDA, "zero", {"poll_interval": 0.2}, server_group_id=first["id"],
                                      wait_timeout=0), ignore_errors=True),
                     dict(module_task(HDA, "huge", WAIT, server_group_id=first["id"], wait_timeout=10 ** 6),
                          ignore_errors=True)]
    accepted = fleet_scenario("wait_timeout_zero_nowait", make_simulator)
    accepted.tasks = [module_task(HDA, "nowait", server_group_id=accepted.context["first"]["id"], wait_timeout=0,
                                  wait=False)]
    return [refused, accepted]


def test_wait_timeout_zero_needs_wait_false(shared):
    run, started = shared["wait_timeout_zero"], shared["wait_timeout_zero_nowait"]
    sim = run.sim
    assert run["zero"]["msg"].startswith("wait_timeout: 0 would time out at once; to submit without waiting set wait")
    assert run["huge"]["msg"] == "wait_timeout: 1000000 is out of range; allowed values are 0..86400 (seconds)"
    assert sim.log.mutations() == []
    assert started.rc == 0 and started["nowait"]["summary"]["pending"] == 6


def test_custom_endpoint_without_project_id_fails_fast_naming_both_options(fleet, runner_for):
    sim, first, _second = fleet
    creds = sim.credentials
    began = time.monotonic()
    run = runner_for(sim).run([module_task(HDA, "up", WAIT, server_group_id=first["id"])], module_defaults={
        "endpoint": sim.url, "region": creds["region"], "access_key": creds["ak"], "secret_key": creds["sk"]})
    assert run.rc != 0
    msg = run["up"]["msg"]
    assert "project_id" in msg and "iam_endpoint" in msg and sim.url in msg
    assert time.monotonic() - began < 20  # no attempt at the public IAM host
    assert sim.log.requests() == []


@scenario
def info_maintenance(make_simulator):
    run = fleet_scenario("info_maintenance", make_simulator)
    sim, first, _second = fleet_of(run)
    in_maintenance = sim.state.server_ids(first["id"])[:2]
    sim.state.set_maintenance(in_maintenance, True)
    run.tasks = [module_task(INFO, "info", maintenance=True)]
    run.context["in_maintenance"] = in_maintenance
    return run


def test_info_takes_maintenance_as_the_maintain_status_filter(shared):
    run = shared["info_maintenance"]
    in_maintenance = run.context["in_maintenance"]
    assert run.rc == 0, run.output
    assert sorted(s["id"] for s in run["info"]["servers"]) == sorted(in_maintenance)


@scenario
def image_header(make_simulator):
    run = fleet_scenario("image_header", make_simulator, check=True, diff=True)
    sim, first, _second = fleet_of(run)
    ids = sim.state.server_ids(first["id"])
    run.tasks = [module_task(IMAGE, "img", WAIT, server_ids=ids[:2], image_id="img-rebuild", image_type="private")]
    return run


def test_image_change_says_the_system_disk_is_rebuilt(shared):
    plan = shared["image_header"]
    sim = plan.sim
    assert plan.rc == 0, plan.output
    header = plan["img"]["diff"]["after_header"]
    assert header.startswith("will rebuild the system disk of 2 server(s) onto image img-rebuild")
    assert "sessions end" in header and plan["img"]["msg"] == header
    assert "system disk" in str(plan["img"].get("warnings"))
    assert sim.log.mutations() == []


def named(sim, server_id):
    """How --diff and messages name a server: name (id)."""
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


def test_diff_names_the_servers_in_check_mode_and_in_a_real_run(fleet, runner_for):
    sim, first, _second = fleet
    ids = sorted(sim.state.server_ids(first["id"]))
    sim.state.patch_server(ids[1], name=None)  # a server with no name is named by its id
    expected = set(named(sim, sid) for sid in ids if sid != ids[1]) | {ids[1]}
    latest = sim.state.latest_hda_for(ids[0])
    runner = runner_for(sim)
    plan = runner.run([module_task(HDA, "up", WAIT, server_group_name=first["name"])], check=True, diff=True)
    assert plan.rc == 0, plan.output
    assert set(plan["up"]["diff"]["before"]) == set(plan["up"]["diff"]["after"]) == expected
    assert plan["up"]["diff"]["after"][named(sim, ids[0])] == {"hda_version": latest}
    assert named(sim, ids[0]) in plan.stdout  # the diff Ansible prints names the servers
    assert sim.log.mutations() == []
    run = runner.run([module_task(HDA, "up", WAIT, server_group_name=first["name"])], diff=True)
    assert run.rc == 0, run.output
    diff = run["up"]["diff"]
    assert set(diff["before"]) == set(diff["after"]) == expected
    assert diff["before"][ids[1]] == {"hda_version": OLD} and diff["after"][ids[1]] == {"hda_version": latest}
    # the servers list keeps id and name apart, as before
    nameless = next(s for s in run["up"]["servers"] if s["id"] == ids[1])
    assert nameless["name"] is None and nameless["status"] == "succeeded"
    assert all(line.startswith("[group %s] " % first["name"]) for line in run["up"]["progress"])


@scenario
def failure_message(make_simulator):
    run = fleet_scenario("failure_message", make_simulator)
    sim, first, _second = fleet_of(run)
    ids = sorted(sim.state.server_ids(first["id"]))
    sim.state.fail_next_job([ids[2], ids[4]], error_code="WKS.00211401", error_msg="agent download failed")
    run.tasks = [module_task(HDA, "up", WAIT, server_ids=ids)]
    return run


def test_failure_message_names_the_failed_servers(shared):
    run = shared["failure_message"]
    sim, first, _second = fleet_of(run)
    ids = sorted(sim.state.server_ids(first["id"]))
    assert run.rc != 0
    assert run["up"]["msg"] == "2 of 6 server(s) failed (%s: WKS.00211401 agent download failed; %s: WKS.00211401 " \
                               "agent download failed)" % (named(sim, ids[2]), named(sim, ids[4]))
    assert named(sim, ids[2]) in run.stdout


def test_progress_lines_say_whose_they_are_when_two_hosts_run_the_task_under_forks(fleet, runner_for, tmp_path):
    """Two inventory hosts, each upgrading its own server from the controller (delegate_to), forks 2, at -v."""
    sim, first, _second = fleet
    sim.state.job_duration = 1.0  # both hosts' jobs run at the same time
    mine = sorted(sim.state.server_ids(first["id"]))[:2]
    runner = runner_for(sim)
    inventory = {"apps": {"hosts": dict(("host-%d" % n, {"server_id": sid, "ansible_connection": "local"})
                                        for n, sid in enumerate(mine))}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    upgrade = dict(module_task(HDA, "up", WAIT, name="upgrade", server_ids=["{{ server_id }}"]),
                   delegate_to="localhost")
    # the harness's filter writes each host's result on the controller (no module run)
    save = {"name": "save", "ansible.builtin.debug": {
        "msg": "{{ up | to_json | harness_save('%s/up-' ~ inventory_hostname ~ '.json') }}" % tmp_path}}
    play = {"hosts": "apps", "gather_facts": False, "module_defaults": {GROUP: runner.connection_defaults()},
            "tasks": [upgrade, save]}
    (tmp_path / "forks.yml").write_text(json.dumps([play]))
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "inventory.json"), "-f", "2", "-v", str(tmp_path / "forks.yml")]
    process = subprocess.run(cmd, env=runner.environment(), capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    live = [line for line in process.stdout.splitlines() if line.startswith("upgrade | ")]
    for n, server_id in enumerate(mine):
        result = json.loads((tmp_path / ("up-host-%d.json" % n)).read_text())
        assert [s["id"] for s in result["servers"]] == [server_id] and result["summary"]["succeeded"] == 1
        label = "[%s] " % sim.state.get_server(server_id)["name"]
        progress = result["progress"]
        assert progress[0] == label + "batch 1/1: 1 server(s) submitted", progress
        assert len(progress) >= 3 and all(line.startswith(label) for line in progress), progress
        # the live lines at -v carry the label too: each host's are told apart however they interleave
        assert [line for line in live if line.startswith("upgrade | " + label)] == \
            ["upgrade | " + line for line in progress]
    assert len(live) == sum(len(json.loads((tmp_path / ("up-host-%d.json" % n)).read_text())["progress"])
                            for n in range(2))
