"""app_server_hda_upgrade through ansible-playbook against the simulator."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from tests.harness import Scenario, ScenarioSet, finish_jobs_when_polled, module_task

MODULE = "huaweicloud.workspace_app.app_server_hda_upgrade"
OLD = "2.0.10.1"
FAST = {"poll_interval": 0.2, "wait_timeout": 120}


def upgrade_task(register="up", **options):
    return module_task(MODULE, register, FAST, name="upgrade", **options)


def upgrade_calls(sim):
    return sim.log.requests(operation="batch_upgrade_hda_version")


def named(sim, server_id):
    """How --diff and messages name a server: name (id)."""
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


def make_outdated(sim, server_ids):
    for server_id in server_ids:
        sim.state.set_hda_version(server_id, OLD)


def new_fleet(make_simulator):
    """60 servers in one group, 45 of them behind."""
    sim = make_simulator(servers=60, groups=1, job_duration=0.3)
    group_id = next(iter(sim.state.groups))
    ids = sorted(sim.state.server_ids())
    make_outdated(sim, ids[:45])
    return sim, group_id, ids


@pytest.fixture
def fleet(make_simulator):
    return new_fleet(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
scenario = ScenarioSet("hda-upgrade", uses=("module_simulator", "api_client_for"))


def fleet_scenario(name, make_simulator, tasks=None, **options):
    sim, group_id, ids = new_fleet(make_simulator)
    return Scenario(name, sim, tasks or [], group_id=group_id, ids=ids, **options)


shared = scenario.fixture()


def fleet_of(run):
    return run.of("group_id", "ids")


def test_upgrades_exactly_the_outdated_servers_then_is_idempotent(fleet, runner_for):
    sim, group_id, ids = fleet
    runner = runner_for(sim)
    run = runner.run([upgrade_task(server_group_id=group_id)], diff=True)
    assert run.rc == 0, run.output
    result = run["up"]
    assert result["changed"] is True
    assert result["summary"] == {"total": 60, "unchanged": 15, "skipped": 0, "succeeded": 45, "failed": 0, "pending": 0}
    calls = upgrade_calls(sim)
    assert len(calls) <= 3 and all(call.items <= 20 for call in calls)
    assert sorted(sid for call in calls for sid in call.body["items"]) == ids[:45]
    assert len(result["jobs"]) == len(calls)
    latest = sim.state.latest_hda_for(ids[0])
    assert all(sim.state.hda_version(sid) == latest for sid in ids)
    by_id = {s["id"]: s for s in result["servers"]}
    assert by_id[ids[0]]["before"] == {"hda_version": OLD} and by_id[ids[0]]["after"] == {"hda_version": latest}
    assert by_id[ids[0]]["action"] == "submitted" and by_id[ids[59]]["action"] == "none"
    assert set(result["diff"]["before"]) == set(named(sim, sid) for sid in ids[:45])
    assert result["diff"]["after"][named(sim, ids[0])] == {"hda_version": latest}

    sim.log.clear()
    again = runner.run([upgrade_task(server_group_id=group_id)])
    assert again.rc == 0, again.output
    assert again["up"]["changed"] is False
    assert again["up"]["summary"]["unchanged"] == 60
    assert not sim.log.mutations()


def test_failed_server_fails_the_task_and_rerun_submits_only_it(fleet, runner_for):
    sim, group_id, ids = fleet
    runner = runner_for(sim)
    bad = ids[7]
    sim.state.fail_next_job([bad], error_code="WKS.00211401", error_msg="agent download failed")
    run = runner.run([upgrade_task(server_group_id=group_id)])
    assert run.rc != 0
    result = run["up"]
    assert result["failed"] is True
    assert result["msg"] == "1 of 60 server(s) failed (%s: WKS.00211401 agent download failed)" % named(sim, bad)
    assert result["summary"]["failed"] == 1 and result["summary"]["succeeded"] == 44
    failed = [s for s in result["servers"] if s["status"] == "failed"]
    assert [s["id"] for s in failed] == [bad] and failed[0]["error_code"] == "WKS.00211401"

    sim.log.clear()
    rerun = runner.run([upgrade_task(server_group_id=group_id)])
    assert rerun.rc == 0, rerun.output
    assert [call.body["items"] for call in upgrade_calls(sim)] == [[bad]]
    assert rerun["up"]["summary"]["succeeded"] == 1


@scenario
def running_upgrade(make_simulator, api_client_for):
    run = fleet_scenario("running_upgrade", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.state.job_duration = 600
    run.context["running_job"] = api.batch_upgrade_hda_version(api_client_for(sim), ids[:5])
    sim.log.clear()
    finish_jobs_when_polled(sim, mutations=2)  # the 40 others go in 2 batches, then the module polls
    run.tasks = [upgrade_task(server_group_id=group_id)]
    return run


def test_running_upgrade_is_waited_for_not_resubmitted(shared):
    run = shared["running_upgrade"]
    sim, group_id, ids = fleet_of(run)
    running_job = run.context["running_job"]
    assert run.rc == 0, run.output
    submitted = [sid for call in upgrade_calls(sim) for sid in call.body["items"]]
    assert sorted(submitted) == ids[5:45]
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    for sid in ids[:5]:
        assert by_id[sid]["action"] == "waited" and by_id[sid]["job_id"] == running_job
        assert by_id[sid]["status"] == "succeeded"
    assert running_job not in run["up"]["jobs"]


@scenario
def ends_between_reads(make_simulator, api_client_for):
    run = fleet_scenario("ends_between_reads", make_simulator)
    sim, group_id, ids = fleet_of(run)
    make_outdated(sim, ids)
    sim.state.job_duration = 600
    api.batch_upgrade_hda_version(api_client_for(sim), ids[:20])  # running while the agent list is read
    sim.state.job_duration = 0.3
    sim.log.clear()
    # the job ends right before the server list is read (the answer shows it finished)
    sim.before("list_servers", lambda simulator, body: simulator.state.fast_forward(601), once=True)
    run.tasks = [upgrade_task(server_group_id=group_id)]
    return run


def test_an_upgrade_that_ends_between_the_planning_reads_is_not_sent_again(shared):
    """The versions come from the access agent list, the job fields from the server list read after it: an upgrade
    ending in between shows the old version and no job running. Its servers are read again, not sent twice."""
    run = shared["ends_between_reads"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    submitted = [sid for call in upgrade_calls(sim) for sid in call.body["items"]]
    assert sorted(submitted) == ids[20:]
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    assert [by_id[sid]["status"] for sid in ids[:20]] == ["unchanged"] * 20
    agent_reads = sim.log.requests(operation="list_server_hda_details")
    assert len(agent_reads) >= 2  # the planning read, then the one for the servers whose upgrade had ended


def test_wait_false_then_second_run_waits_for_the_same_jobs(fleet, runner_for):
    sim, group_id, ids = fleet
    sim.state.job_duration = 600
    runner = runner_for(sim)
    first = runner.run([upgrade_task(server_group_id=group_id, wait=False)])
    assert first.rc == 0, first.output
    jobs = first["up"]["jobs"]
    assert jobs and first["up"]["summary"]["pending"] == 45
    assert not sim.log.requests(operation="show_job_detail")  # wait: false never polls
    sim.log.clear()
    finish_jobs_when_polled(sim, planning_reads=1)  # planning lists the group once for the job fields
    second = runner.run([upgrade_task(server_group_id=group_id)])
    assert second.rc == 0, second.output
    assert not sim.log.mutations()
    waited = [s for s in second["up"]["servers"] if s["action"] == "waited"]
    assert len(waited) == 45 and {s["job_id"] for s in waited} == set(jobs)
    assert all(s["status"] == "succeeded" for s in waited)
    assert second["up"]["changed"] is False


@scenario
def faulty_reads(make_simulator, api_client_for):
    run = fleet_scenario("faulty_reads", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.configure(retry_after=0)  # the point is converging, not waiting out a Retry-After
    sim.faults.script("throttle", method="GET", count=3)
    sim.faults.script("error500", method="GET", path="access-agent/list", count=1)
    sim.faults.script("error503", method="GET", path="/job/", count=2)
    run.tasks = [upgrade_task(server_group_id=group_id, max_retries=6)]
    return run


def test_throttling_and_5xx_on_reads_converge_without_duplicate_submission(shared):
    run = shared["faulty_reads"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    submitted = [sid for call in upgrade_calls(sim) for sid in call.body["items"]]
    assert sorted(submitted) == ids[:45]  # each exactly once
    assert [r.fault for r in sim.log if r.fault].count("throttle") == 3
    assert all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in ids)


@scenario
def lost_response(make_simulator, api_client_for):
    run = fleet_scenario("lost_response", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.script("lost_response", method="PATCH", path="access-agent/actions/upgrade", count=1)
    run.tasks = [upgrade_task(server_group_id=group_id)]
    return run


def test_lost_response_after_submission_is_not_resubmitted(shared):
    run = shared["lost_response"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    submitted = [sid for call in upgrade_calls(sim) for sid in call.body["items"]]
    assert sorted(submitted) == ids[:45]
    assert run["up"]["summary"]["succeeded"] == 45


@scenario
def check_mode(make_simulator, api_client_for):
    run = fleet_scenario("check_mode", make_simulator, check=True, diff=True)
    run.tasks = [upgrade_task(server_group_id=run.context["group_id"])]
    return run


def test_check_mode_plans_without_writing(shared):
    run = shared["check_mode"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["up"]
    assert result["changed"] is True
    assert result["summary"]["pending"] == 45 and result["summary"]["unchanged"] == 15
    assert result["jobs"] == []
    assert not sim.log.mutations()
    assert sim.state.hda_version(ids[0]) == OLD
    assert result["diff"]["after"][named(sim, ids[0])] == {"hda_version": sim.state.latest_hda_for(ids[0])}
    assert len(result["diff"]["before"]) == 45 and named(sim, ids[59]) not in result["diff"]["before"]
    assert "progress" not in result  # check mode submits and waits for nothing


@scenario
def version_guard(make_simulator, api_client_for):
    run = fleet_scenario("version_guard", make_simulator)
    sim, group_id, ids = fleet_of(run)
    run.tasks = [dict(upgrade_task(server_group_id=group_id, version="1.0.0.0"), ignore_errors=True),
                 upgrade_task("pinned", server_ids=ids[:3], version=OLD)]
    return run


def test_explicit_version_guard(shared):
    run = shared["version_guard"]
    sim, group_id, ids = fleet_of(run)
    latest = sim.state.latest_hda_for(ids[0])
    assert run["up"]["failed"] is True  # the guard fails its task (ignore_errors: the pinned task runs next)
    assert "version: 1.0.0.0 is not the latest" in run["up"]["msg"] and latest in run["up"]["msg"]
    assert run.rc == 0, run.output
    assert run["pinned"]["changed"] is False and not run["pinned"].get("failed")
    assert not sim.log.mutations()


@scenario
def offline(make_simulator, api_client_for):
    run = fleet_scenario("offline", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.state.patch_server(ids[0], status="UNREGISTER")
    run.tasks = [upgrade_task(server_ids=ids[:3])]
    return run


def test_offline_servers_are_skipped_with_a_warning(shared):
    run = shared["offline"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    assert by_id[ids[0]]["status"] == "skipped" and "UNREGISTER" in by_id[ids[0]]["error_msg"]
    assert by_id[ids[1]]["status"] == "succeeded"
    assert any(("1 server(s) skipped: %s: status is UNREGISTER" % named(sim, ids[0])) in w
               for w in run["up"].get("warnings", [])), run["up"].get("warnings")
    assert [call.body["items"] for call in upgrade_calls(sim)] == [ids[1:3]]


@scenario
def bad_input(make_simulator, api_client_for):
    run = fleet_scenario("bad_input", make_simulator)
    sim, group_id, ids = fleet_of(run)
    run.tasks = [
        {MODULE: {"server_group_id": group_id, "batch_size": 21}, "register": "big", "ignore_errors": True},
        {MODULE: {"server_group_id": group_id, "batch_size": 0}, "register": "zero", "ignore_errors": True},
        {MODULE: {"server_ids": ids[:2] + ["no-such-server"]}, "register": "unknown", "ignore_errors": True},
        {MODULE: {"server_group_id": "no-such-group"}, "register": "group", "ignore_errors": True},
        {MODULE: {"server_group_id": group_id, "server_ids": ids[:1]}, "register": "both", "ignore_errors": True},
        {MODULE: {"server_group_id": group_id, "wait_timeout": -1}, "register": "timeout", "ignore_errors": True},
    ]
    return run


def test_bad_input_fails_before_any_mutation(shared):
    run = shared["bad_input"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert "batch_size" in run["big"]["msg"] and "1..20" in run["big"]["msg"]
    assert "batch_size" in run["zero"]["msg"]
    assert "no-such-server" in run["unknown"]["msg"] and "server_ids" in run["unknown"]["msg"]
    assert "server_group_id" in run["group"]["msg"] and "no-such-group" in run["group"]["msg"]
    assert "mutually exclusive" in run["both"]["msg"]
    assert "wait_timeout" in run["timeout"]["msg"]
    assert all(run[name]["failed"] for name in ("big", "zero", "unknown", "group", "both", "timeout"))
    assert not sim.log.mutations()


@scenario
def per_type(make_simulator, api_client_for):
    sim = make_simulator(servers=0, groups=0, job_duration=0.2)
    sbc = sim.state.add_group("sbc-group", is_vdi=False)
    vdi = sim.state.add_group("vdi-group", is_vdi=True)
    plain = sim.state.add_server(sbc["id"], hda_version=OLD)
    cpu = sim.state.add_server(vdi["id"], hda_version=OLD, is_gpu=False)
    gpu = sim.state.add_server(vdi["id"], hda_version="3.0.0.1", is_gpu=True)
    sim.state.set_latest_hda("2.5.0.0", hda_type="SBC")
    sim.state.set_latest_hda("2.6.0.0", hda_type="OA_APP")
    sim.state.set_latest_hda("3.0.0.1", hda_type="PT_APP")
    return Scenario("per_type", sim, [upgrade_task(server_ids=[plain["id"], cpu["id"], gpu["id"]])],
                    plain=plain, cpu=cpu, gpu=gpu)


def test_per_type_latest_versions(shared):
    run = shared["per_type"]
    plain, cpu, gpu = (run.context[name] for name in ("plain", "cpu", "gpu"))
    assert run.rc == 0, run.output
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    assert by_id[plain["id"]]["after"] == {"hda_version": "2.5.0.0"}
    assert by_id[cpu["id"]]["after"] == {"hda_version": "2.6.0.0"}
    assert by_id[gpu["id"]]["status"] == "unchanged"
    assert run["up"]["latest_versions"] == {"SBC": "2.5.0.0", "OA_APP": "2.6.0.0", "PT_APP": "3.0.0.1"}


def test_request_counts_for_1000_servers(make_simulator, runner_for, record_property):
    """No-op on 1,000 servers costs at most 15 requests; the numbers go into the test report."""
    sim = make_simulator(servers=1000, groups=1, job_duration=1.0)
    group_id = next(iter(sim.state.groups))
    make_outdated(sim, sorted(sim.state.server_ids()))
    runner = runner_for(sim)
    upgrade = runner.run([upgrade_task(server_group_id=group_id, poll_interval=1.0)])
    assert upgrade.rc == 0, upgrade.output
    assert upgrade["up"]["summary"]["succeeded"] == 1000
    upgrade_requests, upgrade_mutations, upgrade_ops = len(sim.log), len(sim.log.mutations()), sim.log.summary()
    assert upgrade_mutations == 50
    # 50 batch jobs of one group: each round reads the job submitted last alone, until it has finished; then the
    # access agent list, once (10 pages), shows every server upgraded: that is also the final state
    last_job = upgrade["up"]["jobs"][-1]
    job_reads = sim.log.requests(operation="show_job_detail")
    assert job_reads and all(r.path.endswith("/job/" + last_job) for r in job_reads)
    assert upgrade_ops["list_server_hda_details"] == 10 + 10  # planning, and the one read after the jobs ended
    assert upgrade_ops["list_servers"] == 10  # planning: which servers run a job
    assert upgrade_requests <= 100, upgrade_ops
    sim.log.clear()
    noop = runner.run([upgrade_task(server_group_id=group_id)])
    assert noop.rc == 0, noop.output
    assert noop["up"]["changed"] is False
    assert len(sim.log) <= 15 and not sim.log.mutations()
    record_property("upgrade_requests", upgrade_requests)
    record_property("noop_requests", len(sim.log))
    print("1000 servers: upgrade %d requests (%d mutating) %s; no-op %d requests %s"
          % (upgrade_requests, upgrade_mutations, upgrade_ops, len(sim.log), sim.log.summary()))


@scenario
def conflict_waited(make_simulator, api_client_for):
    run = fleet_scenario("conflict_waited", make_simulator)
    sim, group_id, ids = fleet_of(run)
    taken = ids[:20]  # exactly the first batch
    started = {}

    def other_operator(simulator, body):
        started["job"] = simulator.state.upgrade_hda(taken)

    sim.before("batch_upgrade_hda_version", other_operator)
    run.tasks = [upgrade_task(server_group_id=group_id)]
    run.context.update(taken=taken, started=started)
    return run


def test_conflict_with_an_upgrade_started_meanwhile_is_waited_for(shared):
    """Another operator upgrades the same servers between our plan and our submission: 409, re-read, wait."""
    run = shared["conflict_waited"]
    sim, group_id, ids = fleet_of(run)
    taken, started = run.context["taken"], run.context["started"]
    assert run.rc == 0, run.output
    conflicts = [call for call in upgrade_calls(sim) if call.status == 409]
    assert len(conflicts) == 1 and sorted(conflicts[0].body["items"]) == taken
    assert not [sid for call in upgrade_calls(sim) if call.status == 200 for sid in call.body["items"] if sid in taken]
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    other_job = started["job"]["id"]
    for sid in taken:
        assert by_id[sid]["action"] == "waited" and by_id[sid]["status"] == "succeeded"
        assert by_id[sid]["job_id"] == other_job
    assert run["up"]["summary"]["succeeded"] == 45
    assert other_job not in run["up"]["jobs"] and len(run["up"]["jobs"]) == 2


@scenario
def conflict_resends(make_simulator, api_client_for):
    run = fleet_scenario("conflict_resends", make_simulator)
    sim, group_id, ids = fleet_of(run)
    busy = [ids[3], ids[25]]  # one in batch 1, one in batch 2
    sim.before("batch_upgrade_hda_version", lambda simulator, body: simulator.state.upgrade_hda(busy))
    run.tasks = [upgrade_task(server_group_id=group_id)]
    return run


def test_conflict_resends_the_servers_that_were_not_busy(shared):
    """A 409 rejects the whole batch: servers of it that are not busy are sent again, once."""
    run = shared["conflict_resends"]
    sim, group_id, ids = fleet_of(run)
    busy = [ids[3], ids[25]]  # one in batch 1, one in batch 2
    assert run.rc == 0, run.output
    accepted = sorted(sid for call in upgrade_calls(sim) if call.status == 200 for sid in call.body["items"])
    assert accepted == sorted(set(ids[:45]) - set(busy))
    assert len([call for call in upgrade_calls(sim) if call.status == 409]) == 2  # batches 1 and 2
    by_id = {s["id"]: s for s in run["up"]["servers"]}
    assert all(by_id[sid]["action"] == "waited" for sid in busy)
    assert run["up"]["summary"]["succeeded"] == 45


@scenario
def large_tenant(make_simulator, api_client_for):
    sim = make_simulator(servers=440, groups=11, job_duration=0.5)
    target = sorted(sim.state.server_ids())[7]
    make_outdated(sim, [target])
    return Scenario("large_tenant", sim, [upgrade_task(server_ids=[target], poll_interval=1)], target=target)


def test_one_server_of_a_large_tenant_costs_a_few_reads_by_id_and_name(shared):
    """One host per server: the task reads its server by id and its access agent by name, never the tenant."""
    run = shared["large_tenant"]
    sim, target = run.sim, run.context["target"]
    assert run.rc == 0, run.output
    assert run["up"]["summary"]["succeeded"] == 1
    name = sim.state.get_server(target)["name"]
    reads = [r for r in sim.log.snapshot() if r.operation in ("list_servers", "list_server_hda_details")]
    assert reads and all(r.query.get("server_id") == target or r.query.get("server_name") == name for r in reads)
    assert all(r.query.get("offset") == "0" for r in reads)  # one page each
    ops = sim.log.summary()
    # server by id, agent by name, latest versions, the group (its HDA type), the upgrade, one job poll or state
    # read, the final state: never the 5 pages of the tenant's access agents
    assert len(sim.log) <= 8, ops
    assert ops["batch_upgrade_hda_version"] == 1 and ops["list_servers"] == 1


@scenario
def throttled_wait(make_simulator, api_client_for):
    run = fleet_scenario("throttled_wait", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.configure(retry_after=0)  # the point is going on through the 429s, not waiting out a Retry-After
    sim.faults.script("throttle", method="GET", path="/job/", count=4)  # 3 jobs: the sentinel rounds
    run.tasks = [upgrade_task(server_group_id=group_id, max_retries=0, poll_interval=0.3)]
    return run


def test_throttling_while_waiting_slows_the_wait_but_never_fails_it(shared):
    """The reads while waiting throttled for a while (more 429s than max_retries): the rounds try again until the
    jobs have ended, well inside wait_timeout."""
    run = shared["throttled_wait"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["up"]
    assert result["summary"]["succeeded"] == 45 and not result.get("failed")
    assert any("the jobs could not be read" in line and "HTTP 429" in line for line in result["progress"])
    assert [r.fault for r in sim.log if r.fault].count("throttle") >= 4
    assert sorted(sid for call in upgrade_calls(sim) for sid in call.body["items"]) == ids[:45]


@scenario
def vdi_group(make_simulator, api_client_for):
    sim = make_simulator(servers=0, groups=0, job_duration=0.3)
    vdi = sim.state.add_group("vdi-group", is_vdi=True)
    ids = [sim.state.add_server(vdi["id"], hda_version=OLD, is_gpu=n % 2 == 0)["id"] for n in range(6)]
    sim.state.set_latest_hda("2.6.0.0", hda_type="OA_APP")
    sim.state.set_latest_hda("3.0.0.1", hda_type="PT_APP")
    return Scenario("vdi_group", sim, [upgrade_task(server_group_id=vdi["id"])], ids=ids)


def test_a_vdi_group_is_listed_once_for_gpu_flags_and_job_fields(shared):
    """A VDI group: the server list gives both the GPU flag (the HDA type) and the job fields, in one listing."""
    run = shared["vdi_group"]
    sim, ids = run.sim, run.context["ids"]
    assert run.rc == 0, run.output
    assert run["up"]["summary"]["succeeded"] == 6
    assert sim.log.summary()["list_servers"] == 1
    versions = dict((s["id"], s["after"]["hda_version"]) for s in run["up"]["servers"])
    assert versions == dict((sid, "3.0.0.1" if n % 2 == 0 else "2.6.0.0") for n, sid in enumerate(ids))
