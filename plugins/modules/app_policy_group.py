#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_policy_group
short_description: Create, configure and delete Huawei Cloud Workspace policy groups
version_added: 1.1.0
description:
  - Desired state of a policy group, the access policies (clipboard, file and USB redirection, screen capture,
    session timeouts, ...) the service applies to users, user groups, app groups, OUs or everyone, identified by
    O(policy_group_id) or by its exact O(name). With O(state=present) (the default) the group exists with the
    settings you set; with O(state=absent) it does not exist.
  - An existing group is read (C(GET …/policy-groups/{id})), only the options you set are compared, and one
    C(PATCH …/policy-groups/{id}) carries just what differs. When nothing differs, nothing is sent and C(changed) is
    false.
  - O(policies) is the API's nested C(Policies) object and is compared leaf by leaf, only the keys you set (a deep
    subset). Every key is checked against the official SDK's C(Policies) models (huaweicloudsdkworkspaceapp 3.1.219)
    before any request; an unknown key fails naming its path and the keys allowed there.
  - When no group has the O(name), the group is created (C(POST …/policy-groups)); the service starts its policies
    from its original policy and merges the O(policies) you set into them.
  - With O(state=absent) an existing group is deleted (C(DELETE …/policy-groups/{id})). A group that does not exist
    (also an unknown O(policy_group_id)) is no change.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  policy_group_id:
    description:
      - Id of the policy group. Mutually exclusive with O(name); one of them is required.
      - An id that does not exist fails before anything is sent (with O(state=absent) it is already gone, no change).
    type: str
  name:
    description:
      - Exact name of the policy group (case-sensitive). Mutually exclusive with O(policy_group_id).
      - The groups are listed with this name as filter (C(policy_group_name), which matches parts of names) and only
        the exact match is kept.
      - 1 to 55 English letters, digits or underscores; no spaces (the API's rule).
    type: str
  state:
    description:
      - V(present) the group exists with the settings you set (created when no group has the O(name)).
      - V(absent) the group does not exist. With V(absent) only O(policy_group_id) or O(name) may be set.
    type: str
    choices: [present, absent]
    default: present
  priority:
    description:
      - Priority of the group among the tenant's policy groups; 1 is the highest. The service allows 1 up to the
        number of policy groups.
      - A group created without it gets the service's default (the lowest).
    type: int
  description:
    description:
      - Description of the group, at most 255 characters. An empty string clears it.
    type: str
  targets:
    description:
      - Who the group applies to. Compared as a set of (type, id); when it differs the whole list is sent, replacing
        the group's targets. An empty list removes every target.
      - App groups may be named by O(targets[].name) instead of O(targets[].id); they are resolved to their ids from
        one list of the app groups before anything is sent (an unknown or ambiguous name fails naming it).
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(USER) a user, V(USERGROUP) a user group, V(OU) an organizational unit (each by O(targets[].id)),
            V(APPGROUP) an app group (by O(targets[].id) or O(targets[].name)), V(ALL) everyone (the service's
            fixed target C(default-apply-all-targets); id and name are not needed).
        type: str
        required: true
        choices: [USER, USERGROUP, APPGROUP, OU, ALL]
      id:
        description:
          - The object's id. Required for V(USER), V(USERGROUP) and V(OU).
        type: str
      name:
        description:
          - The object's name. For V(APPGROUP) without O(targets[].id), the exact name of the app group; for the
            other types it is sent as C(target_name) and not compared.
        type: str
  policies:
    description:
      - The policies as the API's nested C(Policies) object (for example C(file_and_clipboard.clipboard_redirection),
        C(peripherals.usb_port_redirection.usb_enable), C(session.sbc.sbc_automatic_disconnection)). Only the keys
        you set are compared, leaf by leaf; the others keep what the group has.
      - The keys and their types are those of the SDK's C(Policies) models; an unknown key at any depth, a value of
        the wrong type, or a text value outside the set the SDK's description lists (for example
        C(clipboard_redirection) one of C(DISABLED), C(SERVER_TO_CLIENT_ENABLED), C(CLIENT_TO_SERVER_ENABLED),
        C(TWO_WAY_ENABLED)) fails before any request, naming the key's path and the allowed keys or values.
      - When some differ, each top-level section they touch is sent whole (as read, with your keys merged in), so the
        result is the same whether the service merges or replaces a section.
      - The SDK 3.1.219 model has no watermark setting, so none can be set here.
    type: dict
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and compares; sends nothing. C(changed), RV(changes) and RV(policy_group) tell what a real run
      would send and the group it would leave.
  diff_mode:
    support: full
    description: What changes, key by key - priority and description with their values before and after, targets as
      sorted lists, and each differing policy as its dotted path (C(file_and_clipboard.clipboard_redirection)) with
      the value before and after. For a create before is empty and after the create request; for a delete before
      names the group.
notes:
  - Request cost - one list of the policy groups with the name as filter and one read of the group found (one read
    with O(policy_group_id)); with app groups in O(targets), one list of the app groups. When something differs one
    PATCH and one more read; a create is one POST and one read; a delete is one DELETE.
  - Answers that do not tell (a lost response, a server error) are settled by reading the group again, as for the
    collection's other resources.
seealso:
  - module: huaweicloud.workspace_app.app_policy_group_info
  - module: huaweicloud.workspace_app.app_group
"""

EXAMPLES = r"""
- name: A security baseline for the design app group (created when no policy group has the name)
  huaweicloud.workspace_app.app_policy_group:
    name: design_baseline
    priority: 1
    description: Clipboard out only, no file or USB redirection
    targets:
      - type: APPGROUP
        name: design-apps
    policies:
      file_and_clipboard:
        clipboard_redirection: SERVER_TO_CLIENT_ENABLED
        file_redirection:
          redirection_mode: DISABLED
      peripherals:
        usb_port_redirection:
          usb_enable: false
      client:
        forbid_screen_capture: true
      session:
        sbc:
          sbc_automatic_disconnection: AUTO_DISCONNECT
          sbc_automatic_disconnection_options:
            disconnection_waiting_time: 30

- name: What drifted from the baseline? (nothing is sent)
  huaweicloud.workspace_app.app_policy_group:
    name: design_baseline
    policies:
      file_and_clipboard:
        clipboard_redirection: SERVER_TO_CLIENT_ENABLED
  check_mode: true
  diff: true

- name: Apply to everyone
  huaweicloud.workspace_app.app_policy_group:
    name: everyone_baseline
    targets:
      - type: ALL

- name: Remove it
  huaweicloud.workspace_app.app_policy_group:
    name: design_baseline
    state: absent
"""

RETURN = r"""
policy_group:
  description:
    - The group as the service returns it (C(GET …/policy-groups/{id})), read again after a change or a create.
    - In check mode, the group as read with the planned changes applied; for a create, the group as the create
      request describes it (no id yet, only the policies you set).
    - With O(state=absent), the group as read before it was deleted; V(null) when there was no such group.
  returned: success
  type: dict
  sample:
    id: 5f0b6d1c-2a3e-4f5a-8b7c-9d0e1f2a3b4c
    name: design_baseline
    priority: 1
    description: Clipboard out only, no file or USB redirection
    targets:
      - {target_type: APPGROUP, target_id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d, target_name: design-apps}
    policies:
      file_and_clipboard: {clipboard_redirection: SERVER_TO_CLIENT_ENABLED}
    create_time: "2026-03-01T09:30:00Z"
    update_time: "2026-03-01T09:30:00Z"
changes:
  description:
    - The body of the PATCH that was sent (in check mode, that would be sent), with the API's field names; for
      O(policies), each top-level section with a differing key, whole. Empty when nothing differs, and with
      O(state=absent).
    - For a create, the body of the create request (C(name) for C(policy_group_name)).
  returned: success
  type: dict
  sample:
    policies:
      file_and_clipboard: {clipboard_redirection: SERVER_TO_CLIENT_ENABLED, bypass_in_remote_app_enable: false}
diff:
  description:
    - With C(--diff), C(before) and C(after) hold what changes. Policies are keyed by their dotted path.
  returned: when diff mode is on
  type: dict
  sample:
    before: {policies: {file_and_clipboard.clipboard_redirection: TWO_WAY_ENABLED}}
    after: {policies: {file_and_clipboard.clipboard_redirection: SERVER_TO_CLIENT_ENABLED}}
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import (
    merge_nested, plan_fields, shows_nested)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    absent_takes_only, at_least, at_most_characters, matches, run_resource)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.policy_groups import (
    KIND, NAME_RE, NAME_RULE, TARGET_TYPES, TARGETS, check_targets, read_policy_group, resolve_targets, target_keys,
    targets_text)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.policy_keys import (
    TREE, check_policies, policy_body, policy_changes)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import Field, Resource


def known_policies(params):
    """A value rule: ``policies`` has only the SDK model's keys, values of their types (normalized in place)."""
    if params.get("policies") is not None:
        try:
            params["policies"] = check_policies(params["policies"])
        except ValueError as exc:
            raise TargetError(str(exc))


class PolicyGroup(Resource):
    kind = KIND
    result_key = "policy_group"
    id_option = "policy_group_id"
    options = dict(
        priority=dict(type="int"),
        description=dict(type="str"),
        targets=dict(type="list", elements="dict", options=dict(
            type=dict(type="str", required=True, choices=TARGET_TYPES),
            id=dict(type="str"),
            name=dict(type="str"),
        )),
        policies=dict(type="dict"),
    )
    # PolicyGroupForCreate / PolicyGroupForUpdate carry the same fields (the name as policy_group_name).
    fields = (
        Field("priority"), Field("description", nullable=True),
        Field(TARGETS, shown=lambda record: None),  # compared as a set (plan_update); a create sends them as given
        Field("policies", sub_keys=tuple(TREE)),  # compared as a deep subset (plan_update)
    )
    rules = (
        absent_takes_only(KIND, "policy_group_id"),
        matches("name", NAME_RE, "policy group name", NAME_RULE),
        at_least("priority", 1),
        at_most_characters("description", 255),
        check_targets,
        known_policies,
    )

    def show(self, resource_id):
        return read_policy_group(self.client, resource_id)

    def search(self, name):
        return api.list_policy_groups(self.client, name=name)  # the API matches parts of names: exact is kept

    def everything(self):
        return api.list_policy_groups(self.client)

    def find(self, missing_ok):
        """The group, after the targets are resolved to what the API carries (app group names to ids): an unknown app
        group fails before anything is sent."""
        if self.params.get(TARGETS) is not None:
            self.params[TARGETS] = resolve_targets(self.client, self.params[TARGETS])
        return super(PolicyGroup, self).find(missing_ok)

    @classmethod
    def plan_update(cls, record, params):
        """Priority and description as the engine compares them; targets as a set of (type, id); policies leaf by
        leaf, only the keys set (the diff keyed by dotted path; each touched section sent whole)."""
        desired = dict((option, params[option]) for option in ("priority", "description")
                       if params.get(option) is not None)
        plan = plan_fields(record, desired, nullable=["description"])
        wanted = params.get(TARGETS)
        current = record.get(TARGETS) or []
        if wanted is not None and target_keys(current) != target_keys(wanted):
            plan.add_own(TARGETS, targets_text(current), targets_text(wanted), wanted, wanted,
                         lambda shown: target_keys(shown.get(TARGETS)) == target_keys(wanted))
        policies = params.get("policies")
        if policies:
            current = record.get("policies") or {}
            before, after = policy_changes(current, policies)
            if after:
                plan.add_own("policies", before, after, policy_body(current, after), merge_nested(current, policies),
                             lambda shown: shows_nested(shown.get("policies"), policies))
        return plan

    @staticmethod
    def wire(body):
        """The engine's body with the API's name of the name (``policy_group_name``)."""
        body = dict(body)
        if "name" in body:
            body["policy_group_name"] = body.pop("name")
        return body

    def send_create(self, body):
        return api.create_policy_group(self.client, self.wire(body))

    def send_update(self, record_id, body):
        api.update_policy_group(self.client, record_id, self.wire(body))

    def send_delete(self, record):
        api.delete_policy_group(self.client, record["id"])


def main():
    run_resource(PolicyGroup)


if __name__ == "__main__":
    main()
