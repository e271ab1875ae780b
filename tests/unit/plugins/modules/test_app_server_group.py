"""The comparison rules of app_server_group (pure functions; the module runs in tests/integration)."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import mismatches, same
from ansible_collections.huaweicloud.workspace_app.plugins.modules.app_server_group import AppServerGroup

plan_update = AppServerGroup.plan_update  # the resource engine's comparison, with the group's declarations

GROUP = {
    "id": "g1",
    "name": "design",
    "description": "",
    "image_id": "img-old",
    "image_type": "private",
    "system_disk_type": "SAS",
    "system_disk_size": 80,
    "storage_mount_policy": "USER",
    "app_type": "COMMON_APP",
    "server_group_status": True,
    "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80},
}


def params(**options):
    base = dict(new_name=None, description=None, route_policy=None, storage_mount_policy=None, image_id=None,
                image_type=None, image_product_id=None, system_disk_type=None, system_disk_size=None, ou_name=None,
                app_type=None, enabled=None, force_fields=[])
    base.update(options)
    return base


def check_group_name(option, value):
    """The module's rule for ``option`` (name and new_name share one)."""
    for rule in AppServerGroup.rules:
        rule({option: value})


def test_nothing_set_means_nothing_to_send():
    plan = plan_update(GROUP, params())
    assert plan.body == {} and plan.before == {} and plan.after == {}


def test_only_differing_fields_are_sent():
    plan = plan_update(GROUP, params(description="d", system_disk_size=80, app_type="COMMON_APP", enabled=False))
    assert plan.body == {"description": "d", "server_group_status": False}
    assert plan.before == {"description": "", "server_group_status": True}


def test_route_policy_compared_per_sub_field_and_sent_merged():
    assert plan_update(GROUP, params(route_policy={"max_session": 10, "cpu_threshold": None})).body == {}
    plan = plan_update(GROUP, params(route_policy={"max_session": None, "gpu_threshold": 70}))
    assert plan.body == {"route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80,
                                          "gpu_threshold": 70}}
    assert plan.before == {"route_policy": GROUP["route_policy"]}


def test_route_policy_not_returned_is_not_sent_unless_forced():
    hidden = dict(GROUP)
    del hidden["route_policy"]
    plan = plan_update(hidden, params(route_policy={"max_session": 5}))
    assert plan.body == {} and plan.not_comparable == ["route_policy"]
    forced = plan_update(hidden, params(route_policy={"max_session": 5}, force_fields=["route_policy"]))
    assert forced.body == {"route_policy": {"max_session": 5}} and forced.unverified == ["route_policy"]
    assert mismatches(forced, hidden) == []


def test_image_fields_go_together():
    plan = plan_update(GROUP, params(image_id="img-new", image_type="private"))
    assert plan.body == {"image_id": "img-new", "image_type": "private"}
    assert plan_update(GROUP, params(image_id="img-old", image_type="private")).body == {}


def test_omitted_text_fields_equal_empty_strings():
    assert plan_update(GROUP, params(ou_name="")).body == {}
    assert plan_update(GROUP, params(ou_name="OU=Apps")).body == {"ou_name": "OU=Apps"}


@pytest.mark.parametrize("current, desired, expected", [
    (80, 80, True), ("80", 80, True), (None, 80, False), ("x", 80, False),
    (True, True, True), ("true", True, True), (False, True, False),
    ("a", "a", True), (None, "", False),
])
def test_same(current, desired, expected):
    assert same(current, desired) is expected


def test_mismatches_names_fields_the_service_did_not_apply():
    plan = plan_update(GROUP, params(description="d", route_policy={"max_session": 20}))
    assert mismatches(plan, GROUP) == ["description", "route_policy"]
    assert mismatches(plan, plan.predicted(GROUP)) == []


@pytest.mark.parametrize("name", ["design", "设计_组-1", "a" * 64])
def test_valid_group_names(name):
    check_group_name("name", name)


@pytest.mark.parametrize("name", ["", "with space", "a" * 65, "semi;colon", "dot.ted", "line\n"])
def test_invalid_group_names(name):
    with pytest.raises(TargetError, match="new_name: .* not a valid server group name"):
        check_group_name("new_name", name)
