"""app_server_image through main() against recorded API answers: which servers are rebuilt, waited for or left
alone, check mode with its warning, --diff, the request body, the per-server answer, and waiting by the server
list (no job read for a success)."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_image as module

from tests.harness.recorded import Error

JOB = "CHANGE_SERVER_IMAGE"
TARGET = "35998d9a-14f2-48fc-832b-6fc0074dc8f8"
OTHER = "8c1b6f0e-64a4-4b3c-8d1c-5f1d2e3a4b5c"
FAST = dict(poll_interval=0.01, wait_timeout=10)


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def rebuild(service, server, image_id, status="RUNNING", errors=None):
    """A CHANGE_SERVER_IMAGE job on the server (one job per server), as its record and the job detail show it."""
    job_id = service.job(JOB, [server], status=status, errors=errors)
    fields = dict(job_id=job_id, job_type=JOB, job_status=status,
                  task_status={"RUNNING": "rebuilding", "SUCCESS": None, "FAILED": "rebuild_fail"}[status])
    if status == "SUCCESS":
        fields["image_id"] = image_id
    service.patch(server, **fields)
    return job_id


def accept(service, refuse=()):
    """The service's answer to batch-change-image: ServerJobInfo items, a job per server or a per-item error."""
    def answer(request):
        items = []
        for server_id in request.body["server_ids"]:
            if server_id in refuse:
                items.append({"server_id": server_id, "job_id": "", "error_code": "WKS.00211204",
                              "error_message": "The server has a task in progress. Try again later."})
                continue
            job_id = rebuild(service, service.state.get_server(server_id), request.body["image_id"], "SUCCESS")
            items.append({"server_id": server_id, "job_id": job_id, "error_code": "", "error_message": ""})
        return {"items": items}
    return answer


def test_check_mode_marks_the_servers_to_rebuild_warns_and_sends_nothing(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    service.server(group, name="done", image_id=TARGET)
    old = service.server(group, name="old")
    busy = service.server(group, name="busy")
    job_id = rebuild(service, busy, TARGET)
    result = run(module, check=True, diff=True, server_group_id=group["id"], image_id=TARGET, image_type="private")
    assert service.mutations == [] and result["changed"] is True
    plan = by_name(result)
    assert (plan["done"]["action"], plan["done"]["status"]) == ("none", "unchanged")
    assert (plan["old"]["action"], plan["old"]["status"]) == ("submitted", "pending")
    assert (plan["old"]["before"], plan["old"]["after"]) == ({"image_id": OTHER}, {"image_id": TARGET})
    assert (plan["busy"]["action"], plan["busy"]["job_id"]) == ("waited", job_id)
    headline = ("will rebuild the system disk of 1 server(s) onto image %s; their users' sessions end (check mode, "
                "nothing submitted)" % TARGET)
    assert result["msg"] == headline and headline in result.warning_texts
    assert result["diff"]["after_header"] == headline
    assert result["diff"]["after"] == {"old (%s)" % old["id"]: {"image_id": TARGET},
                                       "busy (%s)" % busy["id"]: {"image_id": TARGET}}
    assert result["jobs"] == []


def test_servers_on_the_image_send_nothing(service, run):
    group = service.group("apps-prod", image_id=TARGET)
    service.server(group, name="a")
    result = run(module, server_group_id=group["id"], image_id=TARGET, image_type="private", **FAST)
    assert result["changed"] is False and service.mutations == [] and "msg" not in result
    assert result["summary"]["unchanged"] == 1


def test_a_run_sends_the_image_answers_per_server_and_waits_by_the_server_list(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    good = service.server(group, name="good")
    refused = service.server(group, name="refused")
    service.reply("batch_change_server_image", accept(service, refuse=[refused["id"]]))
    result = run(module, server_group_id=group["id"], image_id=TARGET, image_type="private", **FAST)
    (sent,) = service.sent("batch_change_server_image")
    assert sent.method == "POST" and sent.path == "/v1/%s/app-servers/actions/batch-change-image" % service.project_id
    assert sent.body == {"server_ids": sorted([good["id"], refused["id"]]), "image_id": TARGET,
                         "image_type": "private", "os_type": "Windows", "update_access_agent": False}
    assert result.failed and result["changed"] is True
    plan = by_name(result)
    good_job = service.state.get_server(good["id"])["job_id"]
    assert (plan["good"]["status"], plan["good"]["job_id"], plan["good"]["after"]) == (
        "succeeded", good_job, {"image_id": TARGET})
    assert (plan["refused"]["status"], plan["refused"]["error_code"]) == ("failed", "WKS.00211204")
    assert plan["refused"]["after"] == {"image_id": OTHER}
    assert result["jobs"] == [good_job]
    assert result["summary"] == {"total": 2, "unchanged": 0, "skipped": 0, "succeeded": 1, "failed": 1, "pending": 0}
    assert service.sent("show_job_detail") == []  # a success is read from the server list, not from its job


def test_a_failed_rebuild_costs_one_job_read_for_its_error_code(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    server = service.server(group, name="a")

    def fail(request):
        job_id = rebuild(service, server, TARGET, status="FAILED",
                         errors={server["id"]: ("WKS.00211401", "The image cannot be used.")})
        return {"items": [{"server_id": server["id"], "job_id": job_id, "error_code": "", "error_message": ""}]}

    service.reply("batch_change_server_image", fail)
    result = run(module, server_ids=[server["id"]], image_id=TARGET, image_type="private", **FAST)
    assert result.failed
    (report,) = result["servers"]
    assert (report["status"], report["error_code"], report["error_msg"]) == (
        "failed", "WKS.00211401", "The image cannot be used.")
    assert len(service.sent("show_job_detail")) == 1


def test_a_running_change_onto_another_image_is_waited_for_then_reported_failed(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    server = service.server(group, name="a", image_id=TARGET)
    job_id = rebuild(service, server, OTHER)  # someone rebuilds it onto OTHER

    def ends(request):
        service.show_job(job_id, status="SUCCESS", sub_status="SUCCESS")
        service.patch(server, job_status="SUCCESS", task_status=None, image_id=OTHER)

    service.before("list_servers", lambda request: service.before("list_servers", ends))  # ends after planning
    result = run(module, server_ids=[server["id"]], image_id=TARGET, image_type="private", **FAST)
    assert result.failed and service.mutations == []
    (report,) = result["servers"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "failed", job_id)
    assert report["after"] == {"image_id": OTHER} and OTHER in report["error_msg"]


def test_gold_without_an_image_product_id_is_sent_and_left_to_the_service(service, run):
    """Issue 27: the real service takes a gold image without image_product_id (Terraform's batch change-image test
    sends none), so nothing refuses it before the call; with one, it is sent as given."""
    group = service.group("apps-prod", image_id=OTHER)
    first, second = service.server(group, name="a"), service.server(group, name="b")
    service.reply("batch_change_server_image", accept(service))
    bare = run(module, server_ids=[first["id"]], image_id=TARGET, image_type="gold", **FAST)
    assert not bare.failed and bare["changed"] is True
    (sent,) = service.sent("batch_change_server_image")
    assert sent.body == {"server_ids": [first["id"]], "image_id": TARGET, "image_type": "gold", "os_type": "Windows",
                         "update_access_agent": False}
    result = run(module, server_ids=[second["id"]], image_id=TARGET, image_type="gold", image_product_id="prod-9",
                 os_type="Linux", update_access_agent=True, **FAST)
    assert not result.failed
    sent = service.sent("batch_change_server_image")[-1]
    assert sent.body == {"server_ids": [second["id"]], "image_id": TARGET, "image_type": "gold", "os_type": "Linux",
                         "image_product_id": "prod-9", "update_access_agent": True}


def test_a_gold_image_the_service_refuses_without_product_id_fails_with_its_message(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    server = service.server(group, name="a")
    service.reply("batch_change_server_image", Error(400, "WKS.00211102", "image_product_id is required."))
    result = run(module, server_ids=[server["id"]], image_id=TARGET, image_type="gold", **FAST)
    assert result.failed and len(service.sent("batch_change_server_image")) == 1
    assert "image_product_id is required." in result["msg"] + repr(result.get("servers"))


def test_a_batch_the_service_finds_too_large_names_the_batch_size(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    for name in ("a", "b", "c"):
        service.server(group, name=name)
    service.reply("batch_change_server_image", Error(400, "WKS.00211102", "The parameter is invalid."))
    result = run(module, server_group_id=group["id"], image_id=TARGET, image_type="private", batch_size=2, **FAST)
    assert result.failed and len(service.mutations) == 1  # the next batch is not sent
    assert "a batch of 2 servers" in result["msg"] and "lower batch_size" in result["msg"]
    assert result["summary"]["failed"] == 3 and result["jobs"] == [] and result["changed"] is False


def test_a_server_error_resends_only_the_servers_that_show_no_new_image_job(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    applied, missed = service.server(group, name="applied"), service.server(group, name="missed")
    accepted = accept(service)

    def half_applied(request):  # the service started the first server's job, then failed
        rebuild(service, applied, TARGET, "SUCCESS")
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply("batch_change_server_image", half_applied, accepted)
    result = run(module, server_ids=[applied["id"], missed["id"]], image_id=TARGET, image_type="private", **FAST)
    assert not result.failed, result["msg"]
    first, second = service.sent("batch_change_server_image")
    assert sorted(first.body["server_ids"]) == sorted([applied["id"], missed["id"]])
    assert second.body["server_ids"] == [missed["id"]]
    plan = by_name(result)
    assert plan["applied"]["job_id"] == service.state.get_server(applied["id"])["job_id"]
    assert all(s["status"] == "succeeded" for s in result["servers"]) and len(result["jobs"]) == 2


def test_wait_false_says_the_servers_are_rebuilding(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    server = service.server(group, name="a")
    service.reply("batch_change_server_image", accept(service))
    result = run(module, server_ids=[server["id"]], image_id=TARGET, image_type="private", wait=False)
    assert result["msg"] == ("rebuilding the system disk of 1 server(s) onto image %s; their users' sessions end "
                             "(not waited for)" % TARGET)
    assert result["servers"][0]["status"] == "pending" and result["jobs"] == [result["servers"][0]["job_id"]]
    assert service.requests[-1].operation == "batch_change_server_image"  # nothing read after it: no polling


def test_the_plan_lists_the_servers_rebuilt_and_the_sessions_that_end(service, run):
    """Check mode, --diff and the real run name each server rebuilt and each user whose session ends (issue 26)."""
    group = service.group("apps-prod", image_id=OTHER)
    service.server(group, name="done", image_id=TARGET)  # not rebuilt: not listed
    web2, web1 = service.server(group, name="web-02"), service.server(group, name="web-01")
    service.state.log_on(web2["id"], user_name="carol", session_state="Disconnected")
    service.state.log_on(web2["id"], user_name="alice")
    interrupts = ["server web-01 (%s): rebuilt" % web1["id"], "server web-02 (%s): rebuilt" % web2["id"],
                  "session alice (Active) on web-02 (%s)" % web2["id"],
                  "session carol (Disconnected) on web-02 (%s)" % web2["id"]]
    check = run(module, check=True, diff=True, server_group_id=group["id"], image_id=TARGET, image_type="private")
    assert check["interrupts"] == interrupts and "destroys" not in check and service.mutations == []
    assert check["diff"]["prepared"] == "would interrupt (4):\n" + "".join("  %s\n" % line for line in interrupts)
    assert [s["name"] for s in check["servers"]] == ["done", "web-01", "web-02"]  # name order
    assert ("this run would end 2 user session(s): alice (Active) on web-02 (%s); carol (Disconnected) on web-02 "
            "(%s)" % (web2["id"], web2["id"])) in check.warning_texts
    service.reply("batch_change_server_image", accept(service))
    result = run(module, server_group_id=group["id"], image_id=TARGET, image_type="private", **FAST)
    assert not result.failed and result["interrupts"] == interrupts
    assert any(w.startswith("this run ends 2 user session(s): alice (Active) on web-02") for w in result.warning_texts)


def test_a_plan_without_sessions_reads_none(service, run):
    group = service.group("apps-prod", image_id=OTHER)
    web1 = service.server(group, name="web-01")
    check = run(module, check=True, server_group_id=group["id"], image_id=TARGET, image_type="private")
    assert check["interrupts"] == ["server web-01 (%s): rebuilt" % web1["id"]]
    assert service.sent("list_sessions") == []  # the server records count no session: nothing more is read
