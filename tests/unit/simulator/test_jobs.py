"""Asynchronous jobs: progression over job_duration, failures, and their effects on server records."""

import pytest

PENDING = ("WAITING", "RUNNING")


def _job(client, job_id):
    response = client.get("/v2/%s/job/%s" % (client.credentials["project_id"], job_id))
    assert response.status_code == 200, response.text
    return response.json()


def _server(client, server_id):
    return client.get("app-servers/%s" % server_id).json()


def _upgrade(client, ids):
    response = client.patch("app-servers/access-agent/actions/upgrade", {"items": ids})
    assert response.status_code == 200, response.text
    return response.json()["job_id"]


def test_job_runs_waiting_running_success_in_real_time(make_simulator, client_for, poll):
    sim = make_simulator(servers=3, seed=20, job_duration=0.4)
    client = client_for(sim)
    job_id = _upgrade(client, sim.state.server_ids())
    seen = []

    def finished():
        status = _job(client, job_id)["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status not in PENDING

    poll(finished, timeout=5, interval=0.01)
    assert seen[-1] == "SUCCESS"
    assert set(seen) <= {"WAITING", "RUNNING", "SUCCESS"}
    order = ["WAITING", "RUNNING", "SUCCESS"]
    assert seen == sorted(seen, key=order.index)


def test_job_phases_follow_the_clock(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=21, job_duration=100)
    client = client_for(sim)
    ids = sim.state.server_ids()[:2]
    sim.state.set_hda_version(ids[0], "24.12.0.1004")
    job_id = _upgrade(client, ids)

    job = _job(client, job_id)
    assert job["status"] == "WAITING" and job["job_type"] == "UPGRADE_ACCESS_AGENT"
    assert job["sub_jobs_total"] == 2 and "end_time" not in job
    server = _server(client, ids[0])
    assert (server["job_id"], server["job_type"], server["job_status"], server["task_status"]) == \
        (job_id, "UPGRADE_ACCESS_AGENT", "WAITING", "upgrading_access_agent")
    assert server["job_time"].endswith("Z")

    sim.state.fast_forward(15)  # past the first 10 % of job_duration
    assert _job(client, job_id)["status"] == "RUNNING"
    server = _server(client, ids[0])
    assert server["job_status"] == "RUNNING" and server["vm_status"] == "ACTIVE"  # an HDA upgrade does not reboot
    assert sim.state.hda_version(ids[0]) == "24.12.0.1004"

    sim.state.fast_forward(90)
    job = _job(client, job_id)
    assert job["status"] == "SUCCESS" and job["end_time"]
    assert [sub["status"] for sub in job["sub_jobs"]] == ["SUCCESS", "SUCCESS"]
    sub = job["sub_jobs"][0]
    assert sub["job_resource_info"]["resource_id"] == ids[0]
    assert sub["job_id"] == job_id and sub["project_id"] == sim.credentials["project_id"]
    server = _server(client, ids[0])
    assert (server["job_status"], server["task_status"]) == ("SUCCESS", "upgrad_access_agent_success")
    assert sim.state.hda_version(ids[0]) == sim.state.latest_hda["SBC"]
    records = client.get("app-servers/access-agent/upgrade-record").json()
    assert records["count"] == 2
    assert {r["upgrade_status"] for r in records["items"]} == {"upgrade success"}


def test_zero_duration_job_is_done_on_the_next_read(make_simulator, client_for):
    sim = make_simulator(servers=2, seed=22, job_duration=0)
    client = client_for(sim)
    job_id = _upgrade(client, sim.state.server_ids())
    assert _job(client, job_id)["status"] == "SUCCESS"


def test_fail_next_job_fails_that_sub_job_and_the_parent(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=23, job_duration=0)
    client = client_for(sim)
    good, bad = sim.state.server_ids()[:2]
    sim.state.set_hda_version(bad, "24.12.0.1004")
    sim.state.fail_next_job([bad], error_code="WKS.00211401", error_msg="HDA package download failed.")
    job = _job(client, _upgrade(client, [good, bad]))
    assert job["status"] == "FAILED"
    subs = {sub["job_resource_info"]["resource_id"]: sub for sub in job["sub_jobs"]}
    assert subs[good]["status"] == "SUCCESS" and "error_code" not in subs[good]
    assert (subs[bad]["status"], subs[bad]["error_code"], subs[bad]["error_message"]) == \
        ("FAILED", "WKS.00211401", "HDA package download failed.")
    server = _server(client, bad)
    assert (server["job_status"], server["task_status"]) == ("FAILED", "upgrad_access_agent_fail")
    assert sim.state.hda_version(bad) == "24.12.0.1004"
    records = client.get("app-servers/access-agent/upgrade-record").json()["items"]
    assert {r["server_id"]: r["upgrade_status"] for r in records} == {good: "upgrade success", bad: "fail"}

    # times=1: the retry succeeds.
    assert _job(client, _upgrade(client, [bad]))["status"] == "SUCCESS"
    assert sim.state.hda_version(bad) == sim.state.latest_hda["SBC"]


def test_fail_next_job_with_another_end_status_ends_the_parent_with_it(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=23, job_duration=0)
    client = client_for(sim)
    ids = sim.state.server_ids()
    for server_id in ids:
        sim.state.set_hda_version(server_id, "24.12.0.1004")
    sim.state.fail_next_job([ids[0]], error_code="WKS.1", error_msg="rolled back", status="ROLLBACK")
    sim.state.fail_next_job([ids[1]], error_code="WKS.2", error_msg="abnormal", status="ABNORMAL")
    job = _job(client, _upgrade(client, ids))
    assert job["status"] == "ABNORMAL"  # ABNORMAL before ROLLBACK
    subs = {sub["job_resource_info"]["resource_id"]: sub for sub in job["sub_jobs"]}
    assert [subs[sid]["status"] for sid in ids] == ["ROLLBACK", "ABNORMAL", "SUCCESS"]
    assert subs[ids[1]]["error_code"] == "WKS.2"
    assert _server(client, ids[1])["job_status"] == "FAILED"  # a server record shows JobStatus values only
    with pytest.raises(ValueError, match="status must be one of"):
        sim.state.fail_next_job([ids[2]], status="BROKEN")


def test_v1_job_and_sub_job_list(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=24, job_duration=100)
    client = client_for(sim)
    ids = sim.state.server_ids()
    job_id = _upgrade(client, ids[:2])
    v1 = client.get("job/%s" % job_id).json()["job"]
    assert (v1["job_id"], v1["job_type"], v1["job_status"]) == (job_id, 1, 3)
    assert [sub["job_status"] for sub in v1["sub_jobs"]] == [3, 3]
    assert v1["sub_jobs"][0]["entities"][0]["resource_id"] == ids[0]
    sim.state.fast_forward(50)
    assert client.get("job/%s" % job_id).json()["job"]["job_status"] == 2
    sim.state.fail_next_job(ids[2])
    failed_job = _upgrade(client, ids[2:])
    sim.state.fast_forward(100)
    assert client.get("job/%s" % job_id).json()["job"]["job_status"] == 1
    failed = client.get("job/%s" % failed_job).json()["job"]
    assert failed["job_status"] == 0 and failed["execute_code"] == "WKS.00211401"

    subs = client.get("app-server-sub-jobs", params={"job_type": "UPGRADE_ACCESS_AGENT", "limit": 100}).json()
    assert subs["count"] == 3
    assert subs["items"][0]["job_id"] == failed_job  # newest first
    only = client.get("app-server-sub-jobs", params={"job_type": "UPGRADE_ACCESS_AGENT", "job_id": job_id}).json()
    assert only["count"] == 2
    failed_subs = client.get("app-server-sub-jobs", params={"job_type": "UPGRADE_ACCESS_AGENT",
                                                            "status": "FAILED"}).json()
    assert [sub["job_resource_info"]["resource_id"] for sub in failed_subs["items"]] == [ids[2]]


def test_change_image_job_effects(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=25, job_duration=100, images=["img-new"])
    client = client_for(sim)
    first, second, third = sim.state.server_ids()
    sim.state.set_hda_version(first, "24.12.0.1004")
    sim.state.set_hda_version(second, "24.12.0.1004")
    sim.state.fail_next_job(third, error_code="WKS.00211401", error_msg="Rebuild failed.")
    items = client.post("app-servers/actions/batch-change-image", {
        "server_ids": [first, second, third], "image_id": "img-new", "image_type": "gold", "os_type": "Windows",
        "image_product_id": "OFFI-1", "update_access_agent": True}).json()["items"]
    job_ids = [item["job_id"] for item in items]
    assert len(set(job_ids)) == 3 and all(len(job_id) == 18 for job_id in job_ids)
    assert _server(client, first)["job_id"] == job_ids[0]
    assert _server(client, first)["task_status"] == "rebuilding"

    sim.state.fast_forward(50)
    running = _server(client, first)
    assert (running["job_status"], running["vm_status"]) == ("RUNNING", "REBUILD")
    assert running["image_id"] != "img-new"

    sim.state.fast_forward(60)
    done = _server(client, first)
    assert (done["job_status"], done["vm_status"], done["image_id"]) == ("SUCCESS", "ACTIVE", "img-new")
    assert "task_status" not in done  # back to null
    assert sim.state.hda_version(first) == sim.state.latest_hda["SBC"]  # update_access_agent
    job = _job(client, job_ids[0])
    assert (job["job_type"], job["status"], job["sub_jobs_total"]) == ("CHANGE_SERVER_IMAGE", "SUCCESS", 1)

    failed = _server(client, third)
    assert (failed["job_status"], failed["task_status"], failed["vm_status"]) == ("FAILED", "rebuild_fail", "ACTIVE")
    assert failed["image_id"] != "img-new"
    assert _job(client, job_ids[2])["status"] == "FAILED"


def test_change_image_without_hda_update_keeps_the_version(make_simulator, client_for):
    sim = make_simulator(servers=1, seed=26, job_duration=0, images=["img-new"])
    client = client_for(sim)
    server_id = sim.state.server_ids()[0]
    sim.state.set_hda_version(server_id, "24.12.0.1004")
    client.post("app-servers/actions/batch-change-image", {
        "server_ids": [server_id], "image_id": "img-new", "image_type": "private", "os_type": "Windows"})
    assert _server(client, server_id)["image_id"] == "img-new"
    assert sim.state.hda_version(server_id) == "24.12.0.1004"


def test_tsvi_applies_the_group_setting_and_reboots(make_simulator, client_for):
    sim = make_simulator(servers=4, groups=2, seed=27, job_duration=100)
    client = client_for(sim)
    group_1, group_2 = (sim.state.group_by_name("sim-group-%d" % n) for n in (1, 2))
    on_server = sim.state.server_ids(group_1["id"])[0]
    off_server = sim.state.server_ids(group_2["id"])[0]
    sim.state.patch_server(on_server, tsvi_enabled=False)
    sim.state.patch_server(off_server, tsvi_enabled=True)
    sim.state.fail_next_job(sim.state.server_ids(group_2["id"])[1])
    response = client.patch("app-servers/actions/batch-update-tsvi", {"items": [
        {"id": on_server, "enable": False}, {"id": off_server, "enable": True},
        {"id": sim.state.server_ids(group_2["id"])[1], "enable": True}]})
    job_id = response.json()["job_id"]
    assert _server(client, on_server)["task_status"] == "updating_tsvi"
    sim.state.fast_forward(50)
    assert _server(client, on_server)["vm_status"] == "REBOOT"
    sim.state.fast_forward(60)
    assert _job(client, job_id)["status"] == "FAILED"
    assert sim.state.tsvi_enabled(on_server) is True
    assert sim.state.tsvi_enabled(off_server) is False
    done = _server(client, on_server)
    assert (done["job_type"], done["job_status"], done["vm_status"]) == ("UPDATE_SERVER_TSVI", "SUCCESS", "ACTIVE")
    assert "task_status" not in done
    assert _server(client, sim.state.server_ids(group_2["id"])[1])["task_status"] == "updating_tsvi_failed"


def test_hda_types_follow_group_and_gpu(make_simulator, client_for):
    sim = make_simulator(servers=0, groups=1, seed=28, job_duration=0)
    client = client_for(sim)
    vdi = sim.state.add_group("vdi-group", is_vdi=True)
    cpu = sim.state.add_server(vdi["id"], hda_version="1.0.0")
    gpu = sim.state.add_server(vdi["id"], is_gpu=True, hda_version="1.0.0")
    sbc = sim.state.add_server(sim.state.group_by_name("sim-group-1")["id"], hda_version="1.0.0")
    assert [sim.state.hda_type(s["id"]) for s in (cpu, gpu, sbc)] == ["OA_APP", "PT_APP", "SBC"]
    sim.state.set_latest_hda("26.1.0.1", hda_type="PT_APP")
    _upgrade(client, [cpu["id"], gpu["id"], sbc["id"]])
    sim.state.advance()
    assert sim.state.hda_version(gpu["id"]) == "26.1.0.1"
    assert sim.state.hda_version(cpu["id"]) == sim.state.latest_hda["OA_APP"]
    assert sim.state.hda_version(sbc["id"]) == sim.state.latest_hda["SBC"]
    per_type = {i["hda_type"]: i["latest_version"]
                for i in client.get("app-servers/access-agent/actions/show-latest-version").json()["items"]}
    assert per_type["PT_APP"] == "26.1.0.1"
    assert client.get("app-servers/access-agent/upgrade-flag").json()["upgrade_flag"] == 0


def test_maintenance_and_reboot(make_simulator, client_for):
    sim = make_simulator(servers=3, seed=29, job_duration=100)
    client = client_for(sim)
    ids = sim.state.server_ids()
    response = client.patch("app-servers/actions/batch-maint", {"items": ids[:2], "maintain_status": True})
    assert response.status_code == 200 and response.content == b""
    assert [sim.state.get_server(i)["maintain_status"] for i in ids] == [True, True, False]
    response = client.patch("app-servers/actions/batch-reboot", {"items": ids[:1], "type": "HARD"})
    assert response.status_code == 200 and response.content == b""
    assert _server(client, ids[0])["vm_status"] == "HARD_REBOOT"
    sim.state.fast_forward(101)
    assert _server(client, ids[0])["vm_status"] == "ACTIVE"
    assert response.headers["Content-Length"] == "0"
