"""Waits that outlive the service or the credentials, through ansible-playbook against the simulator.

* The service unavailable during a wait (every request answered 503): the rounds fail, the wait goes on inside
  wait_timeout and ends well once the service is back; the same for an outage of which the first half every
  request is answered 503 and the second half the connection is refused (the simulator stopped): 20 seconds in
  ``make test``, 60 in ``make soak`` (``WORKSPACE_APP_OUTAGE_SECONDS``).
* A token that expires during a long wait: the task fails naming the jobs still running, and a re-run with a fresh
  token waits for exactly those jobs, submitting nothing.
"""

import os
import re
import threading
import time

from tests.harness import finish_jobs_when_polled, module_task

NS = "huaweicloud.workspace_app."
OUTAGE_SECONDS = int(os.environ.get("WORKSPACE_APP_OUTAGE_SECONDS") or 20)
OLD_HDA = "2.0.10.1"


def outdated_fleet(make_simulator, job_duration):
    sim = make_simulator(servers=8, groups=1, seed=4, job_duration=job_duration)
    for sid in sim.state.server_ids():
        sim.state.set_hda_version(sid, OLD_HDA)
    sim.log.clear()
    return sim


def test_a_service_outage_during_the_wait_is_waited_out(make_simulator, runner_for):
    # The job runs until the outage is over, however slow the machine (with a 0.5 s job, a loaded machine could
    # reach the first polling read after the job had ended: the wait was then over before the outage began).
    sim = outdated_fleet(make_simulator, job_duration=600)
    outage = []

    def go_down(simulator, body):
        if not outage:  # from the first polling read on, the next 40 requests of any kind are answered 503
            outage.append(1)
            simulator.faults.script("error503", count=40)
        elif len(outage) == 1:  # the first read that gets through after the outage: the job has ended
            outage.append(2)
            simulator.state.fast_forward(simulator.state.job_duration + 1)

    sim.before("show_job_detail", go_down, once=False)
    sim.before("list_servers", lambda simulator, body: simulator.log.mutations() and go_down(simulator, body),
               once=False)
    run = runner_for(sim).run([module_task(NS + "app_server_hda_upgrade", "up", server_group_name="sim-group-1",
                                           poll_interval=0.2, wait_timeout=120, max_retries=1)])
    assert run.rc == 0, run.output
    result = run["up"]
    assert result["summary"]["succeeded"] == 8 and result["changed"] is True
    failed_rounds = [line for line in result["progress"] if "could not be read" in line]
    assert len(failed_rounds) >= 5, result["progress"]
    assert sum(1 for call in sim.log.requests() if call.fault == "error503") == 40
    assert len(sim.log.mutations()) == 1  # the upgrade was sent once, before the outage


def test_an_outage_of_503_then_connection_refused_during_the_wait_is_waited_out(make_simulator, runner_for):
    # The job runs until the outage is over (fast-forwarded then), however late the first polling read comes: with
    # a 5 s job a loaded machine could read it ended before the outage began, and the run ended before the outage.
    sim = outdated_fleet(make_simulator, job_duration=600)
    host, port = sim.url.rsplit("/", 1)[-1].split(":")
    down = threading.Event()
    seen = {}

    def go_down(simulator, body):
        if not down.is_set():
            seen["start"] = time.time()
            simulator.faults.script("error503", count=100000)  # the first half: every request answered 503
            down.set()

    def outage():
        down.wait(120)
        time.sleep(OUTAGE_SECONDS / 2.0)
        sim.faults.clear()
        sim.stop()  # the second half: connection refused
        time.sleep(OUTAGE_SECONDS / 2.0)
        sim.state.fast_forward(sim.state.job_duration + 1)  # the job has ended by the time the service is back
        sim.start(host=host, port=int(port))
        seen["end"] = time.time()

    worker = threading.Thread(target=outage, daemon=True)
    worker.start()
    # The outage starts at the first polling read after the upgrade was sent.
    sim.before("show_job_detail", go_down, once=False)
    sim.before("list_servers", lambda simulator, body: simulator.log.mutations() and go_down(simulator, body),
               once=False)
    run = runner_for(sim).run([module_task(NS + "app_server_hda_upgrade", "up", server_group_name="sim-group-1",
                                           poll_interval=1, wait_timeout=240, max_retries=1)])
    worker.join(5)
    assert run.rc == 0, run.output
    assert seen["end"] - seen["start"] >= OUTAGE_SECONDS
    result = run["up"]
    assert result["summary"]["succeeded"] == 8 and result["changed"] is True
    assert len([line for line in result["progress"] if "could not be read" in line]) >= 5, result["progress"]
    assert sum(1 for call in sim.log.requests() if call.fault == "error503") >= 5
    assert len(sim.log.mutations()) == 1  # the upgrade was sent once, before the outage
    assert sim.log.requests()[-1].time >= seen["end"] - 1  # the wait ended with the service back


def test_a_token_that_expires_mid_wait_names_the_jobs_and_a_fresh_one_resumes_them(make_simulator, runner_for):
    sim = outdated_fleet(make_simulator, job_duration=600)
    token = sim.issue_token(ttl=30)
    creds = dict(auth_token=token, project_id=sim.credentials["project_id"])

    def expire(simulator, body):  # the jobs run on; the token's 30 s are over at the first polling read
        if simulator.log.mutations():
            simulator.state.fast_forward(31)

    sim.before("show_job_detail", expire, once=True)
    runner = runner_for(sim)
    run = runner.run([module_task(NS + "app_server_hda_upgrade", "up", server_group_name="sim-group-1",
                                  poll_interval=0.2, wait_timeout=60, max_retries=0, **creds)], auth="none")
    assert run.rc != 0
    result = run["up"]
    jobs = result["jobs"]
    assert jobs and result["changed"] is True
    assert "APIGW.0307" in result["msg"] or "expired" in result["msg"].lower(), result["msg"]
    assert all(job_id in result["msg"] for job_id in jobs) and "re-run the task to resume" in result["msg"]
    assert token not in run.output

    sim.log.clear()
    finish_jobs_when_polled(sim, planning_reads=2)
    fresh = dict(project_id=creds["project_id"], auth_token=sim.issue_token())
    resume = runner.run([module_task(NS + "app_server_hda_upgrade", "up", server_group_name="sim-group-1",
                                     poll_interval=0.2, wait_timeout=60, **fresh)], auth="none")
    assert resume.rc == 0, resume.output
    again = resume["up"]
    assert sim.log.mutations() == [] and again["changed"] is False
    assert sorted(set(s["job_id"] for s in again["servers"])) == sorted(jobs)
    assert {s["action"] for s in again["servers"]} == {"waited"} and again["summary"]["succeeded"] == 8
    assert not re.search(re.escape(fresh["auth_token"]), resume.output)
