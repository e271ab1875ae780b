# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schedule tasks in the words a person uses, and the wire's fields: one translation both ways.

=================  ==========================================================================
user (module)       wire (ScheduleTask)
=================  ==========================================================================
name                task_name
task_type restart   task_type RESTART_SERVER (start START_SERVER, stop STOP_SERVER,
                    reinstall REINSTALL_OS)
schedule once       scheduled_type FIXED_TIME, date -> scheduled_date (yyyy-MM-dd)
schedule daily      scheduled_type DAY, day_interval -> day_interval
schedule weekly     scheduled_type WEEK, weekdays (ISO 1 = Monday .. 7 = Sunday) -> week_list
                    ("1,7" with 1 = Sunday .. 7 = Saturday)
schedule monthly    scheduled_type MONTH, months -> month_list ("1,6"), days -> date_list
                    ("1,15,L"; L or last = the month's last day)
time HH:MM[:SS]     scheduled_time HH:mm:ss
time_zone           time_zone;  expire_time -> expire_time
targets             target_infos [{target_type SERVER/SERVER_GROUP, target_id}]
enabled             is_enable;  description -> description
=================  ==========================================================================

:func:`check_options` refuses an impossible schedule before any call (naming the option and the values it takes) and
puts the options in their canonical form; :func:`to_wire` translates the options that are set; :func:`to_user`
reads a task (its show merged with its list item) back in the user's terms.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError

TASK_TYPES = {"restart": "RESTART_SERVER", "start": "START_SERVER", "stop": "STOP_SERVER",
              "reinstall": "REINSTALL_OS"}
SCHEDULES = {"once": "FIXED_TIME", "daily": "DAY", "weekly": "WEEK", "monthly": "MONTH"}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# What each schedule word takes (and needs at create: the first of each tuple).
SCHEDULE_OPTIONS = {"once": ("date",), "daily": ("day_interval",), "weekly": ("weekdays",),
                    "monthly": ("days", "months")}
SCHEDULE_ONLY = ("date", "day_interval", "weekdays", "months", "days")
TIME_RE = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")
TARGET_KEYS = ("server_id", "server_group_id", "server_group_name")


def _fail(option, value, allowed):
    raise TargetError("%s: %r is not valid; use %s" % (option, value, allowed))


def _weekday(value):
    text = str(value).strip().lower()
    if text in WEEKDAYS:
        return WEEKDAYS.index(text) + 1
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text)
    _fail("weekdays", value, "ISO numbers 1 (Monday) to 7 (Sunday) or the names monday to sunday")


def _month(value):
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    _fail("months", value, "numbers 1 (January) to 12 (December)")


def _day(value):
    text = str(value).strip()
    if text.lower() in ("l", "last"):
        return "L"
    if text.isdigit() and 1 <= int(text) <= 31:
        return int(text)
    _fail("days", value, "numbers 1 to 31, or last (the month's last day)")


def _ordered(values):
    """Distinct, numbers first in order, then ``L``."""
    unique = list(dict.fromkeys(values))
    return sorted((v for v in unique if v != "L")) + (["L"] if "L" in unique else [])


def normal_time(value, option="time"):
    found = TIME_RE.fullmatch(str(value).strip())
    if not found:
        _fail(option, value, "HH:MM or HH:MM:SS, 00:00 to 23:59:59")
    return "%02d:%s:%s" % (int(found.group(1)), found.group(2), found.group(3) or "00")


def normal_expiry(value, option="expire_time"):
    """``2027-01-31T00:00:00Z`` (UTC) of a date and time; a time without zone is UTC."""
    text = str(value).strip()
    try:
        moment = datetime.datetime.strptime(text[:10], "%Y-%m-%d") if len(text) == 10 else None
        if moment is None:
            parsed = text.replace("Z", "+00:00").replace(" ", "T")
            if "." in parsed:
                head, tail = parsed.split(".", 1)
                zone = re.search(r"[+-]\d\d:\d\d$", tail)
                parsed = head + (zone.group(0) if zone else "")
            moment = datetime.datetime.strptime(parsed[:19], "%Y-%m-%dT%H:%M:%S")
            zone = re.search(r"([+-])(\d\d):(\d\d)$", parsed[19:])
            if zone:
                offset = datetime.timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
                moment = moment - offset if zone.group(1) == "+" else moment + offset
    except ValueError:
        _fail(option, value, "a date and time such as 2027-01-31T00:00:00Z (yyyy-MM-ddTHH:mm:ss, UTC unless a zone "
                             "is given)")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_options(params):
    """Refuse an impossible schedule before any call, naming the option and what it takes; canonical values."""
    schedule = params.get("schedule")
    for option in SCHEDULE_ONLY:
        if params.get(option) is None:
            continue
        owner = [word for word, options in SCHEDULE_OPTIONS.items() if option in options][0]
        if schedule != owner:
            raise TargetError("%s: is only taken with schedule: %s (schedule is %s); set schedule: %s, or remove %s"
                              % (option, owner, schedule or "not set", owner, option))
    if schedule is not None and params.get(SCHEDULE_OPTIONS[schedule][0]) is None and schedule != "daily":
        raise TargetError("schedule: %s needs %s" % (schedule, SCHEDULE_OPTIONS[schedule][0]))
    if params.get("time") is not None:
        params["time"] = normal_time(params["time"])
    if params.get("date") is not None:
        try:
            params["date"] = datetime.datetime.strptime(str(params["date"]).strip(), "%Y-%m-%d").strftime("%Y-%m-%d")
        except ValueError:
            _fail("date", params["date"], "a date yyyy-MM-dd such as 2027-01-31")
    if params.get("day_interval") is not None and not 1 <= params["day_interval"] <= 365:
        _fail("day_interval", params["day_interval"], "1 to 365 (days between two runs)")
    for option, item in (("weekdays", _weekday), ("months", _month), ("days", _day)):
        if params.get(option) is not None:
            if not params[option]:
                raise TargetError("%s: name at least one" % option)
            params[option] = _ordered([item(value) for value in params[option]])
    if params.get("expire_time") is not None:
        params["expire_time"] = normal_expiry(params["expire_time"])
    for index, target in enumerate(params.get("targets") or []):
        given = [key for key in TARGET_KEYS if target.get(key)]
        if len(given) != 1:
            raise TargetError("targets[%d]: set exactly one of %s" % (index, ", ".join(TARGET_KEYS)))
    if params.get("targets") == []:
        raise TargetError("targets: name at least one server or server group")


def canonical_targets(targets):
    """``[{server_id}|{server_group_id}]`` in one order (names resolved before)."""
    return sorted(({key: value} for target in targets for key, value in target.items() if value),
                  key=lambda target: (list(target)[0], list(target.values())[0]))


def to_wire(values):
    """The wire's fields of the user's ``values`` that are set (a create's or an update's body)."""
    body = {}
    simple = {"name": "task_name", "day_interval": "day_interval", "time_zone": "time_zone", "time": "scheduled_time",
              "date": "scheduled_date", "expire_time": "expire_time", "description": "description",
              "enabled": "is_enable"}
    for option, field in simple.items():
        if values.get(option) is not None:
            body[field] = values[option]
    if values.get("task_type") is not None:
        body["task_type"] = TASK_TYPES[values["task_type"]]
    if values.get("schedule") is not None:
        body["scheduled_type"] = SCHEDULES[values["schedule"]]
    if values.get("weekdays") is not None:
        body["week_list"] = ",".join(str(day % 7 + 1) for day in sorted(values["weekdays"], key=lambda d: d % 7))
    if values.get("months") is not None:
        body["month_list"] = ",".join(str(month) for month in values["months"])
    if values.get("days") is not None:
        body["date_list"] = ",".join(str(day) for day in values["days"])
    if values.get("targets") is not None:
        body["target_infos"] = [{"target_type": "SERVER" if "server_id" in target else "SERVER_GROUP",
                                 "target_id": list(target.values())[0]} for target in values["targets"]]
    return body


def _listed(text, item):
    if text in (None, ""):
        return None
    return _ordered([item(value) for value in str(text).split(",")])


def _shown_expiry(value):
    """The record's ``expire_time`` as :func:`normal_expiry` has the option (as it is when it cannot be read)."""
    if not value:
        return None
    try:
        return normal_expiry(value)
    except TargetError:
        return value


def to_user(task):
    """A task (show merged with its list item) in the user's terms; the wire's read-only facts kept as they are."""
    kinds = dict((wire, word) for word, wire in TASK_TYPES.items())
    schedules = dict((wire, word) for word, wire in SCHEDULES.items())
    schedule = schedules.get(task.get("scheduled_type"), task.get("scheduled_type"))
    user = {"id": task.get("id"), "name": task.get("task_name"),
            "task_type": kinds.get(task.get("task_type"), task.get("task_type")), "schedule": schedule,
            "time": task.get("scheduled_time"), "time_zone": task.get("time_zone"),
            "expire_time": _shown_expiry(task.get("expire_time")),
            "description": task.get("description"), "enabled": task.get("is_enable"),
            "next_execution_time": task.get("next_execution_time"), "last_status": task.get("last_status"),
            "task_cron": task.get("task_cron"), "create_time": task.get("create_time"),
            "update_time": task.get("update_time"),
            "enforcement_enable": (task.get("schedule_task_policy") or {}).get("enforcement_enable")}
    # only the fields of the schedule the task has (the service keeps a day_interval it cannot clear)
    if schedule == "once":
        user["date"] = task.get("scheduled_date")
    elif schedule == "daily":
        user["day_interval"] = task.get("day_interval")
    elif schedule == "weekly":
        user["weekdays"] = _listed(task.get("week_list"), lambda day: (int(day) + 5) % 7 + 1)
    elif schedule == "monthly":
        user["months"] = _listed(task.get("month_list"), int)
        user["days"] = _listed(task.get("date_list"), lambda day: "L" if day.strip() == "L" else int(day))
    if "target_infos" in task:
        infos = task.get("target_infos") or []
        user["targets"] = canonical_targets(
            [{"server_id" if info.get("target_type") == "SERVER" else "server_group_id": info.get("target_id")}
             for info in infos])
        user["target_infos"] = infos
    return user


def stale_day_interval(record, params):
    """The refusal of a daily task that is to become another schedule: the service cannot clear its
    ``day_interval`` (Terraform's finding), so the module does not send that change."""
    wanted = params.get("schedule")
    if record.get("schedule") == "daily" and wanted is not None and wanted != "daily":
        return TargetError(
            "schedule: task %r (%s) is daily (day_interval %s) and the service cannot clear day_interval once a task "
            "is no longer daily, so it is not changed to %s; delete it first (state: absent) and run this again to "
            "create it %s, or keep schedule: daily"
            % (record.get("name"), record.get("id"), record.get("day_interval"), wanted, wanted))
    return None
