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


def image_jobs(service):
    """An image server made by its CREATE_SERVER image job, and an image build from it that failed: the simulator's
    own image jobs (ended: the clock moved past them)."""
    base = service.group("apps-prod")["image_id"]
    created = service.state.create_image_server(dict(
        name="golden-src", root_volume=dict(type="SAS", size=80), image_ref=dict(id=base, image_type="private"),
        vpc_id="vpc-1", subnet_id="subnet-1", product_id="p", authorize_accounts=[]))
    service.state.fast_forward(61)
    (image_server_id,) = service.state.image_servers
    service.state.fail_next_image_job(job_type="CREATE_SERVER_IMAGE", error_code="WKS.00219999",
                                      error_msg="sysprep failed")
    failed = service.state.build_image(image_server_id, dict(name="golden 1"))
    service.state.fast_forward(61)
    built = service.state.build_image(image_server_id, dict(name="golden 2"))
    service.state.fast_forward(61)
    return image_server_id, created["id"], failed["id"], built["id"]


def test_an_image_server_job_is_read_from_the_image_endpoint_with_what_it_created(service, run):
    image_server_id, created, failed, built = image_jobs(service)
    result = run(module, check=True, job_id=created, job_kind="image")
    (read,) = service.requests
    assert (read.method, read.path) == ("GET", "/v1/%s/image-server-jobs/%s" % (service.project_id, created))
    job = result["job"]
    assert (job["kind"], job["job_type"], job["status"], job["resource_id"]) == (
        "image", "CREATE_SERVER", "SUCCESS", image_server_id)
    (sub,) = job["sub_jobs"]
    assert sub == dict(id=sub["id"], server_id=None, resource_id=image_server_id, resource_name="golden-src",
                       job_type="CREATE_SERVER", status="SUCCESS", error_code=None, error_msg=None)
    assert result["unexpected"] == [] and result["changed"] is False

    image_id = service.state.image_servers[image_server_id]["image_id"]
    assert run(module, job_id=built, job_kind="image")["job"]["resource_id"] == image_id
    broken = run(module, job_id=failed, job_kind="image")["job"]
    assert (broken["status"], broken["resource_id"]) == ("FAILED", None)  # a failed build made no image
    assert [(s["resource_name"], s["status"], s["error_code"], s["error_msg"]) for s in broken["sub_jobs"]] == [
        ("golden 1", "FAILED", "WKS.00219999", "sysprep failed")]


def test_auto_reads_the_server_endpoint_first_and_the_image_endpoint_on_a_404(service, run):
    _unused, created, _failed, _built = image_jobs(service)
    server_job = service.job("UPGRADE_ACCESS_AGENT", [service.server(service.group("apps-test"))])
    assert run(module, job_id=server_job, job_kind="auto")["job"]["kind"] == "server"
    assert [r.operation for r in service.requests] == ["show_job_detail"]
    image = run(module, job_id=created, job_kind="auto")["job"]
    assert (image["kind"], image["job_type"]) == ("image", "CREATE_SERVER")
    assert [r.operation for r in service.requests[1:]] == ["show_job_detail", "show_image_job"]


def test_a_job_on_the_other_endpoint_is_unknown_and_the_message_says_where_it_looked(service, run):
    _unused, created, _failed, _built = image_jobs(service)
    server_job = service.job("UPGRADE_ACCESS_AGENT", [service.server(service.group("apps-test"))])
    as_server = run(module, job_id=created)
    assert as_server.failed and as_server["msg"].startswith("job_id: no job with id '%s' (" % created)
    assert as_server["msg"].endswith("; an image server job is read with job_kind=image")
    as_image = run(module, job_id=server_job, job_kind="image")
    assert as_image.failed and as_image["msg"].startswith(
        "job_id: no job with id '%s' among the image server jobs (" % server_job)
    nowhere = run(module, job_id="575945548515770000", job_kind="auto")
    assert nowhere.failed and "among the server jobs or the image server jobs" in nowhere["msg"]
    assert nowhere["error"]["status"] == 404
    bad = run(module, job_id=created, job_kind="images")
    assert bad.failed and "job_kind" in bad["msg"] and "server, image, auto" in bad["msg"]
    assert service.mutations == []


def test_unexpected_names_an_unknown_image_sub_job_status(service, run):
    _unused, created, _failed, _built = image_jobs(service)
    service.state.image_jobs[created]["sub_jobs"][0]["status"] = "PAUSED"
    result = run(module, job_id=created, job_kind="image")
    assert [(f["kind"], f["name"], f["field"], f["value"], f["why"]) for f in result["unexpected"]] == [
        ("image_sub_job", "golden-src", "status", "PAUSED", "unknown ImageJobDetailStatus value")]
