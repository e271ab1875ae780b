"""Every status a job ends in ends the wait (ABNORMAL, ROLLBACK, ABORTING beside SUCCESS and FAILED), whichever way
the waiter polls: job details, or the server list.

The bug this guards against: a batch job ending ABNORMAL was never taken as finished, so a task on 20 one-server
groups with one sub job ending ABNORMAL waited its whole wait_timeout although the job had ended at 1 s.
"""

import pytest

from tests.harness import Scenario, SharedScenarios, module_task

HDA = "huaweicloud.workspace_app.app_server_hda_upgrade"
IMAGE = "huaweicloud.workspace_app.app_server_image"
WAIT = {"poll_interval": 0.3, "wait_timeout": 60}
OLD = "2.0.10.1"


def by_id(result):
    return dict((server["id"], server) for server in result["servers"])


def polls(sim):
    return [r.operation for r in sim.log.requests() if r.operation in ("show_job_detail", "list_servers")]


# Every test's run (one each before, each on its own simulator) is a scenario of ONE ansible-playbook run: its
# setup below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test
# asserts on what that block registered and on its simulator. Every start of ansible-playbook costs about a second
# of CPU.
STATUSES = ["ABNORMAL", "ROLLBACK", "ABORTING"]


def by_job_detail(make_simulator, status):
    sim = make_simulator(servers=20, groups=20, job_duration=1)
    ids = sorted(sim.state.server_ids())
    for server_id in ids:
        sim.state.set_hda_version(server_id, OLD)
    sim.state.fail_next_job([ids[3]], error_code="WKS.00211499", error_msg="agent install abnormal", status=status)
    sim.log.clear()
    return Scenario("job_detail_" + status, sim, [module_task(HDA, "up", WAIT, server_ids=ids)])


def by_server_list(make_simulator):
    sim = make_simulator(servers=120, groups=1, job_duration=1)
    group_id = next(iter(sim.state.groups))
    ids = sorted(sim.state.server_ids())
    for server_id in ids:
        sim.state.set_hda_version(server_id, OLD)
    sim.state.fail_next_job([ids[50]], error_code="WKS.00211499", error_msg="agent install abnormal", status="ABNORMAL")
    sim.log.clear()
    return Scenario("server_list", sim, [module_task(HDA, "up", WAIT, server_group_id=group_id)])


def per_server_job(make_simulator):
    sim = make_simulator(servers=6, groups=1, job_duration=1, images=["img-new-abnormal"])
    group_id = next(iter(sim.state.groups))
    sim.state.fail_next_job([sorted(sim.state.server_ids())[0]], error_code="WKS.00211498",
                            error_msg="rebuild abnormal", status="ABNORMAL")
    return Scenario("per_server_job", sim, [module_task(IMAGE, "img", WAIT, server_group_id=group_id,
                                                        image_id="img-new-abnormal", image_type="private")])


@pytest.fixture(scope="module")
def shared(module_simulator, tmp_path_factory):
    return SharedScenarios(lambda: tmp_path_factory.mktemp("terminal-statuses"), lambda: [
        by_job_detail(module_simulator, status) for status in STATUSES] + [
        by_server_list(module_simulator), per_server_job(module_simulator)])


@pytest.mark.parametrize("status", STATUSES)
def test_a_batch_job_ending_abnormal_ends_the_wait_read_by_job_detail(shared, status):
    """20 one-server groups: 20 lookups a round cost more than one job read, so the waiter reads the job."""
    run = shared["job_detail_" + status]
    sim = run.sim
    ids = sorted(sim.state.server_ids())
    # how long the task was at it: its first request to its last (the run is shared with the other scenarios)
    requests = sim.log.requests()
    elapsed = requests[-1].time - requests[0].time
    assert run.rc != 0, run.output
    result = run["up"]
    assert elapsed < 30, "the task waited %.0f s for a job that had ended" % elapsed
    assert "timed out" not in result["msg"]
    assert result["summary"] == {"total": 20, "unchanged": 0, "skipped": 0, "succeeded": 19, "failed": 1, "pending": 0}
    failed = by_id(result)[ids[3]]
    assert (failed["status"], failed["error_code"], failed["error_msg"]) == (
        "failed", "WKS.00211499", "agent install abnormal")
    assert result["msg"].startswith("1 of 20 server(s) failed (%s (%s): WKS.00211499 agent install abnormal)"
                                    % (sim.state.get_server(ids[3])["name"], ids[3]))
    (job_id,) = result["jobs"]
    assert sim.state.get_job(job_id)["status"] == status
    assert "show_job_detail" in polls(sim)


def test_a_batch_job_ending_abnormal_ends_the_wait_read_by_the_server_list(shared):
    """One group of 120: 6 batch jobs against 2 list pages a round, so the waiter reads the list."""
    run = shared["server_list"]
    sim = run.sim
    ids = sorted(sim.state.server_ids())
    assert run.rc != 0, run.output
    result = run["up"]
    assert "timed out" not in result["msg"]
    assert result["summary"]["succeeded"] == 119 and result["summary"]["failed"] == 1
    failed = by_id(result)[ids[50]]
    assert (failed["status"], failed["error_code"]) == ("failed", "WKS.00211499")
    assert "ABNORMAL" in {sim.state.get_job(job_id)["status"] for job_id in result["jobs"]}
    assert any("waiting for 6 batch job(s)" in line for line in result["progress"])
    assert polls(sim).count("list_servers") >= 2  # at least one round through the list (2 pages)


def test_a_per_server_job_ending_abnormal_ends_the_wait(shared):
    """Image change: one job per server, polled through the server list."""
    run = shared["per_server_job"]
    ids = sorted(run.sim.state.server_ids())
    assert run.rc != 0, run.output
    result = run["img"]
    assert "timed out" not in result["msg"]
    assert result["summary"]["succeeded"] == 5 and result["summary"]["failed"] == 1
    failed = by_id(result)[ids[0]]
    assert (failed["status"], failed["error_code"], failed["error_msg"]) == (
        "failed", "WKS.00211498", "rebuild abnormal")
