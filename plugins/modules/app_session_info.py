#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_session_info
short_description: List the user sessions of Huawei Cloud Workspace application streaming servers
version_added: 1.0.0
description:
  - Reads user sessions (C(GET /v1/{project_id}/session/list-sessions), every page) of some servers, a server
    group or the whole tenant, and tells each session's server (the list names servers by SID, machine name and
    IP address only).
  - Returns the sessions with the API's fields plus C(server_id) and C(server_name), and counts per server and per
    state.
  - With O(wait=true), reads again every O(poll_interval) seconds until the selection has no open session
    (C(Active), C(Disconnected), C(AppcInit)) or O(wait_timeout) has passed, for draining servers before a
    change (put them in maintenance mode first, so that nobody logs on again). A wait that times out does not fail
    the task; RV(drained) says whether the servers emptied.
  - Never changes anything; fully supports check mode.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_ids:
    description:
      - Only the sessions of these servers. Unknown ids fail.
    type: list
    elements: str
  server_group_id:
    description:
      - Only the sessions of the servers of this server group.
    type: str
  server_group_name:
    description:
      - Only the sessions of the servers of the server group with this exact name.
    type: str
  user_name:
    description:
      - Only this user's sessions (exact C(login_user)), or these users'.
      - A single name (a string, as before) or a list of names. Alias O(user_names),
        M(huaweicloud.workspace_app.app_session_logoff)'s name, so that a filter copied from one module works in
        the other.
    type: list
    elements: str
    aliases: [user_names]
  session_state:
    description:
      - Only sessions in these states. Default is every state (ended sessions, C(SignedOut), included).
      - With O(wait=true), the default is the open states.
      - Alias O(session_states), M(huaweicloud.workspace_app.app_session_logoff)'s name.
    type: list
    elements: str
    aliases: [session_states]
    choices: [Active, Disconnected, AppcInit, SignedOut, InitFail]
  wait:
    description:
      - Read until no session of the selection is open, or O(wait_timeout) has passed.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true), 0..86400.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between two reads with O(wait=true).
    type: float
    default: 15
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.info
notes:
  - Without a target the sessions of the whole tenant are read, with the server list once to tell their servers.
"""

EXAMPLES = r"""
- name: Who is on the group
  huaweicloud.workspace_app.app_session_info:
    server_group_name: apps-prod
    session_state: [Active, Disconnected]
  register: on_group

- name: Print one line per session
  ansible.builtin.debug:
    msg: "{{ item.login_user }} on {{ item.server_name }} ({{ item.session_state }})"
  loop: "{{ on_group.sessions }}"

- name: Wait up to 30 minutes for two servers (in maintenance mode) to empty
  huaweicloud.workspace_app.app_session_info:
    server_ids: "{{ wave }}"
    wait: true
    wait_timeout: 1800
  register: drain

- name: Stop when users are still on
  ansible.builtin.fail:
    msg: "still on: {{ drain.sessions | map(attribute='login_user') | join(', ') }}"
  when: not drain.drained
"""

RETURN = r"""
sessions:
  description:
    - The matching sessions (after waiting, the ones still open), sorted by server then user, with the API's fields
      (C(id), C(login_user), C(session_state), C(machine_name), C(vm_ip), C(start_time), C(app_name),
      C(client_ip), ...) plus the server's C(server_id) and C(server_name) (V(null) for a session on a server the
      tenant no longer lists).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1baaff74364c441f8c189fdcba427f82
      login_user: alice
      session_state: Active
      machine_name: APS-C00RFP8W
      vm_ip: 10.10.0.3
      server_id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      server_name: as-server-0001
count:
  description: How many sessions RV(sessions) holds.
  returned: always
  type: int
by_server:
  description: Sessions per server id (every target server, 0 included).
  returned: always
  type: dict
  sample: {3f791197-d166-4c8e-81e4-38c40ffc1989: 2}
by_state:
  description: Sessions per state.
  returned: always
  type: dict
  sample: {Active: 3, Disconnected: 1}
drained:
  description: With O(wait=true), whether no open session was left.
  returned: when O(wait=true)
  type: bool
progress:
  description:
    - 'With O(wait=true), one line per read, starting with a label naming the targets (C([group apps-prod]),
      C([web-01]), C([3 servers: web-01, web-02, web-03])), then the servers done, the time left and the servers
      still with sessions, each followed by its count of sessions in parentheses.'
    - At C(-v) the lines are printed while the task waits, when the module runs on the controller
      (C(connection=local), no C(become), no C(async)).
  returned: when O(wait=true)
  type: list
  elements: str
unexpected:
  description:
    - What the records read hold that the collection does not expect (on the sessions), one entry per field the
      official SDK's model of the record does not have and per value of a known enum (a status, a type) the
      collection does not know. Empty when all is known. Computed from the records read, without another request.
    - C(session_state) is checked; the sessions as the API returns them (before C(server_id) and C(server_name)
      are added).
    - Values are cut at 80 characters. C(playbooks/check_tenant.yml) collects these into a report for a bug report.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: session
      id: 1baaff74364c441f8c189fdcba427f82
      name: alice
      field: session_state
      value: Locked
      why: unknown session_state value
  contains:
    kind:
      description: The record kind, C(session).
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

import os

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import SUCCEEDED, StateWaiter
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    WaitSpec, WorkspaceAppModule, ids_listed, not_blank)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PROGRESS_FILE_ENV, ProgressLines, target_label)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import find_group, resolve_targets
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import (
    OPEN_STATES, SESSION_STATES, EmptyServers, SessionReader)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.wire import unexpected


# wait: read until the selection has no open session (wait_timeout 0: read once)
WAIT = WaitSpec.state(wait_default=False, timeout_default=600, zero_reads_once=True)


class AppSessionInfo(WorkspaceAppModule):
    argument_spec = dict(
        server_ids=dict(type="list", elements="str"),
        server_group_id=dict(type="str"),
        server_group_name=dict(type="str"),
        # a list since user_names became its alias (app_session_logoff's name); one name (a string) is a list of one
        user_name=dict(type="list", elements="str", aliases=["user_names"]),
        session_state=dict(type="list", elements="str", choices=list(SESSION_STATES), aliases=["session_states"]),
        **WAIT.argument_spec()
    )
    module_kwargs = dict(mutually_exclusive=[("server_ids", "server_group_id", "server_group_name")])
    rules = (not_blank("server_group_name"), not_blank("user_name"), ids_listed("server_ids")) + WAIT.rules

    def servers(self):
        """The target server records (every server of the tenant without a target)."""
        params = self.params
        if params["server_group_name"]:
            group = find_group(self.client, name=params["server_group_name"], option="server_group_name")
            return resolve_targets(self.client, server_group_id=group["id"], group=group).servers
        if params["server_group_id"] or params["server_ids"] is not None:
            return resolve_targets(self.client, params["server_ids"], params["server_group_id"]).servers
        return api.list_servers(self.client)

    def label(self, servers):
        """The progress lines' label: the group (by the name it was given by, or its servers' group name), the
        servers by name, or every server of the tenant."""
        params = self.params
        group_id = params["server_group_id"]
        if params["server_group_name"] or group_id:
            names = [server.get("server_group_name") for server in servers
                     if group_id and server.get("server_group_id") == group_id]
            return target_label(group_id=group_id, group_name=params["server_group_name"] or next(
                (name for name in names if name), None))
        return target_label([dict(id=server["id"], name=server.get("name")) for server in servers])

    def run(self):
        params = self.params
        states = params["session_state"] or (list(OPEN_STATES) if params["wait"] else None)
        servers = self.servers()
        server_ids = [server["id"] for server in servers]
        whole = not (params["server_ids"] is not None or params["server_group_id"] or params["server_group_name"])
        reader = SessionReader(self.client, servers, params["user_name"] or None, states,
                               keep_unplaced=params["server_ids"] is None, tenant=whole)
        result = dict(changed=False)
        if params["wait"]:
            # printed live at -v by the action plugin (plugins/action/app_session_info.py), as the job modules do
            progress = ProgressLines(os.environ.get(PROGRESS_FILE_ENV), label=self.label(servers))
            probe = EmptyServers(reader)
            waiter = StateWaiter(self.client, params["wait_timeout"], params["poll_interval"], progress=progress.append,
                                 observed=probe)
            outcomes = waiter.wait_for(server_ids)
            result["drained"] = all(outcome.status == SUCCEEDED for outcome in outcomes.values())
            found = probe.last
            result["progress"] = list(progress)
        else:
            found = reader.read(server_ids)
        # the sessions as the API returned them, before server_id and server_name are added
        read = [session for server_id in sorted(found) for session in found[server_id]] + reader.unplaced
        names = dict((server["id"], server.get("name")) for server in servers)
        sessions = [dict(session, server_id=server_id, server_name=names.get(server_id))
                    for server_id in sorted(found) for session in found[server_id]]
        sessions.extend(dict(session, server_id=None, server_name=None) for session in reader.unplaced)
        by_state = {}
        for session in sessions:
            by_state[session.get("session_state")] = by_state.get(session.get("session_state"), 0) + 1
        result.update(sessions=sessions, count=len(sessions), by_state=by_state,
                      by_server=dict((server_id, len(found.get(server_id) or [])) for server_id in server_ids),
                      unexpected=unexpected("session", read))
        return result


def main():
    AppSessionInfo.main()


if __name__ == "__main__":
    main()
