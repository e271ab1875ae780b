"""ansible-playbook killed with SIGKILL after k submissions or in the middle of the wait, with every process it
started (its workers run in sessions of their own, the module under them): a controller that crashes. The re-run
converges and submits nothing twice."""

import signal
import time

import pytest

from tests.harness import finish_jobs_when_polled, module_task, processes

NS = "huaweicloud.workspace_app."
OLD_HDA = "2.0.10.1"
SERVERS = 60  # 3 batches of 20


def applied_upgrades(sim):
    """Server id -> how many upgrade submissions that reached the handler named it."""
    counts = {}
    for call in sim.log.requests(operation="batch_upgrade_hda_version"):
        if call.fault in ("lost_response", "applied_error500") or (call.status or 0) // 100 == 2:
            for sid in call.body["items"]:
                counts[sid] = counts.get(sid, 0) + 1
    return counts


def kill_when(sim, runner, tasks, ready, timeout=120):
    """Run the playbook and SIGKILL it with its whole process tree once ``ready(sim)``; returns its exit code."""
    cmd, environment, _results = runner.prepare(tasks)
    return processes.kill_when(cmd, environment, lambda: ready(sim), timeout=timeout)


@pytest.mark.parametrize("crash", ["after 1 submission", "after 2 submissions", "mid-wait"])
def test_a_killed_run_is_resumed_by_the_rerun_without_a_second_submission(make_simulator, runner_for, crash):
    sim = make_simulator(servers=SERVERS, groups=1, seed=6, job_duration=600)
    for sid in sim.state.server_ids():
        sim.state.set_hda_version(sid, OLD_HDA)
    sim.log.clear()
    runner = runner_for(sim)
    task = module_task(NS + "app_server_hda_upgrade", "up", server_group_name="sim-group-1", poll_interval=0.3,
                       wait_timeout=120)
    if crash == "mid-wait":
        def ready(simulator):
            return len(simulator.log.mutations()) == 3 and simulator.log.requests(operation="show_job_detail")
    else:
        wanted = int(crash.split()[1])
        # slow the submissions down so that the kill lands between two of them (the killed run's only)
        slow = [True]
        sim.before("batch_upgrade_hda_version", lambda simulator, body: slow[0] and time.sleep(0.5), once=False)

        def ready(simulator):
            return len(simulator.log.mutations()) >= wanted
    code = kill_when(sim, runner, [task], ready)
    assert code == -signal.SIGKILL
    time.sleep(1)  # a submission in flight when the controller died is still handled by the service
    submitted = applied_upgrades(sim)
    assert len(submitted) >= 20 if crash != "mid-wait" else len(submitted) == SERVERS

    if crash != "mid-wait":
        slow[0] = False
    finish_jobs_when_polled(sim, mutations=len(sim.log.mutations()), planning_reads=1)  # end the jobs at a poll
    rerun = runner.run([task])
    assert rerun.rc == 0, rerun.output
    result = rerun["up"]
    assert result["summary"]["succeeded"] == SERVERS, (result["summary"], result.get("msg"), result.get("progress"))
    assert all(sim.state.hda_version(sid) == sim.state.latest_hda_for(sid) for sid in sim.state.server_ids())
    counts = applied_upgrades(sim)
    assert len(counts) == SERVERS and set(counts.values()) == {1}, "a server was submitted twice"
    # what the killed run had submitted is waited for; only the rest is submitted
    waited = [s["id"] for s in result["servers"] if s["action"] == "waited"]
    assert sorted(waited) == sorted(submitted)
