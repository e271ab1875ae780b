"""app_server_group_info through main() against recorded API answers: the filters as the list's query parameters,
one detail read per group (the detail-only fields returned), sorted by id."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_group_info as module

from simulator.views import GROUP_DETAIL_FIELDS


def test_each_group_is_read_in_detail_and_returned_sorted_by_id(service, run):
    groups = [service.group(name, ip_virtual=name == "b") for name in ("a", "b", "c")]
    service.server(groups[0])
    result = run(module, check=True)
    assert result["changed"] is False and service.mutations == []
    assert [g["id"] for g in result["server_groups"]] == sorted(g["id"] for g in groups)
    assert [r.operation for r in service.requests] == ["list_server_groups"] + ["show_server_group"] * 3
    by_name = dict((g["name"], g) for g in result["server_groups"])
    assert by_name["b"]["ip_virtual"] == {"enable": True} and by_name["a"]["app_server_count"] == 1
    for field in GROUP_DETAIL_FIELDS:
        assert field in by_name["a"], field
    # the record as the API answers it, but for its tags: a dict since 1.1.0 (issue 30)
    view = service.state.group_view(groups[0], detail=True)
    assert view["tags"] == [] and by_name["a"] == dict(view, tags={})


def test_tags_are_returned_as_a_dict(service, run):
    group = service.group("design")
    group["tags"] = [{"key": "team", "value": "cad"}, {"key": "site", "value": "bj"}]
    result = run(module, name="design")
    assert result["server_groups"][0]["tags"] == {"team": "cad", "site": "bj"} and result["unexpected"] == []


def test_filters_become_the_query(service, run):
    service.group("design-prod", app_type="SESSION_DESKTOP_APP")
    service.group("design-test")
    result = run(module, name="design", app_type="SESSION_DESKTOP_APP")
    (listed,) = service.sent("list_server_groups")
    assert listed.query == {"server_group_name": "design", "app_type": "SESSION_DESKTOP_APP", "offset": "0",
                            "limit": "100"}
    assert [g["name"] for g in result["server_groups"]] == ["design-prod"]


def test_an_unknown_id_is_an_empty_list(service, run):
    service.group("a")
    result = run(module, server_group_id="no-such-group")
    assert not result.failed and result["server_groups"] == []
    assert service.sent("list_server_groups")[0].query["server_group_id"] == "no-such-group"
    assert service.sent("show_server_group") == []


def test_a_bad_app_type_fails_before_any_request(service, run):
    result = run(module, app_type="DESKTOP")
    assert result.failed and "app_type" in result["msg"] and service.requests == []


def test_unexpected_names_an_unknown_app_type_and_field_and_nothing_else(service, run):
    known, odd = service.group("known"), service.group("odd")
    assert run(module, check=True)["unexpected"] == []
    with service.state.lock:
        odd.update(app_type="GAME_APP", hibernation_policy={"enable": True})
    requests = len(service.requests)
    result = run(module, check=True)
    assert len(service.requests) - requests == 3  # the list and two details, as before: no request of its own
    assert [(f["kind"], f["id"], f["name"], f["field"], f["value"]) for f in result["unexpected"]] == [
        ("server_group", odd["id"], "odd", "app_type", "GAME_APP"),
        ("server_group", odd["id"], "odd", "hibernation_policy", '{"enable": true}')]
    assert known["id"] not in [f["id"] for f in result["unexpected"]]
