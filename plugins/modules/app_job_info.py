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
  - Image server jobs (an image server created or deleted, an image built) live on another endpoint,
    C(GET /v1/{project_id}/image-server-jobs/{job_id}); their ids look the same (18 digits), so O(job_kind) says which
    endpoint to read. Their sub jobs name the image server or image they act on (C(resource_id) of
    RV(job.sub_jobs)), and RV(job.resource_id) is the id of what the job created.
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
  job_kind:
    description:
      - Which endpoint the job lives on.
      - C(server) reads a server job (HDA upgrade, image change, TSVI, server create or delete ...) from
        C(GET /v2/{project_id}/job/{job_id}), one request.
      - C(image) reads an image server job (C(CREATE_SERVER), C(CREATE_SERVER_IMAGE), C(DELETE_SERVER) of an image
        server) from C(GET /v1/{project_id}/image-server-jobs/{job_id}), one request.
      - C(auto) reads the server job endpoint and, when it answers 404, the image server job endpoint (two requests
        for an image job); the job fails as unknown when neither has it.
    type: str
    choices: [server, image, auto]
    default: server
    version_added: 1.1.0
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

- name: The image build job of an image server (its image id once it succeeded)
  huaweicloud.workspace_app.app_job_info:
    job_id: "{{ build_job_id }}"
    job_kind: image
  register: build
  until: build.job.status in ['SUCCESS', 'FAILED']
  retries: 60
  delay: 30

- name: The image it built
  ansible.builtin.debug:
    msg: "{{ build.job.resource_id }}"

- name: A job of either kind
  huaweicloud.workspace_app.app_job_info:
    job_id: "{{ some_job_id }}"
    job_kind: auto
  register: any_job

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
    kind:
      description: Where the job was read, C(server) (a server job) or C(image) (an image server job).
      type: str
      sample: server
      version_added: 1.1.0
    job_type:
      description:
        - What the job does, for example C(UPGRADE_ACCESS_AGENT), C(CHANGE_SERVER_IMAGE), C(UPDATE_SERVER_TSVI).
        - An image server job's is C(CREATE_SERVER) (an image server created), C(CREATE_SERVER_IMAGE) (an image
          built) or C(DELETE_SERVER) (image servers deleted), or another value of the API's C(ImageJobType).
      type: str
    resource_id:
      description:
        - An image server job only, null for a server job. The id of what the job created, its first sub job's
          C(job_resource_info.resource_id) - the image server for C(CREATE_SERVER), the image for
          C(CREATE_SERVER_IMAGE) (null until the build has succeeded).
      type: str
      version_added: 1.1.0
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
      description: One entry per server (an image server job's, one per image server or image).
      type: list
      elements: dict
      contains:
        id:
          description: Sub job id.
          type: str
        server_id:
          description:
            - The server the sub job acts on (null for an image server job, see its C(resource_id)).
          type: str
        resource_id:
          description: An image server job's sub jobs only. The image server or image it acts on or made.
          type: str
          version_added: 1.1.0
        resource_name:
          description: An image server job's sub jobs only. The image server's name, or the image's name for a build.
          type: str
          version_added: 1.1.0
        job_type:
          description: An image server job's sub jobs only. The sub job's C(ImageJobType).
          type: str
          version_added: 1.1.0
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
      description: The record kind, C(job) or C(sub_job); C(image_job) or C(image_sub_job) for an image server job.
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

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    IMAGE_JOBS, SERVER_JOBS, created_resource_id, read_job, sub_job_error)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected

AUTO = "auto"


class AppJobInfo(WorkspaceAppModule):
    argument_spec = dict(job_id=dict(type="str", required=True),
                         job_kind=dict(type="str", choices=[SERVER_JOBS, IMAGE_JOBS, AUTO], default=SERVER_JOBS))

    def read(self, job_id):
        """``(endpoint, detail)`` of the job: on the endpoint ``job_kind`` names, or with ``auto`` on the server job
        endpoint and then, after a 404, on the image server job endpoint."""
        kind = self.params["job_kind"]
        endpoints = [SERVER_JOBS, IMAGE_JOBS] if kind == AUTO else [kind]
        for endpoint in endpoints:
            try:
                return endpoint, read_job(self.client, job_id, endpoint)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                if endpoint != endpoints[-1]:
                    continue
                where, hint = "", "; an image server job is read with job_kind=image"
                if kind != SERVER_JOBS:
                    where, hint = " among the %s" % (
                        "image server jobs" if kind == IMAGE_JOBS else "server jobs or the image server jobs"), ""
                self.fail("job_id: no job with id %r%s (%s)%s" % (job_id, where, exc.message, hint),
                          changed=False, error=exc.to_dict())
        return None, {}  # not reached: fail() exits

    def run(self):
        job_id = self.params["job_id"]
        endpoint, detail = self.read(job_id)
        image = endpoint == IMAGE_JOBS
        sub_jobs = []
        for sub in detail.get("sub_jobs") or []:
            resource = sub.get("job_resource_info") or {}
            error_code, error_msg = sub_job_error(sub)
            entry = dict(id=sub.get("id"), server_id=None if image else resource.get("resource_id"),
                         status=sub.get("status"), error_code=error_code, error_msg=error_msg)
            if image:
                entry.update(resource_id=resource.get("resource_id"), resource_name=resource.get("resource_name"),
                             job_type=sub.get("job_type"))
            sub_jobs.append(entry)
        job = dict(
            id=detail.get("id", job_id),
            kind=endpoint,
            job_type=detail.get("job_type"),
            status=detail.get("status"),
            begin_time=detail.get("begin_time"),
            end_time=detail.get("end_time"),
            sub_jobs_total=detail.get("sub_jobs_total", len(sub_jobs)),
            sub_jobs=sub_jobs,
            resource_id=created_resource_id(detail) if image else None,
        )
        return dict(changed=False, job=job, unexpected=unexpected("image_job" if image else "job", [detail]))


def main():
    AppJobInfo.main()


if __name__ == "__main__":
    main()
