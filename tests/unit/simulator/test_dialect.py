"""The simulator's dialects (simulator/dialect.py): each mode off (the API pages' answers) and on (the real
service's, /work/briefs/service-behaviour.md), over HTTP, with the exact wire answers."""

import json
import os
import subprocess
import sys

import pytest
import requests

from simulator.__main__ import parse_args
from simulator.dialect import DEFAULTS, Dialect

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
UPGRADE = "app-servers/access-agent/actions/upgrade"
CHANGE_IMAGE = "app-servers/actions/batch-change-image"
TSVI = "app-servers/actions/batch-update-tsvi"
MAINT = "app-servers/actions/batch-maint"
BATCH_DELETE = "app-servers/actions/batch-delete"
START = "app-servers/actions/batch-start"
STOP = "app-servers/actions/batch-stop"
REBOOT = "app-servers/actions/batch-reboot"
NEW_IMAGE = "35998d9a-14f2-48fc-832b-6fc0074dc8f8"  # a stock image every simulator knows
REAL = {"throttle_window": [5, 60], "throttle_code": "APIG.0308", "state_lag": 4, "transitions": 2,
        "busy_status": 400, "absent_deletes": "200", "unknown_status": None}


@pytest.fixture
def sim_with(make_simulator, client_for):
    """``sim_with(dialect, **Simulator kwargs)`` -> (simulator, signed client); 4 servers, 10 s jobs by default."""
    def factory(dialect=None, **kwargs):
        options = dict(servers=4, groups=1, seed=5, job_duration=10)
        options.update(kwargs)
        sim = make_simulator(dialect=dialect, **options)
        return sim, client_for(sim)
    return factory


def _server(client, server_id):
    response = client.get("app-servers/%s" % server_id)
    assert response.status_code == 200, response.text
    return response.json()


def _job(client, job_id):
    response = client.get("/v2/%s/job/%s" % (client.credentials["project_id"], job_id))
    assert response.status_code == 200, response.text
    return response.json()


def _error(response, status, code):
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code, response.text
    return response.json()


# ---------------------------------------------------------------------------------------------- configuration

def test_configuration_python_cli_and_control_endpoint(sim_with):
    assert Dialect().as_dict() == DEFAULTS
    assert Dialect("real").as_dict() == REAL
    assert Dialect({"preset": "real", "busy_status": 409, "transitions": False}).as_dict() == dict(
        REAL, busy_status=409, transitions=False)
    with pytest.raises(ValueError, match="busy_status: must be 409 or 400, got 401"):
        Dialect({"busy_status": 401})

    assert parse_args([]).dialect is None
    assert Dialect(parse_args(["--dialect", "real", "--busy-status", "409", "--throttle-window", "3/2",
                               "--transitions", "off"]).dialect).as_dict() == dict(
        REAL, busy_status=409, throttle_window=[3, 2], transitions=False)
    assert Dialect(parse_args(["--state-lag", "1.5", "--unknown-status", "QUEUED", "--absent-deletes", "200",
                               "--throttle-code", "APIGW.0308", "--transitions", "2"]).dialect).as_dict() == dict(
        DEFAULTS, state_lag=1.5, unknown_status="QUEUED", absent_deletes="200", throttle_code="APIGW.0308",
        transitions=2)
    with pytest.raises(SystemExit):
        parse_args(["--throttle-window", "5 per minute"])

    sim, _unused = sim_with("real")
    assert sim.dialect is sim.state.dialect and sim.dialect.as_dict() == REAL
    url = sim.url + "/_sim/dialect"
    assert requests.get(url, timeout=5).json() == REAL
    answer = requests.post(url, json={"busy_status": 409, "unknown_status": "QUEUED"}, timeout=5)
    assert answer.status_code == 200 and answer.json() == dict(REAL, busy_status=409, unknown_status="QUEUED")
    bad = requests.post(url, json={"busy_status": 409, "colour": "red"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error_code"] == "SIM.0400"
    assert "'colour'" in bad.json()["error_msg"] and "throttle_window" in bad.json()["error_msg"]
    bad = requests.post(url, json={"absent_deletes": "204"}, timeout=5)
    assert bad.status_code == 400 and 'absent_deletes: must be "404" or "200"' in bad.json()["error_msg"]
    bad = requests.post(url, json={"throttle_window": [0, 60]}, timeout=5)
    assert bad.status_code == 400 and "throttle_window: must be null or [limit, seconds]" in bad.json()["error_msg"]
    assert requests.get(url, timeout=5).json() == dict(REAL, busy_status=409, unknown_status="QUEUED")  # unchanged
    assert requests.post(url, json={"preset": "default"}, timeout=5).json() == DEFAULTS
    assert requests.get(sim.url + "/_sim/state", timeout=5).json()["dialect"] == DEFAULTS


def test_with_simulator_passes_the_dialect_flags_through():
    probe = ("import json, os, urllib.request; info = json.loads(os.environ['WORKSPACE_APP_SIMULATOR_JSON']); "
             "print(urllib.request.urlopen(info['url'] + '/_sim/dialect').read().decode())")
    output = subprocess.run(
        [sys.executable, "scripts/with_simulator.py", "--servers", "1", "--dialect", "real", "--busy-status", "409",
         "--", sys.executable, "-c", probe],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(output) == dict(REAL, busy_status=409)


# ---------------------------------------------------------------------------------------------- throttle window

def test_throttle_window_off_by_default(sim_with):
    sim, client = sim_with()
    assert all(client.get("app-servers").status_code == 200 for _unused in range(8))
    assert not [record for record in sim.log if record.fault]


def test_throttle_window_counts_per_credential_and_resets(sim_with, client_for):
    sim, client = sim_with({"throttle_window": [3, 30]})
    server_id = sim.state.server_ids()[0]
    assert [client.get("app-servers").status_code for _unused in range(3)] == [200, 200, 200]
    throttled = client.get("app-servers")
    assert throttled.status_code == 429
    assert throttled.json() == {"error_code": "APIG.0308", "error_msg": "The throttling threshold has been reached: "
                                "policy ip over ratelimit,limit:3,time:30 second"}
    assert "Retry-After" not in throttled.headers
    # a throttled mutation is not applied and does not count
    refused = client.patch(MAINT, {"items": [server_id], "maintain_status": True})
    assert refused.status_code == 429 and sim.state.get_server(server_id)["maintain_status"] is False
    assert [(r.operation, r.status, r.fault) for r in sim.log][-2:] == [
        ("list_servers", 429, "throttle_window"), ("batch_change_server_maintain_mode", 429, "throttle_window")]
    # the token's user has a window of its own; IAM and /_sim are not counted
    token_client = client_for(sim, token=sim.issue_token())
    assert token_client.get("app-servers").status_code == 200
    assert requests.get(sim.url + "/_sim/state", timeout=5).status_code == 200
    assert client.get("/v3/projects").status_code == 200
    # a fresh window starts at the first request after the last one expired
    sim.state.fast_forward(30)
    assert client.patch(MAINT, {"items": [server_id], "maintain_status": True}).status_code == 200
    assert sim.state.get_server(server_id)["maintain_status"] is True
    assert [client.get("app-servers").status_code for _unused in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("window, code, words", [
    ([5, 60], "APIG.0308", "limit:5,time:1 minute"),
    ([2, 120], "APIGW.0308", "limit:2,time:2 minute"),
    ([1, 90], "APIG.0308", "limit:1,time:90 second"),
])
def test_throttle_window_words_and_code(sim_with, window, code, words):
    sim, client = sim_with({"throttle_window": window, "throttle_code": code}, servers=1)
    for _unused in range(window[0]):
        assert client.get("app-servers").status_code == 200
    throttled = client.get("app-servers")
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
    assert throttled.json() == {"error_code": code,
                                "error_msg": "The throttling threshold has been reached: policy ip over ratelimit," +
                                words}


# ---------------------------------------------------------------------------------------------- state lag

def _outdated(sim):
    server_id = sim.state.server_ids()[0]
    sim.state.set_hda_version(server_id, "24.12.0.1004")
    return server_id


def _agent_version(client, server_id):
    items = client.get("app-servers/access-agent/list", params={"limit": 100}).json()["items"]
    return next(item["current_version"] for item in items if item["server_id"] == server_id)


def test_state_lag_off_effects_show_with_success(sim_with):
    sim, client = sim_with(job_duration=1)
    server_id = _outdated(sim)
    job_id = client.patch(UPGRADE, {"items": [server_id]}).json()["job_id"]
    sim.state.fast_forward(1.5)
    assert _job(client, job_id)["status"] == "SUCCESS"
    assert _agent_version(client, server_id) == sim.state.latest_hda_for(server_id)


def test_state_lag_upgrade_image_and_tsvi(sim_with):
    sim, client = sim_with({"state_lag": 5}, job_duration=1)
    state = sim.state
    upgraded, rebuilt, tsvi = state.server_ids()[:3]
    state.set_hda_version(upgraded, "24.12.0.1004")
    state.patch_server(tsvi, tsvi_enabled=False)  # the group enables TSVI: the job turns it on
    old_image = _server(client, rebuilt)["image_id"]
    jobs = [client.patch(UPGRADE, {"items": [upgraded]}).json()["job_id"],
            client.post(CHANGE_IMAGE, {"server_ids": [rebuilt], "image_id": NEW_IMAGE, "image_type": "private",
                                       "os_type": "Windows"}).json()["items"][0]["job_id"],
            client.patch(TSVI, {"items": [{"id": tsvi, "enable": True}]}).json()["job_id"]]
    state.fast_forward(1.5)
    assert [_job(client, job_id)["status"] for job_id in jobs] == ["SUCCESS"] * 3
    assert [_server(client, sid)["job_status"] for sid in (upgraded, rebuilt, tsvi)] == ["SUCCESS"] * 3
    assert _agent_version(client, upgraded) == "24.12.0.1004"
    assert client.get("app-servers/access-agent/upgrade-flag").json() == {"upgrade_flag": 1}
    assert _server(client, rebuilt)["image_id"] == old_image
    assert state.tsvi_enabled(tsvi) is False
    state.fast_forward(3)
    assert _agent_version(client, upgraded) == "24.12.0.1004"  # 3.5 s after the end: not yet
    state.fast_forward(2)
    assert _agent_version(client, upgraded) == state.latest_hda_for(upgraded)
    assert client.get("app-servers/access-agent/upgrade-flag").json() == {"upgrade_flag": 0}
    assert _server(client, rebuilt)["image_id"] == NEW_IMAGE
    assert state.tsvi_enabled(tsvi) is True


def test_state_lag_delete_and_create(sim_with):
    sim, client = sim_with({"state_lag": 5}, job_duration=1)
    state = sim.state
    group_id = next(iter(state.groups))
    gone = state.server_ids()[0]
    job_id = client.request("DELETE", "app-servers/%s" % gone).json()["job_id"]
    created = client.post("app-servers/actions/create", {
        "type": "createApps", "server_group_id": group_id, "subscription_num": 1,
        "product_id": "workspace.appstream.general.xlarge.4", "root_volume": {"type": "SAS", "size": 80},
        "subnet_id": "subnet-1", "vpc_id": "vpc-1"}).json()["job_id"]
    new_id = _job(client, created)["sub_jobs"][0]["job_resource_info"]["resource_id"]
    state.fast_forward(1.5)
    assert _job(client, job_id)["status"] == "SUCCESS" and _job(client, created)["status"] == "SUCCESS"
    record = _server(client, gone)
    assert (record["job_status"], record["vm_status"], record["task_status"]) == ("SUCCESS", "DELETING", "deleting")
    assert gone in [item["id"] for item in client.get("app-servers").json()["items"]]
    record = _server(client, new_id)
    assert (record["job_status"], record["vm_status"], record["status"]) == ("SUCCESS", "ACTIVE", "UNREGISTER")
    state.fast_forward(5)
    assert client.get("app-servers/%s" % gone).status_code == 404
    assert gone not in [item["id"] for item in client.get("app-servers").json()["items"]]
    assert _server(client, new_id)["status"] == "REGISTERED"


# ---------------------------------------------------------------------------------------------- transitions

def test_transitions_off_status_stays_registered(sim_with):
    sim, client = sim_with()
    server_id = sim.state.server_ids()[0]
    client.post(CHANGE_IMAGE, {"server_ids": [server_id], "image_id": NEW_IMAGE, "image_type": "private",
                               "os_type": "Windows"})
    sim.state.fast_forward(5)
    assert _server(client, server_id)["status"] == "REGISTERED"
    sim.state.fast_forward(6)
    assert _server(client, server_id)["status"] == "REGISTERED"


def test_transitions_image_change_and_tsvi(sim_with):
    sim, client = sim_with({"transitions": 2})
    state = sim.state
    rebuilt, rebooted = state.server_ids()[:2]
    job_id = client.post(CHANGE_IMAGE, {"server_ids": [rebuilt], "image_id": NEW_IMAGE, "image_type": "private",
                                        "os_type": "Windows"}).json()["items"][0]["job_id"]
    assert client.patch(TSVI, {"items": [{"id": rebooted, "enable": True}]}).status_code == 200
    assert [_server(client, sid)["status"] for sid in (rebuilt, rebooted)] == ["UNREGISTER"] * 2
    state.fast_forward(5)
    assert [_server(client, sid)["status"] for sid in (rebuilt, rebooted)] == ["UNREGISTER"] * 2
    with pytest.raises(Exception, match="not REGISTERED"):
        state.log_on(rebuilt)
    state.fast_forward(6)  # ended at 10 s: re-registering until 12 s
    record = _server(client, rebuilt)
    assert (record["job_status"], record["status"], record["image_id"]) == ("SUCCESS", "UNREGISTER", NEW_IMAGE)
    assert record["update_time"] == _job(client, job_id)["end_time"]  # set when the job ended, not since
    counts = client.get("app-server-groups/%s/state" % record["server_group_id"]).json()["aps_status"]
    assert counts["UNREGISTER"] == 2 and counts["REGISTERED"] == 2
    state.fast_forward(2)
    assert [_server(client, sid)["status"] for sid in (rebuilt, rebooted)] == ["REGISTERED"] * 2
    assert state.log_on(rebuilt)["session_state"] == "Active"


def test_transitions_power(sim_with):
    sim, client = sim_with({"transitions": 2})
    state = sim.state
    stopped, rebooted = state.server_ids()[:2]
    assert client.patch(STOP, {"items": [stopped], "type": "SOFT"}).status_code == 200
    assert client.patch(REBOOT, {"items": [rebooted], "type": "SOFT"}).status_code == 200
    assert [_server(client, sid)["status"] for sid in (stopped, rebooted)] == ["UNREGISTER"] * 2
    state.fast_forward(10.5)
    assert [_server(client, sid)["status"] for sid in (stopped, rebooted)] == ["STOPPED", "UNREGISTER"]
    state.fast_forward(2)
    assert [_server(client, sid)["status"] for sid in (stopped, rebooted)] == ["STOPPED", "REGISTERED"]
    assert client.patch(START, {"items": [stopped]}).status_code == 200
    assert _server(client, stopped)["status"] == "UNREGISTER"
    state.fast_forward(10.5)
    record = _server(client, stopped)
    assert (record["vm_status"], record["status"]) == ("ACTIVE", "UNREGISTER")
    state.fast_forward(2)
    assert _server(client, stopped)["status"] == "REGISTERED"


def test_transitions_with_state_lag_count_from_the_end_of_the_job(sim_with):
    sim, client = sim_with({"transitions": 2, "state_lag": 4})
    server_id = sim.state.server_ids()[0]
    old_image = _server(client, server_id)["image_id"]
    client.post(CHANGE_IMAGE, {"server_ids": [server_id], "image_id": NEW_IMAGE, "image_type": "private",
                               "os_type": "Windows"})
    sim.state.fast_forward(12.5)  # ended at 10 s: registered again at 12 s, the image shows at 14 s
    record = _server(client, server_id)
    assert (record["job_status"], record["status"], record["image_id"]) == ("SUCCESS", "REGISTERED", old_image)
    sim.state.fast_forward(2)
    assert _server(client, server_id)["image_id"] == NEW_IMAGE


# ---------------------------------------------------------------------------------------------- busy status

@pytest.mark.parametrize("dialect, status", [(None, 409), ({"busy_status": 400}, 400)])
def test_busy_status(sim_with, dialect, status):
    sim, client = sim_with(dialect)
    first, second = sim.state.server_ids()[:2]
    assert client.patch(UPGRADE, {"items": [first]}).status_code == 200
    assert client.patch(STOP, {"items": [second], "type": "SOFT"}).status_code == 200
    _error(client.patch(UPGRADE, {"items": [first]}), status, "WKS.00211204")
    _error(client.patch(REBOOT, {"items": [second], "type": "HARD"}), status, "WKS.00211204")
    _error(client.post(BATCH_DELETE, {"items": [first, second]}), status, "WKS.00211204")


# ---------------------------------------------------------------------------------------------- absent deletes

def test_absent_deletes_404_by_default(sim_with):
    sim, client = sim_with()
    _error(client.request("DELETE", "app-servers/nope"), 404, "WKS.00211201")
    _error(client.post(BATCH_DELETE, {"items": ["nope", sim.state.server_ids()[0]]}), 404, "WKS.00211201")
    _error(client.request("DELETE", "app-server-groups/nope"), 404, "WKS.00211202")
    assert len(sim.state.server_ids()) == 4 and not sim.state.jobs


def test_absent_deletes_200_without_job(sim_with):
    sim, client = sim_with({"absent_deletes": "200"})
    kept = sim.state.server_ids()[0]
    for response in (client.request("DELETE", "app-servers/nope"), client.post(BATCH_DELETE, {"items": ["nope"]})):
        assert response.status_code == 200 and response.json() == {}
    gone = client.request("DELETE", "app-server-groups/nope")
    assert gone.status_code == 200 and gone.content == b""
    assert not sim.state.jobs
    mixed = client.post(BATCH_DELETE, {"items": ["nope", kept]})
    assert mixed.status_code == 200
    job = _job(client, mixed.json()["job_id"])
    assert job["sub_jobs_total"] == 1 and job["sub_jobs"][0]["job_resource_info"]["resource_id"] == kept


# ---------------------------------------------------------------------------------------------- unknown status

@pytest.mark.parametrize("word", [None, "QUEUED"])
def test_unknown_status_word_for_waiting(sim_with, word):
    sim, client = sim_with({"unknown_status": word} if word else None)
    server_id = sim.state.server_ids()[0]
    job_id = client.patch(UPGRADE, {"items": [server_id]}).json()["job_id"]
    shown = word or "WAITING"
    job = _job(client, job_id)
    assert (job["status"], job["sub_jobs"][0]["status"]) == (shown, shown)
    assert _server(client, server_id)["job_status"] == shown
    subs = client.get("app-server-sub-jobs", params={"job_type": "UPGRADE_ACCESS_AGENT", "status": shown}).json()
    assert [(item["job_id"], item["status"]) for item in subs["items"]] == [(job_id, shown)]
    assert client.get("/v1/%s/job/%s" % (sim.credentials["project_id"], job_id)).json()["job"]["job_status"] == 3
    sim.state.fast_forward(2)
    assert _job(client, job_id)["status"] == "RUNNING" and _server(client, server_id)["job_status"] == "RUNNING"
