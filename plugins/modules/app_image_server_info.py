#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_image_server_info
short_description: List Huawei Cloud Workspace image servers
version_added: 1.1.0
description:
  - Lists image servers (C(GET /v1/{project_id}/image-servers), every page of 100), filtered as you ask; each one as
    the list returns it (C(status), C(image_ref), C(image_id) of the last built image, the related C(server_group_id)
    and C(app_group_id)).
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  image_server_id:
    description:
      - Only this image server. An id that does not exist returns an empty list.
    type: str
  name:
    description:
      - Only image servers with exactly this name (case-sensitive). The API's C(server_name) filter matches parts of
        names; the module keeps the exact matches.
    type: str
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Costs one request per page of 100 image servers.
"""

EXAMPLES = r"""
- name: Every image server
  huaweicloud.workspace_app.app_image_server_info:
  register: image_servers

- name: The image server golden-src and the last image built from it
  huaweicloud.workspace_app.app_image_server_info:
    name: golden-src
  register: golden
"""

RETURN = r"""
image_servers:
  description: The matching image servers, sorted by name then id.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 2c0d4b6e-8f0a-4c2e-9e4a-6b8d0f2a4c6e
      name: golden-src
      status: BUILT
      image_ref: {id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d, image_type: private}
      image_id: 5b7d9f1a-3c5e-4a7c-9e1b-3d5f7a9c1e3b
      server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
      app_group_id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6e
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the image servers), one entry per field the
      official SDK's model of the record does not have and per value of a known enum (C(status)) the collection does
      not know. Empty when all is known. Computed from the records read, without another request.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: image_server
      id: 2c0d4b6e-8f0a-4c2e-9e4a-6b8d0f2a4c6e
      name: golden-src
      field: status
      value: PAUSED
      why: unknown ImageServerStatus value
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import WorkspaceAppModule
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import named_in_order
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


class AppImageServerInfo(WorkspaceAppModule):
    argument_spec = dict(
        image_server_id=dict(type="str"),
        name=dict(type="str"),
    )

    def run(self):
        params = self.params
        listed = api.list_image_servers(self.client, server_name=params["name"], server_id=params["image_server_id"])
        found = [record for record in named_in_order(listed, params["name"])
                 if params["image_server_id"] is None or record.get("id") == params["image_server_id"]]
        return dict(changed=False, image_servers=found, unexpected=unexpected("image_server", found))


def main():
    AppImageServerInfo.main()


if __name__ == "__main__":
    main()
