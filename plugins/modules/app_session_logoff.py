#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_session_logoff
short_description: Log users off Huawei Cloud Workspace application streaming servers, with a message first
version_added: 1.0.0
description:
  - Reads the open sessions (C(Active), C(Disconnected), C(AppcInit)) of the target servers
    (C(GET /v1/{project_id}/session/list-sessions)), optionally only those of some users or in some states, and
    logs them off (C(POST /v1/{project_id}/session/logoff)), showing the users O(message_text) in a pop-up titled
    O(title) and signing them out O(delay_time) seconds later.
  - Then waits (O(wait), O(wait_timeout), O(poll_interval)) until every session it logged off has ended, reading
    the sessions of the servers again each round. A session still open at the deadline fails its server, naming
    the session.
  - Idempotent. A server with no matching open session is left alone; when no server has one, nothing is sent
    (C(changed=false)) and the only requests are the reads.
  - Check mode and C(--diff) list who would be logged off (user, state and session id per server) without sending
    anything.
  - Users cannot log on again to a server in maintenance mode (M(huaweicloud.workspace_app.app_server_maintenance));
    put the servers in maintenance first when they must stay empty.
author:
  - huaweicloud.workspace_app maintainers (@huaweicloud)
options:
  user_names:
    description:
      - Only the sessions of these users (exact C(login_user) names).
      - Alias O(user_name), M(huaweicloud.workspace_app.app_session_info)'s name; a single name (a string) is a
        list of one.
    type: list
    elements: str
    aliases: [user_name]
  session_states:
    description:
      - Only sessions in these states. Default is every open state.
      - Alias O(session_state), M(huaweicloud.workspace_app.app_session_info)'s name (whose ended states
        V(SignedOut) and V(InitFail) are not choices here, since they cannot be logged off).
    type: list
    elements: str
    choices: [Active, Disconnected, AppcInit]
    aliases: [session_state]
  message_text:
    description:
      - The text of the pop-up the users see before they are signed out (up to 255 characters); the API's
        C(message).
      - Alias O(drain_message) (M(huaweicloud.workspace_app.app_server_fleet)'s name). The logoff playbook and the
        rolling_update role call it C(message), which a module option cannot be named (Ansible keeps that name for
        itself).
    type: str
    aliases: [drain_message]
  title:
    description:
      - The pop-up's title (up to 255 characters).
    type: str
  message_type:
    description:
      - How serious the pop-up looks.
    type: str
    choices: [info, warning, serious]
    default: warning
  delay_time:
    description:
      - Seconds between the pop-up and the sign-out, 0..999999 (the grace period users have to save their work).
      - O(wait_timeout) counts from the submission, so it must leave room for this delay.
      - Alias O(drain_delay), M(huaweicloud.workspace_app.app_server_fleet)'s name.
    type: int
    default: 0
    aliases: [drain_delay]
  wait:
    description:
      - Wait until every session logged off has ended.
      - With V(false) the task returns once the logoff is sent (its servers V(pending)); a re-run sends the logoff
        again for the sessions still open.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the sessions to end, counted from the first logoff, V(1) to V(86400); leave room for
        O(delay_time). A session still open then fails its server, naming it.
    type: int
    default: 3600
extends_documentation_fragment:
  - huaweicloud.workspace_app.connection
  - huaweicloud.workspace_app.connection.action_group
  - huaweicloud.workspace_app.targets
  - huaweicloud.workspace_app.wait.state
attributes:
  check_mode:
    support: full
    description: Reads the sessions and reports who would be logged off; sends nothing.
  diff_mode:
    support: full
    description: Maps each server to log off, named "name (id)", to its sessions before (user (state) session id) and after (none).
notes:
  - O(batch_size) counts servers; a logoff call never carries more than 999 sessions (the API's limit), so a batch
    with more is split.
  - The session list names servers by SID, machine name and IP address; a session whose server is none of the
    targets is left alone.
  - After a lost response (the connection failed after the call was sent) or a server error (5xx) the sessions
    are read for O(delay_time) plus three O(poll_interval) rounds; those that end were logged off by that call.
    Only when that time is over is the logoff sent again, for the sessions still open (their users never got the
    message), up to O(max_retries) times. When O(wait_timeout) ends first, or with O(wait=false), their servers
    fail with a message saying the call may have been applied, and the task reports C(changed); re-run the task.
  - With O(wait=false) the sessions are logged off and the task returns at once (their servers C(pending)); a
    re-run sends the logoff again for the sessions still open.
"""

EXAMPLES = r"""
- name: Tell the users of a group, give them 5 minutes, log them off and wait
  huaweicloud.workspace_app.app_session_logoff:
    server_group_name: apps-prod
    title: Maintenance
    message_text: Your session ends in 5 minutes for maintenance. Please save your work.
    message_type: warning
    delay_time: 300
    wait_timeout: 900

- name: Log off the disconnected sessions of two servers at once
  huaweicloud.workspace_app.app_session_logoff:
    server_ids:
      - 3f791197-d166-4c8e-81e4-38c40ffc1989
      - 8d1c6a0e-62c3-4f49-9a0c-8c6a2b1e0f11
    session_states: [Disconnected]

- name: Who would be logged off (no change)
  huaweicloud.workspace_app.app_session_logoff:
    server_group_name: apps-prod
    user_names: [alice, bob]
  check_mode: true
  diff: true
  register: plan
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
      description: V(none) (no matching open session) or V(submitted) (logged off by this run; in check mode, would be).
      type: str
    status:
      description: V(unchanged), V(succeeded) (every session logged off has ended), V(failed) or V(pending) (not
        waited for, or check mode).
      type: str
    error_code:
      description: Error code of a failed call.
      type: str
    error_msg:
      description: Why the server failed (for example the sessions still open at the deadline).
      type: str
    before:
      description: The server's sessions to log off, C({sessions}) (each "user (state) session id").
      type: dict
    after:
      description: The sessions still open after the run (re-read), C({sessions}); in check mode the planned C([]).
      type: dict
  sample:
    - id: 3f791197-d166-4c8e-81e4-38c40ffc1989
      name: as-server-0001
      action: submitted
      status: succeeded
      error_code: null
      error_msg: null
      before: {sessions: ["alice (Active) 1baaff74364c441f8c189fdcba427f82"]}
      after: {sessions: []}
sessions:
  description: One entry per session logged off (or, in check mode, to be logged off).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Session id.
      type: str
    login_user:
      description: The user.
      type: str
    session_state:
      description: The session's state when it was read.
      type: str
    server_id:
      description: The server it is on.
      type: str
    server_name:
      description: That server's name.
      type: str
    status:
      description: V(logged_off) (ended), V(pending) (not waited for, or check mode) or V(failed) (still open at the
        deadline, or its call failed).
      type: str
  sample:
    - {id: 1baaff74364c441f8c189fdcba427f82, login_user: alice, session_state: Active,
       server_id: 3f791197-d166-4c8e-81e4-38c40ffc1989, server_name: as-server-0001, status: logged_off}
summary:
  description: Counts of RV(servers) by status.
  returned: always
  type: dict
  sample: {total: 10, unchanged: 7, skipped: 0, succeeded: 3, failed: 0, pending: 0}
session_summary:
  description: Counts of RV(sessions) by status.
  returned: always
  type: dict
  sample: {total: 5, logged_off: 5, pending: 0, failed: 0}
progress:
  description:
    - One line per logoff call and per polling round; each starts with a label naming the targets. While
      O(delay_time) runs a round says how long the users have left (C(sign-out in 240s), with the O(delay_time)),
      then how many sessions are still on and whose (C(alice on web-01), the first three).
    - At C(-v) the lines are printed while the task waits (see O(wait)), so a long grace period is not silent in
      the terminal or in AWX.
  returned: when something was sent
  type: list
  elements: str
interrupts:
  description:
    - The user sessions logged off (C(session alice) with its state and server), in server name order; the servers
      go on. In check mode, what would be.
    - C(--diff) shows the same lines (C(would interrupt) in check mode, C(this run interrupts) otherwise).
  returned: when the run interrupts something (or would, in check mode)
  type: list
  elements: str
  sample: ["session alice (Active) on web-01 (3f791197-d166-4c8e-81e4-38c40ffc1989)"]
diff:
  description: With C(--diff), C(before) and C(after) map each server to log off, named "name (id)", to its
    C({sessions}).
  returned: when diff mode is on
  type: dict
"""

import time

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import SettlesLater, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    at_most_characters, in_range, not_blank, run_operation)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PENDING, SUBMITTED, Operation, PlanItem, named)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import (
    LOGOFF_MAX_SESSIONS, MAX_DELAY_TIME, MAX_MESSAGE_LENGTH, MESSAGE_TYPES, OPEN_STATES, SessionReader,
    session_label)


# Poll rounds past delay_time within which a logoff whose answer was lost must have signed its sessions out
# (Logoff.shows_within): the margin the module allows the service.
SIGN_OUT_ROUNDS = 3


def session_text(session):
    return "%s %s" % (session_label(session), session.get("id"))


class Logoff(Operation):
    kind = SettlesLater()  # no job: the logoff is waited for by reading the sessions again
    options = dict(
        user_names=dict(type="list", elements="str", aliases=["user_name"]),
        session_states=dict(type="list", elements="str", choices=list(OPEN_STATES), aliases=["session_state"]),
        message_text=dict(type="str", aliases=["drain_message"]),
        title=dict(type="str"),
        message_type=dict(type="str", choices=sorted(MESSAGE_TYPES, key=MESSAGE_TYPES.get), default="warning"),
        delay_time=dict(type="int", default=0, aliases=["drain_delay"]),
    )
    rules = (in_range("delay_time", 0, MAX_DELAY_TIME, "seconds"), not_blank("message_text"), not_blank("title"),
             not_blank("user_names"),
             at_most_characters("message_text", MAX_MESSAGE_LENGTH), at_most_characters("title", MAX_MESSAGE_LENGTH))
    max_batch_weight = LOGOFF_MAX_SESSIONS
    warns_of_sessions = False  # ending them is what the task asks: msg and sessions name them

    def __init__(self, module):
        super(Logoff, self).__init__(module)
        self.sessions = {}  # server id -> its sessions to log off (as read when planning)
        self.still_open = {}  # server id -> those of its sessions the last read found still open
        self.session_reader = None
        self.sent_at = None  # monotonic time of the last logoff call: the last sign-out comes delay_time later

    def prepare(self, servers):
        self.session_reader = SessionReader(self.client, servers, self.params["user_names"],
                                            self.params["session_states"] or OPEN_STATES)
        self.sessions = self.session_reader.read([server["id"] for server in servers]) if servers else {}

    def plan_server(self, server):
        sessions = self.sessions.get(server["id"]) or []
        before = dict(sessions=[session_text(s) for s in sessions])
        if not sessions:
            return PlanItem(server, "none", before)
        return PlanItem(server, "submit", before, dict(sessions=[]))

    def ending_sessions(self, plan):
        """The sessions planning selected on each server submitted (the servers themselves go on)."""
        return dict((item.server_id, self.sessions[item.server_id]) for item in plan if item.action == "submit")

    def accepted(self, item, record):
        """A server's record says nothing of a logoff whose answer was lost (None): its sessions tell, within
        :meth:`shows_within`."""
        return None

    def shows_within(self):
        """An accepted logoff signs its sessions out ``delay_time`` seconds later; SIGN_OUT_ROUNDS ``poll_interval``
        rounds more are the margin. Sessions still open after that were not logged off: sending the logoff again
        cannot show a user the message twice."""
        return self.params["delay_time"] + SIGN_OUT_ROUNDS * self.params["poll_interval"]

    def batch_weight(self, item):
        return len(self.sessions.get(item.server_id) or [])

    def send(self, items):
        """The logoff of the items' sessions; sent again (after a call whose answer did not tell and whose sessions
        stayed open), only those the last read found still open."""
        session_ids = [s["id"] for item in items
                       for s in self.still_open.get(item.server_id, self.sessions[item.server_id])]
        self.sent_at = time.monotonic()
        api.logoff_user_session(self.client, session_ids, MESSAGE_TYPES[self.params["message_type"]],
                                self.params["delay_time"], message=self.params["message_text"],
                                title=self.params["title"])
        return dict((item.server_id, Submission(accepted=True)) for item in items)

    def read_states(self, server_ids):
        """Per server, the sessions this run logged off that are still open."""
        planned = dict((sid, set(s["id"] for s in self.sessions.get(sid) or [])) for sid in server_ids)
        still = self.session_reader.read(server_ids)
        self.still_open.update((sid, [s for s in still.get(sid, []) if s["id"] in planned[sid]]) for sid in server_ids)
        return dict((sid, dict(sessions=[session_text(s) for s in still.get(sid, []) if s["id"] in planned[sid]]))
                    for sid in server_ids)

    def state_cost(self, server_ids):
        return self.session_reader.cost(server_ids)

    def reached(self, planned, after):
        return not after.get("sessions")

    def waiting(self, pending):
        """``sign-out in 240s (delay_time); 3 session(s) still on: alice on web-01, ...``: while ``delay_time`` runs,
        how long the users have left; then who is still signed in."""
        users = ["%s on %s" % (session.get("login_user") or session.get("id"), name) for sid, name, _state in pending
                 for session in self.still_open.get(sid, self.sessions.get(sid) or [])]
        text = "%d session(s) still on: %s" % (len(users), named(users))
        left = self.params["delay_time"] - (time.monotonic() - self.sent_at) if self.sent_at is not None else 0
        if left >= 1:
            text = "sign-out in %ds (delay_time %ss); %s" % (left, self.params["delay_time"], text)
        return text

    @staticmethod
    def describe_state(state):
        return "still signed in: %s" % ", ".join(state["sessions"])

    def conclude(self, outcome):
        rows = self.session_rows(outcome)
        counts = dict(total=len(rows), logged_off=0, pending=0, failed=0)
        for row in rows:
            counts[row["status"]] += 1
        outcome.extra.update(sessions=rows, session_summary=counts)
        servers = outcome.count(lambda r: r.action == SUBMITTED)
        if self.check_mode:
            outcome.headline = "would log off %d session(s) on %d server(s) (check mode, nothing sent)" % (
                len(rows), servers)
        elif not rows:
            outcome.headline = "no open session to log off on %d server(s)" % len(outcome.reports)
        else:
            outcome.headline = "logged off %d of %d session(s) on %d server(s)" % (
                counts["logged_off"], len(rows), servers)

    def session_rows(self, outcome):
        """One row per session this run logged off (or would): still open after a failure, pending, or ended."""
        rows = []
        for server_id in outcome.order():  # servers in name order, each one's sessions by user
            report = outcome.reports.get(server_id)
            if report is None or report.action == "none":
                continue
            still_open = set((report.after or {}).get("sessions") or [])
            for session in self.sessions.get(server_id) or []:
                if report.status == PENDING:
                    status = "pending"
                else:
                    status = "failed" if session_text(session) in still_open else "logged_off"
                rows.append(dict(id=session.get("id"), login_user=session.get("login_user"),
                                 session_state=session.get("session_state"), server_id=server_id,
                                 server_name=report.name, status=status))
        return rows


def main():
    run_operation(Logoff)


if __name__ == "__main__":
    main()
