"""app_server_image through ansible-playbook against the simulator."""

import pytest

from simulator import errors as sim_errors
from tests.harness import Scenario, ScenarioSet, module_task

MODULE = "huaweicloud.workspace_app.app_server_image"
TARGET = "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70"
OTHER = "7e0f2b1a-5d6c-4e8f-a9b0-c1d2e3f4a5b6"
FAST = {"poll_interval": 0.2, "wait_timeout": 120}


def image_task(register="img", image_id=TARGET, image_type="private", **options):
    return module_task(MODULE, register, FAST, name="image", image_id=image_id, image_type=image_type, **options)


def change_calls(sim, status=None):
    return [call for call in sim.log.requests(operation="batch_change_server_image")
            if status is None or call.status == status]


def sent_ids(sim, status=200):
    return [sid for call in change_calls(sim, status) for sid in call.body["server_ids"]]


def named(sim, server_id):
    """How --diff and messages name a server: name (id)."""
    return "%s (%s)" % (sim.state.get_server(server_id)["name"], server_id)


def image_of(sim, server_id):
    return sim.state.get_server(server_id)["image_id"]


def by_id(result):
    return {server["id"]: server for server in result["servers"]}


def finish_jobs_on_list_call(sim, call_number):
    """Move the clock past every job's end just before the ``call_number``-th server list is answered.

    The module lists the group once to plan; the next listing is its first polling round. Jobs
    started with a long duration thus stay running while the module plans, then end at once.
    """
    calls = []

    def hook(simulator, body):
        calls.append(1)
        if len(calls) == call_number:
            simulator.state.fast_forward(simulator.state.job_duration + 1)

    sim.before("list_servers", hook, once=False)


def new_fleet(make_simulator):
    """45 servers in one group, the first 5 (by id) already on the target image."""
    sim = make_simulator(servers=45, groups=1, job_duration=0.3)
    group_id = next(iter(sim.state.groups))
    ids = sorted(sim.state.server_ids())
    for server_id in ids[:5]:
        sim.state.patch_server(server_id, image_id=TARGET)
    return sim, group_id, ids


@pytest.fixture
def fleet(make_simulator):
    return new_fleet(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
scenario = ScenarioSet("image")


def fleet_scenario(name, make_simulator, **options):
    sim, group_id, ids = new_fleet(make_simulator)
    return Scenario(name, sim, [], group_id=group_id, ids=ids, **options)


def fleet_of(run):
    return run.of("group_id", "ids")


shared = scenario.fixture()


def test_failed_server_fails_the_task_others_succeed_then_rerun_submits_only_it(fleet, runner_for):
    sim, group_id, ids = fleet
    runner = runner_for(sim)
    bad = ids[17]
    sim.state.fail_next_job([bad], error_code="WKS.00211401", error_msg="rebuild failed: disk attach timeout")
    run = runner.run([image_task(server_group_id=group_id)], diff=True)
    assert run.rc != 0
    result = run["img"]
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("1 of 45 server(s) failed (%s: WKS.00211401 rebuild failed: disk attach timeout)"
                                    % named(sim, bad)), result["msg"]
    assert result["summary"] == {"total": 45, "unchanged": 5, "skipped": 0, "succeeded": 39, "failed": 1, "pending": 0}
    # the 5 on the target are never sent; every other server exactly once, at most 20 per request
    assert sorted(sent_ids(sim)) == ids[5:]
    assert all(len(call.body["server_ids"]) <= 20 for call in change_calls(sim))
    assert all(call.body["image_type"] == "private" and call.body["os_type"] == "Windows"
               and call.body["update_access_agent"] is False and "image_product_id" not in call.body
               for call in change_calls(sim))
    servers = by_id(result)
    failed = servers[bad]
    assert (failed["status"], failed["error_code"], failed["action"]) == ("failed", "WKS.00211401", "submitted")
    assert "disk attach timeout" in failed["error_msg"] and failed["job_id"]
    assert image_of(sim, bad) != TARGET
    ok = servers[ids[5]]
    assert (ok["action"], ok["status"]) == ("submitted", "succeeded")
    assert ok["after"] == {"image_id": TARGET} and ok["before"]["image_id"] != TARGET
    assert (servers[ids[0]]["action"], servers[ids[0]]["status"]) == ("none", "unchanged")
    assert len(result["jobs"]) == 40 and failed["job_id"] in result["jobs"]  # one job per server
    assert set(result["diff"]["after"]) == set(named(sim, sid) for sid in ids[5:])
    assert result["diff"]["after"][named(sim, bad)] == failed["before"]  # failed: nothing known to have changed
    assert all(image_of(sim, sid) == TARGET for sid in ids if sid != bad)
    # one job detail read, for the failed server's error code; no per-server job polling
    assert len(sim.log.requests(operation="show_job_detail")) == 1

    sim.log.clear()
    rerun = runner.run([image_task(server_group_id=group_id)])
    assert rerun.rc == 0, rerun.output
    assert [call.body["server_ids"] for call in change_calls(sim)] == [[bad]]
    assert rerun["img"]["summary"]["succeeded"] == 1 and rerun["img"]["summary"]["unchanged"] == 44

    sim.log.clear()
    again = runner.run([image_task(server_group_id=group_id)])
    assert again.rc == 0, again.output
    assert again["img"]["changed"] is False and again["img"]["summary"]["unchanged"] == 45
    assert not sim.log.mutations()


@scenario
def rejected_in_answer(make_simulator):
    run = fleet_scenario("rejected_in_answer", make_simulator)
    sim, group_id, ids = fleet_of(run)
    busy = ids[8]
    sim.state.job_duration = 600
    sim.state.upgrade_hda([busy])
    sim.state.job_duration = 0.3
    run.tasks = [image_task(server_ids=ids[6:10], image_type="gold", image_product_id="OFFI8861780",
                            os_type="Windows", update_access_agent=True)]
    return run


def test_server_rejected_in_the_answer_fails_alone(shared):
    """A per-item error (here: the server is busy with an HDA upgrade) fails that server; the batch goes on."""
    run = shared["rejected_in_answer"]
    sim, group_id, ids = fleet_of(run)
    busy = ids[8]
    assert run.rc != 0
    (call,) = change_calls(sim)
    assert call.body == {"server_ids": ids[6:10], "image_id": TARGET, "image_type": "gold", "os_type": "Windows",
                         "image_product_id": "OFFI8861780", "update_access_agent": True}
    result = run["img"]
    rejected = by_id(result)[busy]
    assert (rejected["status"], rejected["error_code"]) == ("failed", sim_errors.SERVER_BUSY[0])
    assert rejected["job_id"] is None and "task in progress" in rejected["error_msg"]
    assert busy in result["msg"] and sim_errors.SERVER_BUSY[0] in result["msg"]
    assert result["summary"]["succeeded"] == 3 and result["summary"]["failed"] == 1
    assert len(result["jobs"]) == 3


@scenario
def bad_input(make_simulator):
    run = fleet_scenario("bad_input", make_simulator)
    sim, group_id, ids = fleet_of(run)
    run.tasks = [
        dict(image_task("blank", server_group_id=group_id, image_id="  "), ignore_errors=True),
        dict(image_task("kind", server_group_id=group_id, image_type="market"), ignore_errors=True),
        dict(image_task("unknown", server_ids=ids[5:8] + ["no-such-server"]), ignore_errors=True),
    ]
    return run


def test_bad_input_fails_before_any_mutation(shared):
    run = shared["bad_input"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert "image_id" in run["blank"]["msg"] and "must not be empty" in run["blank"]["msg"]
    assert "image_type" in run["kind"]["msg"] and "market" in run["kind"]["msg"]
    assert "no-such-server" in run["unknown"]["msg"] and "server_ids" in run["unknown"]["msg"]
    names = ("blank", "kind", "unknown")
    assert all(run[name]["failed"] and not run[name]["changed"] for name in names)
    assert not sim.log.mutations()
    # option errors fail before any request at all
    assert not [r for r in sim.log if r.operation not in ("list_servers", "show_server_group")]


@scenario
def lost_and_dropped(make_simulator):
    run = fleet_scenario("lost_and_dropped", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.faults.script("lost_response", method="POST", path="batch-change-image", count=1)
    sim.faults.script("drop", method="POST", path="batch-change-image", count=1)
    run.tasks = [image_task(server_group_id=group_id)]
    return run


def test_lost_response_is_not_resubmitted_and_a_dropped_request_is_sent_again(shared):
    """Batch 1 is applied but its answer is lost: the re-read shows the new jobs, nothing is sent again.
    Batch 2's connection drops before it is applied: the re-read proves it, so it is sent again, once."""
    run = shared["lost_and_dropped"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    calls = change_calls(sim)
    assert [call.fault for call in calls] == ["lost_response", "drop", None]
    lost, dropped, resent = (call.body["server_ids"] for call in calls)
    assert lost == ids[5:25] and dropped == resent == ids[25:45]
    result = run["img"]
    assert result["summary"]["succeeded"] == 40 and result["changed"] is True
    servers = by_id(result)
    assert all(servers[sid]["action"] == "submitted" and servers[sid]["job_id"] in result["jobs"] for sid in ids[5:])
    assert len(result["jobs"]) == 40 == len(sim.state.jobs)  # one job per server, none twice
    assert all(image_of(sim, sid) == TARGET for sid in ids)


@scenario
def polling_300(make_simulator):
    sim = make_simulator(servers=300, groups=1, job_duration=1.0)
    group_id = next(iter(sim.state.groups))
    return Scenario("polling_300", sim, [image_task(server_group_id=group_id, poll_interval=0.5)], group_id=group_id)


def test_polling_cost_for_300_servers(shared, record_property):
    """Each round reads the job submitted last alone until it has finished; then the group list (3 pages of 100),
    once, settles every server and is the final state; no job is read per server."""
    run = shared["polling_300"]
    sim, group_id = run.sim, run.context["group_id"]
    assert run.rc == 0, run.output
    result = run["img"]
    assert result["summary"]["succeeded"] == 300
    log = sim.log.snapshot()
    posts = [i for i, r in enumerate(log) if r.operation == "batch_change_server_image"]
    assert len(posts) == 15
    planning, polling = log[:posts[0]], log[posts[-1] + 1:]
    # planning also lists the group's open sessions once (a page per 100): a rebuild ends them and the plan names
    # them (issue 26)
    assert all(r.operation in ("show_server_group", "list_servers", "list_sessions") for r in planning)
    sessions = [r for r in planning if r.operation == "list_sessions"]
    assert sessions and all(r.query.get("app_server_group_id") == group_id for r in sessions)
    last_job = result["jobs"][-1]
    assert [r.operation for r in polling if r.operation != "show_job_detail"] == ["list_servers"] * 3
    assert all(r.query.get("server_group_id") == group_id for r in polling if r.operation == "list_servers")
    assert all(r.path.endswith("/job/" + last_job) for r in polling if r.operation == "show_job_detail")
    label = "[group %s] " % sim.state.get_group(group_id)["name"]  # the group's name, from the server list
    assert all(line.startswith(label) for line in result["progress"]), result["progress"][:3]
    rounds = [line[len(label):] for line in result["progress"] if line.startswith(label + "round ")]
    assert rounds and rounds[-1].startswith("round %d: 300/300 job(s) finished, 300/300 server(s)" % len(rounds))
    # every round but the last reads one job; the last also lists the group (3 pages); the state after the
    # change comes from that listing, so nothing else is read
    assert len(polling) == len(rounds) + 3
    assert all(int(r.query["limit"]) == 100 for r in polling if r.operation == "list_servers")
    assert [int(line.split("; ")[1].split()[0]) for line in rounds] == [1] * (len(rounds) - 1) + [4]
    record_property("image_300_planning_requests", len(planning))
    record_property("image_300_polling_requests_per_round", len(polling) / len(rounds))
    print("300 servers: %d requests (%d planning, 15 submitting, %d polling in %d rounds) %s"
          % (len(log), len(planning), len(polling), len(rounds), sim.log.summary()))


@scenario
def check_mode(make_simulator):
    run = fleet_scenario("check_mode", make_simulator, check=True, diff=True)
    run.tasks = [image_task(server_group_id=run.context["group_id"])]
    return run


def test_check_mode_marks_the_servers_to_rebuild_and_writes_nothing(shared):
    run = shared["check_mode"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["img"]
    assert result["changed"] is True and result["jobs"] == []
    assert result["summary"]["pending"] == 40 and result["summary"]["unchanged"] == 5
    assert not sim.log.mutations()
    assert image_of(sim, ids[5]) != TARGET
    assert result["diff"]["before"][named(sim, ids[5])] == {"image_id": image_of(sim, ids[5])}
    assert result["diff"]["after"][named(sim, ids[5])] == {"image_id": TARGET}
    assert named(sim, ids[0]) not in result["diff"]["after"] and len(result["diff"]["after"]) == 40
    assert by_id(result)[ids[5]]["action"] == "submitted"


def test_wait_false_then_a_rerun_waits_for_the_running_changes(fleet, runner_for):
    sim, group_id, ids = fleet
    sim.state.job_duration = 600
    runner = runner_for(sim)
    first = runner.run([image_task(server_group_id=group_id, wait=False)])
    assert first.rc == 0, first.output
    assert len(first["img"]["jobs"]) == 40 and first["img"]["summary"]["pending"] == 40
    assert [r.operation for r in sim.log if r.method == "GET"].count("list_servers") == 1  # no polling
    sim.log.clear()
    finish_jobs_on_list_call(sim, 2)
    second = runner.run([image_task(server_group_id=group_id)])
    assert second.rc == 0, second.output
    assert not sim.log.mutations()
    waited = [s for s in second["img"]["servers"] if s["action"] == "waited"]
    assert len(waited) == 40 and {s["job_id"] for s in waited} == set(first["img"]["jobs"])
    assert all(s["status"] == "succeeded" and s["after"] == {"image_id": TARGET} for s in waited)
    assert second["img"]["changed"] is False and second["img"]["jobs"] == []


@scenario
def times_out(make_simulator):
    run = fleet_scenario("times_out", make_simulator)
    sim, group_id, ids = fleet_of(run)
    sim.state.job_duration = 600
    run.tasks = [image_task(server_ids=ids[5:8], wait_timeout=1)]
    return run


def test_timeout_names_the_running_jobs(shared):
    run = shared["times_out"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc != 0
    result = run["img"]
    assert "timed out" in result["msg"] and "re-run" in result["msg"]
    assert len(result["jobs"]) == 3 and all(job in result["msg"] for job in result["jobs"])
    assert result["changed"] is True and result["summary"]["pending"] == 3
    # three servers of a larger group: looked up by id, not by listing the group
    assert all(r.query.get("server_id") for r in sim.log.requests(operation="list_servers"))


def test_running_change_onto_another_image_is_waited_for_then_reported(fleet, runner_for):
    """Someone is rebuilding a server onto another image: wait for it, say so, and a re-run fixes it."""
    sim, group_id, ids = fleet
    server = ids[0]  # on the target image, being rebuilt onto OTHER
    sim.state.job_duration = 600
    sim.state.add_image(OTHER)
    (other,) = sim.state.change_image([server], OTHER, "private", "Windows")
    sim.log.clear()
    finish_jobs_on_list_call(sim, 2)
    runner = runner_for(sim)
    # the other change ends at the module's first polling read; after it the server shows OTHER, which the module
    # reads again until its deadline (a record may lag its job): a short deadline, the wait is not the point
    run = runner.run([image_task(server_ids=[server], wait_timeout=10)])
    assert run.rc != 0
    report = by_id(run["img"])[server]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "failed", other["job_id"])
    assert report["after"] == {"image_id": OTHER} and OTHER in report["error_msg"]
    assert not sim.log.mutations()
    sim.state.job_duration = 0.3
    rerun = runner.run([image_task(server_ids=[server])])
    assert rerun.rc == 0, rerun.output
    assert image_of(sim, server) == TARGET and len(change_calls(sim)) == 1


def test_batch_the_service_finds_too_large_is_reported_clearly(fleet, runner_for):
    sim, group_id, ids = fleet

    def limit_to_ten(simulator, body):
        if len(body["server_ids"]) > 10:
            raise sim_errors.invalid("server_ids: at most 10 servers per request.")

    sim.before("batch_change_server_image", limit_to_ten, once=False)
    runner = runner_for(sim)
    run = runner.run([image_task(server_group_id=group_id)])
    assert run.rc != 0
    result = run["img"]
    assert "HTTP 400" in result["msg"] and "a batch of 20 servers" in result["msg"] and "batch_size" in result["msg"]
    assert len(change_calls(sim)) == 1 and result["jobs"] == [] and result["changed"] is False
    assert result["summary"]["failed"] == 40
    assert by_id(result)[ids[30]]["error_msg"].startswith("not submitted: an earlier batch failed")
    sim.log.clear()
    smaller = runner.run([image_task(server_group_id=group_id, batch_size=10)])
    assert smaller.rc == 0, smaller.output
    assert len(change_calls(sim)) == 4 and smaller["img"]["summary"]["succeeded"] == 40


@scenario
def missing_image(make_simulator):
    run = fleet_scenario("missing_image", make_simulator)
    sim, group_id, ids = fleet_of(run)
    group = dict(sim.state.get_group(group_id))
    images = dict((sid, image_of(sim, sid)) for sid in ids)
    missing = "img-missing-0001"
    group_module = "huaweicloud.workspace_app.app_server_group"
    run.context.update(group=group, images=images, missing=missing)
    run.tasks = [
        dict(image_task("change", server_group_id=group_id, image_id=missing), ignore_errors=True),
        dict(module_task(group_module, "update", dict(name=group["name"]), image_id=missing, image_type="private"),
             ignore_errors=True),
        dict(module_task(group_module, "create", dict(name="new-group"), image_id=missing, image_type="private",
                         product_id="workspace.appstream.general.xlarge.4", vpc_id="vpc-1", subnet_id="subnet-1",
                         system_disk_type="SAS", system_disk_size=80), ignore_errors=True),
    ]
    return run


def test_an_image_the_tenant_does_not_have_fails_naming_it_and_nothing_changes(shared):
    """What a user tries against the simulator: an image id that does not exist, for an image change, a group update
    and a group create. Each task fails at its one call, names image_id and the value, changes nothing."""
    run = shared["missing_image"]
    sim, group_id, ids = fleet_of(run)
    group, images, missing = run.context["group"], run.context["images"], run.context["missing"]
    assert run.rc == 0, run.output
    for name in ("change", "update", "create"):
        assert run[name]["failed"] and run[name]["changed"] is False, run[name]
        assert "image_id %s, image_type private" % missing in run[name]["msg"], run[name]["msg"]
        assert "HTTP 400" in run[name]["msg"]
    assert run["change"]["jobs"] == [] and run["change"]["summary"]["failed"] == 45
    # one refused call each, none retried; nothing applied
    refused = [(r.operation, r.status) for r in sim.log.mutations()]
    assert refused == [("batch_change_server_image", 400), ("update_server_group", 400),
                       ("create_server_group", 400)]
    assert dict((sid, image_of(sim, sid)) for sid in ids) == images
    assert not sim.state.jobs
    assert sim.state.get_group(group_id)["image_id"] == group["image_id"]
    assert sim.state.group_by_name("new-group") is None
