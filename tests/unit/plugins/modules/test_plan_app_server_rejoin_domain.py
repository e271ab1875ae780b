"""app_server_rejoin_domain through main() against recorded API answers: one job per batch, waited for by the job
while every server shows REGISTERED (a failed sub job fails its server whatever the status says), the re-run rule,
check mode and --diff (no interruption declared), a running rejoin waited for, a 500 after the batch was applied
(nothing sent twice) and bad input before any request."""

import time

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_rejoin_domain as module

from tests.harness.recorded import Error

JOB = "REJOIN_DOMAIN"
FAST = dict(poll_interval=0.01, wait_timeout=10)


def ago(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - seconds))


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def joining(service, servers, status="RUNNING", sub_status=None, errors=None, seconds_ago=0):
    """A REJOIN_DOMAIN job on ``servers``, as the records show it: status REGISTERED throughout."""
    job_id = service.job(JOB, servers, status=status, sub_status=sub_status, errors=errors)
    for server in servers:
        sub = (sub_status or {}).get(server["id"], status) if isinstance(sub_status, dict) else (sub_status or status)
        service.patch(server, status="REGISTERED", job_id=job_id, job_type=JOB, job_status=sub,
                      task_status="rejoining_domain" if sub == "RUNNING" else None, update_time=ago(seconds_ago))
    return job_id


def test_check_mode_and_diff_plan_by_the_rerun_rule(service, run):
    group = service.group("apps-prod")
    recent, stale, fresh = (service.server(group, name=name) for name in ("recent", "stale", "fresh"))
    joining(service, [recent], status="SUCCESS", seconds_ago=300)
    joining(service, [stale], status="SUCCESS", seconds_ago=3 * 3600)
    service.state.log_on(fresh["id"], user_name="alice")
    result = run(module, check=True, diff=True, server_group_id=group["id"])
    assert service.mutations == [] and result["changed"] is True
    plan = by_name(result)
    assert {name: entry["action"] for name, entry in plan.items()} == {
        "recent": "none", "stale": "submitted", "fresh": "submitted"}
    assert plan["fresh"]["after"] == {"last_rejoin": "SUCCESS", "domain": "rejoined"}
    assert result["msg"] == "will rejoin 2 server(s) to their domain (check mode, nothing submitted)"
    assert "interrupts" not in result and "prepared" not in result["diff"]  # no interruption declared
    assert not any(fresh["id"] in text for text in result.warning_texts)  # no session warned of
    shorter = run(module, check=True, server_group_id=group["id"], skip_succeeded_within=1)
    assert by_name(shorter)["recent"]["action"] == "submitted"


def test_the_wait_follows_the_job_not_the_registered_status(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group, name=name) for name in ("a", "b", "c")]
    ids = sorted(server["id"] for server in servers)
    jobs = []

    def submit(request):  # every server stays REGISTERED, the job runs; the first answer's job fails one server
        targets = [service.state.get_server(sid) for sid in request.body["items"]]
        jobs.append(joining(service, targets))
        return {"job_id": jobs[-1]}

    def ends(request):  # the jobs end the second time the module looks
        first, second = jobs
        failed = service.state.get_server(ids[1])
        service.show_job(first, status="FAILED", end_time=ago(0))
        for sub in service.state.get_job(first)["sub_jobs"]:
            sub["status"], sub["error_code"] = ("FAILED", "WKS.00211999") if sub["server_id"] == failed["id"] else (
                "SUCCESS", None)
        service.show_job(second, status="SUCCESS", sub_status="SUCCESS")
        for sid in ids:
            record = service.state.get_server(sid)
            service.patch(record, job_status="FAILED" if sid == failed["id"] else "SUCCESS", task_status=None)

    service.reply("batch_rejoin_domain", submit)
    polls = []

    def count(request):
        polls.append(request.operation)
        if len(polls) == 2:
            ends(request)

    for operation in ("show_job_detail", "list_servers"):
        service.before(operation, count, once=False)
    result = run(module, server_group_id=group["id"], batch_size=2, **FAST)
    first, second = service.sent("batch_rejoin_domain")
    assert first.method == "PATCH" and first.path == (
        "/v1/%s/app-servers/actions/batch-rejoin-domain" % service.project_id)
    assert (first.body, second.body) == ({"items": ids[:2]}, {"items": ids[2:]})
    assert result["jobs"] == jobs and result.failed and len(polls) >= 2  # a round saw REGISTERED and a running job
    by_id = dict((entry["id"], entry) for entry in result["servers"])
    assert [by_id[sid]["status"] for sid in ids] == ["succeeded", "failed", "succeeded"]
    assert by_id[ids[1]]["error_code"] == "WKS.00211999" and by_id[ids[0]]["job_id"] == jobs[0]
    assert all(service.state.get_server(sid)["status"] == "REGISTERED" for sid in ids)

    service.requests.clear()
    service.reply("batch_rejoin_domain", lambda request: {"job_id": joining(service, [service.state.get_server(
        sid) for sid in request.body["items"]], status="SUCCESS")})
    again = run(module, server_group_id=group["id"], **FAST)  # the failed one only
    assert not again.failed and again["summary"]["succeeded"] == 1
    (resent,) = service.sent("batch_rejoin_domain")
    assert resent.body == {"items": [ids[1]]}
    assert [entry["action"] for entry in sorted(again["servers"], key=lambda e: e["id"])] == [
        "none", "submitted", "none"]


def test_a_running_rejoin_is_waited_for_never_sent_again(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    job_id = joining(service, [server])

    def ends(request):
        service.show_job(job_id, status="SUCCESS", sub_status="SUCCESS")
        service.patch(server, job_status="SUCCESS", task_status=None)

    service.before("show_job_detail", ends)
    result = run(module, server_ids=[server["id"]], **FAST)
    assert not result.failed and service.mutations == []
    (report,) = result["servers"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "succeeded", job_id)
    assert result["msg"] == "waited for 1 server(s) already being repaired"


def test_a_server_error_after_the_batch_was_applied_is_read_back_not_sent_again(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group, name=name) for name in ("a", "b")]
    applied = []

    def lost(request):  # the service started the job, then failed
        applied.append(joining(service, servers, status="SUCCESS"))
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply("batch_rejoin_domain", lost)
    result = run(module, server_group_id=group["id"], **FAST)
    assert not result.failed, result["msg"]
    assert len(service.sent("batch_rejoin_domain")) == 1
    assert [entry["job_id"] for entry in result["servers"]] == applied * 2
    assert all(entry["status"] == "succeeded" for entry in result["servers"])


def test_bad_input_fails_before_any_request(service, run):
    group = service.group("apps-prod")
    service.server(group, name="a")
    late = run(module, server_group_id=group["id"], skip_succeeded_within=10081)
    assert late.failed and "skip_succeeded_within" in late["msg"] and "0..10080" in late["msg"]
    big = run(module, server_group_id=group["id"], batch_size=0)
    assert big.failed and "batch_size" in big["msg"]
    both = run(module, server_group_id=group["id"], server_ids=["x"])
    assert both.failed and "server_ids" in both["msg"]
    assert service.requests == []
