"""app_job_info through main() against recorded API answers: the v2 job detail and its sub jobs as the module
returns them, and an unknown job."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_job_info as module


def test_the_job_and_its_sub_jobs_per_server(service, run):
    group = service.group("apps-prod")
    good, bad = service.server(group, name="good"), service.server(group, name="bad")
    job_id = service.job("UPGRADE_ACCESS_AGENT", [good, bad], status="FAILED",
                         sub_status={good["id"]: "SUCCESS", bad["id"]: "FAILED"},
                         errors={bad["id"]: ("WKS.00211401", "agent unreachable")})
    result = run(module, check=True, job_id=job_id)
    assert result["changed"] is False and service.mutations == []
    (read,) = service.requests
    assert (read.method, read.path) == ("GET", "/v2/%s/job/%s" % (service.project_id, job_id))
    detail = service.state.job_view(service.state.get_job(job_id))
    job = result["job"]
    assert (job["id"], job["job_type"], job["status"], job["sub_jobs_total"]) == (
        job_id, "UPGRADE_ACCESS_AGENT", "FAILED", 2)
    assert (job["begin_time"], job["end_time"]) == (detail["begin_time"], detail["end_time"])
    assert job["sub_jobs"] == [
        dict(id=detail["sub_jobs"][0]["id"], server_id=good["id"], status="SUCCESS", error_code=None,
             error_msg=None),
        dict(id=detail["sub_jobs"][1]["id"], server_id=bad["id"], status="FAILED", error_code="WKS.00211401",
             error_msg="agent unreachable"),
    ]


def test_a_running_job_has_no_end_time(service, run):
    group = service.group("apps-prod")
    job_id = service.job("UPDATE_SERVER_TSVI", [service.server(group)], status="RUNNING")
    job = run(module, job_id=job_id)["job"]
    assert job["status"] == "RUNNING" and job["end_time"] is None and job["sub_jobs"][0]["status"] == "RUNNING"


def test_an_unknown_job_fails_naming_the_option(service, run):
    result = run(module, job_id="575945548515770000")
    assert result.failed and result["msg"].startswith("job_id: no job with id '575945548515770000' (")
    assert result["error"]["status"] == 404 and result["error"]["error_code"] == "WKS.00211203"
    missing = run(module)
    assert missing.failed and "job_id" in missing["msg"] and len(service.requests) == 1


def test_unexpected_names_an_unknown_job_and_sub_job_status_with_the_server(service, run):
    group = service.group("apps-prod")
    good, odd = service.server(group, name="good"), service.server(group, name="odd")
    done = service.job("UPGRADE_ACCESS_AGENT", [good, odd])
    assert run(module, job_id=done)["unexpected"] == []
    job_id = service.job("UPGRADE_ACCESS_AGENT", [good, odd], status="PAUSED",
                         sub_status={good["id"]: "SUCCESS", odd["id"]: "SUSPENDED"})
    result = run(module, job_id=job_id)
    assert len(service.sent("show_job_detail")) == 2  # one read per run: the findings come from it
    sub = result["job"]["sub_jobs"][1]
    assert [(f["kind"], f["id"], f["name"], f["field"], f["value"], f["why"]) for f in result["unexpected"]] == [
        ("job", job_id, "UPGRADE_ACCESS_AGENT", "status", "PAUSED", "unknown JobStatus value"),
        ("sub_job", sub["id"], "odd", "status", "SUSPENDED", "unknown JobDetailStatus value")]
