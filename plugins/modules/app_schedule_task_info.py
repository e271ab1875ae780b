#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_schedule_task_info
short_description: List Huawei Cloud Workspace schedule tasks, with their executions and per-server results
version_added: 1.1.0
description:
  - Lists the schedule tasks (C(GET …/schedule-task)), each read (C(GET …/schedule-task/{id})) for its targets and
    returned in the terms of M(huaweicloud.workspace_app.app_schedule_task) (O(history=true) adds the audit of what
    ran).
  - With O(history=true) each task's executions (C(GET …/schedule-task/{id}/execute-history)) are added under
    C(executions), each with its per-server results under C(details)
    (C(GET …/schedule-task/{execution id}/execute-detail)).
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  schedule_task_id:
    description: Only the task with this id (none when there is no such task).
    type: str
  name:
    description: Only the tasks named exactly this (the API's filter matches parts of names; exact is kept).
    type: str
  history:
    description: Add each task's executions and their per-server results.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Request cost - one list of the tasks and one read per task listed; with O(history=true) one list of the executions
    per task and one list of the details per execution.
seealso:
  - module: huaweicloud.workspace_app.app_schedule_task
"""

EXAMPLES = r"""
- name: What last night's restarts did, server by server
  huaweicloud.workspace_app.app_schedule_task_info:
    name: design-weekend-restart
    history: true
  register: audit

- name: The servers that failed
  ansible.builtin.debug:
    msg: "{{ audit.schedule_tasks | map(attribute='executions') | flatten | map(attribute='details') | flatten
             | selectattr('status', 'equalto', 'FAILED') | list }}"
"""

RETURN = r"""
schedule_tasks:
  description:
    - The matching tasks by name then id, each as RV(huaweicloud.workspace_app.app_schedule_task#module:schedule_task)
      returns it (O(name), C(task_type), C(schedule), C(time), C(weekdays) ..., C(next_execution_time),
      C(last_status), C(targets), C(target_infos)).
    - With O(history=true) each has C(executions) (the service's ScheduleTaskExecuteHistory records, C(status),
      C(total_count), C(success_count), C(failed_count), C(begin_time), C(end_time) ...), each with C(details) (the
      ScheduleTaskExecuteDetail records, one per server, C(server_id), C(server_name), C(status), C(result_code),
      C(result_message) ...).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5a4c5e0c-3f0a-4a4e-9a51-2c3e8a0c1d2e
      name: design-weekend-restart
      task_type: restart
      schedule: weekly
      weekdays: [6, 7]
      time: "03:00:00"
      next_execution_time: "2026-12-12 03:00:00"
      executions:
        - id: 9d0c0a52-0f9e-4b8e-8c43-6e9a9a3f7c11
          status: SUCCESS
          total_count: 2
          success_count: 2
          details:
            - server_name: design-0001
              status: SUCCESS
unexpected:
  description:
    - What the records read hold that the collection does not expect (the tasks as the service answers them, their
      executions and details), one entry per field the official SDK's model of the record does not have and per
      value of a known enum (C(task_type), C(scheduled_type), C(last_status), C(status)) the collection does not
      know. Empty when all is known. Computed from the records read, without another request.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: schedule_task
      id: 5a4c5e0c-3f0a-4a4e-9a51-2c3e8a0c1d2e
      name: design-weekend-restart
      field: task_type
      value: HIBERNATE_SERVER
      why: unknown ScheduleTaskTypeEnum value
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule, not_blank
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import named_in_order
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.schedule_tasks import to_user
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class ScheduleTaskInfo(WorkspaceAppModule):
    argument_spec = dict(
        schedule_task_id=dict(type="str"),
        name=dict(type="str"),
        history=dict(type="bool", default=False),
    )
    rules = (not_blank("schedule_task_id"),)

    def run(self):
        params = self.params
        listed = [dict(item, name=item.get("task_name"))
                  for item in api.list_schedule_tasks(self.client, task_name=params["name"])
                  if params["schedule_task_id"] in (None, item.get("id"))]
        tasks, findings = [], []
        for item in named_in_order(listed, params["name"]):
            merged = dict(item)
            merged.pop("name")  # the list's task_name, under the name the lookup uses: not the wire's
            merged.update(api.show_schedule_task(self.client, item["id"]))
            findings.extend(unexpected("schedule_task", [merged]))
            task = to_user(merged)
            if params["history"]:
                runs = api.list_task_execute_history(self.client, item["id"])
                findings.extend(unexpected("schedule_task_execution", runs))
                task["executions"] = []
                for run in runs:
                    details = api.list_task_execute_detail(self.client, run["id"])
                    findings.extend(unexpected("schedule_task_detail", details))
                    task["executions"].append(dict(run, details=details))
            tasks.append(task)
        return dict(changed=False, schedule_tasks=tasks, unexpected=findings)


def main():
    ScheduleTaskInfo.main()


if __name__ == "__main__":
    main()
