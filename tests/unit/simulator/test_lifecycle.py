"""Fleet lifecycle over HTTP on the simulator's clock: create_app_servers, batch_delete_server, delete_server (jobs,
transitions, quota, failures, sessions ended), create_server_group, delete_server_groups, show_server_group_state
and the scaling policy calls (validation, 404, 409)."""

import pytest

CREATE = "app-servers/actions/create"
BATCH_DELETE = "app-servers/actions/batch-delete"
GROUPS = "app-server-groups"
POLICY = "scaling-policy"


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert len(body["error_msg"]) <= 255
    return body


def _states(view):
    return view["vm_status"], view.get("task_status"), view["status"]


def _create_body(group_id, num=2, **extra):
    body = {"type": "createApps", "server_group_id": group_id, "subscription_num": num,
            "product_id": "workspace.appstream.general.xlarge.4", "root_volume": {"type": "SAS", "size": 80},
            "subnet_id": "subnet-1", "vpc_id": "vpc-1"}
    body.update(extra)
    return body


def _group_body(name="new-group", **extra):
    body = {"name": name, "image_id": "img-1", "image_type": "private", "os_type": "Windows",
            "product_id": "workspace.appstream.general.xlarge.4", "vpc_id": "vpc-1", "subnet_id": "subnet-1",
            "system_disk_type": "SAS", "system_disk_size": 80}
    body.update(extra)
    return body


def _listed(client, **params):
    params.setdefault("limit", 100)
    return {item["id"]: item for item in client.get("app-servers", params=params).json()["items"]}


@pytest.fixture
def sim(make_simulator):
    return make_simulator(servers=4, groups=2, seed=41, job_duration=100, images=["img-1"])


@pytest.fixture
def group_id(sim):
    return sim.state.group_by_name("sim-group-2")["id"]


# ---------------------------------------------------------------------------------------------- create servers

def test_create_servers_build_then_register_on_the_clock(sim, client_for, group_id):
    client = client_for(sim)
    before = set(sim.state.server_ids())
    response = client.post(CREATE, _create_body(group_id, 3, availability_zone="cn-north-4b"))
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    assert job_id.isdigit() and len(job_id) == 18
    new = [sid for sid in sim.state.server_ids() if sid not in before]
    assert len(new) == 3
    listed = _listed(client, server_group_id=group_id)
    group = sim.state.get_group(group_id)
    for server_id in new:
        view = listed[server_id]
        assert _states(view) == ("BUILD", "scheduling", "UNREGISTER")
        assert view["session_count"] == 0 and view["availability_zone"] == "cn-north-4b"
        assert view["image_id"] == group["image_id"] and view["os_type"] == group["os_type"]
        assert view["product_info"]["product_id"] == group["product_id"]
        assert view["job_id"] == job_id and view["job_type"] == "CREATE_SERVER"
        assert sim.state.is_busy(server_id)
    job = client.get("/v2/%s/job/%s" % (sim.credentials["project_id"], job_id)).json()
    assert job["job_type"] == "CREATE_SERVER" and job["status"] == "WAITING" and job["sub_jobs_total"] == 3
    assert [sub["job_resource_info"]["resource_id"] for sub in job["sub_jobs"]] == new
    assert client.get("app-servers/%s" % new[0]).json()["root_volume"]["size"] == 80
    assert client.get(GROUPS + "/" + group_id).json()["app_server_count"] == 5
    sim.state.fast_forward(50)
    assert _states(client.get("app-servers/%s" % new[0]).json()) == ("BUILD", "scheduling", "UNREGISTER")
    sim.state.fast_forward(51)
    for server_id in new:
        assert _states(client.get("app-servers/%s" % server_id).json()) == ("ACTIVE", None, "REGISTERED")
    assert client.get("/v2/%s/job/%s" % (sim.credentials["project_id"], job_id)).json()["status"] == "SUCCESS"
    sub_jobs = client.get("app-server-sub-jobs", params={"job_type": "CREATE_SERVER"}).json()
    assert sub_jobs["count"] == 3
    # A new server takes logons once registered.
    assert sim.state.log_on(new[0])["session_state"] == "Active"


def test_new_servers_refuse_logons_while_building(sim, client_for, group_id):
    client = client_for(sim)
    client.post(CREATE, _create_body(group_id, 1))
    new = sim.state.server_ids()[-1]
    assert client.post("/_sim/sessions", {"server_id": new}).status_code == 409


def test_create_servers_failure_hook(sim, client_for, group_id):
    client = client_for(sim)
    assert client.post("/_sim/fail-next-create", {"count": 1, "error_code": "WKS.00219999"}).json() == {"ok": True}
    job_id = client.post(CREATE, _create_body(group_id, 2)).json()["job_id"]
    new = sim.state.server_ids()[-2:]
    sim.state.fast_forward(101)
    assert _states(sim.state.get_server(new[0])) == ("BUILD_FAIL", None, "UNREGISTER")
    assert _states(sim.state.get_server(new[1])) == ("ACTIVE", None, "REGISTERED")
    job = sim.state.get_job(job_id)
    assert job["status"] == "FAILED" and job["sub_jobs"][0]["error_code"] == "WKS.00219999"
    # The next create is not affected; a BUILD_FAIL server can be deleted.
    client.post(CREATE, _create_body(group_id, 1))
    assert client.post(BATCH_DELETE, {"items": [new[0]]}).status_code == 200
    sim.state.fast_forward(101)
    assert sim.state.get_server(new[0]) is None
    assert _states(sim.state.get_server(sim.state.server_ids()[-1])) == ("ACTIVE", None, "REGISTERED")
    with pytest.raises(ValueError):
        sim.state.fail_next_create(count=0)


@pytest.mark.parametrize("change, field", [
    ({"type": "createDesktops"}, "type"),
    ({"subscription_num": 0}, "subscription_num"),
    ({"subscription_num": 51}, "subscription_num"),
    ({"subscription_num": True}, "subscription_num"),
    ({"server_group_id": None}, "server_group_id"),
    ({"product_id": None}, "product_id"),
    ({"vpc_id": None}, "vpc_id"),
    ({"root_volume": {"type": "SAS", "size": 85}}, "root_volume.size"),
    ({"root_volume": {"type": "HDD", "size": 80}}, "root_volume.type"),
    ({"availability_zone": "cn-north-4z"}, "availability_zone"),
    ({"update_access_agent": "yes"}, "update_access_agent"),
    ({"colour": "red"}, "colour"),
])
def test_create_servers_validation(sim, client_for, group_id, change, field):
    client = client_for(sim)
    body = _create_body(group_id)
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    count = len(sim.state.server_ids())
    assert field in _error(client.post(CREATE, body), 400, "WKS.00211102")["error_msg"]
    assert len(sim.state.server_ids()) == count


def test_create_servers_unknown_group_and_quota(sim, client_for, group_id):
    client = client_for(sim)
    _error(client.post(CREATE, _create_body("no-such-group")), 404, "WKS.00211202")
    assert client.post("/_sim/quota", {"servers": 6}).json() == {"server_quota": 6, "servers": 4}
    body = _error(client.post(CREATE, _create_body(group_id, 3)), 403, "WKS.00211207")
    assert "Quota 6" in body["error_msg"]
    assert len(sim.state.server_ids()) == 4 and not sim.state.jobs
    assert client.post(CREATE, _create_body(group_id, 2)).status_code == 200
    _error(client.post(CREATE, _create_body(group_id, 1)), 403, "WKS.00211207")
    sim.state.set_server_quota(1000)
    assert sim.state.server_quota == 1000
    assert client.post("/_sim/quota", {"servers": -1}).status_code == 400
    assert client.post("/_sim/quota").json()["server_quota"] == 1000


# ---------------------------------------------------------------------------------------------- delete servers

def test_batch_delete_ends_sessions_and_removes_servers(sim, client_for):
    client = client_for(sim)
    first, second, third, _unused = sim.state.server_ids()
    sim.state.patch_server(first, session_count=2)
    group_id = sim.state.get_server(first)["server_group_id"]
    count = client.get(GROUPS + "/" + group_id).json()["app_server_count"]
    response = client.post(BATCH_DELETE, {"items": [first, second]})
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    view = client.get("app-servers/%s" % first).json()
    assert (view["vm_status"], view["task_status"], view["session_count"]) == ("DELETING", "deleting", 0)
    assert {s["session_state"] for s in sim.state.sessions_of(first, include_ended=True)} == {"SignedOut"}
    assert client.post("/_sim/sessions", {"server_id": first}).status_code == 409
    assert sim.state.get_job(job_id)["job_type"] == "DELETE_SERVER"
    # Busy while deleting.
    _error(client.post(BATCH_DELETE, {"items": [first]}), 409, "WKS.00211204")
    sim.state.fast_forward(101)
    assert first not in _listed(client) and second not in _listed(client)
    _error(client.get("app-servers/%s" % first), 404, "WKS.00211201")
    hda = client.get("app-servers/access-agent/list", params={"limit": 100}).json()
    assert first not in {item["server_id"] for item in hda["items"]}
    assert client.get(GROUPS + "/" + group_id).json()["app_server_count"] == count - 1
    assert client.get("/v2/%s/job/%s" % (sim.credentials["project_id"], job_id)).json()["status"] == "SUCCESS"
    _error(client.post(BATCH_DELETE, {"items": [first]}), 404, "WKS.00211201")
    assert third in _listed(client)
    log = sim.log.requests(operation="batch_delete_server")
    assert [(r.items, r.status, r.mutating) for r in log] == [(2, 200, True), (1, 409, True), (1, 404, True)]


def test_delete_server_refusals_change_nothing(sim, client_for):
    client = client_for(sim)
    first, second, _third, _fourth = sim.state.server_ids()
    client.patch("app-servers/actions/batch-stop", {"items": [second], "type": "SOFT"})
    _error(client.request("DELETE", "app-servers/%s" % second), 409, "WKS.00211204")
    _error(client.post(BATCH_DELETE, {"items": [first, second]}), 409, "WKS.00211204")
    _error(client.post(BATCH_DELETE, {"items": [first, "nope"]}), 404, "WKS.00211201")
    _error(client.request("DELETE", "app-servers/nope"), 404, "WKS.00211201")
    assert sim.state.get_server(first)["vm_status"] == "ACTIVE" and not sim.state.jobs
    for items in ([], [first] * 2, ["x%d" % i for i in range(21)]):
        _error(client.post(BATCH_DELETE, {"items": items}), 400, "WKS.00211102")
    response = client.request("DELETE", "app-servers/%s" % first)
    assert response.status_code == 200
    assert sim.state.get_job(response.json()["job_id"])["sub_jobs"][0]["server_id"] == first


def test_a_failed_delete_leaves_the_server_in_error(sim, client_for):
    client = client_for(sim)
    first = sim.state.server_ids()[0]
    client.post("/_sim/fail-next-job", {"server_ids": [first]})
    client.request("DELETE", "app-servers/%s" % first)
    sim.state.fast_forward(101)
    assert _states(sim.state.get_server(first)) == ("ERROR", "delete_failed", "REGISTERED")
    assert client.request("DELETE", "app-servers/%s" % first).status_code == 200


# ---------------------------------------------------------------------------------------------- groups

def test_create_server_group_and_its_servers(sim, client_for):
    client = client_for(sim)
    response = client.post(GROUPS, _group_body(
        "gpu-组", is_vdi=True, product_id="workspace.appstream.gpu.g6.xlarge.4", route_policy={"max_session": 1},
        ip_virtual={"enable": True}, app_type="SESSION_DESKTOP_APP", tags=[{"key": "env", "value": "test"}],
        description="GPU desktops"))
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["name"] == "gpu-组" and created["app_server_count"] == 0 and created["is_vdi"] is True
    assert created["product_info"]["is_gpu"] is True and created["tags"] == [{"key": "env", "value": "test"}]
    assert "route_policy" not in created  # CreateServerGroupResponse has no detail fields
    shown = client.get(GROUPS + "/" + created["id"]).json()
    assert shown["route_policy"] == {"max_session": 1, "cpu_threshold": 80, "mem_threshold": 80}
    assert shown["ip_virtual"] == {"enable": True} and shown["image_id"] == "img-1"
    assert created["id"] in {g["id"] for g in client.get(GROUPS, params={"limit": 100}).json()["items"]}
    client.post(CREATE, _create_body(created["id"], 1))
    server_id = sim.state.server_ids(created["id"])[0]
    assert sim.state.hda_type(server_id) == "PT_APP"
    state = client.get(GROUPS + "/%s/state" % created["id"]).json()
    assert state["aps_status"]["UNREGISTER"] == 1 and state["aps_status"]["REGISTERED"] == 0
    sim.state.fast_forward(101)
    assert client.get(GROUPS + "/%s/state" % created["id"]).json()["aps_status"]["REGISTERED"] == 1
    _error(client.get(GROUPS + "/nope/state"), 404, "WKS.00211202")


@pytest.mark.parametrize("change, field", [
    ({"name": "has space"}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"image_type": "marketplace"}, "image_type"),
    ({"os_type": "Solaris"}, "os_type"),
    ({"app_type": "DESKTOP"}, "app_type"),
    ({"extra_session_type": "TPU"}, "extra_session_type"),
    ({"system_disk_type": "HDD"}, "system_disk_type"),
    ({"system_disk_size": 20}, "system_disk_size"),
    ({"route_policy": {"max_session": 0}}, "route_policy.max_session"),
    ({"route_policy": {"cpu_threshold": 101}}, "route_policy.cpu_threshold"),
    ({"tags": [{"key": "a"}, {"key": "a"}]}, "tags"),
    ({"storage_mount_policy": "USER"}, "storage_mount_policy"),
    ({"image_id": None}, "image_id"),
    ({"vpc_id": None}, "vpc_id"),
])
def test_create_server_group_validation(sim, client_for, change, field):
    client = client_for(sim)
    body = _group_body()
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    assert field in _error(client.post(GROUPS, body), 400, "WKS.00211102")["error_msg"]
    assert len(sim.state.groups) == 2


def test_a_gold_image_without_image_product_id_is_taken(sim, client_for):
    """The real service takes it (Terraform's tests send none); the SDK says market images need it."""
    client = client_for(sim)
    response = client.post(GROUPS, _group_body("gold-group", image_type="gold"))
    assert response.status_code == 200 and response.json()["name"] == "gold-group"
    assert sim.state.group_by_name("gold-group")["image_type"] == "gold"


def test_create_server_group_conflicts(sim, client_for):
    client = client_for(sim)
    _error(client.post(GROUPS, _group_body("sim-group-1")), 409, "WKS.00211208")
    _error(client.post(GROUPS, _group_body(primary_server_group_id="nope")), 404, "WKS.00211202")
    primary = sim.state.group_by_name("sim-group-1")["id"]
    secondary = client.post(GROUPS, _group_body("backup", primary_server_group_id=primary)).json()
    assert secondary["primary_server_group_ids"] == [primary]
    assert client.get(GROUPS + "/" + primary).json()["secondary_server_group_ids"] == [secondary["id"]]
    assert client.request("DELETE", GROUPS + "/" + secondary["id"]).status_code == 200
    assert client.get(GROUPS + "/" + primary).json()["secondary_server_group_ids"] == []


def test_delete_server_group_only_when_empty(sim, client_for, group_id):
    client = client_for(sim)
    body = _error(client.request("DELETE", GROUPS + "/" + group_id), 409, "WKS.00211209")
    assert "2 servers" in body["error_msg"]
    _error(client.request("DELETE", GROUPS + "/nope"), 404, "WKS.00211202")
    client.post(BATCH_DELETE, {"items": sim.state.server_ids(group_id)})
    _error(client.request("DELETE", GROUPS + "/" + group_id), 409, "WKS.00211209")  # still deleting
    sim.state.fast_forward(101)
    response = client.request("DELETE", GROUPS + "/" + group_id)
    assert response.status_code == 200 and response.content == b""
    _error(client.get(GROUPS + "/" + group_id), 404, "WKS.00211202")
    assert len(client.get(GROUPS).json()["items"]) == 1


# ---------------------------------------------------------------------------------------------- scaling policy

def test_scaling_policy_set_shown_and_deleted(sim, client_for, group_id):
    client = client_for(sim)
    default = {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0}
    assert client.get(POLICY, params={"server_group_id": group_id}).json() == default
    policy = {"max_scaling_amount": 10, "single_expansion_count": 2,
              "scaling_policy_by_session": {"session_usage_threshold": 80, "shrink_after_session_idle_minutes": 30},
              "scaling_policy_by_resource": {"cpu_usage_threshold": 70}}
    response = client.request("PUT", POLICY, json_body=dict(policy, server_group_id=group_id))
    assert response.status_code == 200, response.text
    assert response.json() == dict(policy, enable=True)
    assert client.get(POLICY, params={"server_group_id": group_id}).json() == dict(policy, enable=True)
    assert client.get(GROUPS + "/" + group_id).json()["scaling_policy"]["max_scaling_amount"] == 10
    replaced = dict(policy, enable=False, max_scaling_amount=4, server_group_id=group_id)
    del replaced["scaling_policy_by_resource"]
    assert "scaling_policy_by_resource" not in client.request("PUT", POLICY, json_body=replaced).json()
    response = client.request("DELETE", POLICY, params={"server_group_id": group_id})
    assert response.status_code == 200
    assert client.get(POLICY, params={"server_group_id": group_id}).json() == default
    assert client.request("DELETE", POLICY, params={"server_group_id": group_id}).status_code == 200


@pytest.mark.parametrize("change, field", [
    ({"max_scaling_amount": 0}, "max_scaling_amount"),
    ({"max_scaling_amount": 101}, "max_scaling_amount"),
    ({"max_scaling_amount": 200, "single_expansion_count": 1}, "max_scaling_amount"),
    ({"max_scaling_amount": 20, "single_expansion_count": 11}, "single_expansion_count"),
    ({"single_expansion_count": 6}, "single_expansion_count"),
    ({"single_expansion_count": None}, "single_expansion_count"),
    ({"scaling_policy_by_session": {"session_usage_threshold": 80}}, "shrink_after_session_idle_minutes"),
    ({"scaling_policy_by_session": {"shrink_after_session_idle_minutes": 30, "session_usage_threshold": 0}},
     "session_usage_threshold"),
    ({"scaling_policy_by_resource": {"mem_usage_threshold": 101}}, "mem_usage_threshold"),
    ({"enable": "true"}, "enable"),
    ({"server_group_id": None}, "server_group_id"),
])
def test_scaling_policy_validation(sim, client_for, group_id, change, field):
    client = client_for(sim)
    body = {"max_scaling_amount": 5, "single_expansion_count": 1, "server_group_id": group_id,
            "scaling_policy_by_session": {"shrink_after_session_idle_minutes": 30}}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    assert field in _error(client.request("PUT", POLICY, json_body=body), 400, "WKS.00211102")["error_msg"]
    assert sim.state.get_group(group_id)["scaling_policy"]["enable"] is False


def test_scaling_policy_unknown_group_and_missing_query(sim, client_for):
    client = client_for(sim)
    body = {"max_scaling_amount": 5, "single_expansion_count": 1, "server_group_id": "nope",
            "scaling_policy_by_session": {"shrink_after_session_idle_minutes": 30}}
    _error(client.request("PUT", POLICY, json_body=body), 404, "WKS.00211202")
    _error(client.get(POLICY, params={"server_group_id": "nope"}), 404, "WKS.00211202")
    _error(client.request("DELETE", POLICY, params={"server_group_id": "nope"}), 404, "WKS.00211202")
    _error(client.get(POLICY), 400, "WKS.00211102")
    _error(client.request("DELETE", POLICY), 400, "WKS.00211102")
