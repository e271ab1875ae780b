#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_group
short_description: Manage the settings of a Huawei Cloud Workspace application streaming server group
version_added: 0.1.0
description:
  - Desired state for the settings of an existing application streaming server group. The group is identified by
    O(server_group_id) or by its exact O(name).
  - Reads the group (C(GET …/app-server-groups/{id})), compares only the options you set with what the service
    returns, and sends one C(PATCH …/app-server-groups/{id}) carrying just the fields that differ. Options you do
    not set are never compared and never sent. When nothing differs, nothing is sent and C(changed) is false.
  - After a change the group is read again and returned as RV(server_group). A field the service accepted but
    reports with another value afterwards is named in a warning.
  - O(route_policy) is compared per sub-option. When any sub-option differs, the whole routing policy is sent, the
    group's current sub-options merged with yours, because the API does not document whether a partial
    C(route_policy) object keeps the sub-options it leaves out.
  - Some regions do not return C(route_policy) when a group is read, so it cannot be compared there. The module then
    does not send it, warns, and reports no change for it; list it in O(force_fields) to send it anyway. See
    O(force_fields).
  - This module does not create or delete server groups.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_group_id:
    description:
      - Id of the server group. Mutually exclusive with O(name); one of them is required.
      - An id that does not exist fails before anything is sent.
    type: str
  name:
    description:
      - Exact name of the server group (case-sensitive). Mutually exclusive with O(server_group_id).
      - The groups are listed with this name as filter (the API matches parts of names) and only an exact match is
        kept. No match, or more than one group with this name, fails and lists the candidates with their ids.
      - When no group has this name but exactly one has the name O(new_name), that group is used, so a rename task
        stays idempotent when it runs again.
      - 1 to 64 characters, letters (any script, Chinese included), digits, C(_) and C(-); no spaces.
    type: str
  new_name:
    description:
      - Rename the group to this name. Same rules as O(name).
    type: str
  description:
    description:
      - Description of the group. An empty string clears it.
    type: str
  route_policy:
    description:
      - Session routing policy of the servers of the group. Set at least one sub-option; the sub-options you leave
        out keep their current values.
      - Changing O(route_policy.max_session) resets the routing calculation for new user accesses to the group.
    type: dict
    suboptions:
      max_session:
        description:
          - Maximum number of sessions on one server, V(1) to V(100).
        type: int
      cpu_threshold:
        description:
          - CPU usage threshold in percent, V(1) to V(100).
        type: int
      gpu_threshold:
        description:
          - GPU memory usage threshold in percent, V(1) to V(100).
        type: int
      mem_threshold:
        description:
          - Memory usage threshold in percent, V(1) to V(100).
        type: int
  storage_mount_policy:
    description:
      - Which NAS directories are mounted on a server when a user opens an application on it.
      - V(USER) personal directories only, V(SHARE) shared directories only, V(ANY) both.
    type: str
    choices: [USER, SHARE, ANY]
  image_id:
    description:
      - Image the group uses to create servers.
      - Takes effect only on servers created after the change. To run another image on the existing servers of the
        group, use M(huaweicloud.workspace_app.app_server_image).
      - O(image_id) and O(image_type) go together. When any of O(image_id), O(image_type) and O(image_product_id)
        differs from the group, all of those you set are sent together, as they describe one image.
    type: str
  image_type:
    description:
      - Type of O(image_id); requires O(image_id). V(gold) is a Marketplace image and requires O(image_product_id).
    type: str
    choices: [gold, public, private, shared, other]
  image_product_id:
    description:
      - Product id of the image; required when O(image_type=gold). Requires O(image_id) and O(image_type).
    type: str
  system_disk_type:
    description:
      - System disk type of servers created from now on (existing servers keep theirs).
      - V(ESSD) extreme SSD, V(SSD) ultra-high I/O, V(GPSSD) general-purpose SSD, V(SAS) high I/O, V(SATA) common I/O.
    type: str
    choices: [ESSD, SSD, GPSSD, SAS, SATA]
  system_disk_size:
    description:
      - System disk size in GB of servers created from now on (existing servers keep theirs), V(40) to V(1024).
    type: int
  ou_name:
    description:
      - Default organizational unit (OU) of servers created from now on (existing servers stay where they are).
    type: str
  app_type:
    description:
      - Application type of the group. V(SESSION_DESKTOP_APP) session desktop applications, V(COMMON_APP) common
        applications.
    type: str
    choices: [SESSION_DESKTOP_APP, COMMON_APP]
  enabled:
    description:
      - V(true) enables the group, V(false) disables it (the API field C(server_group_status)).
    type: bool
  force_fields:
    description:
      - Fields to send even though the service does not return them, so that they cannot be compared.
      - Only C(route_policy) can be missing from what the service returns (some regions leave it out). Without this
        option a C(route_policy) that cannot be compared is not sent, with a warning. With it, O(route_policy) is sent
        as given (there is nothing to merge with), C(changed) is true and a warning says it could not be verified.
      - Listing a field the service does return changes nothing; that field is compared as usual.
      - Use it for the one run that should apply the setting and remove it afterwards, or every run sends
        O(route_policy) again and reports a change (and a changed O(route_policy.max_session) resets routing each time).
    type: list
    elements: str
    choices: [route_policy]
    default: []
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and compares; sends nothing. C(changed), RV(changes) and RV(server_group) tell what a real run
      would send and the group it would leave.
  diff_mode:
    support: full
    description: The fields that change, with their values before and after.
notes:
  - Changes of the image (O(image_id), O(image_type), O(image_product_id)), of the system disk (O(system_disk_type),
    O(system_disk_size)) and of O(ou_name) apply only to servers created afterwards. Use
    M(huaweicloud.workspace_app.app_server_image) to change the image of existing servers.
  - Changing O(route_policy.max_session) resets the routing calculation for new user accesses to the group.
  - Request cost - one read of the group (plus one list when O(name) is used), and when something differs one PATCH
    and one more read.
  - A PATCH whose response is lost (connection closed) is followed by a read of the group; when that read shows every
    sent field applied, the task succeeds with a warning instead of failing.
seealso:
  - module: huaweicloud.workspace_app.app_server_group_info
  - module: huaweicloud.workspace_app.app_server_image
"""

EXAMPLES = r"""
- name: Server group settings, connection options once for every module of the collection
  module_defaults:
    group/huaweicloud.workspace_app.workspace_app:
      region: cn-north-4
  block:
    - name: Describe the group and allow 20 sessions per server
      huaweicloud.workspace_app.app_server_group:
        name: design
        description: CAD and rendering tools
        route_policy:
          max_session: 20
      register: design

    - name: Show what was sent
      ansible.builtin.debug:
        var: design.changes

- name: What would change? (nothing is sent)
  huaweicloud.workspace_app.app_server_group:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    storage_mount_policy: ANY
    route_policy:
      cpu_threshold: 75
      mem_threshold: 85
  check_mode: true
  diff: true

- name: Rename a group (running it again finds the group under its new name)
  huaweicloud.workspace_app.app_server_group:
    name: design
    new_name: design-2026

- name: New servers of the group come from a Marketplace image on 100 GB SSD disks
  huaweicloud.workspace_app.app_server_group:
    name: design-2026
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: gold
    image_product_id: OFFI863342258296983552
    system_disk_type: SSD
    system_disk_size: 100

- name: Disable a group
  huaweicloud.workspace_app.app_server_group:
    name: old-pool
    enabled: false

- name: Region that does not return route_policy - send it once on purpose
  huaweicloud.workspace_app.app_server_group:
    name: design-2026
    route_policy:
      max_session: 20
    force_fields: [route_policy]
"""

RETURN = r"""
server_group:
  description:
    - The group as the service returns it (C(GET …/app-server-groups/{id})), read again after a change.
    - In check mode, the group as read with the planned changes applied.
  returned: success
  type: dict
  sample:
    id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    name: design
    description: CAD and rendering tools
    app_type: SESSION_DESKTOP_APP
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
    system_disk_type: SAS
    system_disk_size: 80
    server_group_status: true
    storage_mount_policy: USER
    route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}
    ip_virtual: {enable: false}
    app_server_count: 20
changes:
  description:
    - The body of the PATCH request that was sent (in check mode, that would be sent), with the API's field names
      (C(name) for O(new_name), C(server_group_status) for O(enabled)). Empty when nothing differs.
  returned: success
  type: dict
  sample: {description: CAD and rendering tools, route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}}
diff:
  description:
    - With C(--diff), C(before) and C(after) hold the changing fields (API field names) with their values. A field the
      service does not return shows V(null) before.
  returned: when diff mode is on
  type: dict
  sample:
    before: {description: "", route_policy: {max_session: 10, cpu_threshold: 80, mem_threshold: 80}}
    after: {description: CAD and rendering tools, route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}}
"""

import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import (
    mismatches, plan_fields, plan_sub_fields)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    WorkspaceAppModule, in_range, matches, not_blank)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import find_group

# Letters of any script (Chinese included), digits, "_" and "-": what the API accepts for a group name.
GROUP_NAME_RE = re.compile(r"[\w-]{1,64}")
GROUP_NAME_RULE = "1 to 64 letters (any script), digits, underscores (_) or hyphens (-), no spaces"
ROUTE_POLICY_KEYS = ("max_session", "cpu_threshold", "gpu_threshold", "mem_threshold")
IMAGE_FIELDS = ("image_id", "image_type", "image_product_id")
# option -> API field, in the order they appear in a request body.
SCALAR_FIELDS = (
    ("new_name", "name"), ("description", "description"), ("storage_mount_policy", "storage_mount_policy"),
    ("image_id", "image_id"), ("image_type", "image_type"), ("image_product_id", "image_product_id"),
    ("system_disk_type", "system_disk_type"), ("system_disk_size", "system_disk_size"), ("ou_name", "ou_name"),
    ("app_type", "app_type"), ("enabled", "server_group_status"),
)
# Text fields the service omits when they are null: absent and "" mean the same.
NULLABLE_TEXT = ("description", "image_product_id", "ou_name")
# A group always has a routing policy (the service fills defaults), so when the read
# has none the region does not return it: it is unknown, not empty.
FORCEABLE = ("route_policy",)


def route_policy_set(params):
    policy = params.get("route_policy")
    if policy is not None and all(policy.get(key) is None for key in ROUTE_POLICY_KEYS):
        raise TargetError("route_policy: set at least one of %s" % ", ".join(ROUTE_POLICY_KEYS))


def forced_fields_set(params):
    for field in params.get("force_fields") or []:
        if params.get(field) is None:
            raise TargetError("force_fields: %s is listed but the %s option is not set" % (field, field))


def plan_update(group, params):
    """Compare the options that are set with ``group`` (a show_server_group answer)."""
    desired = dict((field, params[option]) for option, field in SCALAR_FIELDS if params.get(option) is not None)
    plan = plan_fields(group, desired, nullable=NULLABLE_TEXT, together=IMAGE_FIELDS)
    plan_sub_fields(plan, "route_policy", group.get("route_policy"), params.get("route_policy"), ROUTE_POLICY_KEYS,
                    force="route_policy" in (params.get("force_fields") or []))
    return plan


class AppServerGroup(WorkspaceAppModule):
    argument_spec = dict(
        server_group_id=dict(type="str"),
        name=dict(type="str"),
        new_name=dict(type="str"),
        description=dict(type="str"),
        route_policy=dict(type="dict", options=dict((key, dict(type="int")) for key in ROUTE_POLICY_KEYS)),
        storage_mount_policy=dict(type="str", choices=["USER", "SHARE", "ANY"]),
        image_id=dict(type="str"),
        image_type=dict(type="str", choices=["gold", "public", "private", "shared", "other"]),
        image_product_id=dict(type="str"),
        system_disk_type=dict(type="str", choices=["ESSD", "SSD", "GPSSD", "SAS", "SATA"]),
        system_disk_size=dict(type="int"),
        ou_name=dict(type="str"),
        app_type=dict(type="str", choices=["SESSION_DESKTOP_APP", "COMMON_APP"]),
        enabled=dict(type="bool"),
        force_fields=dict(type="list", elements="str", choices=list(FORCEABLE), default=[]),
    )
    module_kwargs = dict(
        mutually_exclusive=[("server_group_id", "name")],
        required_one_of=[("server_group_id", "name")],
        required_together=[("image_id", "image_type")],
        required_by=dict(image_product_id=["image_id", "image_type"]),
        required_if=[("image_type", "gold", ["image_product_id"])],
    )
    rules = (
        not_blank("server_group_id"),
        matches("name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        matches("new_name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        not_blank("image_id"),
        in_range("system_disk_size", 40, 1024, "GB"),
        route_policy_set,
    ) + tuple(in_range("route_policy." + key, 1, 100) for key in ROUTE_POLICY_KEYS) + (forced_fields_set,)

    def run(self):
        p = self.params
        group = find_group(self.client, p["server_group_id"], p["name"], renamed_to=p["new_name"])
        plan = plan_update(group, p)
        for field in plan.not_comparable:
            self.warn("%s: the service does not return it for this group (some regions leave it out), so it cannot "
                      "be compared and was not sent; add force_fields: [%s] to send it anyway" % (field, field))
        for field in plan.unverified:
            self.warn("%s: sent without comparing, because the service does not return it for this group; the result "
                      "cannot be verified. Remove it from force_fields once applied, or every run sends it again"
                      % field)
        after = group
        if plan.body and self.check_mode:
            after = plan.predicted(group)
        elif plan.body:
            after = self.apply(group["id"], plan)
        result = dict(changed=bool(plan.body), server_group=after, changes=plan.body)
        if self.diff_mode:
            result["diff"] = dict(before=plan.before, after=plan.after)
        return result

    def apply(self, group_id, plan):
        try:
            api.update_server_group(self.client, group_id, plan.body)
        except ApiError as exc:
            if exc.status is not None:
                raise
            # No response: the PATCH may or may not have been applied. The group tells.
            group = api.show_server_group(self.client, group_id)
            if mismatches(plan, group) or len(plan.unverified) == len(plan.body):
                raise
            self.warn("%s; the group read afterwards shows the change applied" % exc.message)
            return group
        group = api.show_server_group(self.client, group_id)
        for field in mismatches(plan, group):
            self.warn("%s: the service accepted %r but the group now reports %r"
                      % (field, plan.body[field], group.get(field)))
        return group


def main():
    AppServerGroup.main()


if __name__ == "__main__":
    main()
