"""app_server_maintenance through main() against recorded API answers: the plan, check mode, --diff, idempotence,
the batches sent and their verification by re-reading (no job: the result has no ``jobs``)."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_maintenance as module

from simulator.routing import EMPTY

from tests.harness.recorded import Error

OPERATION = "batch_change_server_maintain_mode"


def fleet(service, in_maintenance=(False, True, False)):
    group = service.group("apps-prod")
    servers = [service.server(group, name="srv-%d" % index, maintain_status=flag)
               for index, flag in enumerate(in_maintenance, 1)]
    return group, servers


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def test_check_mode_plans_only_servers_in_the_other_state_and_sends_nothing(service, run):
    group, servers = fleet(service)
    result = run(module, check=True, diff=True, server_group_id=group["id"], maintenance=True)
    assert result["changed"] is True and not result.failed
    assert service.mutations == []
    plan = by_name(result)
    assert (plan["srv-1"]["action"], plan["srv-1"]["status"]) == ("submitted", "pending")
    assert (plan["srv-1"]["before"], plan["srv-1"]["after"]) == ({"maintain_status": False}, {"maintain_status": True})
    assert (plan["srv-2"]["action"], plan["srv-2"]["status"]) == ("none", "unchanged")
    assert plan["srv-2"]["before"] == plan["srv-2"]["after"] == {"maintain_status": True}
    # in name order (ties by id)
    in_name_order = sorted(servers, key=lambda s: (s["name"], s["id"]))
    assert [s["id"] for s in result["servers"]] == [s["id"] for s in in_name_order]
    assert result["summary"] == {"total": 3, "unchanged": 1, "skipped": 0, "succeeded": 0, "failed": 0, "pending": 2}
    assert result["msg"] == "would put 2 server(s) in maintenance mode; 1 already were (check mode, nothing sent)"
    assert "jobs" not in result and all("job_id" not in s for s in result["servers"])
    labels = ["srv-1 (%s)" % servers[0]["id"], "srv-3 (%s)" % servers[2]["id"]]
    assert result["diff"]["before"] == dict((label, {"maintain_status": False}) for label in labels)
    assert result["diff"]["after"] == dict((label, {"maintain_status": True}) for label in labels)


def test_servers_already_in_the_state_send_nothing(service, run):
    group, servers = fleet(service, in_maintenance=(False, False))
    result = run(module, server_group_id=group["id"], maintenance=False)
    assert result["changed"] is False and service.mutations == []
    # the documented cost: one page of 100 servers (the group lists servers: it exists, its detail is not read)
    assert [r.operation for r in service.requests] == ["list_servers"]
    assert result["summary"] == {"total": 2, "unchanged": 2, "skipped": 0, "succeeded": 0, "failed": 0, "pending": 0}
    assert result["msg"] == "took 0 server(s) out of maintenance mode; 2 already were out of it"
    assert "diff" not in result  # not asked for


def apply(service):
    """The service's answer to batch-maint (an empty 200), the records changed as it does."""
    def answer(request):
        for server_id in request.body["items"]:
            service.state.patch_server(server_id, maintain_status=request.body["maintain_status"])
        return EMPTY
    return answer


def test_a_run_sends_batches_of_batch_size_and_verifies_by_reading_again(service, run):
    group, servers = fleet(service, in_maintenance=(False, False, True))
    service.reply(OPERATION, apply(service))
    result = run(module, server_ids=[s["id"] for s in servers], maintenance=True, batch_size=1)
    assert result["changed"] is True and not result.failed
    ids = sorted(s["id"] for s in servers[:2])
    assert [r.body for r in service.mutations] == [{"items": [sid], "maintain_status": True} for sid in ids]
    assert [(r.method, r.path) for r in service.mutations] == [
        ("PATCH", "/v1/%s/app-servers/actions/batch-maint" % service.project_id)] * 2
    plan = by_name(result)
    assert plan["srv-1"]["status"] == plan["srv-2"]["status"] == "succeeded"
    assert plan["srv-1"]["after"] == {"maintain_status": True} and plan["srv-3"]["action"] == "none"
    assert result["msg"] == "put 2 server(s) in maintenance mode; 1 already were"
    assert len(result["progress"]) == 2 and result["progress"][0].endswith("batch 1/2: 1 server(s) submitted")
    assert "jobs" not in result


def test_a_server_the_re_read_shows_unchanged_fails(service, run):
    group, servers = fleet(service, in_maintenance=(False,))
    service.reply(OPERATION, EMPTY)  # accepted, but the record keeps maintain_status false
    result = run(module, server_group_id=group["id"], maintenance=True)
    assert result.failed and result["changed"] is True
    (server,) = result["servers"]
    assert server["status"] == "failed" and server["after"] == {"maintain_status": False}
    assert "shows maintain_status=False instead of maintain_status=True; re-run the task" in server["error_msg"]
    assert "1 of 1 server(s) failed" in result["msg"]


def test_a_rejected_batch_fails_its_servers_and_sends_no_later_batch(service, run):
    group, servers = fleet(service, in_maintenance=(False, False))
    service.reply(OPERATION, Error(403, "WKS.00081102", "User does not have permission to access this resource."))
    result = run(module, server_group_id=group["id"], maintenance=True, batch_size=1)
    assert result.failed and len(service.mutations) == 1
    first, second = sorted(result["servers"], key=lambda s: s["id"])  # batches go in id order
    assert first["error_code"] == "WKS.00081102" and first["status"] == "failed"
    assert second["status"] == "failed" and second["error_msg"].startswith("not submitted: an earlier batch failed")
    assert result["summary"]["failed"] == 2


def test_bad_input_fails_before_any_request(service, run):
    group, _servers = fleet(service)
    too_big = run(module, server_group_id=group["id"], maintenance=True, batch_size=21)
    assert too_big.failed and too_big["msg"] == "batch_size: 21 is out of range; allowed values are 1..20"
    both = run(module, server_group_id=group["id"], server_ids=["x"], maintenance=True)
    assert both.failed and "server_ids" in both["msg"] and "server_group_id" in both["msg"]
    assert service.requests == []


def test_unknown_server_ids_fail_before_any_change(service, run):
    _group, servers = fleet(service)
    result = run(module, server_ids=[servers[0]["id"], "no-such-server"], maintenance=True)
    assert result.failed and result["msg"] == "server_ids: unknown server id(s): no-such-server"
    assert service.mutations == [] and service.requests


# -- the targets (the same for every batch module) ---------------------------------------------------------------
def test_server_group_name_is_an_exact_case_sensitive_match(service, run):
    wanted = service.group("apps")
    for name in ("apps-prod", "Apps"):
        service.server(service.group(name), name="other-" + name)
    mine = service.server(wanted, name="mine")
    result = run(module, check=True, server_group_name="apps", maintenance=True)
    assert [s["id"] for s in result["servers"]] == [mine["id"]]
    assert service.sent("list_server_groups")[0].query["server_group_name"] == "apps"
    assert [r.query.get("server_group_id") for r in service.sent("list_servers")] == [wanted["id"]]


def test_a_group_name_matching_several_groups_or_none_fails_naming_the_candidates(service, run):
    first, second = service.group("dup"), service.group("dup")
    service.group("dup-2")
    several = run(module, server_group_name="dup", maintenance=True)
    assert several.failed and several["msg"] == (
        "server_group_name: 2 server groups are named 'dup' (dup (%s), dup (%s)); use server_group_id to pick one"
        % (first["id"], second["id"]))
    none = run(module, server_group_name="du", maintenance=True)
    assert none.failed and none["msg"].startswith("server_group_name: no server group is named 'du'; groups with "
                                                  "similar names: dup (")
    unknown = run(module, server_group_id="no-such-group", maintenance=True)
    assert unknown.failed
    assert unknown["msg"] == "server_group_id: no server group with id 'no-such-group' (WKS.00211202)"
    assert service.mutations == []


def test_progress_lines_name_the_servers_named_by_id(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group, name=name) for name in ("web-04", "web-02", "web-03", "web-01")]
    service.reply(OPERATION, apply(service))
    few = run(module, server_ids=[s["id"] for s in servers[:3]], maintenance=True)
    assert few["progress"] == ["[3 servers: web-02, web-03, web-04] batch 1/1: 3 server(s) submitted"]
    many = run(module, server_ids=[s["id"] for s in servers], maintenance=False, batch_size=4)
    assert many["progress"] == ["[4 servers: web-01, web-02, web-03, ...] batch 1/1: 3 server(s) submitted"]


def test_a_server_error_resends_only_the_servers_that_do_not_show_the_state(service, run):
    group, servers = fleet(service, in_maintenance=(False, False))
    first = sorted(servers, key=lambda s: s["id"])[0]

    def half_applied(request):  # the service changed the first server, then failed
        service.patch(first, maintain_status=True)
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply(OPERATION, half_applied, apply(service))
    result = run(module, server_group_id=group["id"], maintenance=True)
    assert not result.failed and result["summary"]["succeeded"] == 2
    sent = [r.body["items"] for r in service.mutations]
    assert sent == [sorted(s["id"] for s in servers), [s["id"] for s in servers if s["id"] != first["id"]]]


def test_repeated_server_ids_are_one_target(service, run):
    _group, servers = fleet(service, in_maintenance=(False,))
    result = run(module, check=True, server_ids=[servers[0]["id"]] * 3, maintenance=True)
    assert [s["id"] for s in result["servers"]] == [servers[0]["id"]] and result["summary"]["total"] == 1
