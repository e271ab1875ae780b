"""The official SDK's client against the simulator's schedule task endpoints. The SDK 3.1.219
``CreateScheduleTaskReq`` lacks ``task_name``, ``task_type``, ``target_infos``, ``schedule_task_policy``,
``is_enable`` and ``description`` (service-behaviour.md): the create is a raw signed request with them, as Terraform
sends it; everything else goes through the SDK's models (list, show, update, history, details, future executions,
delete), which must parse the simulator's answers."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkworkspaceapp.v1 import (
    BatchDeleteScheduleTaskReq, BatchDeleteScheduleTaskRequest, CreateScheduleTaskReq, DeleteScheduleTaskRequest,
    ListFutureExecutionsReq, ListFutureExecutionsRequest, ListScheduleTasksRequest, ListTaskExecuteDetailRequest,
    ListTaskExecuteHistoryRequest, ShowScheduleTaskRequest, TargetInfo, UpdateScheduleTaskReq,
    UpdateScheduleTaskRequest)

from tests.unit.simulator.test_sdk_compat import _client

LACKING = ("task_name", "task_type", "target_infos", "schedule_task_policy", "is_enable", "description")


def test_the_sdk_create_model_lacks_what_the_wire_needs():
    assert all(field not in CreateScheduleTaskReq.attribute_map for field in LACKING)
    assert all(field in UpdateScheduleTaskReq.attribute_map for field in LACKING)


def test_a_raw_create_then_the_sdk_reads_updates_audits_and_deletes(make_simulator, client_for):
    sim = make_simulator(servers=2, groups=1, seed=30)
    group_id = next(iter(sim.state.groups))
    raw = client_for(sim)
    answer = raw.post("schedule-task", json_body={
        "task_name": "nightly", "task_type": "RESTART_SERVER", "scheduled_type": "WEEK", "week_list": "1,7",
        "scheduled_time": "03:00:00", "time_zone": "Asia/Shanghai", "is_enable": True, "description": "weekend",
        "schedule_task_policy": {"enforcement_enable": True},
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": group_id}]})
    assert answer.status_code == 200, answer.text
    task_id = answer.json()["id"]
    sdk = _client(sim, BasicCredentials(sim.credentials["ak"], sim.credentials["sk"], sim.credentials["project_id"]))

    listed = sdk.list_schedule_tasks(ListScheduleTasksRequest(task_name="night"))
    assert listed.count == 1 and listed.items[0].is_enable is True and listed.items[0].next_execution_time
    assert listed.items[0].task_type == "RESTART_SERVER" and listed.items[0].week_list == "1,7"
    shown = sdk.show_schedule_task(ShowScheduleTaskRequest(task_id=task_id))
    assert shown.task_name == "nightly" and shown.target_infos[0].target_name == "sim-group-1"

    updated = sdk.update_schedule_task(UpdateScheduleTaskRequest(task_id=task_id, body=UpdateScheduleTaskReq(
        scheduled_type="DAY", day_interval=2, is_enable=True,
        target_infos=[TargetInfo(target_type="SERVER_GROUP", target_id=group_id)])))
    assert updated.scheduled_type == "DAY" and updated.day_interval == 2
    sdk.update_schedule_task(UpdateScheduleTaskRequest(task_id=task_id, body=UpdateScheduleTaskReq(
        scheduled_type="WEEK", week_list="2")))
    kept = sdk.show_schedule_task(ShowScheduleTaskRequest(task_id=task_id))
    assert kept.scheduled_type == "WEEK" and kept.day_interval == 2  # the service cannot clear it

    sim.state.fast_forward(8 * 86400)
    history = sdk.list_task_execute_history(ListTaskExecuteHistoryRequest(task_id=task_id))
    assert history.count >= 1 and history.items[0].status == "SUCCESS" and history.items[0].total_count == 2
    detail = sdk.list_task_execute_detail(ListTaskExecuteDetailRequest(execute_history_id=history.items[0].id))
    assert detail.count == 2 and {item.server_name for item in detail.items} == {
        server["name"] for server in sim.state.servers.values()}

    future = sdk.list_future_executions(ListFutureExecutionsRequest(body=ListFutureExecutionsReq(
        scheduled_type="MONTH", month_list="1,7", date_list="L", scheduled_time="01:00:00", time_zone="UTC")))
    assert len(future.future_executions) == 5 and future.future_executions[0].endswith(" 01:00:00")

    sdk.delete_schedule_task(DeleteScheduleTaskRequest(task_id=task_id))
    assert sdk.list_schedule_tasks(ListScheduleTasksRequest()).count == 0
    sdk.batch_delete_schedule_task(BatchDeleteScheduleTaskRequest(body=BatchDeleteScheduleTaskReq(items=["gone"])))
