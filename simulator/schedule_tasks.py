"""Schedule tasks: restarts, starts, stops and reinstalls the service runs itself on a schedule, with an execution
history per run and per server.

:class:`ScheduleTasks` is one part of :class:`~simulator.state.FleetState`. It owns ``_schedule_tasks`` (id -> the
task in the wire's fields), ``_task_executions`` (execution id -> ScheduleTaskExecuteHistory, in run order) and
``_execution_details`` (execution id -> [ScheduleTaskExecuteDetail]).

* The next execution is computed from the schedule (``scheduled_type`` FIXED_TIME/DAY/WEEK/MONTH with
  ``scheduled_date``, ``day_interval``, ``week_list`` (1 = Sunday ... 7 = Saturday), ``month_list``, ``date_list``
  (1..31 and ``L``), ``scheduled_time``) in the task's ``time_zone`` (an IANA name), never after ``expire_time``.
* When the simulator's clock passes it (``advance``, ``fast_forward``), an enabled task runs: one execution
  (SUCCESS) with one detail per server of its targets (the servers and the servers of the server groups). The
  servers themselves are not touched (the record is what an audit reads).
* The list answers ``is_enable``, ``last_status``, ``next_execution_time`` and ``task_cron`` but no
  ``target_infos``; the show answers ``target_infos`` but none of the former (the SDK's response models).
* An update cannot clear ``day_interval`` once the type is no longer DAY (Terraform's finding): it stays.
"""

import datetime
import zoneinfo

from . import errors
from .errors import ApiError, invalid

TASK_TYPES = ("RESTART_SERVER", "START_SERVER", "STOP_SERVER", "REINSTALL_OS")
SCHEDULED_TYPES = ("FIXED_TIME", "DAY", "WEEK", "MONTH")
TARGET_TYPES = ("SERVER", "SERVER_GROUP")
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"  # next_execution_time, future executions: in the task's time zone
SCHEDULE_FIELDS = ("scheduled_type", "day_interval", "week_list", "month_list", "date_list", "time_zone",
                   "scheduled_date", "scheduled_time", "expire_time")
LIST_FIELDS = ("id", "task_name", "last_status", "task_type", "task_cron", "next_execution_time",
               "schedule_task_policy") + SCHEDULE_FIELDS[:-1] + ("expire_time", "description", "is_enable",
                                                                 "create_time", "update_time")
SHOW_FIELDS = ("id", "task_type", "task_name", "schedule_task_policy") + SCHEDULE_FIELDS + (
    "description", "target_infos")
SEARCH_DAYS = 800  # how far ahead an execution is looked for (a 29 February is at most 8 years away: not searched)


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise invalid("time_zone %r is not a known time zone." % name)


def _expiry(value):
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid("expire_time %r is not a date and time (yyyy-MM-ddTHH:mm:ssZ)." % value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _numbers(text, low, high, name, last=False):
    values = []
    for item in str(text or "").split(","):
        item = item.strip()
        if last and item == "L":
            values.append(item)
            continue
        if not item.isdigit() or not low <= int(item) <= high:
            raise invalid("%s must list numbers %d~%d%s, separated by commas." % (name, low, high,
                                                                                  " or L" if last else ""))
        values.append(int(item))
    return values


def check_schedule(task):
    """400 for a schedule the service refuses: what the type needs, numbers in range, a time as HH:mm:ss."""
    kind = task.get("scheduled_type")
    if kind not in SCHEDULED_TYPES:
        raise invalid("scheduled_type must be one of %s." % ", ".join(SCHEDULED_TYPES))
    try:
        datetime.datetime.strptime(task.get("scheduled_time") or "", "%H:%M:%S")
    except ValueError:
        raise invalid("scheduled_time must be HH:mm:ss.")
    _zone(task.get("time_zone"))
    _expiry(task.get("expire_time"))
    if kind == "FIXED_TIME":
        try:
            datetime.datetime.strptime(task.get("scheduled_date") or "", "%Y-%m-%d")
        except ValueError:
            raise invalid("scheduled_date must be yyyy-MM-dd when scheduled_type is FIXED_TIME.")
    elif kind == "DAY":
        if not isinstance(task.get("day_interval"), int) or not 1 <= task["day_interval"] <= 365:
            raise invalid("day_interval must be 1~365 when scheduled_type is DAY.")
    elif kind == "WEEK":
        _numbers(task.get("week_list"), 1, 7, "week_list")
    else:
        _numbers(task.get("month_list"), 1, 12, "month_list")
        _numbers(task.get("date_list"), 1, 31, "date_list", last=True)


def _runs_on(task, day, anchor):
    kind = task["scheduled_type"]
    if kind == "FIXED_TIME":
        return day.isoformat() == task.get("scheduled_date")
    if kind == "DAY":
        return (day - anchor).days % int(task.get("day_interval") or 1) == 0
    if kind == "WEEK":
        return (day.isoweekday() % 7) + 1 in _numbers(task.get("week_list"), 1, 7, "week_list")  # 1 = Sunday
    if day.month not in _numbers(task.get("month_list"), 1, 12, "month_list"):
        return False
    dates = _numbers(task.get("date_list"), 1, 31, "date_list", last=True)
    last_day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return day.day in dates or ("L" in dates and day == last_day)


def executions_after(task, after, count=1, anchor=None):
    """The next ``count`` execution instants (aware, UTC) of ``task`` strictly after ``after`` (aware)."""
    zone = _zone(task.get("time_zone"))
    at = datetime.datetime.strptime(task["scheduled_time"], "%H:%M:%S").time()
    expiry = _expiry(task.get("expire_time"))
    local = after.astimezone(zone)
    anchor = anchor or local.date()
    found = []
    for offset in range(SEARCH_DAYS):
        day = local.date() + datetime.timedelta(days=offset)
        if not _runs_on(task, day, anchor):
            continue
        moment = datetime.datetime.combine(day, at, tzinfo=zone).astimezone(datetime.timezone.utc)
        if moment <= after:
            continue
        if expiry is not None and moment > expiry:
            break
        found.append(moment)
        if len(found) >= count:
            break
    return found


def local_text(task, moment):
    return moment.astimezone(_zone(task.get("time_zone"))).strftime(LOCAL_FORMAT) if moment else None


def _cron(task):
    second, minute, hour = reversed(task["scheduled_time"].split(":"))
    kind = task["scheduled_type"]
    if kind == "FIXED_TIME":
        year, month, day = task["scheduled_date"].split("-")
        return "%s %s %s %s %s ? %s" % (second, minute, hour, int(day), int(month), year)
    if kind == "DAY":
        return "%s %s %s */%s * ?" % (second, minute, hour, task["day_interval"])
    if kind == "WEEK":
        return "%s %s %s ? * %s" % (second, minute, hour, task["week_list"])
    return "%s %s %s %s %s ?" % (second, minute, hour, task["date_list"], task["month_list"])


class ScheduleTasks:
    """Schedule tasks created, read, updated, deleted and run along the clock (a part of ``FleetState``)."""

    def _init_schedule_tables(self):
        self._schedule_tasks = {}
        self._task_executions = {}
        self._execution_details = {}

    def _now_utc(self):
        return datetime.datetime.fromtimestamp(self.clock.wall(), tz=datetime.timezone.utc)

    # ------------------------------------------------------------------ reads

    @property
    def schedule_tasks(self):
        with self.lock:
            self.advance()
            return self._schedule_tasks

    def require_schedule_task(self, task_id):
        with self.lock:
            self.advance()
            task = self._schedule_tasks.get(task_id)
            if task is None:
                raise ApiError(404, errors.SCHEDULE_TASK_NOT_FOUND, "task_id: %s" % task_id)
            return task

    def schedule_task_view(self, task, detail=False):
        """The ScheduleTask as the list answers it, or (``detail``) as the show does."""
        with self.lock:
            view = dict(task, task_cron=_cron(task), next_execution_time=local_text(task, task.get("_next")))
            if detail:
                view["target_infos"] = [dict(target, target_name=self._target_name(target))
                                        for target in task["target_infos"]]
            return dict((key, view.get(key)) for key in (SHOW_FIELDS if detail else LIST_FIELDS)
                        if view.get(key) is not None)

    def _target_name(self, target):
        record = (self._servers if target["target_type"] == "SERVER" else self._groups).get(target["target_id"])
        return record.get("name") if record else None

    def task_executions(self, task_id):
        with self.lock:
            self.require_schedule_task(task_id)
            return [run for run in self._task_executions.values() if run["task_id"] == task_id]

    def execution_details(self, execution_id):
        with self.lock:
            self.advance()
            return list(self._execution_details.get(execution_id, []))

    # ------------------------------------------------------------------ API

    def _check_targets(self, targets):
        for target in targets:
            known = self._servers if target["target_type"] == "SERVER" else self._groups
            if target["target_id"] not in known:
                raise ApiError(404, errors.SERVER_NOT_FOUND if target["target_type"] == "SERVER"
                               else errors.GROUP_NOT_FOUND, "target_id: %s" % target["target_id"])

    def _schedule_next(self, task, after=None):
        task["_next"] = None
        if task.get("is_enable", True):
            found = executions_after(task, after or self._now_utc(), anchor=task["_anchor"])
            task["_next"] = found[0] if found else None

    def create_schedule_task(self, body):
        """POST /schedule-task (body validated by the handler)."""
        with self.lock:
            self.advance()
            check_schedule(body)
            targets = body.get("target_infos") or []
            self._check_targets(targets)
            now = self.clock.iso()
            task = {"id": self._uuid(), "task_name": body["task_name"], "task_type": body["task_type"],
                    "last_status": "WAITING", "schedule_task_policy": body.get("schedule_task_policy") or
                    {"enforcement_enable": False}, "description": body.get("description"),
                    "is_enable": body.get("is_enable", True), "create_time": now, "update_time": now,
                    "target_infos": [dict(target_type=t["target_type"], target_id=t["target_id"]) for t in targets]}
            task.update((key, body.get(key)) for key in SCHEDULE_FIELDS)
            task["time_zone"] = task["time_zone"] or "UTC"
            task["_anchor"] = self._now_utc().astimezone(_zone(task["time_zone"])).date()
            self._schedule_next(task)
            self._schedule_tasks[task["id"]] = task
            return task

    def update_schedule_task(self, task_id, body):
        """PATCH /schedule-task/{id}: the fields given (not null) replace the task's; ``day_interval`` stays."""
        with self.lock:
            task = self.require_schedule_task(task_id)
            changed = dict(task)
            for key, value in body.items():
                if value is None:
                    continue
                if key == "target_infos":
                    self._check_targets(value)
                    value = [dict(target_type=t["target_type"], target_id=t["target_id"]) for t in value]
                changed[key] = value
            check_schedule(changed)
            task.update(changed)
            task["update_time"] = self.clock.iso()
            self._schedule_next(task)
            return task

    def delete_schedule_tasks(self, task_ids):
        with self.lock:
            for task_id in task_ids:
                self._schedule_tasks.pop(task_id, None)

    def future_executions(self, body):
        """POST /schedule-task/future-executions: the next 5 (the service's number) in the schedule's time zone."""
        with self.lock:
            check_schedule(body)
            return [local_text(body, moment) for moment in executions_after(body, self._now_utc(), count=5)]

    # ------------------------------------------------------------------ the clock

    def _advance_schedule_tasks(self):
        """Run the enabled tasks whose next execution the clock has passed (each due instant once)."""
        now = self._now_utc()
        for task in self._schedule_tasks.values():
            while task.get("_next") is not None and task["_next"] <= now and task.get("is_enable", True):
                self._run_task(task, task["_next"])
                self._schedule_next(task, after=task["_next"])

    def _task_servers(self, task):
        servers = []
        for target in task["target_infos"]:
            if target["target_type"] == "SERVER":
                servers.extend([target["target_id"]] if target["target_id"] in self._servers else [])
            else:
                servers.extend(sid for sid, server in self._servers.items()
                               if server.get("server_group_id") == target["target_id"])
        return list(dict.fromkeys(servers))

    def _run_task(self, task, moment):
        begin, end = moment.timestamp(), moment.timestamp() + 60
        from .clock import iso_time
        servers = self._task_servers(task)
        run = {"id": self._uuid(), "task_id": task["id"], "task_type": task["task_type"], "status": "SUCCESS",
               "scheduled_type": task["scheduled_type"], "total_count": len(servers), "success_count": len(servers),
               "failed_count": 0, "excuting_count": 0, "time_zone": task["time_zone"], "begin_time": iso_time(begin),
               "end_time": iso_time(end), "create_time": iso_time(begin)}
        self._task_executions[run["id"]] = run
        self._execution_details[run["id"]] = [
            {"id": self._uuid(), "execute_id": run["id"], "server_id": sid,
             "server_name": self._servers[sid].get("name"), "status": "SUCCESS", "task_type": task["task_type"],
             "time_zone": task["time_zone"], "begin_time": iso_time(begin), "end_time": iso_time(end)}
            for sid in servers]
        task["last_status"] = "SUCCESS"
