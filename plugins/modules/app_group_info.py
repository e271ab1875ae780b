#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_group_info
short_description: List Huawei Cloud Workspace application groups
version_added: 1.1.0
description:
  - Lists application groups (app groups) (C(GET /v1/{project_id}/app-groups), every page of 100), filtered as you
    ask; each one as the list returns it (with C(app_server_group_name) and C(app_count)).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  app_group_id:
    description:
      - Only this app group. An id that does not exist returns an empty list.
    type: str
  name:
    description:
      - Only groups with exactly this name (case-sensitive). The API's C(name) filter matches parts of names; the
        module keeps the exact matches.
    type: str
  server_group_id:
    description:
      - Only groups bound to this server group. Mutually exclusive with O(server_group_name).
    type: str
  server_group_name:
    description:
      - Only groups bound to the server group with exactly this name. The server group is looked up first; a name
        no server group has, or several have, fails naming the candidates.
    type: str
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Costs one request per page of 100 groups, plus two (a list and a read) with O(server_group_name).
"""

EXAMPLES = r"""
- name: Every app group
  huaweicloud.workspace_app.app_group_info:
    region: cn-north-4
  register: app_groups

- name: The app groups of the "design" server group
  huaweicloud.workspace_app.app_group_info:
    server_group_name: design
  register: design

- name: Their names and how many applications each publishes
  ansible.builtin.debug:
    msg: "{{ design.app_groups | items2dict(key_name='name', value_name='app_count') }}"
"""

RETURN = r"""
app_groups:
  description: The matching app groups, sorted by name then id, as the service lists them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d
      name: design-apps
      app_server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
      app_server_group_name: design
      description: CAD and rendering tools
      authorization_type: APP_GROUP
      app_type: COMMON_APP
      tenant_id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9
      create_at: "2026-03-01T09:30:00Z"
      app_count: 3
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the app groups), one entry per field the
      official SDK's model of the record does not have and per value of a known enum (C(app_type),
      C(authorization_type)) the collection does not know. Empty when all is known. Computed from the records read,
      without another request.
    - Values are cut at 80 characters.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: app_group
      id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d
      name: design-apps
      field: authorization_type
      value: USER
      why: unknown AuthorizationTypeEnum value
  contains:
    kind:
      description: The record kind, C(app_group).
      type: str
    id:
      description: The record's id.
      type: str
    name:
      description: The record's name.
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
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule, not_blank
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import find_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import named_in_order
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppGroupInfo(WorkspaceAppModule):
    argument_spec = dict(
        app_group_id=dict(type="str"),
        name=dict(type="str"),
        server_group_id=dict(type="str"),
        server_group_name=dict(type="str"),
    )
    module_kwargs = dict(mutually_exclusive=[("server_group_id", "server_group_name")])
    rules = (not_blank("server_group_name"),)

    def run(self):
        params = self.params
        server_group_id = params["server_group_id"]
        if params["server_group_name"]:
            server_group_id = find_group(self.client, name=params["server_group_name"],
                                         option="server_group_name")["id"]
        listed = api.list_app_groups(self.client, name=params["name"], app_group_id=params["app_group_id"],
                                     server_group_id=server_group_id)
        groups = named_in_order(listed, params["name"])
        return dict(changed=False, app_groups=groups, unexpected=unexpected("app_group", groups))


def main():
    AppGroupInfo.main()


if __name__ == "__main__":
    main()
