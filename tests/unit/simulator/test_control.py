"""The unauthenticated ``/_sim`` control endpoints."""

import requests


def _post(sim, path, body=None):
    return requests.post(sim.url + path, json=body, timeout=5)


def test_state_dump(simulator):
    dump = requests.get(simulator.url + "/_sim/state", timeout=5).json()
    assert dump["project_id"] == simulator.credentials["project_id"]
    assert len(dump["servers"]) == 6 and len(dump["groups"]) == 2
    assert {"hda_version", "hda_type", "tsvi_enabled"} <= set(dump["servers"][0])
    assert dump["latest_hda"]["SBC"] == simulator.state.latest_hda["SBC"]


def test_patch_server_and_fail_next_job(simulator, client):
    server_id = simulator.state.server_ids()[0]
    response = _post(simulator, "/_sim/servers/%s" % server_id, {"hda_version": "1.0.0", "maintain_status": True})
    assert response.status_code == 200, response.text
    assert response.json()["hda_version"] == "1.0.0" and response.json()["maintain_status"] is True
    assert simulator.state.hda_version(server_id) == "1.0.0"
    assert _post(simulator, "/_sim/servers/%s" % server_id, {"no_such_field": 1}).status_code == 400
    assert _post(simulator, "/_sim/servers/nope", {"maintain_status": True}).status_code == 404

    assert _post(simulator, "/_sim/fail-next-job", {"server_ids": [server_id], "error_code": "WKS.00211401",
                                                    "error_msg": "fail"}).status_code == 200
    simulator.state.job_duration = 0
    job_id = client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id]}).json()["job_id"]
    assert simulator.state.get_job(job_id)["status"] == "FAILED"
    assert _post(simulator, "/_sim/fail-next-job", {"server_ids": ["nope"]}).status_code == 400


def test_latest_hda_tokens_and_clock(simulator, client_for):
    response = _post(simulator, "/_sim/latest-hda", {"version": "30.0.0.1"})
    assert response.json()["latest_hda"] == {"SBC": "30.0.0.1", "OA_APP": "30.0.0.1", "PT_APP": "30.0.0.1"}
    token = _post(simulator, "/_sim/tokens", {"ttl": 30}).json()["token"]
    assert client_for(simulator, token=token).get("app-servers").status_code == 200
    assert _post(simulator, "/_sim/clock", {"seconds": 31}).status_code == 200
    assert client_for(simulator, token=token).get("app-servers").status_code == 401
    assert _post(simulator, "/_sim/clock", {"minutes": 1}).status_code == 400
    assert requests.post(simulator.url + "/_sim/clock", data=b"[1]", timeout=5).status_code == 400
    assert requests.get(simulator.url + "/_sim/nothing", timeout=5).status_code == 404
