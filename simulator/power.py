"""Server power: start, stop and reboot on the simulator's clock, the state rules they share, and injected failures.

:class:`PowerControl` is one part of :class:`~simulator.state.FleetState`, which owns the tables it fills
(``_power``: server id -> the transition under way; ``_pending_power_failures``; ``_status_before_stop``;
``_power_actions``: the transitions that ended). The three operations are one machinery:

* a request is checked as a whole before anything changes: unknown ids 404 ``WKS.00211201``, servers busy with a
  job or a power transition 409 ``WKS.00211204``, servers whose ``vm_status`` the action does not start from 409
  ``WKS.00211206``;
* then every server shows the action's transitional ``vm_status``/``task_status`` for ``job_duration`` seconds of
  the simulator's clock and ends in its final state with ``task_status`` null, lazily on the next read
  (``advance``), as jobs do. No job is created (the API answers an empty 200);
* ``fail_next_power`` makes the next transition of a server end in ``ERROR`` or back where it started.

A transition that leaves a server not running (``SHUTOFF``, ``ERROR``) signs its open sessions out at that instant
(so ``session_count`` drops to 0), and a stopped server shows ``status`` ``STOPPED`` until it is started again.
Logons are refused while a server is not running or powering off or on (:meth:`_power_refusal`, used by
:meth:`~simulator.sessions.SessionBook.log_on`). With ``dialect.transitions`` a server shows ``status`` UNREGISTER
while its transition runs and, unless it ends STOPPED, for ``transitions`` seconds after (see :mod:`.jobs`).
"""

import collections

from . import errors
from .errors import ApiError

Transition = collections.namedtuple("Transition", "starts_from running_vm_status task_status end_vm_status")

# (action, type) -> the vm_status values it starts from, its vm_status while it runs (None: unchanged), its
# task_status while it runs and the vm_status it ends with. As in ECS (Nova underneath): a stopping server still
# shows ACTIVE, a starting one SHUTOFF; ERROR can be stopped or hard-rebooted, not started or soft-rebooted.
TRANSITIONS = {
    ("start", None): Transition(("SHUTOFF",), None, "powering-on", "ACTIVE"),
    ("stop", "SOFT"): Transition(("ACTIVE", "ERROR"), None, "powering-off", "SHUTOFF"),
    ("stop", "HARD"): Transition(("ACTIVE", "ERROR"), None, "powering-off", "SHUTOFF"),
    ("reboot", "SOFT"): Transition(("ACTIVE",), "REBOOT", "rebooting", "ACTIVE"),
    ("reboot", "HARD"): Transition(("ACTIVE", "ERROR"), "HARD_REBOOT", "rebooting_hard", "ACTIVE"),
}
POWER_ACTIONS = ("start", "stop", "reboot")
# A server with one of these vm_status values is not running: it has no open sessions and takes no logons (BUILD,
# BUILD_FAIL and DELETING: servers being created, failed to be created and being deleted; see :mod:`.lifecycle`).
NOT_RUNNING_VM_STATUSES = ("SHUTOFF", "ERROR", "BUILD", "BUILD_FAIL", "DELETING")
# task_status values of a server that is powering off or on (it takes no logons either).
POWERING_TASK_STATUSES = ("powering-off", "powering-on")
# How a failed transition ends: vm_status ERROR, or back to the vm_status it started from.
POWER_FAILURE_OUTCOMES = ("ERROR", "REVERT")


class PowerControl:
    """Start, stop and reboot, their transitions on the clock and their failures (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ reads for tests

    @property
    def power_actions(self):
        """The power transitions that have ended, oldest first: dicts with ``server_id``, ``action`` (``start``,
        ``stop``, ``reboot``), ``type`` (``SOFT``/``HARD``; None for a start), ``begin_time``, ``end_time``,
        ``result`` (``SUCCESS``/``FAILED``), ``error_code``, ``error_msg`` (None on success) and ``vm_status``
        (the one it ended with)."""
        with self.lock:
            self.advance()
            return list(self._power_actions)

    # ------------------------------------------------------------------ operations (the API's business rules)

    def start(self, server_ids):
        """Start SHUTOFF servers (``batch_start_server``): ``task_status`` powering-on for ``job_duration``, then
        ``vm_status`` ACTIVE (and ``status`` back from STOPPED to what it was before the stop)."""
        self._begin_power("start", server_ids, None)

    def stop(self, server_ids, kind="SOFT"):
        """Stop ACTIVE (or ERROR) servers (``batch_stop_server``; ``kind`` SOFT or HARD): ``task_status``
        powering-off for ``job_duration``, then ``vm_status`` SHUTOFF, ``status`` STOPPED, sessions signed out."""
        self._begin_power("stop", server_ids, kind)

    def reboot(self, server_ids, kind):
        """Reboot servers (``batch_reboot_server``): SOFT (from ACTIVE) shows REBOOT/rebooting, HARD (from ACTIVE
        or ERROR) HARD_REBOOT/rebooting_hard, for ``job_duration``; then ACTIVE. Sessions are kept."""
        self._begin_power("reboot", server_ids, kind)

    def fail_next_power(self, server_ids, action=None, outcome="ERROR", error_code=errors.OPERATION_FAILED[0],
                        error_msg=errors.OPERATION_FAILED[1], times=1):
        """Make the next ``times`` power transitions of each server fail when they end.

        ``action`` limits it to ``start``, ``stop`` or ``reboot`` (None: any). ``outcome`` ``ERROR``: the server
        ends with ``vm_status`` ERROR (not running: its sessions end); ``REVERT``: it goes back to the
        ``vm_status`` it started from (a stop that failed keeps its sessions). Either way ``task_status`` is null
        and ``power_actions`` holds the error.
        """
        if action is not None and action not in POWER_ACTIONS:
            raise ValueError("action must be one of %s or None, got %r" % (", ".join(POWER_ACTIONS), action))
        if outcome not in POWER_FAILURE_OUTCOMES:
            raise ValueError("outcome must be one of %s, got %r" % (", ".join(POWER_FAILURE_OUTCOMES), outcome))
        failure = {"action": action, "outcome": outcome, "error_code": error_code, "error_msg": error_msg}
        self._queue_failures(self._pending_power_failures, server_ids, failure, times)

    # ------------------------------------------------------------------ the machinery

    def _begin_power(self, action, server_ids, kind):
        transition = TRANSITIONS.get((action, kind))
        if transition is None:
            raise ValueError("no %s of type %r" % (action, kind))
        with self.lock:
            self._admit_batch(server_ids)
            wrong = [sid for sid in server_ids if self._servers[sid].get("vm_status") not in transition.starts_from]
            if wrong:
                raise ApiError(409, errors.SERVER_STATE_CONFLICT, "A %s needs vm_status %s; server_id: %s" % (
                    action if kind is None else "%s %s" % (kind, action), " or ".join(transition.starts_from),
                    ", ".join("%s (%s)" % (sid, self._servers[sid].get("vm_status")) for sid in wrong[:3])))
            now = self.clock.monotonic()
            for server_id in server_ids:
                record = self._servers[server_id]
                self._power[server_id] = {
                    "action": action, "type": kind, "vm_status_before": record.get("vm_status"), "begun_at": now,
                    "until": now + max(self.job_duration, 0.0), "failure": self._take_power_failure(server_id, action)}
                record.update(vm_status=transition.running_vm_status or record.get("vm_status"),
                              task_status=transition.task_status, update_time=self.clock.iso(now))
                self._enter_transit(record)  # dialect.transitions: UNREGISTER while it runs

    def _take_power_failure(self, server_id, action):
        """The first pending failure of the server that applies to ``action`` (taken off the queue), or None."""
        queue = self._pending_power_failures.get(server_id) or []
        for index, failure in enumerate(queue):
            if failure["action"] in (None, action):
                del queue[index]
                if not queue:
                    del self._pending_power_failures[server_id]
                return failure
        return None

    def _advance_power(self, now):
        """End the transitions due by ``now``, in time order; the sessions move to each one's instant first, so a
        logoff or drain step due before a stop ends its session when it was due."""
        due = sorted(((entry["until"], server_id) for server_id, entry in self._power.items() if entry["until"] <= now),
                     key=lambda pair: pair[0])  # stable: those due together end in the order they began
        advanced_to = None
        for until, server_id in due:
            if until != advanced_to:
                self._advance_sessions(until)
                advanced_to = until
            self._end_power(server_id, self._power.pop(server_id))

    def _end_power(self, server_id, entry):
        record = self._servers.get(server_id)
        if record is None:
            return
        failure = entry["failure"]
        if failure is None:
            vm_status = TRANSITIONS[(entry["action"], entry["type"])].end_vm_status
        else:
            vm_status = "ERROR" if failure["outcome"] == "ERROR" else entry["vm_status_before"]
        record.update(vm_status=vm_status, task_status=None, update_time=self.clock.iso(entry["until"]))
        transit = self._transit.get(server_id)
        if transit is not None:
            record["status"] = transit["status"]  # what it showed before the transition, for the rules below
        if failure is None and entry["action"] == "stop" and record.get("status") != "STOPPED":
            self._status_before_stop[server_id] = record.get("status")
            record["status"] = "STOPPED"
        elif failure is None and entry["action"] == "start" and record.get("status") == "STOPPED":
            record["status"] = self._status_before_stop.pop(server_id, "REGISTERED")
        if transit is not None:
            if record.get("status") == "STOPPED":
                del self._transit[server_id]  # powered off: no agent to re-register
            else:
                self._leave_transit(record, entry["until"], status=record.get("status"))
        if vm_status in NOT_RUNNING_VM_STATUSES:
            self._sign_out_server(server_id, entry["until"])
        self._power_actions.append({
            "server_id": server_id, "action": entry["action"], "type": entry["type"],
            "begin_time": self.clock.iso(entry["begun_at"]), "end_time": self.clock.iso(entry["until"]),
            "result": "SUCCESS" if failure is None else "FAILED",
            "error_code": failure and failure["error_code"], "error_msg": failure and failure["error_msg"],
            "vm_status": vm_status})

    @staticmethod
    def _power_refusal(record):
        """Why the server's power state refuses a logon (a message with ``%s`` for its id), or None."""
        if record.get("task_status") in POWERING_TASK_STATUSES:
            return "It is %s (server_id: %%s)." % record.get("task_status")
        if record.get("vm_status") in NOT_RUNNING_VM_STATUSES:
            return "It is not running: vm_status %s (server_id: %%s)." % record.get("vm_status")
        return None
