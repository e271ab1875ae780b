# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two repairs of a broken server, reinstall (``app_server_reinstall``) and rejoin-domain
(``app_server_rejoin_domain``): actions, not desired states, so what makes a re-run safe is one rule kept here.

A server record shows only its last job (``job_id``, ``job_type``, ``job_status``, ``update_time``). A target is

* waited for (never submitted again) while it shows a job of the repair's kind running;
* left alone (``none``, unchanged) when its last job is one of the repair's kind that ended SUCCESS less than
  ``skip_succeeded_within`` minutes ago (by the record's ``update_time``, which is at or after the job's end): a
  second run of the same task within that time changes nothing, a run after it repairs again; ``0`` repairs every
  target every run;
* skipped, named with the job, while another job or task runs on it (the service would refuse it);
* submitted otherwise (a last repair that failed is repaired again).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    ACTIVE_JOB_STATUSES, succeeded_lately)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import in_range
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    SUBMITTED, SUCCEEDED, WAITED, Operation, PlanItem)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import task_running

# Minutes after a repair of a server succeeded that a run leaves it alone (skip_succeeded_within's default).
RECENT_MINUTES = 60
# The longest skip_succeeded_within (a week).
MAX_RECENT_MINUTES = 7 * 24 * 60


class Repair(Operation):
    """A repair (its ``kind`` a :class:`~.jobs.JobKind`): the plan of the module docstring, the result's words.

    A subclass declares ``kind``, ``send``, ``field`` (the name of the before/after key that shows its last
    repair), ``doing`` (``reinstall the operating system of``), ``done`` (``reinstalled the operating system of``)
    and may add ``after_fields`` (what a repair does, for ``--diff``) and ``consequence`` (a clause for the
    headline)."""

    options = dict(skip_succeeded_within=dict(type="int", default=RECENT_MINUTES))
    rules = (in_range("skip_succeeded_within", 0, MAX_RECENT_MINUTES, "minutes"),)
    unverified = ("a repair changes nothing a server record shows but its last job, which the wait has read: the "
                  "job's outcome is the proof")
    field = None
    doing = None
    done = None
    after_fields = {}
    consequence = ""

    def last_repair(self, record):
        """What the record shows of the server's last repair of this kind: its job status and the record's
        ``update_time`` (``SUCCESS at 2026-...``), or None when its last job is of another kind (or none)."""
        if record.get("job_type") != self.kind.job_type or not record.get("job_id"):
            return None
        if self.kind.running(record):
            return "%s (job %s)" % (record.get("job_status") or "RUNNING", record["job_id"])
        return "%s at %s (job %s)" % (record.get("job_status"), record.get("update_time"), record["job_id"])

    def plan_server(self, server):
        before = {self.field: self.last_repair(server)}
        after = dict(self.after_fields, **{self.field: "SUCCESS"})
        if self.kind.running(server):
            return PlanItem(server, "wait", before, after, job_id=server["job_id"])
        minutes = self.params["skip_succeeded_within"]
        if minutes and succeeded_lately(server, self.kind.job_type, within=minutes * 60.0):
            return PlanItem(server, "none", before)
        if server.get("job_status") in ACTIVE_JOB_STATUSES:
            return PlanItem(server, "skip", before, note="a %s job (%s) is running on this server; re-run when it has "
                            "finished" % (server.get("job_type"), server.get("job_id")))
        if task_running(server):
            return PlanItem(server, "skip", before, note="task %s is running on this server; re-run when it has "
                            "finished" % task_running(server))
        return PlanItem(server, "submit", before, after)

    def conclude(self, outcome):
        waited = outcome.count(lambda r: r.action == WAITED)
        if self.check_mode:
            count = outcome.count(lambda r: r.action == SUBMITTED)
            headline = "will %s %d server(s)%s (check mode, nothing submitted)" % (self.doing, count, self.consequence)
            if count and self.disrupts:
                self.warn(headline)
            waited_text = "will wait for %d server(s) already being repaired"
        elif self.params["wait"]:
            count = outcome.count(lambda r: r.action == SUBMITTED and r.status == SUCCEEDED)
            headline = "%s %d server(s)%s" % (self.done, count, self.consequence)
            waited_text = "waited for %d server(s) already being repaired"
        else:
            count = outcome.count(lambda r: r.action == SUBMITTED and bool(r.job_id))
            headline = "started to %s %d server(s)%s (not waited for)" % (self.doing, count, self.consequence)
            waited_text = "%d server(s) already being repaired (not waited for)"
        parts = ([headline] if count else []) + ([waited_text % waited] if waited else [])
        if not parts:
            return
        outcome.headline = "; ".join(parts)
        outcome.headline_in_diff = True
