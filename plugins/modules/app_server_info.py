#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_info
short_description: List Huawei Cloud Workspace application streaming servers
version_added: 1.0.0
description:
  - Reads application streaming servers (C(GET /v1/{project_id}/app-servers)), every page, with optional filters.
  - With O(hda=true) also reads each server's access agent (HDA) version and merges it in as C(current_version).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_ids:
    description:
      - Only these servers. Ids that do not exist are not an error; they are simply not returned.
    type: list
    elements: str
  server_group_id:
    description:
      - Only servers of this server group.
    type: str
  server_group_name:
    description:
      - Only servers of the server group with this exact name (as the other modules take it). A name no group has,
        or one several groups have, fails naming the groups; use O(server_group_id) then.
      - Mutually exclusive with O(server_group_id).
    type: str
  hda:
    description:
      - Also read the access agent list (C(GET …/app-servers/access-agent/list)) and add C(current_version) to
        every returned server (V(null) when the service does not report one).
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
  - huaweicloud.workspace_app.server_filters
"""

EXAMPLES = r"""
- name: All servers of a group, with their HDA version
  huaweicloud.workspace_app.app_server_info:
    region: cn-north-4
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    hda: true
  register: fleet

- name: Servers still on an old HDA
  ansible.builtin.debug:
    msg: "{{ fleet.servers | selectattr('current_version', 'ne', '2.0.24.5') | map(attribute='name') | list }}"

- name: Servers in maintenance mode, credentials from module_defaults
  module_defaults:
    group/huaweicloud.workspace_app.workspace_app:
      region: ap-southeast-1
      access_key: "{{ vault_hw_ak }}"
      secret_key: "{{ vault_hw_sk }}"
  huaweicloud.workspace_app.app_server_info:
    maintain_status: true
"""

RETURN = r"""
servers:
  description:
    - The matching servers, sorted by id, with the fields the API returns (C(id), C(name), C(machine_name),
      C(server_group_id), C(status), C(image_id), C(maintain_status), C(session_count), C(vm_status),
      C(task_status), C(job_id), C(job_type), C(job_status), C(product_info) and more).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
      status: REGISTERED
      vm_status: ACTIVE
      maintain_status: false
      session_count: 2
      image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
      job_status: SUCCESS
      current_version: 2.0.24.5
  contains:
    current_version:
      description: The server's access agent (HDA) version.
      returned: when O(hda=true)
      type: str
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the servers and, with O(hda=true), on
      their access agent (HDA) records), one entry per field the official SDK's model of the record does not have
      and per value of a known enum (a status, a type) the collection does not know. Empty when all is known.
      Computed from the records read, without another request.
    - A server's C(status), C(vm_status), C(task_status), C(job_status) and C(job_type) are checked, and the
      access agent records' C(status).
    - Values are cut at 80 characters. C(playbooks/check_tenant.yml) collects these into a report for a bug report.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: server
      id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      field: status
      value: HIBERNATED
      why: unknown ServerStatus value
  contains:
    kind:
      description: The record kind, C(server) or C(access_agent).
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
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule, not_blank
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import ServerReader, find_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppServerInfo(WorkspaceAppModule):
    argument_spec = dict(
        server_ids=dict(type="list", elements="str"),
        server_group_id=dict(type="str"),
        server_group_name=dict(type="str"),
        name=dict(type="str"),
        maintain_status=dict(type="bool", aliases=["maintenance"]),
        hda=dict(type="bool", default=False),
    )
    module_kwargs = dict(mutually_exclusive=[("server_group_id", "server_group_name")])
    rules = (not_blank("server_group_name"),)

    def group_id(self):
        """The group the task names: by id, or by exact name (the one group lookup the other modules use)."""
        if self.params["server_group_name"]:
            return find_group(self.client, name=self.params["server_group_name"], option="server_group_name")["id"]
        return self.params["server_group_id"]

    def list_servers(self, group_id):
        wanted = self.params["server_ids"]
        filters = dict(server_name=self.params["name"], maintain_status=self.params["maintain_status"])
        if wanted is None:
            return api.list_servers(self.client, server_group_id=group_id, **filters)
        known = [dict(id=server_id, server_group_id=group_id) for server_id in wanted]
        found = ServerReader(self.client, known, filters=filters).read(wanted).values()
        return [server for server in found if group_id in (None, server.get("server_group_id"))]

    def run(self):
        group_id = self.group_id()
        servers = sorted(self.list_servers(group_id), key=lambda server: server.get("id") or "")
        found = unexpected("server", servers)  # before current_version is merged in
        if self.params["hda"] and servers:
            # the access agent list as servers.hda_versions reads it, kept whole so that its records are checked too
            agents = api.list_server_hda_details(self.client, server_group_id=group_id, server_name=self.params["name"])
            found.extend(unexpected("access_agent", agents))
            versions = dict((agent.get("server_id"), agent.get("current_version")) for agent in agents)
            for server in servers:
                server["current_version"] = versions.get(server["id"])
        return dict(changed=False, servers=servers, unexpected=found)


def main():
    AppServerInfo.main()


if __name__ == "__main__":
    main()
