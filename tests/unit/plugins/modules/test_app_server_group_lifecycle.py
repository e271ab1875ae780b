"""The planning rules of app_server_group's create, delete and scaling policy (pure functions; the module runs in
tests/integration/test_server_group_lifecycle.py)."""

import inspect
import re

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.server_groups import (
    NO_POLICY, POLICY_REQUIRED, plan_policy, refuse_non_empty, tags_differ, wanted_policy)
from ansible_collections.huaweicloud.workspace_app.plugins.modules.app_server_group import (
    CREATE_REQUIRED, AppServerGroup)

# the resource engine's rules, with the group's declarations
cannot_create = AppServerGroup.cannot_create
create_body = AppServerGroup.create_body
create_only_conflicts = AppServerGroup.create_only_conflicts
missing_for_create = AppServerGroup.missing_for_create

CREATE = dict(name="design", image_id="img-1", image_type="private", product_id="prod-1", vpc_id="vpc-1",
              subnet_id="subnet-1", system_disk_type="SAS", system_disk_size=80)
POLICY = {"enable": True, "max_scaling_amount": 10, "single_expansion_count": 2,
          "scaling_policy_by_session": {"session_usage_threshold": 80, "shrink_after_session_idle_minutes": 30}}
GROUP = {"id": "g1", "name": "design", "os_type": "Windows", "product_id": "prod-1", "subnet_id": "subnet-1",
         "is_vdi": False, "ip_virtual": {"enable": False}, "extra_session_type": "CPU", "extra_session_size": 0,
         "tags": [{"key": "team", "value": "cad"}], "app_server_count": 0}


def check(**params):
    """Every value rule of the module on ``params``."""
    for rule in AppServerGroup.rules:
        rule(params)


def scaling(**sub_options):
    """The scaling_policy option as Ansible hands it over: every sub-option present, None when not set."""
    given = dict(enable=None, max_scaling_amount=None, single_expansion_count=None, scaling_policy_by_session=None,
                 scaling_policy_by_resource=None)
    given.update(sub_options)
    return {"scaling_policy": given}


# -- create ----------------------------------------------------------------------------------------------------------
def test_create_body_carries_the_set_options_as_the_api_names_them():
    body = create_body(dict(CREATE, new_name=None, os_type=None, enabled=False, ip_virtual=True, description=None,
                            route_policy={"max_session": 5, "cpu_threshold": None},
                            tags=[{"key": "team", "value": None}], storage_mount_policy="ANY"))
    assert body == dict(CREATE, os_type="Windows", route_policy={"max_session": 5}, ip_virtual={"enable": True},
                        tags=[{"key": "team"}], server_group_status=False)
    assert "storage_mount_policy" not in body  # CreateServerGroupReq has no such field


def test_a_create_under_new_name_makes_the_group_of_the_final_name():
    assert create_body(dict(CREATE, new_name="design-2026", os_type="Linux"))["name"] == "design-2026"


def test_a_create_names_every_missing_option_at_once():
    missing = missing_for_create(dict(name="design", image_id="img-1", image_type="private"))
    assert missing == ["product_id", "vpc_id", "subnet_id", "system_disk_type", "system_disk_size"]
    assert missing_for_create(CREATE) == []
    message = str(cannot_create("design", missing))
    assert "'design' does not exist, so it would be created" in message
    assert message.endswith("(missing: product_id, vpc_id, subnet_id, system_disk_type, system_disk_size)")
    similar = str(cannot_create("desing", missing, [{"id": "g1", "name": "desing-2"}]))
    assert similar.endswith("; groups with similar names: desing-2 (g1)")


def test_create_only_options_are_compared_where_the_read_shows_them():
    wanted = dict(os_type="Linux", product_id="prod-1", vpc_id="vpc-other", flavor_id="f-other", ip_virtual=True,
                  extra_session_size=0, is_vdi=None)
    # vpc_id and flavor_id: not in the read, not compared; a read of "0" equals 0
    assert create_only_conflicts(dict(GROUP, extra_session_size="0"), wanted) == [
        ("os_type", "Windows", "Linux"), ("ip_virtual", False, True)]
    assert create_only_conflicts(GROUP, dict(subnet_id="subnet-1", is_vdi=False)) == []


def test_tags_differ_as_sets_and_only_when_both_sides_have_them():
    assert not tags_differ(GROUP, dict(tags=None))
    assert not tags_differ(GROUP, dict(tags=[{"key": "team", "value": "cad"}]))
    assert tags_differ(GROUP, dict(tags=[{"key": "team", "value": "cam"}]))
    assert not tags_differ(dict(GROUP, tags=None), dict(tags=[{"key": "team", "value": "cam"}]))
    assert not tags_differ(dict(GROUP, tags=[{"key": "a"}]), dict(tags=[{"key": "a", "value": ""}]))


@pytest.mark.parametrize("tags, words", [
    ([{"key": "k%d" % i, "value": None} for i in range(21)], ["21 tags", "at most 20"]),
    ([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}], ["'a' is given twice"]),
    ([{"key": "", "value": None}], ["1 to 128"]),
    ([{"key": "k" * 129, "value": None}], ["1 to 128"]),
    ([{"key": " padded", "value": None}], ["blanks"]),
    ([{"key": "a", "value": "v" * 256}], ["256 characters", "255"]),
])
def test_bad_tags(tags, words):
    with pytest.raises(TargetError) as failure:
        check(tags=tags)
    assert all(word in str(failure.value) for word in words), str(failure.value)


# -- absent ----------------------------------------------------------------------------------------------------------
def test_absent_takes_only_the_identity():
    check(state="absent", name="design", force_fields=[])
    with pytest.raises(TargetError, match="remove description, scaling_policy"):
        check(state="absent", name="design", description="x", scaling_policy={}, force_fields=[])


def test_a_group_with_servers_is_refused():
    refuse_non_empty(GROUP)
    with pytest.raises(TargetError) as failure:
        refuse_non_empty(dict(GROUP, app_server_count=3))
    assert ("server group 'design' (g1) still has 3 server(s); delete them first "
            "(huaweicloud.workspace_app.app_server_fleet count: 0) or set force: true") == str(failure.value)
    # issue 27: the service's refusal is decided by the group read again, its code only a hint (none is confirmed)
    refusal = ApiError(400, "WKS.0407", "busy", "DELETE", "/x")
    refuse_non_empty(GROUP, refusal=refusal)  # the read shows no server: the service's error stands (the caller's)
    with pytest.raises(TargetError) as failure:
        refuse_non_empty(dict(GROUP, app_server_count=2), refusal=refusal)
    assert ("server group 'design' (g1) still has 2 server(s); the service refused the delete: HTTP 400 WKS.0407; "
            "delete them first (huaweicloud.workspace_app.app_server_fleet count: 0) or set force: true"
            ) == str(failure.value)


# -- scaling policy --------------------------------------------------------------------------------------------------
def test_the_option_not_set_and_no_sub_option_differ():
    assert wanted_policy({"scaling_policy": None}) is None
    assert wanted_policy(scaling()) == {}
    assert wanted_policy(scaling(scaling_policy_by_resource={"cpu_usage_threshold": 70, "mem_usage_threshold": None})) \
        == {"scaling_policy_by_resource": {"cpu_usage_threshold": 70}}


def test_a_new_policy_is_sent_as_given():
    plan = plan_policy(NO_POLICY, POLICY)
    assert plan.action == "put" and plan.after == POLICY and plan.before == NO_POLICY


def test_a_new_policy_needs_the_required_sub_options():
    with pytest.raises(TargetError) as failure:
        plan_policy(NO_POLICY, {"enable": True, "max_scaling_amount": 5})
    assert "no scaling policy yet" in str(failure.value)
    assert "missing: single_expansion_count, scaling_policy_by_session.shrink_after_session_idle_minutes" \
        in str(failure.value)


def test_a_policy_is_compared_per_sub_option_and_sent_merged():
    current = dict(POLICY, scaling_policy_by_resource={"cpu_usage_threshold": 90})
    assert plan_policy(current, {"max_scaling_amount": 10, "scaling_policy_by_session": {
        "shrink_after_session_idle_minutes": 30}}) is None
    plan = plan_policy(current, {"scaling_policy_by_session": {"session_usage_threshold": 60}})
    assert plan.after == dict(current, scaling_policy_by_session={"session_usage_threshold": 60,
                                                                  "shrink_after_session_idle_minutes": 30})
    assert plan.before == current


def test_the_merged_policy_keeps_single_expansion_within_the_maximum():
    with pytest.raises(TargetError, match="single_expansion_count 2 is more than max_scaling_amount 1"):
        plan_policy(POLICY, {"max_scaling_amount": 1})
    with pytest.raises(TargetError, match="single_expansion_count 3 is more than max_scaling_amount 2"):
        check(**scaling(max_scaling_amount=2, single_expansion_count=3))


def test_disabling_and_removing():
    assert plan_policy(NO_POLICY, {"enable": False}) is None  # no policy is disabled already
    disable = plan_policy(POLICY, {"enable": False})
    assert disable.action == "put" and disable.after == dict(POLICY, enable=False)
    assert plan_policy(NO_POLICY, {}) is None and plan_policy({}, {}) is None
    remove = plan_policy(dict(POLICY, enable=False), {})
    assert remove.action == "delete" and remove.after is None
    assert remove.applied(NO_POLICY) and not remove.applied(POLICY)


@pytest.mark.parametrize("sub_options, words", [
    (dict(max_scaling_amount=0), ["scaling_policy.max_scaling_amount", "allowed values are 1..100 (servers)"]),
    (dict(max_scaling_amount=101), ["scaling_policy.max_scaling_amount: 101 is out of range", "1..100"]),
    (dict(single_expansion_count=-1), ["scaling_policy.single_expansion_count", "allowed values are 1..10"]),
    (dict(single_expansion_count=11), ["scaling_policy.single_expansion_count: 11 is out of range", "1..10"]),
    (dict(scaling_policy_by_session={"session_usage_threshold": 101, "shrink_after_session_idle_minutes": None}),
     ["session_usage_threshold", "1..100"]),
    (dict(scaling_policy_by_session={"session_usage_threshold": None, "shrink_after_session_idle_minutes": 0}),
     ["shrink_after_session_idle_minutes", "1 or more"]),
    (dict(scaling_policy_by_resource={"cpu_usage_threshold": None, "mem_usage_threshold": 0,
                                      "gpu_usage_threshold": None}), ["mem_usage_threshold", "1..100"]),
    (dict(scaling_policy_by_resource={"cpu_usage_threshold": None, "mem_usage_threshold": None,
                                      "gpu_usage_threshold": None}), ["scaling_policy_by_resource", "at least one"]),
])
def test_bad_policy_values(sub_options, words):
    with pytest.raises(TargetError) as failure:
        check(**scaling(**sub_options))
    assert all(word in str(failure.value) for word in words), str(failure.value)


# -- the official SDK's models: the field names and required fields --------------------------------------------
def sdk_required(model):
    """The fields the SDK model's constructor always sets (the others only when given): its required fields."""
    return sorted(re.findall(r"^ {8}self\.(\w+) = \1$", inspect.getsource(model.__init__), re.M))


def sdk_fields(instance):
    return dict((key, value) for key, value in instance.to_dict().items() if value is not None)


def test_the_create_body_and_the_policy_are_sdk_request_models():
    from huaweicloudsdkworkspaceapp.v1 import (CreateOrUpdateScalingPolicyReq, CreateServerGroupReq,
                                               ScalingPolicyBySession)

    every = dict(CREATE, new_name=None, os_type="Linux", flavor_id="f", availability_zone="az", is_vdi=True,
                 ip_virtual=True, app_type="COMMON_APP", extra_session_type="CPU", extra_session_size=1,
                 description="d", ou_name="ou", image_product_id="p", enabled=True, route_policy={"max_session": 2},
                 tags=[{"key": "k", "value": "v"}])
    body = create_body(every)
    assert sdk_fields(CreateServerGroupReq(**body)) == body  # every field is one of the model's, under its name
    assert sdk_required(CreateServerGroupReq) == sorted(("name", "os_type") + CREATE_REQUIRED)
    sent = dict(plan_policy(NO_POLICY, dict(POLICY, scaling_policy_by_resource={"cpu_usage_threshold": 70})).after,
                server_group_id="g1")
    assert sdk_fields(CreateOrUpdateScalingPolicyReq(**sent)) == sent
    assert sdk_required(CreateOrUpdateScalingPolicyReq) == sorted(
        ["server_group_id", "max_scaling_amount", "single_expansion_count", "scaling_policy_by_session"])
    assert sdk_required(ScalingPolicyBySession) == ["shrink_after_session_idle_minutes"]
    assert set(POLICY_REQUIRED) == {"max_scaling_amount", "single_expansion_count",
                                    "scaling_policy_by_session.shrink_after_session_idle_minutes"}
