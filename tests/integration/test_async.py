"""Every module under ``async``: ``poll: 0`` then ``async_status``, ``async`` with ``poll``, delegated to the
controller from hosts that are servers, and through ansible-runner the way AWX runs a job (the job modules' action
plugins hand the module to ansible-core's own ``normal`` action, which does the async wrapping)."""

import json
import os
import subprocess

import pytest

from tests.harness import ANSIBLE_PLAYBOOK, GROUP, module_task

HDA = "huaweicloud.workspace_app.app_server_hda_upgrade"
IMAGE = "huaweicloud.workspace_app.app_server_image"
TSVI = "huaweicloud.workspace_app.app_server_tsvi"
MAINTENANCE = "huaweicloud.workspace_app.app_server_maintenance"
INFO = "huaweicloud.workspace_app.app_server_info"
WAIT = {"poll_interval": 0.3, "wait_timeout": 120}
OLD = "2.0.10.1"


def background(task, seconds=120):
    """``task`` started with ``async``/``poll: 0``, then an ``async_status`` loop until it finished."""
    name = task["register"]
    started = dict(task, register=name + "_job", **{"async": seconds, "poll": 0})
    status = {"name": "wait for " + name, "ansible.builtin.async_status": {"jid": "{{ %s_job.ansible_job_id }}" % name},
              "register": name, "until": "%s.finished" % name, "retries": 120, "delay": 0.5}
    return [started, status]


@pytest.fixture
def fleet(make_simulator):
    sim = make_simulator(servers=24, groups=1, job_duration=1, images=["img-async"])
    group_id = next(iter(sim.state.groups))
    ids = sorted(sim.state.server_ids())
    for server_id in ids:
        sim.state.set_hda_version(server_id, OLD)
    return sim, group_id, ids


def test_poll_zero_then_async_status_for_every_job_module(fleet, runner_for):
    sim, group_id, ids = fleet
    sim.state.fail_next_job(ids[5:7])
    seed = runner_for(sim).run([module_task(TSVI, "seed", dict(WAIT, force=True), server_ids=ids[5:7])])
    assert seed.rc != 0  # the last TSVI job of these two failed: they need it re-applied
    tasks = (background(module_task(TSVI, "tsvi", WAIT, server_group_id=group_id))
             + background(module_task(HDA, "hda", WAIT, server_group_id=group_id))
             + background(module_task(IMAGE, "img", WAIT, server_ids=ids[:3], image_id="img-async",
                                      image_type="private")))
    run = runner_for(sim).run(tasks)
    assert run.rc == 0, run.output
    for name in ("hda_job", "img_job", "tsvi_job"):
        assert run[name]["ansible_job_id"] and run[name]["started"] == 1, run[name]
    tsvi = run["tsvi"]
    assert tsvi["summary"]["succeeded"] == 2 and "rebooted 2 server(s)" in tsvi["msg"]
    hda = run["hda"]
    assert hda["finished"] == 1 and hda["changed"] is True
    assert hda["summary"]["succeeded"] == 24 and hda["progress"], hda
    assert all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in ids)
    assert run["img"]["summary"]["succeeded"] == 3
    assert [sim.state.get_server(sid)["image_id"] for sid in ids[:3]] == ["img-async"] * 3


def test_async_with_poll_and_a_failure_reports_like_a_plain_run(fleet, runner_for):
    sim, group_id, ids = fleet
    sim.state.fail_next_job([ids[0]], error_code="WKS.00211401", error_msg="upgrade failed on purpose")
    task = dict(module_task(HDA, "hda", WAIT, server_group_id=group_id), **{"async": 120, "poll": 1})
    run = runner_for(sim).run([task], verbosity=1)
    assert run.rc != 0
    result = run["hda"]
    assert result["failed"] is True and result["summary"]["failed"] == 1 and result["summary"]["succeeded"] == 23
    assert result["msg"].startswith("1 of 24 server(s) failed (%s (%s): WKS.00211401 upgrade failed on purpose)"
                                    % (sim.state.get_server(ids[0])["name"], ids[0]))
    assert result["progress"]  # not shown live under async, but in the result
    assert "batch 1/2" in result["progress"][0] and "hda | " + result["progress"][0] not in run.output


def test_modules_without_an_action_plugin_and_check_mode_rules(fleet, runner_for):
    sim, group_id, _ids = fleet
    tasks = (background(module_task(MAINTENANCE, "maint", server_group_id=group_id, maintenance=True))
             + background(module_task(INFO, "info", server_group_id=group_id)))
    run = runner_for(sim).run(tasks)
    assert run.rc == 0, run.output
    assert run["maint"]["summary"]["succeeded"] == 24
    assert len(run["info"]["servers"]) == 24 and all(s["maintain_status"] for s in run["info"]["servers"])
    # check mode under async: ansible-core before 2.19 refuses it for every module; 2.19 runs the plan
    sim.log.clear()
    check = runner_for(sim).run([dict(module_task(HDA, "hda", WAIT, server_group_id=group_id),
                                      **{"async": 60, "poll": 1})], check=True)
    if "check mode and async cannot be used on same task" not in check.output:
        assert check.rc == 0, check.output
        assert check["hda"]["changed"] is True and check["hda"]["summary"]["pending"] == 24
    assert sim.log.mutations() == []


def test_one_host_per_server_delegated_to_the_controller_under_async(fleet, runner_for, tmp_path):
    """An inventory of servers (never contacted: the tasks run on the controller), one job per host, forks 4."""
    sim, _group_id, ids = fleet
    runner = runner_for(sim)
    # never contacted: every task is delegated to the controller
    inventory = {"servers": {"hosts": dict(("server-%d" % n, {"server_id": sid, "ansible_connection": "local"})
                                           for n, sid in enumerate(ids[:4]))}}
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    start = dict(module_task(HDA, "up_job", WAIT, server_ids=["{{ server_id }}"]), delegate_to="localhost",
                 **{"async": 120, "poll": 0})
    status = {"name": "wait", "ansible.builtin.async_status": {"jid": "{{ up_job.ansible_job_id }}"},
              "register": "up", "until": "up.finished", "retries": 120, "delay": 0.5, "delegate_to": "localhost"}
    # the harness's filter writes each host's result on the controller (no module run)
    save = {"name": "save", "ansible.builtin.debug": {
        "msg": "{{ up | to_json | harness_save('%s/up-' ~ inventory_hostname ~ '.json') }}" % tmp_path}}
    play = {"hosts": "servers", "gather_facts": False, "module_defaults": {GROUP: runner.connection_defaults()},
            "tasks": [start, status, save]}
    (tmp_path / "fan-out.yml").write_text(json.dumps([play]))
    cmd = [ANSIBLE_PLAYBOOK, "-i", str(tmp_path / "inventory.json"), "-f", "4", str(tmp_path / "fan-out.yml")]
    process = subprocess.run(cmd, env=runner.environment(), capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    for n, server_id in enumerate(ids[:4]):
        result = json.loads((tmp_path / ("up-server-%d.json" % n)).read_text())
        assert [s["id"] for s in result["servers"]] == [server_id] and result["summary"]["succeeded"] == 1
        label = "[%s] " % sim.state.get_server(server_id)["name"]  # whose lines they are, under forks and async
        assert result["progress"] and all(line.startswith(label) for line in result["progress"]), result["progress"]
    assert len(sim.log.requests(operation="batch_upgrade_hda_version")) == 4


def test_through_ansible_runner_as_awx_runs_a_job(fleet, runner_for, tmp_path, monkeypatch):
    ansible_runner = pytest.importorskip("ansible_runner")
    monkeypatch.setenv("PATH", os.path.dirname(ANSIBLE_PLAYBOOK) + os.pathsep + os.environ.get("PATH", ""))
    sim, group_id, _ids = fleet
    runner = runner_for(sim)
    tasks = background(module_task(HDA, "hda", WAIT, server_group_id=group_id))
    tasks.append({"name": "result", "ansible.builtin.set_stats": {"data": {"hda_summary": "{{ hda.summary }}"}}})
    play = {"hosts": "localhost", "connection": "local", "gather_facts": False,
            "module_defaults": {GROUP: runner.connection_defaults()}, "tasks": tasks}
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "upgrade.yml").write_text(json.dumps([play]))
    env = runner.environment()
    outcome = ansible_runner.run(private_data_dir=str(private), playbook="upgrade.yml", inventory="localhost,",
                                 envvars=dict((k, v) for k, v in env.items() if k.startswith(("ANSIBLE_", "HOME"))),
                                 quiet=True)
    assert outcome.status == "successful", outcome.stdout.read()
    stats = [event for event in outcome.events if event.get("event") == "playbook_on_stats"]
    assert stats and stats[-1]["event_data"]["artifact_data"]["hda_summary"]["succeeded"] == 24
