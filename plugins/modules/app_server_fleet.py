#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_fleet
short_description: Set how many servers a Huawei Cloud Workspace application streaming server group holds
version_added: 1.0.0
description:
  - Desired state for the size of one server group. The group's servers are listed and counted (servers being
    deleted do not count, servers being created do).
  - When the group holds fewer than O(count), the missing servers are created from the group's own settings
    (product, flavor, subnet, operating system, system disk, OU) in as few C(POST …/app-servers/actions/create)
    calls as the API takes (up to 50 servers each, C(subscription_num)), and waited for until their creation job
    has succeeded and they show C(status) V(REGISTERED).
  - Before creating, in planning, the tenant's quota is checked once (C(GET /v1/{project_id}/check/quota) with the
    product, flavor, number of servers and system disk). A scale-out that does not fit fails before any create,
    in check mode too, naming what is short (for example C(INSTANCES) needed 5, remaining 3). A quota read the
    service refuses is a warning and the creates go on. A run that creates nothing makes no quota request.
  - When it holds more, the surplus is deleted (C(POST …/app-servers/actions/batch-delete), at most O(batch_size)
    per call) and waited for until the deletion jobs have finished. The servers deleted are, in this order,
    broken ones (C(vm_status) V(ERROR) or V(BUILD_FAIL)), those in maintenance mode, those without sessions,
    and within each the newest first.
  - A delete call the service answers with HTTP 200 and no job id (what it answers for servers that are gone
    already, for instance deleted by someone else meanwhile) is not a failure and nothing to wait for; its servers
    succeed once the group's list, read again at the end, no longer shows them (one it still shows fails).
  - A server that still has sessions is never deleted unless O(force=true) (its sessions end with it) or
    O(drain=true) (its users are logged off first and the module waits until it is empty). Without either, a plan
    that needs such a server fails before anything is sent and names the servers and their sessions. So does a
    plan that needs servers busy with a task.
  - Jobs of an earlier run still going on the group (O(wait=false)) are waited for and never sent again; a re-run
    with the same O(count) changes nothing.
  - Check mode and C(--diff) report exactly which servers would be created (as V((new 1)), V((new 2)) ...) and
    which deleted, without sending anything.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  server_group_id:
    description:
      - Id of the server group. Mutually exclusive with O(server_group_name); one of them is required.
      - An unknown id fails before anything is sent.
    type: str
  server_group_name:
    description:
      - Exact name of the server group (case-sensitive). Mutually exclusive with O(server_group_id).
      - No match, or more than one group with this name, fails before anything is sent and lists the candidates.
    type: str
  count:
    description:
      - The number of servers the group holds, V(0) or more. V(0) empties the group (its servers are deleted; the
        group itself stays, see M(huaweicloud.workspace_app.app_server_group) with O(huaweicloud.workspace_app.app_server_group#module:state=absent)).
      - The tenant's server quota caps it; a create beyond the quota fails with the service's error (for example
        C(WKS.00211207)) and nothing is created by that call.
    type: int
    required: true
  batch_size:
    description:
      - Servers per deletion call, V(1) to V(20). Creation calls carry up to 50 servers each.
    type: int
    default: 20
  availability_zone:
    description:
      - Availability zone of the servers created. Without it the service picks one.
    type: str
  update_access_agent:
    description:
      - Whether the servers created update their access agent (HDA) automatically (C(update_access_agent) of the
        create request). Without it the service's default applies.
    type: bool
  vpc_id:
    description:
      - VPC of the servers created. Without it, the VPC of the group's servers (their addresses name it) is used.
      - Required when the group has no server yet, since the group's record does not carry its VPC; a create that
        needs it fails before anything is sent.
    type: str
  force:
    description:
      - Delete servers that still have sessions (they are cut off) when the surplus cannot be met otherwise.
      - Servers without sessions still go first. Mutually exclusive with O(drain).
    type: bool
    default: false
  drain:
    description:
      - Before deleting servers that still have sessions, put them in maintenance mode (no new logons), log their
        users off (after a message, O(drain_message), and O(drain_delay) seconds) and wait until they are empty,
        within O(wait_timeout). A server still holding sessions at the deadline is not deleted and fails.
      - Not together with O(force).
    type: bool
    default: false
  drain_message:
    description:
      - Text of the warning the users of a drained server see before they are logged off, 1 to 255 characters.
      - Alias O(message_text), M(huaweicloud.workspace_app.app_session_logoff)'s name.
    type: str
    aliases: [message_text]
  drain_delay:
    description:
      - Seconds between the warning and the logoff of a drained server's users, V(0) to V(999999).
      - Alias O(delay_time), M(huaweicloud.workspace_app.app_session_logoff)'s name.
    type: int
    default: 60
    aliases: [delay_time]
  wait:
    description:
      - Wait until every creation and deletion job has finished and the new servers are registered.
      - With V(false) the task returns once the calls are sent; a later run of the same task waits for the jobs
        instead of sending anything again. O(drain=true) waits for the drain anyway.
    type: bool
    default: true
  wait_timeout:
    description:
      - One deadline in seconds for the whole task (draining, jobs, registration), counted from the first call that
        changes something, V(1) to V(86400). Servers not done by then fail, naming their job.
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two polling rounds (each reads the unfinished jobs' details, one request per job); the first
        comes O(poll_interval) after the last call. More than V(0), at most V(3600).
    type: float
    default: 15
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and plans; creates, deletes and drains nothing. RV(servers), RV(created) and RV(deleted) say
      what a real run would do.
  diff_mode:
    support: full
    description: Each server created or deleted, named "name (id)" (a new one "(new N)"), with its state before and
      after.
notes:
  - Request cost, for a group found by name - one list of groups, one read of the group, the group's server list
    (100 per page), one call per 50 servers created or per O(batch_size) servers deleted, one request per unfinished
    job and polling round, and one more server list at the end. A scale from 20 to 60 servers is about 6 requests
    plus the polling rounds.
  - A creation call whose response is lost (the connection failed after it was sent) or a server error is settled by
    listing the group - servers of a create job the run does not know are that call's (its job is waited for) and
    with none the call is sent again (up to O(max_retries) times). Another create running on the same group at that
    moment cannot be told apart and fails the call instead. A deletion call is settled by reading the servers;
    servers no longer listed were deleted, servers showing a new deletion job are waited for.
  - Servers are created pay-per-use. A created server that fails to build (C(BUILD_FAIL)) fails the task and still
    counts towards O(count); a lower O(count) deletes it first.
seealso:
  - module: huaweicloud.workspace_app.app_server_group
  - module: huaweicloud.workspace_app.app_session_logoff
  - module: huaweicloud.workspace_app.app_server_power
"""

EXAMPLES = r"""
- name: Scale out before the peak (servers from the group's own settings)
  huaweicloud.workspace_app.app_server_fleet:
    server_group_name: apps-prod
    count: 60
    wait_timeout: 3600

- name: What would scaling in to 20 delete? (nothing is sent)
  huaweicloud.workspace_app.app_server_fleet:
    server_group_name: apps-prod
    count: 20
  check_mode: true
  diff: true
  register: plan

- name: Scale in after the peak, logging users off the servers that still have sessions
  huaweicloud.workspace_app.app_server_fleet:
    server_group_name: apps-prod
    count: 20
    drain: true
    drain_message: This server is being retired. Please save your work; you will be signed out in 5 minutes.
    drain_delay: 300

- name: The first servers of a new, empty group (its VPC cannot be read from any server yet)
  huaweicloud.workspace_app.app_server_fleet:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    count: 4
    vpc_id: 0d1f2e3c-4b5a-6978-8a9b-0c1d2e3f4a5b
    availability_zone: cn-north-4a
"""

RETURN = r"""
count:
  description: Servers the group holds after the run (re-read; servers being deleted do not count). In check mode,
    O(count).
  returned: always
  type: int
  sample: 60
count_before:
  description: Servers the group held when the run began.
  returned: always
  type: int
  sample: 20
created:
  description: Ids of the servers this run created (not those that failed to build). Empty in check mode and with
    O(wait=false), since the new servers' ids are known from their job once it has run.
  returned: always
  type: list
  elements: str
deleted:
  description: Ids of the servers this run deleted (in check mode, would delete).
  returned: always
  type: list
  elements: str
servers:
  description: One entry per server of the group and per server created, in name order, by id for the same name (servers to be created last,
    without id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Server id; null for a server not created yet (check mode, O(wait=false) or a failed call).
      type: str
    name:
      description: Server name; V((new N)) for a server not created yet.
      type: str
    action:
      description: V(none) (kept), V(submitted) (created or deleted by this run; in check mode, would be) or
        V(waited) (a job of an earlier run was waited for).
      type: str
    status:
      description: V(unchanged), V(skipped) (already being deleted), V(succeeded), V(failed) or V(pending) (not
        waited for, or check mode).
      type: str
    job_id:
      description: The creation or deletion job; V(null) for a server whose delete the service answered without a
        job (it was gone).
      type: str
    error_code:
      description: Error code of a failed call or job.
      type: str
    error_msg:
      description: Why the server failed or was skipped.
      type: str
    before:
      description: "C({state, status, vm_status, sessions}) before; C({state: absent}) for a server to be created."
      type: dict
    after:
      description: "The same after (re-read); C({state: absent}) for a server deleted."
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0042
      action: submitted
      status: succeeded
      job_id: 2c9eb2c08f8b11a7018f9a2b7c3d0c55
      error_code: null
      error_msg: null
      before: {state: absent}
      after: {state: present, status: REGISTERED, vm_status: ACTIVE, sessions: 0}
jobs:
  description: Ids of the jobs this run started (creations and deletions).
  returned: always
  type: list
  elements: str
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 60, unchanged: 20, skipped: 0, succeeded: 40, failed: 0, pending: 0}
progress:
  description: One line per call, drain step and polling round; each starts with the group's label.
  returned: when something was sent
  type: list
  elements: str
destroys:
  description:
    - The servers deleted, C(server web-01) and its id in brackets each, in server name order; in check mode, what
      would be.
    - C(--diff) shows the same lines (C(would destroy) in check mode, C(this run destroys) otherwise).
  returned: when the run deletes something (or would, in check mode)
  type: list
  elements: str
  sample: ["server as-server-0007 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
interrupts:
  description:
    - The servers deleted, their users cut off (O(force)) or logged off first (O(drain)), each followed by its user
      sessions that end (C(session alice) with its state and server), in server name order; in check mode, what
      would be.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise) and a
      warning names the sessions that end.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each server created or deleted to its state.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fleet import Fleet
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation


def main():
    run_operation(Fleet)


if __name__ == "__main__":
    main()
