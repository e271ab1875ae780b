"""app_image through main() against the recorded service (the simulator's image server model applies each scripted
call): a build waited for with the image id from its job, a re-run that finds the build by name and builds nothing,
a running build waited for, a lost build answer not built twice, a failed build built again, check mode and bad input
before any request."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_image as module

from tests.harness.image_servers import FAST, made_image_server, serve_image_servers


def builds(service):
    return [job for job in service.state.image_jobs.values() if job["job_type"] == "CREATE_SERVER_IMAGE"]


def test_a_build_is_waited_for_and_a_rerun_finds_it_by_name(service, run):
    serve_image_servers(service)
    image_server_id = made_image_server(service)
    result = run(module, name="golden 1", image_server_name="golden-src", description="office", **FAST)
    assert result["changed"] is True and result["action"] == "build", result
    image = result["image"]
    assert image["id"] and image["id"] == service.state.image_servers[image_server_id]["image_id"]
    assert (image["name"], image["status"], result["image_server_id"]) == ("golden 1", "SUCCESS", image_server_id)
    (build,) = service.mutations
    assert result["jobs"] == [image["job_id"]] == [job["id"] for job in builds(service)]
    assert build.body == dict(name="golden 1", description="office", execute_sysprep=True)
    again = run(module, name="golden 1", image_server_id=image_server_id, **FAST)
    assert again["changed"] is False and again["action"] == "none" and again["image"] == image
    assert again["jobs"] == []
    assert len(service.mutations) == 1
    # found by its build even once the image server is gone: it is not looked up
    service.state.delete_image_servers([image_server_id])
    service.state.fast_forward(61)
    assert run(module, name="golden 1", image_server_name="golden-src", **FAST)["image"] == image


def test_check_mode_reports_the_plan_and_sends_nothing(service, run):
    serve_image_servers(service)
    image_server_id = made_image_server(service)
    plan = run(module, check=True, name="golden 1", image_server_id=image_server_id, execute_sysprep=False, **FAST)
    assert (plan["changed"], plan["action"], plan["image"]) == (
        True, "build", dict(id=None, name="golden 1", job_id=None, status=None))
    service.state.build_image(image_server_id, dict(name="golden 1"))
    running = run(module, check=True, name="golden 1", image_server_id=image_server_id, **FAST)
    assert (running["changed"], running["action"], running["image"]["status"]) == (False, "wait", "WAITING")
    assert service.mutations == []
    # an image server that does not exist yet (an earlier task of a checked play would create it): planned, warned
    missing = run(module, check=True, name="golden 2", image_server_name="nope", **FAST)
    assert (missing["changed"], missing["action"], missing.get("image_server_id")) == (True, "build", None), missing
    assert any("'nope' does not exist (yet)" in text for text in missing.warning_texts)
    # a real run fails on it, before anything is sent
    real = run(module, name="golden 2", image_server_name="nope", **FAST)
    assert real.failed and real["msg"].startswith("image_server_name: no image server is named 'nope'")
    assert service.mutations == []


def test_a_running_build_is_waited_for_not_built_again(service, run):
    serve_image_servers(service)
    image_server_id = made_image_server(service)
    job = service.state.build_image(image_server_id, dict(name="golden 1"))
    result = run(module, name="golden 1", image_server_id=image_server_id, **FAST)
    assert (result["changed"], result["action"], result["image"]["job_id"]) == (False, "wait", job["id"])
    assert result["image"]["id"] == service.state.image_servers[image_server_id]["image_id"]
    assert service.mutations == [] and len(builds(service)) == 1


def test_a_lost_build_answer_is_settled_by_the_builds_not_built_twice(service, run):
    serve_image_servers(service, lost=("recreate_server_image",))
    image_server_id = made_image_server(service)
    result = run(module, name="golden 1", image_server_id=image_server_id, **FAST)
    assert not result.failed and result["action"] == "build", result
    assert len(service.sent("recreate_server_image")) == 1 and len(builds(service)) == 1
    assert result["image"]["id"] == service.state.image_servers[image_server_id]["image_id"]
    assert any("shows it was applied" in text for text in result.warning_texts)


def test_a_failed_build_fails_the_task_and_a_rerun_builds_again(service, run):
    serve_image_servers(service)
    image_server_id = made_image_server(service)
    service.state.fail_next_image_job(job_type="CREATE_SERVER_IMAGE", error_code="WKS.00219999",
                                      error_msg="sysprep failed")
    failed = run(module, name="golden 1", image_server_id=image_server_id, **FAST)
    assert failed.failed and "WKS.00219999 sysprep failed" in failed["msg"]
    again = run(module, name="golden 1", image_server_id=image_server_id, **FAST)
    assert again["action"] == "build" and again["image"]["status"] == "SUCCESS" and len(builds(service)) == 2


def test_bad_input_fails_before_any_request(service, run):
    for name in (" golden", "golden ", "golden<1>", "x" * 129):
        bad = run(module, name=name, image_server_id="abc", **FAST)
        assert bad.failed and bad["msg"].startswith("name: ") and "not a valid image name" in bad["msg"]
    neither = run(module, name="golden 1", **FAST)
    assert neither.failed and "image_server_id" in neither["msg"] and "image_server_name" in neither["msg"]
    both = run(module, name="golden 1", image_server_id="a", image_server_name="b", **FAST)
    assert both.failed and "mutually exclusive" in both["msg"]
    zero = run(module, name="golden 1", image_server_id="a", wait_timeout=0)
    assert zero.failed and zero["msg"].startswith("wait_timeout: 0")
    assert service.requests == []
