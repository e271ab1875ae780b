"""Reads, filters, input validation and error bodies of the AppStream endpoints."""

import pytest


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert len(body["error_msg"]) <= 255
    assert response.headers["X-Request-Id"]
    return body


def _ids(sim, count=None, group=None):
    ids = sim.state.server_ids(group)
    return ids if count is None else ids[:count]


# ---------------------------------------------------------------------------------------------- batch limits

@pytest.mark.parametrize("path,make_body", [
    ("app-servers/access-agent/actions/upgrade", lambda ids: {"items": ids}),
    ("app-servers/actions/batch-update-tsvi", lambda ids: {"items": [{"id": i, "enable": True} for i in ids]}),
    ("app-servers/actions/batch-maint", lambda ids: {"items": ids, "maintain_status": True}),
    ("app-servers/actions/batch-reboot", lambda ids: {"items": ids, "type": "SOFT"}),
])
def test_batch_item_counts_outside_1_to_20_are_rejected(make_simulator, client_for, path, make_body):
    sim = make_simulator(servers=25, seed=2)
    client = client_for(sim)
    for ids in ([], _ids(sim, 21)):
        body = _error(client.patch(path, make_body(ids)), 400, "WKS.00211102")
        assert body["error_msg"].startswith("The parameter is invalid.")
    assert not sim.state.jobs
    assert client.patch(path, make_body(_ids(sim, 20))).status_code == 200


def test_change_image_has_no_batch_limit(make_simulator, client_for):
    sim = make_simulator(servers=30, seed=2, images=["new-image"])
    response = client_for(sim).post("app-servers/actions/batch-change-image", {
        "server_ids": _ids(sim), "image_id": "new-image", "image_type": "private", "os_type": "Windows"})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 30 and all(item["job_id"] and item["error_code"] == "" for item in items)
    assert len({item["job_id"] for item in items}) == 30


# ---------------------------------------------------------------------------------------------- validation

@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"offset": -1}, {"limit": "ten"},
                                    {"maintain_status": "yes"}])
def test_bad_query_parameters(client, params):
    _error(client.get("app-servers", params=params), 400, "WKS.00211102")


def test_limit_bounds_on_every_paged_read(client):
    for path in ("app-servers", "app-servers/access-agent/list", "app-server-groups",
                 "app-servers/access-agent/upgrade-record"):
        assert client.get(path, params={"limit": 100}).status_code == 200
        _error(client.get(path, params={"limit": 101}), 400, "WKS.00211102")


@pytest.mark.parametrize("body,fragment", [
    ({"items": ["x"], "force": True}, "force"),
    ({"item": ["x"]}, "item"),
    ({"items": "x"}, "items"),
    ({"items": [1]}, "items[0]"),
    ({}, "items is required"),
    (["x"], "JSON object"),
])
def test_upgrade_body_validation(simulator, client, body, fragment):
    if body and isinstance(body, dict) and body.get("items") == ["x"]:
        body["items"] = _ids(simulator, 1)
    error = _error(client.patch("app-servers/access-agent/actions/upgrade", body), 400, "WKS.00211102")
    assert fragment in error["error_msg"]


def test_malformed_json_body(client):
    _error(client.patch("app-servers/access-agent/actions/upgrade", data=b"{not json"), 400, "WKS.00129901")


def test_duplicate_server_ids_are_rejected(simulator, client):
    server_id = _ids(simulator, 1)[0]
    _error(client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id, server_id]}),
           400, "WKS.00211102")


@pytest.mark.parametrize("change", [
    {"image_type": "golden"}, {"os_type": "windows"}, {"update_access_agent": "yes"},
    {"image_id": ""}, {"server_ids": []}, {"extra": 1},
])
def test_change_image_validation(simulator, client, change):
    body = {"server_ids": _ids(simulator, 1), "image_id": "img-2", "image_type": "private", "os_type": "Windows"}
    body.update(change)
    _error(client.post("app-servers/actions/batch-change-image", body), 400, "WKS.00211102")


def test_gold_image_needs_image_product_id(simulator, client):
    simulator.state.add_image("img-2")
    body = {"server_ids": _ids(simulator, 1), "image_id": "img-2", "image_type": "gold", "os_type": "Windows",
            "image_product_id": "OFFI123"}
    assert client.post("app-servers/actions/batch-change-image", body).status_code == 200
    del body["image_product_id"]  # taken without it too (Terraform's batch change-image test sends none)
    body["server_ids"] = _ids(simulator, 2)[1:]
    assert client.post("app-servers/actions/batch-change-image", body).status_code == 200


@pytest.mark.parametrize("change", [
    {"name": "has space"}, {"name": "x" * 65}, {"name": ""}, {"name": "semi;colon"},
    {"route_policy": {"max_session": 0}}, {"route_policy": {"cpu_threshold": 101}},
    {"route_policy": {"mem_threshold": True}}, {"route_policy": {"max_session": "5"}},
    {"route_policy": {"disk_threshold": 50}}, {"storage_mount_policy": "ALL"}, {"app_type": "DESKTOP"},
    {"system_disk_type": "ssd"}, {"image_type": "mine"}, {"server_group_status": "true"}, {"ip_virtual": {}},
    {"system_disk_size": 8},
])
def test_update_group_validation(simulator, client, change):
    group = simulator.state.group_by_name("sim-group-1")
    before = dict(group)
    _error(client.patch("app-server-groups/%s" % group["id"], change), 400, "WKS.00211102")
    assert simulator.state.get_group(group["id"]) == before


def test_update_group_applies_only_given_fields(simulator, client):
    group = simulator.state.group_by_name("sim-group-2")
    response = client.patch("app-server-groups/%s" % group["id"], {
        "description": "night shift", "route_policy": {"cpu_threshold": 70}, "server_group_status": False,
        "name": "组-2_b"})
    assert response.status_code == 200
    assert response.content == b"null"
    detail = client.get("app-server-groups/%s" % group["id"]).json()
    assert detail["description"] == "night shift"
    assert detail["name"] == "组-2_b"
    assert detail["server_group_status"] is False
    assert detail["route_policy"] == {"max_session": 10, "cpu_threshold": 70, "mem_threshold": 80}
    assert detail["storage_mount_policy"] == "USER"
    servers = client.get("app-servers", params={"server_group_id": group["id"]}).json()["items"]
    assert {server["server_group_name"] for server in servers} == {"组-2_b"}


def test_update_unknown_group(client):
    _error(client.patch("app-server-groups/nope", {"description": "x"}), 404, "WKS.00211202")


def test_list_sub_jobs_needs_job_type(client):
    _error(client.get("app-server-sub-jobs"), 400, "WKS.00211102")
    _error(client.get("app-server-sub-jobs", params={"job_type": "NOPE"}), 400, "WKS.00211102")
    assert client.get("app-server-sub-jobs", params={"job_type": "UPGRADE_ACCESS_AGENT"}).json() == \
        {"count": 0, "items": []}


# ---------------------------------------------------------------------------------------------- business errors

def test_unknown_server_in_a_batch_is_404_and_nothing_is_applied(simulator, client):
    ids = _ids(simulator, 2) + ["00000000-0000-4000-8000-000000000000"]
    body = _error(client.patch("app-servers/access-agent/actions/upgrade", {"items": ids}), 404, "WKS.00211201")
    assert "00000000-0000-4000-8000-000000000000" in body["error_msg"]
    assert not simulator.state.jobs
    assert not any(simulator.state.is_busy(server_id) for server_id in ids[:2])


def test_change_image_reports_per_item_errors(simulator, client):
    first, second, third = _ids(simulator, 3)
    group_image = simulator.state.get_server(first)["image_id"]
    simulator.state.patch_server(second, image_id="older-image")
    response = client.post("app-servers/actions/batch-change-image", {
        "server_ids": [first, second, "no-such-server"], "image_id": group_image, "image_type": "private",
        "os_type": "Windows"})
    assert response.status_code == 200
    items = {item["server_id"]: item for item in response.json()["items"]}
    assert items[first] == {"server_id": first, "job_id": "", "error_code": "WKS.00211205",
                            "error_message": "The new image must be different from the current image of the server."}
    assert items[second]["error_code"] == "" and items[second]["job_id"]
    assert items["no-such-server"]["error_code"] == "WKS.00211201"
    assert simulator.state.get_server(second)["job_id"] == items[second]["job_id"]
    assert simulator.state.get_server(first)["job_id"] is None
    assert simulator.state.get_server(third)["job_id"] is None


def test_busy_servers_conflict(make_simulator, client_for):
    sim = make_simulator(servers=4, seed=3, job_duration=60, images=["img-9"])
    client = client_for(sim)
    first, second = _ids(sim, 2)
    assert client.patch("app-servers/access-agent/actions/upgrade", {"items": [first]}).status_code == 200
    body = _error(client.patch("app-servers/access-agent/actions/upgrade", {"items": [second, first]}),
                  409, "WKS.00211204")
    assert first in body["error_msg"]
    _error(client.patch("app-servers/actions/batch-update-tsvi", {"items": [{"id": first, "enable": True}]}),
           409, "WKS.00211204")
    response = client.post("app-servers/actions/batch-change-image", {
        "server_ids": [first], "image_id": "img-9", "image_type": "private", "os_type": "Windows"})
    assert response.json()["items"][0]["error_code"] == "WKS.00211204"
    assert len(sim.state.jobs) == 1
    assert sim.state.is_busy(second) is False


# ---------------------------------------------------------------------------------------------- routing errors

def test_unknown_path_wrong_method_and_unknown_objects(client):
    _error(client.get("app-servers-typo"), 404, "APIGW.0101")
    _error(client.get("/v9/whatever"), 404, "APIGW.0101")
    _error(client.request("DELETE", "app-servers/actions/batch-maint"), 405, "WKS.00000405")
    _error(client.request("PUT", "app-server-groups"), 405, "WKS.00000405")
    _error(client.get("app-servers/no-such-server"), 404, "WKS.00211201")
    _error(client.get("app-server-groups/no-such-group"), 404, "WKS.00211202")
    _error(client.get("/v2/%s/job/123456789012345678" % client.credentials["project_id"]), 404, "WKS.00211203")
    _error(client.get("job/123456789012345678"), 404, "WKS.00211203")


def test_unknown_path_answers_before_authentication(simulator):
    import requests

    response = requests.get(simulator.url + "/v1/x/nothing-here", timeout=5)
    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"


# ---------------------------------------------------------------------------------------------- reads

def test_list_servers_filters_and_paging(make_simulator, client_for):
    sim = make_simulator(servers=25, groups=2, seed=4)
    client = client_for(sim)
    group_1 = sim.state.group_by_name("sim-group-1")
    page = client.get("app-servers", params={"server_group_id": group_1["id"], "limit": 5, "offset": 10}).json()
    assert page["count"] == 13
    assert len(page["items"]) == 3
    assert all(item["server_group_id"] == group_1["id"] for item in page["items"])
    assert client.get("app-servers").json()["count"] == 25
    assert len(client.get("app-servers").json()["items"]) == 10

    first = sim.state.get_server(_ids(sim, 1)[0])
    assert client.get("app-servers", params={"server_name": "SERVER-0001"}).json()["count"] == 1
    assert client.get("app-servers", params={"server_id": first["id"]}).json()["items"][0]["id"] == first["id"]
    ip_addr = first["host_address"][0]["addr"]
    assert first["id"] in [i["id"] for i in client.get("app-servers", params={"ip_addr": ip_addr}).json()["items"]]
    assert client.get("app-servers", params={"machine_name": first["machine_name"][-5:].lower()}).json()["count"] >= 1

    sim.state.patch_server(first["id"], maintain_status=True)
    assert client.get("app-servers", params={"maintain_status": "true"}).json()["count"] == 1
    assert client.get("app-servers", params={"maintain_status": "false"}).json()["count"] == 24
    assert client.get("app-servers", params={"scaling_auto_create": "true"}).json()["count"] == 0


def test_server_record_shape(simulator, client):
    item = client.get("app-servers", params={"limit": 1}).json()["items"][0]
    for key in ("id", "name", "machine_name", "server_group_id", "server_group_name", "status", "image_id",
                "maintain_status", "session_count", "vm_status", "product_info", "host_address", "sid",
                "create_time", "os_type", "flavor"):
        assert key in item, key
    assert item["status"] == "REGISTERED" and item["vm_status"] == "ACTIVE"
    assert "job_id" not in item and "task_status" not in item  # null fields are omitted
    assert "root_volume" not in item
    detail = client.get("app-servers/%s" % item["id"]).json()
    assert detail["root_volume"]["size"] == 80 and "addresses" in detail


def test_group_list_omits_detail_fields(make_simulator, client_for):
    sim = make_simulator(servers=4, groups=2, seed=5, hide_route_policy=True)
    client = client_for(sim)
    groups = client.get("app-server-groups").json()
    assert groups["count"] == 2
    for item in groups["items"]:
        for key in ("route_policy", "ip_virtual", "image_type", "image_product_id", "flavors"):
            assert key not in item
        assert item["app_server_count"] == 2
    detail = client.get("app-server-groups/%s" % groups["items"][0]["id"]).json()
    assert "route_policy" not in detail  # hide_route_policy
    assert detail["ip_virtual"] == {"enable": True} and detail["image_type"] == "private"
    sim.state.hide_route_policy = False
    assert "route_policy" in client.get("app-server-groups/%s" % groups["items"][0]["id"]).json()

    assert client.get("app-server-groups", params={"server_group_name": "GROUP-2"}).json()["count"] == 1
    assert client.get("app-server-groups", params={"app_type": "COMMON_APP"}).json()["count"] == 1
    _error(client.get("app-server-groups", params={"app_type": "BOTH"}), 400, "WKS.00211102")


def test_hda_reads(make_simulator, client_for):
    sim = make_simulator(servers=10, seed=6, outdated_hda=0.3)
    client = client_for(sim)
    details = client.get("app-servers/access-agent/list", params={"limit": 100}).json()
    assert details["count"] == 10
    versions = [item["current_version"] for item in details["items"]]
    latest = client.get("app-servers/access-agent/latest-version").json()["latest_version"]
    assert sum(version != latest for version in versions) == 3
    assert set(details["items"][0]) == {"server_id", "machine_name", "maintain_status", "server_name",
                                        "server_group_id", "server_group_name", "sid", "session_count", "status",
                                        "current_version"}
    per_type = client.get("app-servers/access-agent/actions/show-latest-version").json()["items"]
    assert [item["hda_type"] for item in per_type] == ["SBC", "OA_APP", "PT_APP"]
    assert client.get("app-servers/access-agent/upgrade-flag").json() == {"upgrade_flag": 1}
    assert client.get("app-servers/access-agent/list", params={"server_name": "0001"}).json()["count"] == 1


# ---------------------------------------------------------------------------------------------- images

def test_an_unknown_image_is_refused_and_nothing_changes(make_simulator, client_for):
    sim = make_simulator(servers=3, groups=1, seed=8, job_duration=0)
    client = client_for(sim)
    group = next(iter(sim.state.groups.values()))
    known = [image["image_id"] for image in sim.state.images()]
    # the stock images and the group's own are known
    assert "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70" in known and group["image_id"] in known
    servers_before = dict((sid, dict(sim.state.get_server(sid))) for sid in _ids(sim))
    group_before = dict(group)

    body = _error(client.post("app-servers/actions/batch-change-image", {
        "server_ids": _ids(sim), "image_id": "img-missing", "image_type": "private", "os_type": "Windows"}),
        400, "WKS.00211210")
    assert body["error_msg"] == "The image does not exist. image_id: img-missing"
    _error(client.patch("app-server-groups/%s" % group["id"], {"description": "new", "image_id": "img-missing"}),
           400, "WKS.00211210")
    _error(client.post("app-server-groups", {
        "name": "with-missing-image", "image_id": "img-missing", "image_type": "private", "os_type": "Windows",
        "product_id": "workspace.appstream.general.xlarge.4", "vpc_id": "vpc-1", "subnet_id": "subnet-1",
        "system_disk_type": "SAS", "system_disk_size": 80}), 400, "WKS.00211210")
    assert not sim.state.jobs
    assert dict((sid, dict(sim.state.get_server(sid))) for sid in _ids(sim)) == servers_before
    assert dict(sim.state.get_group(group["id"])) == group_before
    assert sim.state.group_by_name("with-missing-image") is None

    # once the tenant has the image (control API), the same change is accepted
    added = client.post("/_sim/images", {"image_id": "img-missing", "name": "WKS_APP_NEW"})
    assert added.status_code == 200 and added.json() == {"image_id": "img-missing", "image_name": "WKS_APP_NEW"}
    assert {"image_id": "img-missing", "image_name": "WKS_APP_NEW"} in client.get("/_sim/images").json()
    assert client.post("app-servers/actions/batch-change-image", {
        "server_ids": _ids(sim), "image_id": "img-missing", "image_type": "private",
        "os_type": "Windows"}).status_code == 200
    _error(client.post("/_sim/images", {"name": "no id"}), 400, "SIM.0400")
