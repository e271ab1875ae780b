"""Finding app groups: one by id or exact name, several from one listing (the simulator over HTTP)."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import app_groups, client, connection
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError


@pytest.fixture
def service(make_simulator):
    sim = make_simulator(servers=0, groups=1, seed=28)
    server_group = next(iter(sim.state.groups))
    sim.state.add_app_group("office", server_group)
    sim.state.add_app_group("office-2", server_group)
    sim.state.add_app_group("twin")
    sim.state.add_app_group("twin")
    sim.log.clear()
    creds = sim.credentials
    settings = connection.resolve_connection({"endpoint": sim.url, "region": creds["region"], "access_key": creds["ak"],
                                              "secret_key": creds["sk"], "project_id": creds["project_id"]},
                                             environ={})
    sim.client = lambda: client.Client(settings, state_dir=None)
    return sim


def by_name(service, name):
    return next(group for group in service.state.app_groups.values() if group["name"] == name)


def test_one_listing_resolves_ids_and_exact_names_in_order_each_once(service):
    client = service.client()
    office2 = by_name(service, "office-2")
    found = app_groups.resolve_app_groups(client, ids=[office2["id"]], names=["office", "office-2"])
    assert [group["name"] for group in found] == ["office-2", "office"]
    assert service.log.summary() == {"list_app_group": 1}


@pytest.mark.parametrize("ids, names, text", [
    (["nope"], [], "app_group_ids: no app group with id 'nope'; existing app groups: "),
    ([], ["offic"], "app_group_names: no app group is named 'offic'; existing app groups: "),
    ([], ["twin"], "app_group_names: 2 app groups are named 'twin'"),
])
def test_unknown_or_ambiguous_groups_fail_naming_them(service, ids, names, text):
    with pytest.raises(TargetError) as caught:
        app_groups.resolve_app_groups(service.client(), ids=ids, names=names)
    assert str(caught.value).startswith(text)


def test_one_group_by_exact_name_or_id(service):
    client = service.client()
    office = by_name(service, "office")
    assert app_groups.find_app_group(client, name="office")["id"] == office["id"]
    assert app_groups.find_app_group(client, app_group_id=office["id"])["name"] == "office"
    assert app_groups.find_app_group(client, name="missing", missing_ok=True) is None
    with pytest.raises(TargetError, match=r"app_group_name: no app group is named 'offic'; groups with similar names: office \("):
        app_groups.find_app_group(client, name="offic", option="app_group_name")
