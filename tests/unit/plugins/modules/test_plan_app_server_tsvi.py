"""app_server_tsvi through main() against recorded API answers: what the module observes of each server's last
job (applied, failed, running, unknown), the group's setting sent per batch, force, the enable guard, check mode
with its reboot warning, --diff and a run with canned jobs."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_tsvi as module

from simulator.jobs import TASK_STATUS, TSVI_JOB, UPGRADE_JOB

FAST = dict(poll_interval=0.01, wait_timeout=10)
WHAT = "to apply their server group's virtual session IP setting"


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def last_job(service, server, job_type, status):
    """The server's last job, as its record and the job detail show it."""
    job_id = service.job(job_type, [server], status=status)
    running, succeeded, failed = TASK_STATUS[job_type]
    task = {"RUNNING": running, "SUCCESS": succeeded, "FAILED": failed}[status]
    service.patch(server, job_id=job_id, job_type=job_type, job_status=status, task_status=task)
    return job_id


def tsvi_fleet(service, ip_virtual=True):
    group = service.group("apps-prod", ip_virtual=ip_virtual)
    servers = dict((name, service.server(group, name=name)) for name in ("failed", "running", "applied", "unknown"))
    last_job(service, servers["failed"], TSVI_JOB, "FAILED")
    running_job = last_job(service, servers["running"], TSVI_JOB, "RUNNING")
    last_job(service, servers["applied"], TSVI_JOB, "SUCCESS")
    return group, servers, running_job


def test_check_mode_submits_failed_servers_waits_for_running_ones_and_warns_of_reboots(service, run):
    group, servers, running_job = tsvi_fleet(service)
    result = run(module, check=True, diff=True, server_group_id=group["id"])
    assert service.mutations == [] and result["changed"] is True
    plan = by_name(result)
    assert (plan["failed"]["action"], plan["failed"]["status"]) == ("submitted", "pending")
    assert plan["failed"]["before"] == {"ip_virtual_enable": True, "tsvi": "failed"}
    assert plan["failed"]["after"] == {"ip_virtual_enable": True, "tsvi": "applied", "reboot": True}
    assert (plan["running"]["action"], plan["running"]["job_id"]) == ("waited", running_job)
    assert plan["running"]["after"] == {"ip_virtual_enable": True, "tsvi": "applied"}
    assert (plan["applied"]["action"], plan["applied"]["before"]) == (
        "none", {"ip_virtual_enable": True, "tsvi": "applied"})
    assert (plan["unknown"]["action"], plan["unknown"]["before"]) == (
        "none", {"ip_virtual_enable": True, "tsvi": "unknown"})
    headline = "will reboot 1 server(s) %s (check mode, nothing submitted)" % WHAT
    assert result["msg"] == headline + "; will wait for 1 server(s) already applying it"
    assert headline in result.warning_texts
    assert result["ip_virtual"] == {group["id"]: True} and result["jobs"] == []
    assert result["diff"]["after_header"] == result["msg"]
    assert sorted(result["diff"]["after"]) == sorted("%s (%s)" % (name, servers[name]["id"])
                                                     for name in ("failed", "running"))


def test_force_submits_every_server_but_skips_those_busy_with_another_job(service, run):
    group, servers, running_job = tsvi_fleet(service)
    hda_job = last_job(service, servers["unknown"], UPGRADE_JOB, "RUNNING")
    result = run(module, check=True, server_group_id=group["id"], force=True)
    plan = by_name(result)
    assert plan["failed"]["action"] == plan["applied"]["action"] == "submitted"
    assert (plan["running"]["action"], plan["running"]["job_id"]) == ("waited", running_job)
    assert plan["unknown"]["status"] == "skipped"
    assert plan["unknown"]["error_msg"] == ("a UPGRADE_ACCESS_AGENT job (%s) is running on this server; re-run when it "
                                            "has finished" % hda_job)
    skipped = "1 server(s) skipped: unknown (%s): a UPGRADE_ACCESS_AGENT job" % servers["unknown"]["id"]
    assert any(text.startswith(skipped) for text in result.warning_texts)
    assert service.mutations == []


def test_nothing_observed_to_fix_sends_nothing(service, run):
    group = service.group("apps-prod", ip_virtual=False)
    applied = service.server(group, name="applied")
    last_job(service, applied, TSVI_JOB, "SUCCESS")
    service.server(group, name="unknown")
    result = run(module, server_group_id=group["id"], **FAST)
    assert result["changed"] is False and service.mutations == [] and result["jobs"] == []
    assert result["summary"]["unchanged"] == 2 and result["msg"] == "rebooted 0 server(s) %s" % WHAT
    # the documented cost: one page of 100 servers plus one request for the group (its ip_virtual setting)
    assert [r.operation for r in service.requests] == ["list_servers", "show_server_group"]


def test_bad_input_fails_before_any_request(service, run):
    size = run(module, server_ids=["s1"], batch_size=0)
    assert size.failed and size["msg"] == "batch_size: 0 is out of range; allowed values are 1..20"
    blank = run(module, server_group_name=" ")
    assert blank.failed and blank["msg"] == "server_group_name: must not be empty"
    assert service.requests == []


def test_enable_is_a_guard_that_fails_before_anything_is_sent(service, run):
    group, _servers, _job = tsvi_fleet(service, ip_virtual=True)
    result = run(module, server_group_id=group["id"], enable=False)
    assert result.failed and service.mutations == []
    assert result["msg"].startswith("enable: false does not match the virtual session IP setting of server group(s) "
                                    "'apps-prod' (%s, ip_virtual.enable is true)" % group["id"])
    same = run(module, check=True, server_group_id=group["id"], enable=True)
    assert not same.failed and same["changed"] is True


def finish(service):
    """The service's answer to batch-update-tsvi: one job for the batch, SUCCESS by the time anyone looks."""
    def answer(request):
        ids = [item["id"] for item in request.body["items"]]
        job_id = service.job(TSVI_JOB, [service.state.get_server(sid) for sid in ids], status="SUCCESS")
        for server_id in ids:
            service.state.patch_server(server_id, job_id=job_id, job_type=TSVI_JOB, job_status="SUCCESS",
                                       task_status=None)
        return {"job_id": job_id}
    return answer


def test_each_batch_carries_its_own_groups_setting(service, run):
    on, off = service.group("tsvi-on", ip_virtual=True), service.group("tsvi-off", ip_virtual=False)
    first = service.server(on, name="on-1")
    second = service.server(off, name="off-1")
    for server in (first, second):
        last_job(service, server, TSVI_JOB, "FAILED")
    service.reply("batch_update_tsvi", finish(service))
    result = run(module, server_ids=[first["id"], second["id"]], **FAST)
    assert not result.failed and result["changed"] is True
    bodies = sorted((r.body for r in service.sent("batch_update_tsvi")), key=lambda body: body["items"][0]["id"])
    expected = sorted([{"items": [{"id": first["id"], "enable": True}]},
                       {"items": [{"id": second["id"], "enable": False}]}], key=lambda body: body["items"][0]["id"])
    assert bodies == expected and all(r.method == "PATCH" for r in service.mutations)
    assert result["ip_virtual"] == {on["id"]: True, off["id"]: False}
    assert len(result["jobs"]) == 2
    for report in result["servers"]:
        assert (report["action"], report["status"]) == ("submitted", "succeeded") and report["job_id"] in result["jobs"]
    assert result["msg"] == "rebooted 2 server(s) %s" % WHAT


def test_a_group_that_does_not_report_ip_virtual_sends_enable_with_a_warning(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    group["ip_virtual"] = None  # the detail read then leaves the field out
    last_job(service, server, TSVI_JOB, "FAILED")
    service.reply("batch_update_tsvi", finish(service))
    result = run(module, server_group_id=group["id"], **FAST)
    assert [r.body for r in service.sent("batch_update_tsvi")] == [{"items": [{"id": server["id"], "enable": False}]}]
    assert result["ip_virtual"] == {group["id"]: None}
    assert any(text.startswith("server group(s) %s do not report ip_virtual" % group["id"])
               for text in result.warning_texts)


def test_force_lists_the_servers_rebooted_and_the_sessions_that_end(service, run):
    group, servers, running_job = tsvi_fleet(service)
    service.state.log_on(servers["applied"]["id"], user_name="alice")
    result = run(module, check=True, diff=True, server_group_id=group["id"], force=True)
    label = dict((name, "%s (%s)" % (name, servers[name]["id"])) for name in servers)
    # the running server's reboot is not this run's; unknown and failed and applied are submitted
    assert result["interrupts"] == ["server %s: rebooted" % label["applied"], "session alice (Active) on %s"
                                    % label["applied"], "server %s: rebooted" % label["failed"],
                                    "server %s: rebooted" % label["unknown"]]
    assert result["diff"]["prepared"].startswith("would interrupt (4):\n  server %s: rebooted\n" % label["applied"])
    assert "this run would end 1 user session(s): alice (Active) on %s" % label["applied"] in result.warning_texts
