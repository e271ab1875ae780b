"""app_server_maintenance through ansible-playbook against the simulator."""

import pytest

from tests.harness import Scenario, ScenarioSet

MODULE = "huaweicloud.workspace_app.app_server_maintenance"


def maintenance_task(register="maint", **options):
    return {"name": "maintenance mode", MODULE: options, "register": register}


def maint_calls(sim):
    return sim.log.requests(operation="batch_change_server_maintain_mode")


def in_maintenance(sim):
    """Servers in maintenance mode, over the whole tenant (the other group must stay out of it)."""
    return sorted(sid for sid, record in sim.state.servers.items() if record["maintain_status"])


def named(sim, server_id):
    """How --diff and messages name a server: name (id)."""
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


def by_id(result):
    return dict((server["id"], server) for server in result["servers"])


def new_fleet(make_simulator):
    """45 servers in one group (3 batches of at most 20), plus a second group of 45 that must never be touched."""
    sim = make_simulator(servers=90, groups=2)
    group_id = list(sim.state.groups)[0]
    ids = sorted(sim.state.server_ids(group_id))
    assert len(ids) == 45
    sim.log.clear()
    return sim, group_id, ids


@pytest.fixture
def fleet(make_simulator):
    return new_fleet(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block printed and registered and on its simulator. Every start of ansible-playbook costs about a second
# of CPU.
scenario = ScenarioSet("maintenance")


def fleet_scenario(name, make_simulator, **options):
    sim, group_id, ids = new_fleet(make_simulator)
    return Scenario(name, sim, [], group_id=group_id, ids=ids, **options)


def fleet_of(run):
    return run.of("group_id", "ids")


shared = scenario.fixture()


def test_on_then_off_in_batches_of_20_then_idempotent(fleet, runner_for, record_property):
    sim, group_id, ids = fleet
    runner = runner_for(sim)
    run = runner.run([maintenance_task(server_group_id=group_id, maintenance=True)])
    assert run.rc == 0, run.output
    result = run["maint"]
    assert result["changed"] is True
    assert result["summary"] == {"total": 45, "unchanged": 0, "skipped": 0, "succeeded": 45, "failed": 0,
                                 "pending": 0}
    calls = maint_calls(sim)
    assert [len(call.body["items"]) for call in calls] == [20, 20, 5]
    assert all(call.body["maintain_status"] is True and call.status == 200 for call in calls)
    assert sorted(item for call in calls for item in call.body["items"]) == ids
    assert in_maintenance(sim) == ids
    assert result["msg"] == "put 45 server(s) in maintenance mode; 0 already were"
    assert "jobs" not in result
    label = "[group %s]" % sim.state.get_group(group_id)["name"]
    assert result["progress"] == ["%s batch %d/3: %d server(s) submitted" % (label, n, size)
                                  for n, size in ((1, 20), (2, 20), (3, 5))]
    first = result["servers"][0]
    assert set(first) == {"id", "name", "action", "status", "error_code", "error_msg", "before", "after"}
    assert (first["action"], first["status"]) == ("submitted", "succeeded")
    assert first["before"] == {"maintain_status": False} and first["after"] == {"maintain_status": True}
    # Reads: one page of 45 servers to plan (the group lists servers: its detail is not read), one page to verify;
    # then the 3 batches.
    assert sim.log.summary() == {"list_servers": 2, "batch_change_server_maintain_mode": 3}
    on_requests = len(sim.log)

    sim.log.clear()
    again = runner.run([maintenance_task(server_group_id=group_id, maintenance=True)])
    assert again.rc == 0, again.output
    assert again["maint"]["changed"] is False
    assert again["maint"]["summary"]["unchanged"] == 45
    assert not sim.log.mutations()
    noop_requests = len(sim.log)
    assert noop_requests == 1  # one page of servers (the group lists servers: its detail is not read)

    sim.log.clear()
    off = runner.run([maintenance_task(server_group_id=group_id, maintenance=False)])
    assert off.rc == 0, off.output
    assert off["maint"]["changed"] is True
    assert [len(call.body["items"]) for call in maint_calls(sim)] == [20, 20, 5]
    assert all(call.body["maintain_status"] is False for call in maint_calls(sim))
    assert in_maintenance(sim) == []
    assert off["maint"]["msg"] == "took 45 server(s) out of maintenance mode; 0 already were out of it"

    sim.log.clear()
    off_again = runner.run([maintenance_task(server_group_id=group_id, maintenance=False)])
    assert off_again.rc == 0 and off_again["maint"]["changed"] is False
    assert not sim.log.mutations()
    record_property("on_requests", on_requests)
    record_property("noop_requests", noop_requests)
    print("45 servers: on %d requests, no-op %d requests" % (on_requests, noop_requests))


@scenario
def check_mode(make_simulator):
    run = fleet_scenario("check_mode", make_simulator, check=True, diff=True)
    sim, group_id, ids = fleet_of(run)
    sim.state.set_maintenance(ids[:3], True)
    sim.log.clear()
    run.tasks = [maintenance_task(server_group_id=group_id, maintenance=True, batch_size=10)]
    return run


def test_check_mode_and_diff_send_nothing(shared):
    run = shared["check_mode"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["maint"]
    assert result["changed"] is True
    assert result["summary"] == {"total": 45, "unchanged": 3, "skipped": 0, "succeeded": 0, "failed": 0,
                                 "pending": 42}
    assert result["msg"] == "would put 42 server(s) in maintenance mode; 3 already were (check mode, nothing sent)"
    assert not sim.log.mutations()
    assert in_maintenance(sim) == ids[:3]
    assert set(result["diff"]["before"]) == set(named(sim, sid) for sid in ids[3:])
    assert result["diff"]["before"][named(sim, ids[3])] == {"maintain_status": False}
    assert result["diff"]["after"][named(sim, ids[3])] == {"maintain_status": True}
    assert named(sim, ids[3]) in run.stdout  # the printed diff names the servers
    assert "maintain_status" in run.stdout  # the diff is printed


@scenario
def diff_real_run(make_simulator):
    run = fleet_scenario("diff_real_run", make_simulator, diff=True)
    sim, group_id, ids = fleet_of(run)
    sim.state.set_maintenance(ids[::2], True)  # 23 in maintenance, 22 not
    sim.log.clear()
    run.tasks = [maintenance_task(server_group_id=group_id, maintenance=False)]
    return run


def test_diff_of_a_real_run_and_mixed_states(shared):
    run = shared["diff_real_run"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["maint"]
    assert result["summary"]["succeeded"] == 23 and result["summary"]["unchanged"] == 22
    assert [len(call.body["items"]) for call in maint_calls(sim)] == [20, 3]
    assert sorted(item for call in maint_calls(sim) for item in call.body["items"]) == ids[::2]
    assert set(result["diff"]["after"]) == set(named(sim, sid) for sid in ids[::2])
    assert all(after == {"maintain_status": False} for after in result["diff"]["after"].values())
    servers = by_id(result)
    assert servers[ids[1]]["action"] == "none" and servers[ids[1]]["status"] == "unchanged"
    assert servers[ids[1]]["after"] == {"maintain_status": False}
    assert in_maintenance(sim) == []


@scenario
def unknown_ids(make_simulator):
    run = fleet_scenario("unknown_ids", make_simulator)
    sim, group_id, ids = fleet_of(run)
    run.tasks = [dict(maintenance_task(server_ids=ids[:2] + ["no-such-server"], maintenance=True),
                      ignore_errors=True),
                 dict(maintenance_task("group", server_group_id="no-such-group", maintenance=True),
                      ignore_errors=True)]
    return run


def test_unknown_server_id_fails_before_any_change(shared):
    run = shared["unknown_ids"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert run["maint"]["failed"] is True and run["maint"]["changed"] is False
    assert "server_ids: unknown server id(s): no-such-server" in run["maint"]["msg"]
    assert run["group"]["failed"] is True
    assert "server_group_id: no server group with id 'no-such-group'" in run["group"]["msg"]
    assert not sim.log.mutations()
    assert in_maintenance(sim) == []


@scenario
def few_ids(make_simulator):
    run = fleet_scenario("few_ids", make_simulator)
    sim, group_id, ids = fleet_of(run)
    run.tasks = [maintenance_task(server_ids=ids[:2], maintenance=True, batch_size=1)]
    return run


def test_few_server_ids_are_read_one_by_one(shared):
    run = shared["few_ids"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert [call.body["items"] for call in maint_calls(sim)] == [[ids[0]], [ids[1]]]
    assert in_maintenance(sim) == ids[:2]
    # 2 lookups to plan, 2 calls, 2 lookups to verify (a 45-server group would be one page too; ids first).
    assert sim.log.summary() == {"list_servers": 4, "batch_change_server_maintain_mode": 2}


@scenario
def state_not_shown(make_simulator):
    run = fleet_scenario("state_not_shown", make_simulator)
    sim, group_id, ids = fleet_of(run)

    def operator_takes_one_back(sim_, body):
        # Right after the last batch: another operator takes the first server out of maintenance again.
        if len(body["items"]) == 5:
            sim_.before("list_servers", lambda s, b: s.state.set_maintenance([ids[0]], False))

    sim.before("batch_change_server_maintain_mode", operator_takes_one_back, once=False)
    run.tasks = [dict(maintenance_task(server_group_id=group_id, maintenance=True),
                      ignore_errors=True)]
    return run


def test_a_server_that_does_not_show_the_state_afterwards_fails(shared):
    run = shared["state_not_shown"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["maint"]
    assert result["failed"] is True and result["changed"] is True
    assert result["summary"]["failed"] == 1 and result["summary"]["succeeded"] == 44
    failed = by_id(result)[ids[0]]
    assert failed["status"] == "failed" and failed["after"] == {"maintain_status": False}
    assert "the service accepted the change but the server shows maintain_status=False instead of " \
           "maintain_status=True" in failed["error_msg"]
    assert result["msg"].startswith("1 of 45 server(s) failed (%s: the service accepted the change"
                                    % named(sim, ids[0]))


@scenario
def lost_response(make_simulator):
    run = fleet_scenario("lost_response", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.script("lost_response", method="PATCH", path="batch-maint$", count=1)
    run.tasks = [maintenance_task(server_group_id=group_id, maintenance=True)]
    return run


def test_lost_response_is_reread_not_resent(shared):
    run = shared["lost_response"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert run["maint"]["changed"] is True and run["maint"]["summary"]["succeeded"] == 45
    calls = maint_calls(sim)
    assert [len(call.body["items"]) for call in calls] == [20, 20, 5]  # the lost batch was applied: not sent again
    assert calls[0].fault == "lost_response"
    assert in_maintenance(sim) == ids


@scenario
def rejected_batch(make_simulator):
    run = fleet_scenario("rejected_batch", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.script("error500", method="PATCH", path="batch-maint$", count=10)
    run.tasks = [dict(maintenance_task(server_group_id=group_id, maintenance=True, max_retries=1),
                      ignore_errors=True)]
    return run


def test_a_rejected_batch_stops_before_the_next(shared):
    run = shared["rejected_batch"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["maint"]
    # a 500 may come after the service applied the batch: it may have changed something
    assert result["failed"] is True and result["changed"] is True
    assert result["summary"]["failed"] == 45
    # a 500 on a mutation is settled by re-reading and resent (max_retries: once); later batches are not sent
    assert len(maint_calls(sim)) == 2
    servers = by_id(result)
    assert servers[ids[0]]["error_code"] == "WKS.00000500"
    assert servers[ids[-1]]["error_msg"].startswith("not submitted: an earlier batch failed")
    assert in_maintenance(sim) == []
