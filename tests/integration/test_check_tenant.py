"""playbooks/check_tenant.yml, the first-contact check of a tenant, run as a user runs it: real ansible-playbook, the
connection from the environment only, against the simulator over HTTP. It only reads (the request log shows no
mutation), says so when all is known, and names every unknown value and field with its record; its report file holds
nothing secret."""

import json
import os
import subprocess

import pytest

from tests.harness import ANSIBLE_PLAYBOOK, REPO_ROOT

PLAYBOOK = os.path.join(REPO_ROOT, "playbooks", "check_tenant.yml")
NOTHING = "nothing unexpected: every field and value read is one the collection knows"


@pytest.fixture
def check(runner_for, tmp_path):
    """check(sim, **extra_vars) -> (rc, output, report file text or None): the playbook with the connection from
    the environment, as with_simulator.py (and an AWX credential) sets it."""
    def run(sim, **extra_vars):
        creds = sim.credentials
        env = runner_for(sim).environment({
            "HW_WORKSPACE_APP_ENDPOINT": sim.url, "HUAWEICLOUD_SDK_IAM_ENDPOINT": sim.url,
            "HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"],
            "HUAWEICLOUD_SDK_PROJECT_ID": creds["project_id"], "HUAWEICLOUD_SDK_REGION": creds["region"]})
        report = tmp_path / "report.txt"
        extra_vars.setdefault("report_file", str(report))
        process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", PLAYBOOK, "-e", json.dumps(extra_vars)],
                                 env=env, capture_output=True, text=True, timeout=120, check=False, cwd=str(tmp_path))
        output = process.stdout + process.stderr
        text = report.read_text() if report.exists() else None
        for secret in (creds["sk"], creds["ak"], creds["project_id"], sim.url):
            assert secret not in (text or ""), "the report holds %r" % secret
        assert creds["sk"] not in output
        return process.returncode, output, text
    return run


@pytest.fixture
def tenant(make_simulator):
    sim = make_simulator(servers=6, groups=2)
    sim.log.clear()
    return sim


def test_a_tenant_as_the_collection_knows_it_reports_nothing_and_only_reads(tenant, check):
    rc, output, report = check(tenant)
    assert rc == 0, output[-3000:]
    lines = report.splitlines()
    assert lines[0].startswith("Workspace App tenant check (read-only), ") and lines[0].endswith("region cn-north-4")
    assert lines[1].startswith("read: 2 server group(s), 6 server(s), 6 with an access agent version, 0 job(s)"), lines
    assert lines[2:] == ["unexpected: 0 (server_group 0, server 0, access_agent 0, job 0, sub_job 0, session 0)",
                         NOTHING]
    assert NOTHING in output  # printed as well
    assert tenant.log.mutations() == []
    requests = tenant.log.requests()
    assert requests and set(record["method"] for record in requests) == {"GET"}


def test_every_unknown_value_and_field_is_named_with_its_record(tenant, check):
    state = tenant.state
    group = state.group_by_name("sim-group-2")
    asleep, odd, busy, forgotten = state.server_ids()[:4]
    state.patch_server(asleep, status="HIBERNATED")
    job = state.upgrade_hda([busy])
    state.fast_forward(5)  # the job ends before its sub job is given a status the collection does not know
    session_id = state.log_on(odd, user_name="locked-user")["id"]
    with state.lock:
        group["app_type"] = "GAME_APP"
        state.servers[odd]["hibernation"] = {"enable": True}
        job["sub_jobs"][0]["status"] = "SUSPENDED"
        state.sessions[session_id]["session_state"] = "Locked"
        # a server naming a job the service no longer keeps (the newest of all)
        state.servers[forgotten].update(job_id="575000000000000001", job_type="UPGRADE_ACCESS_AGENT",
                                        job_status="SUCCESS", job_time="2099-01-01T00:00:00Z")
    rc, output, report = check(tenant, recent_jobs="5")
    assert rc == 0, output[-3000:]
    lines = report.splitlines()
    assert "1 job(s) with 1 sub job(s)" in lines[1], lines
    assert lines[2] == ("unexpected: 6 (server_group 1, server 2, access_agent 1, job 0, sub_job 1, session 1)")
    names = dict((sid, state.servers[sid]["name"]) for sid in (asleep, odd, busy))
    sub_id = job["sub_jobs"][0]["id"]
    assert sorted(lines[3:]) == sorted([
        "server_group sim-group-2 (%s) app_type=GAME_APP: unknown AppTypeEnum value" % group["id"],
        "server       %s (%s) status=HIBERNATED: unknown ServerStatus value" % (names[asleep], asleep),
        "server       %s (%s) hibernation={\"enable\": true}: field not in the SDK model AppServer (3.1.219)"
        % (names[odd], odd),
        "access_agent %s (%s) status=HIBERNATED: unknown ServerStatus value" % (names[asleep], asleep),
        "sub_job      %s (%s) status=SUSPENDED: unknown JobDetailStatus value" % (names[busy], sub_id),
        "session      locked-user (%s) session_state=Locked: unknown session_state value" % session_id,
        "job not read: 575000000000000001",
    ]), report
    assert "unknown ServerStatus value" in output  # printed as well
    assert tenant.log.mutations() == []
    # the newest job first: the forgotten one, then the upgrade
    assert [r["path"].rsplit("/", 1)[1] for r in tenant.log.requests(operation="show_job_detail")] == [
        "575000000000000001", job["id"]]


def test_a_wrong_answer_fails_before_any_request(tenant, check):
    rc, output, report = check(tenant, recent_jobs="99", report_file="reports/")
    assert rc != 0 and report is None
    assert "recent_jobs must be a whole number 0..50 (jobs read, newest first), got '99'. Nothing was read." in output
    assert "report_file must name a file, not a directory, got 'reports/'" in output
    assert tenant.log.requests() == []
