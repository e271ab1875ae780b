#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_schedule_task
short_description: Scheduled restarts, starts, stops and reinstalls of Huawei Cloud Workspace servers
version_added: 1.1.0
description:
  - Desired state of a schedule task, which the service runs itself on servers and server groups, identified by
    O(schedule_task_id) or by its exact O(name).
  - The schedule is given in words (O(schedule) V(once) with O(date), V(daily) with O(day_interval), V(weekly) with
    O(weekdays), V(monthly) with O(months) and O(days)) and translated to the wire's C(scheduled_type),
    C(scheduled_date), C(day_interval), C(week_list) (where 1 is Sunday), C(month_list) and C(date_list); the task
    read back is translated the other way, and only the options you set are compared, in your terms.
  - An existing task gets one C(PATCH …/schedule-task/{id}) with just what differs; when any part of the schedule
    differs, every schedule option you set is sent with it. A task that does not exist is created
    (C(POST …/schedule-task)) and needs O(task_type), O(schedule), O(time) and O(targets).
  - The service cannot clear C(day_interval) once a task is no longer daily. Changing a daily task to another
    schedule therefore fails before anything is sent, naming the task; delete it (O(state=absent)) and create it
    again. This is decided so that a task never keeps a hidden daily interval; its history stays with the deleted
    task.
  - Bad input fails before any call, naming the option and the values it takes, for example a weekday 8, a time
    25:00, O(days) without O(schedule=monthly) or O(date) without O(schedule=once).
  - With O(state=absent) the task is deleted (C(DELETE …/schedule-task/{id})); one that does not exist is no change.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  schedule_task_id:
    description:
      - Id of the task. Mutually exclusive with O(name); one of them is required. An unknown id fails (with
        O(state=absent) it is already gone).
    type: str
  name:
    description:
      - Exact name of the task (the wire's C(task_name)); the list is filtered by it (the API matches parts of names)
        and only an exact match is kept; several tasks with the name fail, listing them.
      - 1 to 64 letters (any script), digits, C(_) or C(-), no spaces.
    type: str
  state:
    description:
      - V(present) the task exists with the settings you set; V(absent) it does not exist.
    type: str
    choices: [present, absent]
    default: present
  task_type:
    description:
      - What the task does to its servers. V(restart) (C(RESTART_SERVER)), V(start) (C(START_SERVER)), V(stop)
        (C(STOP_SERVER)), V(reinstall) (C(REINSTALL_OS), rebuilds the system disks).
    type: str
    choices: [restart, start, stop, reinstall]
  schedule:
    description:
      - When it runs. V(once) on O(date); V(daily) every O(day_interval) days (1 when not set at create);
        V(weekly) on O(weekdays); V(monthly) on O(days) of O(months) (every month when O(months) is not set at create).
      - Required when O(date), O(day_interval), O(weekdays), O(months) or O(days) is set.
      - A daily task cannot become another schedule (see the description).
    type: str
    choices: [once, daily, weekly, monthly]
  time:
    description:
      - Time of day it runs, V(HH:MM) or V(HH:MM:SS) (24 hours), in O(time_zone).
    type: str
  date:
    description:
      - The day of a O(schedule=once) task, V(yyyy-MM-dd).
    type: str
  day_interval:
    description:
      - Days between two runs of a O(schedule=daily) task, 1 to 365.
    type: int
  weekdays:
    description:
      - Days of a O(schedule=weekly) task, as ISO numbers (1 is Monday, 7 is Sunday) or names V(monday) to V(sunday).
        The wire counts 1 as Sunday; the module translates.
    type: list
    elements: raw
  months:
    description:
      - Months of a O(schedule=monthly) task, 1 to 12.
    type: list
    elements: raw
  days:
    description:
      - Days of the month of a O(schedule=monthly) task, 1 to 31, or V(last) for the month's last day.
    type: list
    elements: raw
  time_zone:
    description:
      - Time zone of O(time), for example V(Asia/Shanghai) or V(UTC).
    type: str
  expire_time:
    description:
      - When the task stops running, a date and time such as V(2027-01-31T00:00:00Z) (UTC unless a zone is given).
    type: str
  targets:
    description:
      - The servers and server groups it runs on; each item sets exactly one of its sub-options. Server group names
        are resolved to ids with one listing of the server groups before anything is sent. The list replaces the
        task's targets when it differs (order does not matter).
    type: list
    elements: dict
    suboptions:
      server_id:
        description: Id of a server.
        type: str
      server_group_id:
        description: Id of a server group.
        type: str
      server_group_name:
        description: Exact name of a server group.
        type: str
  enabled:
    description:
      - Whether the task runs (the wire's C(is_enable)). A create without it leaves the service's default (enabled).
    type: bool
  description:
    description:
      - Description of the task. An empty string clears it.
    type: str
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and compares; sends nothing.
  diff_mode:
    support: full
    description: The options that change, in the module's terms, before and after.
notes:
  - Request cost - by name one list of the tasks (name filter) and one read of the task found; by id one read and one
    list filtered by its name (the list answers C(is_enable) and C(next_execution_time), the read the targets). With
    O(targets) naming server groups by name, one list of the server groups. A change is one PATCH and the two reads
    again; a create one POST and the two reads; a delete one DELETE.
  - C(next_execution_time) of RV(schedule_task) is the task record's own field (from the list of tasks), not
    C(list_future_executions); in check mode a create has none.
  - The SDK 3.1.219 C(CreateScheduleTaskReq) lacks C(task_name), C(task_type), C(target_infos),
    C(schedule_task_policy), C(is_enable) and C(description); the module sends them, as Terraform does.
seealso:
  - module: huaweicloud.workspace_app.app_schedule_task_info
"""

EXAMPLES = r"""
- name: Restart the design servers every Saturday and Sunday at 03:00 Shanghai time
  huaweicloud.workspace_app.app_schedule_task:
    name: design-weekend-restart
    task_type: restart
    schedule: weekly
    weekdays: [saturday, sunday]
    time: "03:00"
    time_zone: Asia/Shanghai
    targets:
      - server_group_name: design
  register: task

- name: When it runs next
  ansible.builtin.debug:
    var: task.schedule_task.next_execution_time

- name: Reinstall on the last day of every quarter
  huaweicloud.workspace_app.app_schedule_task:
    name: quarterly-reinstall
    task_type: reinstall
    schedule: monthly
    months: [3, 6, 9, 12]
    days: [last]
    time: "22:30"
    targets:
      - server_group_name: kiosk

- name: Remove a task
  huaweicloud.workspace_app.app_schedule_task:
    name: design-weekend-restart
    state: absent
"""

RETURN = r"""
schedule_task:
  description:
    - The task in the module's terms (O(name), O(task_type), O(schedule), O(time), O(weekdays) ... as you set them),
      with C(next_execution_time) (in the task's time zone), C(last_status), C(task_cron), C(create_time),
      C(update_time), C(enforcement_enable) and C(target_infos) (the wire's targets with their names).
    - With O(state=absent), the task as read before it was deleted; V(null) when there was none.
  returned: success
  type: dict
  sample:
    id: 5a4c5e0c-3f0a-4a4e-9a51-2c3e8a0c1d2e
    name: design-weekend-restart
    task_type: restart
    schedule: weekly
    weekdays: [6, 7]
    time: "03:00:00"
    time_zone: Asia/Shanghai
    enabled: true
    next_execution_time: "2026-12-12 03:00:00"
    targets: [{server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1}]
  contains:
    next_execution_time:
      description:
        - When it runs next, C(yyyy-MM-dd HH:mm:ss) in its time zone, as the list of tasks answers it (not
          C(list_future_executions)); V(null) for a create in check mode and for a task that will not run again.
      type: str
    last_status:
      description: The last execution's status, C(WAITING), C(RUNNING), C(SUCCESS) or C(FAILED).
      type: str
    targets:
      description: The targets as ids, C(server_id) or C(server_group_id), as O(targets) is compared.
      type: list
      elements: dict
    target_infos:
      description: The wire's targets, C(target_type), C(target_id) and C(target_name).
      type: list
      elements: dict
changes:
  description: What was (or in check mode would be) sent, in the module's terms; empty when nothing differs.
  returned: success
  type: dict
  sample: {time: "04:00:00"}
diff:
  description: With C(--diff), C(before) and C(after) of the changing options, in the module's terms.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    absent_takes_only, matches, run_resource)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    NAME_RE, NAME_RULE, Field, Resource, exact)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.schedule_tasks import (
    SCHEDULES, TASK_TYPES, canonical_targets, check_options, stale_day_interval, to_user, to_wire)

SCHEDULE_FIELDS = ("schedule", "time", "date", "day_interval", "weekdays", "months", "days", "time_zone",
                   "expire_time")


class ScheduleTask(Resource):
    kind = "schedule task"
    result_key = "schedule_task"
    id_option = "schedule_task_id"
    options = dict(
        task_type=dict(type="str", choices=sorted(TASK_TYPES)),
        schedule=dict(type="str", choices=sorted(SCHEDULES)),
        time=dict(type="str"),
        date=dict(type="str"),
        day_interval=dict(type="int"),
        weekdays=dict(type="list", elements="raw"),
        months=dict(type="list", elements="raw"),
        days=dict(type="list", elements="raw"),
        time_zone=dict(type="str"),
        expire_time=dict(type="str"),
        targets=dict(type="list", elements="dict", options=dict(
            server_id=dict(type="str"), server_group_id=dict(type="str"), server_group_name=dict(type="str"))),
        enabled=dict(type="bool"),
        description=dict(type="str"),
    )
    fields = tuple(Field(option) for option in ("task_type",) + SCHEDULE_FIELDS + ("targets", "enabled")) + (
        Field("description", nullable=True),)
    together = SCHEDULE_FIELDS  # one schedule: when a part differs, every part set is sent with it
    create_required = ("task_type", "schedule", "time", "targets")
    rules = (
        absent_takes_only("schedule task", "schedule_task_id"),
        matches("name", NAME_RE, "schedule task name", NAME_RULE),
        check_options,
    )

    def __init__(self, context):
        super(ScheduleTask, self).__init__(context)
        self.listed = {}  # id -> the list's item (is_enable, next_execution_time), from the name search

    def _list(self, name):
        items = api.list_schedule_tasks(self.client, task_name=name)
        for item in items:
            self.listed[item["id"]] = item
        return items

    def show(self, resource_id):
        shown = api.show_schedule_task(self.client, resource_id)
        item = self.listed.pop(resource_id, None)
        if item is None:
            item = exact([dict(i, name=i.get("task_name")) for i in self._list(shown.get("task_name"))
                          if i.get("id") == resource_id], shown.get("task_name"), self.kind, "name",
                         self.id_option) or {}
        merged = dict(item)
        merged.update(shown)
        return to_user(merged)

    def search(self, name):
        return [dict(item, name=item.get("task_name")) for item in self._list(name)]

    def find(self, missing_ok):
        targets = self.params.get("targets")
        if targets and self.params["state"] == "present":
            named = [t["server_group_name"] for t in targets if t.get("server_group_name")]
            groups = api.list_server_groups(self.client) if named else []
            resolved = []
            for index, target in enumerate(targets):
                if target.get("server_group_name"):
                    group = exact(groups, target["server_group_name"], "server group",
                                  "targets[%d].server_group_name" % index, "server_group_id")
                    if group is None:
                        raise TargetError("targets[%d].server_group_name: no server group is named %r"
                                          % (index, target["server_group_name"]))
                    resolved.append({"server_group_id": group["id"]})
                else:
                    resolved.append(target)
            self.params["targets"] = canonical_targets(resolved)
        return super(ScheduleTask, self).find(missing_ok)

    @classmethod
    def create_body(cls, params):
        body = super(ScheduleTask, cls).create_body(params)
        if body.get("schedule") == "daily" and body.get("day_interval") is None:
            body["day_interval"] = 1
        if body.get("schedule") == "monthly" and body.get("months") is None:
            body["months"] = list(range(1, 13))
        return body

    def check_existing(self, record):
        refusal = stale_day_interval(record, self.params)
        if refusal is not None:
            raise refusal

    def send_create(self, body):
        return api.create_schedule_task(self.client, to_wire(body))["id"]

    def send_update(self, record_id, body):
        api.update_schedule_task(self.client, record_id, to_wire(body))

    def send_delete(self, record):
        api.delete_schedule_task(self.client, record["id"])


def main():
    run_resource(ScheduleTask)


if __name__ == "__main__":
    main()
