#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_application_info
short_description: List the published applications of a Workspace app group, or what its image offers
version_added: 1.1.0
description:
  - Lists the applications published in one app group (C(GET …/app-groups/{id}/apps), every page), or with
    O(publishable=true) the applications the group's image offers to publish
    (C(GET …/app-groups/{id}/publishable-app)), which M(huaweicloud.workspace_app.app_application) publishes
    with C(source_type=image).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  app_group_id:
    description:
      - The app group's id. Exactly one of O(app_group_id) and O(app_group_name).
    type: str
  app_group_name:
    description:
      - The app group's exact name (a name several groups share fails, listing them).
    type: str
  name:
    description:
      - Only applications whose name is exactly this.
    type: str
  publishable:
    description:
      - V(true) lists what the group's image offers instead of what is published. A group without a server group,
        or whose server group has no servers, offers nothing; the service answers that with a 404 (at times with an
        empty message), which fails here naming the reason.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Costs one request for the group by id (two by name) plus one per page of 100 published applications, or one
    for what the image offers.
"""

EXAMPLES = r"""
- name: The applications published in the office group
  huaweicloud.workspace_app.app_application_info:
    region: cn-north-4
    app_group_name: office
  register: published

- name: Which of them are disabled?
  ansible.builtin.debug:
    msg: "{{ published.applications | selectattr('state', 'eq', 'FORBIDDEN') | map(attribute='name') | list }}"

- name: What the group's image offers that is not published yet
  huaweicloud.workspace_app.app_application_info:
    app_group_name: office
    publishable: true
  register: offered

- name: Show them
  ansible.builtin.debug:
    msg: "{{ offered.applications | selectattr('publishable') | map(attribute='name') | list }}"
"""

RETURN = r"""
app_group:
  description: The app group read.
  returned: always
  type: dict
  contains:
    id:
      description: Its id.
      type: str
    name:
      description: Its name.
      type: str
applications:
  description:
    - The published applications (the API's App records), in the order the service lists them; with
      O(publishable=true), the applications the image offers (PublishableApp records, with C(publishable) false for
      one published in the group already and C(source_image_ids)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0c3b7d2e-1f4a-4e8e-9b1d-6f3f3b7f3c10
      name: Notepad
      execute_path: C:\Windows\System32\notepad.exe
      state: NORMAL
      source_type: 2
      sandbox_enable: false
      app_group_id: 5e1c1b2b-9f3a-4a57-8c53-2d0e5a7b9c11
      publish_at: "2026-03-02T08:00:00.000Z"
group_images:
  description: With O(publishable=true), the image ids of the group's servers.
  returned: when O(publishable=true)
  type: list
  elements: str
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the applications), one entry per field
      the official SDK's model of the record (C(App), or C(PublishableApp)) does not have and per value of a known
      enum (C(state)) the collection does not know. Empty when all is known. Computed from the records read,
      without another request.
    - Values are cut at 80 characters. C(playbooks/check_tenant.yml) collects these into a report for a bug report.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: app
      id: 0c3b7d2e-1f4a-4e8e-9b1d-6f3f3b7f3c10
      name: Notepad
      field: state
      value: ARCHIVED
      why: unknown AppStateEnum value
  contains:
    kind:
      description: The record kind, C(app) or C(publishable_app).
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
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.app_groups import find_app_group
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.applications import publishable
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule, not_blank
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppApplicationInfo(WorkspaceAppModule):
    argument_spec = dict(
        app_group_id=dict(type="str"),
        app_group_name=dict(type="str"),
        name=dict(type="str"),
        publishable=dict(type="bool", default=False),
    )
    module_kwargs = dict(mutually_exclusive=[("app_group_id", "app_group_name")],
                         required_one_of=[("app_group_id", "app_group_name")])
    rules = (not_blank("app_group_id"), not_blank("app_group_name"))

    def run(self):
        group = find_app_group(self.client, self.params["app_group_id"], self.params["app_group_name"],
                               option="app_group_name")
        result = dict(changed=False, app_group=dict(id=group["id"], name=group.get("name")))
        name = self.params["name"]
        if self.params["publishable"]:
            offered = publishable(self.client, group, option="publishable")
            apps = [app for app in offered.get("items") or [] if name is None or app.get("name") == name]
            result.update(applications=apps, group_images=list(offered.get("group_images") or []),
                          unexpected=unexpected("publishable_app", apps))
            return result
        # the API's name filter matches parts of names: it narrows the listing, the exact match is made here
        apps = [app for app in api.list_published_apps(self.client, group["id"], name=name)
                if name is None or app.get("name") == name]
        result.update(applications=apps, unexpected=unexpected("app", apps))
        return result


def main():
    AppApplicationInfo.main()


if __name__ == "__main__":
    main()
