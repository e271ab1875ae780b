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
    O(flavor_id), O(availability_zone)) are not compared. O(tags) are managed on existing groups too (O(purge_tags)).
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
      - At C(-v), while the servers are deleted and waited for, the progress lines (labelled C([group name])) are
        printed as they come when the module runs on the controller (C(connection=local), no C(become), no
        C(async)); they are in the result's C(progress) too.
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
      - An image the project does not have is refused by the service (HTTP 400). The task fails at the create or
        update, with nothing changed, and its message names O(image_id) and the value.
    type: str
  image_type:
    description:
      - Type of O(image_id); requires O(image_id). V(gold) is a Marketplace image (see O(image_product_id)).
        Required to create a group.
    type: str
    choices: [gold, public, private, shared, other]
  image_product_id:
    description:
      - Product id of the image. Requires O(image_id) and O(image_type).
      - The service's SDK says a marketplace (O(image_type=gold)) image needs it, but the service takes a V(gold)
        image without it too (Terraform's tests send none), so the module sends the create or update either way and
        leaves the decision to the service; a refusal fails the task with the service's message, nothing changed.
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
      - Tags of the group, at most 20, with unique keys (1 to 128 characters, no blanks at either end; values up to
        255 characters).
      - A dict of key to value, as amazon.aws modules take tags (see EXAMPLES), or, as before, a list of dicts with
        C(key) and C(value). Both mean the same.
      - A new group is created with them. On an existing group the module compares them key by key with the
        group's tags and adds the missing keys and the values that differ (C(POST …/server-group/tags/batch-create));
        keys the task does not name are kept unless O(purge_tags=true).
      - Bad input (a key too long or blank, more than 20 tags, a key given twice) fails before anything is sent.
    type: raw
  purge_tags:
    description:
      - With V(true), the keys of the group's tags that O(tags) does not name are removed
        (C(DELETE …/server-group/tags/batch-delete)); O(tags={}) then removes all of them.
      - With V(false), tags are only added or updated.
      - Has no effect without O(tags).
    type: bool
    default: false
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
          - The most servers the policy may add, V(1) to V(100) (the service's range); a value outside it fails
            before anything is sent.
        type: int
      single_expansion_count:
        description:
          - Servers added at a time, V(1) to V(10) (the service's range), not more than
            O(scaling_policy.max_scaling_amount) (of the policy after the change); a value outside it fails before
            anything is sent.
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
  - A create whose response is lost or a server error (5xx), or that the service refuses with HTTP 400 or 409 (the
    name in use, busy, or any other reason; the error code decides nothing, none of the service's is confirmed), is
    followed by a list of the groups of that name. When exactly one has it, the task goes on with that group, with a
    warning. After a lost response or a server error it is the group this task created; after a refusal it is too
    when it shows the settings of the create (C(changed) true, nothing created twice), else it was another run's and
    is managed as an existing group. When none has it, a refusal fails with the service's error as it is, and after a
    lost response or a server error the create is sent again (up to O(max_retries) times).
  - A delete the service refuses with HTTP 400 or 409 (whatever the error code) is followed by a read of the group.
    Gone - the task succeeds with a warning. Still there with servers (some came after the module read it) - the task
    fails naming how many, the answer's code only as a hint. Still there without servers - the service's error as it
    is. A delete answered 200 (the service answers so, without a job, also for a group that is gone already) is
    done; a group that does not exist is no change.
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

- name: Tags of an existing group - add or update these two, keep the others
  huaweicloud.workspace_app.app_server_group:
    name: design
    tags:
      owner: cad-team
      cost_center: "4711"

- name: Tags - exactly these, any other key removed
  huaweicloud.workspace_app.app_server_group:
    name: design
    tags:
      owner: cad-team
    purge_tags: true

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
    - Its C(tags) are a dict of key to value (the API's list of C(key)/C(value) turned into one), since 1.1.0.
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
    tags: {department: design}
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
destroys:
  description:
    - The group's servers deleted with it (O(force=true)), in name order, then the group itself, C(server web-01)
      and its id in brackets each; in check mode, what would be.
    - C(--diff) shows the same lines (C(would destroy) in check mode, C(this run destroys) otherwise).
  returned: when the run deletes something (or would, in check mode)
  type: list
  elements: str
  sample: ["server night-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)", "server group night-shift (7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1)"]
interrupts:
  description:
    - With O(force=true), the group's servers deleted with it, each followed by its user sessions that end
      (C(session alice) with its state and server), in server name order; in check mode, what would be.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise) and a
      warning names the sessions that end.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["session bob (Disconnected) on night-02 (7c0e4b9a-2f4e-4c55-9d8e-5a1f3b2c6d7e)"]
diff:
  description:
    - With C(--diff), C(before) and C(after) hold the changing fields (API field names) with their values. A field the
      service does not return shows V(null) before.
    - C(scaling_policy) shows the group's policy before and the one sent after (V(null) after when it is removed).
    - For a create, C(before) is empty and C(after) is RV(changes); for a delete, C(before) holds the group's C(id)
      and C(name) and C(after) is empty, and with O(force=true) the lines of RV(destroys) and RV(interrupts) follow
      (the servers deleted first and the user sessions that end).
  returned: when diff mode is on
  type: dict
  sample:
    before: {description: "", route_policy: {max_session: 10, cpu_threshold: 80, mem_threshold: 80}}
    after: {description: CAD and rendering tools, route_policy: {max_session: 20, cpu_threshold: 80, mem_threshold: 80}}
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    ApiError, PartlyDone, naming_the_image)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fleet import empty_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    WaitSpec, absent_takes_only, at_least, in_range, listed_are_set, matches, not_blank, only_with, run_resource,
    sub_option_set)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    NAME_RE as GROUP_NAME_RE, NAME_RULE as GROUP_NAME_RULE, Field, Resource, label)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.server_groups import (
    NO_POLICY, POLICY_COUNTS, POLICY_PARTS, POLICY_PERCENTAGES, POLICY_RANGES, ScalingPolicy, expansion_as_given,
    ServerGroupTags, refuse_non_empty, tag_wire, tags_valid, with_tag_dict)

ROUTE_POLICY_KEYS = ("max_session", "cpu_threshold", "gpu_threshold", "mem_threshold")
IMAGE_TYPES = ["gold", "public", "private", "shared", "other"]
OS_TYPES = ["Linux", "Windows", "Other"]
# Required by CreateServerGroupReq (the SDK model) besides the name and os_type (which has a default).
CREATE_REQUIRED = ("image_id", "image_type", "product_id", "vpc_id", "subnet_id", "system_disk_type",
                   "system_disk_size")
# What a new group shows for a setting the create request cannot carry (it is PATCHed after the create when the
# option wants another value; check mode predicts from this).
NEW_GROUP_SETTINGS = {"storage_mount_policy": "USER"}
WAIT = WaitSpec.state(wait_option=False)  # force: the servers' deletion, waited for


def create_only(option, **kwargs):
    return Field(option, update=False, **kwargs)


def ip_virtual_shown(group):
    value = group.get("ip_virtual")
    return value.get("enable") if isinstance(value, dict) else None


class AppServerGroup(Resource):
    kind = "server group"
    result_key = "server_group"
    id_option = "server_group_id"
    renamable = True
    # In the order of CreateServerGroupReq (the SDK model); a create sends those set, an update those that differ.
    fields = (
        Field("new_name", "name", create=False), Field("image_id"), Field("image_product_id", nullable=True),
        Field("image_type"), create_only("os_type"), Field("description", nullable=True),
        Field("route_policy", sub_keys=ROUTE_POLICY_KEYS), create_only("product_id"),
        create_only("flavor_id", shown=lambda group: None), create_only("vpc_id", shown=lambda group: None),
        create_only("subnet_id"), Field("system_disk_type"), Field("system_disk_size"),
        Field("ou_name", nullable=True), create_only("availability_zone", shown=lambda group: None),
        create_only("ip_virtual", wire=lambda value: {"enable": value}, shown=ip_virtual_shown),
        create_only("is_vdi"), Field("app_type"), create_only("extra_session_type"), create_only("extra_session_size"),
        Field("tags", update=False, wire=tag_wire, shown=lambda group: None), Field("enabled", "server_group_status"),
        Field("storage_mount_policy", create=False),
    )
    together = ("image_id", "image_type", "image_product_id")  # one image: sent together when one differs
    create_required = CREATE_REQUIRED
    create_defaults = {"os_type": "Windows"}
    parts = (ScalingPolicy(), ServerGroupTags())
    options = dict(
        description=dict(type="str"),
        route_policy=dict(type="dict", options=dict((key, dict(type="int")) for key in ROUTE_POLICY_KEYS)),
        storage_mount_policy=dict(type="str", choices=["USER", "SHARE", "ANY"]),
        image_id=dict(type="str"),
        image_type=dict(type="str", choices=IMAGE_TYPES),
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
        tags=dict(type="raw"),
        purge_tags=dict(type="bool", default=False),
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
        force_fields=dict(type="list", elements="str", choices=["route_policy"], default=[]),
        force=dict(type="bool", default=False),
        **WAIT.argument_spec(wait_timeout=dict(type="int", default=3600))
    )
    module_kwargs = dict(
        required_together=[("image_id", "image_type")],
        required_by=dict(image_product_id=["image_id", "image_type"]),
    )
    rules = (
        absent_takes_only("group", "server_group_id", ("force", "purge_tags") + WAIT.options),
        only_with("force", "state", "absent", "it deletes the group's servers before the group"),
        only_with("purge_tags", "state", "present", "it removes the tags that tags does not name"),
    ) + WAIT.rules + (
        matches("name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        matches("new_name", GROUP_NAME_RE, "server group name", GROUP_NAME_RULE),
        not_blank("image_id"),
        in_range("system_disk_size", 40, 1024, "GB"),
        sub_option_set("route_policy", ROUTE_POLICY_KEYS),
    ) + tuple(in_range("route_policy." + key, 1, 100) for key in ROUTE_POLICY_KEYS) + (
        listed_are_set("force_fields"),
    ) + tuple(not_blank(option) for option in ("product_id", "flavor_id", "vpc_id", "subnet_id", "availability_zone")
              ) + (at_least("extra_session_size", 0), tags_valid) + tuple(
        sub_option_set("scaling_policy." + part, keys) for part, keys in POLICY_PARTS
    ) + tuple(in_range("scaling_policy." + key, 1, 100, "%") for key in POLICY_PERCENTAGES
              ) + tuple(in_range("scaling_policy." + key, low, high, "servers") for key, low, high in POLICY_RANGES
                        ) + tuple(at_least("scaling_policy." + key, 1) for key in POLICY_COUNTS) + (expansion_as_given,)

    def show(self, resource_id):
        return with_tag_dict(api.show_server_group(self.client, resource_id))

    def search(self, name):
        return [with_tag_dict(group) for group in api.list_server_groups(self.client, server_group_name=name)]

    def everything(self):
        return [with_tag_dict(group) for group in api.list_server_groups(self.client)]

    def send_create(self, body):
        try:
            return api.create_server_group(self.client, body)["id"]
        except ApiError as exc:
            raise naming_the_image(exc, body["image_id"], body.get("image_type"))

    def send_update(self, record_id, body):
        try:
            api.update_server_group(self.client, record_id, body)
        except ApiError as exc:
            if "image_id" not in body:
                raise
            raise naming_the_image(exc, body["image_id"], body.get("image_type"))

    def send_delete(self, record):
        api.delete_server_groups(self.client, record["id"])

    def new_record(self, body):
        return with_tag_dict(dict(NEW_GROUP_SETTINGS, scaling_policy=dict(NO_POLICY), **body))

    def before_delete(self, record, result):
        """``force``: the group's servers deleted first and waited for (the fleet at count 0); any that stays fails
        the task, the group kept. Without it a group with servers is refused."""
        if not (self.params["force"] and int(record.get("app_server_count") or 0)):
            refuse_non_empty(record)
            return
        emptied = empty_group(self.context, record, self.params["wait_timeout"], self.params["poll_interval"])
        for warning in emptied.warnings:
            self.context.warn(warning)
        result.update(servers=emptied.servers(), summary=emptied.summary(), **emptied.disruption.result())
        if emptied.progress:
            result["progress"] = list(emptied.progress)
        if emptied.failed:
            result["changed"] = emptied.changed
            raise PartlyDone("server group %s is kept, its servers could not all be deleted: %s"
                             % (label(record), emptied.message()), result)

    def refused_delete(self, record, exc):
        """A 400 or 409 to the delete: the group read again (``record``) says whether it still has servers (named
        with their number, the answer's code only as a hint); otherwise the service's error stands."""
        refuse_non_empty(record, refusal=exc)


def main():
    run_resource(AppServerGroup)


if __name__ == "__main__":
    main()
