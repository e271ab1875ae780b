#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_policy_group_info
short_description: List Huawei Cloud Workspace policy groups
version_added: 1.1.0
description:
  - Lists policy groups (C(GET /v1/{project_id}/policy-groups), every page of 100), filtered as you ask; each one
    as the list returns it, with its C(priority), C(targets) and C(policies).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  policy_group_id:
    description:
      - Only this policy group (C(GET …/policy-groups/{id})). An id that does not exist returns an empty list.
        Mutually exclusive with O(name).
    type: str
  name:
    description:
      - Only the group with exactly this name (case-sensitive). The API's C(policy_group_name) filter matches parts
        of names; the module keeps the exact matches.
    type: str
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Costs one request per page of 100 groups, or one read with O(policy_group_id).
seealso:
  - module: huaweicloud.workspace_app.app_policy_group
"""

EXAMPLES = r"""
- name: Every policy group
  huaweicloud.workspace_app.app_policy_group_info:
  register: groups

- name: Who the baseline applies to
  huaweicloud.workspace_app.app_policy_group_info:
    name: design_baseline
  register: baseline

- name: Its clipboard setting
  ansible.builtin.debug:
    msg: "{{ baseline.policy_groups[0].policies.file_and_clipboard.clipboard_redirection }}"
"""

RETURN = r"""
policy_groups:
  description: The matching policy groups, sorted by name then id, as the service returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5f0b6d1c-2a3e-4f5a-8b7c-9d0e1f2a3b4c
      name: design_baseline
      priority: 1
      description: Clipboard out only
      targets:
        - {target_type: APPGROUP, target_id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d, target_name: design-apps}
      policies:
        file_and_clipboard: {clipboard_redirection: SERVER_TO_CLIENT_ENABLED}
      create_time: "2026-03-01T09:30:00Z"
      update_time: "2026-03-01T09:30:00Z"
unexpected:
  description:
    - What the records read hold that the collection does not expect, one entry per top-level field the official
      SDK's model (C(PolicyGroup)) does not have. Empty when all is known. Computed from the records read, without
      another request.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule, not_blank
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.policy_groups import read_policy_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import named_in_order
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class PolicyGroupInfo(WorkspaceAppModule):
    argument_spec = dict(
        policy_group_id=dict(type="str"),
        name=dict(type="str"),
    )
    module_kwargs = dict(mutually_exclusive=[("policy_group_id", "name")])
    rules = (not_blank("policy_group_id"), not_blank("name"))

    def run(self):
        params = self.params
        if params["policy_group_id"]:
            try:
                groups = [read_policy_group(self.client, params["policy_group_id"])]
            except ApiError as exc:
                if exc.status != 404:
                    raise
                groups = []
        else:
            groups = named_in_order(api.list_policy_groups(self.client, name=params["name"]), params["name"])
        return dict(changed=False, policy_groups=groups, unexpected=unexpected("policy_group", groups))


def main():
    PolicyGroupInfo.main()


if __name__ == "__main__":
    main()
