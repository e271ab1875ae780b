"""app_server_power through ansible-playbook against the simulator (power transitions take job_duration)."""

import pytest

from tests.harness import Scenario, ScenarioSet, module_task

POWER = "huaweicloud.workspace_app.app_server_power"
FAST = dict(poll_interval=0.3, wait_timeout=60)


def new_sim(make_simulator):
    sim = make_simulator(servers=10, groups=2, seed=3, job_duration=0.5)
    sim.log.clear()
    return sim


@pytest.fixture
def sim(make_simulator):
    return new_sim(make_simulator)


@pytest.fixture
def runner(runner_for, sim):
    return runner_for(sim)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
scenario = ScenarioSet("power")


shared = scenario.fixture()


def group_ids(sim, name):
    group = sim.state.group_by_name(name)
    return sorted(sim.state.server_ids(group["id"]))


def vm_status(sim, ids):
    return [sim.state.get_server(sid)["vm_status"] for sid in ids]


def calls(sim, operation):
    return [call.body for call in sim.log.requests(operation=operation)]


def stop_now(sim, ids):
    sim.state.stop(ids)
    sim.state.fast_forward(sim.state.job_duration + 1)
    sim.log.clear()


def test_stopped_is_a_desired_state_planned_then_applied_then_unchanged(sim, runner):
    ids = group_ids(sim, "sim-group-1")
    stop_now(sim, ids[:1])  # already stopped: never sent
    plan = runner.run([module_task(POWER, "plan", server_group_name="sim-group-1", state="stopped", **FAST)],
                      check=True, diff=True)
    assert plan.rc == 0, plan.output
    assert plan["plan"]["changed"] is True and sim.log.mutations() == []
    server = sim.state.get_server(ids[1])
    label = "%s (%s)" % (server["name"], server["id"])
    assert plan["plan"]["diff"]["before"][label] == {"vm_status": "ACTIVE"}
    assert plan["plan"]["diff"]["after"][label] == {"vm_status": "SHUTOFF"}

    run = runner.run([module_task(POWER, "stop", server_group_name="sim-group-1", state="stopped", stop_type="HARD",
                                  **FAST)])
    assert run.rc == 0, run.output
    result = run["stop"]
    assert vm_status(sim, ids) == ["SHUTOFF"] * len(ids)
    assert calls(sim, "batch_stop_server") == [{"items": ids[1:], "type": "HARD"}]
    assert result["summary"]["succeeded"] == len(ids) - 1 and result["summary"]["unchanged"] == 1
    assert {s["after"]["vm_status"] for s in result["servers"]} == {"SHUTOFF"}
    assert "jobs" not in result and all("job_id" not in s for s in result["servers"])
    assert all(sim.state.get_server(sid)["session_count"] == 0 for sid in ids)  # a stop ends the sessions
    assert vm_status(sim, group_ids(sim, "sim-group-2")) == ["ACTIVE"] * len(group_ids(sim, "sim-group-2"))

    sim.log.clear()
    again = runner.run([module_task(POWER, "again", server_group_name="sim-group-1", state="stopped", **FAST)])
    assert again.rc == 0, again.output
    assert again["again"]["changed"] is False and sim.log.mutations() == []

    start = runner.run([module_task(POWER, "start", server_ids=ids[:3], state="started", **FAST)])
    assert start.rc == 0, start.output
    assert vm_status(sim, ids[:3]) == ["ACTIVE"] * 3 and vm_status(sim, ids[3:]) == ["SHUTOFF"] * (len(ids) - 3)
    assert calls(sim, "batch_start_server") == [{"items": ids[:3]}]


@scenario
def restarted(make_simulator):
    sim = new_sim(make_simulator)
    ids = group_ids(sim, "sim-group-2")
    stop_now(sim, ids[:1])
    return Scenario("restarted", sim, [module_task(POWER, "restart", server_ids=ids, state="restarted",
                                                   reboot_type="HARD", **FAST)])


def test_restarted_reboots_running_servers_starts_stopped_ones_and_always_changes(shared):
    run = shared["restarted"]
    sim = run.sim
    ids = group_ids(sim, "sim-group-2")
    assert run.rc == 0, run.output
    assert run["restart"]["changed"] is True
    assert vm_status(sim, ids) == ["ACTIVE"] * len(ids)
    assert calls(sim, "batch_start_server") == [{"items": ids[:1]}]
    assert calls(sim, "batch_reboot_server") == [{"items": ids[1:], "type": "HARD"}]
    assert run["restart"]["summary"]["succeeded"] == len(ids)


@scenario
def sessions_and_busy(make_simulator):
    sim = new_sim(make_simulator)
    ids = group_ids(sim, "sim-group-1")
    for sid in ids:
        sim.state.patch_server(sid, session_count=0)
    sim.state.patch_server(ids[0], session_count=2)
    sim.state.job_duration = 600
    sim.state.stop(ids[1:2])  # powering off for 10 minutes: busy when planned
    sim.state.job_duration = 0.5
    for sid, ended in zip(ids[2:4], ("upgrad_access_agent_success", "rebuild_fail")):
        sim.state.patch_server(sid, task_status=ended)  # how the last task ended: not busy
    sim.log.clear()
    return Scenario("sessions_and_busy", sim, [module_task(POWER, "stop", server_ids=ids, state="stopped",
                                                           only_without_sessions=True, batch_size=2, **FAST)])


def test_servers_with_sessions_busy_servers_and_small_batches(shared):
    run = shared["sessions_and_busy"]
    sim = run.sim
    ids = group_ids(sim, "sim-group-1")
    assert run.rc == 0, run.output
    reports = dict((s["id"], s) for s in run["stop"]["servers"])
    assert reports[ids[0]]["status"] == "skipped" and "2 session(s) open" in reports[ids[0]]["error_msg"]
    assert reports[ids[1]]["status"] == "skipped" and "busy: task powering-off" in reports[ids[1]]["error_msg"]
    assert [reports[sid]["status"] for sid in ids[2:4]] == ["succeeded"] * 2
    assert [len(body["items"]) for body in calls(sim, "batch_stop_server")] == [2] * ((len(ids) - 2) // 2) + (
        [1] if (len(ids) - 2) % 2 else [])
    assert sim.state.get_server(ids[0])["vm_status"] == "ACTIVE"
    # the warning the run printed for this task (in the shared run's output: the result's warnings are what it prints)
    assert any("2 server(s) skipped" in " ".join(w.split()) for w in run["stop"].get("warnings", [])), run["stop"]
    assert "2 server(s) skipped" in " ".join(run.output.split())


@scenario
def ends_in_error(make_simulator):
    sim = new_sim(make_simulator)
    ids = group_ids(sim, "sim-group-1")[:3]
    sim.state.fail_next_power([ids[0]], action="stop", outcome="ERROR")
    sim.faults.configure(retry_after=0)  # the point is going on through the 429s, not waiting out a Retry-After
    sim.faults.script("throttle", method="GET", path="app-servers", count=2)
    return Scenario("ends_in_error", sim, [module_task(POWER, "stop", server_ids=ids, state="stopped",
                                                       wait_timeout=300, poll_interval=0.3)])


def test_a_server_that_ends_in_error_fails_at_once_and_a_throttled_wait_goes_on(shared):
    run = shared["ends_in_error"]
    ids = group_ids(run.sim, "sim-group-1")[:3]
    assert run.rc != 0
    result = run["stop"]
    reports = dict((s["id"], s) for s in result["servers"])
    assert reports[ids[0]]["status"] == "failed" and "vm_status ERROR" in reports[ids[0]]["error_msg"]
    # the after-state of the failed server is what was read back, not its before-state (issue 26)
    assert (reports[ids[0]]["before"], reports[ids[0]]["after"]) == ({"vm_status": "ACTIVE"}, {"vm_status": "ERROR"})
    assert [reports[sid]["status"] for sid in ids[1:]] == ["succeeded", "succeeded"]
    assert "1 of 3 server(s) failed" in result["msg"]


@scenario
def times_out(make_simulator):
    sim = make_simulator(servers=2, groups=1, seed=3, job_duration=600)
    ids = sorted(sim.state.servers)
    # the stop times out (its failure ignored so that the second task, a run of its own before, follows)
    return Scenario("times_out", sim, [
        dict(module_task(POWER, "stop", server_ids=ids, state="stopped", wait_timeout=1, poll_interval=0.3),
             ignore_errors=True),
        module_task(POWER, "nowait", server_ids=ids, state="started", wait=False)])


def test_a_wait_that_times_out_names_what_each_server_shows(shared):
    run = shared["times_out"]
    assert run["stop"]["failed"] is True
    assert "after 1s still shows vm_status ACTIVE with a task running" in run["stop"]["msg"]
    assert "job(s) power" not in run["stop"]["msg"]

    assert run.rc == 0 and not run["nowait"].get("failed"), run.output  # powering off: busy, reported skipped,
    assert run["nowait"]["summary"]["skipped"] == 2  # nothing sent


BAD_INPUT = [
    (dict(state="asleep"), "value of state must be one of: started, stopped, restarted, got: asleep"),
    (dict(state="stopped", stop_type="GENTLE"), "value of stop_type must be one of: SOFT, HARD, got: GENTLE"),
    (dict(state="stopped", server_ids=["x"]), "parameters are mutually exclusive: server_ids|server_group_id|"
                                              "server_group_name"),
    (dict(state="stopped", server_group_name="no-such-group"), "no server group is named 'no-such-group'"),
    (dict(state="stopped", batch_size=21), "batch_size: 21 is out of range; allowed values are 1..20"),
]


@scenario
def bad_input(make_simulator):
    """Every bad input of the table as a task of its own (ignore_errors), against one simulator."""
    sim = new_sim(make_simulator)
    tasks = []
    for index, (options, _message) in enumerate(BAD_INPUT):
        task = dict(server_group_name="sim-group-1")
        task.update(options)
        if "server_ids" in options:
            task["server_group_id"] = sim.state.group_by_name("sim-group-1")["id"]
            task.pop("server_group_name")
        tasks.append(dict(module_task(POWER, "bad%d" % index, **task), ignore_errors=True))
    return Scenario("bad_input", sim, tasks)


@pytest.mark.parametrize("index, message", [(index, message) for index, (_options, message) in enumerate(BAD_INPUT)])
def test_bad_input_fails_before_any_call(shared, index, message):
    run = shared["bad_input"]
    bad = run["bad%d" % index]
    assert bad["failed"] is True
    assert message in bad["msg"], bad["msg"]
    assert run.sim.log.mutations() == []


def test_stopping_100_servers_is_5_calls_and_a_few_reads_and_the_rerun_3_reads(make_simulator, runner_for):
    sim = make_simulator(servers=100, groups=1, seed=3, job_duration=0.5)
    sim.log.clear()
    open_sessions = len(sim.state.sessions_of())
    runner = runner_for(sim)
    run = runner.run([module_task(POWER, "stop", server_group_name="sim-group-1", state="stopped", stop_type="HARD",
                                  poll_interval=1, wait_timeout=120)])
    assert run.rc == 0, run.output
    assert run["stop"]["summary"]["succeeded"] == 100
    ops = [call.operation for call in sim.log.requests()]
    assert ops.count("batch_stop_server") == 5
    # group by name 1, its detail 1, the server list 1, 5 stop calls, polling reads of the list; and the group's open
    # sessions listed once while planning (a page per 100), since a stop ends them and the plan names them (issue 26)
    assert ops.count("list_sessions") == -(-open_sessions // 100) > 0, ops
    assert len(ops) - ops.count("list_servers") - ops.count("list_sessions") == 7, ops
    assert 2 <= ops.count("list_servers") <= 4, ops
    print("stop 100 servers: %d requests (%d server list reads)" % (len(ops), ops.count("list_servers")))
    sim.log.clear()
    again = runner.run([module_task(POWER, "again", server_group_name="sim-group-1", state="stopped", **FAST)])
    assert again["again"]["changed"] is False and sim.log.mutations() == []
    assert len(sim.log.requests()) == 3
