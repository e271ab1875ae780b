"""app_server_reinstall and app_server_rejoin_domain through ansible-playbook against the stateful simulator, in ONE
shared run: a reinstall planned in check mode with --diff (the disk is rebuilt, the session that ends is named), run,
and run again (changes nothing: the re-run rule); a rejoin whose servers show REGISTERED while its job runs, waited
for by the job, one server failing, and a second run that sends only that server."""

from tests.harness import Scenario, ScenarioSet, module_task

REINSTALL = "huaweicloud.workspace_app.app_server_reinstall"
REJOIN = "huaweicloud.workspace_app.app_server_rejoin_domain"
FAST = {"poll_interval": 0.2, "wait_timeout": 120}

scenario = ScenarioSet("repair")


def named(sim, server_id):
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


@scenario
def reinstall(make_simulator):
    sim = make_simulator(servers=5, groups=1, job_duration=0.6, dialect=dict(transitions=0.2))
    ids = sorted(sim.state.server_ids())
    sim.state.log_on(ids[0], user_name="alice")
    targets = ids[:3]
    tasks = [
        dict(module_task(REINSTALL, "plan", FAST, server_ids=targets), check_mode=True, diff=True),
        dict(module_task(REINSTALL, "first", FAST, server_ids=targets, update_access_agent=True), diff=True),
        module_task(REINSTALL, "again", FAST, server_ids=targets),
    ]
    statuses = []
    sim.before("list_servers", lambda simulator, body: statuses.append(
        simulator.state.get_server(targets[0])["status"]), once=False)
    return Scenario("reinstall", sim, tasks, ids=ids, targets=targets, statuses=statuses)


@scenario
def rejoin(make_simulator):
    sim = make_simulator(servers=4, groups=1, job_duration=0.8)
    ids = sorted(sim.state.server_ids())
    sim.state.fail_next_job([ids[1]], error_code="WKS.00211999", error_msg="The domain cannot be reached.")
    seen = []  # (server status, job status) of the first target at each read while the module waits

    def look(simulator, body):
        record = simulator.state.get_server(ids[0])
        seen.append((record["status"], record["job_status"], record["task_status"]))

    for operation in ("list_servers", "show_job_detail"):
        sim.before(operation, look, once=False)
    tasks = [
        dict(module_task(REJOIN, "join", FAST, server_ids=ids[:3]), ignore_errors=True),
        module_task(REJOIN, "again", FAST, server_ids=ids[:3]),
    ]
    return Scenario("rejoin", sim, tasks, ids=ids, seen=seen)


shared = scenario.fixture()


def test_reinstall_says_the_disk_is_rebuilt_runs_once_and_a_rerun_changes_nothing(shared):
    run = shared["reinstall"]
    sim, ids, targets, statuses = run.of("ids", "targets", "statuses")
    assert run.rc == 0, run.output
    plan, first, again = run["plan"], run["first"], run["again"]
    on = named(sim, ids[0])
    assert plan["changed"] is True and plan["summary"]["pending"] == 3
    assert "server %s: system disk rebuilt" % on in plan["interrupts"]
    assert "session alice (Active) on %s" % on in plan["interrupts"]
    assert plan["diff"]["after"][on] == {"last_reinstall": "SUCCESS", "system_disk": "rebuilt"}
    assert "system disk is rebuilt" in plan["msg"]
    calls = sim.log.requests(operation="batch_reinstall_server")
    assert [(call.body["server_ids"], call.body["update_access_agent"]) for call in calls] == [(targets, True)]
    assert first["changed"] is True and first["summary"]["succeeded"] == 3 and len(first["jobs"]) == 3
    assert "this run interrupts" in first["diff"]["prepared"]
    assert all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in targets)
    assert "UNREGISTER" in statuses  # the reinstalled server left REGISTERED while it was rebuilt
    assert again["changed"] is False and again["summary"]["unchanged"] == 3
    assert len(sim.log.mutations()) == 1  # the re-run sent nothing
    assert "alice" in run.stdout  # the warning named the session that ends


def test_rejoin_waits_for_the_job_while_servers_show_registered_and_a_rerun_sends_only_the_failed_one(shared):
    run = shared["rejoin"]
    sim, ids, seen = run.of("ids", "seen")
    assert run.rc == 0, run.output
    join, again = run["join"], run["again"]
    assert ("REGISTERED", "RUNNING", "rejoining_domain") in seen  # what the list showed while the join ran
    by_id = dict((entry["id"], entry) for entry in join["servers"])
    assert [by_id[sid]["status"] for sid in ids[:3]] == ["succeeded", "failed", "succeeded"]
    assert by_id[ids[1]]["error_code"] == "WKS.00211999" and join["failed"] is True
    (job_id,) = join["jobs"]
    assert sim.state.get_job(job_id)["status"] == "FAILED"  # the module's result came from the ended job
    calls = sim.log.requests(operation="batch_rejoin_domain")
    assert [call.body["items"] for call in calls] == [ids[:3], [ids[1]]]
    assert again["changed"] is True and again["summary"] == {
        "total": 3, "unchanged": 2, "skipped": 0, "succeeded": 1, "failed": 0, "pending": 0}
    assert all(sim.state.get_server(sid)["status"] == "REGISTERED" for sid in ids)
