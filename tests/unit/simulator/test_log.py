"""The request log: what is recorded, and the helpers to query it."""

import threading

import requests


def test_log_records_every_request(simulator, client):
    ids = simulator.state.server_ids()
    client.get("app-servers", params={"limit": 2, "offset": 0})
    client.get("app-servers", params={"limit": 2, "offset": 2})
    job_id = client.patch("app-servers/access-agent/actions/upgrade", {"items": ids[:3]}).json()["job_id"]
    client.get("/v2/%s/job/%s" % (simulator.credentials["project_id"], job_id))
    client.patch("app-servers/actions/batch-maint", {"items": ids[:1], "maintain_status": True})
    client.get("/v3/projects", params={"name": "cn-north-4"})
    client.get("nothing-here")

    assert len(simulator.log) == 7
    assert simulator.log.summary() == {"list_servers": 2, "batch_upgrade_hda_version": 1, "show_job_detail": 1,
                                       "batch_change_server_maintain_mode": 1, "keystone_list_projects": 1, None: 1}
    mutations = simulator.log.mutations()
    assert [(m.operation, m.items, m.status) for m in mutations] == [
        ("batch_upgrade_hda_version", 3, 200), ("batch_change_server_maintain_mode", 1, 200)]
    assert mutations[0].body == {"items": ids[:3]}
    assert mutations[0].auth == "aksk" and mutations[0].method == "PATCH"

    first = simulator.log[0]
    assert first.path == "/v1/%s/app-servers" % simulator.credentials["project_id"]
    assert first.query == {"limit": "2", "offset": "0"}
    assert (first.status, first.mutating, first.items, first.body, first.fault) == (200, False, None, None, None)
    assert first["operation"] == "list_servers" and first.time > 0 and first.request_id

    assert len(simulator.log.requests(method="GET")) == 5
    assert len(simulator.log.requests(operation="list_servers", mutating=False)) == 2
    iam = simulator.log.requests(operation="keystone_list_projects")[0]
    assert iam.mutating is False and iam.auth == "aksk"
    unknown = simulator.log[-1]
    assert (unknown.operation, unknown.status, unknown.auth) == (None, 404, None)

    assert simulator.log.clear() == 7
    assert len(simulator.log) == 0 and list(simulator.log) == []


def test_log_is_thread_safe(simulator, client_for):
    def worker():
        client = client_for(simulator)
        for _unused in range(10):
            assert client.get("app-server-groups").status_code == 200

    threads = [threading.Thread(target=worker) for _unused in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert simulator.log.summary() == {"list_server_groups": 60}
    assert len({record.request_id for record in simulator.log}) == 60


def test_log_over_http(simulator, client):
    client.get("app-servers")
    client.patch("app-servers/actions/batch-maint", {"items": simulator.state.server_ids()[:2],
                                                     "maintain_status": True})
    records = requests.get(simulator.url + "/_sim/log", timeout=5).json()
    assert [r["operation"] for r in records] == ["list_servers", "batch_change_server_maintain_mode"]
    assert records[1]["items"] == 2 and records[1]["mutating"] is True
    only = requests.get(simulator.url + "/_sim/log", params={"mutating": "true"}, timeout=5).json()
    assert [r["operation"] for r in only] == ["batch_change_server_maintain_mode"]
    summary = requests.get(simulator.url + "/_sim/log/summary", timeout=5).json()
    assert summary["list_servers"] == 1 and summary["sim_get_log"] == 2
    assert requests.post(simulator.url + "/_sim/log/clear", timeout=5).json() == {"cleared": 5}
    control = simulator.log[0]
    assert (control.operation, control.mutating, control.auth) == ("sim_clear_log", False, None)
