#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_rejoin_domain
short_description: Rejoin Workspace application streaming servers to their AD domain
version_added: 1.1.0
description:
  - Has the target servers join their Active Directory domain again, the standard repair of a server whose trust
    with the domain is broken (C(PATCH …/app-servers/actions/batch-rejoin-domain), 1 to O(batch_size) servers per
    call). The service starts one job per call (C(REJOIN_DOMAIN)), with a sub job per server.
  - B(The server list does not tell when a join has ended) - a server shows C(status) C(REGISTERED) while the join
    still runs. The module waits for the job only (its detail, or the job status each server record shows, whichever
    costs fewer requests), never for C(status), and a server succeeds only when its sub job ended C(SUCCESS).
  - This is an action, not a desired state. What makes a re-run safe - a server whose last rejoin ended successfully
    less than O(skip_succeeded_within) minutes ago is left alone (V(none), V(unchanged)), so a second run of the same
    task within that time changes nothing; a run after it rejoins again. A server whose last rejoin failed is sent
    again.
  - A server with a rejoin already running (started by an earlier run with O(wait=false), a run that timed out, or
    the console) is waited for, never submitted again. A server busy with another job or task is skipped, naming
    that job; re-run when it has finished.
  - The API does not say whether a join restarts the server; the module declares no interruption.
  - A batch whose response was lost, or answered with a server error (5xx), is re-read; servers that show a new
    rejoin job are taken as submitted, only the others are sent again (up to O(max_retries) times). A batch refused
    as busy (409 or 400) waits for the servers that show a rejoin running, fails those busy with another job and
    sends the others again.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  skip_succeeded_within:
    description:
      - Minutes after a server's last rejoin ended successfully during which a run leaves it alone, V(0) to V(10080)
        (a week). V(0) rejoins every target on every run.
      - Read from the server record, which shows the server's last job and the time it last changed
        (C(update_time)); a server whose last job is of another kind is rejoined.
    type: int
    default: 60
  batch_size:
    description:
      - Servers per rejoin request, V(1) to V(20) (the API takes at most 20). Larger target sets are split into
        several requests, one job each.
    type: int
    default: 20
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and plans; submits nothing and waits for nothing. RV(servers) marks the servers that would
      be rejoined (V(submitted), status V(pending)).
  diff_mode:
    support: full
    description: Per server that would be (or was) rejoined, its last rejoin before and after.
notes:
  - Request cost for 300 servers of one group, all to be rejoined, with the default O(batch_size) - 4 requests to
    read the group and its servers, 15 rejoin requests (one job each), then per polling round the cheaper of one job
    detail per unfinished job and the server list (3 requests).
  - Terraform's acceptance tests wait 5 minutes after a rejoin; the default O(wait_timeout) leaves room for more.
"""

EXAMPLES = r"""
- name: Rejoin the servers whose domain trust is broken
  huaweicloud.workspace_app.app_server_rejoin_domain:
    region: cn-north-4
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
  register: rejoin

- name: Rejoin every server of a group, even those rejoined within the last hour
  huaweicloud.workspace_app.app_server_rejoin_domain:
    server_group_name: apps-prod
    skip_succeeded_within: 0

- name: Which servers would be rejoined? (no change made)
  huaweicloud.workspace_app.app_server_rejoin_domain:
    server_group_name: apps-prod
  check_mode: true
  diff: true
"""

RETURN = r"""
msg:
  description: How many servers will be (check mode), were, or are being rejoined to their domain. Also the header of
    the C(--diff) output.
  returned: when at least one server was (or in check mode would be) submitted or waited for and the task does not
    fail
  type: str
  sample: rejoined 2 server(s) to their domain
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
      description: V(none) (rejoined successfully within O(skip_succeeded_within) minutes, or skipped as busy with
        another job, see RV(servers[].error_msg)), V(submitted) (rejoined by this run, or would be in check mode) or
        V(waited) (a rejoin already running was waited for).
      type: str
    status:
      description: V(unchanged), V(skipped), V(succeeded), V(failed), or V(pending) (not waited for, or in check
        mode).
      type: str
    job_id:
      description: The rejoin job (one per call; the servers of a batch share it).
      type: str
    error_code:
      description: Error code of a failed rejoin, as the service reports it for this server (its sub job).
      type: str
    error_msg:
      description: Why the rejoin failed, or why the server was skipped.
      type: str
    before:
      description: C({last_rejoin}) - the server's last rejoin as its record shows it (C(SUCCESS at <time> (job
        <id>))), or null when its last job is of another kind.
      type: dict
    after:
      description: C({last_rejoin, domain}) - V(SUCCESS) and V(rejoined) for a server submitted or waited for; the
        before state for the others.
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      job_id: "575945548515770368"
      error_code: null
      error_msg: null
      before: {last_rejoin: null}
      after: {last_rejoin: SUCCESS, domain: rejoined}
jobs:
  description: Ids of the jobs this run submitted (one per batch), in order.
  returned: always
  type: list
  elements: str
  sample: ["575945548515770368"]
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 5, unchanged: 3, skipped: 0, succeeded: 2, failed: 0, pending: 0}
progress:
  description:
    - Progress lines of the run (batches submitted, polling rounds with jobs and servers done, the requests each
      round cost and the time left). Each line starts with a label naming the targets (see the notes).
    - At C(-v) and above, when the module runs on the controller (C(connection=local)), each line is also
      printed while the task runs, prefixed with the task name.
  returned: when something was submitted or waited for
  type: list
  elements: str
  sample: ["[2 servers: web-01, web-02] batch 1/1: 2 server(s) submitted"]
diff:
  description: With C(--diff), C(before) and C(after) map each server that is (or would be) rejoined or waited for,
    named "name (id)", to its C({last_rejoin}) and C({last_rejoin, domain}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import JobKind, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import repair


class RejoinDomain(repair.Repair):
    # One batch job per call; the server's status stays REGISTERED while it runs, so nothing settles by state: the
    # waiter reads the job (its detail or the job status on the server records, whichever is cheaper).
    kind = JobKind("REJOIN_DOMAIN", running_task="rejoining_domain")
    field = "last_rejoin"
    after_fields = dict(domain="rejoined")
    doing = "rejoin"
    done = "rejoined"
    consequence = " to their domain"

    def send(self, items):
        job_id = api.batch_rejoin_domain(self.client, [item.server_id for item in items])
        return dict((item.server_id, Submission(job_id)) for item in items)


def main():
    run_operation(RejoinDomain)


if __name__ == "__main__":
    main()
