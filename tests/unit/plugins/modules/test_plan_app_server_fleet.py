"""app_server_fleet through main() against recorded API answers: the servers to create (stand-ins) or delete (in
the documented order), the refusals before anything is sent, jobs of an earlier run waited for, check mode,
--diff, and runs with canned creation and deletion jobs (with a drain)."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_fleet as module

from simulator.jobs import DELETE_JOB, CREATE_JOB
from simulator.routing import EMPTY

FAST = dict(poll_interval=0.01, wait_timeout=10)


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def present(server, sessions=0, vm_status="ACTIVE", status="REGISTERED"):
    return {"state": "present", "status": status, "vm_status": vm_status, "sessions": sessions}


def aged(service, group, name, day, **fields):
    """A server created on day ``day`` of January 2026 (the deletion order takes the newest first)."""
    return service.server(group, name=name, create_time="2026-01-%02dT08:00:00.000Z" % day, **fields)


def test_check_mode_growing_plans_stand_ins_and_sends_nothing(service, run):
    group = service.group("apps-prod")
    kept = [aged(service, group, "srv-%d" % day, day) for day in (1, 2)]
    result = run(module, check=True, diff=True, server_group_id=group["id"], count=4)
    assert service.mutations == [] and result["changed"] is True and not result.failed
    assert (result["count"], result["count_before"], result["created"], result["deleted"]) == (4, 2, [], [])
    # in name order (ties by id), the servers to be created last
    assert [s["id"] for s in result["servers"]] == [s["id"] for s in sorted(kept, key=lambda s: (s["name"], s["id"]))
                                                    ] + [None, None]
    new = [s for s in result["servers"] if s["id"] is None]
    assert [s["name"] for s in new] == ["(new 1)", "(new 2)"]
    assert all((s["action"], s["status"]) == ("submitted", "pending") for s in new)
    assert new[0]["before"] == {"state": "absent"} and new[0]["after"] == {"state": "present", "status": "REGISTERED"}
    assert result["msg"] == "would create 2 server(s) in group apps-prod (%s) (2 -> 4; check mode, nothing sent)" % (
        group["id"])
    assert result["diff"]["before"] == {"(new 1)": {"state": "absent"}, "(new 2)": {"state": "absent"}}
    assert result["summary"] == {"total": 4, "unchanged": 2, "skipped": 0, "succeeded": 0, "failed": 0, "pending": 2}


def test_shrinking_deletes_broken_then_maintenance_then_the_newest_servers(service, run):
    group = service.group("apps-prod")
    old = aged(service, group, "old", 1)
    newest = aged(service, group, "newest", 9)
    middle = aged(service, group, "middle", 5)
    broken = aged(service, group, "broken", 2, vm_status="ERROR")
    drained = aged(service, group, "drained", 3, maintain_status=True)
    three = run(module, check=True, server_group_id=group["id"], count=3)
    assert sorted(three["deleted"]) == sorted([broken["id"], drained["id"]])
    one = run(module, check=True, diff=True, server_group_id=group["id"], count=1)
    assert sorted(one["deleted"]) == sorted([broken["id"], drained["id"], newest["id"], middle["id"]])
    plan = by_name(one)
    assert (plan["old"]["action"], plan["old"]["status"]) == ("none", "unchanged")
    assert plan["newest"]["before"] == present(newest) and plan["newest"]["after"] == {"state": "absent"}
    assert plan["broken"]["before"] == present(broken, vm_status="ERROR")
    assert one["diff"]["after"]["newest (%s)" % newest["id"]] == {"state": "absent"}
    assert one["msg"].startswith("would delete 4 server(s) in group apps-prod") and old["id"] not in one["deleted"]
    assert service.mutations == []


def test_a_plan_that_would_delete_servers_with_sessions_fails_before_anything_is_sent(service, run):
    group = service.group("apps-prod")
    busy = aged(service, group, "with-users", 1, session_count=2)
    result = run(module, server_group_id=group["id"], count=0)
    assert result.failed and service.mutations == []
    assert result["msg"].startswith("count: 0 means deleting 1 server(s), and 1 of them still has sessions "
                                    "(with-users (%s): 2 session(s)): nothing was deleted" % busy["id"])
    assert "drain: true" in result["msg"] and "force: true" in result["msg"]
    forced = run(module, check=True, server_group_id=group["id"], count=0, force=True)
    assert forced["deleted"] == [busy["id"]]


def test_a_plan_that_needs_a_busy_server_fails_naming_its_task(service, run):
    group = service.group("apps-prod")
    aged(service, group, "busy", 1, task_status="rebooting")
    aged(service, group, "free", 2)
    result = run(module, server_group_id=group["id"], count=0)
    assert result.failed and service.mutations == []
    assert "only 1 can be deleted now: 1 is busy with a task" in result["msg"] and "task rebooting" in result["msg"]


def test_the_group_already_at_count_sends_nothing(service, run):
    group = service.group("apps-prod")
    for day in (1, 2):
        aged(service, group, "srv-%d" % day, day)
    result = run(module, server_group_name="apps-prod", count=2, **FAST)
    assert result["changed"] is False and service.mutations == [] and result["jobs"] == []
    assert result["msg"] == "group apps-prod (%s) holds 2 server(s) as asked" % group["id"]
    assert (result["count"], result["count_before"]) == (2, 2)
    # the documented cost, by name: one list of groups, one read of the group, the group's server list
    assert [r.operation for r in service.requests] == ["list_server_groups", "show_server_group", "list_servers"]


def test_a_deletion_of_an_earlier_run_is_waited_for_and_not_counted(service, run):
    group = service.group("apps-prod")
    aged(service, group, "kept", 1)
    going = aged(service, group, "going", 2)
    job_id = service.job(DELETE_JOB, [going], status="RUNNING")
    service.patch(going, job_id=job_id, job_type=DELETE_JOB, job_status="RUNNING", task_status="deleting",
                  vm_status="DELETING")

    def gone(request):
        service.show_job(job_id, status="SUCCESS", sub_status="SUCCESS")
        service.remove(going["id"])

    service.before("show_job_detail", gone)
    result = run(module, server_group_id=group["id"], count=1, **FAST)
    assert service.mutations == [] and not result.failed
    plan = by_name(result)
    assert (plan["going"]["action"], plan["going"]["status"], plan["going"]["job_id"]) == (
        "waited", "succeeded", job_id)
    assert plan["going"]["after"] == {"state": "absent"} and result["count_before"] == 1 and result["count"] == 1


def test_creating_needs_a_vpc_when_the_group_has_no_server(service, run):
    group = service.group("empty")
    result = run(module, server_group_id=group["id"], count=1)
    assert result.failed and service.mutations == []
    assert result["msg"] == ("count: creating 1 server(s) takes the group's settings, but group empty (%s) cannot "
                             "tell vpc_id; set vpc_id (the group has no server to take it from)" % group["id"])


def test_force_and_drain_together_fail_before_any_request(service, run):
    result = run(module, server_group_id="g", count=0, force=True, drain=True)
    assert result.failed and result["msg"].startswith("force and drain: set one of them")
    assert service.requests == []


def create(service, group):
    """The service's answer to a create call: a CREATE_SERVER job whose sub jobs name the servers it made, which
    the group lists REGISTERED by the time anyone looks."""
    def answer(request):
        made = [service.server(group, name="made-%d" % n) for n in range(1, request.body["subscription_num"] + 1)]
        job_id = service.job(CREATE_JOB, made, status="SUCCESS")
        for server in made:
            service.patch(server, job_id=job_id, job_type=CREATE_JOB, job_status="SUCCESS")
        return {"job_id": job_id}
    return answer


def test_growing_creates_from_the_groups_settings_and_reports_the_new_servers(service, run):
    group = service.group("apps-prod")
    first = aged(service, group, "srv-1", 1)
    service.reply("create_app_servers", create(service, group))
    result = run(module, server_group_id=group["id"], count=3, availability_zone="cn-north-4a", **FAST)
    assert not result.failed and result["changed"] is True
    (sent,) = service.sent("create_app_servers")
    assert sent.method == "POST" and sent.path == "/v1/%s/app-servers/actions/create" % service.project_id
    assert sent.body == {
        "type": "createApps", "server_group_id": group["id"], "product_id": group["product_id"],
        "flavor_id": group["product_info"]["flavor_id"], "os_type": "Windows", "subnet_id": group["subnet_id"],
        "vpc_id": first["host_address"][0]["vpc_id"], "availability_zone": "cn-north-4a",
        "root_volume": {"type": "SAS", "size": 80}, "subscription_num": 2}
    made = sorted(sid for sid in service.state.server_ids(group["id"]) if sid != first["id"])
    assert result["created"] == made and result["deleted"] == [] and result["count"] == 3
    plan = by_name(result)
    assert sorted(plan) == ["made-1", "made-2", "srv-1"]
    for name in ("made-1", "made-2"):
        assert (plan[name]["action"], plan[name]["status"]) == ("submitted", "succeeded")
        assert plan[name]["after"] == present(plan[name]) and plan[name]["job_id"] == result["jobs"][0]
    assert result["msg"] == "created 2 server(s) in group apps-prod (%s) (1 -> 3)" % group["id"]


def delete(service):
    """The service's answer to batch-delete: a DELETE_SERVER job, over (the servers gone) by the time anyone looks."""
    def answer(request):
        job_id = service.job(DELETE_JOB, [service.state.get_server(sid) for sid in request.body["items"]])
        for server_id in request.body["items"]:
            service.remove(server_id)
        return {"job_id": job_id}
    return answer


def test_draining_puts_servers_in_maintenance_logs_users_off_waits_then_deletes(service, run):
    group = service.group("apps-prod")
    aged(service, group, "kept", 1, session_count=1)  # older: kept, the newest goes first
    occupied = aged(service, group, "occupied", 2, session_count=2)
    sessions = sorted(s["id"] for s in service.state.sessions.values() if s["machine_sid"] == occupied["sid"])

    def maintain(request):
        for server_id in request.body["items"]:
            service.state.patch_server(server_id, maintain_status=True)
        return EMPTY

    def logoff(request):
        service.state.patch_server(occupied["id"], session_count=0)  # the users are signed out
        return {}

    service.reply("batch_change_server_maintain_mode", maintain)
    service.reply("logoff_user_session", logoff)
    service.reply("batch_delete_server", delete(service))
    result = run(module, server_group_id=group["id"], count=1, drain=True, drain_message="Bye", drain_delay=30, **FAST)
    assert not result.failed, result["msg"]
    assert [r.operation for r in service.mutations] == [
        "batch_change_server_maintain_mode", "logoff_user_session", "batch_delete_server"]
    assert service.mutations[0].body == {"items": [occupied["id"]], "maintain_status": True}
    logoff_body = service.mutations[1].body
    assert sorted(logoff_body.pop("session_ids")) == sessions
    assert logoff_body == {"message_type": 1, "delay_time": 30, "message": "Bye"}
    assert service.mutations[2].body == {"items": [occupied["id"]]}
    assert result["deleted"] == [occupied["id"]] and result["count"] == 1
    report = by_name(result)["occupied"]
    assert (report["status"], report["after"]) == ("succeeded", {"state": "absent"})
    assert any(line.endswith("drain: 1 server(s) in maintenance mode, 2 session(s) logged off (in 30s)")
               for line in result["progress"])


def test_a_server_being_created_counts_and_its_job_is_waited_for(service, run):
    group = service.group("apps-prod")
    aged(service, group, "ready", 1)
    building = aged(service, group, "building", 2, vm_status="BUILD", status="UNREGISTER")
    job_id = service.job(CREATE_JOB, [building], status="RUNNING")
    service.patch(building, job_id=job_id, job_type=CREATE_JOB, job_status="RUNNING", task_status="scheduling")
    check = run(module, check=True, server_group_id=group["id"], count=2)
    assert check["changed"] is False and service.mutations == []
    assert by_name(check)["building"]["action"] == "waited" and check["created"] == []

    def built(request):
        service.show_job(job_id, status="SUCCESS", sub_status="SUCCESS")
        service.patch(building, job_status="SUCCESS", task_status=None, vm_status="ACTIVE", status="REGISTERED")

    service.before("show_job_detail", built)
    result = run(module, server_group_id=group["id"], count=2, **FAST)
    assert not result.failed and service.mutations == []
    report = by_name(result)["building"]
    assert (report["action"], report["status"], report["job_id"]) == ("waited", "succeeded", job_id)
    assert report["after"] == present(building)
    assert result["msg"] == "group apps-prod (%s) holds 2 server(s) as asked (jobs of an earlier run waited for)" % (
        group["id"])


def create_failing(service, group):
    """The service's answer to a create call whose server fails to build: its job FAILED, the server BUILD_FAIL."""
    def answer(request):
        made = service.server(group, name="made-1", vm_status="BUILD_FAIL", status="UNREGISTER")
        job_id = service.job(CREATE_JOB, [made], status="FAILED",
                             errors={made["id"]: ("WKS.00211401", "no capacity in the availability zone")})
        service.patch(made, job_id=job_id, job_type=CREATE_JOB, job_status="FAILED")
        return {"job_id": job_id}
    return answer


def test_a_server_that_fails_to_build_fails_the_task_and_still_counts(service, run):
    group = service.group("apps-prod")
    aged(service, group, "srv-1", 1)
    service.reply("create_app_servers", create_failing(service, group))
    result = run(module, server_group_id=group["id"], count=2, **FAST)
    assert result.failed and result["changed"] is True
    report = by_name(result)["made-1"]
    assert (report["status"], report["error_code"], report["error_msg"]) == (
        "failed", "WKS.00211401", "no capacity in the availability zone")
    assert report["id"] == service.state.server_ids(group["id"])[-1] and result["created"] == []
    again = run(module, check=True, server_group_id=group["id"], count=2)
    assert again["changed"] is False and again["count_before"] == 2  # it counts towards count
    assert any("cannot serve users" in text and "BUILD_FAIL" in text for text in again.warning_texts)


def test_count_after_a_failed_build_is_what_the_group_holds(service, run):
    group = service.group("apps-prod")
    aged(service, group, "srv-1", 1)
    service.reply("create_app_servers", create_failing(service, group))
    result = run(module, server_group_id=group["id"], count=2, **FAST)
    assert result.failed and len(service.state.server_ids(group["id"])) == 2
    assert result["count"] == 2


def test_a_server_being_deleted_is_skipped_and_not_counted(service, run):
    group = service.group("apps-prod")
    aged(service, group, "kept", 1)
    aged(service, group, "going", 2, vm_status="DELETING", task_status="deleting")
    result = run(module, check=True, server_group_id=group["id"], count=1)
    assert result["changed"] is False and result["count_before"] == 1 and service.mutations == []
    going = by_name(result)["going"]
    assert (going["action"], going["status"]) == ("none", "skipped")
    assert going["error_msg"] == "being deleted (task deleting)"


def test_a_negative_count_fails_before_any_request(service, run):
    result = run(module, server_group_id="g", count=-1)
    assert result.failed and result["msg"] == "count: must be 0 or more, got -1" and service.requests == []


def create_building(service, group):
    """The service's answer to a create call: the new servers listed at once (BUILD, UNREGISTER) under a running
    CREATE_SERVER job, as the service shows a create in progress."""
    def answer(request):
        made = [service.server(group, vm_status="BUILD", status="UNREGISTER")
                for _unused in range(request.body["subscription_num"])]
        job_id = service.job(CREATE_JOB, made, status="RUNNING")
        for server in made:
            service.patch(server, job_id=job_id, job_type=CREATE_JOB, job_status="RUNNING", task_status="scheduling")
        return {"job_id": job_id}
    return answer


def test_wait_false_returns_the_create_job_with_stand_ins_pending(service, run):
    group = service.group("apps-prod")
    aged(service, group, "srv-1", 1)
    service.reply("create_app_servers", create_building(service, group))
    result = run(module, server_group_id=group["id"], count=3, wait=False)
    assert not result.failed and result["changed"] is True and len(result["jobs"]) == 1
    assert [(s["name"], s["status"], s["job_id"]) for s in result["servers"] if s["id"] is None] == [
        ("(new 1)", "pending", result["jobs"][0]), ("(new 2)", "pending", result["jobs"][0])]
    assert result["created"] == [] and service.sent("show_job_detail") == []
    again = run(module, check=True, server_group_id=group["id"], count=3)
    assert again["changed"] is False and again["count_before"] == 3  # servers being created count


def test_count_after_wait_false_counts_the_servers_being_created(service, run):
    group = service.group("apps-prod")
    aged(service, group, "srv-1", 1)
    service.reply("create_app_servers", create_building(service, group))
    result = run(module, server_group_id=group["id"], count=3, wait=False)
    assert not result.failed and result["count"] == 3


def test_scale_in_lists_the_servers_deleted_and_the_sessions_that_end(service, run):
    """force (sessions cut off) and drain (logged off first) alike: the plan names the servers deleted and the users
    whose sessions end; a server kept is not listed."""
    group = service.group("apps-prod")
    kept = aged(service, group, "kept", 1)  # the oldest of those with sessions: kept, bob is not listed
    occupied = aged(service, group, "occupied", 2)
    empty = aged(service, group, "empty", 3)
    service.state.log_on(occupied["id"], user_name="alice")
    service.state.log_on(kept["id"], user_name="bob")
    destroys = ["server empty (%s)" % empty["id"], "server occupied (%s)" % occupied["id"]]
    interrupts = ["session alice (Active) on occupied (%s)" % occupied["id"]]
    for how in ("force", "drain"):
        result = run(module, check=True, diff=True, server_group_id=group["id"], count=1, **{how: True})
        assert (result["destroys"], result["interrupts"]) == (destroys, interrupts), how
        assert result["diff"]["prepared"] == "would destroy (2):\n%swould interrupt (1):\n  %s\n" % (
            "".join("  %s\n" % line for line in destroys), interrupts[0])
    assert service.mutations == []
    service.reply("batch_delete_server", delete(service))
    result = run(module, server_group_id=group["id"], count=1, force=True, **FAST)
    assert not result.failed and (result["destroys"], result["interrupts"]) == (destroys, interrupts)
    assert "this run ends 1 user session(s): alice (Active) on occupied (%s)" % occupied["id"] in result.warning_texts


# -- issue 27: deletes of what is gone answer 200 with no job id ------------------------------------------------------
def test_a_scale_in_delete_answered_200_without_a_job_is_gone_not_a_no_job_failure(service, run):
    """The real service answers a delete of servers that are gone already with 200 and no job id: the servers
    succeed as deleted (re-read once: absent), nothing is waited for, no "no job" failure; the next run sends
    nothing."""
    group = service.group("apps-prod")
    kept = aged(service, group, "old", 1)
    gone = [aged(service, group, "new-%d" % day, day) for day in (8, 9)]

    def delete_without_job(request):
        for server_id in request.body["items"]:
            service.remove(server_id)  # deleted meanwhile by someone else: the call finds nothing to do
        return {}

    service.reply("batch_delete_server", delete_without_job)
    result = run(module, server_group_id=group["id"], count=1, **FAST)
    assert not result.failed, result["msg"]
    assert result["changed"] is True and sorted(result["deleted"]) == sorted(s["id"] for s in gone)
    assert result["count"] == 1 and result["summary"]["succeeded"] == 2 and result["summary"]["failed"] == 0
    for server in gone:
        report = by_name(result)[server["name"]]
        assert (report["status"], report["job_id"], report["after"]) == ("succeeded", None, {"state": "absent"})
        assert not report.get("error_msg")
    assert "no job" not in repr(result)
    assert [r.operation for r in service.mutations] == ["batch_delete_server"]
    assert "show_job_detail" not in [r.operation for r in service.requests]  # nothing to wait for
    assert [r.operation for r in service.requests][-1] == "list_servers"  # the re-read that proves them absent
    again = run(module, server_group_id=group["id"], count=1, **FAST)
    assert again["changed"] is False and len(service.mutations) == 1 and again["count"] == 1
    assert by_name(again)["old"]["id"] == kept["id"]


def test_a_delete_answered_200_without_a_job_that_still_lists_the_server_fails_it(service, run):
    """Verification by re-read still applies: a server the group still lists after such an answer fails, named."""
    group = service.group("apps-prod")
    aged(service, group, "old", 1)
    stays = aged(service, group, "stays", 9)
    service.reply("batch_delete_server", {})
    result = run(module, server_group_id=group["id"], count=1, **FAST)
    assert result.failed and len(service.mutations) == 1
    report = by_name(result)["stays"]
    assert report["id"] == stays["id"] and report["status"] == "failed"
    assert "the service accepted the change but the server shows" in report["error_msg"]
    assert report["after"]["state"] == "present"
