"""Handlers of the schedule task endpoints (``/v1/{project_id}/schedule-task``): list, show, create, update,
delete, batch delete, execution history and details, future executions. The model is :mod:`.schedule_tasks`.
Bodies are validated against the fields the service takes: the SDK 3.1.219 ``CreateScheduleTaskReq`` lacks
``task_name``, ``task_type``, ``target_infos``, ``schedule_task_policy``, ``is_enable`` and ``description``, which
Terraform sends (``service-behaviour.md``), so the create schema has them as ``UpdateScheduleTaskReq`` does."""

from .routing import EMPTY, Reply, Route, contains, paged, require_body
from .schedule_tasks import SCHEDULED_TYPES, TARGET_TYPES, TASK_TYPES
from .validation import Field, check_group_name, paging, query_enum

MAX_BATCH_DELETE = 20  # BatchDeleteScheduleTaskReq.items: "一次请求数量区间 [1, 20]"
TARGET = Field("object", fields={
    "target_type": Field("str", required=True, enum=TARGET_TYPES),
    "target_id": Field("str", required=True, min_len=1),
    "target_name": Field("str"),
})
SCHEDULE = {
    "scheduled_type": Field("str", enum=SCHEDULED_TYPES),
    "day_interval": Field("int", minimum=1, maximum=365),
    "week_list": Field("str"),
    "month_list": Field("str"),
    "date_list": Field("str"),
    "time_zone": Field("str"),
    "scheduled_date": Field("str"),
    "scheduled_time": Field("str"),
    "expire_time": Field("str"),
}
UPDATE_SCHEDULE_TASK_SCHEMA = dict(SCHEDULE, **{
    "task_name": Field("str", check=check_group_name),
    "task_type": Field("str", enum=TASK_TYPES),
    "schedule_task_policy": Field("object", fields={"enforcement_enable": Field("bool")}),
    "description": Field("str", max_len=255),
    "is_enable": Field("bool"),
    "target_infos": Field("list", items=TARGET),
})
CREATE_SCHEDULE_TASK_SCHEMA = dict(UPDATE_SCHEDULE_TASK_SCHEMA, **{
    "scheduled_type": Field("str", required=True, enum=SCHEDULED_TYPES),
    "scheduled_time": Field("str", required=True),
    "task_name": Field("str", required=True, check=check_group_name),
    "task_type": Field("str", required=True, enum=TASK_TYPES),
    "target_infos": Field("list", required=True, min_items=1, items=TARGET),
})
FUTURE_SCHEMA = dict(SCHEDULE, scheduled_type=Field("str", required=True, enum=SCHEDULED_TYPES),
                     scheduled_time=Field("str", required=True))
BATCH_DELETE_SCHEMA = {
    "items": Field("list", required=True, min_items=1, max_items=MAX_BATCH_DELETE, items=Field("str", min_len=1)),
}


def list_schedule_tasks(sim, call):
    """GET /v1/{project_id}/schedule-task: filters ``task_name`` (partial, as the other name filters) and
    ``task_type``."""
    q = call.query
    paging(q)
    task_type = query_enum(q, "task_type", TASK_TYPES)
    name = q.get("task_name") or None
    state = sim.state
    matches = [task for task in state.schedule_tasks.values()
               if (name is None or contains(name, task["task_name"]))
               and (task_type is None or task["task_type"] == task_type)]
    page = paged(matches, q)
    page["items"] = [state.schedule_task_view(task) for task in page["items"]]
    return Reply(page)


def show_schedule_task(sim, call):
    state = sim.state
    return Reply(state.schedule_task_view(state.require_schedule_task(call.params["task_id"]), detail=True))


def create_schedule_task(sim, call):
    body = require_body(call, CREATE_SCHEDULE_TASK_SCHEMA)
    return Reply(sim.state.schedule_task_view(sim.state.create_schedule_task(body)))


def update_schedule_task(sim, call):
    body = require_body(call, UPDATE_SCHEDULE_TASK_SCHEMA)
    return Reply(sim.state.schedule_task_view(sim.state.update_schedule_task(call.params["task_id"], body)))


def delete_schedule_task(sim, call):
    sim.state.require_schedule_task(call.params["task_id"])
    sim.state.delete_schedule_tasks([call.params["task_id"]])
    return Reply(EMPTY)


def batch_delete_schedule_task(sim, call):
    sim.state.delete_schedule_tasks(require_body(call, BATCH_DELETE_SCHEMA)["items"])
    return Reply(EMPTY)


def list_task_execute_history(sim, call):
    paging(call.query)
    return Reply(paged(sim.state.task_executions(call.params["task_id"]), call.query))


def list_task_execute_detail(sim, call):
    paging(call.query)
    return Reply(paged(sim.state.execution_details(call.params["execute_history_id"]), call.query))


def list_future_executions(sim, call):
    body = require_body(call, FUTURE_SCHEMA)
    return Reply({"future_executions": sim.state.future_executions(body), "time_zone": body.get("time_zone") or "UTC"})


P = "/v1/{project_id}"
# The fixed paths come before /schedule-task/{task_id}, which would take them as an id.
ROUTES = [
    Route("GET", P + "/schedule-task", "list_schedule_tasks", list_schedule_tasks),
    Route("POST", P + "/schedule-task", "create_schedule_task", create_schedule_task),
    Route("POST", P + "/schedule-task/actions/batch-delete", "batch_delete_schedule_task",
          batch_delete_schedule_task),
    Route("POST", P + "/schedule-task/future-executions", "list_future_executions", list_future_executions),
    Route("GET", P + "/schedule-task/{task_id}/execute-history", "list_task_execute_history",
          list_task_execute_history),
    Route("GET", P + "/schedule-task/{execute_history_id}/execute-detail", "list_task_execute_detail",
          list_task_execute_detail),
    Route("GET", P + "/schedule-task/{task_id}", "show_schedule_task", show_schedule_task),
    Route("PATCH", P + "/schedule-task/{task_id}", "update_schedule_task", update_schedule_task),
    Route("DELETE", P + "/schedule-task/{task_id}", "delete_schedule_task", delete_schedule_task),
]
