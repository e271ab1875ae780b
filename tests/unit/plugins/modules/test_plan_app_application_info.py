"""app_application_info through main() against recorded API answers: published applications (every page, exact
name), what the group's image offers, the 404 of publishable-app named by its reason, and ``unexpected``."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_application_info as module


def tenant(service, servers=1):
    server_group = service.group("apps-prod")
    for index in range(servers):
        service.server(server_group, name="srv-%d" % index)
    return service.state.add_app_group("office", server_group["id"])


def publish(service, group, *names):
    return service.state.publish_apps(group["id"], [dict(name=name, source_type=3, execute_path=name + ".exe")
                                                    for name in names])


def test_published_applications_every_page_in_publish_order(service, run):
    group = tenant(service)
    names = ["app-%03d" % n for n in range(130)]
    publish(service, group, *names)
    result = run(module, app_group_name="office")
    assert result["changed"] is False and not result.failed
    assert [app["name"] for app in result["applications"]] == names
    assert result["app_group"] == {"id": group["id"], "name": "office"} and result["unexpected"] == []
    pages = service.sent("list_published_app")
    assert [(r.query["offset"], r.query["limit"]) for r in pages] == [("0", "100"), ("100", "100")]
    assert result["applications"][0]["state"] == "NORMAL" and result["applications"][0]["source_type"] == 3


def test_a_name_is_matched_exactly_though_the_api_matches_parts(service, run):
    group = tenant(service)
    publish(service, group, "Excel", "Excel Viewer", "excel tools")
    result = run(module, app_group_id=group["id"], name="Excel")
    assert [app["name"] for app in result["applications"]] == ["Excel"]
    assert service.sent("list_published_app")[0].query["name"] == "Excel"


def test_publishable_lists_what_the_image_offers_published_ones_marked(service, run):
    group = tenant(service)
    publish(service, group, "Notepad")
    result = run(module, app_group_name="office", publishable=True)
    assert not result.failed
    offered = dict((app["name"], app["publishable"]) for app in result["applications"])
    assert offered["Notepad"] is False and offered["Calculator"] is True and len(offered) == 6
    assert result["group_images"] == service.state.group_images(group["id"]) and result["unexpected"] == []
    assert [r.operation for r in service.requests] == ["list_app_group", "show_app_group_detail",
                                                       "show_publishable_app"]


def test_publishable_of_a_group_without_server_group_or_servers_names_why(service, run):
    unbound = service.state.add_app_group("unbound")
    result = run(module, app_group_id=unbound["id"], publishable=True)
    assert result.failed and "app group unbound (%s) offers no image applications: it has no server group" \
        % unbound["id"] in result["msg"]
    empty = tenant(service, servers=0)
    result = run(module, app_group_id=empty["id"], publishable=True)
    assert result.failed and "its server group apps-prod has no servers" in result["msg"]
    assert "404" in result["msg"]


def test_an_unknown_group_fails_naming_the_option(service, run):
    tenant(service)
    result = run(module, app_group_name="offic")
    assert result.failed and result["msg"].startswith("app_group_name: no app group is named 'offic'")


def test_an_unknown_field_or_state_is_reported_in_unexpected(service, run):
    group = tenant(service)
    (app,) = publish(service, group, "Tool")
    app["state"] = "ARCHIVED"
    result = run(module, app_group_name="office")
    assert [(f["kind"], f["name"], f["field"], f["value"]) for f in result["unexpected"]] == [
        ("app", "Tool", "state", "ARCHIVED")]
