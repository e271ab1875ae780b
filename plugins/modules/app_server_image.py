#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_image
short_description: Rebuild Workspace application streaming servers onto a given image
version_added: 1.0.0
description:
  - Desired state for the image of application streaming servers, so that every target server runs O(image_id).
  - B(Changing the image rebuilds the server; the sessions of users connected to it are interrupted and anything
    stored on its system disk is lost.) Drain the servers first (maintenance mode) when that matters, and use check
    mode with C(--diff) to see which servers would be rebuilt.
  - Reads the target servers (C(GET …/app-servers)) and submits only those whose C(image_id) differs from
    O(image_id), at most O(batch_size) per call (C(POST …/app-servers/actions/batch-change-image)). The service
    starts one job per server.
  - Servers already on O(image_id) are left alone and never sent (the API rejects a change to the same image).
    Servers with an image change already running (started by an earlier run with O(wait=false), by the console, or
    by someone else) are waited for, never submitted again; if that change ends on another image, the server is
    reported failed and a re-run changes it.
  - The service answers per server. A server it rejects (busy with another job, image not allowed for it ...) is
    reported failed with the service's error code and the other servers go on.
  - Waiting reads the server list, 100 servers per request, once per polling round (each server shows its last job
    and its status); it does not read one job per server. Only a failed server costs one more request, to read its
    job's error code.
  - A batch whose response was lost, or answered with a server error (5xx), is re-read; servers that show a new
    image change job are taken as submitted, only the others are sent again (up to O(max_retries) times).
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  image_id:
    description:
      - Id of the image the servers must run.
      - An image the project does not have is refused by the service (HTTP 400). The task fails at that request,
        with nothing changed, and its message names O(image_id) and the value.
    type: str
    required: true
  image_type:
    description:
      - Type of the image. V(gold) is a marketplace image; see O(image_product_id).
    type: str
    required: true
    choices: [gold, public, private, shared, other]
  os_type:
    description:
      - Operating system of the image.
    type: str
    default: Windows
    choices: [Linux, Windows, Other]
  image_product_id:
    description:
      - Product id of the image, sent when set. The service's SDK says a marketplace (O(image_type=gold)) image needs
        it, but the service takes a V(gold) image without it too (Terraform's tests send none), so the module sends
        the request either way and leaves the decision to the service; a refusal fails the task with the service's
        message, nothing changed.
    type: str
  update_access_agent:
    description:
      - Also upgrade the access agent (HDA) of the rebuilt servers to the latest version.
    type: bool
    default: false
  batch_size:
    description:
      - Servers per image change request, V(1) to V(20). Larger target sets are split into several requests.
      - The API documents no limit for this request. If the service rejects a batch as too large (HTTP 400), the task
        fails naming the batch size; use a smaller O(batch_size).
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
      be rebuilt (V(submitted), status V(pending)) and C(changed) tells whether a real run would rebuild any.
  diff_mode:
    support: full
    description: Per server that would be (or was) rebuilt, its image id before and after.
notes:
  - Request cost for 300 servers of one group, all to be rebuilt, with the default O(batch_size) - 4 requests to
    read the group and its servers, 15 image change requests, then 3 requests per polling round (fewer once only
    one or two servers are left); the state after the change comes from the last round. A failed server costs one
    more request, for its error code (for the first 20 failures; the others name their job instead).
"""

EXAMPLES = r"""
- name: Rebuild every server of a group onto the new private image
  huaweicloud.workspace_app.app_server_image:
    region: cn-north-4
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
  register: rebuild

- name: Canary first - two servers, one at a time, upgrading the access agent too
  huaweicloud.workspace_app.app_server_image:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
    update_access_agent: true
    batch_size: 1
    wait_timeout: 1800

- name: Marketplace (gold) image - the product id is required
  huaweicloud.workspace_app.app_server_image:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    image_id: 0b5a8d64-3f8e-4a29-9a1c-2d5e7b9c1f30
    image_type: gold
    image_product_id: OFFI886178046102908928

- name: Which servers would be rebuilt, interrupting their users? (no change made)
  huaweicloud.workspace_app.app_server_image:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
    image_type: private
  check_mode: true
  diff: true
  register: plan

- name: Start the rebuild and come back later (a re-run of the same task waits for the running jobs)
  huaweicloud.workspace_app.app_server_image:
    wait: false
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    image_type: private
    image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8
  register: started

- name: Later - check the job of the first server
  huaweicloud.workspace_app.app_job_info:
    job_id: "{{ started.jobs[0] }}"
  when: started.jobs | length > 0
"""

RETURN = r"""
msg:
  description:
    - How many servers will be (check mode), were, or are being rebuilt onto the image; a rebuild replaces the system
      disk and ends the users' sessions. Also the header of the C(--diff) output.
  returned: when at least one server was (or in check mode would be) submitted and the task does not fail
  type: str
  sample: will rebuild the system disk of 4 server(s) onto image 35998d9a-14f2-48fc-832b-6fc0074dc8f8; their users' sessions end (check mode, nothing submitted)
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
      description: V(none) (already on the image), V(submitted) (rebuilt by this run, or would be in check mode)
        or V(waited) (an image change already running was waited for).
      type: str
    status:
      description: V(unchanged), V(succeeded), V(failed), or V(pending) (not waited for, or in check mode).
      type: str
    job_id:
      description: The job that changes the server's image (one job per server).
      type: str
    error_code:
      description: Error code of a failed change, as the service reports it for this server.
      type: str
    error_msg:
      description: Why the change failed.
      type: str
    before:
      description: The state before, C({image_id}).
      type: dict
    after:
      description: The state after (re-read from the service after a successful change), C({image_id}).
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      job_id: "575945548515770368"
      error_code: null
      error_msg: null
      before: {image_id: 8c1b6f0e-64a4-4b3c-8d1c-5f1d2e3a4b5c}
      after: {image_id: 35998d9a-14f2-48fc-832b-6fc0074dc8f8}
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
  sample: {total: 45, unchanged: 5, skipped: 0, succeeded: 39, failed: 1, pending: 0}
progress:
  description:
    - Progress lines of the run (batches submitted, polling rounds with jobs and servers done, the requests each
      round cost and the time left).
    - Each line starts with a label naming the targets, such as C([group apps-prod]) (see the notes).
    - At C(-v) and above, when the module runs on the controller (C(connection=local)), each line is also
      printed while the task runs, prefixed with the task name.
  returned: when something was submitted or waited for
  type: list
  elements: str
  sample:
    - "[group apps-prod] batch 1/2: 20 server(s) submitted"
    - "[group apps-prod] batch 2/2: 19 server(s) submitted"
    - "[group apps-prod] waiting for 39 job(s) on 39 server(s), reading the server list each round"
    - "[group apps-prod] round 1: 0/39 job(s) finished, 0/39 server(s) (0 failed); 1 request(s); 3599s left,
      running: 5758088393932561, ..."
    - "[group apps-prod] round 2: 39/39 job(s) finished, 39/39 server(s) (0 failed); 1 request(s); done"
interrupts:
  description:
    - Each server rebuilt, followed by its user sessions that end (C(session alice) with its state and server), in
      server name order; in check mode, what would be. A real run lists only the servers whose change was sent.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise) and a
      warning names the sessions that end.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["server web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989): rebuilt", "session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each server that is (or would be) rebuilt, named
    "name (id)" (such as "as-server-0001 (3f791197-d166-4c8e-81e4-38c40ffc1989)"; the id alone for a server
    without a name), to its C({image_id}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    ApiError, naming_the_image, with_hint)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    JobKind, ServerListWaiter, per_server_answers)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import not_blank, run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUBMITTED, SUCCEEDED, Operation, PlanItem)

IMAGE_TYPES = ["gold", "public", "private", "shared", "other"]
OS_TYPES = ["Linux", "Windows", "Other"]


class ServerImage(Operation):
    # one job per server: the server list shows them all at once
    kind = JobKind("CHANGE_SERVER_IMAGE", running_task="rebuilding", waiter_class=ServerListWaiter)
    options = dict(
        image_id=dict(type="str", required=True),
        image_type=dict(type="str", required=True, choices=IMAGE_TYPES),
        os_type=dict(type="str", default="Windows", choices=OS_TYPES),
        image_product_id=dict(type="str"),
        update_access_agent=dict(type="bool", default=False),
    )
    rules = (not_blank("image_id"),)
    disrupts = "rebuilt"  # the system disk is replaced: the users' sessions end

    def plan_server(self, server):
        before = dict(image_id=server.get("image_id"))
        after = dict(image_id=self.params["image_id"])
        # Checked before the image: a rebuild running onto another image leaves the current one stale.
        if self.kind.running(server):
            return PlanItem(server, "wait", before, after, job_id=server["job_id"])
        if server.get("image_id") == self.params["image_id"]:
            return PlanItem(server, "none", before)
        return PlanItem(server, "submit", before, after)

    def change_image(self, server_ids):
        p = self.params
        items = api.batch_change_server_image(self.client, server_ids, p["image_id"], p["image_type"], p["os_type"],
                                              image_product_id=p["image_product_id"],
                                              update_access_agent=p["update_access_agent"])
        return per_server_answers(items)

    def send(self, items):
        ids = [item.server_id for item in items]
        try:
            return self.change_image(ids)
        except ApiError as exc:
            refused = naming_the_image(exc, self.params["image_id"], self.params["image_type"])
            if exc.status == 400 and len(ids) > 1:
                refused = with_hint(refused, "a batch of %d servers; the API documents no limit on servers per image "
                                    "change, but if the service limits it, lower batch_size" % len(ids))
            if refused is exc:
                raise
            raise refused

    @staticmethod
    def observe(record):
        return dict(image_id=record.get("image_id"))

    def reached(self, planned, after):
        return after.get("image_id") == planned.get("image_id")

    def conclude(self, outcome):
        """A rebuild replaces the system disk and ends the users' sessions: say so, in the diff too."""
        waited = not self.check_mode and self.params["wait"]
        rebuilt = outcome.count(lambda r: r.action == SUBMITTED and (
            self.check_mode or (r.status == SUCCEEDED if waited else bool(r.job_id))))
        if not rebuilt:
            return
        what = "the system disk of %d server(s) onto image %s; their users' sessions end" % (
            rebuilt, self.params["image_id"])
        if self.check_mode:
            outcome.headline = "will rebuild %s (check mode, nothing submitted)" % what
            self.warn(outcome.headline)
        else:
            outcome.headline = "rebuilt %s" % what if waited else "rebuilding %s (not waited for)" % what
        outcome.headline_in_diff = True


def main():
    run_operation(ServerImage)


if __name__ == "__main__":
    main()
