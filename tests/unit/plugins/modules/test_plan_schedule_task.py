"""app_schedule_task through main() against recorded API answers: the translation of the schedule words to the
wire's fields and back (a table), a create then a re-run that sends nothing (and its request count), only what
differs sent, the daily task whose day_interval the service cannot clear refused before anything is sent, bad input
refused before any request, check mode and --diff, absent."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.schedule_tasks import to_user, to_wire
from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_schedule_task as module

from simulator.routing import EMPTY

# schedule words (module options) -> the wire's fields
TABLE = [
    (dict(schedule="once", date="2027-01-31", time="22:00:00"),
     dict(scheduled_type="FIXED_TIME", scheduled_date="2027-01-31", scheduled_time="22:00:00")),
    (dict(schedule="daily", day_interval=2, time="03:00:00"),
     dict(scheduled_type="DAY", day_interval=2, scheduled_time="03:00:00")),
    (dict(schedule="weekly", weekdays=[1, 6, 7], time="03:30:00"),
     dict(scheduled_type="WEEK", week_list="1,2,7", scheduled_time="03:30:00")),
    (dict(schedule="monthly", months=[3, 6, 9, 12], days=[1, 15, "L"], time="23:59:59"),
     dict(scheduled_type="MONTH", month_list="3,6,9,12", date_list="1,15,L", scheduled_time="23:59:59")),
    (dict(task_type="reinstall", enabled=False, targets=[{"server_group_id": "g1"}, {"server_id": "s1"}]),
     dict(task_type="REINSTALL_OS", is_enable=False, target_infos=[
         {"target_type": "SERVER_GROUP", "target_id": "g1"}, {"target_type": "SERVER", "target_id": "s1"}])),
]


@pytest.mark.parametrize("user, wire", TABLE)
def test_the_schedule_words_translate_to_the_wire_and_back(user, wire):
    assert to_wire(user) == wire
    back = to_user(dict(wire, task_type=wire.get("task_type", "RESTART_SERVER")))
    for option, value in user.items():
        assert back[option] == value, option


def created_by_service(service):
    def answer(request):
        return service.state.schedule_task_view(service.state.create_schedule_task(dict(request.body)))
    return answer


def updated_by_service(service):
    def answer(request):
        task_id = request.path.rsplit("/", 1)[1]
        return service.state.schedule_task_view(service.state.update_schedule_task(task_id, dict(request.body)))
    return answer


WEEKEND = dict(name="design-restart", task_type="restart", schedule="weekly", weekdays=["saturday", "sunday"],
               time="03:00", time_zone="Asia/Shanghai", description="weekend")


def test_create_then_a_rerun_sends_nothing_in_two_requests(service, run):
    design = service.group("design")
    service.server(design)
    service.reply("create_schedule_task", created_by_service(service))
    options = dict(WEEKEND, targets=[{"server_group_name": "design"}])
    result = run(module, diff=True, **options)
    assert not result.failed and result["changed"] is True, result
    (sent,) = service.mutations
    assert sent.body == {"task_name": "design-restart", "task_type": "RESTART_SERVER", "scheduled_type": "WEEK",
                         "week_list": "1,7", "scheduled_time": "03:00:00", "time_zone": "Asia/Shanghai",
                         "description": "weekend",
                         "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]}
    task = result["schedule_task"]
    assert task["weekdays"] == [6, 7] and task["next_execution_time"] and task["enabled"] is True
    assert task["targets"] == [{"server_group_id": design["id"]}]
    assert result["diff"]["before"] == {} and result["changes"]["weekdays"] == [6, 7]

    service.requests.clear()
    again = run(module, diff=True, **options)
    assert again["changed"] is False and service.mutations == [] and again["changes"] == {}
    # the server group names (one list), the task by name (one list) and its read
    assert [r.operation for r in service.requests] == [
        "list_server_groups", "list_schedule_tasks", "show_schedule_task"]
    service.requests.clear()
    by_id = run(module, schedule_task_id=task["id"], time="03:00:00", weekdays=[7, 6], schedule="weekly")
    assert by_id["changed"] is False and [r.operation for r in service.requests] == [
        "show_schedule_task", "list_schedule_tasks"]


def test_only_what_differs_is_sent_and_check_mode_sends_nothing(service, run):
    design = service.group("design")
    task = service.state.create_schedule_task({
        "task_name": "nightly", "task_type": "RESTART_SERVER", "scheduled_type": "WEEK", "week_list": "2",
        "scheduled_time": "01:00:00", "time_zone": "UTC", "description": "old",
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]})
    service.reply("update_schedule_task", updated_by_service(service))
    checked = run(module, check=True, diff=True, name="nightly", enabled=False, description="old")
    assert checked["changed"] is True and service.mutations == []
    assert checked["diff"] == {"before": {"enabled": True}, "after": {"enabled": False}}
    result = run(module, name="nightly", schedule="weekly", weekdays=[1], time="02:00", enabled=False)
    (sent,) = service.mutations
    assert sent.body == {"scheduled_type": "WEEK", "week_list": "2", "scheduled_time": "02:00:00",
                         "is_enable": False}
    assert result["changes"] == {"schedule": "weekly", "weekdays": [1], "time": "02:00:00", "enabled": False}
    assert result["schedule_task"]["time"] == "02:00:00" and task["is_enable"] is False


def test_a_daily_task_that_would_become_weekly_fails_before_anything_is_sent(service, run):
    design = service.group("design")
    service.state.create_schedule_task({
        "task_name": "every-other-day", "task_type": "STOP_SERVER", "scheduled_type": "DAY", "day_interval": 2,
        "scheduled_time": "20:00:00", "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]})
    result = run(module, name="every-other-day", schedule="weekly", weekdays=[1])
    assert result.failed and service.mutations == []
    assert "cannot clear day_interval" in result["msg"] and "state: absent" in result["msg"]
    assert result["msg"].startswith("schedule: task 'every-other-day'")


BAD = [
    (dict(schedule="weekly", weekdays=[8]), "weekdays: 8 is not valid; use ISO numbers 1 (Monday) to 7 (Sunday)"),
    (dict(schedule="weekly", weekdays=["funday"]), "weekdays: 'funday' is not valid"),
    (dict(time="25:00"), "time: '25:00' is not valid; use HH:MM or HH:MM:SS"),
    (dict(schedule="weekly", weekdays=[1], days=[1]), "days: is only taken with schedule: monthly"),
    (dict(schedule="daily", date="2027-01-01"), "date: is only taken with schedule: once"),
    (dict(day_interval=2), "day_interval: is only taken with schedule: daily (schedule is not set)"),
    (dict(schedule="monthly", days=[32]), "days: 32 is not valid; use numbers 1 to 31, or last"),
    (dict(schedule="monthly", months=[13], days=[1]), "months: 13 is not valid; use numbers 1 (January) to 12"),
    (dict(schedule="once"), "schedule: once needs date"),
    (dict(schedule="once", date="2027-02-30"), "date: '2027-02-30' is not valid; use a date yyyy-MM-dd"),
    (dict(targets=[{"server_id": "a", "server_group_id": "b"}]), "targets[0]: set exactly one of server_id"),
    (dict(expire_time="soon"), "expire_time: 'soon' is not valid"),
]


@pytest.mark.parametrize("options, message", BAD)
def test_bad_input_fails_before_any_request_naming_the_option(service, run, options, message):
    result = run(module, name="t1", **options)
    assert result.failed and result["msg"].startswith(message), result["msg"]
    assert service.requests == []


def test_absent_deletes_and_a_missing_task_is_no_change(service, run):
    design = service.group("design")
    task = service.state.create_schedule_task({
        "task_name": "gone", "task_type": "START_SERVER", "scheduled_type": "FIXED_TIME",
        "scheduled_date": "2030-01-01", "scheduled_time": "08:00:00",
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]})

    def deleted(request):
        service.state.delete_schedule_tasks([request.path.rsplit("/", 1)[1]])
        return EMPTY
    service.reply("delete_schedule_task", deleted)
    result = run(module, name="gone", state="absent")
    assert result["changed"] is True and result["schedule_task"]["id"] == task["id"]
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in service.mutations] == [("DELETE", task["id"])]
    again = run(module, name="gone", state="absent")
    assert again["changed"] is False and len(service.mutations) == 1


def test_info_lists_the_task_with_its_executions_and_per_server_details(service, run):
    from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_schedule_task_info as info
    design = service.group("design")
    service.server(design)
    service.server(design)
    service.state.create_schedule_task({
        "task_name": "nightly", "task_type": "RESTART_SERVER", "scheduled_type": "DAY", "day_interval": 1,
        "scheduled_time": "01:00:00", "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]})
    service.state.create_schedule_task({
        "task_name": "nightly-2", "task_type": "STOP_SERVER", "scheduled_type": "DAY", "day_interval": 1,
        "scheduled_time": "02:00:00", "target_infos": [{"target_type": "SERVER_GROUP", "target_id": design["id"]}]})
    plain = run(info, name="nightly")
    (task,) = plain["schedule_tasks"]
    assert plain["changed"] is False and "executions" not in task and task["schedule"] == "daily"
    assert [r.operation for r in service.requests] == ["list_schedule_tasks", "show_schedule_task"]
    service.state.fast_forward(26 * 3600)  # a day and more: the task ran once (at least)
    service.requests.clear()
    audit = run(info, name="nightly", history=True)
    (task,) = audit["schedule_tasks"]
    assert task["executions"] and task["last_status"] == "SUCCESS" and audit["unexpected"] == []
    first = task["executions"][0]
    assert first["status"] == "SUCCESS" and first["total_count"] == 2 and len(first["details"]) == 2
    assert all(detail["status"] == "SUCCESS" and detail["server_name"] for detail in first["details"])
    assert service.mutations == []


@pytest.mark.parametrize("given, shown", [
    ("2027-01-31T08:00:00+08:00", "2027-01-31T00:00:00Z"), ("2027-01-31T00:00:00.000Z", "2027-01-31T00:00:00Z"),
    ("2027-01-31 00:00:00", "2027-01-31T00:00:00Z"), ("2027-01-31", "2027-01-31T00:00:00Z"), ("someday", "someday")])
def test_an_expire_time_is_compared_in_utc_whatever_its_form(given, shown):
    task = to_user({"scheduled_type": "DAY", "day_interval": 1, "expire_time": given})
    assert task["expire_time"] == shown
