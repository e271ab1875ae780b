"""servers.read_fleet (what the inventory plugin reads) and the HDA type helpers, against the simulator over HTTP."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client, connection, servers
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError


@pytest.fixture
def sim(make_simulator):
    sim = make_simulator(servers=230, groups=2, seed=3, outdated_hda=0.3)
    vdi = sim.state.add_group("vdi", is_vdi=True)
    sim.state.add_server(vdi["id"], name="vdi-cpu")
    sim.state.add_server(vdi["id"], name="vdi-gpu", is_gpu=True)
    sim.log.clear()
    return sim


@pytest.fixture
def api(sim):
    creds = sim.credentials
    settings = connection.resolve_connection({"endpoint": sim.url, "region": creds["region"], "access_key": creds["ak"],
                                              "secret_key": creds["sk"], "project_id": creds["project_id"]},
                                             environ={})
    return client.Client(settings, state_dir=None)


def calls(sim):
    return sim.log.summary()


def group_id(sim, name):
    return next(g["id"] for g in sim.state.groups.values() if g["name"] == name)


def test_every_server_in_pages_of_100_with_group_names(sim, api):
    fleet = servers.read_fleet(api)
    assert [s["id"] for s in fleet] == sorted(sim.state.servers)
    assert calls(sim) == {"list_server_groups": 1, "list_servers": 3}
    for record in fleet:
        assert record["server_group_name"] == sim.state.groups[record["server_group_id"]]["name"]
        assert "current_version" not in record


def test_hda_adds_version_type_and_latest_with_one_agent_listing(sim, api):
    sim.state.set_latest_hda("9.9.9.9", "PT_APP")
    fleet = dict((s["name"], s) for s in servers.read_fleet(api, hda=True))
    assert calls(sim) == {"list_server_groups": 1, "list_servers": 3, "list_server_hda_details": 3,
                          "list_access_agent_latest_version": 1}
    assert (fleet["vdi-gpu"]["hda_type"], fleet["vdi-gpu"]["latest_version"]) == ("PT_APP", "9.9.9.9")
    assert fleet["vdi-cpu"]["hda_type"] == "OA_APP"
    for record in fleet.values():
        assert record["current_version"] == sim.state.hda_version(record["id"])
        assert record["latest_version"] == sim.state.latest_hda_for(record["id"])


def test_selected_groups_are_listed_each_and_only_them(sim, api):
    vdi = group_id(sim, "vdi")
    fleet = servers.read_fleet(api, group_ids=[vdi], group_names=["vdi", "sim-group-1"], hda=True)
    assert set(s["server_group_id"] for s in fleet) == {vdi, group_id(sim, "sim-group-1")}
    assert len(fleet) == 2 + len(sim.state.server_ids(group_id(sim, "sim-group-1")))
    # the groups once; per group (named twice, read once) its servers and its agents
    assert calls(sim) == {"list_server_groups": 1, "list_servers": 3, "list_server_hda_details": 3,
                          "list_access_agent_latest_version": 1}


def test_name_maintenance_and_status_narrow_the_selection(sim, api):
    ids = sorted(sim.state.servers)
    sim.state.patch_server(ids[0], maintain_status=True, status="MAINTAINING")
    assert [s["id"] for s in servers.read_fleet(api, maintain_status=True)] == [ids[0]]
    assert [s["id"] for s in servers.read_fleet(api, statuses=["MAINTAINING"])] == [ids[0]]
    assert sorted(s["name"] for s in servers.read_fleet(api, name="vdi-")) == ["vdi-cpu", "vdi-gpu"]
    sim.log.clear()
    assert servers.read_fleet(api, name="nothing-like-this", hda=True) == []
    assert calls(sim) == {"list_server_groups": 1, "list_servers": 1}  # no agents read for no server


def test_unknown_groups_fail_naming_the_groups_there_are(sim, api):
    with pytest.raises(TargetError, match=r"server_group_names: no server group is named 'nope'; existing groups: "
                                          r"sim-group-1 \("):
        servers.read_fleet(api, group_names=["nope"])
    with pytest.raises(TargetError, match=r"server_group_ids: no server group with id 'x-1'"):
        servers.read_fleet(api, group_ids=["x-1"])
    assert calls(sim) == {"list_server_groups": 2}


def test_groups_sharing_a_name_are_all_selected():
    groups = [dict(id="a", name="apps"), dict(id="b", name="apps"), dict(id="c", name="other")]
    assert servers.select_groups(groups, group_names=["apps"]) == ["a", "b"]
    assert servers.select_groups(groups, group_ids=["c", "a"], group_names=["apps"]) == ["c", "a", "b"]
    assert servers.select_groups(groups) is None


@pytest.mark.parametrize("is_vdi, is_gpu, expected", [(False, False, "SBC"), (False, True, "SBC"),
                                                      (True, False, "OA_APP"), (True, True, "PT_APP")])
def test_hda_type(is_vdi, is_gpu, expected):
    assert servers.hda_type(is_vdi, is_gpu) == expected


def test_latest_for_falls_back_to_sbc():
    assert servers.latest_for({"SBC": "1", "PT_APP": "2"}, "PT_APP") == "2"
    assert servers.latest_for({"SBC": "1"}, "OA_APP") == "1"


def test_each_server_carries_its_groups_tags_as_a_dict_with_no_request_of_their_own(sim, api):
    vdi = sim.state.groups[group_id(sim, "vdi")]
    vdi["tags"] = [{"key": "owner", "value": "cad"}, {"key": "cost_center", "value": "4711"}]
    fleet = servers.read_fleet(api)
    assert calls(sim) == {"list_server_groups": 1, "list_servers": 3}  # the same requests as without tags
    for record in fleet:
        expected = {"owner": "cad", "cost_center": "4711"} if record["server_group_id"] == vdi["id"] else {}
        assert record["server_group_tags"] == expected
