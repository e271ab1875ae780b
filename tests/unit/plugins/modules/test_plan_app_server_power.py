"""app_server_power through main() against recorded API answers: which call each server gets (start, stop, reboot),
the skip rules (busy, a state that cannot change, sessions), check mode, --diff, idempotence and a run that waits
for the servers' vm_status."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_power as module

from simulator.routing import EMPTY

from tests.harness.recorded import Error

FAST = dict(poll_interval=0.01, wait_timeout=5)


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def power_fleet(service):
    group = service.group("apps-prod")
    return group, dict(
        running=service.server(group, name="running"),
        stopped=service.server(group, name="stopped", vm_status="SHUTOFF"),
        busy=service.server(group, name="busy", task_status="rebooting"),
        broken=service.server(group, name="broken", vm_status="ERROR"),
        ended_task=service.server(group, name="ended-task", task_status="upgrad_access_agent_success"),
        with_users=service.server(group, name="with-users", session_count=2),
    )


def test_check_mode_stopped_plans_stops_and_skips_with_reasons(service, run):
    group, servers = power_fleet(service)
    result = run(module, check=True, diff=True, server_group_id=group["id"], state="stopped",
                 only_without_sessions=True)
    assert service.mutations == [] and result["changed"] is True and not result.failed
    plan = by_name(result)
    assert (plan["running"]["action"], plan["running"]["status"]) == ("submitted", "pending")
    assert (plan["running"]["before"], plan["running"]["after"]) == ({"vm_status": "ACTIVE"}, {"vm_status": "SHUTOFF"})
    # a task_status telling how the last task ended is no running task
    assert plan["ended-task"]["action"] == "submitted"
    assert (plan["stopped"]["action"], plan["stopped"]["status"]) == ("none", "unchanged")
    assert plan["busy"]["status"] == "skipped" and plan["busy"]["action"] == "none"
    assert plan["busy"]["error_msg"] == "busy: task rebooting is running (vm_status ACTIVE)"
    assert plan["broken"]["status"] == "skipped" and plan["broken"]["error_msg"] == "vm_status ERROR: cannot be stopped"
    assert plan["with-users"]["status"] == "skipped"
    assert plan["with-users"]["error_msg"] == "2 session(s) open (only_without_sessions)"
    assert result["summary"] == {"total": 6, "unchanged": 1, "skipped": 3, "succeeded": 0, "failed": 0, "pending": 2}
    assert result["msg"] == "would have stopped 2 server(s) (check mode, nothing sent)"
    assert any(w.startswith("3 server(s) skipped: ") for w in result.warning_texts)
    labels = ["running (%s)" % servers["running"]["id"], "ended-task (%s)" % servers["ended_task"]["id"]]
    assert result["diff"]["before"] == dict((label, {"vm_status": "ACTIVE"}) for label in labels)
    assert result["diff"]["after"] == dict((label, {"vm_status": "SHUTOFF"}) for label in labels)
    assert "jobs" not in result


def test_only_without_sessions_does_not_hold_back_a_start(service, run):
    group = service.group("apps-prod")
    service.server(group, name="stopped", vm_status="SHUTOFF", session_count=0)
    result = run(module, check=True, server_group_id=group["id"], state="started", only_without_sessions=True)
    assert by_name(result)["stopped"]["action"] == "submitted"


def test_servers_in_the_state_send_nothing(service, run):
    group = service.group("apps-prod")
    for name in ("a", "b"):
        service.server(group, name=name)
    result = run(module, server_group_id=group["id"], state="started", **FAST)
    assert result["changed"] is False and service.mutations == []
    assert result["summary"]["unchanged"] == 2 and "progress" not in result


def settle(service, vm_status):
    """The service's answer to a power call (an empty 200), the servers then showing ``vm_status``."""
    def answer(request):
        for server_id in request.body["items"]:
            service.state.patch_server(server_id, vm_status=vm_status, task_status=None)
        return EMPTY
    return answer


def test_restarted_reboots_running_and_starts_stopped_servers_and_waits(service, run):
    group, servers = power_fleet(service)
    service.reply("batch_reboot_server", settle(service, "ACTIVE"))
    service.reply("batch_start_server", settle(service, "ACTIVE"))
    ids = [servers[name]["id"] for name in ("running", "stopped")]
    result = run(module, server_ids=ids, state="restarted", reboot_type="HARD", **FAST)
    assert not result.failed and result["changed"] is True
    sent = sorted((r.operation, r.body) for r in service.mutations)  # one call per kind, in the order of the ids
    assert sent == [("batch_reboot_server", {"items": [servers["running"]["id"]], "type": "HARD"}),
                    ("batch_start_server", {"items": [servers["stopped"]["id"]]})]
    plan = by_name(result)
    for name in ("running", "stopped"):
        assert (plan[name]["action"], plan[name]["status"]) == ("submitted", "succeeded")
        assert plan[name]["after"] == {"vm_status": "ACTIVE"}
    assert result["summary"]["succeeded"] == 2
    assert result["msg"] == "restarted 2 of 2 server(s) sent; 0 already restarted"
    assert any("server(s) done" in line for line in result["progress"])


def test_stop_sends_the_stop_type_and_wait_false_leaves_servers_pending(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_stop_server", EMPTY)
    result = run(module, server_ids=[server["id"]], state="stopped", stop_type="HARD", wait=False)
    assert [r.body for r in service.sent("batch_stop_server")] == [{"items": [server["id"]], "type": "HARD"}]
    (report,) = result["servers"]
    assert (report["action"], report["status"]) == ("submitted", "pending") and result["changed"] is True
    assert len(service.mutations) == 1


def test_a_server_still_not_in_the_state_at_the_deadline_fails_naming_what_it_shows(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_stop_server", EMPTY)  # accepted; the record never shows SHUTOFF
    result = run(module, server_ids=[server["id"]], state="stopped", poll_interval=0.2, wait_timeout=1)
    assert result.failed
    (report,) = result["servers"]
    assert report["status"] == "failed" and "still shows vm_status ACTIVE" in report["error_msg"]
    # each polling round says which server is not in the state yet, and what it shows
    rounds = [line for line in result["progress"] if "] round " in line]
    assert rounds and all(line.startswith("[a] round ") for line in rounds)
    assert all(line.endswith("s left; not yet SHUTOFF: a (ACTIVE)") for line in rounds[:-1]), rounds


def test_bad_input_fails_before_any_request(service, run):
    zero = run(module, server_ids=["s1"], state="started", poll_interval=0)
    assert zero.failed and zero["msg"] == "poll_interval: must be more than 0 seconds, got 0.0"
    bad = run(module, server_ids=["s1"], state="on")
    assert bad.failed and "state" in bad["msg"] and "started, stopped, restarted" in bad["msg"]
    assert service.requests == []


def server_error(then=None):
    """A 500 answer to a power call, after ``then(request)`` (the service applied it before failing) if given."""
    def answer(request):
        if then is not None:
            then(request)
        return Error(500, "WKS.00000500", "Internal server error.")
    return answer


def test_a_server_error_after_the_stop_was_applied_is_not_sent_again(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_stop_server", server_error(then=settle(service, "SHUTOFF")))
    result = run(module, server_ids=[server["id"]], state="stopped", **FAST)
    assert not result.failed and len(service.mutations) == 1
    assert result["servers"][0]["status"] == "succeeded" and result["changed"] is True


def test_a_server_error_before_the_stop_was_applied_sends_it_once_more(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_stop_server", server_error(), settle(service, "SHUTOFF"))
    result = run(module, server_ids=[server["id"]], state="stopped", **FAST)
    assert not result.failed and [r.body for r in service.mutations] == [{"items": [server["id"]], "type": "SOFT"}] * 2
    assert result["servers"][0]["status"] == "succeeded"


def test_a_reboot_answered_with_a_server_error_is_not_resent_and_may_have_been_applied(service, run):
    group = service.group("apps-prod")
    server = service.server(group, name="a")
    service.reply("batch_reboot_server", server_error())
    result = run(module, server_ids=[server["id"]], state="restarted", **FAST)
    assert result.failed and len(service.mutations) == 1
    report = result["servers"][0]
    assert report["status"] == "failed" and "the call may have been applied, re-run the task" in report["error_msg"]
    assert result["changed"] is True  # the reboot may have happened


def test_empty_server_ids_fail_naming_the_option_before_any_request(service, run):
    """``server_ids=`` on the command line is one empty id: the message says server_ids is empty and what it takes,
    not "unknown server id(s): " with nothing after it."""
    service.server(service.group("apps-prod"), name="running")
    for ids in ([""], ["  "], []):
        result = run(module, server_ids=ids, state="stopped")
        assert result.failed and result["msg"] == (
            "server_ids: is empty (%s); it takes one or more server ids (a list, or ids separated by commas), or set "
            "server_group_id or server_group_name instead" % ("%d empty id(s) given" % len(ids) if ids else
                                                              "no id given"))
    result = run(module, server_ids=["", "srv-1"], state="stopped")
    assert result.failed and result["msg"] == (
        "server_ids: 1 of the 2 ids given is empty (position 1); remove the empty entries")
    assert service.requests == []


def test_a_failed_stop_reports_the_state_read_back_as_its_after_state(service, run):
    """A stop whose server ends in ERROR: failed, ACTIVE -> ERROR (what the wait read), not ACTIVE -> ACTIVE."""
    group = service.group("apps-prod")
    server = service.server(group, name="web-01")
    service.reply("batch_stop_server", settle(service, "ERROR"))
    result = run(module, server_ids=[server["id"]], state="stopped", **FAST)
    assert result.failed
    (report,) = result["servers"]
    assert report["status"] == "failed" and "the server shows vm_status ERROR" in report["error_msg"]
    assert (report["before"], report["after"]) == ({"vm_status": "ACTIVE"}, {"vm_status": "ERROR"})


def test_stop_and_restart_list_the_servers_and_sessions_they_interrupt_a_start_none(service, run):
    group = service.group("apps-prod")
    running = service.server(group, name="running")
    stopped = service.server(group, name="stopped", vm_status="SHUTOFF")
    service.state.log_on(running["id"], user_name="alice")
    on_running = "running (%s)" % running["id"]
    stop = run(module, check=True, diff=True, server_group_id=group["id"], state="stopped")
    assert stop["interrupts"] == ["server %s: stopped" % on_running, "session alice (Active) on %s" % on_running]
    assert stop["diff"]["prepared"] == (
        "would interrupt (2):\n  server %s: stopped\n  session alice (Active) on %s\n" % (on_running, on_running))
    restart = run(module, check=True, server_group_id=group["id"], state="restarted")
    assert restart["interrupts"] == ["server %s: rebooted" % on_running, "session alice (Active) on %s" % on_running]
    assert "stopped (%s)" % stopped["id"] not in " ".join(restart["interrupts"])  # started: nothing interrupted
    start = run(module, check=True, diff=True, server_group_id=group["id"], state="started")
    assert "interrupts" not in start and "prepared" not in start["diff"]
