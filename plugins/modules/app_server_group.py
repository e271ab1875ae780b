#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_group
short_description: Create, configure and delete Huawei Cloud Workspace application streaming server groups
version_added: 1.0.0
description:
  - Desired state of an application streaming server group, identified by O(server_group_id) or by its exact
    O(name). With O(state=present) (the default) the group exists with the settings you set; with O(state=absent)
    it does not exist.
  - An existing group is read (C(GET …/app-server-groups/{id})), only the options you set are compared with what the
    service returns, and one C(PATCH …/app-server-groups/{id}) carries just the fields that differ. Options you do
    not set are never compared and never sent. When nothing differs, nothing is sent and C(changed) is false.
  - After a change the group is read again and returned as RV(server_group). A field the service accepted but
    reports with another value afterwards is named in a warning.
  - O(route_policy) is compared per sub-option. When any sub-option differs, the whole routing policy is sent, the
    group's current sub-options merged with yours, because the API does not document whether a partial
    C(route_policy) object keeps the sub-options it leaves out.
  - Some regions do not return C(route_policy) when a group is read, so it cannot be compared there. The module then
    does not send it, warns, and reports no change for it; list it in O(force_fields) to send it anyway. See
    O(force_fields).
  - When no group has the O(name) (nor the O(new_name)), the group is created (C(POST …/app-server-groups)) with the
    options you set, named O(new_name) when that is set, else O(name). Creating needs O(image_id), O(image_type),
    O(product_id), O(vpc_id), O(subnet_id), O(system_disk_type) and O(system_disk_size); when one of them is missing
    the task fails before anything is sent, naming all that are missing. A group cannot be created by
    O(server_group_id); an unknown id fails.
  - Some settings can only be given when a group is created (marked C(create-only) below; the API cannot update
    them). On an existing group those the group's read shows are compared, and a difference fails before anything
    is sent, because the only way to change them is a new group. Those the read does not show (O(vpc_id),
    O(flavor_id), O(availability_zone)) are not compared. O(tags) that differ are not a failure but a warning.
  - O(storage_mount_policy) is not part of the create request. After a create the new group is read and, when its
    mount policy differs from O(storage_mount_policy), a PATCH sets it.
  - O(scaling_policy) is the group's auto scaling policy, compared per sub-option with the group's
    C(scaling_policy); see there.
  - With O(state=absent) an existing group is deleted (C(DELETE …/app-server-groups/{id})). A group that still has
    servers is not deleted; the task fails before anything is sent. A group that does not exist (also an unknown
    O(server_group_id)) is not an error, C(changed) is false.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_group_id:
    description:
      - Id of the server group. Mutually exclusive with O(name); one of them is required.
      - An id that does not exist fails before anything is sent (with O(state=absent) it is already gone, no
        change).
    type: str
  name:
    description:
      - Exact name of the server group (case-sensitive). Mutually exclusive with O(server_group_id).
      - The groups are listed with this name as filter (the API matches parts of names) and only an exact match is
        kept. More than one group with this name fails and lists the candidates with their ids.
      - When no group has this name but exactly one has the name O(new_name), that group is used, so a rename task
        stays idempotent when it runs again.
      - When no group has this name (nor O(new_name)), O(state=present) creates it and O(state=absent) changes
        nothing.
      - 1 to 64 characters, letters (any script, Chinese included), digits, C(_) and C(-); no spaces.
    type: str
  state:
    description:
      - V(present) the group exists with the settings you set (created when no group has the O(name)).
      - V(absent) the group does not exist. It is deleted when it exists and has no servers; a group with servers
        fails before anything is sent, unless O(force=true) (delete its servers first, or use
        M(huaweicloud.workspace_app.app_server_fleet) with O(huaweicloud.workspace_app.app_server_fleet#module:count=0)).
      - With V(absent) only O(server_group_id) or O(name), O(force), O(wait_timeout) and O(poll_interval) may be set;
        any other option of this module fails, naming it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), delete the group's servers first (with or without sessions, whose users are cut off), wait until
        they are gone, then delete the group. Check mode lists the servers that would be deleted in RV(servers).
      - When a server cannot be deleted (busy with a task, or its deletion fails), the group stays and the task
        fails naming it.
      - Only with O(state=absent).
    type: bool
    default: false
  wait_timeout:
    description:
      - With O(force=true), seconds to wait for the servers' deletion, V(1) to V(86400).
    type: int
    default: 3600
  poll_interval:
    description:
      - With O(force=true), seconds between two reads of the deletion jobs, more than V(0), at most V(3600).
    type: float
    default: 15
  new_name:
    description:
      - Rename the group to this name. Same rules as O(name).
      - When neither a group named O(name) nor one named O(new_name) exists, the group is created with this name.
    type: str
  description:
    description:
      - Description of the group. An empty string clears it.
    type: str
  route_policy:
    description:
      - Session routing policy of the servers of the group. Set at least one sub-option; the sub-options you leave
        out keep their current values (the service's defaults for a new group).
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
      - The create request has no such field (a new group starts with the service's default, V(USER)); when a
        group is created the mount policy is set by a PATCH right after, if it differs.
    type: str
    choices: [USER, SHARE, ANY]
  image_id:
    description:
      - Image the group uses to create servers. Required to create a group.
      - Takes effect only on servers created after the change. To run another image on the existing servers of the
        group, use M(huaweicloud.workspace_app.app_server_image).
      - O(image_id) and O(image_type) go together. When any of O(image_id), O(image_type) and O(image_product_id)
        differs from the group, all of those you set are sent together, as they describe one image.
    type: str
  image_type:
    description:
      - Type of O(image_id); requires O(image_id). V(gold) is a Marketplace image and requires O(image_product_id).
        Required to create a group.
    type: str
    choices: [gold, public, private, shared, other]
  image_product_id:
    description:
      - Product id of the image; required when O(image_type=gold). Requires O(image_id) and O(image_type).
    type: str
  system_disk_type:
    description:
      - System disk type of servers created from now on (existing servers keep theirs). Required to create a group.
      - V(ESSD) extreme SSD, V(SSD) ultra-high I/O, V(GPSSD) general-purpose SSD, V(SAS) high I/O, V(SATA) common I/O.
    type: str
    choices: [ESSD, SSD, GPSSD, SAS, SATA]
  system_disk_size:
    description:
      - System disk size in GB of servers created from now on (existing servers keep theirs), V(40) to V(1024).
        Required to create a group.
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
  os_type:
    description:
      - Operating system of the group's image. Create-only.
      - A group is created with V(Windows) when this is not set; on an existing group it is compared only when set.
    type: str
    choices: [Linux, Windows, Other]
  product_id:
    description:
      - Product (server specification package) of the group's servers, from the product list of the service
        (C(GET /v1/{project_id}/product)). Required to create a group. Create-only.
    type: str
  flavor_id:
    description:
      - Flavor of the group's servers. Create-only; the group's read does not show it, so it is not compared on an
        existing group.
    type: str
  vpc_id:
    description:
      - Virtual private cloud (VPC) of the group's servers. Required to create a group. Create-only; the group's
        read does not show it, so it is not compared on an existing group.
    type: str
  subnet_id:
    description:
      - Subnet of the servers' network interface. Required to create a group. Create-only.
    type: str
  availability_zone:
    description:
      - Availability zone the servers are created in; without it the service picks one (it is needed where there is
        no central site). Create-only; the group's read does not show it, so it is not compared on an existing group.
    type: str
  is_vdi:
    description:
      - V(true) makes a VDI (single-session) group. Create-only.
    type: bool
  ip_virtual:
    description:
      - V(true) enables virtual session IPs (the API's C(ip_virtual.enable)) for the servers of the group; they take
        extra IP addresses of the subnet. Windows images only, and the subnet must assign addresses by DHCP.
      - Create-only. M(huaweicloud.workspace_app.app_server_tsvi) re-applies the group's setting on its servers.
    type: bool
  extra_session_type:
    description:
      - Type of the paid extra sessions, V(GPU) or V(CPU). Create-only.
    type: str
    choices: [GPU, CPU]
  extra_session_size:
    description:
      - Number of paid extra sessions, V(0) or more. Create-only.
    type: int
  tags:
    description:
      - Tags of a new group, at most 20, with unique keys.
      - Tags are set only when a group is created. On an existing group whose read shows other tags the module
        warns and changes nothing.
    type: list
    elements: dict
    suboptions:
      key:
        description:
          - Tag key, 1 to 128 characters, no blanks at either end.
        type: str
        required: true
      value:
        description:
          - Tag value, up to 255 characters.
        type: str
  scaling_policy:
    description:
      - Auto scaling policy of the group (C(PUT /v1/{project_id}/scaling-policy)); the service supports it for
        pay-per-use groups only.
      - Compared per sub-option with the group's C(scaling_policy) (from the group's read). When something differs,
        the whole policy is sent, the group's current policy merged with the sub-options you set, because the API
        replaces the whole policy (what it leaves out is gone).
      - A group without a policy shows a disabled one with 0 servers (V({enable=false, max_scaling_amount=0,
        single_expansion_count=0})). Creating a policy then needs O(scaling_policy.max_scaling_amount),
        O(scaling_policy.single_expansion_count) and
        O(scaling_policy.scaling_policy_by_session.shrink_after_session_idle_minutes); a missing one fails before
        anything is sent.
      - V({}) (no sub-option) removes the policy (C(DELETE /v1/{project_id}/scaling-policy)) when the group has one.
        O(scaling_policy.enable=false) alone disables an existing policy and keeps its settings; on a group without
        a policy it changes nothing.
      - Works together with the other options (one PATCH for the settings, then one PUT for the policy) and on a
        group the same task creates.
    type: dict
    suboptions:
      enable:
        description:
          - Whether the policy is enabled. The service enables a new policy when this is not set.
        type: bool
      max_scaling_amount:
        description:
          - The most servers the policy may add, V(1) or more.
        type: int
      single_expansion_count:
        description:
          - Servers added at a time, V(1) or more, not more than O(scaling_policy.max_scaling_amount) (of the policy
            after the change).
        type: int
      scaling_policy_by_session:
        description:
          - Scaling by sessions. Set at least one sub-option.
        type: dict
        suboptions:
          session_usage_threshold:
            description:
              - Session usage of the group in percent, V(1) to V(100), above which servers are added.
            type: int
          shrink_after_session_idle_minutes:
            description:
              - Servers without a session for this many minutes (V(1) or more) are released.
            type: int
      scaling_policy_by_resource:
        description:
          - Scaling by resource usage of the group, each in percent, V(1) to V(100). Set at least one sub-option.
        type: dict
        suboptions:
          cpu_usage_threshold:
            description:
              - CPU usage above which servers are added.
            type: int
          mem_usage_threshold:
            description:
              - Memory usage above which servers are added.
            type: int
          gpu_usage_threshold:
            description:
              - GPU memory usage above which servers are added.
            type: int
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
      would send and the group it would leave (for a create, the group as the request describes it, without an id).
  diff_mode:
    support: full
    description: The fields that change, with their values before and after; for a create, before is empty and
      after the create request; for a delete, before names the group and after is empty.
notes:
  - Changes of the image (O(image_id), O(image_type), O(image_product_id)), of the system disk (O(system_disk_type),
    O(system_disk_size)) and of O(ou_name) apply only to servers created afterwards. Use
    M(huaweicloud.workspace_app.app_server_image) to change the image of existing servers.
  - Changing O(route_policy.max_session) resets the routing calculation for new user accesses to the group.
  - Request cost - one read of the group (plus one list when O(name) is used), and when something differs one PATCH
    and/or one PUT (or DELETE) of the scaling policy, and one more read. A create is one POST and one read, plus the
    PATCH and PUT it needs and one more read. A delete is one DELETE.
  - A PATCH, PUT or DELETE whose response is lost (connection closed) or a server error (5xx) is followed by a read
    of the group; when that read shows the change applied, the task succeeds with a warning instead of failing, and
    when it shows the change not applied, the PATCH or the scaling policy call is sent again (up to O(max_retries)
    times).
  - A create whose response is lost, or that the service refuses because the name is in use (another run created
    it meanwhile), is followed by a list of the groups of that name; when exactly one has it, the task goes on with
    that group (with a warning), else it fails.
seealso:
  - module: huaweicloud.workspace_app.app_server_group_info
  - module: huaweicloud.workspace_app.app_server_image
  - module: huaweicloud.workspace_app.app_server_tsvi
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

- name: A group exists (created when no group has the name; unchanged when it exists with these settings)
  huaweicloud.workspace_app.app_server_group:
    name: design
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
    os_type: Windows
    product_id: workspace.appstream.general.xlarge.4
    flavor_id: s6.xlarge.4
    vpc_id: 3f4b9a52-8c1d-4e67-a0b3-6c2d9e1f7a40
    subnet_id: 8d2e0c71-5b3a-4f98-9e16-2a7c4b0d3e95
    availability_zone: cn-north-4a
    system_disk_type: SAS
    system_disk_size: 80
    app_type: SESSION_DESKTOP_APP
    description: CAD and rendering tools
    storage_mount_policy: ANY
    route_policy:
      max_session: 20
    tags:
      - key: department
        value: design
  register: created

- name: Scaling - add up to 10 servers, 2 at a time, over 80 % session usage; release servers idle for 30 minutes
  huaweicloud.workspace_app.app_server_group:
    name: design
    scaling_policy:
      enable: true
      max_scaling_amount: 10
      single_expansion_count: 2
      scaling_policy_by_session:
        session_usage_threshold: 80
        shrink_after_session_idle_minutes: 30

- name: Later - allow 20 servers (the rest of the policy stays as it is)
  huaweicloud.workspace_app.app_server_group:
    name: design
    scaling_policy:
      max_scaling_amount: 20

- name: Remove the scaling policy
  huaweicloud.workspace_app.app_server_group:
    name: design
    scaling_policy: {}

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

- name: Delete a group (it must have no servers; a group that does not exist is no change)
  huaweicloud.workspace_app.app_server_group:
    name: old-pool
    state: absent

- name: Retire a project's group with its servers (their users are cut off)
  huaweicloud.workspace_app.app_server_group:
    name: project-x
    state: absent
    force: true
    wait_timeout: 1800

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
    - The group as the service returns it (C(GET …/app-server-groups/{id})), read again after a change or a create.
    - In check mode, the group as read with the planned changes applied; for a create, the group as the create
      request describes it (no id yet).
    - With O(state=absent), the group as read before it was deleted; V(null) when there was no such group.
  returned: success
  type: dict
  sample:
    id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    name: design
    description: CAD and rendering tools
    app_type: SESSION_DESKTOP_APP
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
    os_type: Windows
    product_id: workspace.appstream.general.xlarge.4
    subnet_id: 8d2e0c71-5b3a-4f98-9e16-2a7c4b0d3e95
    system_disk_type: SAS
    system_disk_size: 80
    server_group_status: true
    storage_mount_policy: USER
    route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}
    ip_virtual: {enable: false}
    scaling_policy: {enable: false, max_scaling_amount: 0, single_expansion_count: 0}
    tags: [{key: department, value: design}]
    app_server_count: 20
servers:
  description:
    - With O(state=absent) and O(force=true), one entry per server of the group deleted first (in check mode, that
      would be), as M(huaweicloud.workspace_app.app_server_fleet) returns them (C(id), C(name), C(action),
      C(status), C(job_id), C(error_code), C(error_msg), C(before), C(after)).
  returned: when servers were deleted (or would be) before the group
  type: list
  elements: dict
changes:
  description:
    - The body of the PATCH request that was sent (in check mode, that would be sent), with the API's field names
      (C(name) for O(new_name), C(server_group_status) for O(enabled), C(ip_virtual) as C({enable}) for
      O(ip_virtual)). Empty when nothing differs, and with O(state=absent).
    - For a create, the body of the create request, with the fields of the PATCH that followed it
      (C(storage_mount_policy)).
    - C(scaling_policy) is the policy that was sent by PUT (without C(server_group_id)), or V(null) when the policy
      was removed.
  returned: success
  type: dict
  sample:
    description: CAD and rendering tools
    route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}
    scaling_policy:
      enable: true
      max_scaling_amount: 10
      single_expansion_count: 2
      scaling_policy_by_session: {session_usage_threshold: 80, shrink_after_session_idle_minutes: 30}
diff:
  description:
    - With C(--diff), C(before) and C(after) hold the changing fields (API field names) with their values. A field the
      service does not return shows V(null) before.
    - C(scaling_policy) shows the group's policy before and the one sent after (V(null) after when it is removed).
    - For a create, C(before) is empty and C(after) is RV(changes); for a delete, C(before) holds the group's C(id)
      and C(name) and C(after) is empty.
  returned: when diff mode is on
  type: dict
  sample:
    before: {description: "", route_policy: {max_session: 10, cpu_threshold: 80, mem_threshold: 80}}
    after: {description: CAD and rendering tools, route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}}
"""

import copy
import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import (
    mismatches, plan_fields, plan_sub_fields, same)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fleet import empty_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import send_settled
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    MAX_POLL_INTERVAL, MAX_WAIT_TIMEOUT, WorkspaceAppModule, above, at_least, in_range, matches, not_blank, value_of)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import describe_groups, find_group

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

# -- creating and deleting a group ---------------------------------------------------------------------------------
OS_TYPES = ["Linux", "Windows", "Other"]
CREATE_OS_TYPE = "Windows"
# Required by CreateServerGroupReq (the SDK model) besides the name and os_type (which has a default).
CREATE_REQUIRED = ("image_id", "image_type", "product_id", "vpc_id", "subnet_id", "system_disk_type",
                   "system_disk_size")
# Settings the API takes only when a group is created (UpdateServerGroupReq has none of them); option = API field.
CREATE_ONLY = ("product_id", "flavor_id", "vpc_id", "subnet_id", "availability_zone", "os_type", "is_vdi",
               "extra_session_type", "extra_session_size", "ip_virtual")
# The fields of a CreateServerGroupReq the module sends, in the SDK model's order, with the option of each.
CREATE_FIELDS = (
    ("name", "name"), ("image_id", "image_id"), ("image_product_id", "image_product_id"),
    ("image_type", "image_type"), ("os_type", "os_type"), ("description", "description"),
    ("route_policy", "route_policy"), ("product_id", "product_id"), ("flavor_id", "flavor_id"),
    ("vpc_id", "vpc_id"), ("subnet_id", "subnet_id"), ("system_disk_type", "system_disk_type"),
    ("system_disk_size", "system_disk_size"), ("ou_name", "ou_name"), ("availability_zone", "availability_zone"),
    ("ip_virtual", "ip_virtual"), ("is_vdi", "is_vdi"), ("app_type", "app_type"),
    ("extra_session_type", "extra_session_type"), ("extra_session_size", "extra_session_size"), ("tags", "tags"),
    ("enabled", "server_group_status"),
)
# What a new group shows for a setting the create request cannot carry (it is PATCHed after the create when the
# option wants another value; check mode predicts from this).
NEW_GROUP_SETTINGS = {"storage_mount_policy": "USER"}
MAX_TAGS = 20
GROUP_NAME_EXISTS = "WKS.00211208"
GROUP_NOT_EMPTY = "WKS.00211209"
FLEET_MODULE = "huaweicloud.workspace_app.app_server_fleet"

# -- scaling policy ------------------------------------------------------------------------------------------------
POLICY_KEYS = ("enable", "max_scaling_amount", "single_expansion_count")
POLICY_PARTS = (
    ("scaling_policy_by_session", ("session_usage_threshold", "shrink_after_session_idle_minutes")),
    ("scaling_policy_by_resource", ("cpu_usage_threshold", "mem_usage_threshold", "gpu_usage_threshold")),
)
POLICY_PERCENTAGES = ("scaling_policy_by_session.session_usage_threshold",
                      "scaling_policy_by_resource.cpu_usage_threshold",
                      "scaling_policy_by_resource.mem_usage_threshold",
                      "scaling_policy_by_resource.gpu_usage_threshold")
POLICY_COUNTS = ("max_scaling_amount", "single_expansion_count",
                 "scaling_policy_by_session.shrink_after_session_idle_minutes")
# Required by CreateOrUpdateScalingPolicyReq (the SDK model; server_group_id is the module's).
POLICY_REQUIRED = ("max_scaling_amount", "single_expansion_count",
                   "scaling_policy_by_session.shrink_after_session_idle_minutes")
# What a group without a scaling policy shows.
NO_POLICY = {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0}


def route_policy_set(params):
    policy = params.get("route_policy")
    if policy is not None and all(policy.get(key) is None for key in ROUTE_POLICY_KEYS):
        raise TargetError("route_policy: set at least one of %s" % ", ".join(ROUTE_POLICY_KEYS))


def forced_fields_set(params):
    for field in params.get("force_fields") or []:
        if params.get(field) is None:
            raise TargetError("force_fields: %s is listed but the %s option is not set" % (field, field))


def tags_valid(params):
    tags = params.get("tags")
    if tags is None:
        return
    if len(tags) > MAX_TAGS:
        raise TargetError("tags: %d tags given; a group takes at most %d" % (len(tags), MAX_TAGS))
    seen = set()
    for tag in tags:
        key, value = tag.get("key") or "", tag.get("value")
        if not 1 <= len(key) <= 128 or key != key.strip():
            raise TargetError("tags: key %r must be 1 to 128 characters, without blanks at either end" % key)
        if key in seen:
            raise TargetError("tags: key %r is given twice; keys must be unique" % key)
        seen.add(key)
        if value is not None and len(value) > 255:
            raise TargetError("tags: the value of %r is %d characters long; the most allowed is 255"
                              % (key, len(value)))


def policy_parts_set(params):
    for part, keys in POLICY_PARTS:
        given = value_of(params, "scaling_policy." + part)
        if given is not None and all(given.get(key) is None for key in keys):
            raise TargetError("scaling_policy.%s: set at least one of %s" % (part, ", ".join(keys)))


def expansion_within_maximum(policy, where="scaling_policy"):
    single, maximum = (policy or {}).get("single_expansion_count"), (policy or {}).get("max_scaling_amount")
    if single is not None and maximum is not None and single > maximum:
        raise TargetError("%s: single_expansion_count %s is more than max_scaling_amount %s" % (where, single, maximum))


def expansion_as_given(params):
    expansion_within_maximum(params.get("scaling_policy"))


def settings_with_absent(params):
    if params.get("state") != "absent":
        return
    given = [option for option in SETTINGS_OPTIONS if params.get(option) not in (None, [])]
    if given:
        raise TargetError("state: absent deletes the group and takes only server_group_id or name; remove %s"
                          % ", ".join(given))


class GroupKept(Exception):
    """``force`` could not empty the group: the message, and the result so far (the servers' reports)."""

    def __init__(self, message, result):
        super(GroupKept, self).__init__(message)
        self.result = result


def force_with_absent(params):
    if params.get("force") and params.get("state") != "absent":
        raise TargetError("force: only with state: absent (it deletes the group's servers before the group)")


def group_label(group):
    return "%r (%s)" % (group.get("name"), group.get("id"))


def refuse_non_empty(group, conflict=None):
    """Fail when ``group`` still has servers: its read's ``app_server_count``, or the service's 409 ``conflict``
    (an ApiError) to the delete. The one place deciding whether a group with servers may go."""
    count = int(group.get("app_server_count") or 0)
    if not count and conflict is None:
        return
    servers = "%d server(s)" % count if count else "servers (%s: %s)" % (conflict.error_code, conflict.error_msg)
    raise TargetError("server group %s still has %s; delete them first (%s count: 0) or set force: true"
                      % (group_label(group), servers, FLEET_MODULE))


def plan_update(group, params):
    """Compare the options that are set with ``group`` (a show_server_group answer)."""
    desired = dict((field, params[option]) for option, field in SCALAR_FIELDS if params.get(option) is not None)
    plan = plan_fields(group, desired, nullable=NULLABLE_TEXT, together=IMAGE_FIELDS)
    plan_sub_fields(plan, "route_policy", group.get("route_policy"), params.get("route_policy"), ROUTE_POLICY_KEYS,
                    force="route_policy" in (params.get("force_fields") or []))
    return plan


def request_value(option, value):
    """An option's value as CreateServerGroupReq carries it."""
    if option == "route_policy":
        return dict((key, sub) for key, sub in value.items() if sub is not None)
    if option == "ip_virtual":
        return {"enable": value}
    if option == "tags":
        return [dict((key, sub) for key, sub in tag.items() if sub is not None) for tag in value]
    return value


def create_body(params):
    """The CreateServerGroupReq of the group the options describe (named ``new_name`` when that is set)."""
    values = dict(params, name=params.get("new_name") or params["name"],
                  os_type=params.get("os_type") or CREATE_OS_TYPE)
    return dict((field, request_value(option, values[option])) for option, field in CREATE_FIELDS
                if values.get(option) is not None)


def missing_for_create(params):
    """The options a create needs that are not set."""
    return [option for option in CREATE_REQUIRED if params.get(option) is None]


def cannot_create(name, missing, similar=()):
    """The failure of a create that lacks the ``missing`` options; ``similar`` the groups a name search listed
    (``name`` may be a typo)."""
    return TargetError("name: server group %r does not exist, so it would be created, and creating a group needs %s "
                       "(missing: %s)%s" % (name, ", ".join(CREATE_REQUIRED), ", ".join(missing),
                                            "; groups with similar names: %s" % describe_groups(similar)
                                            if similar else ""))


def new_group(body):
    """The group a create with ``body`` makes, as far as the request tells (check mode shows this)."""
    group = dict(NEW_GROUP_SETTINGS, scaling_policy=dict(NO_POLICY))
    group.update(copy.deepcopy(body))
    return group


def shown_create_only(group, field):
    """What the group's read shows for a create-only field (None: the read does not show it)."""
    value = group.get(field)
    if field == "ip_virtual":
        return value.get("enable") if isinstance(value, dict) else None
    return value


def tag_set(tags):
    return sorted((tag.get("key"), tag.get("value") or "") for tag in tags or [])


def create_only_conflicts(group, params):
    """Create-only options that differ from what ``group`` shows: ``[(option, shown, wanted)]``."""
    conflicts = []
    for option in CREATE_ONLY:
        wanted, shown = params.get(option), shown_create_only(group, option)
        if wanted is not None and shown is not None and not same(shown, wanted):
            conflicts.append((option, shown, wanted))
    return conflicts


def tags_differ(group, params):
    """Whether the group's read shows other tags than the ``tags`` option (False when either is absent)."""
    return (params.get("tags") is not None and isinstance(group.get("tags"), list)
            and tag_set(group["tags"]) != tag_set(params["tags"]))


def wanted_policy(params):
    """The scaling_policy sub-options that are set (None: the option is not set; {}: none, remove the policy)."""
    given = params.get("scaling_policy")
    return None if given is None else known_policy(given)


def flat(policy):
    """``{"a": 1, "b": {"c": 2}}`` -> ``{"a": 1, "b.c": 2}``."""
    items = {}
    for key, value in (policy or {}).items():
        if isinstance(value, dict):
            items.update(("%s.%s" % (key, sub), subvalue) for sub, subvalue in value.items())
        else:
            items[key] = value
    return items


def known_policy(policy):
    """The set fields of ``policy`` that a CreateOrUpdateScalingPolicyReq carries (None values, and fields the
    service may add, left out)."""
    policy = policy or {}
    known = dict((key, policy[key]) for key in POLICY_KEYS if policy.get(key) is not None)
    for part, keys in POLICY_PARTS:
        sub = dict((key, value) for key, value in (policy.get(part) or {}).items() if key in keys and value is not None)
        if sub:
            known[part] = sub
    return known


def has_policy(policy):
    """Whether ``policy`` (a group's ``scaling_policy``) is a policy set on the group rather than the disabled
    default a group without one shows."""
    known = known_policy(policy)
    return bool(known.get("enable") or known.get("max_scaling_amount") or known.get("single_expansion_count")
                or any(part in known for part, _keys in POLICY_PARTS))


def shows_policy(current, policy):
    """Whether ``current`` shows every value of ``policy``."""
    return all(same(value_of(current, key), value) for key, value in flat(policy).items())


class PolicyPlan:
    """What a run does to the scaling policy: ``put`` the policy ``after`` or ``delete`` it (``after`` None)."""

    def __init__(self, before, after):
        self.before = before
        self.after = after

    @property
    def action(self):
        return "delete" if self.after is None else "put"

    def applied(self, current):
        return not has_policy(current) if self.after is None else shows_policy(current, self.after)


def plan_policy(current, wanted):
    """Compare the ``wanted`` sub-options (:func:`wanted_policy`) with the group's ``current`` policy; None when
    nothing is to change. Fails (before anything is sent) when the policy to PUT lacks what the API requires."""
    if wanted is None:
        return None
    exists = has_policy(current)
    if not wanted:
        return PolicyPlan(current, None) if exists else None
    if not exists and wanted == {"enable": False}:
        return None  # no policy is a disabled one already
    if exists and shows_policy(current, wanted):
        return None
    merged = known_policy(current) if exists else {}
    for key, value in wanted.items():
        merged[key] = dict(merged.get(key) or {}, **value) if isinstance(value, dict) else value
    missing = [key for key in POLICY_REQUIRED if value_of(merged, key) is None]
    if missing:
        raise TargetError("scaling_policy: %s needs %s (missing: %s)" % (
            "the group's policy with yours merged in" if exists else
            "the group has no scaling policy yet, and creating one", ", ".join(POLICY_REQUIRED), ", ".join(missing)))
    expansion_within_maximum(merged, "scaling_policy (the group's policy with yours merged in)")
    return PolicyPlan(current, merged)


class AppServerGroup(WorkspaceAppModule):
    argument_spec = dict(
        server_group_id=dict(type="str"),
        name=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
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
        os_type=dict(type="str", choices=OS_TYPES),
        product_id=dict(type="str"),
        flavor_id=dict(type="str"),
        vpc_id=dict(type="str"),
        subnet_id=dict(type="str"),
        availability_zone=dict(type="str"),
        is_vdi=dict(type="bool"),
        ip_virtual=dict(type="bool"),
        extra_session_type=dict(type="str", choices=["GPU", "CPU"]),
        extra_session_size=dict(type="int"),
        tags=dict(type="list", elements="dict", options=dict(key=dict(type="str", required=True, no_log=False),
                                                             value=dict(type="str"))),
        scaling_policy=dict(type="dict", options=dict(
            enable=dict(type="bool"),
            max_scaling_amount=dict(type="int"),
            single_expansion_count=dict(type="int"),
            scaling_policy_by_session=dict(type="dict", options=dict(
                session_usage_threshold=dict(type="int"), shrink_after_session_idle_minutes=dict(type="int"))),
            scaling_policy_by_resource=dict(type="dict", options=dict(
                cpu_usage_threshold=dict(type="int"), mem_usage_threshold=dict(type="int"),
                gpu_usage_threshold=dict(type="int"))),
        )),
        force_fields=dict(type="list", elements="str", choices=list(FORCEABLE), default=[]),
        force=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
        poll_interval=dict(type="float", default=15),
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
        settings_with_absent,
        force_with_absent,
        in_range("wait_timeout", 1, MAX_WAIT_TIMEOUT, "seconds"),
        above("poll_interval", 0, "seconds"),
        in_range("poll_interval", 0, MAX_POLL_INTERVAL, "seconds"),
        matches("name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        matches("new_name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        not_blank("image_id"),
        in_range("system_disk_size", 40, 1024, "GB"),
        route_policy_set,
    ) + tuple(in_range("route_policy." + key, 1, 100) for key in ROUTE_POLICY_KEYS) + (forced_fields_set,) + tuple(
        not_blank(option) for option in ("product_id", "flavor_id", "vpc_id", "subnet_id", "availability_zone")
    ) + (at_least("extra_session_size", 0), tags_valid, policy_parts_set) + tuple(
        in_range("scaling_policy." + key, 1, 100, "%") for key in POLICY_PERCENTAGES
    ) + tuple(at_least("scaling_policy." + key, 1) for key in POLICY_COUNTS) + (expansion_as_given,)

    def execute(self):
        try:
            super(AppServerGroup, self).execute()
        except GroupKept as exc:
            self.fail(str(exc), **exc.result)

    def run(self):
        p = self.params
        # Only a name can be created; an unknown id fails (state present) or is already gone (absent).
        group = find_group(self.client, p["server_group_id"], p["name"], renamed_to=p["new_name"],
                           missing_ok=p["state"] == "absent" or not p["server_group_id"])
        if p["state"] == "absent":
            return self.absent(group)
        if group is None:
            return self.create()
        return self.present(group)

    # -- state: present ------------------------------------------------------------------------------------------
    def present(self, group, created=None):
        """Converge an existing ``group``; ``created`` is the create body when this run has just created it."""
        p = self.params
        if created is None:
            self.fail_create_only(group)
        plan = plan_update(group, p)
        wanted = wanted_policy(p)
        policy = plan_policy(self.current_policy(group), wanted) if wanted is not None else None
        for field in plan.not_comparable:
            self.warn("%s: the service does not return it for this group (some regions leave it out), so it cannot "
                      "be compared and was not sent; add force_fields: [%s] to send it anyway" % (field, field))
        for field in plan.unverified:
            self.warn("%s: sent without comparing, because the service does not return it for this group; the result "
                      "cannot be verified. Remove it from force_fields once applied, or every run sends it again"
                      % field)
        after = group
        if (plan.body or policy) and self.check_mode:
            after = self.predicted(group, plan, policy)
        elif plan.body or policy:
            after = self.apply(group["id"], plan, policy)
        return self.result(after, plan, policy, created)

    def fail_create_only(self, group):
        p = self.params
        conflicts = create_only_conflicts(group, p)
        if conflicts:
            raise TargetError("; ".join(
                "%s: cannot be changed after creation; server group %s has %r, wanted %r; create a new group"
                % (option, group_label(group), shown, wanted) for option, shown, wanted in conflicts))
        if tags_differ(group, p):
            self.warn("tags: set only when a group is created; server group %s has %s, the task names %s; "
                      "not changed" % (group_label(group), tag_set(group["tags"]), tag_set(p["tags"])))

    def current_policy(self, group):
        """The group's scaling policy: from its read, or from the scaling policy read when the group's has none."""
        if "scaling_policy" in group or not group.get("id"):
            return group.get("scaling_policy") or {}
        return api.show_scaling_policy(self.client, group["id"])

    @staticmethod
    def predicted(group, plan, policy):
        after = plan.predicted(group)
        if policy:
            after["scaling_policy"] = copy.deepcopy(policy.after if policy.after is not None else NO_POLICY)
        return after

    def result(self, group, plan, policy, created=None):
        changes = dict(created or {})
        changes.update(plan.body)
        before, after = dict(plan.before), dict(plan.after)
        if policy:
            changes["scaling_policy"] = after["scaling_policy"] = policy.after
            before["scaling_policy"] = policy.before
        result = dict(changed=created is not None or bool(changes), server_group=group, changes=changes)
        if self.diff_mode:
            result["diff"] = dict(before={}, after=changes) if created is not None else dict(before=before,
                                                                                             after=after)
        return result

    def apply(self, group_id, plan, policy):
        """PATCH the settings and PUT (or DELETE) the scaling policy; the group read afterwards."""
        recovered = self.patch(group_id, plan) if plan.body else None
        if recovered and not policy:
            return recovered  # the read that settled a lost response is the group after the change
        if policy:
            self.set_policy(group_id, policy)
        group = api.show_server_group(self.client, group_id)
        for field in mismatches(plan, group):
            self.warn("%s: the service accepted %r but the group now reports %r"
                      % (field, plan.body[field], group.get(field)))
        current = self.current_policy(group) if policy else None
        if policy and not policy.applied(current):
            self.warn("scaling_policy: the service accepted %r but the group now reports %r" % (policy.after, current))
        return group

    def settled(self, group_id, send, applied, what):
        """``send()`` once; when its answer is lost or a server error, the group's read tells: ``applied(group)``
        True means it was (the read is returned, with a warning), False that it was not (sent again, up to
        ``max_retries`` times), None that the read cannot tell (the error stands)."""
        def settle(exc):
            group = api.show_server_group(self.client, group_id)
            verdict = applied(group)
            if verdict is None:
                raise exc
            if verdict:
                self.warn("%s; the group read afterwards shows %s applied" % (exc.message, what))
                return group
            return None

        def send_only():
            send()  # the service answers these calls with nothing to keep

        return send_settled(send_only, settle, self.params["max_retries"])

    def patch(self, group_id, plan):
        """PATCH the planned fields; the group's read when it settled a lost response (else None)."""
        return self.settled(group_id, lambda: api.update_server_group(self.client, group_id, plan.body),
                            lambda group: None if len(plan.unverified) == len(plan.body) else not mismatches(plan, group),
                            "the change")

    def set_policy(self, group_id, policy):
        def send():
            if policy.action == "delete":
                api.delete_scaling_policy(self.client, group_id)
            else:
                api.create_or_update_scaling_policy(self.client, group_id, policy.after)
        self.settled(group_id, send, lambda group: policy.applied(self.current_policy(group)), "the scaling policy")

    def create(self):
        p = self.params
        missing = missing_for_create(p)
        if missing:
            raise cannot_create(p["new_name"] or p["name"], missing,
                                api.list_server_groups(self.client, server_group_name=p["name"]))
        body = create_body(p)
        planned = new_group(body)
        plan = plan_update(planned, p)
        policy = plan_policy(planned["scaling_policy"], wanted_policy(p))
        if self.check_mode:
            return self.result(self.predicted(planned, plan, policy), plan, policy, created=body)
        group, ours = self.post(body)
        if not ours:  # another run created it meanwhile: an existing group
            return self.present(group)
        return self.present(group, created=body)

    def post(self, body):
        """Create the group: (its read, whether this run created it). A lost response or a 409 (name in use) is
        settled by reading the groups of that name: exactly one is taken as the group."""
        try:
            created = api.create_server_group(self.client, body)
        except ApiError as exc:
            lost = exc.status is None
            if not lost and not (exc.status == 409 and exc.error_code == GROUP_NAME_EXISTS):
                raise
            group = find_group(self.client, name=body["name"], missing_ok=True)
            if group is None:
                raise exc
            self.warn("%s; server group %s exists now and is %s" % (
                exc.message, group_label(group),
                "taken as the one this task created" if lost else "managed as an existing group"))
            return group, lost
        return api.show_server_group(self.client, created["id"]), True

    # -- state: absent -------------------------------------------------------------------------------------------
    def absent(self, group):
        result = dict(changed=group is not None, server_group=group, changes={})
        if self.diff_mode:
            result["diff"] = dict(before=dict(id=group["id"], name=group.get("name")) if group else {}, after={})
        if group is None:
            return result
        if self.params["force"] and int(group.get("app_server_count") or 0):
            self.empty(group, result)
        else:
            refuse_non_empty(group)
        if not self.check_mode:
            self.delete(group)
        return result

    def empty(self, group, result):
        """``force``: the group's servers deleted first and waited for (the fleet at count 0); any that stays fails
        the task, the group kept."""
        emptied = empty_group(self, group, self.params["wait_timeout"], self.params["poll_interval"])
        for warning in emptied.warnings:
            self.warn(warning)
        result.update(servers=emptied.servers(), summary=emptied.summary())
        if emptied.progress:
            result["progress"] = list(emptied.progress)
        if emptied.failed:
            result["changed"] = emptied.changed
            raise GroupKept("server group %s is kept, its servers could not all be deleted: %s"
                            % (group_label(group), emptied.message()), result)

    def delete(self, group):
        def settle(exc):
            # No response, or a server error: the delete may or may not have been applied. Whether the group is
            # still there tells; when it is, the delete is sent again.
            if find_group(self.client, group["id"], missing_ok=True) is None:
                self.warn("%s; the group is gone" % exc.message)
                return True
            return None

        try:
            send_settled(lambda: api.delete_server_groups(self.client, group["id"]), settle, self.params["max_retries"])
        except ApiError as exc:
            if exc.status == 409 and exc.error_code == GROUP_NOT_EMPTY:
                refuse_non_empty(find_group(self.client, group["id"], missing_ok=True) or group, conflict=exc)
            raise


SETTINGS_OPTIONS = tuple(option for option in AppServerGroup.argument_spec
                         if option not in ("server_group_id", "name", "state", "force", "wait_timeout", "poll_interval"))


def main():
    AppServerGroup.main()


if __name__ == "__main__":
    main()
