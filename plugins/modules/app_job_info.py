#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_job_info
short_description: Read a Huawei Cloud Workspace application streaming job and its per-server sub jobs
version_added: 1.0.0
description:
  - Reads one job (C(GET /v2/{project_id}/job/{job_id})) with its sub jobs, one per server.
  - Use it after a job-starting module ran with C(wait=false) or to inspect a job started elsewhere.
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  job_id:
    description:
      - Id of the job. An unknown id fails the task.
    type: str
    required: true
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
"""

EXAMPLES = r"""
- name: Is the upgrade job done?
  huaweicloud.workspace_app.app_job_info:
    job_id: "575945548515770368"
  register: job

- name: Poll until the job has finished
  huaweicloud.workspace_app.app_job_info:
    job_id: "{{ upgrade.jobs[0] }}"
  register: job
  until: job.job.status in ['SUCCESS', 'FAILED']
  retries: 60
  delay: 30

- name: Servers whose sub job did not succeed
  ansible.builtin.debug:
    msg: "{{ job.job.sub_jobs | rejectattr('status', 'eq', 'SUCCESS') | map(attribute='server_id') | list }}"
"""

RETURN = r"""
job:
  description: The job.
  returned: always
  type: dict
  contains:
    id:
      description: Job id.
      type: str
      sample: "575945548515770368"
    job_type:
      description: What the job does, for example C(UPGRADE_ACCESS_AGENT), C(CHANGE_SERVER_IMAGE), C(UPDATE_SERVER_TSVI).
      type: str
    status:
      description: C(WAITING), C(RUNNING), C(SUCCESS) or C(FAILED).
      type: str
    begin_time:
      description: When the job was created.
      type: str
    end_time:
      description: When the job ended (null while running).
      type: str
    sub_jobs_total:
      description: Number of sub jobs.
      type: int
    sub_jobs:
      description: One entry per server.
      type: list
      elements: dict
      contains:
        id:
          description: Sub job id.
          type: str
        server_id:
          description: The server the sub job acts on.
          type: str
        status:
          description: C(WAITING), C(RUNNING), C(SUCCESS), C(FAILED), C(ABNORMAL), C(ROLLBACK) or C(ABORTING).
            Only C(SUCCESS) means the server's change succeeded.
          type: str
        error_code:
          description: Error code of a failed sub job.
          type: str
        error_msg:
          description: Failure reason of a failed sub job.
          type: str
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the job and its sub jobs), one entry per
      field the official SDK's model of the record does not have and per value of a known enum (a status, a type)
      the collection does not know. Empty when all is known. Computed from the records read, without another
      request.
    - The job's and the sub jobs' C(status) and C(job_type) are checked on the API's job detail (before RV(job) is
      built from it).
    - Values are cut at 80 characters. C(playbooks/check_tenant.yml) collects these into a report for a bug report.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: sub_job
      id: 0b5a1a3e-7a3c-4a53-8a47-8f0b2e3c1d20
      name: as-server-0001
      field: status
      value: SUSPENDED
      why: unknown JobDetailStatus value
  contains:
    kind:
      description: The record kind, C(job) or C(sub_job).
      type: str
    id:
      description: The record's id (an access agent record's server id).
      type: str
    name:
      description: The record's name (a job's type, a sub job's server, a session's user).
      type: str
    field:
      description: The field.
      type: str
    value:
      description: Its value (JSON for other than a string).
      type: str
    why:
      description: C(unknown <enum> value), or C(field not in the SDK model <model> (<SDK version>)).
      type: str
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppJobInfo(WorkspaceAppModule):
    argument_spec = dict(job_id=dict(type="str", required=True))

    def run(self):
        job_id = self.params["job_id"]
        try:
            detail = api.show_job_detail(self.client, job_id) or {}
        except ApiError as exc:
            if exc.status == 404:
                self.fail("job_id: no job with id %r (%s)" % (job_id, exc.message), changed=False, error=exc.to_dict())
            raise
        sub_jobs = [dict(
            id=sub.get("id"),
            server_id=(sub.get("job_resource_info") or {}).get("resource_id"),
            status=sub.get("status"),
            error_code=sub.get("error_code") or None,
            error_msg=sub.get("error_message") or None,
        ) for sub in detail.get("sub_jobs") or []]
        job = dict(
            id=detail.get("id", job_id),
            job_type=detail.get("job_type"),
            status=detail.get("status"),
            begin_time=detail.get("begin_time"),
            end_time=detail.get("end_time"),
            sub_jobs_total=detail.get("sub_jobs_total", len(sub_jobs)),
            sub_jobs=sub_jobs,
        )
        return dict(changed=False, job=job, unexpected=unexpected("job", [detail]))


def main():
    AppJobInfo.main()


if __name__ == "__main__":
    main()
