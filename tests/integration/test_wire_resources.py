"""Issue 27, the wire as the real service speaks it, for server groups and images: what only a real
ansible-playbook run against the stateful simulator shows (the module's request through the simulator's own
validation, which now takes what the real service takes). The decisions themselves (a create or delete refused
with 400/409 settled by a read, deletes answered 200 without a job) are plan-level unit tests in
tests/unit/plugins/modules/test_plan_app_server_group.py and test_plan_app_server_fleet.py."""

from tests.harness import module_task

GROUP = "huaweicloud.workspace_app.app_server_group"
IMAGE = "huaweicloud.workspace_app.app_server_image"
GOLD_IMAGE = "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70"
CREATE = dict(name="market", image_id=GOLD_IMAGE, image_type="gold", product_id="workspace.appstream.general.xlarge.4",
              vpc_id="vpc-market", subnet_id="subnet-market", system_disk_type="SAS", system_disk_size=80)


def test_gold_without_product_id_is_sent_and_scaling_ranges_are_refused_before_any_call(make_simulator, runner_for):
    """One run: a group created and servers rebuilt onto a gold image without image_product_id (the real service
    takes it; Terraform's batch change-image test sends none), the simulator taking both; then a scaling policy
    out of the service's ranges fails before any request of its own."""
    sim = make_simulator(servers=2, groups=1, job_duration=0.3)
    sim.state.add_image(GOLD_IMAGE)
    server_ids = sorted(sim.state.server_ids())
    sim.log.clear()
    run = runner_for(sim).run([
        module_task(GROUP, "created", CREATE),
        module_task(IMAGE, "rebuilt", dict(server_ids=server_ids, image_id=GOLD_IMAGE, image_type="gold",
                                           poll_interval=0.2, wait_timeout=120)),
        dict(module_task(GROUP, "too_many", dict(name="market", scaling_policy={
            "max_scaling_amount": 101, "single_expansion_count": 2,
            "scaling_policy_by_session": {"shrink_after_session_idle_minutes": 30}})), ignore_errors=True),
        dict(module_task(GROUP, "too_fast", dict(name="market", scaling_policy={
            "max_scaling_amount": 100, "single_expansion_count": 11,
            "scaling_policy_by_session": {"shrink_after_session_idle_minutes": 30}})), ignore_errors=True),
    ])
    assert run.rc == 0, run.output
    created, rebuilt = run["created"], run["rebuilt"]
    assert not created.get("failed") and created["changed"] is True
    assert created["server_group"]["image_type"] == "gold"
    (create_call,) = sim.log.requests(operation="create_server_group")
    assert create_call.status == 200 and "image_product_id" not in create_call.body
    assert not rebuilt.get("failed") and rebuilt["summary"]["succeeded"] == 2, rebuilt.get("msg")
    change_calls = sim.log.requests(operation="batch_change_server_image")
    assert [call.status for call in change_calls] == [200] and "image_product_id" not in change_calls[0].body
    assert all(sim.state.get_server(sid)["image_id"] == GOLD_IMAGE for sid in server_ids)
    assert run["too_many"]["failed"] is True and run["too_many"]["msg"] == (
        "scaling_policy.max_scaling_amount: 101 is out of range; allowed values are 1..100 (servers)")
    assert run["too_fast"]["failed"] is True and run["too_fast"]["msg"] == (
        "scaling_policy.single_expansion_count: 11 is out of range; allowed values are 1..10 (servers)")
    assert sim.log.requests(operation="create_or_update_scaling_policy") == []
    assert [call.operation for call in sim.log.mutations()] == ["create_server_group", "batch_change_server_image"]
