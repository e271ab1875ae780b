#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_image
short_description: Build a Huawei Cloud Workspace golden image from an image server, once
version_added: 1.1.0
description:
  - An image named O(name) exists, built from an image server (C(POST …/image-servers/{id}/actions/recreate-image),
    a C(CREATE_SERVER_IMAGE) image server job). With O(wait) (the default) the task waits for the build under one
    deadline (O(wait_timeout)) and returns the new image's id (the build job's sub job
    C(job_resource_info.resource_id)).
  - Idempotent by name. The image builds are read first (C(GET …/image-server-sub-jobs?job_type=CREATE_SERVER_IMAGE));
    a build of an image with exactly this name that succeeded is returned and nothing is built; one still running is
    waited for (a re-run after a timeout resumes the wait); only when there is neither (none, or only failed ones) is
    an image built.
  - The image server is looked up only when an image is to be built, so a re-run after the image server was deleted
    still returns the image.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  name:
    description:
      - Name of the image (1 to 128 letters, digits, C(-), C(.), C(_) or spaces, not starting or ending with a space).
    type: str
    required: true
  image_server_id:
    description:
      - Id of the image server to build from. Mutually exclusive with O(image_server_name); one of them is required.
    type: str
  image_server_name:
    description:
      - Exact name of the image server to build from, instead of O(image_server_id).
    type: str
  description:
    description:
      - Description of the image (sent with the build only).
    type: str
  execute_sysprep:
    description:
      - Run the system preparation (sysprep) step before the image is captured.
    type: bool
    default: true
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads the builds and (for a build) the image server; sends nothing and waits for nothing. RV(action)
      tells the plan. An image server that does not exist (yet) does not fail the check (an earlier task of the play
      may be the one that creates it); the build is planned with a warning.
  diff_mode:
    support: none
    description: Nothing is compared; RV(action) and RV(image) tell what is (or would be) done.
notes:
  - Request cost - one list of the image build sub jobs (per page of 100); a build adds one read of the image server
    (two by name), one POST and one image job read per polling round; waiting for a running build costs the reads of
    the rounds only.
  - A build whose answer is lost or a server error (5xx) is settled by reading the builds of that name again; one
    found is this task's (waited for), never built twice.
  - The service refuses a build while the image server is C(CREATING) or C(BUILDING) another image.
"""

EXAMPLES = r"""
- name: Build the golden image (once; a re-run returns the same image)
  huaweicloud.workspace_app.app_image:
    name: golden 2026.12
    image_server_name: golden-src
    description: Office and CAD tools
  register: golden

- name: Roll it out
  huaweicloud.workspace_app.app_server_image:
    server_group_name: design
    image_id: "{{ golden.image.id }}"
    image_type: private
"""

RETURN = r"""
image:
  description: The image, as its build job tells it.
  returned: success
  type: dict
  contains:
    id:
      description: The image's id (null until its build succeeded, e.g. with O(wait=false) or in check mode).
      type: str
    name:
      description: The image's name.
      type: str
    job_id:
      description: The build's image server job (null in check mode for a build).
      type: str
    status:
      description: The build job's status (C(SUCCESS) once built; C(WAITING)/C(RUNNING) while it runs; null in check
        mode for a build).
      type: str
  sample:
    id: 5b7d9f1a-3c5e-4a7c-9e1b-3d5f7a9c1e3b
    name: golden 2026.12
    job_id: "575945548515770370"
    status: SUCCESS
jobs:
  description: The build job this run started or waited for (empty when a finished build was found).
  returned: success
  type: list
  elements: str
  sample: ["575945548515770370"]
action:
  description:
    - V(none) a build of that name had succeeded (nothing built); V(wait) a build of that name was running (waited
      for); V(build) an image was (or in check mode would be) built.
  returned: success
  type: str
  sample: build
image_server_id:
  description: The image server built from (for a build only).
  returned: when an image is built
  type: str
  sample: 2c0d4b6e-8f0a-4c2e-9e4a-6b8d0f2a4c6e
"""

import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.images import (
    find_image_server, image_builds, wait_image_job)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    ACTIVE_JOB_STATUSES, created_resource_id)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    JOB_WAIT, WorkspaceAppModule, not_blank)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import land_one

# CreateServerImageReq.name: 1..128 letters (Chinese too), digits, "-", ".", "_" and spaces; no space at either end
IMAGE_NAME_RE = re.compile(r"(?=\S)[\w.\- ]{1,128}(?<=\S)")


def image_name_rule(params):
    name = params.get("name")
    if name is not None and not IMAGE_NAME_RE.fullmatch(name):
        raise TargetError("name: %r is not a valid image name; use 1 to 128 letters, digits, '-', '.', '_' or spaces, "
                          "not starting or ending with a space" % name)


def build_of(sub):
    """A build sub job as the result's ``image`` (``name`` filled in by the caller)."""
    return dict(id=(sub.get("job_resource_info") or {}).get("resource_id") if sub.get("status") == "SUCCESS" else None,
                job_id=sub.get("job_id"), status=sub.get("status"))


class AppImage(WorkspaceAppModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        image_server_id=dict(type="str"),
        image_server_name=dict(type="str"),
        description=dict(type="str"),
        execute_sysprep=dict(type="bool", default=True),
    )
    argument_spec.update(JOB_WAIT.argument_spec())
    module_kwargs = dict(mutually_exclusive=[("image_server_id", "image_server_name")],
                         required_one_of=[("image_server_id", "image_server_name")])
    rules = (image_name_rule, not_blank("image_server_id"), not_blank("image_server_name")) + tuple(JOB_WAIT.rules)

    def run(self):
        name = self.params["name"]
        builds = image_builds(self.client, name)
        done = [sub for sub in builds if sub.get("status") == "SUCCESS"]
        running = [sub for sub in builds if sub.get("status") in ACTIVE_JOB_STATUSES]
        if done:
            return self.result(False, "none", build_of(done[0]))
        if running and self.check_mode:
            return self.result(False, "wait", build_of(running[0]))  # waits for nothing
        if running:
            return self.waited(False, "wait", running[0]["job_id"], build_of(running[0]))
        params = self.params
        # in check mode an image server that does not exist yet may be one an earlier task of the play would create
        server = find_image_server(self.client, params["image_server_id"], params["image_server_name"],
                                   option="image_server_name", missing_ok=self.check_mode)
        if self.check_mode:
            if server is None:
                self.warn("image server %r does not exist (yet): the build is planned, but a real run fails unless "
                          "an earlier task creates the image server" % (params["image_server_id"]
                                                                        or params["image_server_name"]))
            return self.result(True, "build", dict(id=None, job_id=None, status=None), (server or {}).get("id"))

        def settle(exc):
            # a build of this name that the service shows now is this task's (lost answer, 5xx): never sent twice
            again = [sub for sub in image_builds(self.client, name)
                     if sub.get("status") in ACTIVE_JOB_STATUSES or sub.get("status") == "SUCCESS"]
            if again:
                self.warn("%s; the image build of %r (job %s) shows it was applied" % (exc.message, name,
                                                                                       again[0]["job_id"]))
                return again[0]["job_id"]
            return None

        job_id = land_one(lambda: api.recreate_server_image(self.client, server["id"], name,
                                                            description=params["description"],
                                                            execute_sysprep=params["execute_sysprep"]),
                          settle, params["max_retries"])
        return self.waited(True, "build", job_id, dict(id=None, job_id=job_id, status="WAITING"), server["id"])

    def waited(self, changed, action, job_id, image, image_server_id=None):
        """``image`` after its build job ``job_id`` (waited for with ``wait``, else read once)."""
        if self.params["wait"]:
            detail = wait_image_job(self, job_id, "the build of image %r" % self.params["name"])
        else:
            detail = api.show_image_job(self.client, job_id) or {}
        status = detail.get("status") or image.get("status")
        image = dict(id=created_resource_id(detail) if status == "SUCCESS" else None, job_id=job_id, status=status)
        return self.result(changed, action, image, image_server_id)

    def result(self, changed, action, image, image_server_id=None):
        image = dict(image, name=self.params["name"])
        result = dict(changed=changed, action=action, image=image,
                      jobs=[image["job_id"]] if action != "none" and image.get("job_id") else [])
        if image_server_id:
            result["image_server_id"] = image_server_id
        return result


def main():
    AppImage.main()


if __name__ == "__main__":
    main()
