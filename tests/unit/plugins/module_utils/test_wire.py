"""wire.py, the registry of what the collection expects on each record kind: findings for unknown enum values and
fields the SDK models do not have, none for records as the simulator (the API's shape) answers with them, and the
static copy of the SDK's models compared with the SDK itself so that it cannot drift."""

import inspect
from importlib.metadata import version

import pytest
from huaweicloudsdkworkspaceapp.v1 import model as sdk

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import wire
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import ACTIVE_JOB_STATUSES, JOB_TERMINAL
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (
    ENDED_TASK_STATUSES, SERVER_STATUSES)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import SESSION_STATES
from simulator.state import FleetState


def sdk_enum(name):
    """The values of an SDK enum model (its upper-case class attributes)."""
    model = getattr(sdk, name)
    return frozenset(value for key, value in inspect.getmembers(model)
                     if key.isupper() and isinstance(value, str))


# -- the copy against the SDK ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", wire.KINDS)
def test_fields_are_the_sdk_models_attributes(kind):
    from_sdk = frozenset(name for model in wire.SDK_MODELS[kind] for name in getattr(sdk, model).openapi_types)
    assert wire.FIELDS[kind] == from_sdk, "wire.FIELDS[%r] differs from SDK %s: missing %s, extra %s" % (
        kind, wire.SDK_MODELS[kind], sorted(from_sdk - wire.FIELDS[kind]), sorted(wire.FIELDS[kind] - from_sdk))


def test_the_sdk_is_the_version_the_copy_was_taken_from():
    # a newer SDK: compare its models (the test above), then move SDK_VERSION (the findings name it)
    assert version("huaweicloudsdkworkspaceapp") == wire.SDK_VERSION


@pytest.mark.parametrize("kind, field", [(kind, field) for kind in wire.KINDS for field in wire.ENUMS.get(kind, {})])
def test_enum_values_are_the_sdk_enums(kind, field):
    name, values = wire.ENUMS[kind][field]
    assert field in wire.FIELDS[kind]
    if name == "session_state":  # a plain string in the SDK: the states the collection's choices offer
        assert values == frozenset(SESSION_STATES)
        return
    if name in ("JobStatus", "JobDetailStatus"):  # one set for both: a job may end in a sub job's status too
        assert values == sdk_enum("JobStatus") | sdk_enum("JobDetailStatus")
        return
    if name in ("ImageJobStatus", "ImageJobDetailStatus"):  # the same set: the waiters' rules for image jobs too
        assert values == sdk_enum("ImageJobStatus") | sdk_enum("ImageJobDetailStatus") == wire.JOB_STATUSES
        return
    assert values == sdk_enum(name), name


def test_the_enums_are_the_sets_the_code_decides_on():
    assert wire.JOB_STATUSES == ACTIVE_JOB_STATUSES | JOB_TERMINAL
    assert wire.SERVER_STATUS_VALUES == frozenset(SERVER_STATUSES)
    assert frozenset(ENDED_TASK_STATUSES) < wire.TASK_STATUSES
    assert wire.SESSION_STATE_VALUES == frozenset(SESSION_STATES)


# -- findings -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fleet():
    """A small simulated tenant: a job with its sub jobs, a session, a group of each kind."""
    state = FleetState(servers=4, groups=2, seed=3, job_duration=0)
    server_ids = state.server_ids()
    state.log_on(server_ids[0], "user-01")
    job = state.upgrade_hda(server_ids[:2])
    state.fast_forward(1)
    return state, job["id"]


def test_records_as_the_api_answers_them_have_no_finding(fleet):
    state, job_id = fleet
    groups = [dict(state.group_view(g), **state.group_view(g, detail=True)) for g in state.groups.values()]
    servers = [state.server_view(s) for s in state.servers.values()]
    assert any(s.get("job_id") == job_id for s in servers)
    assert wire.unexpected("server_group", groups) == []
    assert wire.unexpected("server", servers) == []
    assert wire.unexpected("access_agent", [state.hda_view(s) for s in state.servers.values()]) == []
    assert wire.unexpected("job", [state.job_view(state.get_job(job_id))]) == []
    sessions = [state.session_view(s) for s in state.sessions.values()]
    assert sessions and wire.unexpected("session", sessions) == []
    assert wire.unexpected("server", []) == [] and wire.unexpected("server", None) == []


def test_authorizations_and_mail_records_as_the_api_answers_them_have_no_finding():
    state = FleetState(servers=0, groups=0, seed=3)
    group = state.add_app_group("office")
    team = next(entry for entry in state.directory() if entry["account_type"] == "USER_GROUP")
    made = state.grant([group["id"]], [dict(account="alice", account_type="USER"),
                                       dict(id=team["id"], account_type="USER_GROUP")])
    records = [state.authorization_view(record) for record in made]
    assert len(records) == 2 and wire.unexpected("authorization", records) == []
    mails = state.send_authorized_mails([record["id"] for record in made])
    assert len(mails) == 2 and wire.unexpected("authorization_mail", mails) == []
    odd = dict(records[0], account_type="ROBOT")
    assert [(f["name"], f["field"], f["why"]) for f in wire.unexpected("authorization", [odd])] == [
        ("alice", "account_type", "unknown AccountTypeEnum value")]


def test_an_unknown_enum_value_is_named_with_its_record(fleet):
    state, _job_id = fleet
    server = dict(state.server_view(next(iter(state.servers.values()))), status="HIBERNATED",
                  task_status="defragmenting")
    found = wire.unexpected("server", [server])
    assert found == [
        dict(kind="server", id=server["id"], name=server["name"], field="status", value="HIBERNATED",
             why="unknown ServerStatus value"),
        dict(kind="server", id=server["id"], name=server["name"], field="task_status", value="defragmenting",
             why="unknown AppServerTaskStatus value"),
    ]
    agent = dict(state.hda_view(next(iter(state.servers.values()))), status="SLEEPING")
    assert [(f["kind"], f["id"], f["name"], f["value"]) for f in wire.unexpected("access_agent", [agent])] == [
        ("access_agent", agent["server_id"], agent["server_name"], "SLEEPING")]
    group = dict(state.group_view(next(iter(state.groups.values()))), app_type="GAME_APP")
    assert [(f["field"], f["value"], f["why"]) for f in wire.unexpected("server_group", [group])] == [
        ("app_type", "GAME_APP", "unknown AppTypeEnum value")]
    mine = next(s for s in state.sessions.values() if s["login_user"] == "user-01")
    session = dict(state.session_view(mine), session_state="Locked")
    assert [(f["id"], f["name"], f["value"]) for f in wire.unexpected("session", [session])] == [
        (session["id"], "user-01", "Locked")]


def test_a_field_the_sdk_model_does_not_have_is_named_with_its_value(fleet):
    state, _job_id = fleet
    server = dict(state.server_view(next(iter(state.servers.values()))), hibernation={"since": "2026-01-01"})
    (found,) = wire.unexpected("server", [server])
    assert found == dict(kind="server", id=server["id"], name=server["name"], field="hibernation",
                         value='{"since": "2026-01-01"}', why="field not in the SDK model AppServer (3.1.219)")
    long_value = dict(server, hibernation="x" * 500)
    assert len(wire.unexpected("server", [long_value])[0]["value"]) == wire.VALUE_MAX


def test_a_sub_job_is_checked_inside_its_job_and_named_by_its_server(fleet):
    state, job_id = fleet
    job = state.job_view(state.get_job(job_id))
    job["status"] = "PAUSED"
    job["sub_jobs"][1] = dict(job["sub_jobs"][1], status="SUSPENDED", progress=40)
    found = wire.unexpected("job", [job])
    sub = job["sub_jobs"][1]
    server_name = sub["job_resource_info"]["resource_name"]
    assert [(f["kind"], f["id"], f["name"], f["field"], f["value"]) for f in found] == [
        ("job", job_id, "UPGRADE_ACCESS_AGENT", "status", "PAUSED"),
        ("sub_job", sub["id"], server_name, "progress", "40"),
        ("sub_job", sub["id"], server_name, "status", "SUSPENDED"),
    ]


def test_no_value_and_odd_types_are_not_a_crash():
    assert wire.unexpected("server", [dict(id="s1", name="a", status=None, task_status="", vm_status="ACTIVE")]) == []
    (found,) = wire.unexpected("server", [dict(id="s1", status=["REGISTERED"])])
    assert (found["field"], found["value"], found["name"]) == ("status", '["REGISTERED"]', None)
    assert wire.unexpected("server", ["not a record", None]) == []
    assert wire.unexpected("job", [dict(id="j", sub_jobs=[dict(id="x", job_resource_info="?")])]) == []


def test_app_group_records_as_the_api_answers_them_have_no_finding_and_an_unknown_type_is_named(fleet):
    state, _job_id = fleet
    group = state.add_app_group("wire-apps", next(iter(state.groups)), description="d")
    listed, detail = state.app_group_view(group), state.app_group_view(group, detail=True)
    assert "app_server_group_description" in detail or "app_server_group_name" in detail
    assert wire.unexpected("app_group", [listed, dict(listed, **detail)]) == []
    odd = dict(listed, authorization_type="USER", app_type="GAME_APP", owner="x")
    assert [(f["kind"], f["id"], f["name"], f["field"], f["why"]) for f in wire.unexpected("app_group", [odd])] == [
        ("app_group", group["id"], "wire-apps", "app_type", "unknown AppTypeEnum value"),
        ("app_group", group["id"], "wire-apps", "authorization_type", "unknown AuthorizationTypeEnum value"),
        ("app_group", group["id"], "wire-apps", "owner",
         "field not in the SDK model AppGroup / ShowAppGroupDetailResponse (3.1.219)")]


def test_published_and_publishable_applications_as_the_api_answers_them_have_no_finding():
    state = FleetState(servers=1, groups=1, seed=3)
    group = state.add_app_group("office", next(iter(state.groups)))
    state.publish_apps(group["id"], [dict(name="Notepad", source_type=2, execute_path="notepad.exe"),
                                     dict(name="Tool", source_type=3, execute_path="tool.exe", icon_index=0)])
    apps = [state.app_view(app) for app in state.published_apps(group["id"])]
    assert wire.unexpected("app", apps) == []
    assert wire.unexpected("publishable_app", state.publishable_apps(group["id"])["items"]) == []
    odd = dict(apps[0], state="ARCHIVED", pinned=True)
    assert [(f["kind"], f["name"], f["field"], f["why"]) for f in wire.unexpected("app", [odd])] == [
        ("app", "Notepad", "pinned", "field not in the SDK model App (3.1.219)"),
        ("app", "Notepad", "state", "unknown AppStateEnum value")]


def test_image_servers_and_image_jobs_as_the_api_answers_them_have_no_finding_and_odd_values_are_named():
    state = FleetState(servers=1, groups=1, seed=29, job_duration=0)
    base = next(iter(state.groups.values()))["image_id"]
    created = state.create_image_server(dict(
        name="golden-src", root_volume=dict(type="SAS", size=80), image_ref=dict(id=base, image_type="private"),
        vpc_id="v", subnet_id="s", product_id="p", authorize_accounts=[dict(account="a", account_type="USER")]))
    state.fast_forward(1)
    (image_server,) = state.image_servers.values()
    built = state.build_image(image_server["id"], dict(name="golden 1"))
    state.fail_next_image_job(error_code="E1", error_msg="broken", status="ROLLBACK")
    failed = state.delete_image_servers([image_server["id"]])
    state.fast_forward(1)
    assert wire.unexpected("image_server", [state.image_server_view(image_server)]) == []
    details = [state.image_job_view(job) for job in (created, built, failed)]
    assert [d["status"] for d in details] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert details[2]["sub_jobs"][0]["job_execute_info"] == {"error_code": "E1", "error_message": "broken"}
    assert wire.unexpected("image_job", details) == []
    assert wire.unexpected("image_job", [state.image_job_view(job, detail=False) for job in (created, built)]) == []
    odd = dict(details[1], job_type="SNAPSHOT", sub_jobs=[dict(details[1]["sub_jobs"][0], status="PAUSED")])
    assert [(f["kind"], f["name"], f["field"], f["value"], f["why"]) for f in wire.unexpected("image_job", [odd])] == [
        ("image_job", "SNAPSHOT", "job_type", "SNAPSHOT", "unknown ImageJobType value"),
        ("image_sub_job", "golden 1", "status", "PAUSED", "unknown ImageJobDetailStatus value")]
    server = dict(state.image_server_view(image_server), status="HIBERNATED")
    assert [(f["name"], f["why"]) for f in wire.unexpected("image_server", [server])] == [
        ("golden-src", "unknown ImageServerStatus value")]


def test_schedule_tasks_their_executions_and_details_as_the_api_answers_them_have_no_finding():
    state = FleetState(servers=2, groups=1, seed=30)
    group_id = next(iter(state.groups))
    task = state.create_schedule_task({
        "task_name": "nightly", "task_type": "RESTART_SERVER", "scheduled_type": "DAY", "day_interval": 1,
        "scheduled_time": "01:00:00", "expire_time": "2099-01-01T00:00:00Z",
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": group_id}]})
    state.fast_forward(2 * 86400)
    merged = dict(state.schedule_task_view(task), **state.schedule_task_view(task, detail=True))
    run = state.task_executions(task["id"])[0]
    assert wire.unexpected("schedule_task", [merged]) == []
    assert wire.unexpected("schedule_task_execution", [run]) == []
    assert wire.unexpected("schedule_task_detail", state.execution_details(run["id"])) == []
    odd = dict(merged, task_type="HIBERNATE_SERVER")
    assert [(f["field"], f["name"], f["why"]) for f in wire.unexpected("schedule_task", [odd])] == [
        ("task_type", "nightly", "unknown ScheduleTaskTypeEnum value")]
