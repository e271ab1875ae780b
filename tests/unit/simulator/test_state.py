"""The default fleet, determinism, builder methods and the cost of a big page."""

import time

import pytest

from simulator import Simulator
from simulator.state import DEFAULT_LATEST_HDA, FleetState


def test_default_fleet_shape():
    state = FleetState(servers=100, groups=3, seed=0, outdated_hda=0.3)
    groups = list(state.groups.values())
    assert [group["name"] for group in groups] == ["sim-group-1", "sim-group-2", "sim-group-3"]
    assert [(g["app_type"], g["ip_virtual"]["enable"], g["is_vdi"]) for g in groups] == [
        ("SESSION_DESKTOP_APP", True, False), ("COMMON_APP", False, False), ("COMMON_APP", False, False)]
    assert all(group["route_policy"] and group["image_id"] and group["product_id"] for group in groups)
    servers = list(state.servers.values())
    assert [server["name"] for server in servers[:3]] == ["sim-server-0001", "sim-server-0002", "sim-server-0003"]
    assert [server["server_group_id"] for server in servers[:4]] == [g["id"] for g in groups] + [groups[0]["id"]]
    assert all(s["status"] == "REGISTERED" and s["vm_status"] == "ACTIVE" and s["maintain_status"] is False
               for s in servers)
    assert {s["session_count"] for s in servers} <= {0, 1, 2, 3}
    assert all(s["image_id"] == state.groups[s["server_group_id"]]["image_id"] for s in servers)
    outdated = [s for s in servers if state.hda_version(s["id"]) != DEFAULT_LATEST_HDA["SBC"]]
    assert len(outdated) == 30
    assert len({s["id"] for s in servers}) == 100
    assert len({s["host_address"][0]["addr"] for s in servers}) == 100


def test_same_seed_same_ids_other_seed_other_ids():
    def fingerprint(seed):
        state = FleetState(servers=20, groups=2, seed=seed, outdated_hda=0.5, job_duration=0)
        ids = list(state.servers)
        job = state.upgrade_hda(ids[:2])
        outdated = [sid for sid in ids if state.hda_version(sid) != DEFAULT_LATEST_HDA["SBC"]]
        return list(state.groups), ids, job["id"], outdated, state.project_id

    assert fingerprint(5) == fingerprint(5)
    assert fingerprint(5)[1] != fingerprint(6)[1]
    job_id = fingerprint(5)[2]
    assert job_id.isdigit() and len(job_id) == 18
    assert Simulator(servers=1, seed=9).credentials["sk"] == Simulator(servers=1, seed=9).credentials["sk"]


def test_builders_and_patching():
    state = FleetState(servers=0, groups=1, seed=1)
    group = state.add_group("gpu-pool", is_vdi=True, is_gpu=True, ip_virtual=True, image_type="gold",
                            image_product_id="OFFI-9", route_policy={"max_session": 1, "gpu_threshold": 90})
    server = state.add_server(group["id"], name="render-01", session_count=1, maintain_status=True)
    assert server["product_info"]["is_gpu"] is True
    assert state.hda_type(server["id"]) == "PT_APP"
    assert state.hda_version(server["id"]) == DEFAULT_LATEST_HDA["PT_APP"]
    assert state.tsvi_enabled(server["id"]) is True
    assert state.get_server(server["id"]) is server
    state.patch_server(server["id"], hda_version="1.2.3", vm_status="SHUTOFF", tsvi_enabled=False)
    assert (state.hda_version(server["id"]), server["vm_status"], state.tsvi_enabled(server["id"])) == \
        ("1.2.3", "SHUTOFF", False)
    with pytest.raises(KeyError):
        state.patch_server(server["id"], hda_versoin="typo")
    with pytest.raises(KeyError):
        state.add_server("no-such-group")
    with pytest.raises(ValueError):
        state.set_latest_hda("1.0", hda_type="XYZ")
    assert state.group_view(group)["app_server_count"] == 1
    assert "ip_virtual" not in state.group_view(group) and "ip_virtual" in state.group_view(group, detail=True)


def test_fail_next_job_times(make_simulator):
    sim = make_simulator(servers=1, seed=2, job_duration=0)
    server_id = sim.state.server_ids()[0]
    sim.state.fail_next_job(server_id, error_code="WKS.00211499", error_msg="boom", times=2)
    statuses = []
    for _unused in range(3):
        job = sim.state.upgrade_hda([server_id])
        sim.state.advance()
        statuses.append((job["status"], job["sub_jobs"][0]["error_code"]))
    assert statuses == [("FAILED", "WKS.00211499"), ("FAILED", "WKS.00211499"), ("SUCCESS", None)]


def test_thousand_servers_page_is_fast(make_simulator, client_for):
    sim = make_simulator(servers=1000, groups=4, seed=3)
    client = client_for(sim, token=sim.credentials["auth_token"])
    client.get("app-servers", params={"limit": 100})
    started = time.perf_counter()
    for offset in range(0, 1000, 100):
        response = client.get("app-servers", params={"limit": 100, "offset": offset})
        assert len(response.json()["items"]) == 100
    per_page = (time.perf_counter() - started) / 10
    # A few milliseconds on a normal machine; the bound is loose so a loaded CI box does not flake.
    assert per_page < 0.1
