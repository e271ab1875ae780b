#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_server_power
short_description: Start, stop or restart Huawei Cloud Workspace application streaming servers
version_added: 1.0.0
description:
  - Brings the target servers to a power state. V(started) and V(stopped) are desired states; only servers not
    already there are sent (C(PATCH …/app-servers/actions/batch-start) or C(…/batch-stop), at most O(batch_size)
    per call), so a second run changes nothing. V(restarted) always reboots the running servers
    (C(…/batch-reboot)) and starts the stopped ones.
  - The service answers these calls with no job. The module then reads the servers again every O(poll_interval)
    seconds (their group's list, 100 per request, or one lookup per server for a few) until each shows the state
    (C(vm_status) V(ACTIVE) or V(SHUTOFF), with no task running), under one deadline (O(wait_timeout)).
  - A server busy with something else (a job or another power change, that is a C(task_status) naming a task in
    progress, not how the last one ended such as V(upgrad_access_agent_success)) or in a state that
    cannot change (for example V(ERROR) or V(BUILD)) is reported C(skipped), with the reason, and not sent.
  - With O(only_without_sessions=true), servers that still have sessions are skipped too, so that nobody is cut
    off (put them in maintenance mode and drain them first, see M(huaweicloud.workspace_app.app_session_logoff)).
  - Check mode and C(--diff) report the same plan (each server's C(vm_status) before and after) without sending
    anything.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  state:
    description:
      - V(started) (C(vm_status) V(ACTIVE)), V(stopped) (V(SHUTOFF)) or V(restarted) (rebooted if running,
        started if stopped; always a change).
    type: str
    required: true
    choices: [started, stopped, restarted]
  stop_type:
    description:
      - V(SOFT) shuts the operating system down; V(HARD) powers the server off at once.
    type: str
    choices: [SOFT, HARD]
    default: SOFT
  reboot_type:
    description:
      - V(SOFT) restarts the operating system; V(HARD) resets the server.
    type: str
    choices: [SOFT, HARD]
    default: SOFT
  only_without_sessions:
    description:
      - Skip (and report) the servers that still have sessions (C(session_count) above 0) instead of stopping or
        restarting them. Has no effect on servers being started.
    type: bool
    default: false
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait.state
attributes:
  check_mode:
    support: full
    description: Reads the servers and reports which would be sent; sends nothing.
  diff_mode:
    support: full
    description: Maps each server to be sent, named "name (id)", to its C({vm_status}) before and after.
notes:
  - A restart is over when the server shows V(ACTIVE) with no task running at a read; the first read comes
    O(poll_interval) after the call, so keep O(poll_interval) at least as long as the service takes to begin the
    reboot (a few seconds).
  - After a lost response (the connection failed after a call was sent) or a server error, the servers are read
    again. A server busy with a power task or already in the state took the call and is waited for; one that shows
    neither is sent again (up to O(max_retries) times). A reboot that is already over cannot be told from one never
    sent, so such a server fails saying the call may have been applied (the task reports C(changed)); re-run the
    task if it should restart.
"""

EXAMPLES = r"""
- name: Stop a group for the night (servers with users on them are left running)
  huaweicloud.workspace_app.app_server_power:
    server_group_name: apps-prod
    state: stopped
    only_without_sessions: true

- name: Start it again in the morning
  huaweicloud.workspace_app.app_server_power:
    server_group_name: apps-prod
    state: started
    wait_timeout: 1800

- name: Hard-restart two servers
  huaweicloud.workspace_app.app_server_power:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 8d1c6a0e-62c3-4f49-9a0c-8c6a2b1e0f11
    state: restarted
    reboot_type: HARD
"""

RETURN = r"""
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
      description: V(none) (already in the state, or skipped) or V(submitted) (sent by this run; in check mode, would be).
      type: str
    status:
      description: V(unchanged), V(skipped) (busy, in a state that cannot change, or with sessions), V(succeeded)
        (shows the state), V(failed) or V(pending) (not waited for, or check mode).
      type: str
    error_code:
      description: Error code of a failed call.
      type: str
    error_msg:
      description: Why the server failed or was skipped.
      type: str
    before:
      description: C({vm_status}) before.
      type: dict
    after:
      description: C({vm_status}) after (re-read; the planned state in check mode).
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      error_code: null
      error_msg: null
      before: {vm_status: ACTIVE}
      after: {vm_status: SHUTOFF}
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 10, unchanged: 6, skipped: 1, succeeded: 3, failed: 0, pending: 0}
progress:
  description:
    - One line per call and per polling round; each starts with a label naming the targets. A round says the
      servers done, the time left and the servers not yet in the state with what they show
      (C(not yet SHUTOFF), then each server's name and, in parentheses, its C(vm_status) and whether a task runs).
    - At C(-v) the lines are printed while the task waits (see O(wait)).
  returned: when something was sent
  type: list
  elements: str
interrupts:
  description:
    - Each server stopped or rebooted (a start interrupts nothing), followed by its user sessions that end
      (C(session alice) with its state and server), in server name order; in check mode, what would be. A real run
      lists only the servers whose change was sent.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise) and a
      warning names the sessions that end.
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["server web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989): stopped", "session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each server sent, named "name (id)", to its C({vm_status}).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import SettlesLater, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import run_operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUBMITTED, SUCCEEDED, UNCHANGED, Operation, PlanItem, named)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import task_running

RUNNING = "ACTIVE"
STOPPED = "SHUTOFF"
CALLS = dict(start=lambda client, ids, params: api.batch_start_server(client, ids),
             stop=lambda client, ids, params: api.batch_stop_server(client, ids, params["stop_type"]),
             reboot=lambda client, ids, params: api.batch_reboot_server(client, ids, params["reboot_type"]))


class Power(Operation):
    kind = SettlesLater()  # no job: each server's vm_status shows the change
    options = dict(
        state=dict(type="str", required=True, choices=["started", "stopped", "restarted"]),
        stop_type=dict(type="str", choices=["SOFT", "HARD"], default="SOFT"),
        reboot_type=dict(type="str", choices=["SOFT", "HARD"], default="SOFT"),
        only_without_sessions=dict(type="bool", default=False),
    )

    @staticmethod
    def observe(record):
        return dict(vm_status=record.get("vm_status"))

    def reached(self, planned, after):
        return after.get("vm_status") == planned.get("vm_status") and not after.get("busy")

    def read_states(self, server_ids):
        """The servers' ``vm_status``, and whether a task still runs on them (a restart not over yet)."""
        return dict((sid, dict(self.observe(record), busy=bool(task_running(record))))
                    for sid, record in self.context.reader().read(server_ids).items())

    def accepted(self, item, record):
        """After a call whose answer was lost or a server error: a server busy with a power task, or already in the
        state, took it; a stopped or started one showing neither did not. A reboot that is over shows nothing: it
        cannot be told from one never sent (None: not sent again)."""
        if task_running(record):
            return True
        if item.batch_key == "reboot":
            return None
        return record.get("vm_status") == item.after.get("vm_status")

    def describe_state(self, state):
        return "still shows vm_status %s%s" % (state.get("vm_status"), " with a task running" if state.get("busy") else "")

    def waiting(self, pending):
        """``not yet SHUTOFF: web-01 (ACTIVE), web-02 (SHUTOFF, task running)`` (a server not read yet: its name)."""
        wanted = STOPPED if self.params["state"] == "stopped" else RUNNING
        shown = [name if state is None else "%s (%s%s)" % (name, state.get("vm_status"),
                                                           ", task running" if state.get("busy") else "")
                 for _sid, name, state in pending]
        return "not yet %s: %s" % (wanted if self.params["state"] != "restarted" else "restarted", named(shown))

    def broken(self, planned, after):
        if after.get("vm_status") == "ERROR" and not after.get("busy"):
            return "the server shows vm_status ERROR instead of %s" % planned.get("vm_status")
        return None

    def read_after(self, server_ids):
        states = super(Power, self).read_after(server_ids)
        return dict((sid, self.observe(state)) for sid, state in states.items())

    def plan_server(self, server):
        before = self.observe(server)
        state, vm_status = self.params["state"], before["vm_status"]
        if task_running(server):
            return PlanItem(server, "skip", before, note="busy: task %s is running (vm_status %s)"
                            % (server["task_status"], vm_status))
        wanted = STOPPED if state == "stopped" else RUNNING
        if state != "restarted" and vm_status == wanted:
            return PlanItem(server, "none", before)
        if vm_status not in (RUNNING, STOPPED):
            return PlanItem(server, "skip", before, note="vm_status %s: cannot be %s" % (vm_status, state))
        call = "start" if vm_status == STOPPED else ("stop" if state == "stopped" else "reboot")
        if call != "start" and self.params["only_without_sessions"] and (server.get("session_count") or 0) > 0:
            return PlanItem(server, "skip", before, note="%d session(s) open (only_without_sessions)"
                            % server["session_count"])
        return PlanItem(server, "submit", before, dict(vm_status=wanted), batch_key=call)

    def disruption(self, item):
        """A stop or a reboot ends the users' sessions; a start interrupts nothing."""
        if item.action != "submit" or item.batch_key == "start":
            return None
        return "stopped" if item.batch_key == "stop" else "rebooted"

    def send(self, items):
        CALLS[items[0].batch_key](self.client, [item.server_id for item in items], self.params)
        return dict((item.server_id, Submission(accepted=True)) for item in items)

    def conclude(self, outcome):
        for report in outcome.reports.values():
            if isinstance(report.after, dict) and "busy" in report.after:
                report.after = self.observe(report.after)
        sent = outcome.count(lambda r: r.action == SUBMITTED)
        done = outcome.count(lambda r: r.action == SUBMITTED and r.status == SUCCEEDED)
        verb = dict(started="started", stopped="stopped", restarted="restarted")[self.params["state"]]
        if self.check_mode:
            outcome.headline = "would have %s %d server(s) (check mode, nothing sent)" % (verb, sent)
        else:
            outcome.headline = "%s %d of %d server(s) sent; %d already %s" % (
                verb, done, sent, outcome.count(lambda r: r.status == UNCHANGED), verb)


def main():
    run_operation(Power)


if __name__ == "__main__":
    main()
