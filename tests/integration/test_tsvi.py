"""app_server_tsvi through ansible-playbook against the simulator."""

import pytest

from tests.harness import Scenario, ScenarioSet, finish_jobs_when_polled, module_task

MODULE = "huaweicloud.workspace_app.app_server_tsvi"
FAST = {"poll_interval": 0.2, "wait_timeout": 120}


def tsvi_task(register="tsvi", **options):
    return module_task(MODULE, register, FAST, name="virtual session IP", **options)


def tsvi_calls(sim, status=None):
    return [call for call in sim.log.requests(operation="batch_update_tsvi") if status is None or call.status == status]


def submitted_ids(sim):
    """Servers of the batches the service accepted (or applied without answering), in order."""
    return [item["id"] for call in tsvi_calls(sim) if call.status != 409 for item in call.body["items"]]


def fail_last_tsvi_job(sim, server_ids):
    """A TSVI job that failed on these servers (the setting did not reach them)."""
    sim.state.fail_next_job(server_ids, error_code="WKS.00211401", error_msg="vpc port update failed")
    sim.state.update_tsvi(server_ids)
    for server_id in server_ids:
        sim.state.patch_server(server_id, tsvi_enabled=False)


def named(sim, server_id):
    """How --diff and messages name a server: name (id)."""
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


def by_id(result):
    return dict((server["id"], server) for server in result["servers"])


def new_fleet(make_simulator):
    """30 servers in one group with virtual IPs on; 4 of them with a failed last TSVI job.

    Distractors that must not be submitted: 3 servers whose last TSVI job succeeded and
    2 whose last job is a failed HDA upgrade (a failed job, but not a TSVI one).
    """
    sim = make_simulator(servers=30, groups=1, job_duration=0.3)
    group_id = next(iter(sim.state.groups))
    assert sim.state.get_group(group_id)["ip_virtual"] == {"enable": True}
    ids = sorted(sim.state.server_ids())
    failed = ids[:4]
    fail_last_tsvi_job(sim, failed)
    sim.state.update_tsvi(ids[4:7])
    sim.state.fail_next_job(ids[7:9])
    sim.state.upgrade_hda(ids[7:9])
    sim.state.fast_forward(sim.state.job_duration + 1)
    sim.log.clear()
    return sim, group_id, ids, failed


@pytest.fixture
def fleet(make_simulator):
    return new_fleet(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block printed and registered and on its simulator. Every start of ansible-playbook costs about a second
# of CPU.
scenario = ScenarioSet("tsvi")


def fleet_scenario(name, make_simulator, **options):
    sim, group_id, ids, failed = new_fleet(make_simulator)
    return Scenario(name, sim, [], group_id=group_id, ids=ids, failed=failed, **options)


def fleet_of(run):
    return run.of("group_id", "ids", "failed")


shared = scenario.fixture()


def test_reapplies_only_where_the_last_tsvi_job_failed_then_is_idempotent(fleet, runner_for, record_property):
    sim, group_id, ids, failed = fleet
    runner = runner_for(sim)
    run = runner.run([tsvi_task(server_group_id=group_id)], diff=True)
    assert run.rc == 0, run.output
    result = run["tsvi"]
    assert result["changed"] is True
    assert result["summary"] == {"total": 30, "unchanged": 26, "skipped": 0, "succeeded": 4, "failed": 0, "pending": 0}
    calls = tsvi_calls(sim)
    assert len(calls) == 1
    assert calls[0].body == {"items": [{"id": sid, "enable": True} for sid in failed]}
    assert result["jobs"] == [sim.state.get_server(failed[0])["job_id"]]
    assert all(sim.state.tsvi_enabled(sid) for sid in failed)
    assert result["msg"] == "rebooted 4 server(s) to apply their server group's virtual session IP setting"
    assert result["ip_virtual"] == {group_id: True}
    servers = by_id(result)
    assert servers[failed[0]]["action"] == "submitted" and servers[failed[0]]["status"] == "succeeded"
    assert servers[failed[0]]["before"] == {"ip_virtual_enable": True, "tsvi": "failed"}
    assert servers[failed[0]]["after"] == {"ip_virtual_enable": True, "tsvi": "applied", "reboot": True}
    assert servers[ids[4]]["before"] == {"ip_virtual_enable": True, "tsvi": "applied"}
    assert servers[ids[7]]["before"] == {"ip_virtual_enable": True, "tsvi": "unknown"}
    assert servers[ids[7]]["action"] == "none" and servers[ids[7]]["status"] == "unchanged"
    assert set(result["diff"]["before"]) == set(named(sim, sid) for sid in failed)
    assert result["diff"]["after_header"].startswith("rebooted 4 server(s)")
    assert len(sim.log.requests(operation="show_server_group")) == 1
    apply_requests, apply_ops = len(sim.log), sim.log.summary()

    sim.log.clear()
    again = runner.run([tsvi_task(server_group_id=group_id)])
    assert again.rc == 0, again.output
    assert again["tsvi"]["changed"] is False
    assert again["tsvi"]["summary"]["unchanged"] == 30
    assert again["tsvi"]["msg"].startswith("rebooted 0 server(s)")
    assert not sim.log.mutations()
    assert len(sim.log) == 2  # the group, one page of servers
    record_property("apply_requests", apply_requests)
    record_property("noop_requests", len(sim.log))
    print("30 servers, 4 failed: apply %d requests %s; no-op %d requests %s"
          % (apply_requests, apply_ops, len(sim.log), sim.log.summary()))


@scenario
def enable_mismatch(make_simulator):
    run = fleet_scenario("enable_mismatch", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    run.tasks = [
        dict(tsvi_task("off", server_group_id=group_id, enable=False, force=True), ignore_errors=True),
        dict(tsvi_task("on", server_group_id=group_id, enable=True), check_mode=True),
    ]
    return run


def test_enable_must_match_the_group_and_a_mismatch_makes_no_mutating_request(shared):
    run = shared["enable_mismatch"]
    sim, group_id, ids, failed = fleet_of(run)
    assert run.rc == 0, run.output
    off = run["off"]
    assert off["failed"] is True and off["changed"] is False
    assert "enable: false does not match" in off["msg"]
    assert "'sim-group-1' (%s, ip_virtual.enable is true)" % group_id in off["msg"]
    assert "change the server group" in off["msg"]
    assert "servers" not in off  # nothing was planned, let alone submitted
    assert not sim.log.mutations()
    assert sim.state.get_server(failed[0])["task_status"] == "updating_tsvi_failed"
    assert run["on"]["summary"]["pending"] == 4  # the matching guard passes


@scenario
def force(make_simulator):
    run = fleet_scenario("force", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    run.tasks = [tsvi_task(server_group_id=group_id, force=True)]
    return run


def test_force_reapplies_to_every_server_in_two_batches(shared, record_property):
    run = shared["force"]
    sim, group_id, ids, failed = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["tsvi"]
    calls = tsvi_calls(sim)
    assert [len(call.body["items"]) for call in calls] == [20, 10]
    assert submitted_ids(sim) == ids
    assert all(item["enable"] is True for call in calls for item in call.body["items"])
    assert result["summary"]["succeeded"] == 30 and len(result["jobs"]) == 2
    assert result["msg"].startswith("rebooted 30 server(s)")
    assert len(sim.log.mutations()) == 2
    record_property("force_requests", len(sim.log))
    print("30 servers, force: %d requests %s" % (len(sim.log), sim.log.summary()))


@scenario
def two_groups(make_simulator):
    sim = make_simulator(servers=0, groups=0, job_duration=0.3)
    vip = sim.state.add_group("vip-group", ip_virtual=True)
    plain = sim.state.add_group("plain-group", ip_virtual=False)
    vip_ids = sorted(sim.state.add_server(vip["id"], tsvi_enabled=False)["id"] for _unused in range(3))
    plain_ids = sorted(sim.state.add_server(plain["id"], tsvi_enabled=True)["id"] for _unused in range(3))
    targets = vip_ids + plain_ids
    return Scenario("two_groups", sim, [
        dict(tsvi_task("guard", server_ids=targets, enable=True, force=True), ignore_errors=True),
        tsvi_task("both", server_ids=targets, force=True),
    ], vip=vip, plain=plain, vip_ids=vip_ids, plain_ids=plain_ids)


def test_targets_in_two_groups_each_batch_carries_its_groups_value(shared):
    run = shared["two_groups"]
    sim = run.sim
    vip, plain, vip_ids, plain_ids = (run.context[name] for name in ("vip", "plain", "vip_ids", "plain_ids"))
    assert run.rc == 0, run.output
    assert "'plain-group' (%s, ip_virtual.enable is false)" % plain["id"] in run["guard"]["msg"]
    assert "vip-group" not in run["guard"]["msg"]
    calls = tsvi_calls(sim)
    assert len(calls) == 2
    sent = dict((tuple(sorted(item["id"] for item in call.body["items"])), set(item["enable"] for item in call.body["items"]))
                for call in calls)
    assert sent == {tuple(vip_ids): {True}, tuple(plain_ids): {False}}
    result = run["both"]
    assert result["summary"]["succeeded"] == 6
    assert result["ip_virtual"] == {vip["id"]: True, plain["id"]: False}
    assert all(sim.state.tsvi_enabled(sid) for sid in vip_ids)
    assert not any(sim.state.tsvi_enabled(sid) for sid in plain_ids)
    servers = by_id(result)
    assert servers[plain_ids[0]]["after"] == {"ip_virtual_enable": False, "tsvi": "applied", "reboot": True}
    # each group read once per task (two tasks)
    assert len(sim.log.requests(operation="show_server_group")) == 4


def test_job_failure_is_reported_per_server_and_rerun_submits_only_it(fleet, runner_for):
    sim, group_id, ids, failed = fleet
    runner = runner_for(sim)
    bad = failed[1]
    sim.state.fail_next_job([bad], error_code="WKS.00211401", error_msg="vpc port update failed")
    run = runner.run([tsvi_task(server_group_id=group_id)])
    assert run.rc != 0
    result = run["tsvi"]
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 30 server(s) failed (%s: WKS.00211401 vpc port update failed)"
                                    % named(sim, bad)), result["msg"]
    assert result["summary"]["failed"] == 1 and result["summary"]["succeeded"] == 3
    servers = by_id(result)
    assert servers[bad]["status"] == "failed" and servers[bad]["error_code"] == "WKS.00211401"
    assert servers[bad]["error_msg"] == "vpc port update failed"
    assert servers[bad]["after"] == servers[bad]["before"]
    assert servers[failed[0]]["status"] == "succeeded"

    sim.log.clear()
    rerun = runner.run([tsvi_task(server_group_id=group_id)])
    assert rerun.rc == 0, rerun.output
    assert submitted_ids(sim) == [bad]
    assert rerun["tsvi"]["summary"]["succeeded"] == 1


@scenario
def check_mode(make_simulator):
    run = fleet_scenario("check_mode", make_simulator, check=True, diff=True)
    sim, group_id, ids, failed = fleet_of(run)
    run.tasks = [
        tsvi_task("plan", server_group_id=group_id),
        tsvi_task("forced", server_group_id=group_id, force=True),
    ]
    return run


def test_check_mode_says_how_many_servers_will_reboot_and_writes_nothing(shared):
    run = shared["check_mode"]
    sim, group_id, ids, failed = fleet_of(run)
    assert run.rc == 0, run.output
    plan = run["plan"]
    assert plan["changed"] is True and plan["jobs"] == []
    assert plan["summary"]["pending"] == 4 and plan["summary"]["unchanged"] == 26
    assert plan["msg"].startswith("will reboot 4 server(s)")
    assert any(w.startswith("will reboot 4 server(s)") for w in plan["warnings"])
    assert plan["diff"]["after_header"].startswith("will reboot 4 server(s)")
    assert plan["diff"]["after"][named(sim, failed[0])]["reboot"] is True
    assert sorted(plan["diff"]["before"]) == sorted(named(sim, sid) for sid in failed)
    assert "+++ after: will reboot 4 server(s)" in run.stdout
    assert run["forced"]["msg"].startswith("will reboot 30 server(s)")
    assert not sim.log.mutations()
    assert not sim.log.requests(operation="show_job_detail")
    assert sim.state.get_server(failed[0])["task_status"] == "updating_tsvi_failed"


@scenario
def wait_false(make_simulator):
    run = fleet_scenario("wait_false", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    sim.state.job_duration = 600
    running = ids[10:13]
    # The jobs end as soon as a module polls after the second task's submission: it saw them running.
    finish_jobs_when_polled(sim, mutations=2)
    run.tasks = [
        tsvi_task("start", server_ids=running, force=True, wait=False),
        tsvi_task("group", server_group_id=group_id),
    ]
    run.context["running"] = running
    return run


def test_wait_false_then_a_later_run_waits_for_the_running_jobs(shared):
    run = shared["wait_false"]
    sim, group_id, ids, failed = fleet_of(run)
    running = run.context["running"]
    assert run.rc == 0, run.output
    start = run["start"]
    assert start["summary"]["pending"] == 3 and len(start["jobs"]) == 1
    assert start["msg"].startswith("3 server(s) are rebooting") and "not waited for" in start["msg"]
    # three servers named one by one: the label names them (sorted by name)
    label = "[3 servers: %s] " % ", ".join(sorted(sim.state.get_server(sid)["name"] for sid in running))
    assert start["progress"] == [label + "batch 1/1: 3 server(s) submitted"]  # and no polling round
    running_job = start["jobs"][0]
    assert submitted_ids(sim) == running + failed  # the second task sent only the failed servers
    group = run["group"]
    servers = by_id(group)
    for sid in running:
        assert servers[sid]["action"] == "waited" and servers[sid]["job_id"] == running_job
        assert servers[sid]["status"] == "succeeded"
        assert servers[sid]["before"]["tsvi"] == "running"
    assert running_job not in group["jobs"] and group["summary"]["succeeded"] == 7
    assert group["msg"].endswith("; waited for 3 server(s) already applying it")


@scenario
def conflict(make_simulator):
    run = fleet_scenario("conflict", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    taken = failed[:2]
    started = {}

    def other_operator(simulator, body):
        started["job"] = simulator.state.update_tsvi(taken)

    sim.before("batch_update_tsvi", other_operator)
    run.tasks = [tsvi_task(server_group_id=group_id)]
    run.context["taken"] = taken
    run.context["started"] = started
    return run


def test_conflict_with_a_tsvi_job_started_meanwhile_is_waited_for(shared):
    """Another operator applies TSVI to two of our servers between our plan and our submission."""
    run = shared["conflict"]
    sim, group_id, ids, failed = fleet_of(run)
    taken = run.context["taken"]
    started = run.context["started"]
    assert run.rc == 0, run.output
    conflicts = tsvi_calls(sim, status=409)
    assert len(conflicts) == 1 and [item["id"] for item in conflicts[0].body["items"]] == failed
    assert [[item["id"] for item in call.body["items"]] for call in tsvi_calls(sim, status=200)] == [failed[2:]]
    servers = by_id(run["tsvi"])
    for sid in taken:
        assert servers[sid]["action"] == "waited" and servers[sid]["job_id"] == started["job"]["id"]
        assert servers[sid]["status"] == "succeeded"
    assert run["tsvi"]["summary"]["succeeded"] == 4
    assert run["tsvi"]["jobs"] == [servers[failed[2]]["job_id"]]


@scenario
def lost_response(make_simulator):
    run = fleet_scenario("lost_response", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    sim.faults.script("lost_response", method="PATCH", path="batch-update-tsvi", count=1)
    run.tasks = [tsvi_task(server_group_id=group_id, force=True)]
    return run


def test_lost_response_is_not_resubmitted(shared):
    run = shared["lost_response"]
    sim, group_id, ids, failed = fleet_of(run)
    assert run.rc == 0, run.output
    assert submitted_ids(sim) == ids  # every server exactly once
    assert [call.status for call in tsvi_calls(sim)] == [None, 200]
    assert run["tsvi"]["summary"]["succeeded"] == 30 and len(run["tsvi"]["jobs"]) == 2


@scenario
def bad_input(make_simulator):
    run = fleet_scenario("bad_input", make_simulator)
    sim, group_id, ids, failed = fleet_of(run)
    run.tasks = [
        dict(tsvi_task("big", server_group_id=group_id, batch_size=21), ignore_errors=True),
        dict(tsvi_task("unknown", server_ids=failed + ["no-such-server"]), ignore_errors=True),
        dict(tsvi_task("group", server_group_id="no-such-group"), ignore_errors=True),
    ]
    return run


def test_bad_input_fails_before_any_mutation(shared):
    run = shared["bad_input"]
    sim, group_id, ids, failed = fleet_of(run)
    assert run.rc == 0, run.output
    assert "batch_size" in run["big"]["msg"] and "1..20" in run["big"]["msg"]
    assert "no-such-server" in run["unknown"]["msg"]
    assert "no-such-group" in run["group"]["msg"]
    assert all(run[name]["failed"] for name in ("big", "unknown", "group"))
    assert not sim.log.mutations()
