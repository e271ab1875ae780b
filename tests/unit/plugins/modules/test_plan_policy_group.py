"""app_policy_group through main() against recorded API answers: a create starts from the service's original policy
with the keys set merged in, a re-run sends nothing, only the differing policy leaves are compared (a deep subset;
each touched section sent whole), --check --diff shows the drift key by key and sends nothing, unknown keys and bad
values are refused before any request naming the key path and the allowed keys, targets (app group names resolved
to ids, ALL, users by id) compared as a set, absent deletes."""

import copy

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_policy_group as module

from simulator.routing import EMPTY

BASELINE = {
    "file_and_clipboard": {"clipboard_redirection": "SERVER_TO_CLIENT_ENABLED",
                           "file_redirection": {"redirection_mode": "DISABLED"}},
    "peripherals": {"usb_port_redirection": {"usb_enable": False}},
    "session": {"sbc": {"sbc_automatic_disconnection": "AUTO_DISCONNECT",
                        "sbc_automatic_disconnection_options": {"disconnection_waiting_time": 30}}},
}


def by_service(service):
    """The service's answers to create, update and delete: the simulator's model carries them out."""
    state = service.state

    def create(request):
        return {"id": state.create_policy_group(dict(request.body["policy_group"]))["id"]}

    def update(request):
        group_id = request.path.rsplit("/", 1)[1]
        return {"id": state.update_policy_group(group_id, dict(request.body["policy_group"]))["id"]}

    def delete(request):
        state.delete_policy_group(request.path.rsplit("/", 1)[1])
        return EMPTY

    service.reply("create_policy_group", create)
    service.reply("update_policy_group", update)
    service.reply("delete_policy_group", delete)


def operations(service):
    return [request.operation for request in service.requests]


def test_create_merges_into_the_original_policy_then_a_rerun_reads_twice_and_sends_nothing(service, run):
    by_service(service)
    apps = service.state.add_app_group("design-apps")
    options = dict(name="design_baseline", priority=1, description="baseline", policies=BASELINE,
                   targets=[{"type": "APPGROUP", "name": "design-apps"}])
    result = run(module, diff=True, **options)
    assert not result.failed and result["changed"] is True, result
    (sent,) = service.mutations
    assert sent.body == {"policy_group": {
        "policy_group_name": "design_baseline", "priority": 1, "description": "baseline", "policies": BASELINE,
        "targets": [{"target_type": "APPGROUP", "target_id": apps["id"], "target_name": "design-apps"}]}}
    group = result["policy_group"]
    # the service's original policy stays where the baseline says nothing
    assert group["policies"]["audio"]["audio_redirection_enable"] is True
    assert group["policies"]["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert group["policies"]["file_and_clipboard"]["clipboard_redirection_options"] == {
        "rich_text_redirection_enable": True}

    service.requests.clear()
    again = run(module, diff=True, **options)
    assert again["changed"] is False and again["changes"] == {} and service.mutations == []
    assert again["diff"] == {"before": {}, "after": {}}
    # the no-op run: the app groups (target names), the policy groups by name, the group
    assert operations(service) == ["list_app_group", "list_policy_group", "show_policy_group"]
    service.requests.clear()
    bare = run(module, name="design_baseline", policies=BASELINE)
    assert bare["changed"] is False and operations(service) == ["list_policy_group", "show_policy_group"]


def test_only_the_leaves_set_are_compared_and_a_drift_is_shown_key_by_key_in_check_mode(service, run):
    by_service(service)
    group = service.state.create_policy_group({"policy_group_name": "base", "policies": BASELINE})
    # a drift made outside Ansible, and a key the task does not name
    service.state.update_policy_group(group["id"], {"policies": {
        "file_and_clipboard": {"clipboard_redirection": "TWO_WAY_ENABLED", "bypass_in_remote_app_enable": True},
        "client": {"forbid_screen_capture": True}}})
    before = copy.deepcopy(group)
    result = run(module, check=True, diff=True, name="base", policies=BASELINE)
    assert result["changed"] is True and service.mutations == []
    assert group == before
    assert result["diff"] == {
        "before": {"policies": {"file_and_clipboard.clipboard_redirection": "TWO_WAY_ENABLED"}},
        "after": {"policies": {"file_and_clipboard.clipboard_redirection": "SERVER_TO_CLIENT_ENABLED"}}}
    # the touched section is sent whole (as read, the differing key merged in); the others are not sent
    section = result["changes"]["policies"]["file_and_clipboard"]
    assert list(result["changes"]["policies"]) == ["file_and_clipboard"]
    assert section["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert section["bypass_in_remote_app_enable"] is True and section["file_redirection"]["redirection_mode"] == (
        "DISABLED")
    assert result["policy_group"]["policies"]["client"]["forbid_screen_capture"] is True

    fixed = run(module, diff=True, name="base", policies=BASELINE)
    assert fixed["changed"] is True and [r.operation for r in service.mutations] == ["update_policy_group"]
    assert group["policies"]["file_and_clipboard"]["clipboard_redirection"] == "SERVER_TO_CLIENT_ENABLED"
    assert group["policies"]["client"]["forbid_screen_capture"] is True  # not named: kept
    assert fixed.warning_texts == []  # the re-read shows the change
    assert run(module, name="base", policies=BASELINE)["changed"] is False


def test_text_values_of_booleans_and_integers_from_a_survey_compare_equal(service, run):
    by_service(service)
    service.state.create_policy_group({"policy_group_name": "base", "policies": BASELINE})
    texts = {"peripherals": {"usb_port_redirection": {"usb_enable": "false"}},
             "session": {"sbc": {"sbc_automatic_disconnection_options": {"disconnection_waiting_time": "30"}}}}
    result = run(module, name="base", policies=texts)
    assert not result.failed and result["changed"] is False and service.mutations == []


def test_an_unknown_key_is_refused_before_any_request_naming_its_path_and_the_allowed_keys(service, run):
    result = run(module, name="base", policies={"file_and_clipboard": {"clipboard": "DISABLED"}})
    assert result.failed and service.requests == []
    assert result["msg"].startswith("policies.file_and_clipboard.clipboard: unknown key; allowed keys at "
                                    "policies.file_and_clipboard are bypass_in_remote_app_enable, "
                                    "clipboard_redirection, clipboard_redirection_options, ")
    deep = run(module, name="base", policies={"session": {"sbc": {"timeout": 5}}})
    assert deep.failed and "policies.session.sbc.timeout: unknown key" in deep["msg"]
    assert "sbc_automatic_disconnection, sbc_automatic_disconnection_options" in deep["msg"]
    top = run(module, name="base", policies={"watermark": {"enable": True}})
    assert top.failed and top["msg"].startswith("policies.watermark: unknown key; allowed keys at policies are audio,")
    assert service.requests == []


def test_bad_values_are_refused_before_any_request_naming_the_allowed_values(service, run):
    checks = [
        ({"file_and_clipboard": {"clipboard_redirection": "ONE_WAY"}},
         "policies.file_and_clipboard.clipboard_redirection: 'ONE_WAY' is not one of DISABLED, "
         "SERVER_TO_CLIENT_ENABLED, CLIENT_TO_SERVER_ENABLED, TWO_WAY_ENABLED"),
        ({"client": {"session_persistence_time": "long"}}, "policies.client.session_persistence_time: 'long' is not "
                                                           "an integer"),
        ({"peripherals": {"usb_port_redirection": {"usb_enable": "maybe"}}},
         "policies.peripherals.usb_port_redirection.usb_enable: 'maybe' is not a boolean"),
        ({"client": "off"}, "policies.client: must be a dict of the keys automatic_reconnection_interval, "
                            "forbid_screen_capture, session_persistence_time"),
    ]
    for policies, message in checks:
        result = run(module, name="base", policies=policies)
        assert result.failed and result["msg"].startswith(message), result["msg"]
    bad_target = run(module, name="base", targets=[{"type": "USER", "name": "alice"}])
    assert bad_target.failed and bad_target["msg"].startswith("targets[0].id: required for type USER")
    assert run(module, name="bad name", priority=1).failed
    assert service.requests == []


def test_targets_are_resolved_and_compared_as_a_set(service, run):
    by_service(service)
    design = service.state.add_app_group("design-apps")
    office = service.state.add_app_group("office-apps")
    group = service.state.create_policy_group({"policy_group_name": "base", "targets": [
        {"target_type": "APPGROUP", "target_id": design["id"], "target_name": "design-apps"},
        {"target_type": "USER", "target_id": "u-1", "target_name": "alice"}]})
    same_set = [{"type": "USER", "id": "u-1"}, {"type": "APPGROUP", "id": design["id"]}]
    assert run(module, name="base", targets=same_set)["changed"] is False and service.mutations == []

    result = run(module, diff=True, name="base", targets=[{"type": "APPGROUP", "name": "office-apps"},
                                                          {"type": "ALL"}])
    assert result["changed"] is True
    (sent,) = service.mutations
    assert sent.body == {"policy_group": {"targets": [
        {"target_type": "APPGROUP", "target_id": office["id"], "target_name": "office-apps"},
        {"target_type": "ALL", "target_id": "default-apply-all-targets", "target_name": "All-Targets"}]}}
    assert result["diff"] == {
        "before": {"targets": ["APPGROUP design-apps (%s)" % design["id"], "USER alice (u-1)"]},
        "after": {"targets": ["ALL", "APPGROUP office-apps (%s)" % office["id"]]}}
    assert [t["target_type"] for t in group["targets"]] == ["APPGROUP", "ALL"]

    service.requests.clear()
    unknown = run(module, name="base", targets=[{"type": "APPGROUP", "name": "nope"}])
    assert unknown.failed and unknown["msg"].startswith("targets.name: no app group is named 'nope'")
    assert service.mutations == []


def test_priority_and_description_then_absent_deletes_and_a_missing_group_is_no_change(service, run):
    by_service(service)
    service.state.create_policy_group({"policy_group_name": "first"})
    group = service.state.create_policy_group({"policy_group_name": "base", "description": "old"})
    result = run(module, name="base", priority=1, description="")
    assert result["changed"] is True and [r.body for r in service.mutations] == [
        {"policy_group": {"priority": 1, "description": ""}}]
    assert group["priority"] == 1
    service.requests.clear()
    gone = run(module, check=True, name="base", state="absent")
    assert gone["changed"] is True and service.mutations == []
    gone = run(module, name="base", state="absent")
    assert gone["changed"] is True and group["id"] not in service.state.policy_groups
    again = run(module, name="base", state="absent")
    assert again["changed"] is False and again["policy_group"] is None
    refused = run(module, name="base", state="absent", priority=2)
    assert refused.failed and "remove priority" in refused["msg"]
