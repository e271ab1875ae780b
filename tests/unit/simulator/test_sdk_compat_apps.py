"""The official SDK's client against the simulator's published application endpoints: publishable apps, publish,
check, list (partial name match), show, update, enable, disable and unpublish."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (BatchDisableAppRequest, BatchEnableAppRequest, BatchUpdateAppReq,
                                           CheckPublishAppReq, CheckPublishAppRequest, ListPublishedAppRequest,
                                           PublishApp, PublishAppReq, PublishAppRequest, ShowAppDetailRequest,
                                           ShowPublishableAppRequest, UnpublishAppReq, UnpublishAppRequest,
                                           UpdateAppReq, UpdateAppRequest)

from tests.unit.simulator.test_sdk_compat import _client


def test_sdk_publishes_lists_updates_enables_disables_and_unpublishes_apps(make_simulator):
    sim = make_simulator(servers=1, groups=1, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    server_group_id = next(iter(sim.state.groups))
    group = sim.state.add_app_group("office", server_group_id)
    image_id = sim.state.group_images(group["id"])[0]
    sim.state.set_image_apps(image_id, [{"name": "Excel", "execute_path": "C:\\Office\\excel.exe", "icon_index": 0},
                                        {"name": "Word", "execute_path": "C:\\Office\\winword.exe"}])

    offered = client.show_publishable_app(ShowPublishableAppRequest(app_group_id=group["id"]))
    assert offered.count == 2 and offered.group_images == [image_id]
    assert [(app.name, app.publishable, app.source_type, app.source_image_ids) for app in offered.items] == [
        ("Excel", True, 2, [image_id]), ("Word", True, 2, [image_id])]

    check = client.check_publish_app(CheckPublishAppRequest(
        app_group_id=group["id"], body=CheckPublishAppReq(name="Excel")))
    assert check.result is True
    published = client.publish_app(PublishAppRequest(app_group_id=group["id"], body=PublishAppReq(items=[
        PublishApp(name="Excel", source_type=2, execute_path="C:\\Office\\excel.exe", source_image_ids=[image_id]),
        PublishApp(name="Excel Viewer", source_type=3, execute_path="C:\\Tools\\xlview.exe", sandbox_enable=True,
                   version="1.0", publisher="me", icon_index=1)])))
    assert published.count == 2 and [app.state for app in published.items] == ["NORMAL", "NORMAL"]
    excel, viewer = published.items
    assert viewer.sandbox_enable is True and viewer.source_type == 3 and viewer.app_group_id == group["id"]
    assert sim.state.app_group_view(group)["app_count"] == 2
    duplicate = client.check_publish_app(CheckPublishAppRequest(
        app_group_id=group["id"], body=CheckPublishAppReq(name="Excel")))
    assert (duplicate.result, duplicate.validate_rule) == (False, "duplicate")
    naming = client.check_publish_app(CheckPublishAppRequest(
        app_group_id=group["id"], body=CheckPublishAppReq(name="a/b")))
    assert (naming.result, naming.validate_rule) == (False, "naming")
    shown = client.show_publishable_app(ShowPublishableAppRequest(app_group_id=group["id"]))
    assert [(app.name, app.publishable) for app in shown.items] == [("Excel", False), ("Word", True)]

    partial = client.list_published_app(ListPublishedAppRequest(app_group_id=group["id"], name="excel"))
    assert partial.count == 2  # the service's name filter matches parts of names, any case
    one = client.list_published_app(ListPublishedAppRequest(app_group_id=group["id"], app_id=viewer.id, limit=1))
    assert [app.name for app in one.items] == ["Excel Viewer"]
    missing_group = client.list_published_app(ListPublishedAppRequest(app_group_id="no-such-group"))
    assert missing_group.count == 0 and missing_group.items == []

    updated = client.update_app(UpdateAppRequest(app_group_id=group["id"], app_id=viewer.id, body=UpdateAppReq(
        description="read only", command_param="/r", state="FORBIDDEN")))
    assert (updated.description, updated.command_param, updated.state) == ("read only", "/r", "FORBIDDEN")
    client.batch_enable_app(BatchEnableAppRequest(app_group_id=group["id"], body=BatchUpdateAppReq(ids=[viewer.id])))
    client.batch_disable_app(BatchDisableAppRequest(app_group_id=group["id"], body=BatchUpdateAppReq(
        ids=[excel.id, "unknown"])))
    detail = client.show_app_detail(ShowAppDetailRequest(app_group_id=group["id"], app_id=excel.id))
    assert detail.state == "FORBIDDEN" and detail.name == "Excel"
    forbidden = client.list_published_app(ListPublishedAppRequest(app_group_id=group["id"], state="FORBIDDEN"))
    assert [app.id for app in forbidden.items] == [excel.id]

    client.unpublish_app(UnpublishAppRequest(app_group_id=group["id"], body=UnpublishAppReq(ids=[excel.id, "gone"])))
    client.unpublish_app(UnpublishAppRequest(app_group_id="no-such-group", body=UnpublishAppReq(ids=["x"])))
    assert sim.state.app_names(group["id"]) == ["Excel Viewer"]
    with pytest.raises(ClientRequestException) as caught:
        client.show_app_detail(ShowAppDetailRequest(app_group_id=group["id"], app_id=excel.id))
    assert caught.value.status_code == 404


@pytest.mark.parametrize("item, why", [
    (dict(name="Excel Viewer", source_type=3, execute_path="x.exe"), "duplicate"),
    (dict(name="Solitaire", source_type=2, execute_path="sol.exe"), "not an application the app group's image"),
    (dict(name="Tool", source_type=3), "execute_path is required"),
    (dict(name="Tool", source_type=1, execute_path="t.exe"), "source_type"),
    (dict(name="a<b", source_type=3, execute_path="t.exe"), "must not contain <"),
    (dict(name="x" * 65, source_type=3, execute_path="t.exe"), "1 to 64"),
])
def test_sdk_publish_refusals_are_400_and_publish_nothing(make_simulator, item, why):
    sim = make_simulator(servers=1, groups=1, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    group = sim.state.add_app_group("office", next(iter(sim.state.groups)))
    sim.state.publish_apps(group["id"], [dict(name="Excel Viewer", source_type=3, execute_path="x.exe")])
    with pytest.raises(ClientRequestException) as caught:
        client.publish_app(PublishAppRequest(app_group_id=group["id"], body=PublishAppReq(items=[
            PublishApp(name="Fine", source_type=3, execute_path="f.exe"), PublishApp(**item)])))
    assert caught.value.status_code == 400 and why in caught.value.error_msg
    assert sim.state.app_names(group["id"]) == ["Excel Viewer"]  # all or nothing


def test_sdk_publishable_apps_404_when_the_group_has_no_server_group_or_servers(make_simulator):
    sim = make_simulator(servers=0, groups=1, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    unbound = sim.state.add_app_group("unbound")
    empty = sim.state.add_app_group("empty", next(iter(sim.state.groups)))
    for group_id in (unbound["id"], empty["id"]):
        with pytest.raises(ClientRequestException) as caught:
            client.show_publishable_app(ShowPublishableAppRequest(app_group_id=group_id))
        # the service's empty message (the SDK then shows the body)
        assert caught.value.status_code == 404 and '"error_msg":""' in caught.value.error_msg.replace(" ", "")
    with pytest.raises(ClientRequestException) as caught:
        client.show_publishable_app(ShowPublishableAppRequest(app_group_id="no-such-group"))
    assert caught.value.status_code == 404 and "app group does not exist" in caught.value.error_msg
