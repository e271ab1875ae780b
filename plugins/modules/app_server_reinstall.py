#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_reinstall
short_description: Reinstall the operating system of Workspace application streaming servers
version_added: 1.1.0
description:
  - Reinstalls the operating system of the target servers from the image they run, the standard repair of a broken
    server (C(POST …/app-servers/actions/batch-reinstall), at most O(batch_size) servers per call). The service starts
    one job per server (C(REINSTALL_OS)) and answers per server.
  - B(A reinstall rebuilds the system disk; the sessions of users connected to the server end and anything stored on
    its system disk is lost.) Check mode and C(--diff) list the servers whose disk would be rebuilt and the user
    sessions that would end (RV(interrupts)), and the run warns naming those sessions. Drain the servers first
    (maintenance mode) when that matters.
  - This is an action, not a desired state. What makes a re-run safe - a server whose last reinstall ended
    successfully less than O(skip_succeeded_within) minutes ago is left alone (V(none), V(unchanged)), so a second
    run of the same task within that time changes nothing; a run after it reinstalls again. A server whose last
    reinstall failed is reinstalled again.
  - A server with a reinstall already running (started by an earlier run with O(wait=false), a run that timed out,
    the console or a schedule) is waited for, never submitted again. A server busy with another job or task (an
    image change, a reboot ...) is skipped, naming that job; re-run when it has finished.
  - While a server is reinstalled its C(status) leaves C(REGISTERED) (the service rebuilds it, and its access agent
    registers again afterwards); the module waits for the reinstall job, read from the server list (each server
    shows its last job), not for the status. A task that needs the servers C(REGISTERED) afterwards (such as
    M(huaweicloud.workspace_app.app_server_hda_upgrade)) waits for that itself.
  - A batch whose response was lost, or answered with a server error (5xx), is re-read; servers that show a new
    reinstall job are taken as submitted, only the others are sent again (up to O(max_retries) times). A batch
    refused as busy (409 or 400) waits for the servers that show a reinstall running, fails those busy with
    another job and sends the others again.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  update_access_agent:
    description:
      - Also upgrade the access agent (HDA) of the reinstalled servers to the latest version.
    type: bool
    default: false
  skip_succeeded_within:
    description:
      - Minutes after a server's last reinstall ended successfully during which a run leaves it alone, V(0) to
        V(10080) (a week). V(0) reinstalls every target on every run.
      - Read from the server record, which shows the server's last job and the time it last changed
        (C(update_time)); a server whose last job is of another kind is reinstalled.
    type: int
    default: 60
  batch_size:
    description:
      - Servers per reinstall request, V(1) to V(20). Larger target sets are split into several requests.
    type: int
    default: 20
  poll_interval:
    description:
      - Minimum seconds between polling rounds. A round lists the servers still waited for, 100 per request (one list
        of their server group when that is cheaper than looking them up one by one).
      - Waiting never sends more than 150 requests within any 5 minutes; when rounds of a large fleet would, they
        are spaced further apart than O(poll_interval).
    type: float
    default: 15
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and plans; submits nothing and waits for nothing. RV(servers) marks the servers that would
      be reinstalled (V(submitted), status V(pending)), RV(interrupts) lists them with their user sessions, and a
      warning says so.
  diff_mode:
    support: full
    description: Per server that would be (or was) reinstalled, its last reinstall before and C(system_disk
      rebuilt) after, followed by the servers and sessions interrupted.
notes:
  - Request cost for 300 servers of one group, all to be reinstalled, with the default O(batch_size) - 4 requests to
    read the group and its servers, 15 reinstall requests, then 3 requests per polling round, as for
    M(huaweicloud.workspace_app.app_server_image). A failed server costs one more request, for its error code (for
    the first 20 failures).
  - The real service's reinstall takes many minutes (Terraform's acceptance tests wait 20 minutes after one); keep
    O(wait_timeout) generous, or use O(wait=false) and re-run the task later to wait for the running jobs.
"""

EXAMPLES = r"""
- name: Which servers would be reinstalled, interrupting their users? (no change made)
  huaweicloud.workspace_app.app_server_reinstall:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
  check_mode: true
  diff: true

- name: Reinstall two broken servers, upgrading their access agent too
  huaweicloud.workspace_app.app_server_reinstall:
    region: cn-north-4
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
    update_access_agent: true
    wait_timeout: 3600
  register: reinstall

- name: Reinstall every server of a group, even those reinstalled within the last hour
  huaweicloud.workspace_app.app_server_reinstall:
    server_group_name: apps-prod
    skip_succeeded_within: 0
    batch_size: 5

- name: Start the reinstall and come back later (a re-run of the same task waits for the running jobs)
  huaweicloud.workspace_app.app_server_reinstall:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    wait: false
"""

RETURN = r"""
msg:
  description:
    - How many servers will be (check mode), were, or are being reinstalled, and that their system disk is rebuilt
      and their users' sessions end. Also the header of the C(--diff) output.
  returned: when at least one server was (or in check mode would be) submitted or waited for and the task does not
    fail
  type: str
  sample: will reinstall the operating system of 2 server(s) (the system disk is rebuilt from the server's image;
    their users' sessions end) (check mode, nothing submitted)
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
      description: V(none) (reinstalled successfully within O(skip_succeeded_within) minutes, or skipped as busy with
        another job, see RV(servers[].error_msg)), V(submitted) (reinstalled by this run, or would be in check mode)
        or V(waited) (a reinstall already running was waited for).
      type: str
    status:
      description: V(unchanged), V(skipped), V(succeeded), V(failed), or V(pending) (not waited for, or in check
        mode).
      type: str
    job_id:
      description: The reinstall job of the server (one job per server).
      type: str
    error_code:
      description: Error code of a failed reinstall, as the service reports it for this server.
      type: str
    error_msg:
      description: Why the reinstall failed, or why the server was skipped.
      type: str
    before:
      description: C({last_reinstall}) - the server's last reinstall as its record shows it (C(SUCCESS at <time> (job
        <id>)), C(FAILED at ...)), or null when its last job is of another kind.
      type: dict
    after:
      description: C({last_reinstall, system_disk}) - V(SUCCESS) and V(rebuilt) for a server submitted or waited for;
        the before state for the others.
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      job_id: "575945548515770368"
      error_code: null
      error_msg: null
      before: {last_reinstall: null}
      after: {last_reinstall: SUCCESS, system_disk: rebuilt}
jobs:
  description: Ids of the jobs this run submitted (one per server), in order.
  returned: always
  type: list
  elements: str
  sample: ["575945548515770368", "575945548515770369"]
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
interrupts:
  description:
    - Each server reinstalled (C(system disk rebuilt)), followed by its user sessions that end, in server name
      order; in check mode, what would be. A real run lists only the servers whose reinstall was sent.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["server web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989): system disk rebuilt",
           "session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each server that is (or would be) reinstalled or waited
    for, named "name (id)", to its C({last_reinstall}) and C({last_reinstall, system_disk}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    JobKind, ServerListWaiter, per_server_answers)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import repair


class Reinstall(repair.Repair):
    # one job per server, as for the image change: the server list shows them all at once. The task status a
    # reinstall shows is not documented (AppServerTaskStatus has no word of its own for it): the job decides.
    kind = JobKind("REINSTALL_OS", running_task=None, waiter_class=ServerListWaiter)
    options = dict(repair.Repair.options, update_access_agent=dict(type="bool", default=False))
    disrupts = "system disk rebuilt"  # the system disk is replaced: the users' sessions end
    field = "last_reinstall"
    after_fields = dict(system_disk="rebuilt")
    doing = "reinstall the operating system of"
    done = "reinstalled the operating system of"
    consequence = " (the system disk is rebuilt from the server's image; their users' sessions end)"

    def send(self, items):
        return per_server_answers(api.batch_reinstall_server(
            self.client, [item.server_id for item in items], update_access_agent=self.params["update_access_agent"]))


def main():
    run_operation(Reinstall)


if __name__ == "__main__":
    main()
