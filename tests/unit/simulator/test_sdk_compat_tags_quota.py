"""The official SDK (huaweicloudsdkworkspaceapp 3.1.219) against the simulator's server-group tags and quota check
(issue 30): its models carry every field the wire needs, so no raw request is needed here."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (BatchCreateServerGroupTagsReq, BatchCreateServerGroupTagsRequest,
                                           BatchDeleteServerGroupTagsReq, BatchDeleteServerGroupTagsRequest,
                                           CheckQuotaRequest, ListServerGroupTagRequest, ServerGroupTagsInfo,
                                           ShowServerGroupTagRequest, TmsTag)

from tests.unit.simulator.test_sdk_compat import _client


@pytest.fixture
def sdk(make_simulator):
    sim = make_simulator(servers=3, groups=2, seed=5)
    creds = sim.credentials
    return sim, _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))


def _tags(group_id, **tags):
    return [ServerGroupTagsInfo(server_group_id=group_id, tags=[TmsTag(key=k, value=v) for k, v in tags.items()])]


def test_sdk_creates_lists_shows_and_deletes_server_group_tags(sdk):
    sim, client = sdk
    one, two = (sim.state.group_by_name(name)["id"] for name in ("sim-group-1", "sim-group-2"))
    client.batch_create_server_group_tags(BatchCreateServerGroupTagsRequest(
        body=BatchCreateServerGroupTagsReq(items=_tags(one, owner="cad", site="bj") + _tags(two, owner="ops"))))
    # the one-group read: each value a single string
    shown = client.show_server_group_tag(ShowServerGroupTagRequest(server_group_id=one))
    assert sorted((tag.key, tag.value) for tag in shown.tags) == [("owner", "cad"), ("site", "bj")]
    assert shown.sys_tags == []
    # the list for all groups: each key once, its values a list
    listed = client.list_server_group_tag(ListServerGroupTagRequest())
    assert sorted((tag.key, tag.values) for tag in listed.tags) == [("owner", ["cad", "ops"]), ("site", ["bj"])]
    # a key there takes the new value; the group's own read shows them as {key, value}
    client.batch_create_server_group_tags(BatchCreateServerGroupTagsRequest(
        body=BatchCreateServerGroupTagsReq(items=_tags(one, owner="cam"))))
    assert sorted((t["key"], t["value"]) for t in sim.state.get_group(one)["tags"]) == [("owner", "cam"),
                                                                                        ("site", "bj")]
    client.batch_delete_server_group_tags(BatchDeleteServerGroupTagsRequest(
        body=BatchDeleteServerGroupTagsReq(items=_tags(one, site="bj"))))
    shown = client.show_server_group_tag(ShowServerGroupTagRequest(server_group_id=one))
    assert [(tag.key, tag.value) for tag in shown.tags] == [("owner", "cam")]


@pytest.mark.parametrize("items, status", [
    ("too long", 400), ("duplicate", 400), ("too many", 400), ("unknown group", 404)])
def test_sdk_gets_bad_tag_requests_refused_and_nothing_changes(sdk, items, status):
    sim, client = sdk
    one = sim.state.group_by_name("sim-group-1")["id"]
    sim.state.get_group(one)["tags"] = [{"key": "k%02d" % i, "value": "v"} for i in range(15)]
    body = {"too long": _tags(one, **{"k" * 129: "v"}),
            "duplicate": [ServerGroupTagsInfo(server_group_id=one,
                                              tags=[TmsTag(key="a", value="1"), TmsTag(key="a", value="2")])],
            "too many": _tags(one, **dict(("n%d" % i, "v") for i in range(6))),
            "unknown group": _tags("no-such-group", a="1")}[items]
    with pytest.raises(ClientRequestException) as raised:
        client.batch_create_server_group_tags(BatchCreateServerGroupTagsRequest(
            body=BatchCreateServerGroupTagsReq(items=body)))
    assert raised.value.status_code == status
    assert len(sim.state.get_group(one)["tags"]) == 15


def test_sdk_checks_the_quota_against_the_configurable_remainder(sdk):
    sim, client = sdk
    sim.state.set_server_quota(5)  # 3 servers exist: 2 remain
    fits = client.check_quota(CheckQuotaRequest(product_id="workspace.appstream.general.xlarge.4", flavor_id="s6",
                                                subscription_num=2, disk_size=80, disk_num=1, is_period=False))
    assert fits.is_enough is True
    assert [(q.type, q.remainder, q.need) for q in fits.quota_remainder] == [("INSTANCES", 2, 2)]
    short = client.check_quota(CheckQuotaRequest(subscription_num=4))
    assert short.is_enough is False and (short.quota_remainder[0].remainder, short.quota_remainder[0].need) == (2, 4)
