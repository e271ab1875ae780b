"""Fault soak, short version (``make soak`` runs the long one): tools/soak/run.py at 300 servers, one seed.

20 % of AppStream requests, mutations included, are faulted (429 with Retry-After, 500/503 before the handler,
dropped connections, lost responses of applied requests, 500 answers of applied requests). The job, settings
and lifecycle modules (group settings, TSVI, HDA, image, maintenance, fleet size, power) must converge in one
run, without a duplicate submission, and a re-run without faults must report ``changed: false``; an HDA upgrade
whose wait timed out must resume waiting for the same jobs, and one killed with SIGKILL at a point the seed draws
must be finished by its re-run without a server submitted twice. Every task still targets all 300 servers; what
is shorter than in the long soak: one seed, faster jobs, fewer servers that need a change (60 behind on HDA, 30
with a failed TSVI job; all 300 change image), a round restarts at the failed task, and only the HDA
timeout-resume scenario, on the 100 servers of one group, and the HDA crash scenario.

Every other mutating module runs in the converge and idempotent phases too (rejoin of 25 servers, the sessions of 10
servers logged off, their first logoff call answered 500 before the service took it, an app group made and one
edited, a policy group and a schedule task made); the crash of a large authorization (crash-access), which would add
three playbook runs here, is the long soak's.
"""

import time

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from tools.soak.run import Soak, summary_text

SERVERS = 300


def test_fault_soak_300_servers(tmp_path):
    started = time.monotonic()
    soak = Soak(servers=SERVERS, groups=3, seed=8, fault_rate=0.2, rounds=10, job_duration=0.3, poll_interval=0.2,
                outdated_hda=0.2, tsvi_fraction=0.1, resume=("hda",), crash=("hda",), rerun="from-failed",
                resume_scope="group", logoff_fault="error500",
                workdir=str(tmp_path), echo=print)
    report = soak.run()
    summary = summary_text(report)
    print(summary)
    print("test_soak wall time: %.1fs" % (time.monotonic() - started))

    assert not report["failures"], summary
    assert report["servers"] >= 300
    assert [phase["phase"] for phase in report["phases"]] == ["converge", "idempotent", "resume-hda", "crash-hda"]
    # The faults really happened, of every kind, and the changes got through them.
    totals = report["totals"]
    injected = dict((key[len("fault_"):], count) for key, count in totals.items() if key.startswith("fault_"))
    assert sum(injected.values()) >= 0.1 * totals["requests"], injected
    assert all(injected.get(kind) for kind in ("throttle", "drop", "lost_response")), injected
    assert injected.get("error500", 0) + injected.get("error503", 0) > 0, injected
    converge, idempotent = report["phases"][0], report["phases"][1]
    assert converge["jobs_accepted"] >= SERVERS, converge
    assert set(converge["task_attempts"]) >= {"tsvi", "hda", "image", "maintenance", "fleet", "power"}, converge
    assert set(converge["task_attempts"]) >= {"rejoin", "logoff", "app_group", "app_group_edit", "policy",
                                              "schedule"}, converge
    assert converge["playbook_runs"] == 1, converge  # one run converges: the faults were all recovered in it
    assert idempotent["mutations"] == 0 and not idempotent["faults"], idempotent
    # Per module: each one that mutates had changes applied, met faults on the way, applied nothing twice and sent
    # nothing when re-run.
    modules = dict((row["module"], row) for row in report["modules"])
    assert len(modules) == 17 and "app_session_logoff" in modules, sorted(modules)
    assert all(row["applied"] and row["changed"] and not row["duplicates"] and not row["idempotent_mutations"]
               for row in modules.values()), report["modules"]
    assert sum(1 for row in modules.values() if row["faults"]) >= 10, report["modules"]
    assert modules["app_server_hda_upgrade"]["task_runs"] >= 5, modules["app_server_hda_upgrade"]  # killed run too
    # The logoff met a 500 on its call (logoff_fault): its sessions were watched, then logged off again, in the one
    # run, each user told once (the duplicate check counts notices).
    logoff = modules["app_session_logoff"]
    assert logoff["mutations"] >= 2 and logoff["applied"] == 1 and logoff["faults"] >= 1, logoff


def test_duplicate_check_counts_only_applied_submissions(make_simulator, api_client_for):
    """The soak's duplicate check, on submissions made by hand: faulted before the handler = not applied,
    lost response = applied, and a server submitted again after an applied submission is flagged."""
    sim = make_simulator(servers=6, groups=1, job_duration=0.1)
    sim.faults.configure(retry_after=0)
    client = api_client_for(sim)
    ids = sorted(sim.state.server_ids())
    group_id = next(iter(sim.state.groups))
    soak = Soak(servers=6, groups=1)
    soak.sim = sim
    phase = soak.begin("check")

    sim.faults.script("throttle", method="PATCH")  # refused by the gateway; the client sends it again
    api.batch_upgrade_hda_version(client, ids[:2])
    sim.faults.script("error500", method="PATCH")  # refused before the handler: not applied
    with pytest.raises(ApiError):
        api.batch_upgrade_hda_version(client, ids[2:4])
    sim.faults.script("lost_response", method="PATCH")  # applied, the answer is lost
    with pytest.raises(ApiError):
        api.batch_upgrade_hda_version(client, ids[4:])
    sim.state.fast_forward(1)
    api.batch_upgrade_hda_version(client, ids[2:4])  # the first applied submission of these two
    api.batch_upgrade_hda_version(client, ids[5:])  # a duplicate: its lost-response job was applied
    sim.faults.script("lost_response", method="PATCH")
    with pytest.raises(ApiError):
        api.update_server_group(client, group_id, {"description": "x"})
    api.update_server_group(client, group_id, {"description": "x"})  # the same change again: a duplicate
    soak.end(phase)

    assert [failure["check"] for failure in soak.failures] == ["no-duplicates"], soak.failures
    message = soak.failures[0]["message"]
    assert "2 duplicate submission(s)" in message, message
    assert ids[5] in message and group_id in message, message
    assert not any(server_id in message for server_id in ids[:5]), message
