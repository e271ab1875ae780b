#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_maintenance
short_description: Put Workspace application streaming servers in or out of maintenance mode
version_added: 1.0.0
description:
  - Desired state for the maintenance mode (C(maintain_status)) of application streaming servers. A server in
    maintenance mode gets no new user sessions; sessions already open go on until the users log off, which is how
    a server is drained before an upgrade, an image change or a reboot.
  - Reads the target servers, then sends only the servers whose C(maintain_status) differs from O(maintenance),
    at most O(batch_size) per call (C(PATCH …/app-servers/actions/batch-maint)). Servers already in the desired
    state are not sent, so a second run changes nothing.
  - The service applies the change at once (there is no job to wait for). The servers are then read again (one
    list of their server group, 100 per request, or a lookup per server when only a few are targeted) and a server
    that does not show the desired state is reported as failed.
  - A batch whose response was lost, or answered with a server error (5xx), is re-read; it is sent again only for
    the servers that do not show the desired state yet (up to O(max_retries) times). Any other error of a batch
    fails its servers and stops before the next batch.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  maintenance:
    description:
      - V(true) puts the target servers in maintenance mode (no new sessions), V(false) takes them out of it.
    type: bool
    required: true
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
attributes:
  check_mode:
    support: full
    description: Reads and plans; sends nothing. C(changed) and RV(servers[].action) tell what a real run would do.
  diff_mode:
    support: full
    description: Per server that is (or would be) changed, C(maintain_status) before and after.
notes:
  - Maintenance mode does not end open sessions and does not stop jobs; wait for C(session_count) to reach 0
    (M(huaweicloud.workspace_app.app_server_info)) before changing a server that users may still be connected to.
    The C(huaweicloud.workspace_app.rolling_update) role does this in waves.
  - Request cost of a run where nothing needs changing, with O(server_group_id), is one page of 100 servers per
    request (and one read of the group when it lists no server, to tell an empty group from an unknown one).
"""

EXAMPLES = r"""
- name: Drain a server group - no new sessions on any of its servers
  huaweicloud.workspace_app.app_server_maintenance:
    region: cn-north-4
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    maintenance: true
  register: drained

- name: Which servers would be taken out of maintenance mode? (no change made)
  huaweicloud.workspace_app.app_server_maintenance:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    maintenance: false
  check_mode: true
  diff: true
  register: plan

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ plan.servers | selectattr('action', 'eq', 'submitted') | map(attribute='name') | list }}"

- name: Two servers back in service, credentials from module_defaults
  module_defaults:
    group/huaweicloud.workspace_app.workspace_app:
      region: ap-southeast-1
      access_key: "{{ vault_hw_ak }}"
      secret_key: "{{ vault_hw_sk }}"
  huaweicloud.workspace_app.app_server_maintenance:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
    maintenance: false
"""

RETURN = r"""
msg:
  description: How many servers were (or, in check mode, would be) put in or taken out of maintenance mode.
  returned: when the task does not fail
  type: str
  sample: put 3 server(s) in maintenance mode; 42 already were
servers:
  description: One entry per target server, in name order (servers of the same name by id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Server id.
      type: str
    name:
      description: Server name.
      type: str
    action:
      description: V(none) (already in the desired state) or V(submitted) (sent by this run; in check mode, would
        be sent).
      type: str
    status:
      description: V(unchanged), V(succeeded) (the re-read shows the desired state), V(failed), or V(pending) (in
        check mode).
      type: str
    error_code:
      description: Error code of a failed call.
      type: str
    error_msg:
      description: Why the server failed.
      type: str
    before:
      description: The state before, C({maintain_status}).
      type: dict
    after:
      description: The state after (re-read from the service after a call; the planned state in check mode),
        C({maintain_status}).
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      error_code: null
      error_msg: null
      before: {maintain_status: false}
      after: {maintain_status: true}
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 45, unchanged: 42, skipped: 0, succeeded: 3, failed: 0, pending: 0}
progress:
  description:
    - One line per batch sent.
    - Each line starts with a label naming the targets, such as C([group apps-prod]) (see the notes).
  returned: when something was sent
  type: list
  elements: str
diff:
  description: With C(--diff), C(before) and C(after) map each changed (or, in check mode, to be changed) server,
    named "name (id)" (such as "as-server-0001 (3f791197-d166-4c8e-81e4-38c40ffc1989)"; the id alone for a server
    without a name), to its C({maintain_status}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import AppliedAtOnce, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUBMITTED, SUCCEEDED, Operation, PlanItem)


class Maintenance(Operation):
    kind = AppliedAtOnce()  # no job: the change is verified by reading the servers again
    options = dict(maintenance=dict(type="bool", required=True))

    @property
    def wanted(self):
        return bool(self.params["maintenance"])

    def plan_server(self, server):
        before = self.observe(server)
        if before["maintain_status"] == self.wanted:
            return PlanItem(server, "none", before)
        return PlanItem(server, "submit", before, dict(maintain_status=self.wanted))

    def send(self, items):
        api.batch_change_server_maintain_mode(self.client, [item.server_id for item in items], self.wanted)
        return dict((item.server_id, Submission(applied=True)) for item in items)

    @staticmethod
    def observe(record):
        return dict(maintain_status=bool(record.get("maintain_status")))

    def reached(self, planned, after):
        return after.get("maintain_status") == planned.get("maintain_status")

    def conclude(self, outcome):
        sent = outcome.count(lambda r: r.action == SUBMITTED)
        if self.check_mode:
            count, verb = sent, "would put %d server(s) in" if self.wanted else "would take %d server(s) out of"
        else:
            count = outcome.count(lambda r: r.action == SUBMITTED and r.status == SUCCEEDED)
            verb = "put %d server(s) in" if self.wanted else "took %d server(s) out of"
        were = "already were" if self.wanted else "already were out of it"
        outcome.headline = "%s maintenance mode; %d %s%s" % (verb % count, len(outcome.reports) - sent, were,
                                                             " (check mode, nothing sent)" if self.check_mode else "")


def main():
    run_operation(Maintenance)


if __name__ == "__main__":
    main()
