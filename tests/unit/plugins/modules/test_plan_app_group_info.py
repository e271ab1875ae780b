"""app_group_info through main() against recorded API answers: every page of 100, the filters as the list's query
parameters, the name kept exact (the API's filter is partial), the server group by exact name, and unexpected."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_group_info as module


def test_every_page_is_read_and_the_groups_are_sorted_by_name(service, run):
    design = service.group("design")
    groups = [service.state.add_app_group("apps-%03d" % index, design["id"]) for index in range(130, 0, -1)]
    result = run(module, check=True)
    assert result["changed"] is False and service.mutations == [] and result["unexpected"] == []
    assert [g["name"] for g in result["app_groups"]] == sorted(g["name"] for g in groups)
    assert [(r.operation, r.query["offset"], r.query["limit"]) for r in service.requests] == [
        ("list_app_group", "0", "100"), ("list_app_group", "100", "100")]
    first = result["app_groups"][0]
    assert first == service.state.app_group_view(service.state.get_app_group(first["id"]))
    assert first["app_server_group_name"] == "design" and first["app_count"] == 0


def test_the_name_is_exact_and_the_filters_become_the_query(service, run):
    design, other = service.group("design"), service.group("other")
    wanted = service.state.add_app_group("design", design["id"])
    service.state.add_app_group("design-2", design["id"])
    service.state.add_app_group("design", other["id"])
    result = run(module, name="design", server_group_id=design["id"])
    (listed,) = service.sent("list_app_group")
    assert listed.query == {"name": "design", "app_server_group_id": design["id"], "offset": "0", "limit": "100"}
    assert [g["id"] for g in result["app_groups"]] == [wanted["id"]]
    by_id = run(module, app_group_id=wanted["id"])
    assert [g["id"] for g in by_id["app_groups"]] == [wanted["id"]]
    assert service.sent("list_app_group")[-1].query["app_group_id"] == wanted["id"]
    assert run(module, app_group_id="no-such-group")["app_groups"] == []


def test_a_server_group_name_is_resolved_exactly_and_an_unknown_one_fails(service, run):
    design = service.group("design")
    service.group("design-old")
    wanted = service.state.add_app_group("cad", design["id"])
    service.state.add_app_group("loose")
    result = run(module, server_group_name="design")
    assert [g["id"] for g in result["app_groups"]] == [wanted["id"]]
    assert service.sent("list_app_group")[0].query["app_server_group_id"] == design["id"]
    missing = run(module, server_group_name="desing")
    assert missing.failed and missing["msg"].startswith("server_group_name: no server group is named 'desing'")


def test_an_unknown_enum_value_is_named_in_unexpected(service, run):
    group = service.state.add_app_group("odd", authorization_type="USER")
    result = run(module)
    assert result["unexpected"] == [dict(kind="app_group", id=group["id"], name="odd", field="authorization_type",
                                         value="USER", why="unknown AuthorizationTypeEnum value")]
