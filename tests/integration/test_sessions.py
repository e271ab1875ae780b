"""app_session_info and app_session_logoff through ansible-playbook against the simulator's sessions."""

import pytest

from tests.harness import Scenario, ScenarioSet, module_task

INFO = "huaweicloud.workspace_app.app_session_info"
LOGOFF = "huaweicloud.workspace_app.app_session_logoff"
FAST = dict(poll_interval=0.3)


def new_sim(make_simulator):
    sim = make_simulator(servers=8, groups=2, seed=5)
    for index, server_id in enumerate(sorted(sim.state.servers)):
        sim.state.patch_server(server_id, session_count=index % 3 + (1 if index < 4 else 0))
    sim.log.clear()
    return sim


@pytest.fixture
def sim(make_simulator):
    return new_sim(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
scenario = ScenarioSet("sessions")


shared = scenario.fixture()


@pytest.fixture
def runner(runner_for, sim):
    return runner_for(sim)


def group_named(sim, name):
    return next(group for group in sim.state.groups.values() if group["name"] == name)


def open_sessions(sim, server_ids=None):
    ids = sorted(sim.state.servers) if server_ids is None else server_ids
    return [session for server_id in ids for session in sim.state.sessions_of(server_id)]


def servers_of(sim, group):
    return sorted(sid for sid, record in sim.state.servers.items() if record["server_group_id"] == group["id"])


# ------------------------------------------------------------------------------------------- app_session_info

@scenario
def session_info(make_simulator):
    sim = new_sim(make_simulator)
    group = group_named(sim, "sim-group-1")
    ids = servers_of(sim, group)
    some = open_sessions(sim)[0]
    return Scenario("session_info", sim, [
        module_task(INFO, "everything"),
        module_task(INFO, "open", session_state=["Active", "Disconnected", "AppcInit"]),
        module_task(INFO, "group", server_group_name="sim-group-1"),
        module_task(INFO, "two", server_ids=ids[:2], session_state=["Active"]),
        module_task(INFO, "user", user_name=some["login_user"]),
    ], some=some)


def test_session_info_tells_each_session_its_server_and_counts(shared):
    run = shared["session_info"]
    sim, some = run.sim, run.context["some"]
    ids = servers_of(sim, group_named(sim, "sim-group-1"))
    assert run.rc == 0, run.output
    everything = run["everything"]
    assert everything["changed"] is False
    assert everything["count"] == len(sim.state.sessions_of(include_ended=True))  # ended ones too
    assert everything["by_state"].get("SignedOut")
    for session in everything["sessions"]:
        server = sim.state.servers[session["server_id"]]
        assert sim.state.server_of_session(session["id"]) == server["id"]
        assert session["server_name"] == server["name"] and session["machine_name"] == server["machine_name"]
    opened = run["open"]
    assert opened["count"] == len(sim.state.sessions_of())
    assert opened["by_server"] == dict((sid, len(sim.state.sessions_of(sid))) for sid in sim.state.servers)
    for sid, record in sim.state.servers.items():
        assert record["session_count"] == opened["by_server"][sid]

    group_run = run["group"]
    assert {s["server_id"] for s in group_run["sessions"]} <= set(ids)
    assert group_run["count"] == len(open_sessions(sim, ids))
    assert set(group_run["by_server"]) == set(ids)

    two = run["two"]
    assert all(s["session_state"] == "Active" for s in two["sessions"])
    assert two["count"] == len([s for s in open_sessions(sim, ids[:2]) if s["session_state"] == "Active"])
    assert two["by_state"] == ({"Active": two["count"]} if two["count"] else {})
    assert {s["login_user"] for s in run["user"]["sessions"]} == {some["login_user"]}
    assert sim.log.mutations() == []


@scenario
def drain_wait(make_simulator):
    sim = make_simulator(servers=4, groups=1, seed=5, session_drain=0.4)
    ids = sorted(sim.state.servers)
    for server_id in ids:
        sim.state.patch_server(server_id, session_count=2)
    sim.state.set_maintenance(ids[:2], True)
    return Scenario("drain_wait", sim, [
        module_task(INFO, "drained", server_ids=ids[:2], wait=True, wait_timeout=60, **FAST),
        module_task(INFO, "busy", server_ids=ids[2:], wait=True, wait_timeout=1, **FAST),
    ])


def test_session_info_waits_until_servers_in_maintenance_have_drained(shared):
    run = shared["drain_wait"]
    ids = sorted(run.sim.state.servers)
    assert run.rc == 0, run.output
    assert run["drained"]["drained"] is True and run["drained"]["count"] == 0
    assert run["drained"]["progress"]
    busy = run["busy"]
    assert busy["drained"] is False  # a wait that timed out reports it, it does not fail
    assert busy["count"] == 4 and busy["by_server"] == {ids[2]: 2, ids[3]: 2}


# ----------------------------------------------------------------------------------------- app_session_logoff

def test_logoff_plans_in_check_mode_then_logs_off_with_a_message_then_changes_nothing(sim, runner):
    group = group_named(sim, "sim-group-2")
    ids = servers_of(sim, group)
    targets = open_sessions(sim, ids)
    assert targets
    options = dict(server_group_name="sim-group-2", title="Maintenance", message_text="Please save your work",
                   message_type="serious", **FAST)
    plan = runner.run([module_task(LOGOFF, "plan", **options)], check=True, diff=True)
    assert plan.rc == 0, plan.output
    result = plan["plan"]
    assert result["changed"] is True and sim.log.mutations() == []
    assert sorted(row["id"] for row in result["sessions"]) == sorted(s["id"] for s in targets)
    assert all(row["status"] == "pending" for row in result["sessions"])
    first = targets[0]
    server = sim.state.servers[sim.state.server_of_session(first["id"])]
    label = "%s (%s)" % (server["name"], server["id"])
    assert any(first["login_user"] in line for line in result["diff"]["before"][label]["sessions"])
    assert result["diff"]["after"][label] == {"sessions": []}
    assert "would log off %d session(s)" % len(targets) in result["msg"]

    run = runner.run([module_task(LOGOFF, "logoff", **options)])
    assert run.rc == 0, run.output
    logoff = run["logoff"]
    assert logoff["changed"] is True
    assert open_sessions(sim, ids) == []
    assert logoff["session_summary"] == {"total": len(targets), "logged_off": len(targets), "pending": 0, "failed": 0}
    notices = sim.state.notifications
    assert sorted(n["session_id"] for n in notices) == sorted(s["id"] for s in targets)
    assert {(n["message"], n["title"], n["message_type"], n["delay_time"]) for n in notices} == {
        ("Please save your work", "Maintenance", 2, 0)}
    (call,) = sim.log.requests(operation="logoff_user_session")
    assert call.body["message"] == "Please save your work"
    assert open_sessions(sim, sorted(set(sim.state.servers) - set(ids)))  # the other group kept its users
    for server_id in ids:
        assert sim.state.servers[server_id]["session_count"] == 0

    sim.log.clear()
    again = runner.run([module_task(LOGOFF, "again", **options)])
    assert again.rc == 0, again.output
    assert again["again"]["changed"] is False and sim.log.mutations() == []
    assert again["again"]["sessions"] == []


@scenario
def some_users(make_simulator):
    sim = new_sim(make_simulator)
    sessions = open_sessions(sim)
    user = sessions[0]["login_user"]
    sim.state.set_session_state(sessions[1]["id"], "Disconnected")
    return Scenario("some_users", sim, [
        module_task(LOGOFF, "users", server_ids=sorted(sim.state.servers), user_names=[user], **FAST),
        module_task(LOGOFF, "disconnected", server_ids=sorted(sim.state.servers), session_states=["Disconnected"],
                    **FAST),
    ], user=user)


def test_logoff_only_some_users_and_states(shared):
    run = shared["some_users"]
    sim, user = run.sim, run.context["user"]
    assert run.rc == 0, run.output
    assert {row["login_user"] for row in run["users"]["sessions"]} == {user}
    assert all(row["session_state"] == "Disconnected" for row in run["disconnected"]["sessions"])
    left = open_sessions(sim)
    assert user not in {s["login_user"] for s in left}
    assert all(s["session_state"] != "Disconnected" for s in left) and left


@scenario
def grace(make_simulator):
    """Three tasks on three different pairs of servers (runs of their own before; the late one's failure is
    ignored so that the third follows, and asserted)."""
    sim = new_sim(make_simulator)
    ids = sorted(sim.state.servers)
    late, queued = open_sessions(sim, ids[2:4]), open_sessions(sim, ids[4:6])
    return Scenario("grace", sim, [
        module_task(LOGOFF, "grace", server_ids=ids[:2], delay_time=1, message_text="bye", **FAST),
        dict(module_task(LOGOFF, "late", server_ids=ids[2:4], delay_time=600, message_text="later", wait_timeout=1,
                         **FAST), ignore_errors=True),
        module_task(LOGOFF, "queued", server_ids=ids[4:6], delay_time=600, message_text="later", wait=False),
    ], late=late, queued=queued)


def test_logoff_waits_out_the_grace_period_and_fails_sessions_still_on_at_the_deadline(shared):
    run = shared["grace"]
    sim, late, queued = run.sim, run.context["late"], run.context["queued"]
    ids = sorted(sim.state.servers)
    assert not run["grace"].get("failed"), run.output
    assert run["grace"]["session_summary"]["logged_off"] == len(run["grace"]["sessions"]) > 0
    assert open_sessions(sim, ids[:2]) == []

    result = run["late"]
    assert result["failed"] is True
    assert "after 1s still signed in: " in result["msg"] and late[0]["login_user"] in result["msg"]
    assert result["session_summary"]["failed"] == len(late)
    assert {s["status"] for s in result["servers"] if s["action"] == "submitted"} == {"failed"}

    assert run.rc == 0 and not run["queued"].get("failed"), run.output
    assert run["queued"]["changed"] is True
    assert run["queued"]["session_summary"]["pending"] == len(queued)


@scenario
def many_sessions(make_simulator):
    sim = make_simulator(servers=3, groups=1, seed=5)
    for server_id in sim.state.servers:
        sim.state.patch_server(server_id, session_count=400)
    return Scenario("many_sessions", sim, [module_task(LOGOFF, "many", server_group_name="sim-group-1", **FAST)])


def test_a_call_never_carries_more_than_999_sessions(shared):
    run = shared["many_sessions"]
    sim = run.sim
    assert run.rc == 0, run.output
    calls = sim.log.requests(operation="logoff_user_session")
    assert [len(call.body["session_ids"]) for call in calls] == [800, 400]
    assert run["many"]["session_summary"]["logged_off"] == 1200
    assert open_sessions(sim) == []


BAD_INPUT = [
    (dict(message_type="fatal"), "message_type must be one of: info, warning, serious"),
    (dict(delay_time=-1), "delay_time: -1 is out of range; allowed values are 0..999999"),
    (dict(delay_time=1000000), "delay_time: 1000000 is out of range; allowed values are 0..999999"),
    (dict(message_text="x" * 256), "message_text: is 256 characters long; the most allowed is 255"),
    (dict(message_text="  "), "message_text: must not be empty"),
    (dict(session_states=["SignedOut"]), "session_states must be one or more of: Active, Disconnected, AppcInit"),
    (dict(server_group_name="no-such-group"), "server_group_name: no server group is named 'no-such-group'"),
    (dict(server_ids=["no-such-server"]), "server_ids: unknown server id(s): no-such-server"),
]


@scenario
def bad_input(make_simulator):
    """Every bad input of the table as a task of its own (ignore_errors), against one simulator."""
    sim = new_sim(make_simulator)
    tasks = []
    for index, (options, _message) in enumerate(BAD_INPUT):
        task_options = dict(server_group_name="sim-group-1")
        task_options.update(options)
        if "server_ids" in options:
            task_options.pop("server_group_name")
        tasks.append(dict(module_task(LOGOFF, "bad%d" % index, **task_options), ignore_errors=True))
    return Scenario("bad_input", sim, tasks)


@pytest.mark.parametrize("index, message", [(index, message) for index, (_options, message) in enumerate(BAD_INPUT)])
def test_bad_input_fails_before_any_logoff(shared, index, message):
    run = shared["bad_input"]
    bad = run["bad%d" % index]
    assert bad["failed"] is True
    assert message in bad["msg"], bad["msg"]
    assert run.sim.log.mutations() == []
    assert run.sim.state.notifications == []


def test_token_never_appears_even_at_vvv(sim, runner):
    token = sim.credentials["auth_token"]
    run = runner.run([module_task(LOGOFF, "logoff", server_ids=sorted(sim.state.servers)[:1], message_text="bye", **FAST),
                      module_task(INFO, "info")], auth="token", verbosity=3)
    assert run.rc == 0, run.output
    assert token not in run.output
    assert run["info"]["count"] == len(sim.state.sessions_of(include_ended=True))


@scenario
def one_server_per_call(make_simulator):
    sim = new_sim(make_simulator)
    group = group_named(sim, "sim-group-1")
    ids = servers_of(sim, group)
    with_sessions = [sid for sid in ids if sim.state.sessions_of(sid)]
    return Scenario("one_server_per_call", sim, [
        module_task(INFO, "before", server_group_id=group["id"]),
        module_task(LOGOFF, "logoff", server_group_id=group["id"], batch_size=1, **FAST),
    ], ids=ids, with_sessions=with_sessions)


def test_group_by_id_and_one_server_per_call(shared):
    run = shared["one_server_per_call"]
    sim, ids, with_sessions = run.sim, run.context["ids"], run.context["with_sessions"]
    assert run.rc == 0, run.output
    assert set(run["before"]["by_server"]) == set(ids)
    calls = sim.log.requests(operation="logoff_user_session")
    assert len(calls) == len(with_sessions) > 1  # one server's sessions per call
    assert open_sessions(sim, ids) == []
