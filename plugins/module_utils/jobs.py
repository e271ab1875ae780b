# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for many asynchronous jobs under one deadline.

:class:`Waiter` holds what every strategy shares: one deadline on a
monotonic clock, polling rounds, progress lines and :class:`WaitTimeout`.
A strategy only says how one round reads the jobs:

* :class:`JobWaiter`: a batch job carries one sub job per server and its
  detail (``GET /v2/{project_id}/job/{job_id}``) tells every server's outcome
  in one request, so a round costs one request per *unfinished* job, never
  one per server.
* :class:`ServerListWaiter`, for jobs started one per server (image change):
  every server record of ``GET …/app-servers`` shows the server's last job
  (``job_id``, ``job_status``), so a round reads the servers still waited for
  in pages of 100 (:class:`ServerReader`) instead of one job per server.
* :class:`BatchJobWaiter`, for batch jobs (HDA upgrade, TSVI): each round
  takes whichever of the two costs fewer requests (3 jobs of 60 servers: 3
  job reads; 50 jobs of 1,000 servers in one group: 10 list pages), and
  keeps to job details once the server list shows other job ids than the
  batch jobs'.

Every strategy keeps to one polling budget: a round is delayed beyond
``poll_interval`` when it would take the requests sent within any
``BUDGET_WINDOW`` seconds above ``BUDGET_REQUESTS`` (long waits on large
fleets poll less often instead of hammering a throttled API).

"Finished" is not "succeeded": a job that ends ``SUCCESS`` may still hold
sub jobs that ended ``ABNORMAL`` or were rolled back; only a sub job that
ended ``SUCCESS`` counts as success for its server.

Jobs live on one of two endpoints (:data:`JOB_ENDPOINTS`): server jobs
(:data:`SERVER_JOBS`, ``GET /v2/{project_id}/job/{job_id}``) and image server
jobs (:data:`IMAGE_JOBS`, ``GET /v1/{project_id}/image-server-jobs/{job_id}``:
image server create, image build, image server delete). Both ids are 18-digit
numbers, so an id does not tell its endpoint: the job kind does
(:attr:`JobKind.endpoint`), and every waiter reads its jobs through
:meth:`Waiter.read_job` on the endpoint it was given, under the same deadline,
polling budget and status rules. An image job's sub jobs name the resource
they act on or made (``job_resource_info.resource_id``: an image server, or
the image a build made); :func:`created_resource_id` reads the one a create
or build made. An image job names no server before it is sent, so it is
waited for with no server ids: ``JobWaiter(client, timeout, poll_interval,
endpoint=IMAGE_JOBS).wait({job_id: []})``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

from collections import namedtuple

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import (
    CONTESTED_STATUSES, settled_by_state, uncertain)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (
    SERVER_STATUSES, ServerReader, task_running)

# The endpoints jobs are read from (JobKind.endpoint, Waiter's ``endpoint``) -> the api function that reads one job:
# server jobs (``/v2/{project_id}/job/{id}``), image server jobs (``/v1/{project_id}/image-server-jobs/{id}``).
SERVER_JOBS = "server"
IMAGE_JOBS = "image"
JOB_ENDPOINTS = {SERVER_JOBS: "show_job_detail", IMAGE_JOBS: "show_image_job"}


def read_job(client, job_id, endpoint=SERVER_JOBS):
    """A job's detail (with its sub jobs) from its endpoint (:data:`SERVER_JOBS` or :data:`IMAGE_JOBS`)."""
    return getattr(api, JOB_ENDPOINTS[endpoint])(client, job_id) or {}


def sub_job_error(sub):
    """``(error_code, error_message)`` of a sub job: a server job's sub job carries them itself, an image job's in
    ``job_execute_info``; empty values are None."""
    execute = sub.get("job_execute_info")
    execute = execute if isinstance(execute, dict) else {}
    return (sub.get("error_code") or execute.get("error_code") or None,
            sub.get("error_message") or execute.get("error_message") or None)


def created_resource_id(detail):
    """The id of what a job created (an image server create: the image server; an image build: the image): its
    first sub job's ``job_resource_info.resource_id`` (Terraform reads ``sub_jobs|[0].job_resource_info.resource_id``
    after the job succeeded), or None while the job does not name one."""
    subs = (detail or {}).get("sub_jobs") or []
    resource = subs[0].get("job_resource_info") if subs and isinstance(subs[0], dict) else None
    return (resource if isinstance(resource, dict) else {}).get("resource_id") or None


# A job or sub job in one of these statuses is still going.
ACTIVE_JOB_STATUSES = frozenset(["WAITING", "RUNNING"])
# Every status a job (JobStatus) or sub job (JobDetailStatus) ends in. ABNORMAL, ROLLBACK and ABORTING end a job as
# surely as FAILED does: a wait that knew only SUCCESS and FAILED ran to its deadline on them.
SUB_JOB_FAILED = frozenset(["FAILED", "ABNORMAL", "ROLLBACK", "ABORTING"])
JOB_TERMINAL = frozenset(["SUCCESS"]) | SUB_JOB_FAILED
# Every status a job or sub job may show that this collection knows. Any other value (a status the service added,
# or one it never documented) is treated as still running until the deadline, with a warning naming it: never as
# success, and never as the end of a wait.
KNOWN_JOB_STATUSES = ACTIVE_JOB_STATUSES | JOB_TERMINAL

# -- servers in transition -----------------------------------------------------------------------------------------
#
# While a server is rebuilt, reinstalled or powered, its ``status`` leaves REGISTERED, and after the job ends the
# access agent takes a while to register again (Terraform waits for REGISTERED, STOPPED, FREEZE or NONE after such
# jobs). A module that needs the server REGISTERED waits for that rather than skip or fail it.

# vm_status values of a server whose VM is changing by itself (AppServerStatus).
TRANSITIONAL_VM_STATUSES = frozenset(["BUILD", "REBUILD", "REBOOT", "HARD_REBOOT", "RESIZE", "MIGRATING"])
# Seconds after its record last changed that an UNREGISTER server whose last job rebuilt or restarted it counts as
# re-registering (the agent is offline for a while after such a job); an older UNREGISTER, or one with no such job,
# is an agent that is down.
REREGISTER_GRACE = 600.0
# Jobs after which the access agent registers again (the server was rebuilt, reinstalled, rebooted or created).
REREGISTERING_JOBS = frozenset(["CHANGE_SERVER_IMAGE", "REINSTALL_OS", "UPDATE_SERVER_TSVI", "CREATE_SERVER",
                                "REJOIN_DOMAIN", "MIGRATE_SERVER", "RESTORE_SERVER_SNAPSHOT"])
# status values that settle by themselves (the server is not in use, and will not be until someone acts)
SETTLED_STATUSES = frozenset(["REGISTERED", "STOPPED", "FREEZE", "NONE", "MAINTAINING"])


def service_time(text):
    """Seconds since the epoch of a service timestamp (``2026-12-07T15:00:00.123Z``, ``...+00:00`` or none), or
    None when it cannot be read."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        moment = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    rest = text[19:].lstrip("0123456789.")
    if rest[:1] in ("+", "-") and len(rest) >= 6 and rest[1:3].isdigit() and rest[4:6].isdigit():
        offset = int(rest[1:3]) * 3600 + int(rest[4:6]) * 60
        moment -= offset if rest[0] == "+" else -offset
    return moment


# Seconds after a job ended SUCCESS that a server record may still show what it showed before the job (the service's
# records lag behind its jobs: Terraform polls a deleted server until 404 after its job said SUCCESS).
LAG_GRACE = 600.0
# Seconds a change the service refused is read again when the server's last job of that kind succeeded lately (the
# refusal may be "it is there already" while the record lags): a refusal for another reason fails this much later.
REFUSAL_CATCH_UP = 120.0


def succeeded_lately(record, job_type, now=None, within=LAG_GRACE):
    """Whether the server record's last job is a ``job_type`` job that ended SUCCESS less than ``within`` seconds ago
    (LAG_GRACE by default; by the record's ``update_time``, which is at or after the job's end): what the record shows
    may not show that job's change yet, or (the repairs' re-run rule) the server was repaired lately."""
    if record.get("job_type") != job_type or record.get("job_status") != "SUCCESS" or not record.get("job_id"):
        return False
    changed = service_time(record.get("update_time"))
    return changed is not None and (time.time() if now is None else now) - changed < within


def in_transition(record, now=None):
    """Why a server that is not REGISTERED will change by itself soon (words for a progress line), or None when its
    status is settled (REGISTERED, or a status that stays until someone acts: STOPPED, FREEZE, NONE, MAINTAINING, or
    an UNREGISTER that no task, job or VM change explains: its last job did not rebuild or restart it, or ended more
    than REREGISTER_GRACE ago). A status this collection does not know counts as a transition (it may end; the caller
    warns naming it). A power change is seen while it runs (its task); after it, only a job says so."""
    status = record.get("status")
    if status == "REGISTERED":
        return None
    if status not in SERVER_STATUSES:
        return "status %s, a value this collection does not know" % status
    task = task_running(record)
    if task:
        return "status %s, task %s" % (status, task)
    if record.get("job_status") in ACTIVE_JOB_STATUSES:
        return "status %s, %s job %s %s" % (
            status, record.get("job_type"), record.get("job_id"), record.get("job_status"))
    if record.get("vm_status") in TRANSITIONAL_VM_STATUSES:
        return "status %s, vm_status %s" % (status, record.get("vm_status"))
    if status in SETTLED_STATUSES or record.get("job_type") not in REREGISTERING_JOBS:
        return None  # nothing says it is coming back: an agent that is down
    changed = service_time(record.get("update_time"))
    age = (time.time() if now is None else now) - changed if changed is not None else None
    if age is None or age < REREGISTER_GRACE:
        what = ("last changed %ds ago" % max(0, age)) if age is not None else "no time of its last change"
        return "status %s after a %s job, %s: the agent registers again after it" % (status, record["job_type"], what)
    return None


# At most BUDGET_REQUESTS polling requests within any BUDGET_WINDOW seconds.
BUDGET_REQUESTS = 150
BUDGET_WINDOW = 300.0

# A polling round that failed with one of these (after the client's retries) is tried again next round.
PASSING_STATUSES = frozenset([500, 502, 503, 504])
# The key of a wait on state (StateWaiter): the servers it waits for have no job.
STATE = None

SUCCEEDED = "succeeded"
FAILED = "failed"
PENDING = "pending"


class WaitTimeout(Exception):
    """The deadline passed; ``pending`` lists the job ids still running (for a wait on state with no job, the
    servers still waited for)."""

    def __init__(self, timeout, pending, results, message=None):
        self.timeout = timeout
        self.pending = pending
        self.results = results
        super(WaitTimeout, self).__init__(message or (
            "timed out after %ss waiting for job(s) %s; re-run the task to resume waiting for them"
            % (timeout, ", ".join(pending))))


class ServerOutcome(namedtuple("ServerOutcome", "server_id status job_id error_code error_msg sub_job_status")):
    """How one server fared in one job."""

    def __new__(cls, server_id, status, job_id, error_code=None, error_msg=None, sub_job_status=None):
        return super(ServerOutcome, cls).__new__(cls, server_id, status, job_id, error_code, error_msg, sub_job_status)

    def __repr__(self):
        return "ServerOutcome(%s, %s, %s)" % (self.server_id, self.status, self.error_code)


class JobResult:
    """The last seen state of one job and the outcome for each of its servers."""

    def __init__(self, job_id, server_ids):
        self.job_id = job_id
        self.server_ids = list(server_ids)
        self.status = None
        self.finished = False
        self.detail = None
        self.servers = dict((sid, ServerOutcome(sid, PENDING, job_id)) for sid in self.server_ids)
        self.unknown = {}  # (what, value) -> the record that showed it: values this collection does not know

    def update(self, detail):
        self.detail = detail
        self.status = detail.get("status")
        self.finished = self.status in JOB_TERMINAL
        if self.status not in KNOWN_JOB_STATUSES:
            self.unknown[("status", self.status)] = "job %s" % self.job_id
        seen = set()
        for sub in detail.get("sub_jobs") or []:
            server_id = (sub.get("job_resource_info") or {}).get("resource_id")
            status = sub.get("status")
            if status not in KNOWN_JOB_STATUSES:
                # still running as far as anyone can tell: so is the job, whatever it says (also a sub job that names
                # no resource yet, as an image build's before the image exists)
                self.unknown[("sub job status", status)] = "job %s, sub job %s of %s" % (
                    self.job_id, sub.get("id") or "?", "server %s" % server_id if server_id else "no resource yet")
                self.finished = False
            if not server_id:
                continue
            seen.add(server_id)
            self.servers[server_id] = self._outcome(server_id, status, *sub_job_error(sub))
        if self.finished:
            # Servers the job does not list as sub jobs take the job's own outcome.
            for server_id in self.servers:
                if server_id not in seen:
                    self.servers[server_id] = self._outcome(server_id, self.status, None, None)

    def _outcome(self, server_id, status, error_code, error_msg):
        if status == "SUCCESS":
            return ServerOutcome(server_id, SUCCEEDED, self.job_id, sub_job_status=status)
        if status in SUB_JOB_FAILED or (self.finished and status in KNOWN_JOB_STATUSES):
            # A sub job still WAITING/RUNNING inside a finished job never completed: it failed.
            return ServerOutcome(server_id, FAILED, self.job_id, error_code or None,
                                 error_msg or "job %s ended with status %s" % (self.job_id, status),
                                 sub_job_status=status)
        return ServerOutcome(server_id, PENDING, self.job_id, sub_job_status=status)

    def settle(self, server_id, status, error_code=None, error_msg=None, sub_job_status=None):
        """Record one server's final outcome learnt elsewhere (its server record).

        The job is finished once every server of it is; it then counts as
        ``FAILED`` when any of them failed, as the service reports a batch.
        """
        self.servers[server_id] = ServerOutcome(server_id, status, self.job_id, error_code, error_msg,
                                                sub_job_status=sub_job_status)
        if all(outcome.status != PENDING for outcome in self.servers.values()):
            self.finished = True
            self.status = "FAILED" if any(o.status == FAILED for o in self.servers.values()) else "SUCCESS"


class JobKind:
    """What an operation that starts jobs declares: the job type, and the task status a server shows meanwhile.

    The one rule for "is a job of this kind running on this server?" (:meth:`running`), and what a server
    record says of a batch whose answer was lost or refused with 409 (:meth:`recovered`).
    """

    synchronous = False
    reports_jobs = True  # the result names the jobs (``jobs``, each server's ``job_id``)

    def __init__(self, job_type, running_task, waiter_class=None, settles_by_state=False, endpoint=SERVER_JOBS):
        if endpoint not in JOB_ENDPOINTS:
            raise ValueError("endpoint must be one of %s, got %r" % (", ".join(sorted(JOB_ENDPOINTS)), endpoint))
        self.job_type = job_type
        self.running_task = running_task
        # where its jobs are read (SERVER_JOBS or IMAGE_JOBS); image jobs show on no server record, so they are read
        # from their detail only (JobWaiter)
        self.endpoint = endpoint
        self.waiter_class = waiter_class or (JobWaiter if endpoint == IMAGE_JOBS else BatchJobWaiter)
        # the operation's state read (read_states) shows the change applied: the waiter may settle servers by it,
        # and what it read is the final state (an HDA upgrade: the access agent list shows the version)
        self.settles_by_state = settles_by_state

    def running(self, record):
        """Whether a server record shows a job of this kind in progress (with its id)."""
        return bool(record.get("job_id")) and (
            (self.running_task is not None and record.get("task_status") == self.running_task)
            or (record.get("job_type") == self.job_type and record.get("job_status") in ACTIVE_JOB_STATUSES))

    # which failed submissions the servers' records settle: lost, 5xx, throttled, 409 (:func:`~.recovery.land`)
    settles = staticmethod(settled_by_state)

    def recovered(self, item, record, exc, operation):
        """The answer a server's ``record`` gives for ``item`` after ``exc`` (:func:`~.recovery.land`), or None: send
        it again.

        A lost (or 5xx-answered) request that left a new job of this kind on the server was applied: that job is
        ours. A refused or throttled batch (409 or 400, 429) that finds a job of this kind running waits for it; a
        refusal rejects the whole batch, so a server busy with another job or task fails and the rest are sent again
        again (after a 400 that nothing in the records explains, the refusal stands: :meth:`Rollout.submit_batch
        <.operation.Rollout.submit_batch>`). A request that left no new job was not applied.
        """
        new_job = (record.get("job_type") == self.job_type and record.get("job_id")
                   and record["job_id"] != item.server.get("job_id"))
        if uncertain(exc) and new_job:
            return Submission(record["job_id"])
        if not uncertain(exc) and self.running(record):
            return Submission(record["job_id"], waited=True)
        busy = record.get("job_status") in ACTIVE_JOB_STATUSES or task_running(record)
        if exc.status in CONTESTED_STATUSES and busy:
            return Submission(error_code=exc.error_code, error_msg=(
                "a %s job (%s) is running on this server; re-run when it has finished"
                % (record.get("job_type") or task_running(record), record.get("job_id"))))
        return None


class AppliedAtOnce:
    """What an operation the service applies at once declares (no job: e.g. maintenance mode).

    After a lost response or a server error, a server whose record already shows the planned state was changed;
    the others are sent again. A refused batch (409 or any other answer) is not sent again.
    """

    synchronous = True
    reports_jobs = False
    waiter_class = None
    settles_by_state = False
    endpoint = SERVER_JOBS

    @staticmethod
    def settles(exc):
        """A refused batch (409 or any other answer) fails as it is: only what may have been applied, or was
        throttled, is read again."""
        return uncertain(exc) or exc.throttled

    @staticmethod
    def recovered(item, record, exc, operation):
        """A server whose record shows the planned state was changed; the others are sent again."""
        if record and operation.reached(item.after, operation.observe(record)):
            return Submission(applied=True)
        return None


# What SettlesLater.recovered answers for a server whose record cannot tell whether a call whose answer was lost
# reached it, when the operation's state shows an accepted change within a known time: read it that long
# (Rollout.watch).
WATCH = "watch its state"


class SettlesLater:
    """What an operation declares whose change the service accepts at once but carries out later, with no job to
    follow (a session logoff after its ``delay_time``): its servers are waited for by reading their state again
    (:class:`StateWaiter`, through the operation's ``read_states``/``reached``).

    ``send`` answers each server with ``Submission(accepted=True)``. A batch whose response was lost (or answered
    with a server error) is settled by the operation's :meth:`~.operation.Operation.accepted`: a server whose
    record shows the change under way was accepted (waited for), one that shows none is sent again. One whose
    record cannot tell is watched (:data:`WATCH`) when the operation's state shows an accepted change within a
    known time (:meth:`~.operation.Operation.shows_within`: the logoff's ``delay_time``): showing it, it was
    accepted; still showing none after that time, it was not applied and is sent again. Else it fails, saying the
    call may have been applied.
    """

    synchronous = False
    reports_jobs = False
    settles_by_state = True  # its only way to tell: the waiter reads the operation's state until it shows the change
    endpoint = SERVER_JOBS

    @property
    def waiter_class(self):
        return StateWaiter

    settles = staticmethod(AppliedAtOnce.settles)

    @staticmethod
    def recovered(item, record, exc, operation):
        accepted = operation.accepted(item, record)
        if accepted:
            return Submission(accepted=True)
        if exc.throttled:
            return None  # the gateway refused it: never sent on
        if accepted is None and uncertain(exc) and operation.params.get("wait", True) \
                and operation.shows_within() is not None:
            return WATCH  # its state will tell: the rollout reads it for that long (without wait, nothing is read)
        if accepted is None:  # no answer, or a server error: it may have changed something (changed is true)
            return Submission(error_code=exc.error_code, error_msg="%s; the call may have been applied, re-run the "
                              "task to find out" % exc.message, maybe_applied=uncertain(exc))
        return None


class Submission:
    """What the service answered for one server of a submitted batch."""

    def __init__(self, job_id=None, error_code=None, error_msg=None, waited=False, applied=False, accepted=False,
                 maybe_applied=False):
        self.job_id = job_id
        self.error_code = error_code
        self.error_msg = error_msg
        # True when the server turned out to be already running the change (e.g. after a
        # 409 or a lost response): it is waited for, not counted as a new submission.
        self.waited = waited
        # True when the service applied the change at once (a synchronous operation): there is
        # no job to wait for; the server counts as succeeded unless the re-read says otherwise.
        self.applied = applied
        # True when the service accepted the change and carries it out later with no job to follow (a logoff after
        # its delay): the server is waited for by reading its state (SettlesLater).
        self.accepted = accepted
        # True when the server fails but the call may have been applied all the same (its answer was lost, or a
        # server error, and nothing tells): the task reports changed, as for any mutation that may have landed.
        self.maybe_applied = maybe_applied


def per_server_answers(items):
    """``{server_id: Submission}`` of ServerJobInfo items (``server_id``, ``job_id``, ``error_code``,
    ``error_message``): the per-server answer of a batch that starts one job per server (image change, reinstall)."""
    answers = {}
    for item in items:
        job_id, code = item.get("job_id") or None, item.get("error_code") or None
        message = item.get("error_message") or None
        if not job_id and not code and not message:
            message = "the service returned neither a job nor an error for this server"
        answers[item.get("server_id")] = Submission(job_id, code, message)
    return answers


def passing(exc):
    """A failure that says nothing about the jobs: throttled, a server error, or no connection."""
    return exc.throttled or exc.status in PASSING_STATUSES or exc.status is None


class Waiter:
    """Poll jobs until all are finished or one deadline passes.

    ``jobs`` maps job id -> server ids the job was submitted for, in
    submission order. ``progress`` receives human-readable lines. ``servers``
    are the target records the module read before submitting and
    ``group_sizes`` the size of the groups it read whole (strategies that poll
    by server use them; :class:`JobWaiter` does not). ``observed``, when the
    operation's own state read shows whether a change applied (the access
    agent list shows an upgraded HDA version), is that read (``cost(ids)``,
    ``read(ids)`` -> ``{server id: state}`` of the servers that show it):
    strategies that poll by server then settle servers by it, and the states
    it read are the final state (``final_states``), read once.

    A round reads the jobs the cheapest way its strategy knows
    (:meth:`read_round`). When that costs more than one request and several
    jobs are unfinished, the round first reads one job's detail, the one
    submitted last (the *sentinel*: it is expected to end last). While it runs
    the wait cannot end, so the round stops there, at one request; once it has
    finished, the round reads the others. A wait on jobs that were just
    submitted (``fresh``) starts one ``poll_interval`` later: nothing can be
    learnt from reading them at once. When the deadline passes after a round
    that read only the sentinel, every job is read once more, so that the
    outcome tells each server as it is.

    Rounds are ``poll_interval`` apart, or further apart when the next round
    (estimated at the cost of the last one) would take the polling requests
    of the last ``budget_window`` seconds above ``budget_requests``, keeping
    room for one more read of that cost (the module's final re-read).
    """

    budget_requests = BUDGET_REQUESTS
    budget_window = BUDGET_WINDOW
    sentinel_first = True  # read the sentinel alone while reading every job costs more

    def __init__(self, client, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep, progress=None,
                 servers=None, group_sizes=None, observed=None, endpoint=SERVER_JOBS):
        if endpoint not in JOB_ENDPOINTS:
            raise ValueError("endpoint must be one of %s, got %r" % (", ".join(sorted(JOB_ENDPOINTS)), endpoint))
        self.client = client
        self.endpoint = endpoint  # where the jobs are read (read_job)
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self.progress = progress or (lambda line: None)
        self.servers = dict((record["id"], record) for record in servers or [])
        self.group_sizes = dict(group_sizes or {})
        self.observed = observed
        self.rounds = 0
        self.round_requests = 0
        self.spent = []  # (round start, requests it sent), for the polling budget
        self.results = {}  # the last seen state, also when wait() raised
        self.sentinel = None  # the job a round read alone, still running (None: the round read every job)
        self.final_states = {}  # server id -> the state ``observed`` showed when the server settled

    def wait(self, jobs, deadline=None, fresh=False):
        results = self.results = dict((job_id, JobResult(job_id, server_ids)) for job_id, server_ids in jobs.items())
        if not results:
            return results
        deadline = self.clock() + self.timeout if deadline is None else deadline
        self.progress(self.started_line(results))
        if fresh:
            self.sleep(max(0, min(self.poll_interval, deadline - self.clock())))
        while True:
            self.rounds += 1
            started, sent = self.clock(), self.client.requests_sent
            try:
                self.round(results)
            except ApiError as exc:
                remaining = deadline - self.clock()
                if not passing(exc) or remaining <= 0:
                    raise
                # the client's retries are spent, but the jobs go on: the next round may get through
                self.round_requests = self.client.requests_sent - sent
                self.spent.append((started, self.round_requests))
                self.progress("round %d: the jobs could not be read (%s); %ds left, trying again"
                              % (self.rounds, exc.message, max(0, remaining)))
                self.sleep(min(self.delay(), remaining))
                continue
            remaining = deadline - self.clock()
            if remaining <= 0 and self.sentinel and self.pending(results):
                self.sentinel = None
                self.read_round(results, self.awaited(results))  # tell every job, not only the sentinel
            self.round_requests = self.client.requests_sent - sent
            self.spent.append((started, self.round_requests))
            pending = self.pending(results)
            self.progress(self.round_line(results, pending, remaining))
            if not pending:
                return results
            if remaining <= 0:
                raise self.timed_out(results, pending)
            self.sleep(min(self.delay(), remaining))

    def timed_out(self, results, pending):
        return WaitTimeout(self.timeout, pending, results)

    def unknown_values(self):
        """Warnings naming each value the wait met that this collection does not know (it was treated as still
        running), with the record that showed it."""
        seen = {}
        for result in self.results.values():
            for (what, value), where in getattr(result, "unknown", {}).items():
                seen.setdefault((what, value), where)
        return ["%s showed %s %r, a value this collection does not know: it was treated as still running"
                % (where, what, value) for (what, value), where in sorted(seen.items(), key=lambda i: str(i[0]))]

    @staticmethod
    def pending(results):
        return [job_id for job_id, result in results.items() if not result.finished]

    @staticmethod
    def awaited(results):
        """``{server id: result}`` of the servers still pending."""
        return dict((server_id, result) for result in results.values() if not result.finished
                    for server_id, outcome in result.servers.items() if outcome.status == PENDING)

    def round(self, results):
        awaited = self.awaited(results)
        unfinished = [result for result in results.values() if not result.finished]
        self.sentinel = None
        if self.sentinel_first and len(unfinished) > 1 and self.round_cost(unfinished, awaited) > 1:
            sentinel = unfinished[-1]
            sentinel.update(self.read_job(sentinel.job_id))
            if not sentinel.finished:
                self.sentinel = sentinel.job_id
                return
        self.read_round(results, awaited)

    def delay(self):
        """Seconds until the next round: ``poll_interval``, stretched to keep to the polling budget."""
        now = self.clock()
        start = now + self.poll_interval
        expected = self.round_requests
        for begun, _unused in self.spent:  # oldest first
            if begun <= start - self.budget_window:
                continue  # out of the window by then
            # room for the next round and for one more of its size: the read that follows waiting
            # (the module's final re-read of the fleet) stays within the budget too
            if sum(count for when, count in self.spent if when > start - self.budget_window) + 2 * expected \
                    <= self.budget_requests:
                break
            start = begun + self.budget_window  # wait until this round has left the window
        return start - now

    def round_cost(self, unfinished, awaited):
        """Requests :meth:`read_round` is expected to send."""
        return len(unfinished)

    def read_round(self, results, awaited):
        """Bring every unfinished result up to date; ``awaited`` are the servers pending when the round began."""
        raise NotImplementedError

    def read_job(self, job_id):
        """One job's detail, from this waiter's endpoint (one request)."""
        return read_job(self.client, job_id, self.endpoint)

    def read_details(self, results):
        for result in results.values():
            if not result.finished:
                result.update(self.read_job(result.job_id))

    def started_line(self, results):
        return "waiting for %d job(s): %s" % (len(results), ", ".join(results))

    def round_line(self, results, pending, remaining):
        outcomes = [o for result in results.values() for o in result.servers.values()]
        done = [o for o in outcomes if o.status != PENDING]
        if self.sentinel:
            return "round %d: job %s, the last submitted, still running (the other %d unfinished job(s) are read " \
                   "once it has finished); %d request(s); %ds left" % (
                       self.rounds, self.sentinel, len(pending) - 1, self.round_requests, max(0, remaining))
        return "round %d: %d/%d job(s) finished, %d/%d server(s) (%d failed); %d request(s); %s" % (
            self.rounds, len(results) - len(pending), len(results), len(done), len(outcomes),
            len([o for o in done if o.status == FAILED]), self.round_requests,
            "done" if not pending else "%ds left, running: %s" % (max(0, remaining), ", ".join(pending[:5])
                                                                  + (" ..." if len(pending) > 5 else "")))


class JobWaiter(Waiter):
    """Reads each unfinished job's detail once per round (batch jobs: all sub jobs in one request)."""

    def read_round(self, results, awaited):
        self.read_details(results)


class ServerListWaiter(Waiter):
    """For jobs started one per server: a round reads the server list, not the jobs.

    A server record shows the server's last job (``job_id``, ``job_status``).
    A server is done when it shows the awaited job with a terminal status;
    showing the job it had before (or none) means the new job is not visible
    yet. Only exceptions cost a job read: a failed server (its job detail,
    once, for the error code; for the first ``detail_reads`` failures only, so
    that a mass failure does not cost one request per server) and a server the
    list cannot tell about (no longer listed, or already showing another job),
    whose job detail decides.

    ``final_records`` keeps each settled server's record as read when its job
    was seen finished, so the state after the change needs no second read.
    With ``observed``, a round reads that instead (it is the final state).
    """

    detail_reads = 20

    def __init__(self, client, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep, progress=None,
                 servers=None, group_sizes=None, observed=None, endpoint=SERVER_JOBS):
        super(ServerListWaiter, self).__init__(client, timeout, poll_interval, clock=clock, sleep=sleep,
                                               progress=progress, servers=servers, group_sizes=group_sizes,
                                               observed=observed, endpoint=endpoint)
        self.reader = ServerReader(client, servers, group_sizes)
        self.failures_read = 0
        self.final_records = {}
        self.list_told_other_jobs = False  # a listed server showed neither its awaited nor its previous job

    def started_line(self, results):
        count = sum(len(result.server_ids) for result in results.values())
        return "waiting for %d job(s) on %d server(s), reading the server list each round" % (len(results), count)

    def by_state(self):
        """Whether a round reads ``observed`` rather than the server list: always when there is one, since the
        server list would not show the final state (that would take one more read after the wait)."""
        return self.observed is not None

    def round_cost(self, unfinished, awaited):
        if self.by_state():
            # while the jobs run, no server shows the change yet: each unfinished job is read besides
            return self.observed.cost(list(awaited)) + len(unfinished)
        return self.reader.cost(list(awaited))

    def read_round(self, results, awaited):
        if self.by_state():
            self.read_states(results, awaited)
        else:
            self.read_list(results, awaited)

    def read_states(self, results, awaited):
        """Servers that show the change applied succeeded; the jobs of the others decide them."""
        states = self.observed.read(list(awaited))
        undecided = set()
        for server_id, result in sorted(awaited.items()):
            if server_id in states:
                self.final_states[server_id] = states[server_id]
                if result.servers[server_id].status == PENDING:
                    result.settle(server_id, SUCCEEDED, sub_job_status="SUCCESS")
            elif result.servers[server_id].status == PENDING:
                undecided.add(result.job_id)
        for job_id in sorted(undecided):
            results[job_id].update(self.read_job(job_id))

    def read_list(self, results, awaited):
        records = self.reader.read(list(awaited))
        unaccounted = set()
        for server_id, result in sorted(awaited.items()):
            record = records.get(server_id)
            shown = (record or {}).get("job_id")
            settled = result.servers[server_id].status != PENDING  # by its job's detail, earlier this round
            if record is None or shown not in (result.job_id, self.previous_job(server_id, result.job_id)):
                if not settled:
                    self.list_told_other_jobs = self.list_told_other_jobs or record is not None
                    unaccounted.add(result.job_id)
            elif shown == result.job_id and record.get("job_status") not in KNOWN_JOB_STATUSES:
                result.unknown[("job_status", record.get("job_status"))] = "server %s (%s), job %s" % (
                    record.get("name"), server_id, result.job_id)
            elif shown == result.job_id and record.get("job_status") in JOB_TERMINAL:
                self.final_records[server_id] = record
                if settled:
                    continue
                if record["job_status"] == "SUCCESS":
                    result.settle(server_id, SUCCEEDED, sub_job_status="SUCCESS")
                else:
                    self.settle_failed(result, server_id, record)
        for job_id in sorted(unaccounted):
            results[job_id].update(self.read_job(job_id))

    def previous_job(self, server_id, job_id):
        """The job the server showed before ours (None when it had none or we waited for that one)."""
        previous = self.servers.get(server_id, {}).get("job_id")
        return None if previous == job_id else previous

    def settle_failed(self, result, server_id, record):
        """The server record has no error code: the job's detail has, read once."""
        reason = "job %s ended with status FAILED (task status %s)" % (result.job_id, record.get("task_status"))
        if self.failures_read >= self.detail_reads:
            result.settle(server_id, FAILED, None, reason + "; app_job_info shows its error code",
                          sub_job_status="FAILED")
            return
        self.failures_read += 1
        try:
            result.update(self.read_job(result.job_id))
        except ApiError as exc:
            result.settle(server_id, FAILED, None, "%s; its detail could not be read: %s" % (reason, exc.message),
                          sub_job_status="FAILED")
            return
        if result.servers[server_id].status == PENDING:
            # The detail lags behind the server record: the record's outcome stands.
            result.settle(server_id, FAILED, None, reason, sub_job_status="FAILED")


class BatchJobWaiter(ServerListWaiter):
    """For batch jobs: each round reads whichever costs fewer requests, job details or the servers' state.

    The server list is trusted only while it shows the batch job ids: once a
    listed server showed another job (the service may list a sub job id
    there), the remaining rounds read job details.
    """

    def started_line(self, results):
        count = sum(len(result.server_ids) for result in results.values())
        return "waiting for %d batch job(s) on %d server(s), reading job details or the server list, " \
               "whichever costs fewer requests" % (len(results), count)

    def by_details(self, unfinished, awaited):
        if self.by_state():
            return False  # the state read settles the servers and is the final state: the details would need it too
        return self.list_told_other_jobs or len(unfinished) <= self.reader.cost(list(awaited))

    def round_cost(self, unfinished, awaited):
        if self.by_details(unfinished, awaited):
            return len(unfinished)
        return super(BatchJobWaiter, self).round_cost(unfinished, awaited)

    def read_round(self, results, awaited):
        unfinished = [result for result in results.values() if not result.finished]
        if self.by_details(unfinished, awaited):
            self.read_details(results)
        else:
            super(BatchJobWaiter, self).read_round(results, awaited)


class StateWaiter(Waiter):
    """For changes with no job (:class:`SettlesLater`): a round reads the operation's state (``observed``) of the
    servers still waited for, and a server that shows the change has succeeded. ``final_states`` keeps what each
    showed, so the state after the change needs no second read."""

    sentinel_first = False  # there is no job detail to read alone

    def wait_for(self, server_ids, deadline=None, fresh=False):
        """Wait for ``server_ids`` to show the change: the servers' outcomes (``{server id: ServerOutcome}``), also
        those still pending when the deadline passed (no :class:`WaitTimeout`)."""
        try:
            results = self.wait({STATE: server_ids}, deadline=deadline, fresh=fresh)
        except WaitTimeout as exc:
            results = exc.results
        return results[STATE].servers if results else {}

    def timed_out(self, results, pending):
        waited = sorted(sid for result in results.values() for sid, outcome in result.servers.items()
                        if outcome.status == PENDING)
        return WaitTimeout(self.timeout, waited, results, "timed out after %ss waiting for %d server(s) to show the "
                           "change" % (self.timeout, len(waited)))

    def round_cost(self, unfinished, awaited):
        return self.observed.cost(list(awaited))

    def read_round(self, results, awaited):
        states = self.observed.read(list(awaited))
        broken = getattr(self.observed, "broken", None) or {}
        for server_id, result in sorted(awaited.items()):
            if server_id in states:
                self.final_states[server_id] = states[server_id]
                result.settle(server_id, SUCCEEDED)
            elif server_id in broken:
                result.settle(server_id, FAILED, error_msg=broken[server_id])

    def started_line(self, results):
        count = sum(len(result.server_ids) for result in results.values())
        return "waiting for %d server(s) to show the change, reading their state each round%s" % (
            count, self.waiting_text(results))

    def round_line(self, results, pending, remaining):
        outcomes = [o for result in results.values() for o in result.servers.values()]
        done = len([o for o in outcomes if o.status != PENDING])
        return "round %d: %d/%d server(s) done; %d request(s); %s%s" % (
            self.rounds, done, len(outcomes), self.round_requests,
            "done" if not pending else "%ds left" % max(0, remaining), self.waiting_text(results) if pending else "")

    def waiting_text(self, results):
        """What the servers still waited for show, for the progress lines: ``; `` and the state read's own words
        (``observed.waiting(server ids)``: the sessions still on, the vm_status not reached yet), or nothing."""
        waiting = getattr(self.observed, "waiting", None)
        pending = sorted(sid for result in results.values() for sid, outcome in result.servers.items()
                         if outcome.status == PENDING)
        text = waiting(pending) if waiting and pending else None
        return "; " + text if text else ""
