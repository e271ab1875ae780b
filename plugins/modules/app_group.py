#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_group
short_description: Create, configure and delete Huawei Cloud Workspace application groups
version_added: 1.1.0
description:
  - Desired state of an application group (app group), the set of applications published to users from one server
    group, identified by O(app_group_id) or by its exact O(name). With O(state=present) (the default) the group
    exists with the settings you set; with O(state=absent) it does not exist.
  - An existing group is read (C(GET …/app-groups/{id})), only the options you set are compared with what the
    service returns, and one C(PATCH …/app-groups/{id}) carries just the fields that differ (C(name) for
    O(new_name), C(description), C(app_server_group_id)). Options you do not set are never compared and never sent.
    When nothing differs, nothing is sent and C(changed) is false.
  - After a change the group is read again and returned as RV(app_group). A field the service accepted but reports
    with another value afterwards is named in a warning.
  - When no group has the O(name) (nor the O(new_name)), the group is created (C(POST …/app-groups)) with the
    options you set, named O(new_name) when that is set, else O(name). A group cannot be created by
    O(app_group_id); an unknown id fails.
  - O(app_type) and O(authorization_type) can only be given when a group is created (the update request has no
    such fields, neither in the official SDK's C(UpdateAppGroupReq) nor in what Terraform sends). On an existing
    group a value that differs fails before anything is sent, because the only way to change it is a new group.
  - The service binds a server group only to an app group that has none (C(UpdateAppGroupReq) says so). A group
    without a server group gets O(server_group_id) (or O(server_group_name)) by the PATCH; a group bound to another
    server group fails before anything is sent.
  - With O(state=absent) an existing group is deleted (C(DELETE …/app-groups/{id})), with its published
    applications and its user authorizations. The service answers the delete with success whatever it did (also
    for a group that is gone already), so the group is read again afterwards; one still there fails the task. A
    group that does not exist (also an unknown O(app_group_id)) is not an error, C(changed) is false.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  app_group_id:
    description:
      - Id of the app group. Mutually exclusive with O(name); one of them is required.
      - An id that does not exist fails before anything is sent (with O(state=absent) it is already gone, no
        change).
    type: str
  name:
    description:
      - Exact name of the app group (case-sensitive). Mutually exclusive with O(app_group_id).
      - The groups are listed with this name as filter (the API matches parts of names) and only an exact match is
        kept. The service does not keep app group names unique; more than one group with this name fails and lists
        the candidates with their ids (use O(app_group_id) then).
      - When no group has this name but exactly one has the name O(new_name), that group is used, so a rename task
        stays idempotent when it runs again.
      - When no group has this name (nor O(new_name)), O(state=present) creates it and O(state=absent) changes
        nothing.
      - 1 to 64 characters, letters (any script, Chinese included), digits, C(_) and C(-); no spaces.
    type: str
  state:
    description:
      - V(present) the group exists with the settings you set (created when no group has the O(name)).
      - V(absent) the group does not exist; it is deleted with its published applications and authorizations.
      - With V(absent) only O(app_group_id) or O(name) may be set; any other option of this module fails, naming it.
    type: str
    choices: [present, absent]
    default: present
  new_name:
    description:
      - Rename the group to this name. Same rules as O(name).
      - When neither a group named O(name) nor one named O(new_name) exists, the group is created with this name.
    type: str
  server_group_id:
    description:
      - Id of the server group whose servers run the group's applications (the API field C(app_server_group_id)).
        Mutually exclusive with O(server_group_name).
      - When it is sent (a create, or a group without a server group), it is checked first
        (C(GET …/app-server-groups/{id})); one that does not exist fails before anything is sent.
      - The service binds a server group only to an app group that has none. An existing group bound to another
        server group fails before anything is sent; create a new app group on that server group instead (and publish
        its applications and authorize its users there), or delete this one first.
      - Not required to create a group (the service creates an app group without a server group); its applications
        can only be published once it has one.
    type: str
  server_group_name:
    description:
      - Exact name of the server group, instead of O(server_group_id). It is looked up
        (C(GET …/app-server-groups?server_group_name=), exact match kept) before anything is sent; a name no group
        has, or several groups have, fails naming the candidates.
    type: str
  app_type:
    description:
      - Type of the applications of the group. V(COMMON_APP) common applications, V(SESSION_DESKTOP_APP) session
        desktop applications. Create-only.
      - A group is created with the service's default (V(COMMON_APP)) when this is not set; on an existing group it
        is compared only when set.
    type: str
    choices: [COMMON_APP, SESSION_DESKTOP_APP]
  authorization_type:
    description:
      - What users are authorized on. V(APP_GROUP) the whole group, V(APP) single applications. Create-only (no
        update request carries it).
      - A group is created with the service's default when this is not set; on an existing group it is compared
        only when set.
    type: str
    choices: [APP_GROUP, APP]
  description:
    description:
      - Description of the group. An empty string clears it.
    type: str
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
attributes:
  check_mode:
    support: full
    description: Reads and compares; sends nothing. C(changed), RV(changes) and RV(app_group) tell what a real run
      would send and the group it would leave (for a create, the group as the request describes it, without an id).
  diff_mode:
    support: full
    description: The fields that change, with their values before and after; for a create, before is empty and
      after the create request; for a delete, before names the group and after is empty.
notes:
  - Request cost - one list of the app groups with the name as filter and one read of the group found (one read
    when O(app_group_id) is used); with O(server_group_name) one list and one read of the server group; with
    O(server_group_id) one read of the server group only when it is to be sent. When something differs one PATCH and
    one more read; a create is one POST and one read; a delete is one DELETE and one read.
  - A PATCH whose response is lost (connection closed) or a server error (5xx) is followed by a read of the group;
    when that read shows the change applied, the task succeeds with a warning, otherwise the PATCH is sent again (up
    to O(max_retries) times).
  - A create whose response is lost or a server error (5xx), or that the service refuses with HTTP 400 or 409, is
    followed by a list of the groups of that name. When exactly one has it, the task goes on with that group, with a
    warning. After a lost response or a server error it is the group this task created (nothing created twice);
    after a refusal it is too when it shows the settings of the create, else it was another run's and is managed as
    an existing group. When none has it, a refusal fails with the service's error as it is, and after a lost
    response or a server error the create is sent again (up to O(max_retries) times).
seealso:
  - module: huaweicloud.workspace_app.app_group_info
  - module: huaweicloud.workspace_app.app_server_group
"""

EXAMPLES = r"""
- name: An app group on the "design" server group (created when no app group has the name)
  huaweicloud.workspace_app.app_group:
    name: design-apps
    server_group_name: design
    app_type: COMMON_APP
    authorization_type: APP_GROUP
    description: CAD and rendering tools
  register: design_apps

- name: Its id, for the applications and authorizations
  ansible.builtin.debug:
    var: design_apps.app_group.id

- name: What would a rename send? (nothing is sent)
  huaweicloud.workspace_app.app_group:
    name: design-apps
    new_name: design-apps-2026
    description: ""
  check_mode: true
  diff: true

- name: Rename it (a re-run finds it under the new name and changes nothing)
  huaweicloud.workspace_app.app_group:
    name: design-apps
    new_name: design-apps-2026

- name: Remove it with its published applications and authorizations (a group that does not exist is no change)
  huaweicloud.workspace_app.app_group:
    name: design-apps-2026
    state: absent
"""

RETURN = r"""
app_group:
  description:
    - The group as the service returns it (C(GET …/app-groups/{id})), read again after a change or a create.
    - In check mode, the group as read with the planned changes applied; for a create, the group as the create
      request describes it (no id yet).
    - With O(state=absent), the group as read before it was deleted; V(null) when there was no such group.
  returned: success
  type: dict
  sample:
    id: 0c2f9b0e-6f0d-4a8e-9c8e-2f1d3b4a5c6d
    name: design-apps
    app_server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    app_server_group_name: design
    description: CAD and rendering tools
    authorization_type: APP_GROUP
    app_type: COMMON_APP
    tenant_id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9
    create_at: "2026-03-01T09:30:00Z"
    app_count: 3
changes:
  description:
    - The body of the PATCH request that was sent (in check mode, that would be sent), with the API's field names
      (C(name) for O(new_name), C(app_server_group_id) for O(server_group_id)). Empty when nothing differs, and with
      O(state=absent).
    - For a create, the body of the create request.
  returned: success
  type: dict
  sample:
    name: design-apps-2026
    description: ""
diff:
  description:
    - With C(--diff), C(before) and C(after) hold the changing fields (API field names) with their values.
    - For a create, C(before) is empty and C(after) is RV(changes); for a delete, C(before) holds the group's C(id)
      and C(name) and C(after) is empty.
  returned: when diff mode is on
  type: dict
  sample:
    before: {name: design-apps, description: CAD and rendering tools}
    after: {name: design-apps-2026, description: ""}
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    absent_takes_only, matches, not_blank, run_resource)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    NAME_RE, NAME_RULE, Field, Resource, label)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import find_group

APP_TYPES = ["COMMON_APP", "SESSION_DESKTOP_APP"]  # AppTypeEnum
AUTHORIZATION_TYPES = ["APP_GROUP", "APP"]  # AuthorizationTypeEnum


class AppGroup(Resource):
    kind = "app group"
    result_key = "app_group"
    id_option = "app_group_id"
    renamable = True  # new_name renames it; a re-run finds it under either name
    options = dict(
        server_group_id=dict(type="str"),
        server_group_name=dict(type="str"),
        app_type=dict(type="str", choices=APP_TYPES),
        authorization_type=dict(type="str", choices=AUTHORIZATION_TYPES),
        description=dict(type="str"),
    )
    module_kwargs = dict(mutually_exclusive=[("server_group_id", "server_group_name")])
    # In the order of CreateAppGroupReq. UpdateAppGroupReq has name, app_server_group_id and description only (and
    # Terraform sends no more): app_type and authorization_type are create-only.
    fields = (
        Field("new_name", "name", create=False), Field("server_group_id", "app_server_group_id"),
        Field("description", nullable=True), Field("authorization_type", update=False),
        Field("app_type", update=False),
    )
    # The service answers the delete 200 whatever it did (Terraform: "The status code for each execution is 200").
    delete_proved_by_read = True
    rules = (
        absent_takes_only("app group", "app_group_id"),
        matches("name", NAME_RE, "app group name", NAME_RULE),
        matches("new_name", NAME_RE, "app group name", NAME_RULE),
        not_blank("server_group_id"),
        not_blank("server_group_name"),
    )

    def __init__(self, context):
        super(AppGroup, self).__init__(context)
        self.server_group = None  # the server group's record, when it was read

    def show(self, resource_id):
        return api.show_app_group(self.client, resource_id)

    def search(self, name):
        return api.list_app_groups(self.client, name=name)  # the API matches parts of names: exact is kept

    def everything(self):
        return api.list_app_groups(self.client)

    def find(self, missing_ok):
        """The app group (the resource engine's rule, as :func:`~.app_groups.find_app_group` has it for the other
        modules), after the server group named by ``server_group_name`` is resolved to its id; a ``server_group_id``
        that would be sent (a create, a bind) is read first. Either fails before anything is sent when there is no such
        server group."""
        params = self.params
        if params.get("server_group_name"):
            self.server_group = find_group(self.client, name=params["server_group_name"], option="server_group_name")
            params["server_group_id"] = self.server_group["id"]
        record = super(AppGroup, self).find(missing_ok)
        wanted = params.get("server_group_id")
        if wanted and self.server_group is None and (record is None or not record.get("app_server_group_id")):
            self.server_group = find_group(self.client, server_group_id=wanted)
        return record

    def check_existing(self, record):
        bound, wanted = record.get("app_server_group_id"), self.params.get("server_group_id")
        if wanted and bound and bound != wanted:
            raise TargetError(
                "%s: app group %s is bound to server group %r (%s); the service binds a server group only to an app "
                "group that has none, so it cannot be changed; create a new app group on server group %s instead "
                "(and publish its applications and authorize its users there), or delete this one first"
                % ("server_group_name" if self.params.get("server_group_name") else "server_group_id", label(record),
                   record.get("app_server_group_name"), bound, wanted))

    def new_record(self, body):
        record = dict(body)
        if self.server_group is not None:
            record["app_server_group_name"] = self.server_group.get("name")
        return record

    def send_create(self, body):
        return api.create_app_group(self.client, body)["id"]

    def send_update(self, record_id, body):
        api.update_app_group(self.client, record_id, body)

    def send_delete(self, record):
        api.delete_app_group(self.client, record["id"])


def main():
    run_resource(AppGroup)


if __name__ == "__main__":
    main()
