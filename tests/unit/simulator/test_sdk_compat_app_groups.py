"""The official SDK's client against the simulator's app group endpoints (create, list, show, update, delete)."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (BatchDeleteAppGroupRequest, CreateAppGroupReq, CreateAppGroupRequest,
                                           DeleteAppGroupReq, DeleteAppGroupRequest, ListAppGroupRequest,
                                           ShowAppGroupDetailRequest, UpdateAppGroupReq, UpdateAppGroupRequest)

from tests.unit.simulator.test_sdk_compat import _client


def test_sdk_creates_lists_updates_and_deletes_app_groups(make_simulator):
    sim = make_simulator(servers=1, groups=2, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    server_group_id = sim.state.server_ids() and next(iter(sim.state.groups))

    created = client.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(
        name="sdk-apps", app_server_group_id=server_group_id, description="office", authorization_type="APP_GROUP",
        app_type="COMMON_APP")))
    assert created.id and created.name == "sdk-apps" and created.app_server_group_id == server_group_id
    assert created.app_server_group_name == sim.state.groups[server_group_id]["name"] and created.app_count == 0
    other = client.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="sdk-apps-2")))
    assert other.authorization_type == "APP_GROUP" and other.app_type == "COMMON_APP"

    listed = client.list_app_group(ListAppGroupRequest(name="sdk-apps", limit=100))
    assert listed.count == 2 and sorted(group.name for group in listed.items) == ["sdk-apps", "sdk-apps-2"]
    by_server_group = client.list_app_group(ListAppGroupRequest(app_server_group_id=server_group_id))
    assert [group.id for group in by_server_group.items] == [created.id]

    updated = client.update_app_group(UpdateAppGroupRequest(app_group_id=other.id, body=UpdateAppGroupReq(
        name="sdk-renamed", description="new", app_server_group_id=server_group_id)))
    assert (updated.name, updated.description, updated.app_server_group_id) == ("sdk-renamed", "new",
                                                                                server_group_id)
    shown = client.show_app_group_detail(ShowAppGroupDetailRequest(app_group_id=other.id))
    assert shown.name == "sdk-renamed" and shown.app_server_group_name

    client.delete_app_group(DeleteAppGroupRequest(app_group_id=created.id))
    client.delete_app_group(DeleteAppGroupRequest(app_group_id=created.id))  # gone: 200 all the same
    client.batch_delete_app_group(BatchDeleteAppGroupRequest(body=DeleteAppGroupReq(ids=[other.id, "missing"])))
    assert sim.state.app_groups == {}
    with pytest.raises(ClientRequestException) as caught:
        client.show_app_group_detail(ShowAppGroupDetailRequest(app_group_id=created.id))
    assert caught.value.status_code == 404
    with pytest.raises(ClientRequestException) as caught:
        client.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="has space")))
    assert caught.value.status_code == 400


def test_sdk_duplicate_names_an_empty_description_and_a_bound_server_group(make_simulator):
    """What the collection's app_group relies on: names may repeat, ``""`` clears the description, a bound server
    group cannot be changed (400), a group without one is bound; a batch delete counts its ids in the log."""
    sim = make_simulator(servers=0, groups=2, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    first_group, second_group = list(sim.state.groups)
    one = client.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(
        name="twin", app_server_group_id=first_group, description="d")))
    two = client.create_app_group(CreateAppGroupRequest(body=CreateAppGroupReq(name="twin")))
    assert one.id != two.id and client.list_app_group(ListAppGroupRequest(name="twin")).count == 2

    cleared = client.update_app_group(UpdateAppGroupRequest(app_group_id=one.id, body=UpdateAppGroupReq(
        description="")))
    assert cleared.description == ""
    with pytest.raises(ClientRequestException) as caught:
        client.update_app_group(UpdateAppGroupRequest(app_group_id=one.id, body=UpdateAppGroupReq(
            app_server_group_id=second_group)))
    assert caught.value.status_code == 400
    bound = client.update_app_group(UpdateAppGroupRequest(app_group_id=two.id, body=UpdateAppGroupReq(
        app_server_group_id=second_group)))
    assert bound.app_server_group_id == second_group

    sim.log.clear()
    client.batch_delete_app_group(BatchDeleteAppGroupRequest(body=DeleteAppGroupReq(ids=[one.id, two.id])))
    (deleted,) = sim.log.mutations()
    assert deleted.operation == "batch_delete_app_group" and deleted.items == 2
