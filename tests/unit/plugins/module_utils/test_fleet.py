"""The fleet's pure planning rules: which servers a shrinking group gives up, what counts, where the VPC comes from."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import fleet
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError


def server(sid, day, sessions=0, maintain=False, vm_status="ACTIVE", **fields):
    return dict(fields, id=sid, name="web-%s" % sid, create_time="2026-01-%02dT00:00:00Z" % day,
                session_count=sessions, maintain_status=maintain, vm_status=vm_status)


def test_deletion_order_broken_then_maintenance_then_empty_then_newest():
    servers = [
        server("a", 1, sessions=2),
        server("b", 5, sessions=1),
        server("c", 2),
        server("d", 4),
        server("e", 3, sessions=3, maintain=True),
        server("f", 1, vm_status="BUILD_FAIL", sessions=0),
        server("g", 6, maintain=True),
    ]
    assert [s["id"] for s in fleet.deletion_order(servers)] == ["f", "g", "e", "d", "c", "b", "a"]


def test_same_age_is_ordered_by_id_for_a_stable_plan():
    servers = [server("z", 1), server("m", 1), server("a", 1)]
    assert [s["id"] for s in fleet.deletion_order(servers)] == ["a", "m", "z"]


@pytest.mark.parametrize("record, gone", [
    (dict(vm_status="DELETING"), True),
    (dict(vm_status="ERROR", task_status="deleting"), True),
    (dict(vm_status="ACTIVE", job_type="DELETE_SERVER", job_status="RUNNING"), True),
    (dict(vm_status="ACTIVE", job_type="DELETE_SERVER", job_status="FAILED"), False),
    (dict(vm_status="BUILD", job_type="CREATE_SERVER", job_status="RUNNING"), False),
])
def test_servers_being_deleted_do_not_count(record, gone):
    assert fleet.deleting(record) is gone


def test_the_vpc_comes_from_the_servers_addresses_or_metadata():
    assert fleet.vpc_of([]) is None
    assert fleet.vpc_of([dict(host_address=[dict(addr="10.0.0.2", vpc_id="vpc-1")])]) == "vpc-1"
    assert fleet.vpc_of([dict(host_address=[], metadata=dict(vpc_id="vpc-2"))]) == "vpc-2"


def test_force_and_drain_do_not_go_together():
    fleet.force_or_drain(dict(force=True, drain=False))
    with pytest.raises(TargetError, match="force and drain: set one of them"):
        fleet.force_or_drain(dict(force=True, drain=True))


def test_a_refusal_names_at_most_five_servers_with_their_sessions():
    servers = [server(str(n), n, sessions=n) for n in range(1, 8)]
    text = fleet.describe(servers, sessions=True)
    assert text.startswith("web-1 (1): 1 session(s); web-2 (2): 2 session(s)") and text.endswith("; ...")
    assert "web-6" not in text


@pytest.mark.parametrize("record, is_busy", [
    (dict(task_status="upgrading_access_agent"), True),
    (dict(task_status="powering-off"), True),
    (dict(task_status=None, job_status="RUNNING"), True),
    (dict(task_status="upgrad_access_agent_success"), False),  # how the last task ended, not a task
    (dict(task_status="rebuild_fail", job_status="FAILED"), False),
    (dict(task_status="null"), False),
    (dict(), False),
])
def test_only_a_task_in_progress_or_a_running_job_makes_a_server_busy(record, is_busy):
    assert fleet.busy(record) is is_busy
