"""app_server_hda_upgrade through main() against recorded API answers: the target version per HDA type, which
servers are submitted, waited for or skipped, check mode, --diff, idempotence, the version guard, and a run with
canned job answers."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_hda_upgrade as module

from simulator.fleet import DEFAULT_LATEST_HDA, OLDER_HDA

from tests.harness.recorded import Error

JOB = "UPGRADE_ACCESS_AGENT"
OLD = OLDER_HDA["SBC"][0]
LATEST = DEFAULT_LATEST_HDA["SBC"]
FAST = dict(poll_interval=0.01, wait_timeout=10)


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def running_upgrade(service, server):
    """The server shows an upgrade in progress (started elsewhere): its job, RUNNING."""
    job_id = service.job(JOB, [server], status="RUNNING")
    service.patch(server, job_id=job_id, job_type=JOB, job_status="RUNNING", task_status="upgrading_access_agent")
    return job_id


def finish(service, job_id, version=LATEST, status="SUCCESS", errors=None):
    """The job ends: its sub jobs and the servers' records as the service shows them afterwards."""
    job = service.show_job(job_id, status=status, end_time=service.state.clock.iso(), sub_status=status)
    for sub in job["sub_jobs"]:
        code, message = (errors or {}).get(sub["server_id"], (None, None))
        sub.update(error_code=code, error_message=message, end_time=job["end_time"])
        fields = dict(job_status=status, task_status="upgrad_access_agent_success" if status == "SUCCESS"
                      else "upgrad_access_agent_fail")
        if status == "SUCCESS":
            fields["hda_version"] = version
        service.state.patch_server(sub["server_id"], **fields)


def accept(service):
    """The service's answer to an upgrade call: one batch job, ended SUCCESS by the time anyone looks."""
    def answer(request):
        job_id = service.job(JOB, [service.state.get_server(sid) for sid in request.body["items"]], status="RUNNING")
        for server_id in request.body["items"]:
            service.state.patch_server(server_id, job_id=job_id, job_type=JOB, job_status="RUNNING",
                                       task_status="upgrading_access_agent")
        finish(service, job_id)
        return {"job_id": job_id}
    return answer


def test_check_mode_plans_submit_wait_skip_and_none(service, run):
    group = service.group("apps-prod")
    current = service.server(group, name="current")
    old = service.server(group, name="old", hda_version=OLD)
    busy = service.server(group, name="busy", hda_version=OLD)
    frozen = service.server(group, name="frozen", hda_version=OLD, status="FREEZE")
    drained = service.server(group, name="drained", hda_version=OLD, maintain_status=True)
    job_id = running_upgrade(service, busy)
    result = run(module, check=True, diff=True, server_group_id=group["id"])
    assert service.mutations == [] and result["changed"] is True and not result.failed
    plan = by_name(result)
    assert (plan["current"]["action"], plan["current"]["status"]) == ("none", "unchanged")
    assert plan["current"]["before"] == plan["current"]["after"] == {"hda_version": LATEST}
    assert (plan["old"]["action"], plan["old"]["status"]) == ("submitted", "pending")
    assert (plan["old"]["before"], plan["old"]["after"]) == ({"hda_version": OLD}, {"hda_version": LATEST})
    assert (plan["busy"]["action"], plan["busy"]["job_id"]) == ("waited", job_id)
    assert plan["drained"]["action"] == "submitted" and drained["maintain_status"] is True  # upgraded like any other
    assert plan["frozen"]["status"] == "skipped"
    assert plan["frozen"]["error_msg"] == "status is FREEZE; only REGISTERED servers can be upgraded"
    assert result["jobs"] == [] and result["latest_versions"] == DEFAULT_LATEST_HDA
    assert result["summary"] == {"total": 5, "unchanged": 1, "skipped": 1, "succeeded": 0, "failed": 0, "pending": 3}
    assert any("frozen (%s): status is FREEZE" % frozen["id"] in text for text in result.warning_texts)
    assert result["diff"]["before"]["old (%s)" % old["id"]] == {"hda_version": OLD}
    assert result["diff"]["after"]["old (%s)" % old["id"]] == {"hda_version": LATEST}
    assert "current (%s)" % current["id"] not in result["diff"]["after"]


def test_the_target_is_the_latest_version_of_each_servers_hda_type(service, run):
    vdi = service.group("vdi", is_vdi=True)
    gpu = service.server(vdi, name="gpu", is_gpu=True, hda_version=OLDER_HDA["PT_APP"][0])
    cpu = service.server(vdi, name="cpu", is_gpu=False, hda_version=OLDER_HDA["OA_APP"][0])
    result = run(module, check=True, server_ids=[gpu["id"], cpu["id"]])
    plan = by_name(result)
    assert plan["gpu"]["after"] == {"hda_version": DEFAULT_LATEST_HDA["PT_APP"]}
    assert plan["cpu"]["after"] == {"hda_version": DEFAULT_LATEST_HDA["OA_APP"]}
    assert service.mutations == []


def test_everything_at_the_latest_version_sends_nothing(service, run):
    service.state.set_latest_hda(LATEST)  # one latest version for every HDA type
    group = service.group("apps-prod")
    for name in ("a", "b", "c"):
        service.server(group, name=name)
    result = run(module, server_group_id=group["id"], **FAST)
    assert result["changed"] is False and service.mutations == [] and result["jobs"] == []
    # the documented cost: one page of 100 servers plus one request for the latest versions
    assert sorted(r.operation for r in service.requests) == ["list_access_agent_latest_version",
                                                             "list_server_hda_details"]
    assert result["summary"]["unchanged"] == 3 and "progress" not in result


def test_an_up_to_date_run_costs_what_the_notes_say_with_per_type_versions(service, run):
    group = service.group("apps-prod")
    for name in ("a", "b", "c"):
        service.server(group, name=name)
    result = run(module, server_group_id=group["id"], **FAST)
    assert result["changed"] is False and service.mutations == []
    # the latest versions differ per HDA type: the (non-VDI) group is read once to tell its type
    assert sorted(r.operation for r in service.requests) == ["list_access_agent_latest_version",
                                                             "list_server_hda_details", "show_server_group"]


def test_a_run_submits_in_batches_waits_for_the_jobs_and_reports_each_server(service, run):
    group = service.group("apps-prod")
    old = [service.server(group, name="old-%d" % n, hda_version=OLD) for n in (1, 2, 3)]
    service.server(group, name="current")
    service.reply("batch_upgrade_hda_version", accept(service))
    result = run(module, server_group_id=group["id"], batch_size=2, **FAST)
    assert not result.failed and result["changed"] is True
    ids = sorted(s["id"] for s in old)
    sent = service.sent("batch_upgrade_hda_version")
    assert [(r.method, r.body) for r in sent] == [("PATCH", {"items": ids[:2]}), ("PATCH", {"items": ids[2:]})]
    first, second = [service.state.get_server(ids[0])["job_id"], service.state.get_server(ids[2])["job_id"]]
    assert result["jobs"] == [first, second]
    plan = by_name(result)
    for server in old:
        report = plan[server["name"]]
        assert (report["action"], report["status"]) == ("submitted", "succeeded")
        assert report["job_id"] in (first, second) and report["after"] == {"hda_version": LATEST}
    assert result["summary"] == {"total": 4, "unchanged": 1, "skipped": 0, "succeeded": 3, "failed": 0, "pending": 0}
    assert result["progress"][0] == "[group apps-prod] batch 1/2: 2 server(s) submitted"
    assert all(line.startswith("[group apps-prod] ") for line in result["progress"])


def test_a_running_upgrade_is_waited_for_never_resubmitted(service, run):
    group = service.group("apps-prod")
    busy = service.server(group, name="busy", hda_version=OLD)
    job_id = running_upgrade(service, busy)
    service.before("show_job_detail", lambda request: finish(service, job_id))  # it ends while the module waits
    result = run(module, server_group_id=group["id"], **FAST)
    assert service.mutations == [] and not result.failed
    (report,) = result["servers"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "succeeded", job_id)
    assert report["after"] == {"hda_version": LATEST}
    assert result["jobs"] == []  # only the jobs this run submitted


def test_a_sub_job_that_failed_fails_its_server_with_the_services_error(service, run):
    group = service.group("apps-prod")
    bad = service.server(group, name="bad", hda_version=OLD)

    def fail(request):
        job_id = service.job(JOB, [bad], status="RUNNING")
        service.patch(bad, job_id=job_id, job_type=JOB, job_status="RUNNING", task_status="upgrading_access_agent")
        finish(service, job_id, status="FAILED", errors={bad["id"]: ("WKS.00211401", "agent unreachable")})
        return {"job_id": job_id}

    service.reply("batch_upgrade_hda_version", fail)
    result = run(module, server_ids=[bad["id"]], **FAST)
    assert result.failed and result["changed"] is True
    (report,) = result["servers"]
    assert (report["status"], report["error_code"], report["error_msg"]) == (
        "failed", "WKS.00211401", "agent unreachable")
    assert result["msg"].startswith("1 of 1 server(s) failed (bad (%s): WKS.00211401 agent unreachable)" % bad["id"])
    assert len(result["jobs"]) == 1


def test_wait_false_returns_the_jobs_with_the_servers_pending(service, run):
    group = service.group("apps-prod")
    old = service.server(group, name="old", hda_version=OLD)
    service.reply("batch_upgrade_hda_version", {"job_id": "575945548515770999"})
    result = run(module, server_ids=[old["id"]], wait=False)
    assert result["jobs"] == ["575945548515770999"] and result["changed"] is True
    assert [(s["action"], s["status"], s["job_id"]) for s in result["servers"]] == [
        ("submitted", "pending", "575945548515770999")]
    assert service.sent("show_job_detail") == []


def test_a_conflict_with_an_upgrade_started_meanwhile_is_waited_for(service, run):
    group = service.group("apps-prod")
    old = service.server(group, name="old", hda_version=OLD)
    started = {}

    def conflict(request):
        started["job"] = running_upgrade(service, old)  # someone else's upgrade got there first
        return Error(409, "WKS.00211204", "The server has a task in progress. Try again later.")

    service.reply("batch_upgrade_hda_version", conflict)
    service.before("show_job_detail", lambda request: finish(service, started["job"]))
    result = run(module, server_ids=[old["id"]], **FAST)
    assert not result.failed and len(service.mutations) == 1
    (report,) = result["servers"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "succeeded", started["job"])


def test_an_explicit_version_must_be_the_latest_or_the_current_one(service, run):
    group = service.group("apps-prod")
    service.server(group, name="old", hda_version=OLD)
    behind = run(module, server_group_id=group["id"], version=OLDER_HDA["SBC"][1])
    assert behind.failed and behind["msg"] == (
        "version: %s is not the latest HDA version (latest: %s); the API can only upgrade to the latest version, "
        "so use version: latest or %s" % (OLDER_HDA["SBC"][1], LATEST, LATEST))
    assert service.mutations == []
    guarded = run(module, check=True, server_group_id=group["id"], version=LATEST)
    assert guarded["servers"][0]["action"] == "submitted"


def test_bad_input_fails_before_any_request(service, run):
    result = run(module, server_ids=["s1"], version="newest")
    assert result.failed
    assert result["msg"] == "version: 'newest' is not a version; use latest or a version such as 2.0.24.5"
    timeout = run(module, server_ids=["s1"], wait_timeout=0)
    assert timeout.failed and timeout["msg"].startswith("wait_timeout: 0 would time out at once")
    assert service.requests == []


def test_a_batch_job_decides_each_server_by_its_sub_job(service, run):
    group = service.group("apps-prod")
    good, bad = (service.server(group, name=name, hda_version=OLD) for name in ("good", "bad"))
    submitted = {}

    def accept_running(request):  # the job runs; the agent list still shows the old versions
        submitted["job"] = running_job = service.job(JOB, [good, bad], status="RUNNING")
        for server in (good, bad):
            service.patch(server, job_id=running_job, job_type=JOB, job_status="RUNNING",
                          task_status="upgrading_access_agent")
        return {"job_id": running_job}

    def job_ends(request):  # by the time its detail is read: one sub job SUCCESS, one FAILED
        job = service.show_job(submitted["job"], status="FAILED", end_time=service.state.clock.iso())
        for sub in job["sub_jobs"]:
            ok = sub["server_id"] == good["id"]
            sub.update(status="SUCCESS" if ok else "FAILED", end_time=job["end_time"],
                       error_code=None if ok else "WKS.00211401", error_message=None if ok else "disk full")
        service.patch(good, job_status="FAILED", task_status="upgrad_access_agent_success", hda_version=LATEST)
        service.patch(bad, job_status="FAILED", task_status="upgrad_access_agent_fail")

    service.reply("batch_upgrade_hda_version", accept_running)
    service.before("show_job_detail", job_ends)
    result = run(module, server_group_id=group["id"], **FAST)
    assert result.failed and result["changed"] is True and result["jobs"] == [submitted["job"]]
    assert [r.body for r in service.mutations] == [{"items": sorted([good["id"], bad["id"]])}]
    plan = by_name(result)
    assert (plan["good"]["status"], plan["good"]["job_id"], plan["good"]["after"]) == (
        "succeeded", submitted["job"], {"hda_version": LATEST})
    assert (plan["bad"]["status"], plan["bad"]["error_code"], plan["bad"]["error_msg"]) == (
        "failed", "WKS.00211401", "disk full")
    assert plan["bad"]["after"] == {"hda_version": OLD}
    assert result["summary"] == {"total": 2, "unchanged": 0, "skipped": 0, "succeeded": 1, "failed": 1, "pending": 0}
    assert result["msg"].startswith("1 of 2 server(s) failed (bad (%s): WKS.00211401 disk full)" % bad["id"])
