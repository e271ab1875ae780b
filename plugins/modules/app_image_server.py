#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_image_server
short_description: Create, rename and delete Huawei Cloud Workspace image servers (golden image build machines)
version_added: 1.1.0
description:
  - Desired state of an image server, the machine a golden image is built from (apps installed on it, then captured
    with M(huaweicloud.workspace_app.app_image)), identified by O(image_server_id) or by its exact O(name).
  - A create (C(POST …/image-servers)) starts an image server job (C(CREATE_SERVER), read on
    C(GET …/image-server-jobs/{job_id})); with O(wait) (the default) the task waits for it under one deadline
    (O(wait_timeout)) until the image server is C(ACTIVE). The service makes a server group, a server and an app group
    for it.
  - An existing image server is compared on O(description) and O(new_name) only (C(PATCH …/image-servers/{id})); the
    other settings can only be given at create. A base image (O(image_id)) that differs from the one the image server
    was created from fails before anything is sent.
  - An image server found C(CREATING) (a re-run after a timeout, or after a lost create answer) is waited for through
    its running create job; it is never created twice.
  - B(With O(state=absent) and O(delete_related=true) the service also deletes the server group, its servers and the
    app groups built from the image server; the applications published there become unavailable.) By default only
    the image server record is deleted (C(recursive=false)).
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  image_server_id:
    description:
      - Id of the image server. Mutually exclusive with O(name).
    type: str
  name:
    description:
      - Exact name of the image server (the API's name filter matches parts of names; only an exact match counts).
        Several image servers with that name fail, listing them.
      - When none has it, the image server is created with this name (1 to 64 letters, digits, C(_) or C(-)).
    type: str
  new_name:
    description:
      - Rename the image server to this name; a re-run finds it under either name.
    type: str
  state:
    description:
      - V(present) the image server exists (created when none has the O(name)); V(absent) it does not.
    type: str
    choices: [present, absent]
    default: present
  image_id:
    description:
      - Id of the base image the image server is created from. Required to create; create-only.
    type: str
  image_type:
    description:
      - Type of the base image. Required to create; create-only.
    type: str
    choices: [gold, public, private, shared, other]
  image_product_id:
    description:
      - Product id of a marketplace base image; required when O(image_type=gold).
    type: str
  flavor_id:
    description:
      - Flavor id of the image server. A create needs O(flavor_id) or O(product_id); create-only.
    type: str
  product_id:
    description:
      - Product (package) id of the image server. A create needs O(flavor_id) or O(product_id); create-only.
    type: str
  vpc_id:
    description:
      - Id of the VPC. Required to create; create-only.
    type: str
  subnet_id:
    description:
      - Id of the subnet of the image server's network interface. Required to create; create-only.
    type: str
  system_disk_type:
    description:
      - Type of the system disk. Required to create; create-only.
    type: str
    choices: [ESSD, SSD, GPSSD, SAS, SATA]
  system_disk_size:
    description:
      - Size of the system disk in GB, from 10 to 1024. Required to create; create-only.
    type: int
  ou_name:
    description:
      - Organizational unit the image server joins in the domain. Create-only.
    type: str
  authorize_accounts:
    description:
      - The users (or user groups) authorized on the image server's app group. Required to create; create-only.
    type: list
    elements: dict
    suboptions:
      account:
        description: The user or user group name.
        type: str
        required: true
      account_type:
        description: V(USER) or V(USER_GROUP).
        type: str
        choices: [USER, USER_GROUP]
        default: USER
      domain:
        description: The domain name.
        type: str
  is_vdi:
    description:
      - Single-session (VDI) mode. Create-only.
    type: bool
  description:
    description:
      - Description of the image server. An empty string clears it.
    type: str
  attach_apps:
    description:
      - Ids of cloud application warehouse apps to install on the image server (C(attach-app), AttachServerAppReq
        C(items)), compared with the C(app_id) of each item C(latest-attached-app) lists. When it lists every one of
        them nothing is sent. When one is missing, one C(attach-app) sends this whole list; C(latest-attached-app)
        shows the last attach only (an attach replaces what it lists), so attaching the missing apps alone would make
        the next run find the others missing and attach them again. Apps listed there but not here are never sent
        (the API has no detach).
      - A create sends them with the create request (C(attach_apps)) instead, and the run after it sends nothing.
      - Each id is given once, not empty; at most 100. Check mode and C(--diff) read and send nothing; the diff shows
        the apps listed before and the list this run attaches after.
      - The service answers an attach with a C(uri) and no job, so the task cannot wait for the install. Whether an
        attached app can fail to install later, and whether C(latest-attached-app) then still lists it, the service
        does not tell; a listed app counts as attached and is not sent again. The service refuses an attach unless
        the image server is C(ACTIVE) or C(BUILT) (an image server found C(CREATING) is waited for first, with
        O(wait)).
    type: list
    elements: str
  delete_related:
    description:
      - B(With O(state=absent), also delete the server group, its servers and the app groups the service built for the
        image server) (C(recursive=true)); the applications published there become unavailable. Built images are
        kept.
      - V(false) (the default) deletes the image server record only and keeps those resources.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and compares; sends nothing and waits for nothing.
  diff_mode:
    support: full
    description: The fields that change; for a create, before is empty and after the create request.
notes:
  - Request cost - one list of image servers by name and one read; a create is one POST, one image job read per
    polling round and one read; a delete is one batch delete and, with O(wait), one image job read per round.
  - A create whose answer is lost or a server error (5xx) is settled by listing the image servers of that name; one
    found is taken as this task's, and waited for.
  - A delete answered without a job id means the image server is gone already.
  - O(attach_apps) costs one C(latest-attached-app) read per run and, when an app is missing, one C(attach-app) and
    one more read to verify it.
  - An image server C(BUILDING) an image cannot be deleted; the task fails naming it (re-run once the build ended).
"""

EXAMPLES = r"""
- name: An image server from a private base image
  huaweicloud.workspace_app.app_image_server:
    name: golden-src
    image_id: "{{ base_image_id }}"
    image_type: private
    product_id: workspace.appstream.general.xlarge.2
    vpc_id: "{{ vpc_id }}"
    subnet_id: "{{ subnet_id }}"
    system_disk_type: SAS
    system_disk_size: 80
    authorize_accounts:
      - account: builder
    attach_apps:
      - "{{ office_app_id }}"
  register: image_server

- name: Install one more app on it (nothing is sent when both are attached already)
  huaweicloud.workspace_app.app_image_server:
    name: golden-src
    attach_apps:
      - "{{ office_app_id }}"
      - "{{ pdf_reader_app_id }}"

- name: Delete the image server record only (its server group and app group stay)
  huaweicloud.workspace_app.app_image_server:
    name: golden-src
    state: absent

- name: Delete it with the server group, servers and app groups built from it
  huaweicloud.workspace_app.app_image_server:
    name: golden-src
    state: absent
    delete_related: true
"""

RETURN = r"""
image_server:
  description:
    - The image server as the service shows it after the task (C(GET …/image-servers/{id})); in check mode for a
      create, as the request describes it (no id). In check mode with an attach planned, C(attach_apps) lists the
      app ids that would be attached afterwards. With O(state=absent), the image server that was deleted (null when
      there was none).
  returned: success
  type: dict
  sample:
    id: 2c0d4b6e-8f0a-4c2e-9e4a-6b8d0f2a4c6e
    name: golden-src
    status: ACTIVE
    image_ref: {id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d, image_type: private}
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    app_group_id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6e
    server_id: 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b
    image_id: null
changes:
  description:
    - The create request or the PATCH body that was (or would be) sent; empty when nothing differs. C(attach_apps)
      lists the apps an C(attach-app) sent (or would send).
  returned: success
  type: dict
  sample: {description: built weekly}
jobs:
  description:
    - Ids of the image server jobs this run started (the create or the delete) or waited for (the create job of an
      image server found C(CREATING)); read them with M(huaweicloud.workspace_app.app_job_info) and
      O(huaweicloud.workspace_app.app_job_info#module:job_kind=image).
  returned: success
  type: list
  elements: str
  sample: ["575945548515770369"]
destroys:
  description: What the delete removes (with O(delete_related), the related app group and server group first).
  returned: when something is deleted
  type: list
  elements: str
  sample: ["image server golden-src (2c0d4b6e-8f0a-4c2e-9e4a-6b8d0f2a4c6e)"]
diff:
  description: With C(--diff), C(before) and C(after) of the changing fields.
  returned: when diff mode is on
  type: dict
  sample: {before: {description: ""}, after: {description: built weekly}}
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.disruption import Disruption
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.images import (
    BUSY_IMAGE_SERVER_STATUSES, IMAGE_TYPES, VOLUME_TYPES, AttachedApps, attach_apps_valid, find_image_server,
    running_create_job, wait_image_job)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import created_resource_id
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    JOB_WAIT, in_range, matches, run_resource)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    NAME_RE, NAME_RULE, Field, Resource, label)


def base_image(record):
    return (record.get("image_ref") or {}).get("id")


def not_shown(record):
    return None  # the image server's read does not show it: never compared


def gold_needs_product(params):
    if params.get("image_type") == "gold" and not params.get("image_product_id"):
        raise TargetError("image_product_id: required when image_type is gold (a marketplace image)")


class ImageServer(Resource):
    kind = "image server"
    result_key = "image_server"
    id_option = "image_server_id"
    renamable = True  # UpdateImageServerReq carries name and description
    options = dict(
        image_id=dict(type="str"),
        image_type=dict(type="str", choices=IMAGE_TYPES),
        image_product_id=dict(type="str"),
        flavor_id=dict(type="str"),
        product_id=dict(type="str"),
        vpc_id=dict(type="str"),
        subnet_id=dict(type="str"),
        system_disk_type=dict(type="str", choices=VOLUME_TYPES),
        system_disk_size=dict(type="int"),
        ou_name=dict(type="str"),
        authorize_accounts=dict(type="list", elements="dict", options=dict(
            account=dict(type="str", required=True),
            account_type=dict(type="str", choices=["USER", "USER_GROUP"], default="USER"),
            domain=dict(type="str"))),
        is_vdi=dict(type="bool"),
        description=dict(type="str"),
        attach_apps=dict(type="list", elements="str"),
        delete_related=dict(type="bool", default=False),
    )
    options.update(JOB_WAIT.argument_spec())
    fields = (
        Field("new_name", "name", create=False), Field("description", nullable=True),
        Field("image_id", "image_ref", update=False, create=False, shown=base_image),
        Field("vpc_id", update=False, shown=not_shown), Field("subnet_id", update=False, shown=not_shown),
        Field("product_id", update=False, shown=not_shown), Field("flavor_id", update=False, shown=not_shown),
        Field("ou_name", update=False, shown=not_shown), Field("is_vdi", update=False, shown=not_shown),
    )
    parts = (AttachedApps(),)
    create_required = ("image_id", "image_type", "vpc_id", "subnet_id", "system_disk_type", "system_disk_size",
                       "authorize_accounts")
    rules = (
        matches("name", NAME_RE, "image server name", NAME_RULE),
        matches("new_name", NAME_RE, "image server name", NAME_RULE),
        in_range("system_disk_size", 10, 1024, "GB"),
        gold_needs_product,
        attach_apps_valid,
    ) + tuple(JOB_WAIT.rules)

    def __init__(self, context):
        super(ImageServer, self).__init__(context)
        self.job_id = None  # the create or delete job this run started
        self.jobs = []  # the image server jobs this run started or waited for

    def extra_result(self):
        return dict(jobs=list(self.jobs))

    def show(self, resource_id):
        return api.show_image_server(self.client, resource_id)

    def search(self, name):
        return api.list_image_servers(self.client, server_name=name)

    def everything(self):
        return api.list_image_servers(self.client)

    def find(self, missing_ok):
        """The image server; one still CREATING is waited for (:meth:`created`): a re-run resumes the wait instead of
        creating it again."""
        record = super(ImageServer, self).find(missing_ok)
        return self.created(record) if record and not self.context.check_mode else record

    def created(self, record):
        """This run's create job, or the one still running for an image server found CREATING, is waited for (with
        ``wait``) until the image server is ACTIVE; a create job that failed fails the task with its error."""
        if not self.params["wait"] or (record.get("status") != "CREATING" and not self.job_id):
            return record
        job_id = self.job_id or running_create_job(self.client, record["id"])
        if not job_id:
            return record
        if job_id not in self.jobs:
            self.jobs.append(job_id)
        wait_image_job(self.context, job_id, "the create of image server %s" % label(record))
        return self.show(record["id"])

    @classmethod
    def missing_for_create(cls, params):
        missing = super(ImageServer, cls).missing_for_create(params)
        if not params.get("flavor_id") and not params.get("product_id"):
            missing.append("flavor_id or product_id")
        return missing

    @classmethod
    def create_body(cls, params):
        body = super(ImageServer, cls).create_body(params)
        image_ref = dict(id=params["image_id"], image_type=params["image_type"])
        if params.get("image_product_id"):
            image_ref["product_id"] = params["image_product_id"]
        body["image_ref"] = image_ref
        body["root_volume"] = dict(type=params["system_disk_type"], size=params["system_disk_size"])
        body["authorize_accounts"] = [dict((key, value) for key, value in account.items() if value is not None)
                                      for account in params["authorize_accounts"]]
        if params.get("attach_apps"):
            body["attach_apps"] = list(params["attach_apps"])
        return body

    def new_record(self, body):
        record = dict(body, status="CREATING")
        for key in ("vpc_id", "subnet_id", "product_id", "flavor_id", "root_volume", "ou_name", "is_vdi"):
            record.pop(key, None)
        return record

    def send_create(self, body):
        """POST; the new id from the create job's sub job (:func:`~.jobs.created_resource_id`), read once (the job is
        waited for by :meth:`created`), or else the image server of that name."""
        self.job_id = job_id = api.create_image_server(self.client, body)
        self.jobs.append(job_id)
        created = created_resource_id(api.show_image_job(self.client, job_id)) if job_id else None
        if created is None:  # the job does not name it yet: the image server of that name
            created = find_image_server(self.client, name=body["name"])["id"]
        return created

    def check_existing(self, record):
        if record.get("status") == "ERROR":
            self.context.warn("image server %s is in status ERROR (its create failed); delete it (state: absent) and "
                              "run the task again to create it anew" % label(record))

    def send_update(self, record_id, body):
        api.update_image_server(self.client, record_id, body)

    def before_delete(self, record, result):
        if self.params["delete_related"]:
            disruption = Disruption.of_result(result)
            if record.get("app_group_id"):
                disruption.destroy("app group", "(%s)" % record["app_group_id"])
            if record.get("server_group_id"):
                disruption.destroy("server group", "(%s) with its servers" % record["server_group_id"])
            result.update(disruption.result())

    def send_delete(self, record):
        """The batch delete of this one image server (``recursive`` only with ``delete_related``); a 200 without a job
        id: it is gone already. With ``wait`` the delete job is waited for."""
        self.job_id = job_id = api.batch_delete_image_server(self.client, [record["id"]],
                                                             recursive=self.params["delete_related"])
        self.jobs.extend([job_id] if job_id else [])
        if job_id and self.params["wait"]:
            wait_image_job(self.context, job_id, "the delete of image server %s" % label(record))
        return True

    def refused_delete(self, record, exc):
        if record and record.get("status") in BUSY_IMAGE_SERVER_STATUSES:
            raise TargetError("image server %s is %s and cannot be deleted now (%s); re-run the task once its job has "
                              "ended" % (label(record), record["status"], exc.error_code))


def main():
    run_resource(ImageServer)


if __name__ == "__main__":
    main()
