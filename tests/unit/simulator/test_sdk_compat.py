"""The official Huawei Cloud SDK (huaweicloudsdkworkspaceapp) works against the simulator unchanged."""

import time

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkworkspaceapp.v1 import (BatchChangeServerImageReq, BatchChangeServerImageRequest,
                                           BatchDeleteServerReq, BatchDeleteServerRequest, BatchRebootServerRequest,
                                           BatchStartServerReq, BatchStartServerRequest, BatchStopServerRequest,
                                           BatchUpdateTsviRequest, BatchUpgradeHdaVersionReq,
                                           BatchUpgradeHdaVersionRequest, CreateAppServerReq, CreateAppServersRequest,
                                           CreateOrUpdateScalingPolicyReq, CreateOrUpdateScalingPolicyRequest,
                                           CreateServerGroupReq, CreateServerGroupRequest, DeleteScalingPolicyRequest,
                                           DeleteServerGroupsRequest, DeleteServerRequest, IpVirtual,
                                           ListServerHdaDetailsRequest, ListServersRequest, ListSessionsRequest,
                                           LogoffUserSessionReq, LogoffUserSessionRequest, RoutePolicyDetail,
                                           ScalingPolicyByResource, ScalingPolicyBySession, ServerHaltReq,
                                           ShowAccessAgentLatestVersionRequest, ShowJobDetailRequest,
                                           ShowScalingPolicyRequest, ShowServerGroupRequest,
                                           ShowServerGroupStateRequest, ShowServerRequest, UpdateServerGroupReq,
                                           UpdateServerGroupRequest, UpdateTsvi, UpdateTsviReq, Volume,
                                           WorkspaceAppClient)


def _http_config():
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    config.timeout = (5, 10)
    return config


def _client(sim, credentials):
    return (WorkspaceAppClient.new_builder()
            .with_credentials(credentials)
            .with_endpoints([sim.url])
            .with_http_config(_http_config())
            .build())


def _page_through(list_call, request_class, limit):
    """Every item of a paged SDK list call, page by page (``offset``/``limit``); each page gives the same count."""
    items, counts, offset = [], set(), 0
    while True:
        page = list_call(request_class(offset=offset, limit=limit))
        counts.add(page.count)
        items.extend(page.items)
        offset += limit
        if offset >= page.count:
            return items, counts


def _wait_job(client, job_id, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        job = client.show_job_detail(ShowJobDetailRequest(job_id=job_id))
        if job.status in ("SUCCESS", "FAILED"):
            return job
        assert time.monotonic() < deadline, "job %s still %s" % (job_id, job.status)
        time.sleep(0.05)


def test_sdk_operations_end_to_end(make_simulator):
    sim = make_simulator(servers=6, groups=2, seed=11, job_duration=0.2)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))

    # list_servers with paging collects every server exactly once.
    servers, counts = _page_through(client.list_servers, ListServersRequest, 4)
    assert counts == {6}
    assert sorted(item.id for item in servers) == sorted(sim.state.server_ids())

    group_1 = sim.state.group_by_name("sim-group-1")
    group = client.show_server_group(ShowServerGroupRequest(server_group_id=group_1["id"]))
    assert group.name == "sim-group-1"
    assert group.ip_virtual.enable is True
    assert group.route_policy.max_session == 10

    servers = sim.state.server_ids(group_1["id"])
    sim.state.set_hda_version(servers[0], "24.12.0.1004")
    hda = client.list_server_hda_details(ListServerHdaDetailsRequest(server_group_id=group_1["id"], limit=100))
    versions = {item.server_id: item.current_version for item in hda.items}
    assert versions[servers[0]] == "24.12.0.1004"
    latest = client.show_access_agent_latest_version(ShowAccessAgentLatestVersionRequest()).latest_version
    assert latest == sim.state.latest_hda["SBC"]

    upgrade = client.batch_upgrade_hda_version(
        BatchUpgradeHdaVersionRequest(body=BatchUpgradeHdaVersionReq(items=[servers[0]])))
    assert upgrade.job_id.isdigit() and len(upgrade.job_id) == 18
    job = _wait_job(client, upgrade.job_id)
    assert job.status == "SUCCESS"
    assert job.job_type == "UPGRADE_ACCESS_AGENT"
    assert [sub.job_resource_info.resource_id for sub in job.sub_jobs] == [servers[0]]
    assert sim.state.hda_version(servers[0]) == latest

    # Image change: one server already on the image (per-item error), one not.
    sim.state.patch_server(servers[1], image_id="0f0f0f0f-old-image")
    change = client.batch_change_server_image(BatchChangeServerImageRequest(body=BatchChangeServerImageReq(
        server_ids=[servers[0], servers[1]], image_id=group_1["image_id"], image_type="private", os_type="Windows",
        update_access_agent=False)))
    by_server = {item.server_id: item for item in change.items}
    assert by_server[servers[0]].error_code == "WKS.00211205"
    assert by_server[servers[0]].job_id == ""
    assert by_server[servers[1]].error_code == ""
    assert _wait_job(client, by_server[servers[1]].job_id).status == "SUCCESS"
    assert sim.state.get_server(servers[1])["image_id"] == group_1["image_id"]
    # an image the tenant does not have: the whole request is refused, as the SDK's ClientRequestException
    with pytest.raises(ClientRequestException) as caught:
        client.batch_change_server_image(BatchChangeServerImageRequest(body=BatchChangeServerImageReq(
            server_ids=[servers[1]], image_id="img-missing", image_type="private", os_type="Windows")))
    assert (caught.value.status_code, caught.value.error_code) == (400, "WKS.00211210")
    assert "image_id: img-missing" in caught.value.error_msg
    assert sim.state.get_server(servers[1])["image_id"] == group_1["image_id"]

    tsvi = client.batch_update_tsvi(BatchUpdateTsviRequest(body=UpdateTsviReq(
        items=[UpdateTsvi(id=servers[2], enable=False)])))
    assert _wait_job(client, tsvi.job_id).status == "SUCCESS"
    assert sim.state.tsvi_enabled(servers[2]) is True  # the group's setting wins over the item's

    response = client.update_server_group(UpdateServerGroupRequest(
        server_group_id=group_1["id"],
        body=UpdateServerGroupReq(name="sim-group-renamed", route_policy=RoutePolicyDetail(max_session=4))))
    assert response.status_code == 200
    group = client.show_server_group(ShowServerGroupRequest(server_group_id=group_1["id"]))
    assert group.name == "sim-group-renamed"
    assert group.route_policy.max_session == 4
    assert group.route_policy.cpu_threshold == 80


def test_sdk_resolves_project_id_through_iam(make_simulator):
    sim = make_simulator(servers=3, seed=4242)
    creds = sim.credentials
    # The SDK caches project ids per AK+region for the whole process; start clean.
    BasicCredentials._CACHE.pop(creds["ak"] + "cn-north-4", None)
    credentials = BasicCredentials(creds["ak"], creds["sk"]).with_iam_endpoint(sim.url)
    client = (WorkspaceAppClient.new_builder()
              .with_credentials(credentials)
              .with_region(Region("cn-north-4", sim.url))
              .with_http_config(_http_config())
              .build())
    assert credentials.project_id == creds["project_id"]
    assert client.list_servers(ListServersRequest(limit=10)).count == 3
    iam = sim.log.requests(operation="keystone_list_projects")
    assert len(iam) == 1
    assert iam[0].query == {"name": "cn-north-4"}
    assert iam[0].auth == "aksk"
    assert iam[0].mutating is False


def test_sdk_temporary_credentials_with_security_token(make_simulator):
    sim = make_simulator(servers=2, seed=12)
    creds = sim.credentials
    good = BasicCredentials(creds["temp_ak"], creds["temp_sk"], creds["project_id"]) \
        .with_security_token(creds["security_token"])
    assert _client(sim, good).list_servers(ListServersRequest()).count == 2

    without_token = BasicCredentials(creds["temp_ak"], creds["temp_sk"], creds["project_id"])
    with pytest.raises(ClientRequestException) as caught:
        _client(sim, without_token).list_servers(ListServersRequest())
    assert caught.value.status_code == 401
    assert caught.value.error_code == "APIGW.0301"


def test_sdk_wrong_secret_key_is_rejected(make_simulator):
    sim = make_simulator(servers=2, seed=13)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], "W" * 40, creds["project_id"]))
    with pytest.raises(ClientRequestException) as caught:
        client.list_servers(ListServersRequest())
    error = caught.value
    assert error.status_code == 401
    assert error.error_code == "APIGW.0301"
    assert error.error_msg.startswith("Incorrect IAM authentication information")
    assert error.request_id
    assert creds["sk"] not in error.error_msg and "W" * 40 not in error.error_msg


def test_sdk_lists_sessions_and_logs_them_off(make_simulator):
    sim = make_simulator(servers=4, groups=2, seed=14, job_duration=0)
    state = sim.state
    for server_id in state.server_ids():
        state.patch_server(server_id, session_count=3)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))

    # Every session, paged through, once.
    sessions, counts = _page_through(client.list_sessions, ListSessionsRequest, 5)
    assert counts == {12}
    assert sorted(item.id for item in sessions) == sorted(state.sessions)

    # Filters; the fields parse.
    server = state.get_server(state.server_ids()[1])
    listed = client.list_sessions(ListSessionsRequest(machine_name=server["machine_name"],
                                                      session_state="Active,Disconnected,AppcInit", limit=100))
    expected = state.sessions_of(server["id"])
    assert listed.count == 3 and [item.id for item in listed.items] == [s["id"] for s in expected]
    for item, session in zip(listed.items, expected):
        assert (item.login_user, item.machine_name, item.session_state, item.vm_ip) == (
            session["login_user"], server["machine_name"], session["session_state"], server["host_address"][0]["addr"])
        assert item.app_server_group_id == server["server_group_id"] and item.protocol_type == "HDP"
        assert item.end_time is None
        # A datetime when python-dateutil is installed, else the SDK keeps the string.
        assert str(item.start_time) == session["start_time"] or item.start_time.year >= 2024
    user = expected[0]["login_user"]
    assert {item.login_user for item in client.list_sessions(ListSessionsRequest(user_name=user)).items} == {user}

    response = client.logoff_user_session(LogoffUserSessionRequest(body=LogoffUserSessionReq(
        session_ids=[s["id"] for s in expected], message_type=1, message="The server restarts now.",
        title="Maintenance", delay_time=0)))
    assert response.status_code == 200
    assert state.get_server(server["id"])["session_count"] == 0
    assert client.list_servers(ListServersRequest(limit=100)).items[1].session_count == 0
    ended = client.list_sessions(ListSessionsRequest(vm_ip=server["host_address"][0]["addr"], limit=100))
    assert {item.session_state for item in ended.items} == {"SignedOut"}
    assert all(item.end_time for item in ended.items)
    assert [n["message"] for n in state.notifications] == ["The server restarts now."] * 3

    with pytest.raises(ClientRequestException) as caught:
        client.logoff_user_session(LogoffUserSessionRequest(body=LogoffUserSessionReq(
            session_ids=[expected[0]["id"]], message_type=1)))  # no delay_time
    assert caught.value.status_code == 400 and caught.value.error_code == "WKS.00211102"
    assert "delay_time" in caught.value.error_msg


def test_sdk_stops_starts_and_reboots_servers(make_simulator):
    sim = make_simulator(servers=4, groups=2, seed=15, job_duration=100)
    state = sim.state
    ids = state.server_ids()
    for server_id in ids:
        state.patch_server(server_id, session_count=2)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))

    def power(server_id):
        server = client.show_server(ShowServerRequest(server_id=server_id))
        return server.vm_status, server.task_status, server.status, server.session_count

    stop = client.batch_stop_server(BatchStopServerRequest(body=ServerHaltReq(items=ids[:2], type="SOFT")))
    assert stop.status_code == 200
    assert power(ids[0]) == ("ACTIVE", "powering-off", "REGISTERED", 2)
    state.fast_forward(101)
    assert power(ids[0]) == ("SHUTOFF", None, "STOPPED", 0)
    listed = {item.id: item for item in client.list_servers(ListServersRequest(limit=100)).items}
    assert (listed[ids[1]].vm_status, listed[ids[1]].session_count) == ("SHUTOFF", 0)

    start = client.batch_start_server(BatchStartServerRequest(body=BatchStartServerReq(items=ids[:1])))
    assert start.status_code == 200
    assert power(ids[0]) == ("SHUTOFF", "powering-on", "STOPPED", 0)
    state.fast_forward(101)
    assert power(ids[0]) == ("ACTIVE", None, "REGISTERED", 0)

    reboot = client.batch_reboot_server(BatchRebootServerRequest(body=ServerHaltReq(items=ids[2:], type="HARD")))
    assert reboot.status_code == 200
    assert power(ids[2])[:2] == ("HARD_REBOOT", "rebooting_hard")
    state.fast_forward(101)
    assert power(ids[2]) == ("ACTIVE", None, "REGISTERED", 2)

    # Conflicts and validation reach the SDK as ClientRequestException with the service's codes.
    with pytest.raises(ClientRequestException) as caught:
        client.batch_start_server(BatchStartServerRequest(body=BatchStartServerReq(items=ids[:1])))  # running
    assert (caught.value.status_code, caught.value.error_code) == (409, "WKS.00211206")
    with pytest.raises(ClientRequestException) as caught:
        client.batch_reboot_server(BatchRebootServerRequest(body=ServerHaltReq(items=ids[1:2], type="SOFT")))
    assert (caught.value.status_code, caught.value.error_code) == (409, "WKS.00211206")  # stopped
    with pytest.raises(ClientRequestException) as caught:
        client.batch_stop_server(BatchStopServerRequest(body=ServerHaltReq(items=ids[:1])))  # no type
    assert (caught.value.status_code, caught.value.error_code) == (400, "WKS.00211102")
    assert [(r.operation, r.items, r.status) for r in sim.log.mutations()] == [
        ("batch_stop_server", 2, 200), ("batch_start_server", 1, 200), ("batch_reboot_server", 2, 200),
        ("batch_start_server", 1, 409), ("batch_reboot_server", 1, 409), ("batch_stop_server", 1, 400)]


def test_sdk_creates_and_deletes_groups_servers_and_scaling_policies(make_simulator):
    sim = make_simulator(servers=2, groups=1, seed=16, job_duration=100, images=["img-1"])
    state = sim.state
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))

    group = client.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
        name="sdk-group", image_id="img-1", image_type="private", os_type="Windows",
        product_id="workspace.appstream.general.xlarge.4", vpc_id="vpc-1", subnet_id="subnet-1",
        system_disk_type="SAS", system_disk_size=80, route_policy=RoutePolicyDetail(max_session=5),
        ip_virtual=IpVirtual(enable=False), app_type="COMMON_APP")))
    assert group.id and group.name == "sdk-group" and group.app_server_count == 0
    assert state.get_group(group.id)["route_policy"]["max_session"] == 5
    with pytest.raises(ClientRequestException) as caught:
        client.create_server_group(CreateServerGroupRequest(body=CreateServerGroupReq(
            name="sdk-group", image_id="img-1", image_type="private", os_type="Windows", product_id="p",
            vpc_id="v", subnet_id="s", system_disk_type="SAS", system_disk_size=80)))
    assert (caught.value.status_code, caught.value.error_code) == (409, "WKS.00211208")

    created = client.create_app_servers(CreateAppServersRequest(body=CreateAppServerReq(
        type="createApps", server_group_id=group.id, subscription_num=2, product_id=group.product_id,
        root_volume=Volume(type="SAS", size=80), subnet_id="subnet-1", vpc_id="vpc-1", update_access_agent=True)))
    assert created.job_id.isdigit() and created.order_id is None
    new = state.server_ids(group.id)
    assert [state.get_server(sid)["vm_status"] for sid in new] == ["BUILD", "BUILD"]
    job = client.show_job_detail(ShowJobDetailRequest(job_id=created.job_id))
    assert job.job_type == "CREATE_SERVER" and job.sub_jobs_total == 2
    counts = client.show_server_group_state(ShowServerGroupStateRequest(server_group_id=group.id)).aps_status
    assert counts["UNREGISTER"] == 2
    state.fast_forward(101)
    assert client.show_server(ShowServerRequest(server_id=new[0])).status == "REGISTERED"

    with pytest.raises(ClientRequestException) as caught:
        client.delete_server_groups(DeleteServerGroupsRequest(server_group_id=group.id))
    assert (caught.value.status_code, caught.value.error_code) == (409, "WKS.00211209")
    deleted = client.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=new[:1])))
    assert state.get_job(deleted.job_id)["job_type"] == "DELETE_SERVER"
    single = client.delete_server(DeleteServerRequest(server_id=new[1]))
    assert single.job_id != deleted.job_id
    assert client.show_server(ShowServerRequest(server_id=new[1])).vm_status == "DELETING"
    with pytest.raises(ClientRequestException) as caught:
        client.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=["nope"])))
    assert (caught.value.status_code, caught.value.error_code) == (404, "WKS.00211201")
    state.fast_forward(101)
    assert state.server_ids(group.id) == []

    policy = client.create_or_update_scaling_policy(CreateOrUpdateScalingPolicyRequest(
        body=CreateOrUpdateScalingPolicyReq(
            server_group_id=group.id, enable=True, max_scaling_amount=8, single_expansion_count=2,
            scaling_policy_by_session=ScalingPolicyBySession(session_usage_threshold=75,
                                                             shrink_after_session_idle_minutes=20),
            scaling_policy_by_resource=ScalingPolicyByResource(cpu_usage_threshold=60))))
    assert (policy.enable, policy.max_scaling_amount, policy.single_expansion_count) == (True, 8, 2)
    shown = client.show_scaling_policy(ShowScalingPolicyRequest(server_group_id=group.id))
    assert shown.scaling_policy_by_session.shrink_after_session_idle_minutes == 20
    assert shown.scaling_policy_by_resource.cpu_usage_threshold == 60
    assert client.delete_scaling_policy(DeleteScalingPolicyRequest(server_group_id=group.id)).status_code == 200
    assert client.show_scaling_policy(ShowScalingPolicyRequest(server_group_id=group.id)).enable is False

    assert client.delete_server_groups(DeleteServerGroupsRequest(server_group_id=group.id)).status_code == 200
    assert state.get_group(group.id) is None
    assert [(r.operation, r.items, r.status) for r in sim.log.mutations()] == [
        ("create_server_group", None, 200), ("create_server_group", None, 409), ("create_app_servers", None, 200),
        ("delete_server_groups", None, 409), ("batch_delete_server", 1, 200), ("delete_server", None, 200),
        ("batch_delete_server", 1, 404), ("create_or_update_scaling_policy", None, 200),
        ("delete_scaling_policy", None, 200), ("delete_server_groups", None, 200)]


def test_sdk_gets_the_windowed_throttle_as_a_429_exception(make_simulator):
    """The SDK's session retries 429 through urllib3 (``Retry(total=retry_times, status_forcelist=[429])``, 0 retries
    by default) and turns the exhausted retry into ClientRequestException(429, error_code "429"): it never reads the
    gateway's body, so an SDK user sees the status, not ``APIG.0308`` (the collection, on ``requests``, reads it).
    Without that retry layer the SDK's error handling parses the body: ``APIG.0308`` and the gateway's message."""
    sim = make_simulator(servers=2, groups=1, seed=17, dialect={"throttle_window": [2, 60]})
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    for _unused in range(2):
        assert client.list_servers(ListServersRequest()).count == 2
    with pytest.raises(ClientRequestException) as caught:
        client.list_servers(ListServersRequest())
    assert (caught.value.status_code, caught.value.error_code) == (429, "429")
    assert "too many 429 error responses" in caught.value.error_msg
    throttled = sim.log.requests(operation="list_servers")[-1]
    assert (throttled.status, throttled.fault) == (429, "throttle_window")  # one request: no retry by default
    assert len(sim.log.requests(operation="list_servers")) == 3
    # without urllib3's retry layer the SDK's own error handling reads the gateway's body: code and message parse
    client.get_http_client()._session.mount("http://", requests.adapters.HTTPAdapter(max_retries=0))
    with pytest.raises(ClientRequestException) as caught:
        client.list_servers(ListServersRequest())
    assert (caught.value.status_code, caught.value.error_code) == (429, "APIG.0308")
    assert caught.value.error_msg == ("The throttling threshold has been reached: policy ip over ratelimit,"
                                      "limit:2,time:1 minute")
    sim.state.fast_forward(60)
    assert client.list_servers(ListServersRequest()).count == 2


def test_sdk_parses_deletes_of_the_absent_answered_200(make_simulator):
    sim = make_simulator(servers=1, groups=1, seed=18, dialect={"absent_deletes": "200"})
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    single = client.delete_server(DeleteServerRequest(server_id="nope"))
    assert (single.status_code, single.job_id) == (200, None)
    batch = client.batch_delete_server(BatchDeleteServerRequest(body=BatchDeleteServerReq(items=["nope"])))
    assert (batch.status_code, batch.job_id) == (200, None)
    assert client.delete_server_groups(DeleteServerGroupsRequest(server_group_id="nope")).status_code == 200
    assert not sim.state.jobs
