"""Mutations that fail with a server error, before or after the service applied them, through ansible-playbook:
the servers (or the group) are read again, what was applied is taken as ours and only the rest is sent again, so
nothing is applied twice."""

import pytest

from tests.harness import Scenario, SharedScenarios, module_task

NS = "huaweicloud.workspace_app."
FAST = dict(poll_interval=0.3, wait_timeout=60)
OLD_HDA = "2.0.10.1"


def new_sim(make_simulator):
    sim = make_simulator(servers=6, groups=1, seed=3, job_duration=0.5)
    sim.log.clear()
    return sim


# Every case (one run each before, each on its own simulator) is a scenario of ONE ansible-playbook run: its setup
# below faults its simulator and returns its tasks (a block of the shared play, tests.harness.Scenario); its test
# asserts on what that block registered and on its simulator. Every start of ansible-playbook costs about a second
# of CPU.
SCENARIOS = []  # (scenario name, setup(sim, **arguments) -> tasks or (tasks, context), arguments)


def scenario(name, setup, **arguments):
    SCENARIOS.append((name, setup, arguments))


@pytest.fixture(scope="module")
def shared(module_simulator, tmp_path_factory):
    def build():
        scenarios = []
        for name, setup, arguments in SCENARIOS:
            sim = new_sim(module_simulator)
            made = setup(sim, **arguments)
            tasks, context = made if isinstance(made, tuple) else (made, {})
            scenarios.append(Scenario(name, sim, tasks, **context))
        return scenarios

    return SharedScenarios(lambda: tmp_path_factory.mktemp("mutation-faults"), build)


def accepted(sim, operation):
    """Requests of ``operation`` the handler applied: answered 2xx, or faulted after it ran."""
    return [call for call in sim.log.requests(operation=operation)
            if call.fault in ("lost_response", "applied_error500") or (call.status or 0) // 100 == 2]


def hda_upgrade(sim, fault):
    ids = sorted(sim.state.server_ids())
    for sid in ids:
        sim.state.set_hda_version(sid, OLD_HDA)
    sim.faults.script(fault, method="PATCH", path="access-agent/actions/upgrade")
    return [module_task(NS + "app_server_hda_upgrade", "up", server_ids=ids, **FAST)]


HDA_CASES = [("error500", 2), ("error503", 2), ("applied_error500", 1)]
for _fault, _sent in HDA_CASES:
    scenario("hda_" + _fault, hda_upgrade, fault=_fault)


@pytest.mark.parametrize("fault, sent", HDA_CASES)
def test_hda_upgrade_after_a_server_error_is_applied_once(shared, fault, sent):
    run = shared["hda_" + fault]
    sim = run.sim
    ids = sorted(sim.state.server_ids())
    assert run.rc == 0, run.output
    assert run["up"]["changed"] is True and run["up"]["summary"]["succeeded"] == len(ids)
    calls = sim.log.requests(operation="batch_upgrade_hda_version")
    assert len(calls) == sent and len(accepted(sim, "batch_upgrade_hda_version")) == 1
    assert len(sim.state.jobs) == 1 and run["up"]["jobs"] == list(sim.state.jobs)
    assert all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in ids)


def maintenance_and_settings(sim, fault):
    ids = sorted(sim.state.server_ids())
    group = next(iter(sim.state.groups.values()))
    sim.faults.script(fault, method="PATCH", path="batch-maint")
    sim.faults.script(fault, method="PATCH", path="app-server-groups/")
    return [module_task(NS + "app_server_maintenance", "maint", server_ids=ids, maintenance=True),
            module_task(NS + "app_server_group", "settings", server_group_id=group["id"], description="after a fault")]


MAINTENANCE_CASES = [("error503", 2), ("applied_error500", 1)]
for _fault, _sent in MAINTENANCE_CASES:
    scenario("maintenance_" + _fault, maintenance_and_settings, fault=_fault)


@pytest.mark.parametrize("fault, sent", MAINTENANCE_CASES)
def test_maintenance_and_group_settings_after_a_server_error_are_applied_once(shared, fault, sent):
    run = shared["maintenance_" + fault]
    sim = run.sim
    ids = sorted(sim.state.server_ids())
    group = next(iter(sim.state.groups.values()))
    assert run.rc == 0, run.output
    assert run["maint"]["changed"] is True and all(sim.state.get_server(sid)["maintain_status"] for sid in ids)
    assert run["settings"]["changed"] is True and sim.state.get_group(group["id"])["description"] == "after a fault"
    assert len(sim.log.requests(operation="batch_change_server_maintain_mode")) == sent
    assert len(sim.log.requests(operation="update_server_group")) == sent
    assert len(accepted(sim, "batch_change_server_maintain_mode")) == 1
    assert len(accepted(sim, "update_server_group")) == 1


def stop(sim, fault):
    ids = sorted(sim.state.server_ids())[:3]
    sim.faults.script(fault, method="PATCH", path="batch-stop")
    return [module_task(NS + "app_server_power", "stop", server_ids=ids, state="stopped", **FAST)]


STOP_CASES = [("error500", 2), ("applied_error500", 1)]
for _fault, _sent in STOP_CASES:
    scenario("stop_" + _fault, stop, fault=_fault)


@pytest.mark.parametrize("fault, sent", STOP_CASES)
def test_a_stop_after_a_server_error_is_sent_once_more_only_when_it_was_not_applied(shared, fault, sent):
    run = shared["stop_" + fault]
    sim = run.sim
    ids = sorted(sim.state.server_ids())[:3]
    assert run.rc == 0, run.output
    assert run["stop"]["summary"]["succeeded"] == 3
    assert [sim.state.get_server(sid)["vm_status"] for sid in ids] == ["SHUTOFF"] * 3
    assert len(sim.log.requests(operation="batch_stop_server")) == sent
    assert len(accepted(sim, "batch_stop_server")) == 1


def logoff(sim, fault):
    ids = sorted(sim.state.server_ids())[:2]
    for sid in ids:
        for user in ("alice", "bob"):
            sim.state.log_on(sid, user_name=user)
    sim.faults.script(fault, method="POST", path="session/logoff")
    return [module_task(NS + "app_session_logoff", "logoff", server_ids=ids, title="Maintenance",
                        message_text="Signing you out", delay_time=1, **FAST)]


LOGOFF_CASES = [("error500", 2), ("lost_response", 1), ("applied_error500", 1)]
for _fault, _sent in LOGOFF_CASES:
    scenario("logoff_" + _fault, logoff, fault=_fault)


@pytest.mark.parametrize("fault, sent", LOGOFF_CASES)
def test_a_logoff_whose_answer_does_not_tell_converges_in_one_run_each_user_told_once(shared, fault, sent):
    """The sessions are read for delay_time and a margin: ended, the call was applied (not sent again); still open
    after it, it was not (sent once more). Either way every user got exactly one notice and the run converged."""
    run = shared["logoff_" + fault]
    sim = run.sim
    assert run.rc == 0, run.output
    assert run["logoff"]["changed"] is True
    rows = run["logoff"]["sessions"]
    assert len(rows) >= 4 and set(row["status"] for row in rows) == {"logged_off"}
    assert len(sim.log.requests(operation="logoff_user_session")) == sent
    assert len(accepted(sim, "logoff_user_session")) == 1
    notices = [notice["session_id"] for notice in sim.state.notifications]
    assert sorted(notices) == sorted(row["id"] for row in rows)  # one notice per session, none twice
    assert all(sim.state.get_session(sid)["session_state"] == "SignedOut" for sid in notices)
    assert any("before sending the call again" in line for line in run["logoff"]["progress"])


def fleet_deletion(sim):
    for sid in sim.state.server_ids():
        sim.state.patch_server(sid, session_count=0)
    sim.faults.script("applied_error500", method="POST", path="batch-delete")
    return [module_task(NS + "app_server_fleet", "shrink", server_group_name="sim-group-1", count=4, **FAST)]


scenario("fleet_deletion", fleet_deletion)


def test_a_fleet_deletion_answered_500_after_it_was_applied_is_taken_as_ours(shared):
    run = shared["fleet_deletion"]
    sim = run.sim
    assert run.rc == 0, run.output
    assert run["shrink"]["count"] == 4 and len(run["shrink"]["deleted"]) == 2
    assert len(sim.log.requests(operation="batch_delete_server")) == 1
    assert run["shrink"]["jobs"] == [job_id for job_id, job in sim.state.jobs.items()
                                     if job["job_type"] == "DELETE_SERVER"]


def every_resend_fails(sim):
    ids = sorted(sim.state.server_ids())[:2]
    sim.faults.script("error500", method="PATCH", path="batch-maint", count=10)
    return [module_task(NS + "app_server_maintenance", "maint", server_ids=ids, maintenance=True, max_retries=2)]


scenario("every_resend_fails", every_resend_fails)


def test_a_server_error_on_every_resend_fails_after_max_retries_naming_it(shared):
    run = shared["every_resend_fails"]
    sim = run.sim
    ids = sorted(sim.state.server_ids())[:2]
    assert run.rc != 0
    assert len(sim.log.requests(operation="batch_change_server_maintain_mode")) == 3  # the call and 2 resends
    assert "2 of 2 server(s) failed" in run["maint"]["msg"] and "500" in run["maint"]["msg"]
    assert not any(sim.state.get_server(sid)["maintain_status"] for sid in ids)


def group_delete(sim, fault):
    empty = sim.state.add_group("empty")
    sim.faults.script(fault, method="DELETE", path="app-server-groups/")
    return [module_task(NS + "app_server_group", "gone", {"name": "empty", "state": "absent"})], dict(empty=empty)


GROUP_DELETE_CASES = [("error503", 2), ("applied_error500", 1)]
for _fault, _sent in GROUP_DELETE_CASES:
    scenario("group_delete_" + _fault, group_delete, fault=_fault)


@pytest.mark.parametrize("fault, sent", GROUP_DELETE_CASES)
def test_a_group_delete_after_a_server_error_is_settled_by_reading_the_group(shared, fault, sent):
    run = shared["group_delete_" + fault]
    sim = run.sim
    empty = run.context["empty"]
    assert run.rc == 0, run.output
    assert run["gone"]["changed"] is True and sim.state.get_group(empty["id"]) is None
    assert len(sim.log.requests(operation="delete_server_groups")) == sent


def fleet_create(sim, fault):
    sim.faults.script(fault, method="POST", path="actions/create$")
    return [module_task(NS + "app_server_fleet", "grow", server_group_name="sim-group-1", count=9, **FAST),
            module_task(NS + "app_server_fleet", "again", server_group_name="sim-group-1", count=9, **FAST)]


FLEET_CREATE_CASES = [("error503", 2), ("applied_error500", 1), ("lost_response", 1)]
for _fault, _sent in FLEET_CREATE_CASES:
    scenario("fleet_create_" + _fault, fleet_create, fault=_fault)


@pytest.mark.parametrize("fault, sent", FLEET_CREATE_CASES)
def test_a_fleet_create_after_a_server_error_creates_the_servers_once(shared, fault, sent):
    run = shared["fleet_create_" + fault]
    sim = run.sim
    assert run.rc == 0, run.output
    grow = run["grow"]
    assert grow["count"] == 9 and len(grow["created"]) == 3 and grow["summary"]["succeeded"] == 3
    assert len(sim.log.requests(operation="create_app_servers")) == sent
    assert len(accepted(sim, "create_app_servers")) == 1
    assert len(sim.state.server_ids()) == 9 and run["again"]["changed"] is False


GROUP = dict(image_id="35998d9a-14f2-48fc-832b-6fc0074dc8f8", image_type="private",
             product_id="workspace.appstream.general.xlarge.4", vpc_id="vpc-new", subnet_id="subnet-new",
             system_disk_type="SAS", system_disk_size=80)


def group_create(sim, fault):
    sim.faults.script(fault, method="POST", path=r"app-server-groups$", count=1)
    options = dict(GROUP, name="after-a-fault")  # as a dict: "name" is the module's option, not the task's
    return [module_task(NS + "app_server_group", "create", options),
            module_task(NS + "app_server_group", "again", options)]


GROUP_CREATE_CASES = [("applied_error500", 1), ("error503", 2)]
for _fault, _sent in GROUP_CREATE_CASES:
    scenario("group_create_" + _fault, group_create, fault=_fault)


@pytest.mark.parametrize("fault, sent", GROUP_CREATE_CASES)
def test_a_group_create_answered_with_a_server_error_is_read_back_and_made_once(shared, fault, sent):
    run = shared["group_create_" + fault]
    sim = run.sim
    assert run.rc == 0, run.output
    made = [group for group in sim.state.groups.values() if group["name"] == "after-a-fault"]
    assert len(made) == 1  # one group, whether the failed create was applied (ours) or not (sent again)
    assert run["create"]["changed"] is True and run["create"]["server_group"]["id"] == made[0]["id"]
    assert run["again"]["changed"] is False
    assert len(sim.log.requests(operation="create_server_group")) == sent
    assert len(accepted(sim, "create_server_group")) == 1
    if fault == "applied_error500":
        assert any("HTTP 500" in w and "taken as the one this task created" in w for w in run["create"]["warnings"])
