"""app_server_reinstall through main() against recorded API answers: the re-run rule (a reinstall that succeeded
within skip_succeeded_within minutes is left alone, a failed one is sent again, a running one is waited for, a
server busy with another job is skipped), check mode and --diff saying the disk is rebuilt and which sessions end,
batches and the request body, the per-server answer, a 500 after the batch was applied (nothing sent twice) and bad
input before any request."""

import time

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_reinstall as module

from tests.harness.recorded import Error

JOB = "REINSTALL_OS"
FAST = dict(poll_interval=0.01, wait_timeout=10)
HEADLINE = ("will reinstall the operating system of %d server(s) (the system disk is rebuilt from the server's image; "
            "their users' sessions end) (check mode, nothing submitted)")


def ago(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - seconds))


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def last_job(service, server, status, job_type=JOB, seconds_ago=0):
    """The server's last job as its record and the job detail show it."""
    job_id = service.job(job_type, [server], status=status)
    task = {"RUNNING": "rebuilding", "SUCCESS": None, "FAILED": "rebuild_fail"}[status]
    service.patch(server, job_id=job_id, job_type=job_type, job_status=status, task_status=task,
                  update_time=ago(seconds_ago))
    return job_id


def accept(service, refuse=()):
    """The service's answer to batch-reinstall: ServerJobInfo items, one finished job per server or an error."""
    def answer(request):
        items = []
        for server_id in request.body["server_ids"]:
            if server_id in refuse:
                items.append({"server_id": server_id, "job_id": "", "error_code": "WKS.00211204",
                              "error_message": "The server has a task in progress. Try again later."})
                continue
            job_id = last_job(service, service.state.get_server(server_id), "SUCCESS")
            items.append({"server_id": server_id, "job_id": job_id, "error_code": "", "error_message": ""})
        return {"items": items}
    return answer


def fleet(service):
    group = service.group("apps-prod")
    servers = dict((name, service.server(group, name=name))
                   for name in ("recent", "stale", "failed", "running", "busy", "fresh"))
    last_job(service, servers["recent"], "SUCCESS", seconds_ago=600)
    last_job(service, servers["stale"], "SUCCESS", seconds_ago=2 * 3600)
    last_job(service, servers["failed"], "FAILED", seconds_ago=60)
    running = last_job(service, servers["running"], "RUNNING")
    last_job(service, servers["busy"], "RUNNING", job_type="CHANGE_SERVER_IMAGE")
    return group, servers, running


def test_check_mode_and_diff_plan_by_the_rerun_rule_and_say_the_disk_is_rebuilt(service, run):
    group, servers, running = fleet(service)
    service.state.log_on(servers["fresh"]["id"], user_name="alice")
    result = run(module, check=True, diff=True, server_group_id=group["id"])
    assert service.mutations == [] and result["changed"] is True
    plan = by_name(result)
    assert {name: (entry["action"], entry["status"]) for name, entry in plan.items()} == {
        "recent": ("none", "unchanged"), "stale": ("submitted", "pending"), "failed": ("submitted", "pending"),
        "running": ("waited", "pending"), "busy": ("none", "skipped"), "fresh": ("submitted", "pending")}
    assert plan["running"]["job_id"] == running
    assert "CHANGE_SERVER_IMAGE job" in plan["busy"]["error_msg"]
    assert plan["fresh"]["before"] == {"last_reinstall": None}
    assert plan["fresh"]["after"] == {"last_reinstall": "SUCCESS", "system_disk": "rebuilt"}
    assert plan["recent"]["before"]["last_reinstall"].startswith("SUCCESS at ")
    headline = HEADLINE % 3
    assert result["msg"] == headline + "; will wait for 1 server(s) already being repaired"
    assert headline in result.warning_texts
    fresh = "fresh (%s)" % servers["fresh"]["id"]
    assert "server %s: system disk rebuilt" % fresh in result["interrupts"]
    assert "session alice (Active) on %s" % fresh in result["interrupts"]
    assert any("alice" in text and fresh in text for text in result.warning_texts)  # the sessions that end
    assert "would interrupt (4):" in result["diff"]["prepared"]
    assert sorted(result["diff"]["after"]) == sorted("%s (%s)" % (name, servers[name]["id"])
                                                     for name in ("stale", "failed", "running", "fresh"))
    assert result["jobs"] == []


def test_a_run_sends_batches_answers_per_server_waits_by_the_list_and_a_rerun_changes_nothing(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group, name=name) for name in ("a", "b", "c")]
    refused = servers[2]["id"]
    service.reply("batch_reinstall_server", accept(service, refuse=[refused]))
    result = run(module, server_group_id=group["id"], batch_size=2, update_access_agent=True, **FAST)
    first, second = service.sent("batch_reinstall_server")
    assert first.method == "POST" and first.path == "/v1/%s/app-servers/actions/batch-reinstall" % service.project_id
    ids = sorted(server["id"] for server in servers)
    assert first.body == {"server_ids": ids[:2], "update_access_agent": True}
    assert second.body == {"server_ids": ids[2:], "update_access_agent": True}
    assert result.failed and result["changed"] is True
    plan = by_name(result)
    assert (plan["a"]["status"], plan["b"]["status"]) == ("succeeded", "succeeded")
    assert (plan["c"]["status"], plan["c"]["error_code"]) == ("failed", "WKS.00211204")
    assert len(result["jobs"]) == 2 and service.sent("show_job_detail") == []  # successes read from the list

    service.requests.clear()
    again = run(module, server_ids=[servers[0]["id"], servers[1]["id"]], **FAST)
    assert again["changed"] is False and service.mutations == []
    assert again["summary"]["unchanged"] == 2 and "msg" not in again
    forced = run(module, check=True, server_ids=[servers[0]["id"]], skip_succeeded_within=0)
    assert forced["changed"] is True and forced["servers"][0]["action"] == "submitted"


def test_a_running_reinstall_is_waited_for_never_sent_again(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    job_id = last_job(service, server, "RUNNING")

    def ends(request):
        service.show_job(job_id, status="SUCCESS", sub_status="SUCCESS")
        service.patch(server, job_status="SUCCESS", task_status=None, update_time=ago(0))

    service.before("list_servers", lambda request: service.before("list_servers", ends))  # ends after planning
    result = run(module, server_ids=[server["id"]], **FAST)
    assert not result.failed and service.mutations == [], result.get("msg")
    (report,) = result["servers"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "succeeded", job_id)
    assert result["jobs"] == [] and result["changed"] is False  # this run changed nothing: it waited
    assert result["msg"] == "waited for 1 server(s) already being repaired"


def test_a_server_error_after_the_batch_was_applied_sends_only_what_shows_no_new_reinstall(service, run):
    group = service.group("apps-prod")
    applied, missed = service.server(group, name="applied"), service.server(group, name="missed")

    def half_applied(request):  # the service started the first server's job, then failed
        last_job(service, applied, "SUCCESS")
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply("batch_reinstall_server", half_applied, accept(service))
    result = run(module, server_ids=[applied["id"], missed["id"]], **FAST)
    assert not result.failed, result["msg"]
    first, second = service.sent("batch_reinstall_server")
    assert sorted(first.body["server_ids"]) == sorted([applied["id"], missed["id"]])
    assert second.body["server_ids"] == [missed["id"]]
    assert by_name(result)["applied"]["job_id"] == service.state.get_server(applied["id"])["job_id"]
    assert all(s["status"] == "succeeded" for s in result["servers"]) and len(result["jobs"]) == 2


def test_bad_input_fails_before_any_request(service, run):
    group = service.group("apps-prod")
    service.server(group, name="a")
    late = run(module, server_group_id=group["id"], skip_succeeded_within=-1)
    assert late.failed and "skip_succeeded_within" in late["msg"] and "0..10080" in late["msg"]
    big = run(module, server_group_id=group["id"], batch_size=21)
    assert big.failed and "batch_size" in big["msg"]
    typo = run(module, server_group_id=group["id"], update_access_agent="maybe")
    assert typo.failed and "update_access_agent" in typo["msg"]
    assert service.requests == []


def test_wait_false_says_the_servers_are_being_reinstalled(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_reinstall_server", accept(service))
    result = run(module, server_ids=[server["id"]], wait=False)
    assert result["msg"] == ("started to reinstall the operating system of 1 server(s) (the system disk is rebuilt "
                             "from the server's image; their users' sessions end) (not waited for)")
    assert result["servers"][0]["status"] == "pending" and result["jobs"] == [result["servers"][0]["job_id"]]
    assert service.requests[-1].operation == "batch_reinstall_server"  # nothing read after it: no polling
