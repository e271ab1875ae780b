#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_group_info
short_description: List Huawei Cloud Workspace application streaming server groups with their settings
version_added: 1.0.0
description:
  - Lists server groups (C(GET /v1/{project_id}/app-server-groups), every page) and reads each one's detail
    (C(GET …/app-server-groups/{id})), so every returned group carries the fields only the detail read has, such
    as C(ip_virtual), C(route_policy), C(image_type) and C(image_product_id).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_group_id:
    description:
      - Only this server group. An id that does not exist returns an empty list.
    type: str
  name:
    description:
      - Only groups whose name matches this text, as the API matches C(server_group_name).
    type: str
  app_type:
    description:
      - Only groups of this application type.
    type: str
    choices: [SESSION_DESKTOP_APP, COMMON_APP]
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Costs one request per page of 100 groups plus one per returned group.
"""

EXAMPLES = r"""
- name: Every server group
  huaweicloud.workspace_app.app_server_group_info:
    region: cn-north-4
  register: groups

- name: Is virtual session IP enabled on the "design" group?
  huaweicloud.workspace_app.app_server_group_info:
    name: design
  register: design

- name: Show it
  ansible.builtin.debug:
    msg: "{{ design.server_groups | map(attribute='ip_virtual') | list }}"
"""

RETURN = r"""
server_groups:
  description: The matching server groups, sorted by id, each with the API's detail fields.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
      name: design
      app_type: SESSION_DESKTOP_APP
      image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
      image_type: private
      is_vdi: false
      server_group_status: true
      storage_mount_policy: ANY
      route_policy: {max_session: 5, cpu_threshold: 80, mem_threshold: 80}
      ip_virtual: {enable: true}
      app_server_count: 20
      tags: {department: design}
  contains:
    tags:
      description:
        - The group's tags as a dict of key to value (the API's list of C(key)/C(value) turned into one), since
          1.1.0.
      returned: when the service returns them
      type: dict
    ip_virtual:
      description: Virtual session IP setting of the group (C(enable)).
      returned: when the service returns it
      type: dict
    route_policy:
      description: Session routing policy (C(max_session), C(cpu_threshold), C(gpu_threshold), C(mem_threshold)).
      returned: when the service returns it (not in every region)
      type: dict
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the server groups), one entry per field
      the official SDK's model of the record does not have and per value of a known enum (a status, a type) the
      collection does not know. Empty when all is known. Computed from the records read, without another request.
    - The records checked are the groups as returned (list and detail fields merged).
    - Values are cut at 80 characters. C(playbooks/check_tenant.yml) collects these into a report for a bug report.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: server_group
      id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
      name: design
      field: app_type
      value: GAME_APP
      why: unknown AppTypeEnum value
  contains:
    kind:
      description: The record kind, C(server_group).
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
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.server_groups import with_tag_dict
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppServerGroupInfo(WorkspaceAppModule):
    argument_spec = dict(
        server_group_id=dict(type="str"),
        name=dict(type="str"),
        app_type=dict(type="str", choices=["SESSION_DESKTOP_APP", "COMMON_APP"]),
    )

    def run(self):
        summaries = api.list_server_groups(self.client, server_group_id=self.params["server_group_id"],
                                           server_group_name=self.params["name"], app_type=self.params["app_type"])
        groups = []
        for summary in sorted(summaries, key=lambda group: group.get("id") or ""):
            group = dict(summary)
            group.update(api.show_server_group(self.client, summary["id"]) or {})
            groups.append(group)
        found = unexpected("server_group", groups)  # on the records as the API answered them
        return dict(changed=False, server_groups=[with_tag_dict(group) for group in groups], unexpected=found)


def main():
    AppServerGroupInfo.main()


if __name__ == "__main__":
    main()
