#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_tsvi
short_description: Apply the server group's virtual session IP setting on Workspace application streaming servers
version_added: 1.0.0
description:
  - Applies the virtual session IP (TSVI) setting of each target server's server group to the server
    (C(PATCH …/app-servers/actions/batch-update-tsvi)), at most O(batch_size) servers per call, and waits for all
    jobs with one deadline.
  - B(Every server this module submits is rebooted by the service.) Users connected to it are disconnected.
    Check mode and C(--diff) tell how many servers a real run would reboot, and which.
  - B(The group decides, not this module.) Whether virtual session IPs are on is a setting of the server group
    (C(ip_virtual.enable), chosen when the group is created). The API always applies the group's setting; its
    per-server C(enable) flag is reserved and must equal the group's. The module reads each target server's group
    once (C(GET …/app-server-groups/{id})) and sends the group's value. Servers of several groups with different
    settings are submitted in separate batches, each carrying its own group's value.
  - 'What the module can observe: the service does not report whether a server currently has its group''s setting
    applied. It only reports each server''s B(last) job (C(job_id), C(job_type), C(job_status)) and C(task_status).
    So a server is submitted when its last job is a virtual session IP job that failed (C(task_status) is
    C(updating_tsvi_failed), or C(job_type) is C(UPDATE_SERVER_TSVI) with C(job_status) C(FAILED)).'
  - 'What it cannot observe: a failed virtual session IP job that was followed by another job on the same server
    (for example an HDA upgrade), and whether a server that never ran a virtual session IP job follows its group''s
    setting. Such servers are considered current and left alone. Use O(force=true) to apply the setting to every
    target anyway (and reboot every target).'
  - Servers whose virtual session IP job is already running (started by an earlier run with O(wait=false), the
    console, or someone else) are waited for, never submitted again.
  - With O(force=true), a server busy with another kind of job cannot be submitted (the service rejects it); it is
    reported with status C(skipped) and a warning, and does not fail the task. Re-run when that job has finished.
  - A batch the service rejects with HTTP 409 (conflict, a job is already running on one of its servers) is
    re-read; servers running a virtual session IP job are waited for, the others of the batch are sent again once.
    A batch whose response was lost, or answered with a server error (5xx), is re-read; it is sent again only for the
    servers the re-read shows it was not applied to (up to O(max_retries) times).
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  enable:
    description:
      - The virtual session IP setting you expect, as a guard. It is never sent as a choice of its own.
      - When set, it must equal C(ip_virtual.enable) of the server group of every target server; otherwise the
        task fails before anything is submitted and names the groups that differ. To change the setting, change
        the server group (the service lets you choose C(ip_virtual) only when a group is created), not this option.
      - When not set, each server gets its group's setting.
    type: bool
  force:
    description:
      - Apply the group's setting to every target server, including servers that look current (see the
        description for what the module can and cannot observe). B(Reboots every target server.)
      - Servers whose virtual session IP job is running are still only waited for.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait
attributes:
  check_mode:
    support: full
    description: Reads and plans; submits nothing, reboots nothing and waits for nothing. C(msg) and a warning say
      how many servers a real run would reboot; C(changed) tells whether a real run would submit something.
  diff_mode:
    support: full
    description: Per server, the group's setting and the observed state before and after (C(reboot=true) for every
      server that a run submits); the header says how many servers will be (or were) rebooted.
notes:
  - Each call of the API reboots the servers it names. Drain the servers first (maintenance mode) when users are
    connected, and use a small O(batch_size) to keep part of a group serving while the rest reboots.
  - A server group whose detail does not report C(ip_virtual) is treated as having an unknown setting; its servers
    are sent O(enable) (or V(false) when O(enable) is not set) with a warning, since the service applies the group's
    own setting regardless.
  - Request cost of a run where nothing needs applying, with O(server_group_id), is one request for the group plus
    one page of 100 servers per request.
"""

EXAMPLES = r"""
- name: Re-apply the virtual session IP setting where the last attempt failed (reboots those servers)
  huaweicloud.workspace_app.app_server_tsvi:
    region: cn-north-4
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
  register: tsvi

- name: How many servers would be rebooted? (no change made)
  huaweicloud.workspace_app.app_server_tsvi:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
  check_mode: true
  diff: true
  register: plan

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ plan.msg }}: {{ plan.servers | selectattr('action', 'eq', 'submitted') | map(attribute='name') | list }}"

- name: Apply to every server of the group, five at a time, and make sure virtual IPs are on
  huaweicloud.workspace_app.app_server_tsvi:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    enable: true
    force: true
    batch_size: 5
    wait_timeout: 1800

- name: Servers of several groups, credentials from module_defaults; each group's own setting is applied
  module_defaults:
    group/huaweicloud.workspace_app.workspace_app:
      region: ap-southeast-1
      access_key: "{{ vault_hw_ak }}"
      secret_key: "{{ vault_hw_sk }}"
  huaweicloud.workspace_app.app_server_tsvi:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 62f48b59-0ebb-4b1e-ad35-f64948a0591b
    force: true

- name: Submit and return at once; a later run of the same task waits for the running jobs
  huaweicloud.workspace_app.app_server_tsvi:
    server_group_id: 7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1
    force: true
    wait: false
"""

RETURN = r"""
msg:
  description: How many servers will be (check mode), were, or are being rebooted, and how many were waited for.
  returned: when the task does not fail
  type: str
  sample: will reboot 4 server(s) to apply their server group's virtual session IP setting (check mode, nothing submitted)
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
      description: V(none) (nothing to do or skipped), V(submitted) (sent by this run, so rebooted) or V(waited)
        (a virtual session IP job already running was waited for).
      type: str
    status:
      description: V(unchanged), V(skipped) (busy with another job; see RV(servers[].error_msg)), V(succeeded),
        V(failed), or V(pending) (not waited for, or in check mode).
      type: str
    job_id:
      description: The virtual session IP job of the server.
      type: str
    error_code:
      description: Error code of a failed job or submission.
      type: str
    error_msg:
      description: Why the job failed or the server was skipped.
      type: str
    before:
      description:
        - The state before. C(ip_virtual_enable) is the group's setting. C(tsvi) is what the service shows of the
          server's last virtual session IP job, V(applied) (last job succeeded), V(failed), V(running), or
          V(unknown) (the server's last job is not a virtual session IP job, so nothing can be observed).
      type: dict
    after:
      description: The state after (the planned state in check mode or while pending). C(reboot) is V(true) for a
        server this run submits.
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      job_id: "575945548515770368"
      error_code: null
      error_msg: null
      before: {ip_virtual_enable: true, tsvi: failed}
      after: {ip_virtual_enable: true, tsvi: applied, reboot: true}
jobs:
  description: Ids of the jobs this run submitted, in order.
  returned: always
  type: list
  elements: str
  sample: ["575945548515770368", "575945548515770369"]
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 30, unchanged: 26, skipped: 0, succeeded: 4, failed: 0, pending: 0}
ip_virtual:
  description: The virtual session IP setting (C(ip_virtual.enable)) of each target server's group, by group id;
    V(null) when the group does not report it.
  returned: always
  type: dict
  sample: {7f6bb4a1-5a9b-4b0c-9a0e-3b41c0d2e5a1: true}
progress:
  description:
    - Progress lines of the run (batches submitted, polling rounds, jobs and servers done, time left).
    - Each line starts with a label naming the targets, such as C([group apps-prod]) (see the notes).
    - At C(-v) and above, when the module runs on the controller (C(connection=local)), each line is also
      printed while the task runs, prefixed with the task name.
  returned: when something was submitted or waited for
  type: list
  elements: str
interrupts:
  description:
    - Each server rebooted to apply the setting, followed by its user sessions that end (C(session alice) with its
      state and server), in server name order; in check mode, what would be. A real run lists only the servers whose
      change was sent.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise) and a
      warning names the sessions that end.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["server web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989): rebooted", "session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each acted-on server, named "name (id)" (such as
    "as-server-0001 (3f791197-d166-4c8e-81e4-38c40ffc1989)"; the id alone for a server without a name), to its
    state; C(after_header) says how many servers will be (or were) rebooted.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    ACTIVE_JOB_STATUSES, JobKind, Submission)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUBMITTED, WAITED, Operation, PlanItem)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import resolve_targets

TSVI = JobKind("UPDATE_SERVER_TSVI", running_task="updating_tsvi")
FAILED_TASK = "updating_tsvi_failed"
WHAT = "to apply their server group's virtual session IP setting"


def observed_tsvi(record):
    """What the server record tells of the setting: only its last job is visible."""
    if TSVI.running(record):
        return "running"
    ours = record.get("job_type") == TSVI.job_type
    if record.get("task_status") == FAILED_TASK or (ours and record.get("job_status") == "FAILED"):
        return "failed"
    return "applied" if ours and record.get("job_status") == "SUCCESS" else "unknown"


class Tsvi(Operation):
    kind = TSVI
    options = dict(enable=dict(type="bool"), force=dict(type="bool", default=False))
    disrupts = "rebooted"  # applying the setting reboots the server: the users' sessions end
    unverified = "a server record shows only its last job, which the wait has read: the job's outcome is the proof"

    def __init__(self, module):
        super(Tsvi, self).__init__(module)
        self.groups = {}  # group id -> detail record, read once per group

    def find_targets(self):
        targets = resolve_targets(self.client, self.params["server_ids"], self.context.group_id,
                                  group=self.context.group)
        if targets.group is not None:
            self.groups[self.context.group_id] = targets.group  # already read: do not read it again
        return targets.servers

    def group_setting(self, group_id):
        """The group's ``ip_virtual.enable``, or None when the group does not report it."""
        enable = ((self.groups.get(group_id) or {}).get("ip_virtual") or {}).get("enable")
        return None if enable is None else bool(enable)

    def prepare(self, servers):
        for group_id in sorted(set(s.get("server_group_id") for s in servers if s.get("server_group_id"))):
            if group_id not in self.groups:
                self.groups[group_id] = api.show_server_group(self.client, group_id) or {}
        self.extra_result["ip_virtual"] = dict((gid, self.group_setting(gid)) for gid in sorted(self.groups))
        wanted = self.params["enable"]
        differ = [gid for gid in sorted(self.groups) if self.group_setting(gid) not in (None, wanted)]
        if wanted is not None and differ:
            raise TargetError(
                "enable: %s does not match the virtual session IP setting of server group(s) %s; the API always "
                "applies the group's setting (ip_virtual.enable), so change the server group instead (the service "
                "lets you choose ip_virtual only when a group is created), or leave enable unset" % (
                    str(wanted).lower(), ", ".join("%r (%s, ip_virtual.enable is %s)" % (
                        self.groups[gid].get("name"), gid, str(self.group_setting(gid)).lower()) for gid in differ)))
        unknown = sorted(gid for gid in self.groups if self.group_setting(gid) is None)
        if unknown:
            self.warn("server group(s) %s do not report ip_virtual; their servers are sent enable=%s, and the service "
                      "applies the group's own setting" % (", ".join(unknown), str(bool(wanted)).lower()))

    def plan_server(self, server):
        group_id = server.get("server_group_id")
        before = dict(ip_virtual_enable=self.group_setting(group_id), tsvi=observed_tsvi(server))
        applied = dict(ip_virtual_enable=before["ip_virtual_enable"], tsvi="applied")
        if before["tsvi"] == "running":
            return PlanItem(server, "wait", before, applied, job_id=server["job_id"])
        if not group_id:
            return PlanItem(server, "skip", before, note="the service reports no server group for this server")
        if not (self.params["force"] or before["tsvi"] == "failed"):
            return PlanItem(server, "none", before)
        if server.get("job_status") in ACTIVE_JOB_STATUSES:
            return PlanItem(server, "skip", before, note="a %s job (%s) is running on this server; re-run when it has "
                            "finished" % (server.get("job_type"), server.get("job_id")))
        # One batch per group: every item of a call carries that group's value.
        return PlanItem(server, "submit", before, dict(applied, reboot=True), batch_key=group_id)

    def send(self, items):
        setting = self.group_setting(items[0].batch_key)
        enable = bool(self.params["enable"]) if setting is None else setting
        job_id = api.batch_update_tsvi(self.client, [dict(id=item.server_id, enable=enable) for item in items])
        return dict((item.server_id, Submission(job_id)) for item in items)

    def conclude(self, outcome):
        submitted = outcome.count(lambda r: r.action == SUBMITTED)
        waited = outcome.count(lambda r: r.action == WAITED)
        if self.check_mode:
            headline = "will reboot %d server(s) %s (check mode, nothing submitted)" % (submitted, WHAT)
            if submitted:
                self.warn(headline)
            waited_text = "will wait for %d server(s) already applying it"
        elif self.params["wait"]:
            headline = "rebooted %d server(s) %s" % (outcome.count(lambda r: r.action == SUBMITTED and r.job_id), WHAT)
            waited_text = "waited for %d server(s) already applying it"
        else:
            headline = "%d server(s) are rebooting %s (not waited for)" % (
                outcome.count(lambda r: r.action == SUBMITTED and r.job_id), WHAT)
            waited_text = "%d server(s) already applying it (not waited for)"
        outcome.headline = headline + ("; " + waited_text % waited if waited else "")
        outcome.headline_in_diff = True


def main():
    run_operation(Tsvi)


if __name__ == "__main__":
    main()
