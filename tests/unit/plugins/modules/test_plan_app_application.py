"""app_application through main() against recorded API answers: the plan per application (publish, update,
enable/disable, unpublish, none), the calls and their bodies and counts, purge, check mode and --diff, idempotence,
bad input before any request, image applications checked against what the group's image offers, and a publish
applied then answered 500 that is read back, not sent again."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_application as module

from simulator.routing import EMPTY

from tests.harness.recorded import Error

MUTATIONS = ("publish_app", "update_app", "batch_enable_app", "batch_disable_app", "unpublish_app")


def tenant(service, servers=1):
    server_group = service.group("apps-prod")
    for index in range(servers):
        service.server(server_group, name="srv-%d" % index)
    return service.state.add_app_group("office", server_group["id"])


def carried_out(service, group):
    """Every mutation answered as the service would, the records changed by the simulator's own model."""
    state, group_id = service.state, group["id"]

    def publish(request):
        records = state.publish_apps(group_id, request.body["items"])
        return {"count": len(records), "items": [state.app_view(app) for app in records]}

    def update(request):
        return state.app_view(state.update_app(group_id, request.path.rsplit("/", 1)[1], request.body))

    def set_state(value):
        def answer(request):
            state.set_apps_state(group_id, request.body["ids"], value)
            return EMPTY
        return answer

    def unpublish(request):
        state.unpublish_apps(group_id, request.body["ids"])
        return EMPTY

    service.reply("publish_app", publish)
    service.reply("update_app", update)
    service.reply("batch_enable_app", set_state("NORMAL"))
    service.reply("batch_disable_app", set_state("FORBIDDEN"))
    service.reply("unpublish_app", unpublish)


def custom(name, **settings):
    return dict(dict(name=name, source_type="custom", execute_path="C:\\Apps\\%s.exe" % name.replace(" ", "")),
                **settings)


def by_name(result):
    return dict((app["name"], app) for app in result["applications"])


def publish_now(service, group, *apps):
    return service.state.publish_apps(group["id"], [dict(name=app["name"], source_type=3,
                                                         execute_path=app["execute_path"]) for app in apps])


NAMES = ["app-%02d" % number for number in range(25)]


def test_twenty_five_applications_go_in_two_publish_calls_and_a_rerun_sends_nothing(service, run):
    group = tenant(service)
    carried_out(service, group)
    apps = [custom(name) for name in NAMES]
    result = run(module, app_group_name="office", applications=apps)
    assert result["changed"] is True and not result.failed, result.get("msg")
    calls = service.sent("publish_app")
    assert [len(call.body["items"]) for call in calls] == [20, 5]
    assert calls[0].body["items"][0] == {"name": "app-00", "source_type": 3, "execute_path": "C:\\Apps\\app-00.exe"}
    assert len(service.mutations) == 2
    assert sorted(service.state.app_names(group["id"])) == NAMES
    first = result["applications"][0]
    assert (first["name"], first["action"], first["status"]) == ("app-00", "publish", "succeeded")
    assert first["id"] == service.state.published_apps(group["id"])[0]["id"]
    assert first["after"] == {"published": True, "source_type": "custom", "execute_path": "C:\\Apps\\app-00.exe"}
    assert result["summary"]["succeeded"] == 25 and result["app_group"] == {"id": group["id"], "name": "office"}
    assert result["msg"] == "app group office: published 25 application(s); 0 unchanged"

    service.requests[:] = []
    again = run(module, app_group_name="office", applications=apps)
    assert again["changed"] is False and service.mutations == []
    # by name: the group list and its detail, then one page of the published applications
    assert [r.operation for r in service.requests] == ["list_app_group", "show_app_group_detail",
                                                       "list_published_app"]
    assert again["summary"]["unchanged"] == 25


def test_the_plan_per_application_and_what_each_call_carries(service, run):
    group = tenant(service)
    kept, changed, disabled, enabled, gone, extra = (custom("kept"), custom("changed"), custom("to disable"),
                                                     custom("to enable"), custom("gone"), custom("extra"))
    published = dict((app["name"], app) for app in publish_now(service, group, kept, changed, disabled, enabled, gone,
                                                               extra))
    service.state.set_apps_state(group["id"], [published["to enable"]["id"]], "FORBIDDEN")
    carried_out(service, group)
    result = run(module, diff=True, app_group_id=group["id"], applications=[
        kept, dict(changed, description="new", command_param="-x", enabled=False), dict(disabled, enabled=False),
        dict(name="to enable", enabled=True), dict(name="gone", state="absent"), custom("new one", enabled=False),
        dict(name="never there", state="absent")])
    assert not result.failed, result.get("msg")
    plan = by_name(result)
    assert [(name, plan[name]["action"]) for name in sorted(plan)] == [
        ("changed", "update"), ("gone", "unpublish"), ("kept", "none"), ("never there", "none"),
        ("new one", "publish"), ("to disable", "disable"), ("to enable", "enable")]
    assert "extra" not in plan  # not listed, no purge: left alone
    update = service.sent("update_app")
    assert len(update) == 1 and update[0].path.endswith("/apps/%s" % published["changed"]["id"])
    assert update[0].body == {"description": "new", "command_param": "-x", "state": "FORBIDDEN"}  # one call
    assert [r.body for r in service.sent("batch_enable_app")] == [{"ids": [published["to enable"]["id"]]}]
    new_id = next(app["id"] for app in service.state.published_apps(group["id"]) if app["name"] == "new one")
    # published, then disabled: the state is not a PublishApp field
    assert sorted(r.body["ids"] for r in service.sent("batch_disable_app")) == sorted(
        [[published["to disable"]["id"]], [new_id]])
    assert [r.body for r in service.sent("unpublish_app")] == [{"ids": [published["gone"]["id"]]}]
    states = dict((app["name"], app["state"]) for app in service.state.published_apps(group["id"]))
    assert states == {"kept": "NORMAL", "changed": "FORBIDDEN", "to disable": "FORBIDDEN", "to enable": "NORMAL",
                      "extra": "NORMAL", "new one": "FORBIDDEN"}
    assert plan["changed"]["before"] == {"description": None, "command_param": None, "enabled": True}
    assert plan["changed"]["after"] == {"description": "new", "command_param": "-x", "enabled": False}
    assert result["diff"]["before"]["gone"] == {"published": True}
    assert result["diff"]["after"]["gone"] == {"published": False}
    assert "kept" not in result["diff"]["after"]
    assert result["summary"] == {"total": 7, "unchanged": 2, "skipped": 0, "succeeded": 5, "failed": 0, "pending": 0}


def test_purge_unpublishes_what_is_not_listed_fifty_per_call(service, run):
    group = tenant(service)
    publish_now(service, group, *[custom("old-%02d" % n) for n in range(55)])
    publish_now(service, group, custom("keep"))
    carried_out(service, group)
    result = run(module, app_group_name="office", purge=True, applications=[custom("keep")])
    assert not result.failed and result["changed"] is True
    assert [len(r.body["ids"]) for r in service.sent("unpublish_app")] == [50, 5]
    assert service.state.app_names(group["id"]) == ["keep"]
    assert result["summary"]["succeeded"] == 55 and by_name(result)["keep"]["action"] == "none"


def test_enable_and_disable_go_twenty_per_call(service, run):
    group = tenant(service)
    apps = [custom("app-%02d" % n) for n in range(45)]
    publish_now(service, group, *apps)
    carried_out(service, group)
    result = run(module, app_group_name="office", applications=[dict(name=app["name"], enabled=False)
                                                                for app in apps])
    assert not result.failed
    assert [len(r.body["ids"]) for r in service.sent("batch_disable_app")] == [20, 20, 5]
    assert set(app["state"] for app in service.state.published_apps(group["id"])) == {"FORBIDDEN"}


def test_check_mode_and_diff_report_the_plan_and_send_nothing(service, run):
    group = tenant(service)
    publish_now(service, group, custom("old"), custom("kept"))
    result = run(module, check=True, diff=True, app_group_name="office", purge=True,
                 applications=[custom("kept", version="2.0"), custom("new")])
    assert result["changed"] is True and service.mutations == []
    plan = by_name(result)
    assert [(name, plan[name]["action"], plan[name]["status"]) for name in ("kept", "new", "old")] == [
        ("kept", "update", "pending"), ("new", "publish", "pending"), ("old", "unpublish", "pending")]
    assert plan["new"]["id"] is None and plan["old"]["id"]
    assert result["diff"]["after"] == {"kept": {"version": "2.0"}, "old": {"published": False},
                                       "new": {"published": True, "source_type": "custom",
                                               "execute_path": "C:\\Apps\\new.exe"}}
    assert result["msg"] == ("app group office: would have published 1, updated 1, unpublished 1 application(s); "
                             "0 unchanged (check mode, nothing sent)")


@pytest.mark.parametrize("applications, message", [
    ([dict(name="x" * 65, execute_path="x.exe")], "applications[0].name: is 65 characters long"),
    ([dict(name="a/b", execute_path="x.exe")], "applications[0].name: 'a/b' contains /"),
    ([dict(name="   ", execute_path="x.exe")], "applications[0].name: must not be only spaces"),
    ([custom("twice"), custom("twice")], "applications: 'twice' is listed twice (applications[0] and [1])"),
    ([dict(name="tool", source_type="custom")], "applications[0].execute_path: required for source_type custom"),
    ([custom("tool", icon_index=-1)], "applications[0].icon_index: must be 0 or more"),
])
def test_bad_input_fails_before_any_request(service, run, applications, message):
    tenant(service)
    result = run(module, app_group_name="office", applications=applications)
    assert result.failed and message in result["msg"], result["msg"]
    assert service.requests == []


def test_an_unknown_group_fails_naming_the_option_before_any_mutation(service, run):
    tenant(service)
    result = run(module, app_group_name="ofice", applications=[custom("tool")])
    assert result.failed and result["msg"].startswith("app_group_name: no app group is named 'ofice'")
    assert service.mutations == []


def test_an_image_application_the_image_does_not_offer_fails_listing_what_it_offers(service, run):
    group = tenant(service)
    result = run(module, app_group_name="office", applications=[dict(name="Notepad"), custom("tool"),
                                                                dict(name="Solitaire", source_type="image")])
    assert result.failed and service.mutations == []
    assert result["msg"] == ("applications: 'Solitaire' is not offered by the image of app group office (%s) "
                             "(source_type image); it offers: Calculator, Command Prompt, Notepad, Paint, "
                             "Windows PowerShell, WordPad" % group["id"])


def test_an_image_application_is_published_with_what_the_image_offers_unless_set(service, run):
    group = tenant(service)
    image_id = service.state.group_images(group["id"])[0]
    service.state.set_image_apps(image_id, [dict(name="Excel", execute_path="C:\\Office\\excel.exe", icon_index=2,
                                                 work_path="C:\\Office", version="16")])
    carried_out(service, group)
    result = run(module, app_group_name="office", applications=[dict(name="Excel", version="16.1")])
    assert not result.failed, result["msg"]
    (call,) = service.sent("publish_app")
    assert call.body == {"items": [{"name": "Excel", "source_type": 2, "execute_path": "C:\\Office\\excel.exe",
                                    "icon_index": 2, "work_path": "C:\\Office", "version": "16.1",
                                    "sandbox_enable": False, "source_image_ids": [image_id]}]}
    assert [r.operation for r in service.requests].count("show_publishable_app") == 1


def test_no_servers_behind_the_group_is_named_when_image_applications_are_asked_for(service, run):
    group = tenant(service, servers=0)
    result = run(module, app_group_id=group["id"], applications=[dict(name="Notepad")])
    assert result.failed and service.mutations == []
    assert "applications: app group office (%s) offers no image applications: its server group apps-prod has no " \
           "servers" % group["id"] in result["msg"]


def test_a_setting_the_update_call_cannot_change_fails_before_anything_is_sent(service, run):
    group = tenant(service)
    publish_now(service, group, custom("tool"))
    result = run(module, app_group_name="office", applications=[custom("tool", publisher="someone", version="2")])
    assert result.failed and service.mutations == []
    assert result["msg"].startswith("applications[0].publisher: 'tool' is published with publisher None, which the "
                                    "service cannot update")


def test_a_publish_applied_then_answered_500_is_read_back_not_sent_again(service, run):
    group = tenant(service)
    carried_out(service, group)
    state = service.state

    def applied_then_500(request):
        state.publish_apps(group["id"], request.body["items"])
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply("publish_app", applied_then_500, Error(400, "WKS.00211102", "duplicate"))
    service.reply("batch_disable_app", lambda request: state.set_apps_state(group["id"], request.body["ids"],
                                                                            "FORBIDDEN") or EMPTY)
    result = run(module, app_group_name="office", applications=[custom("a"), custom("b", enabled=False)])
    assert not result.failed, result["msg"]
    assert len(service.sent("publish_app")) == 1  # nothing published twice
    # the disable that the lost publish never reached is sent once the read-back showed the publish landed
    assert len(service.sent("batch_disable_app")) == 1
    assert sorted(state.app_names(group["id"])) == ["a", "b"]
    shown = dict((a["name"], a["state"]) for a in state.published_apps(group["id"]))
    assert shown == {"a": "NORMAL", "b": "FORBIDDEN"}
    assert result["summary"]["succeeded"] == 2


def test_a_publish_that_did_not_land_is_sent_again(service, run):
    group = tenant(service)
    carried_out(service, group)
    publish = service._scripts["publish_app"][0]  # pylint: disable=protected-access
    service.reply("publish_app", Error(503, "WKS.00129901", "unavailable"), publish)
    result = run(module, app_group_name="office", applications=[custom("a")])
    assert not result.failed and len(service.sent("publish_app")) == 2
    assert state_names(service, group) == ["a"]


def state_names(service, group):
    return service.state.app_names(group["id"])
