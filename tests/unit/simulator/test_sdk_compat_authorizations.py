"""The official SDK's client against the simulator's authorization and mail endpoints (grant, list, batch delete,
send the authorization mail, list the mail records)."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (AccountInfo, AddAppGroupAuthorizationRequest, AppGroupAuthorizeReq,
                                           BatchDeleteAppGroupAuthorizationRequest, ListAppGroupAuthorizationRequest,
                                           ListAuthorizationMailRecordRequest, ResendAuthorizedMailReq,
                                           SendAuthorizedMailRequest)

from tests.unit.simulator.test_sdk_compat import _client


def test_sdk_grants_lists_mails_and_removes_authorizations(make_simulator):
    sim = make_simulator(servers=1, groups=1, seed=28)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    first, second = sim.state.add_app_group("office"), sim.state.add_app_group("cad")
    (team,) = [entry for entry in sim.state.directory() if entry["account_type"] == "USER_GROUP"]
    sim.state.add_directory_accounts(count=12)

    accounts = [AccountInfo(account="alice", account_type="USER", domain="example.com"),
                AccountInfo(account="nobody", account_type="USER"),  # unknown: 200, not stored
                AccountInfo(id=team["id"], account=team["account"], account_type="USER_GROUP"),
                AccountInfo(account=team["account"], account_type="USER_GROUP")]  # a group without its id: unknown
    client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[first["id"], second["id"], "missing-group"], accounts=accounts)))
    users = [AccountInfo(account="user%04d" % n, account_type="USER") for n in range(12)]
    client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[first["id"]], accounts=users)))

    listed = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=first["id"]))
    assert listed.count == 14 and len(listed.authorizations) == 10  # 10 a page by default
    page = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(
        app_group_id=first["id"], offset=10, limit=100))
    assert len(page.authorizations) == 4
    mine = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(account="alice", limit=100))
    assert sorted(a.app_group_name for a in mine.authorizations) == ["cad", "office"]
    alice = mine.authorizations[0]
    assert (alice.account_type, alice.authorization_type, alice.platform_type, alice.domain) == (
        "USER", "APP_GROUP", "LOCAL", "example.com")
    groups = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(account_type="USER_GROUP"))
    assert [(a.account, a.account_id) for a in groups.authorizations] == [(team["account"], team["id"])] * 2
    by_id = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(account_id=team["id"]))
    assert by_id.count == 2
    assert sim.state.duplicate_grants == 0
    client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[first["id"]], accounts=accounts[:1])))
    assert sim.state.duplicate_grants == 1 and len(sim.state.list_authorizations(account="alice")) == 2

    client.send_authorized_mail(SendAuthorizedMailRequest(body=ResendAuthorizedMailReq(
        records=[a.id for a in mine.authorizations] + ["no-such-record"])))
    mails = client.list_authorization_mail_record(ListAuthorizationMailRecordRequest(account="alice"))
    assert mails.count == 2 and {(m.mail_send_type, m.mail_send_result, m.account_auth_type)
                                 for m in mails.records} == {("ADD_GROUP_AUTHORIZATION", "SUCCESS", "USER")}
    assert sorted(m.app_group_name for m in mails.records) == ["cad", "office"]

    client.batch_delete_app_group_authorization(BatchDeleteAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[second["id"]], accounts=accounts)))
    client.batch_delete_app_group_authorization(BatchDeleteAppGroupAuthorizationRequest(body=AppGroupAuthorizeReq(
        app_group_ids=[second["id"]], accounts=accounts)))  # nothing left: 200 all the same
    left = client.list_app_group_authorization(ListAppGroupAuthorizationRequest(app_group_id=second["id"]))
    assert left.count == 0 and left.authorizations == []

    too_many = [AccountInfo(account="user%04d" % n, account_type="USER") for n in range(51)]
    for body in (AppGroupAuthorizeReq(app_group_ids=[first["id"]], accounts=too_many),
                 AppGroupAuthorizeReq(app_group_ids=["g%d" % n for n in range(11)], accounts=accounts[:1]),
                 AppGroupAuthorizeReq(app_group_ids=[first["id"]],
                                      accounts=[AccountInfo(account="x", account_type="ROBOT")])):
        with pytest.raises(ClientRequestException) as caught:
            client.add_app_group_authorization(AddAppGroupAuthorizationRequest(body=body))
        assert caught.value.status_code == 400
    log = sim.log.requests(operation="add_app_group_authorization")
    assert [call.items for call in log[:2]] == [12, 12]  # pairs named: 3 groups x 4 accounts, 1 x 12
