"""app_server_info through main() against recorded API answers: the filters as the list's query parameters, every
page read, the records returned as the API shows them (sorted by id), server_ids and the HDA versions merged in."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_info as module

from simulator.fleet import OLDER_HDA


def test_filters_become_the_query_and_records_come_back_as_the_api_shows_them(service, run):
    group, other = service.group("apps-prod"), service.group("apps-test")
    wanted = [service.server(group, name="web-%d" % n, maintain_status=True) for n in (1, 2)]
    service.server(group, name="web-3")  # not in maintenance
    service.server(group, name="db-1", maintain_status=True)  # another name
    service.server(other, name="web-9", maintain_status=True)  # another group
    result = run(module, server_group_id=group["id"], name="WEB", maintain_status=True)
    assert result["changed"] is False and service.mutations == []
    (listed,) = service.sent("list_servers")
    assert listed.query == {"server_group_id": group["id"], "server_name": "WEB", "maintain_status": "true",
                            "offset": "0", "limit": "100"}
    expected = sorted((service.state.server_view(s) for s in wanted), key=lambda s: s["id"])
    assert result["servers"] == expected
    assert "root_volume" not in result["servers"][0] and "current_version" not in result["servers"][0]


def test_every_page_is_read_and_the_result_sorted_by_id(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group) for _unused in range(105)]
    result = run(module, check=True)
    assert [r.query["offset"] for r in service.sent("list_servers")] == ["0", "100"]
    assert [s["id"] for s in result["servers"]] == sorted(s["id"] for s in servers)


def test_server_ids_unknown_ones_are_simply_not_returned(service, run):
    group, other = service.group("apps-prod"), service.group("apps-test")
    mine = service.server(group, name="a")
    theirs = service.server(other, name="b")
    result = run(module, server_ids=[mine["id"], "no-such-server", theirs["id"]])
    assert not result.failed and [s["id"] for s in result["servers"]] == sorted([mine["id"], theirs["id"]])
    narrowed = run(module, server_ids=[mine["id"], theirs["id"]], server_group_id=group["id"])
    assert [s["id"] for s in narrowed["servers"]] == [mine["id"]]


def test_hda_adds_each_servers_current_version_from_the_access_agent_list(service, run):
    group = service.group("apps-prod")
    old = service.server(group, name="web-1", hda_version=OLDER_HDA["SBC"][0])
    new = service.server(group, name="web-2")
    result = run(module, server_group_id=group["id"], name="web", hda=True)
    versions = dict((s["id"], s["current_version"]) for s in result["servers"])
    assert versions == {old["id"]: OLDER_HDA["SBC"][0], new["id"]: service.hda(new)}
    (agents,) = service.sent("list_server_hda_details")
    assert agents.query == {"server_group_id": group["id"], "server_name": "web", "offset": "0", "limit": "100"}


def test_nothing_matching_reads_no_access_agent_list(service, run):
    result = run(module, name="nothing", hda=True)
    assert result["servers"] == [] and service.sent("list_server_hda_details") == []


def test_maintenance_is_an_alias_of_maintain_status(service, run):
    group = service.group("apps-prod")
    service.server(group, name="in", maintain_status=True)
    service.server(group, name="out")
    result = run(module, maintenance=False)
    assert [s["name"] for s in result["servers"]] == ["out"]
    assert service.sent("list_servers")[0].query["maintain_status"] == "false"


def test_many_server_ids_return_exactly_those_servers(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group) for _unused in range(9)]
    wanted = [s["id"] for s in servers[:7]]
    result = run(module, server_ids=wanted + wanted[:2])  # repeats are harmless
    assert [s["id"] for s in result["servers"]] == sorted(wanted)


def test_a_group_by_exact_name_as_the_other_modules_take_it(service, run):
    group, other = service.group("apps-prod"), service.group("apps-prod-2")
    mine = service.server(group, name="web-1")
    service.server(other, name="web-2")
    result = run(module, server_group_name="apps-prod", hda=True)
    assert not result.failed and [s["id"] for s in result["servers"]] == [mine["id"]]
    assert service.sent("list_servers")[-1].query["server_group_id"] == group["id"]
    assert service.sent("list_server_hda_details")[-1].query["server_group_id"] == group["id"]
    typo = run(module, server_group_name="apps-prd")
    assert typo.failed and "server_group_name" in typo["msg"] and "apps-prd" in typo["msg"]
    both = run(module, server_group_name="apps-prod", server_group_id=group["id"])
    assert both.failed and "mutually exclusive" in both["msg"]
    assert service.mutations == []


def test_unexpected_names_unknown_statuses_and_fields_of_servers_and_access_agents(service, run):
    group = service.group("apps-prod")
    usual = service.server(group, name="usual")
    asleep = service.server(group, name="asleep", status="HIBERNATED")
    with service.state.lock:
        asleep["hibernated_at"] = "2026-12-01T00:00:00Z"
    plain = run(module, server_group_id=group["id"])
    assert [(f["kind"], f["id"], f["field"], f["value"]) for f in plain["unexpected"]] == [
        ("server", asleep["id"], "hibernated_at", "2026-12-01T00:00:00Z"),
        ("server", asleep["id"], "status", "HIBERNATED")]
    result = run(module, server_group_id=group["id"], hda=True)
    assert [(f["kind"], f["id"], f["name"], f["field"], f["value"], f["why"]) for f in result["unexpected"]] == [
        ("server", asleep["id"], "asleep", "hibernated_at", "2026-12-01T00:00:00Z",
         "field not in the SDK model AppServer (3.1.219)"),
        ("server", asleep["id"], "asleep", "status", "HIBERNATED", "unknown ServerStatus value"),
        ("access_agent", asleep["id"], "asleep", "status", "HIBERNATED", "unknown ServerStatus value")]
    assert usual["id"] not in [f["id"] for f in result["unexpected"]]
    assert [r.operation for r in service.requests[-2:]] == ["list_servers", "list_server_hda_details"]
