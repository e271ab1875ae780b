"""The official SDK's client against the simulator's policy group endpoints: create (the original policy with the
request's policies merged in), list with the name filter, show, the group's policies and targets, the original
policy, update (policies merged, targets replaced), delete; every answer deserialized by the SDK's models. The SDK
3.1.219 request models carry every field the wire needs here, so no raw request is sent."""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkworkspaceapp.v1 import (
    CreatePolicyGroupReq, CreatePolicyGroupRequest, DeletePolicyGroupRequest, ListPolicyGroupRequest,
    ListPolicyOfPolicyGroupRequest, ListTargetsOfPolicyGroupRequest, Policies, PoliciesClient,
    PoliciesFileAndClipboard, PoliciesPeripherals, PoliciesPeripheralsUsbPortRedirection, PolicyGroupForCreate,
    PolicyGroupForUpdate, Sbc, Session, ShowOriginalPolicyInfoRequest, ShowPolicyGroupRequest, Target,
    UpdatePolicyGroupReq, UpdatePolicyGroupRequest)

from tests.unit.simulator.test_sdk_compat import _client


def test_sdk_creates_lists_shows_updates_and_deletes_a_policy_group(make_simulator):
    sim = make_simulator(servers=0, groups=0, seed=30)
    creds = sim.credentials
    client = _client(sim, BasicCredentials(creds["ak"], creds["sk"], creds["project_id"]))
    apps = sim.state.add_app_group("design-apps")

    created = client.create_policy_group(CreatePolicyGroupRequest(body=CreatePolicyGroupReq(
        policy_group=PolicyGroupForCreate(
            policy_group_name="security_baseline", priority=1, description="baseline",
            targets=[Target(target_id=apps["id"], target_name="design-apps", target_type="APPGROUP")],
            policies=Policies(
                file_and_clipboard=PoliciesFileAndClipboard(clipboard_redirection="SERVER_TO_CLIENT_ENABLED"),
                session=Session(sbc=Sbc(sbc_automatic_disconnection="AUTO_DISCONNECT")))))))
    group_id = created.id
    assert group_id in sim.state.policy_groups

    shown = client.show_policy_group(ShowPolicyGroupRequest(policy_group_id=group_id)).policy_group
    assert (shown.name, shown.priority, shown.description) == ("security_baseline", 1, "baseline")
    assert shown.policies.file_and_clipboard.clipboard_redirection == "SERVER_TO_CLIENT_ENABLED"
    assert shown.policies.session.sbc.sbc_automatic_disconnection == "AUTO_DISCONNECT"
    # the original policy where the request said nothing
    original = client.show_original_policy_info(ShowOriginalPolicyInfoRequest()).policies
    assert shown.policies.client.session_persistence_time == original.client.session_persistence_time == 180
    assert shown.policies.file_and_clipboard.file_redirection.redirection_mode == (
        original.file_and_clipboard.file_redirection.redirection_mode)
    assert [(t.target_type, t.target_id) for t in shown.targets] == [("APPGROUP", apps["id"])]

    client.create_policy_group(CreatePolicyGroupRequest(body=CreatePolicyGroupReq(
        policy_group=PolicyGroupForCreate(policy_group_name="security_baseline_old"))))
    listed = client.list_policy_group(ListPolicyGroupRequest(policy_group_name="security_baseline", limit=10))
    assert listed.count == 2
    assert sorted(g.name for g in listed.items) == ["security_baseline", "security_baseline_old"]
    assert listed.items[0].policies.client.automatic_reconnection_interval == 5

    client.update_policy_group(UpdatePolicyGroupRequest(policy_group_id=group_id, body=UpdatePolicyGroupReq(
        policy_group=PolicyGroupForUpdate(
            priority=2, targets=[Target(target_type="ALL")],
            policies=Policies(peripherals=PoliciesPeripherals(
                usb_port_redirection=PoliciesPeripheralsUsbPortRedirection(usb_enable=False)),
                client=PoliciesClient(forbid_screen_capture=True))))))
    policies = client.list_policy_of_policy_group(ListPolicyOfPolicyGroupRequest(policy_group_id=group_id)).policies
    assert policies.peripherals.usb_port_redirection.usb_enable is False
    assert policies.client.forbid_screen_capture is True and policies.client.session_persistence_time == 180
    assert policies.file_and_clipboard.clipboard_redirection == "SERVER_TO_CLIENT_ENABLED"  # merged, not replaced
    targets = client.list_targets_of_policy_group(ListTargetsOfPolicyGroupRequest(policy_group_id=group_id)).targets
    assert [(t.target_type, t.target_id, t.target_name) for t in targets] == [
        ("ALL", "default-apply-all-targets", "All-Targets")]

    with pytest.raises(ClientRequestException) as caught:  # names are unique
        client.create_policy_group(CreatePolicyGroupRequest(body=CreatePolicyGroupReq(
            policy_group=PolicyGroupForCreate(policy_group_name="security_baseline"))))
    assert caught.value.status_code == 400
    with pytest.raises(ClientRequestException) as caught:  # priority 1..the number of groups
        client.update_policy_group(UpdatePolicyGroupRequest(policy_group_id=group_id, body=UpdatePolicyGroupReq(
            policy_group=PolicyGroupForUpdate(priority=3))))
    assert caught.value.status_code == 400

    client.delete_policy_group(DeletePolicyGroupRequest(policy_group_id=group_id))
    assert group_id not in sim.state.policy_groups
    with pytest.raises(ClientRequestException) as caught:
        client.show_policy_group(ShowPolicyGroupRequest(policy_group_id=group_id))
    assert caught.value.status_code == 404
