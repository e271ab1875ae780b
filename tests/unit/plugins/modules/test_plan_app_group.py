"""app_group through main() against recorded API answers: create with every option, only what differs sent, rename
and re-runs under either name, create-only settings and a bound server group refused before anything is sent, the
server group by exact name, check mode and --diff, absent (proved by reading again), a create answered 500 after the
service applied it."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_group as module

from simulator.routing import EMPTY

from tests.harness.recorded import Error


def created_by_service(service):
    """The service's answer to a create: the group made as the request asks (the simulator's model), its view."""
    def answer(request):
        return service.state.app_group_view(service.state.create_app_group(dict(request.body)))
    return answer


def updated_by_service(service):
    def answer(request):
        group_id = request.path.rsplit("/", 1)[1]
        return service.state.app_group_view(service.state.update_app_group(group_id, dict(request.body)))
    return answer


def deleted_by_service(service):
    def answer(request):
        service.state.delete_app_groups([request.path.rsplit("/", 1)[1]])
        return EMPTY
    return answer


def app_groups_named(service, name):
    return [group for group in service.state.app_groups.values() if group["name"] == name]


def test_create_with_every_option_posts_one_request_then_a_rerun_sends_nothing(service, run):
    design = service.group("design")
    service.reply("create_app_group", created_by_service(service))
    options = dict(name="design-apps", server_group_id=design["id"], app_type="SESSION_DESKTOP_APP",
                   authorization_type="APP", description="CAD")
    result = run(module, diff=True, **options)
    assert not result.failed and result["changed"] is True
    (sent,) = service.mutations
    assert (sent.method, sent.path) == ("POST", "/v1/%s/app-groups" % service.project_id)
    body = {"name": "design-apps", "app_server_group_id": design["id"], "description": "CAD",
            "authorization_type": "APP", "app_type": "SESSION_DESKTOP_APP"}
    assert sent.body == body and result["changes"] == body and result["diff"] == {"before": {}, "after": body}
    (group,) = app_groups_named(service, "design-apps")
    shown = result["app_group"]
    assert shown["id"] == group["id"] and shown["app_server_group_name"] == "design" and shown["app_count"] == 0
    # the server group id was read before the create (it is sent), the group read after it
    assert [r.operation for r in service.requests] == [
        "list_app_group", "show_server_group", "create_app_group", "show_app_group_detail"]

    service.requests.clear()
    again = run(module, diff=True, **options)
    assert again["changed"] is False and again["changes"] == {} and service.mutations == []
    assert again["diff"] == {"before": {}, "after": {}} and again["app_group"]["id"] == group["id"]
    # bound to that server group already: nothing more to read than the group itself
    assert [r.operation for r in service.requests] == ["list_app_group", "show_app_group_detail"]


def test_an_existing_group_gets_only_the_fields_that_differ(service, run):
    design = service.group("design")
    group = service.state.add_app_group("design-apps", design["id"], description="old", app_type="COMMON_APP")
    service.reply("update_app_group", updated_by_service(service))
    result = run(module, app_group_id=group["id"], server_group_id=design["id"], description="new",
                 app_type="COMMON_APP", authorization_type="APP_GROUP")
    assert not result.failed and result["changed"] is True
    (sent,) = service.mutations
    assert (sent.method, sent.path, sent.body) == (
        "PATCH", "/v1/%s/app-groups/%s" % (service.project_id, group["id"]), {"description": "new"})
    assert result["changes"] == {"description": "new"} and result["app_group"]["description"] == "new"


def test_an_empty_description_clears_it_and_a_missing_one_is_already_clear(service, run):
    group = service.state.add_app_group("design-apps", description="old")
    service.reply("update_app_group", updated_by_service(service))
    result = run(module, name="design-apps", description="")
    assert result["changed"] is True and [r.body for r in service.mutations] == [{"description": ""}]
    bare = service.state.add_app_group("bare-apps")
    service.requests.clear()
    result = run(module, app_group_id=bare["id"], description="")
    assert result["changed"] is False and service.mutations == []
    assert group["description"] == ""


def test_a_rename_is_idempotent_under_either_name(service, run):
    group = service.state.add_app_group("design-apps", description="CAD")
    service.reply("update_app_group", updated_by_service(service))
    result = run(module, name="design-apps", new_name="design-2026", description="CAD")
    assert result["changed"] is True and [r.body for r in service.mutations] == [{"name": "design-2026"}]
    assert result["app_group"]["name"] == "design-2026" and result["app_group"]["id"] == group["id"]
    service.requests.clear()
    again = run(module, name="design-apps", new_name="design-2026", description="CAD")
    under_new = run(module, name="design-2026", description="CAD")
    assert again["changed"] is False and under_new["changed"] is False and service.mutations == []
    assert again["app_group"]["id"] == under_new["app_group"]["id"] == group["id"]


def test_a_create_only_setting_that_differs_fails_before_anything_is_sent(service, run):
    group = service.state.add_app_group("design-apps", app_type="COMMON_APP", authorization_type="APP_GROUP")
    result = run(module, name="design-apps", app_type="SESSION_DESKTOP_APP", authorization_type="APP",
                 description="x")
    assert result.failed and service.mutations == []
    assert result["msg"] == (
        "authorization_type: cannot be changed after creation; app group 'design-apps' (%s) has 'APP_GROUP', wanted "
        "'APP'; create a new group; app_type: cannot be changed after creation; app group 'design-apps' (%s) has "
        "'COMMON_APP', wanted 'SESSION_DESKTOP_APP'; create a new group" % (group["id"], group["id"]))


def test_bad_input_fails_naming_the_option_and_the_allowed_values_before_any_request(service, run):
    result = run(module, name="design-apps", authorization_type="USER")
    assert result.failed and "authorization_type" in result["msg"] and "APP_GROUP, APP" in result["msg"]
    result = run(module, name="design-apps", app_type="GAME_APP")
    assert result.failed and "app_type" in result["msg"] and "COMMON_APP, SESSION_DESKTOP_APP" in result["msg"]
    result = run(module, name="design apps")
    assert result.failed and result["msg"].startswith("name: 'design apps' is not a valid app group name; use 1 to 64")
    result = run(module, name="design-apps", server_group_id="g1", server_group_name="design")
    assert result.failed and "server_group_id|server_group_name" in result["msg"]
    result = run(module, name="design-apps", state="absent", description="x")
    assert result.failed and result["msg"] == ("state: absent deletes the app group and takes only app_group_id or "
                                               "name; remove description")
    assert service.requests == []


def test_check_mode_and_diff_report_the_plan_of_the_real_run_and_send_nothing(service, run):
    design = service.group("design")
    group = service.state.add_app_group("design-apps", description="old")
    options = dict(name="design-apps", new_name="design-2026", description="new", server_group_name="design")
    planned = run(module, check=True, diff=True, **options)
    assert service.mutations == [] and planned["changed"] is True
    changes = {"name": "design-2026", "description": "new", "app_server_group_id": design["id"]}
    assert planned["changes"] == changes
    assert planned["diff"] == {"before": {"name": "design-apps", "description": "old", "app_server_group_id": None},
                               "after": changes}
    assert planned["app_group"]["name"] == "design-2026" and planned["app_group"]["id"] == group["id"]
    service.reply("update_app_group", updated_by_service(service))
    real = run(module, diff=True, **options)
    assert real["changes"] == planned["changes"] and real["diff"] == planned["diff"]
    assert [r.body for r in service.mutations] == [changes]
    created = run(module, check=True, diff=True, name="other-apps", server_group_name="design", app_type="COMMON_APP")
    body = {"name": "other-apps", "app_server_group_id": design["id"], "app_type": "COMMON_APP"}
    assert created["changed"] is True and created["changes"] == body
    assert created["diff"] == {"before": {}, "after": body}
    assert created["app_group"] == dict(body, app_server_group_name="design") and len(service.mutations) == 1


def test_a_server_group_name_resolves_to_its_id(service, run):
    design = service.group("design")
    service.group("design-old")
    service.reply("create_app_group", created_by_service(service))
    result = run(module, name="design-apps", server_group_name="design")
    assert not result.failed and [r.body for r in service.mutations] == [
        {"name": "design-apps", "app_server_group_id": design["id"]}]
    assert result["app_group"]["app_server_group_name"] == "design"


def test_an_unknown_server_group_fails_before_anything_is_sent(service, run):
    service.group("design")
    result = run(module, name="design-apps", server_group_name="desing")
    assert result.failed and service.mutations == []
    assert result["msg"].startswith("server_group_name: no server group is named 'desing'")
    result = run(module, name="design-apps", server_group_id="no-such-group")
    assert result.failed and service.mutations == []
    assert result["msg"].startswith("server_group_id: no server group with id 'no-such-group'")


def test_an_unbound_group_is_bound_and_a_bound_one_is_refused_before_anything_is_sent(service, run):
    design, other = service.group("design"), service.group("other")
    unbound = service.state.add_app_group("later-apps")
    service.reply("update_app_group", updated_by_service(service))
    result = run(module, app_group_id=unbound["id"], server_group_id=design["id"])
    assert result["changed"] is True and [r.body for r in service.mutations] == [
        {"app_server_group_id": design["id"]}]
    assert result["app_group"]["app_server_group_name"] == "design"
    service.requests.clear()
    refused = run(module, app_group_id=unbound["id"], server_group_name="other")
    assert refused.failed and service.mutations == []
    assert refused["msg"] == (
        "server_group_name: app group 'later-apps' (%s) is bound to server group 'design' (%s); the service binds a "
        "server group only to an app group that has none, so it cannot be changed; create a new app group on server "
        "group %s instead (and publish its applications and authorize its users there), or delete this one first"
        % (unbound["id"], design["id"], other["id"]))


def test_a_name_several_groups_have_fails_listing_them(service, run):
    first, second = service.state.add_app_group("twin"), service.state.add_app_group("twin")
    service.state.add_app_group("twin-2")
    result = run(module, name="twin", description="x")
    assert result.failed and service.mutations == []
    assert "name: 2 app groups are named 'twin'" in result["msg"]
    assert first["id"] in result["msg"] and second["id"] in result["msg"] and "use app_group_id" in result["msg"]


def test_a_create_answered_500_after_it_was_applied_is_read_back_as_ours(service, run):
    design = service.group("design")
    service.state.add_app_group("design-apps-old")  # the name filter matches parts of names: only exact counts

    def applied_then_500(request):
        service.state.create_app_group(dict(request.body))
        return Error(500, "WKS.0001", "Internal error.")

    service.reply("create_app_group", applied_then_500)
    result = run(module, name="design-apps", server_group_id=design["id"], description="CAD")
    assert not result.failed and result["changed"] is True
    assert len(service.sent("create_app_group")) == 1 and len(app_groups_named(service, "design-apps")) == 1
    (group,) = app_groups_named(service, "design-apps")
    assert result["app_group"]["id"] == group["id"]
    assert any("HTTP 500" in w and "taken as the one this task created" in w for w in result.warning_texts)


def test_absent_deletes_and_reads_again_and_absent_of_a_missing_group_changes_nothing(service, run):
    group = service.state.add_app_group("design-apps")
    service.reply("delete_app_group", deleted_by_service(service))
    planned = run(module, check=True, diff=True, name="design-apps", state="absent")
    assert planned["changed"] is True and service.mutations == []
    assert planned["diff"] == {"before": {"id": group["id"], "name": "design-apps"}, "after": {}}
    result = run(module, diff=True, name="design-apps", state="absent")
    assert result["changed"] is True and result["diff"] == planned["diff"]
    (sent,) = service.mutations
    assert (sent.method, sent.path) == ("DELETE", "/v1/%s/app-groups/%s" % (service.project_id, group["id"]))
    assert service.requests[-1].operation == "show_app_group_detail"  # the 200 proved by reading again
    assert service.state.app_groups == {}
    service.requests.clear()
    for args in (dict(name="design-apps"), dict(app_group_id=group["id"])):
        gone = run(module, state="absent", **args)
        assert gone["changed"] is False and gone["app_group"] is None
    assert service.mutations == []


def test_a_delete_answered_200_that_left_the_group_fails(service, run):
    group = service.state.add_app_group("design-apps")
    service.reply("delete_app_group", EMPTY)  # 200, and nothing happened
    result = run(module, app_group_id=group["id"], state="absent")
    assert result.failed and len(service.mutations) == 1
    assert result["msg"].startswith("app group 'design-apps' (%s) is still there after the service answered its "
                                    "delete with success" % group["id"])
