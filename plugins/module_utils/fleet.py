# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A server group's size as desired state: servers created from the group's own settings, surplus ones deleted.

:class:`Fleet` is an :class:`~.operation.Operation` on one group (``group_targets``). Planning counts the group's
servers (those being deleted do not count), then

* for a shortfall adds stand-ins (:func:`~.operation.new_server`) sent as ``create_app_servers`` calls of at most
  :data:`CREATE_PER_CALL` (``subscription_num``), each a ``CREATE_SERVER`` job whose sub jobs name the servers it
  made (:meth:`Fleet.adopt` gives them the stand-ins' reports);
* for a surplus picks the servers to delete (:func:`deletion_order`: broken ones, then those in maintenance mode,
  then those without sessions, the newest first) and refuses, before anything is sent, a plan that would delete a
  server with sessions unless ``force`` (delete anyway) or ``drain`` (log its users off first, waited for under the
  run's deadline: :meth:`Fleet.before_submit`); deletes go in ``batch_delete_server`` calls of ``batch_size``. A
  delete answered 200 without a job id (what the service answers for servers that are gone already) is done: its
  servers are re-read once at the end, and one still listed fails.

Jobs already running on the group (an earlier run with ``wait: false``) are waited for, never sent again. After the
jobs, new servers are waited for until they show ``REGISTERED``; the group's list is read once to verify.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.disruption import DELETED
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    ACTIVE_JOB_STATUSES, FAILED, SUCCEEDED, JobKind, JobWaiter, StateWaiter, Submission)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import (
    at_least, at_most_characters, in_range, not_blank, operation_params)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PROGRESS_FILE_ENV, SUBMITTED, WAITED, Operation, PlanItem, ProgressLines, Rollout, batches, new_server,
    server_label)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import land_one
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import host_addresses, show_group_or_fail, task_running
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import (
    LOGOFF_MAX_SESSIONS, MAX_DELAY_TIME, MAX_MESSAGE_LENGTH, MESSAGE_TYPES, OPEN_STATES, EmptyServers, SessionReader)

CREATE_JOB = "CREATE_SERVER"
DELETE_JOB = "DELETE_SERVER"
# Servers one create_app_servers call asks for (subscription_num): the API documents no maximum; 50 is what the
# service is known to take (the simulator refuses more).
CREATE_PER_CALL = 50
MAINTENANCE_PER_CALL = 20
# A server in one of these cannot serve users and goes first when the group shrinks.
BROKEN_VM_STATUSES = ("ERROR", "BUILD_FAIL")
REGISTERED = "REGISTERED"
PRESENT = "present"
ABSENT = "absent"
NAMED = 5  # servers a refusal names


def deleting(server):
    """Whether a server is on its way out (it no longer counts as one of the group's)."""
    return server.get("vm_status") == "DELETING" or server.get("task_status") == "deleting" or (
        server.get("job_type") == DELETE_JOB and server.get("job_status") in ACTIVE_JOB_STATUSES)


def running_job(server, job_type):
    """The id of a job of ``job_type`` running on the server, or None."""
    if server.get("job_type") == job_type and server.get("job_status") in ACTIVE_JOB_STATUSES:
        return server.get("job_id")
    return None


def sessions_of(server):
    return server.get("session_count") or 0


def busy(server):
    """Whether the server runs a task (a job, a power change) and cannot be deleted now. A ``task_status`` telling
    how the last task ended (``upgrad_access_agent_success``, ``rebuild_fail``, ...) is not a running task."""
    return bool(task_running(server)) or server.get("job_status") in ACTIVE_JOB_STATUSES


def deletion_order(servers):
    """``servers`` in the order a shrinking group gives them up: broken first (``ERROR``, ``BUILD_FAIL``), then in
    maintenance mode, then without sessions, and within each the newest first (then by id, for a stable plan)."""
    def key(server):
        return (server.get("vm_status") not in BROKEN_VM_STATUSES, not server.get("maintain_status"),
                sessions_of(server) > 0, _descending(server.get("create_time") or ""), server["id"])
    return sorted(servers, key=key)


def _descending(text):
    return tuple(-ord(char) for char in text)


def observe(record):
    """A server's state as the fleet plans it: present (with its ``status`` and open sessions) or absent."""
    if record is None:
        return dict(state=ABSENT)
    return dict(state=PRESENT, status=record.get("status"), vm_status=record.get("vm_status"),
                sessions=sessions_of(record))


def vpc_of(servers):
    """The VPC the group's servers are in (their addresses name it), or None."""
    for server in servers:
        for address in host_addresses(server):
            if address.get("vpc_id"):
                return address["vpc_id"]
        vpc_id = (server.get("metadata") or {}).get("vpc_id")
        if vpc_id:
            return vpc_id
    return None


def force_or_drain(params):
    if params.get("force") and params.get("drain"):
        raise TargetError("force and drain: set one of them (force deletes servers with their sessions, drain logs "
                          "their users off first)")


class DeleteKind(JobKind):
    """Deletion jobs: after a lost response or a 409, a server no longer listed was deleted."""

    def recovered(self, item, record, exc, operation):
        if not record:
            return Submission(applied=True)
        return super(DeleteKind, self).recovered(item, record, exc, operation)


class Fleet(Operation):
    """A group holds ``count`` servers."""

    kind = DeleteKind(DELETE_JOB, "deleting", waiter_class=JobWaiter)
    group_targets = True
    options = dict(
        count=dict(type="int", required=True),
        availability_zone=dict(type="str"),
        update_access_agent=dict(type="bool"),
        vpc_id=dict(type="str"),
        force=dict(type="bool", default=False),
        drain=dict(type="bool", default=False),
        drain_message=dict(type="str", aliases=["message_text"]),  # app_session_logoff's names
        drain_delay=dict(type="int", default=60, aliases=["delay_time"]),
    )
    rules = (at_least("count", 0), force_or_drain, not_blank("availability_zone"), not_blank("vpc_id"), not_blank("drain_message"),
             at_most_characters("drain_message", MAX_MESSAGE_LENGTH), in_range("drain_delay", 0, MAX_DELAY_TIME, "seconds"))

    def __init__(self, module):
        super(Fleet, self).__init__(module)
        self.group = None
        self.members = []  # the group's servers that count (not being deleted)
        self.to_delete = set()
        self.to_create = 0
        self.create_body = None
        self.create_jobs = []

    # -- planning ----------------------------------------------------------------
    def find_targets(self):
        group_id = self.context.group_id
        self.group = self.context.group or show_group_or_fail(self.client, group_id)
        return api.list_servers(self.client, server_group_id=group_id)

    def prepare(self, servers):
        self.members = [server for server in servers if not deleting(server)]
        surplus = len(self.members) - self.params["count"]
        if surplus < 0:
            self.to_create = -surplus
            self.create_body = self.creation(servers)
            self.check_quota()
        elif surplus > 0:
            self.to_delete = set(server["id"] for server in self.choose(surplus))

    def choose(self, surplus):
        """The ``surplus`` servers to delete; a plan that cannot be met fails here, before anything is sent."""
        free = [server for server in self.members if not busy(server)]
        if len(free) < surplus:
            held = [server for server in self.members if busy(server)]
            raise TargetError("count: %d means deleting %d of the group's %d server(s), but only %d can be deleted now: "
                              "%s %s busy with a task (%s); re-run when it has finished" % (
                                  self.params["count"], surplus, len(self.members), len(free), len(held),
                                  "is" if len(held) == 1 else "are", describe(held, task=True)))
        chosen = deletion_order(free)[:surplus]
        occupied = [server for server in chosen if sessions_of(server) > 0]
        if occupied and not (self.params["force"] or self.params["drain"]):
            raise TargetError(
                "count: %d means deleting %d server(s), and %d of them still %s sessions (%s): nothing was deleted. "
                "Set drain: true to log their users off first, force: true to delete them with their sessions, or "
                "drain them yourself (app_server_maintenance, app_session_logoff) and re-run" % (
                    self.params["count"], surplus, len(occupied), "has" if len(occupied) == 1 else "have",
                    describe(occupied, sessions=True)))
        return chosen

    def creation(self, servers):
        """The CreateAppServerReq fields of new servers, from the group's settings (``subscription_num`` apart)."""
        group, product = self.group, self.group.get("product_info") or {}
        flavors = [flavor.get("id") for flavor in group.get("flavors") or [] if flavor.get("id")]
        vpc_id = self.params["vpc_id"] or group.get("vpc_id") or vpc_of(servers)
        body = dict(type="createApps", server_group_id=group["id"],
                    product_id=group.get("product_id") or product.get("product_id"),
                    flavor_id=product.get("flavor_id") or (flavors[0] if flavors else None),
                    os_type=group.get("os_type"), subnet_id=group.get("subnet_id"), vpc_id=vpc_id,
                    availability_zone=self.params["availability_zone"],
                    update_access_agent=self.params["update_access_agent"],
                    ou_name=group.get("ou_name") or None)
        if group.get("system_disk_type") and group.get("system_disk_size"):
            body["root_volume"] = dict(type=group["system_disk_type"], size=group["system_disk_size"])
        missing = [name for name, value in (("vpc_id", vpc_id), ("product_id", body["product_id"]),
                                            ("subnet_id", body["subnet_id"]), ("root_volume", body.get("root_volume")))
                   if not value]
        if missing:
            raise TargetError(
                "count: creating %d server(s) takes the group's settings, but %s cannot tell %s%s" % (
                    self.to_create, label_of(group), ", ".join(missing),
                    "; set vpc_id (the group has no server to take it from)" if "vpc_id" in missing else ""))
        return dict((key, value) for key, value in body.items() if value is not None)

    def check_quota(self):
        """The tenant's quota for the servers to create (``GET …/check/quota``), read in planning: a scale-out that
        cannot fit fails here, before any create (and in check mode alike), naming what is short. A quota read the
        service refuses is a warning (not every region may offer it), and the create's own answer decides."""
        try:
            answer = quota_check(self.client, self.create_body, self.to_create)
        except ApiError as exc:
            self.warn("count: the tenant's quota could not be read before creating %d server(s) (%s); creating them "
                      "anyway" % (self.to_create, exc.message))
            return
        short = quota_shortfall(answer)
        if short:
            raise TargetError("count: %d means creating %d server(s) in %s, but the tenant's quota is short: %s; "
                              "nothing was created. Raise the quota or ask for fewer servers"
                              % (self.params["count"], self.to_create, label_of(self.group), short))

    def plan_server(self, server):
        before = observe(server)
        for job_type, after in ((DELETE_JOB, dict(state=ABSENT)), (CREATE_JOB, dict(state=PRESENT, status=REGISTERED))):
            job_id = running_job(server, job_type)
            if job_id:
                return PlanItem(server, "wait", before, after, job_id=job_id)
        if deleting(server):
            return PlanItem(server, "skip", before, note="being deleted (task %s)" % server.get("task_status"))
        if server["id"] in self.to_delete:
            return PlanItem(server, "submit", before, dict(state=ABSENT), batch_key="delete")
        return PlanItem(server, "none", before)

    def plan_new(self):
        return [PlanItem(new_server(number), "submit", dict(state=ABSENT), dict(state=PRESENT, status=REGISTERED),
                         batch_key="create") for number in range(1, self.to_create + 1)]

    def batch_limit(self, batch_key):
        return CREATE_PER_CALL if batch_key == "create" else self.params["batch_size"]

    def disruption(self, item):
        """A server deleted goes away, with the sessions on it (cut off with force, logged off first with drain)."""
        return DELETED if item.action == "submit" and item.batch_key == "delete" else None

    # -- sending -------------------------------------------------------------------
    def send(self, items):
        if items[0].batch_key == "create":
            job_id = self.send_create(len(items))
            if job_id:
                self.create_jobs.append(job_id)
            return dict((item.server_id, Submission(job_id=job_id, error_msg=None if job_id else
                                                    "the service answered no job (a yearly/monthly order?)"))
                        for item in items)
        job_id = api.batch_delete_server(self.client, [item.server_id for item in items])
        # The service answers a delete of servers that are gone already with 200 and no job id: they are gone, not
        # "no job" (a failure) nor anything to wait for; the final re-read (read_after, reached) proves them absent
        # and fails any it still lists.
        return dict((item.server_id, Submission(job_id=job_id) if job_id else Submission(applied=True))
                    for item in items)

    def send_create(self, number):
        """One create call for ``number`` servers; its job id. When the answer is lost or a server error, the
        group's list tells: servers of a create job this run has not seen are that call's (its job is ours),
        and with none the call was not applied and is sent again (up to ``max_retries`` times)."""
        def settle(exc):
            made = self.unseen_create_jobs()
            if len(made) > 1:
                raise exc  # several unknown creates: which is ours cannot be told
            if made:
                self.warn("%s; the group shows the servers of create job %s, taken as this call's"
                          % (exc.message, made[0]))
                return made[0]
            return None

        # its stand-ins have no records for the engine to re-read: the create lands itself (a failure is final)
        return land_one(lambda: api.create_app_servers(self.client, dict(self.create_body, subscription_num=number)),
                        settle, self.params.get("max_retries"), deadline=self.context.deadline)

    def unseen_create_jobs(self):
        """Create jobs running on the group's servers that neither planning nor this run's calls know."""
        known = set(self.context.targets)
        jobs = set()
        for record in api.list_servers(self.client, server_group_id=self.group["id"]):
            job_id = record.get("job_id")
            if record["id"] not in known and record.get("job_type") == CREATE_JOB and job_id not in self.create_jobs:
                jobs.add(job_id)
        return sorted(jobs)

    def before_submit(self, items, deadline):
        occupied = [item for item in items if item.batch_key == "delete" and sessions_of(item.server) > 0]
        if not (occupied and self.params["drain"]):
            return items
        undrained = self.drain([item.server for item in occupied], deadline)
        return [item for item in items if item.server_id not in undrained]

    def drain(self, servers, deadline):
        """Maintenance mode on, the users logged off (``drain_message``, ``drain_delay``), and waited for until the
        servers are empty; returns the ids of those still holding sessions at the deadline (failed, not deleted)."""
        ids = [server["id"] for server in servers]
        progress = self.context.progress
        entering = [server["id"] for server in servers if not server.get("maintain_status")]
        for chunk in batches(entering, MAINTENANCE_PER_CALL):
            api.batch_change_server_maintain_mode(self.client, chunk, True)
        reader = SessionReader(self.client, list(self.context.targets.values()), states=OPEN_STATES)
        sessions = [session for found in reader.read(ids).values() for session in found]
        for chunk in batches([session["id"] for session in sessions], LOGOFF_MAX_SESSIONS):
            api.logoff_user_session(self.client, chunk, MESSAGE_TYPES["warning"], self.params["drain_delay"],
                                    message=self.params["drain_message"])
        progress.append("drain: %d server(s) in maintenance mode, %d session(s) logged off (in %ss)" % (
            len(ids), len(sessions), self.params["drain_delay"]))
        if not sessions:
            return set()
        empty = EmptyServers(reader)
        waiter = StateWaiter(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                             progress=progress.append, servers=servers, observed=empty)
        outcomes = waiter.wait_for(ids, deadline=deadline, fresh=True)
        still = set(sid for sid, outcome in outcomes.items() if outcome.status != SUCCEEDED)
        for server_id in still:
            left = list(empty.last.get(server_id) or [])
            self.context.report(server_id).fail(None, "not deleted: %d session(s) still open after draining (%s)" % (
                len(left), ", ".join(sorted(s.get("login_user") or s.get("id") for s in left)) or "unknown"))
        return still

    # -- after the jobs ------------------------------------------------------------
    def adopt(self, results):
        """Give the stand-ins of each create job the servers its sub jobs name, with their own outcomes; stand-ins
        a finished job names no server for take the job's outcome."""
        for job_id in self.create_jobs:
            result = results.get(job_id)
            if result is None:
                continue
            stand_ins = sorted(key for key, report in self.context.reports()
                               if report.id is None and report.job_id == job_id)
            names = dict(((sub.get("job_resource_info") or {}).get("resource_id"),
                          (sub.get("job_resource_info") or {}).get("resource_name"))
                         for sub in (result.detail or {}).get("sub_jobs") or [])
            made = list(result.servers.items())
            for stand_in, (server_id, outcome) in zip(stand_ins, made):
                report = self.context.adopt(stand_in, dict(id=server_id, name=names.get(server_id)))
                if outcome.status == FAILED:
                    report.fail(outcome.error_code, outcome.error_msg)
                    report.after = dict(state=PRESENT)
                else:
                    report.status = outcome.status
            for stand_in in stand_ins[len(made):]:
                report = self.context.report(stand_in)
                if result.finished and result.status != "SUCCESS":
                    report.fail(None, "job %s ended %s and names no server created for this one"
                                % (job_id, result.status))
                elif result.finished:
                    report.fail(None, "job %s succeeded but names no server created for this one; re-run the task "
                                "(it counts the group again)" % job_id)

    def reached(self, planned, after):
        return after.get("state") == planned.get("state") and planned.get("status") in (None, after.get("status"))

    def read_after(self, server_ids):
        states = self.read_group(server_ids)
        waiting = [sid for sid in server_ids if states[sid]["state"] == PRESENT and states[sid]["status"] != REGISTERED
                   and self.context.report(sid).after.get("status") == REGISTERED]
        if waiting and self.context.deadline:
            states.update(self.await_registration(waiting))
        return states

    def read_group(self, server_ids):
        records = dict((r["id"], r) for r in api.list_servers(self.client, server_group_id=self.group["id"]))
        self.extra_result["count"] = len([r for r in records.values() if not deleting(r)])
        return dict((sid, observe(records.get(sid))) for sid in server_ids)

    def await_registration(self, server_ids):
        """New servers whose job succeeded are waited for (same deadline) until they show REGISTERED."""
        probe = Registration(self)
        waiter = StateWaiter(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                             progress=self.context.progress.append, observed=probe)
        waiter.wait_for(server_ids, deadline=self.context.deadline, fresh=True)
        return probe.states

    def conclude(self, outcome):
        before = len(self.members)
        sent = [r for r in outcome.reports.values() if r.action == SUBMITTED]
        created = [r for r in sent if r.before.get("state") == ABSENT]
        deleted = [r for r in sent if r.before.get("state") == PRESENT]
        if self.check_mode:
            outcome.extra["count"] = self.params["count"]
        elif "count" not in outcome.extra and sent:
            # nothing was re-read (no change succeeded: not waited for, or failed): what the group holds now is read
            # once, servers being created or that failed to build included
            try:
                self.read_group([])
                outcome.extra["count"] = self.extra_result["count"]
            except ApiError as exc:
                self.warn("the group could not be read again after the run (%s); count is computed" % exc.message)
        outcome.extra.setdefault("count", before + len([r for r in created if r.status == SUCCEEDED])
                                 - len([r for r in deleted if r.status == SUCCEEDED]))
        outcome.extra.update(
            count_before=before,
            created=sorted(r.id for r in created if r.id and r.status != FAILED),
            deleted=sorted(r.id for r in deleted if r.status != FAILED))
        for report in outcome.reports.values():
            if report.action == SUBMITTED and report.status == FAILED and report.id is None \
                    and self.context.maybe_applied:
                report.error_msg += "; servers may have been created: re-run the task, it counts the group again"
        where = label_of(self.group)
        if self.check_mode:
            outcome.headline = "would %s in %s (%d -> %d; check mode, nothing sent)" % (
                changes_text(len(created), len(deleted)), where, before, self.params["count"])
        elif not created and not deleted:
            outcome.headline = "%s holds %d server(s) as asked%s" % (
                where, before, "" if not outcome.count(lambda r: r.action == WAITED) else
                " (jobs of an earlier run waited for)")
        else:
            done = [r for r in created + deleted if r.status == SUCCEEDED]
            outcome.headline = "%s in %s (%d -> %d)%s" % (
                changes_text(len([r for r in created if r in done]), len([r for r in deleted if r in done]),
                             past=True) if done else "no change done yet",
                where, before, outcome.extra["count"],
                "" if len(done) == len(created + deleted) else
                "; %d of %d change(s) not done" % (len(created + deleted) - len(done), len(created + deleted)))
        unwanted = [r for r in outcome.reports.values() if r.action == "none" and
                    (r.before or {}).get("vm_status") in BROKEN_VM_STATUSES]
        if unwanted:
            self.warn("%d server(s) of the group count towards count but cannot serve users (%s); a lower count "
                      "deletes them first" % (len(unwanted), ", ".join(sorted("%s: %s" % (
                          r.label, r.before["vm_status"]) for r in unwanted))))


class Registration:
    """A waiter's state read (``cost``, ``read``) for new servers: those the group's list shows REGISTERED."""

    def __init__(self, fleet):
        self.fleet = fleet
        self.states = {}

    def cost(self, server_ids):
        return 1

    def read(self, server_ids):
        self.states = self.fleet.read_group(server_ids)
        return dict((sid, state) for sid, state in self.states.items() if state.get("status") == REGISTERED)


def changes_text(created, deleted, past=False):
    parts = []
    if created:
        parts.append("%s %d server(s)" % ("created" if past else "create", created))
    if deleted:
        parts.append("%s %d server(s)" % ("deleted" if past else "delete", deleted))
    return " and ".join(parts) or ("changed nothing" if past else "change nothing")


def quota_check(client, create_body, number):
    """The quota check of a create of ``number`` servers as ``create_body`` (CreateAppServerReq fields) describes
    them: one ``GET …/check/quota``."""
    root = create_body.get("root_volume") or {}
    return api.check_quota(client, product_id=create_body.get("product_id"), flavor_id=create_body.get("flavor_id"),
                           subscription_num=number, disk_size=root.get("size"), disk_num=1 if root else None,
                           is_period=False)


def quota_shortfall(answer):
    """What a quota check (CheckQuotaResponse) says is short, as text (``INSTANCES: needed 5, remaining 3``); empty
    when it is enough. ``is_enough: false`` with no resource short names every resource the answer lists."""
    rows = [row for row in answer.get("quota_remainder") or [] if isinstance(row, dict)]
    short = [row for row in rows if row.get("need") is not None and row.get("remainder") is not None
             and int(row["need"]) > int(row["remainder"])]
    if not short and answer.get("is_enough") is not False:
        return ""
    return "; ".join("%s: needed %s, remaining %s" % (row.get("type"), row.get("need"), row.get("remainder"))
                     for row in short or rows) or "the service answered is_enough false"


def label_of(group):
    return "group %s" % server_label(group.get("id"), group.get("name"))


def describe(servers, sessions=False, task=False):
    """``web-01 (id): 2 session(s), ...`` for a refusal, the first :data:`NAMED` of them."""
    parts = []
    for server in servers[:NAMED]:
        detail = "%d session(s)" % sessions_of(server) if sessions else "task %s" % (
            task_running(server) or server.get("job_type"))
        parts.append("%s: %s" % (server_label(server["id"], server.get("name")), detail))
    return "; ".join(parts) + ("; ..." if len(servers) > NAMED else "")


class Scope:
    """What an :class:`~.operation.Operation` reads of its module (``params``, ``client``, ``check_mode``), for a
    fleet run inside another module."""

    def __init__(self, module, params):
        self.params = params
        self.client = module.client
        self.check_mode = module.check_mode


def empty_group(module, group, wait_timeout, poll_interval):
    """Delete every server of ``group`` (a detail record), sessions or not, and wait: the fleet at ``count: 0`` with
    ``force``, for ``module`` (app_server_group ``state: absent`` with ``force``). Its parameters are the fleet
    module's own (defaults and value rules). Returns the :class:`Outcome`."""
    params = operation_params(Fleet, module, server_group_id=group["id"], batch_size=MAINTENANCE_PER_CALL, count=0,
                              force=True, wait_timeout=wait_timeout, poll_interval=poll_interval)
    # live at -v, as the fleet's own lines (plugins/action/app_server_group.py)
    return Rollout(Fleet(Scope(module, params)), ProgressLines(os.environ.get(PROGRESS_FILE_ENV)), group=group).run()
