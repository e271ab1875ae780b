"""app_server_fleet's quota check (issue 30) through main() against recorded API answers: one GET …/check/quota in
planning when servers are to be created, a scale-out that cannot fit refused before any create (check mode alike)
with the numbers, no quota call when nothing is created, a refused quota read a warning."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_server_fleet as module
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fleet import quota_shortfall

from simulator import errors as sim_errors
from simulator.errors import ApiError as SimApiError

FAST = dict(poll_interval=0.01, wait_timeout=10)


def fleet_of(service, servers):
    group = service.group("apps-prod")
    for number in range(1, servers + 1):
        service.server(group, name="srv-%d" % number)
    return group


def test_a_scale_out_beyond_the_quota_fails_before_any_create_with_the_numbers(service, run):
    group = fleet_of(service, 2)
    service.state.set_server_quota(5)  # 3 more servers fit
    for check in (True, False):
        del service.requests[:]
        result = run(module, check=check, server_group_id=group["id"], count=7, **FAST)
        assert result.failed and service.mutations == []
        assert result["msg"] == (
            "count: 7 means creating 5 server(s) in group apps-prod (%s), but the tenant's quota is short: "
            "INSTANCES: needed 5, remaining 3; nothing was created. Raise the quota or ask for fewer servers"
            % group["id"])
        (quota,) = service.sent("check_quota")
        assert quota.query == {"product_id": group["product_id"], "flavor_id": group["product_info"]["flavor_id"],
                               "subscription_num": "5", "disk_size": "80", "disk_num": "1", "is_period": "false"}


def test_a_scale_out_that_fits_checks_the_quota_once_in_planning(service, run):
    group = fleet_of(service, 2)
    service.state.set_server_quota(4)
    result = run(module, check=True, server_group_id=group["id"], count=4, **FAST)
    assert not result.failed and result["changed"] is True and service.mutations == []
    assert [r.operation for r in service.requests] == ["show_server_group", "list_servers", "check_quota"]


def test_no_quota_call_when_nothing_is_created(service, run):
    group = fleet_of(service, 3)
    service.state.set_server_quota(3)  # no room left, and none needed
    for count in (3, 2):
        del service.requests[:]
        result = run(module, check=True, server_group_id=group["id"], count=count, **FAST)
        assert not result.failed and service.sent("check_quota") == []


def test_a_quota_read_the_service_refuses_is_a_warning_and_the_plan_goes_on(service, run):
    group = fleet_of(service, 1)

    def refuse(_request):
        raise SimApiError(404, sim_errors.API_NOT_FOUND)  # a region without the quota API
    service.before("check_quota", refuse)
    result = run(module, check=True, server_group_id=group["id"], count=2, **FAST)
    assert not result.failed and result["changed"] is True and service.mutations == []
    assert any(text.startswith("count: the tenant's quota could not be read before creating 1 server(s)")
               for text in result.warning_texts), result.warning_texts


def test_the_shortfall_names_what_is_short_else_everything_listed():
    answer = quota_shortfall({"is_enough": False, "quota_remainder": [
        {"type": "INSTANCES", "remainder": 0, "need": 1}, {"type": "CORES", "remainder": 100, "need": 4}]})
    assert answer == "INSTANCES: needed 1, remaining 0"
    assert quota_shortfall({"is_enough": True, "quota_remainder": [{"type": "CORES", "remainder": 8,
                                                                    "need": 4}]}) == ""
    assert quota_shortfall({"is_enough": False, "quota_remainder": [{"type": "CORES", "remainder": 8, "need": 4}]}
                           ) == "CORES: needed 4, remaining 8"
    assert quota_shortfall({"is_enough": False}) == "the service answered is_enough false"
