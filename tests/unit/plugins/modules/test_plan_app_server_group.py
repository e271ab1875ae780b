"""app_server_group through main() against recorded API answers: what is compared and sent (one PATCH of the
differing fields, the scaling policy by PUT), create and delete, check mode, --diff, idempotence and the
refusals before anything is sent. (The comparison rules themselves: test_app_server_group*.py.)"""

import copy

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_group as module

from simulator.routing import EMPTY

from tests.harness.recorded import Error

CREATE = dict(image_id="35998d9a-14f2-48fc-832b-6fc0074dc8f8", image_type="private",
              product_id="workspace.appstream.general.xlarge.4", vpc_id="vpc-1", subnet_id="subnet-1",
              system_disk_type="SAS", system_disk_size=80)
POLICY = dict(enable=True, max_scaling_amount=10, single_expansion_count=2,
              scaling_policy_by_session=dict(session_usage_threshold=80, shrink_after_session_idle_minutes=30))


def group_path(service, group_id):
    return "/v1/%s/app-server-groups/%s" % (service.project_id, group_id)


def patch_group(service, apply=True):
    """The service's answer to a group PATCH (``null``), the group changed as asked (or not, ``apply=False``)."""
    def answer(request):
        if apply:
            service.state.get_group(request.path.rsplit("/", 1)[1]).update(copy.deepcopy(request.body))
        return None
    return answer


def test_check_mode_reports_the_patch_it_would_send_and_sends_nothing(service, run):
    group = service.group("design", description="")
    result = run(module, check=True, diff=True, name="design", description="CAD", route_policy=dict(max_session=20))
    assert service.mutations == [] and result["changed"] is True
    route = {"max_session": 20, "cpu_threshold": 80, "mem_threshold": 80}
    assert result["changes"] == {"description": "CAD", "route_policy": route}
    assert result["diff"] == {"before": {"description": "", "route_policy": group["route_policy"]},
                              "after": {"description": "CAD", "route_policy": route}}
    assert result["server_group"]["id"] == group["id"] and result["server_group"]["description"] == "CAD"


def test_settings_already_as_set_send_nothing(service, run):
    group = service.group("design", description="CAD", storage_mount_policy="ANY")
    result = run(module, server_group_id=group["id"], description="CAD", storage_mount_policy="ANY",
                 route_policy=dict(max_session=10), enabled=True, app_type="COMMON_APP")
    assert result["changed"] is False and result["changes"] == {} and service.mutations == []
    assert [r.operation for r in service.requests] == ["show_server_group"]  # the documented cost: one read
    assert result["server_group"]["id"] == group["id"] and result["server_group"]["ip_virtual"] == {"enable": False}


def test_a_run_patches_only_the_differing_fields_and_returns_the_group_read_again(service, run):
    group = service.group("design", description="old", storage_mount_policy="USER")
    service.reply("update_server_group", patch_group(service))
    result = run(module, name="design", description="new", storage_mount_policy="USER", enabled=False,
                 image_id="img-2", image_type="private")
    assert not result.failed and result["changed"] is True
    (sent,) = service.mutations
    assert (sent.method, sent.path) == ("PATCH", group_path(service, group["id"]))
    assert sent.body == {"description": "new", "image_id": "img-2", "image_type": "private",
                         "server_group_status": False}
    assert result["changes"] == sent.body
    assert result["server_group"]["description"] == "new" and result["server_group"]["server_group_status"] is False
    reads = [r.operation for r in service.requests]
    assert reads.index("show_server_group", reads.index("update_server_group")) > reads.index("update_server_group")


def test_a_field_the_service_accepted_but_does_not_show_is_named_in_a_warning(service, run):
    service.group("design", description="old")
    service.reply("update_server_group", patch_group(service, apply=False))
    result = run(module, name="design", description="new")
    assert not result.failed and result["changed"] is True
    assert "description: the service accepted 'new' but the group now reports 'old'" in result.warning_texts


def test_a_route_policy_the_region_does_not_return_is_not_sent(service, run):
    service.state.hide_route_policy = True
    group = service.group("design")
    result = run(module, server_group_id=group["id"], route_policy=dict(max_session=5))
    assert result["changed"] is False and service.mutations == []
    assert any(text.startswith("route_policy: the service does not return it for this group")
               for text in result.warning_texts)


def test_create_in_check_mode_shows_the_request_and_sends_nothing(service, run):
    result = run(module, check=True, diff=True, name="design", description="CAD", **CREATE)
    assert service.mutations == [] and result["changed"] is True
    body = dict(CREATE, name="design", os_type="Windows", description="CAD")
    assert result["changes"] == body and result["diff"] == {"before": {}, "after": body}
    assert "id" not in result["server_group"] and result["server_group"]["storage_mount_policy"] == "USER"


def test_create_posts_the_group_then_patches_the_mount_policy_the_create_cannot_carry(service, run):
    def create(request):
        return service.state.group_view(service.state.create_group(dict(request.body)))

    service.reply("create_server_group", create)
    service.reply("update_server_group", patch_group(service))
    result = run(module, name="design", storage_mount_policy="SHARE", ip_virtual=True, **CREATE)
    assert not result.failed and result["changed"] is True
    created, patched = service.mutations
    assert (created.method, created.path) == ("POST", "/v1/%s/app-server-groups" % service.project_id)
    assert created.body == dict(CREATE, name="design", os_type="Windows", ip_virtual={"enable": True})
    group = service.state.group_by_name("design")
    assert (patched.path, patched.body) == (group_path(service, group["id"]), {"storage_mount_policy": "SHARE"})
    assert result["server_group"]["id"] == group["id"] and result["server_group"]["storage_mount_policy"] == "SHARE"
    assert result["changes"] == dict(created.body, storage_mount_policy="SHARE")


def test_a_create_that_lacks_required_options_fails_naming_them(service, run):
    service.group("design-old")
    result = run(module, name="design", image_id="img-1", image_type="private")
    assert result.failed and service.mutations == []
    assert result["msg"] == ("name: server group 'design' does not exist, so it would be created, and creating a group "
                             "needs image_id, image_type, product_id, vpc_id, subnet_id, system_disk_type, "
                             "system_disk_size (missing: product_id, vpc_id, subnet_id, system_disk_type, "
                             "system_disk_size); groups with similar names: design-old (%s)"
                             % service.state.group_by_name("design-old")["id"])


def test_a_create_only_setting_that_differs_fails_before_anything_is_sent(service, run):
    group = service.group("design", os_type="Windows")
    result = run(module, name="design", os_type="Linux", description="x")
    assert result.failed and service.mutations == []
    assert result["msg"] == ("os_type: cannot be changed after creation; server group 'design' (%s) has 'Windows', "
                             "wanted 'Linux'; create a new group" % group["id"])


def test_a_scaling_policy_is_put_whole_with_the_group_id(service, run):
    group = service.group("design")

    def put(request):
        body = dict(request.body)
        return service.state.set_scaling_policy(body.pop("server_group_id"), body)

    service.reply("create_or_update_scaling_policy", put)
    check = run(module, check=True, server_group_id=group["id"], scaling_policy=POLICY)
    assert check["changes"] == {"scaling_policy": POLICY} and service.mutations == []
    result = run(module, server_group_id=group["id"], scaling_policy=POLICY)
    (sent,) = service.mutations
    assert (sent.method, sent.path) == ("PUT", "/v1/%s/scaling-policy" % service.project_id)
    assert sent.body == dict(POLICY, server_group_id=group["id"])
    assert result["changed"] is True and result["server_group"]["scaling_policy"] == POLICY
    again = run(module, server_group_id=group["id"], scaling_policy=POLICY)
    assert again["changed"] is False and len(service.mutations) == 1


def test_absent_refuses_a_group_with_servers(service, run):
    group = service.group("design")
    service.server(group, name="srv-1")
    result = run(module, name="design", state="absent")
    assert result.failed and service.mutations == []
    assert result["msg"] == ("server group 'design' (%s) still has 1 server(s); delete them first "
                             "(huaweicloud.workspace_app.app_server_fleet count: 0) or set force: true" % group["id"])


def test_absent_deletes_an_empty_group_and_a_missing_one_is_no_change(service, run):
    group = service.group("design")
    check = run(module, check=True, diff=True, name="design", state="absent")
    assert check["changed"] is True and service.mutations == []
    assert check["diff"] == {"before": {"id": group["id"], "name": "design"}, "after": {}}
    service.reply("delete_server_groups", EMPTY)
    result = run(module, server_group_id=group["id"], state="absent")
    assert result["changed"] is True and result["server_group"]["id"] == group["id"]
    assert [(r.method, r.path) for r in service.mutations] == [("DELETE", group_path(service, group["id"]))]
    missing = run(module, name="no-such-group", state="absent")
    assert missing["changed"] is False and missing["server_group"] is None and len(service.mutations) == 1
    unknown_id = run(module, server_group_id="no-such-group", state="absent")
    assert not unknown_id.failed and unknown_id["changed"] is False and len(service.mutations) == 1


def test_bad_input_fails_before_any_request(service, run):
    spaced = run(module, name="my group", description="x")
    assert spaced.failed and spaced["msg"].startswith("name: 'my group' is not a valid server group name")
    absent = run(module, name="design", state="absent", description="x")
    assert absent.failed and absent["msg"] == ("state: absent deletes the group and takes only server_group_id or "
                                               "name; remove description")
    disk = run(module, name="design", system_disk_size=20)
    assert disk.failed and disk["msg"] == "system_disk_size: 20 is out of range; allowed values are 40..1024 (GB)"
    assert service.requests == []


def test_a_rename_is_idempotent_once_the_group_has_its_new_name(service, run):
    group = service.group("design")
    service.reply("update_server_group", patch_group(service))
    first = run(module, name="design", new_name="design-2026")
    assert first["changed"] is True and first["changes"] == {"name": "design-2026"}
    assert [r.body for r in service.mutations] == [{"name": "design-2026"}]
    again = run(module, name="design", new_name="design-2026")
    assert again["changed"] is False and again["server_group"]["id"] == group["id"] and len(service.mutations) == 1


def test_an_empty_scaling_policy_removes_the_groups_policy(service, run):
    group = service.group("design")
    service.state.set_scaling_policy(group["id"], dict(max_scaling_amount=10, single_expansion_count=2))

    def remove(request):
        service.state.delete_scaling_policy(request.query["server_group_id"])
        return EMPTY

    service.reply("delete_scaling_policy", remove)
    result = run(module, server_group_id=group["id"], scaling_policy={})
    (sent,) = service.mutations
    assert (sent.method, sent.path, sent.query) == ("DELETE", "/v1/%s/scaling-policy" % service.project_id,
                                                    {"server_group_id": group["id"]})
    assert result["changed"] is True and result["changes"] == {"scaling_policy": None}
    again = run(module, server_group_id=group["id"], scaling_policy={})
    assert again["changed"] is False and len(service.mutations) == 1


def answer_deletes(service):
    """The service's answers to a forced group delete: the servers' delete job (the servers gone from the list),
    then the group's delete."""
    def delete_servers(request):
        job_id = service.job("DELETE_SERVER", [service.state.get_server(sid) for sid in request.body["items"]])
        for server_id in request.body["items"]:
            service.remove(server_id)
        return {"job_id": job_id}

    service.reply("batch_delete_server", delete_servers)
    service.reply("delete_server_groups", EMPTY)


def test_absent_with_force_deletes_the_servers_first_then_the_group(service, run):
    group = service.group("design")
    servers = [service.server(group, name="srv-%d" % n, session_count=1) for n in (1, 2)]
    check = run(module, check=True, name="design", state="absent", force=True)
    assert check["changed"] is True and service.mutations == []
    assert sorted((s["id"], s["action"], s["status"]) for s in check["servers"]) == sorted(
        (s["id"], "submitted", "pending") for s in servers)

    answer_deletes(service)
    result = run(module, name="design", state="absent", force=True, poll_interval=0.01, wait_timeout=10)
    assert not result.failed and result["changed"] is True
    assert [(r.operation, r.body) for r in service.mutations] == [
        ("batch_delete_server", {"items": sorted(s["id"] for s in servers)}), ("delete_server_groups", None)]
    assert result["summary"]["succeeded"] == 2 and all(s["after"] == {"state": "absent"} for s in result["servers"])


def test_tags_that_differ_on_an_existing_group_are_sent_not_a_warning(service, run):
    # issue 30: tags are managed on existing groups (until 1.1.0 this was a warning and no change)
    group = service.group("design", tags=[{"key": "team", "value": "cad"}])

    def add(request):
        group["tags"] = [dict(tag) for tag in request.body["items"][0]["tags"]]
        return EMPTY
    service.reply("batch_create_server_group_tags", add)
    result = run(module, name="design", tags=[{"key": "team", "value": "cam"}])
    assert not result.failed and result["changed"] is True
    assert [(r.operation, r.body) for r in service.mutations] == [("batch_create_server_group_tags", {
        "items": [{"server_group_id": group["id"], "tags": [{"key": "team", "value": "cam"}]}]})]
    assert not any(text.startswith("tags: set only when a group is created") for text in result.warning_texts)
    assert result["server_group"]["tags"] == {"team": "cam"}


def test_an_unknown_id_is_never_created(service, run):
    result = run(module, server_group_id="no-such-group", **CREATE)
    assert result.failed and result["msg"] == "server_group_id: no server group with id 'no-such-group' (WKS.00211202)"
    assert service.mutations == []


def test_a_group_created_by_the_task_gets_its_scaling_policy_too(service, run):
    def create(request):
        return service.state.group_view(service.state.create_group(dict(request.body)))

    def put(request):
        body = dict(request.body)
        return service.state.set_scaling_policy(body.pop("server_group_id"), body)

    service.reply("create_server_group", create)
    service.reply("create_or_update_scaling_policy", put)
    check = run(module, check=True, name="design", scaling_policy=POLICY, **CREATE)
    assert check["changes"]["scaling_policy"] == POLICY and service.mutations == []
    result = run(module, name="design", scaling_policy=POLICY, **CREATE)
    assert not result.failed and [r.operation for r in service.mutations] == [
        "create_server_group", "create_or_update_scaling_policy"]
    group = service.state.group_by_name("design")
    assert service.mutations[1].body == dict(POLICY, server_group_id=group["id"])
    assert result["server_group"]["scaling_policy"] == POLICY and result["changes"]["scaling_policy"] == POLICY


def test_force_delete_lists_the_servers_and_sessions_that_go_with_the_group(service, run):
    """The night-shift case: check mode, --diff and the real run list both servers deleted (name (id)) and the
    session that ends (user on server), then the group; the real run warns naming the session."""
    group = service.group("night-shift")
    occupied, empty = (service.server(group, name=name) for name in ("night-02", "night-01"))
    service.state.log_on(occupied["id"], user_name="alice")
    servers = sorted([occupied, empty], key=lambda s: s["name"])
    destroys = ["server %s (%s)" % (s["name"], s["id"]) for s in servers] + [
        "server group night-shift (%s)" % group["id"]]
    interrupts = ["session alice (Active) on night-02 (%s)" % occupied["id"]]
    check = run(module, check=True, diff=True, name="night-shift", state="absent", force=True)
    assert check["changed"] is True and service.mutations == []
    assert check["destroys"] == destroys and check["interrupts"] == interrupts
    assert check["diff"]["before"] == {"id": group["id"], "name": "night-shift"} and check["diff"]["after"] == {}
    assert check["diff"]["prepared"] == "would destroy (3):\n%swould interrupt (1):\n  %s\n" % (
        "".join("  %s\n" % line for line in destroys), interrupts[0])
    assert [s["name"] for s in check["servers"]] == ["night-01", "night-02"]  # name order
    assert "this run would end 1 user session(s): alice (Active) on night-02 (%s)" % occupied["id"] \
        in check.warning_texts

    answer_deletes(service)
    result = run(module, diff=True, name="night-shift", state="absent", force=True, poll_interval=0.01,
                 wait_timeout=10)
    assert not result.failed and result["changed"] is True
    assert result["destroys"] == destroys and result["interrupts"] == interrupts
    assert result["diff"]["prepared"].startswith("this run destroys (3):\n")
    assert "this run ends 1 user session(s): alice (Active) on night-02 (%s)" % occupied["id"] \
        in result.warning_texts


def test_an_empty_group_deleted_lists_only_itself(service, run):
    group = service.group("empty")
    check = run(module, check=True, diff=True, name="empty", state="absent")
    assert check["destroys"] == ["server group empty (%s)" % group["id"]] and "interrupts" not in check
    assert check["diff"] == {"before": {"id": group["id"], "name": "empty"}, "after": {}}  # before names it already


# -- issue 27: the wire as the real service speaks it -----------------------------------------------------------------
def create_in_state(service):
    def create(request):
        return service.state.group_view(service.state.create_group(dict(request.body)))
    return create


def test_a_gold_image_without_product_id_is_sent_on_create_and_update(service, run):
    """The real service takes it (Terraform's batch change-image test sends none): nothing refuses it before the
    call, the create and the PATCH carry gold and no image_product_id."""
    service.reply("create_server_group", create_in_state(service))
    created = run(module, name="design", **dict(CREATE, image_type="gold"))
    assert not created.failed and created["changed"] is True
    (posted,) = service.mutations
    assert posted.body["image_type"] == "gold" and "image_product_id" not in posted.body
    service.reply("update_server_group", patch_group(service))
    updated = run(module, name="design", image_id="img-gold-2", image_type="gold")
    assert not updated.failed and updated["changed"] is True
    assert service.mutations[-1].body == {"image_id": "img-gold-2", "image_type": "gold"}


def test_scaling_policy_counts_outside_the_services_ranges_fail_before_any_request(service, run):
    cases = [
        (dict(max_scaling_amount=101), "scaling_policy.max_scaling_amount: 101 is out of range; allowed values are "
                                       "1..100 (servers)"),
        (dict(max_scaling_amount=0), "scaling_policy.max_scaling_amount: 0 is out of range; allowed values are "
                                     "1..100 (servers)"),
        (dict(max_scaling_amount=50, single_expansion_count=11),
         "scaling_policy.single_expansion_count: 11 is out of range; allowed values are 1..10 (servers)"),
        (dict(single_expansion_count=0),
         "scaling_policy.single_expansion_count: 0 is out of range; allowed values are 1..10 (servers)"),
    ]
    for policy, message in cases:
        result = run(module, name="design", scaling_policy=policy)
        assert result.failed and result["msg"] == message, result["msg"]
    assert service.requests == []
    edge = dict(POLICY, max_scaling_amount=100, single_expansion_count=10)
    group = service.group("design")

    def put(request):
        body = dict(request.body)
        return service.state.set_scaling_policy(body.pop("server_group_id"), body)

    service.reply("create_or_update_scaling_policy", put)
    result = run(module, server_group_id=group["id"], scaling_policy=edge)
    assert not result.failed and service.mutations[-1].body == dict(edge, server_group_id=group["id"])


def refused_after_applying(service, status, code):
    """A create the service carries out and still answers with a refusal (what a resent or raced create may meet)."""
    def create(request):
        service.state.create_group(dict(request.body))
        return Error(status, code, "refused")
    return create


def test_a_create_refused_400_or_409_but_shown_created_with_its_settings_is_ours(service, run):
    for status, name in ((400, "design-400"), (409, "design-409")):
        service.reply("create_server_group", refused_after_applying(service, status, "WKS.0407"))
        result = run(module, name=name, description="CAD", **CREATE)
        assert not result.failed, result["msg"]
        group = service.state.group_by_name(name)
        assert result["changed"] is True and result["server_group"]["id"] == group["id"]
        assert any("HTTP %d" % status in w and "with the settings of this create" in w
                   and "taken as the one this task created" in w for w in result.warning_texts)
        assert len(service.sent("create_server_group")) == 1  # never created twice
        service.requests.clear()


def test_a_create_refused_400_with_no_such_group_fails_with_the_services_error(service, run):
    service.reply("create_server_group", Error(400, "WKS.00211102", "The parameter is invalid."))
    result = run(module, name="design", **CREATE)
    assert result.failed and "HTTP 400 WKS.00211102: The parameter is invalid." in result["msg"]
    assert len(service.sent("create_server_group")) == 1 and len(service.mutations) == 1
    assert "list_server_groups" in [r.operation for r in service.requests[service.requests.index(
        service.sent("create_server_group")[0]):]]  # the refusal was settled by a read, which showed no group


def test_a_delete_refused_400_while_servers_are_in_names_them_from_the_read(service, run):
    group = service.group("design")

    def filled_meanwhile(request):
        service.server(group, name="late-1")
        service.server(group, name="late-2")
        return Error(400, "WKS.0407", "The request is being processed.")

    service.reply("delete_server_groups", filled_meanwhile)
    result = run(module, name="design", state="absent")
    assert result.failed and len(service.mutations) == 1
    assert result["msg"] == ("server group 'design' (%s) still has 2 server(s); the service refused the delete: HTTP "
                             "400 WKS.0407; delete them first (huaweicloud.workspace_app.app_server_fleet count: 0) "
                             "or set force: true" % group["id"])


def test_a_delete_refused_on_an_empty_group_fails_with_the_services_error(service, run):
    group = service.group("design")
    service.reply("delete_server_groups", Error(409, "WKS.9999", "Something else."))
    result = run(module, server_group_id=group["id"], state="absent")
    assert result.failed and "HTTP 409 WKS.9999: Something else." in result["msg"]
    assert "still has" not in result["msg"] and len(service.mutations) == 1


def test_a_delete_refused_but_shown_gone_is_done(service, run):
    group = service.group("design")

    def gone_meanwhile(request):
        service.state.delete_group(group["id"])
        return Error(400, "WKS.0407", "busy")

    service.reply("delete_server_groups", gone_meanwhile)
    result = run(module, name="design", state="absent")
    assert not result.failed and result["changed"] is True and len(service.mutations) == 1
    assert any("HTTP 400" in w and "the group is gone" in w for w in result.warning_texts)


def test_a_delete_answered_200_without_a_job_is_gone_and_absent_again_changes_nothing(service, run):
    """The real service answers 200 with no job id (also for what is gone already): done, not "no job"; a second
    run finds nothing and sends nothing."""
    group = service.group("design")

    def delete(request):
        service.state.delete_group(group["id"])
        return {}  # no job_id

    service.reply("delete_server_groups", delete)
    result = run(module, name="design", state="absent")
    assert not result.failed and result["changed"] is True and len(service.mutations) == 1
    assert not any("job" in w for w in result.warning_texts)
    again = run(module, name="design", state="absent")
    assert again["changed"] is False and again["server_group"] is None and len(service.mutations) == 1
    by_id = run(module, server_group_id=group["id"], state="absent")
    assert by_id["changed"] is False and len(service.mutations) == 1


def test_force_delete_whose_servers_delete_answers_200_without_a_job_deletes_the_group(service, run):
    group = service.group("design")
    servers = [service.server(group, name="srv-%d" % n) for n in (1, 2)]

    def delete_servers(request):
        for server_id in request.body["items"]:
            service.remove(server_id)
        return {}  # gone: 200, no job id

    def delete_group(request):
        service.state.delete_group(group["id"])
        return EMPTY

    service.reply("batch_delete_server", delete_servers)
    service.reply("delete_server_groups", delete_group)
    result = run(module, name="design", state="absent", force=True, poll_interval=0.01, wait_timeout=10)
    assert not result.failed, result["msg"]
    assert result["changed"] is True and [r.operation for r in service.mutations] == [
        "batch_delete_server", "delete_server_groups"]
    assert result["summary"]["succeeded"] == 2 and all(s["after"] == {"state": "absent"} for s in result["servers"])
    assert sorted(s["id"] for s in result["servers"]) == sorted(s["id"] for s in servers)
