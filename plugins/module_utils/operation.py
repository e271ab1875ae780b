# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The operation engine: plan -> submit in batches -> wait -> verify -> outcome.

A batch operation (HDA upgrade, image change, TSVI, maintenance, …) is an
:class:`Operation`: it only *declares* how its targets are found, what one
server needs (:class:`PlanItem`), how one batch is sent, what kind of change
it makes (:class:`~.jobs.JobKind` for jobs, :class:`~.jobs.AppliedAtOnce`
for changes the service applies at once) and how a re-read proves it
applied. :class:`Rollout` runs the cycle the same way for all of them and
returns an :class:`Outcome` (per-server reports, jobs, summary, failures,
warnings), which the module layer renders once into ``exit_json`` or
``fail_json``.

Check mode stops after planning: nothing is written and nothing waited for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from collections import namedtuple

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    FAILED, PENDING, SUCCEEDED, Submission, WaitTimeout, resend_pause, uncertain)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (
    ServerReader, find_group, resolve_targets)

# Set by the collection's action plugin (plugins/plugin_utils/job_progress.py) when it shows progress live.
PROGRESS_FILE_ENV = "WORKSPACE_APP_PROGRESS_FILE"

SKIPPED = "skipped"
UNCHANGED = "unchanged"
FAILURES_SHOWN = 3
SERVERS_NAMED = 3  # servers a progress label names


def server_label(server_id, name=None):
    """How messages and ``--diff`` name a server: ``web-01 (3f2c…)``, the id alone when it has no name, the name
    alone when it has no id yet (a server to be created, :func:`new_server`)."""
    if not server_id:
        return name
    return "%s (%s)" % (name, server_id) if name else server_id


def new_server(number, **fields):
    """The stand-in record of the ``number``-th server to be created (:meth:`Operation.plan_new`): its report has
    no id and the name ``(new N)`` until :meth:`Rollout.adopt` gives it the created server's."""
    record = dict(fields, id="new-%04d" % number, name="(new %d)" % number, new=True)
    return record


def target_label(servers=(), group_id=None, group_name=None):
    """Which targets a run's progress lines are about, as their prefix.

    ``[group apps-prod]`` for a server group (its name when known, else its id); for servers named one by one
    ``[web-01]``, ``[3 servers: web-01, web-02, web-03]`` or ``[25 servers: web-01, web-02, web-03, ...]`` (the
    first names in sorted order; a server with no name by its id). ``servers`` are records (``id``, ``name``).
    """
    if group_id or group_name:
        return "[group %s]" % (group_name or group_id)
    names = sorted(server.get("name") or server["id"] for server in servers)
    if len(names) == 1:
        return "[%s]" % names[0]
    if not names:
        return None
    return "[%d servers: %s%s]" % (len(names), ", ".join(names[:SERVERS_NAMED]),
                                   ", ..." if len(names) > SERVERS_NAMED else "")


class ProgressLines(list):
    """The progress lines of a run (returned as ``progress``).

    ``label`` says which targets the lines are about (:func:`target_label`, set by :class:`Rollout` as soon as
    it knows them): every line appended is prefixed with it, whoever appends it (the engine's batch lines, the
    waiter's rounds through the ``append`` it is given), so that the lines of hosts running the same task under
    forks can be told apart.

    When ``path`` is set (the action plugin runs the module on the controller at
    ``-v`` and tails that file), each line is also appended to it as it comes, so
    a long wait shows movement while the task runs. A file that cannot be written
    only stops the live view.
    """

    def __init__(self, path=None, label=None):
        super(ProgressLines, self).__init__()
        self.path = path
        self.label = label

    def labelled(self, line):
        """``line`` as :meth:`append` stores it: prefixed with ``label`` when there is one."""
        return "%s %s" % (self.label, line) if self.label else line

    def append(self, line):
        line = self.labelled(line)
        super(ProgressLines, self).append(line)
        if self.path:
            try:
                with open(self.path, "a") as handle:
                    handle.write(line + "\n")
            except (IOError, OSError):
                self.path = None

    def extend(self, lines):
        for line in lines:
            self.append(line)


class PlanItem(namedtuple("PlanItem", "server action before after job_id batch_key note")):
    """What one target server needs.

    ``action`` is ``none`` (already as desired), ``skip`` (cannot be acted on,
    ``note`` says why), ``submit`` (send it) or ``wait`` (a job is already
    running on it: wait for ``job_id``, never resubmit).
    ``before``/``after`` are what ``--diff`` shows for the server; items with
    different ``batch_key`` never share a batch.
    """

    ACTIONS = ("none", "skip", "submit", "wait")

    def __new__(cls, server, action, before=None, after=None, job_id=None, batch_key=None, note=None):
        if action not in cls.ACTIONS:
            raise ValueError("unknown plan action %r" % action)
        return super(PlanItem, cls).__new__(cls, server, action, before, after, job_id, batch_key, note)

    @property
    def server_id(self):
        return self.server["id"]


def batches(items, size, weight=None, max_weight=None):
    """Consecutive chunks of at most ``size`` items and, with ``weight`` (item -> number), at most ``max_weight``
    in all (an item heavier than that on its own goes alone)."""
    chunks = []
    for item in items:
        heavy = weight is not None and chunks and sum(weight(i) for i in chunks[-1]) + weight(item) > max_weight
        if not chunks or len(chunks[-1]) >= size or heavy:
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def state_text(state):
    """``{"image_id": "x"}`` -> ``image_id=x``, for messages."""
    return ", ".join("%s=%s" % (key, state[key]) for key in sorted(state or {}))


class ServerReport:
    """One entry of the ``servers`` result."""

    ACTION_NAMES = {"none": "none", "skip": "none", "submit": "submitted", "wait": "waited"}
    KEYS = ("id", "name", "action", "status", "job_id", "error_code", "error_msg", "before", "after")

    def __init__(self, item):
        self.id = None if item.server.get("new") else item.server_id
        self.name = item.server.get("name")
        self.action = self.ACTION_NAMES[item.action]
        self.status = {"none": UNCHANGED, "skip": SKIPPED}.get(item.action, PENDING)
        self.job_id = item.job_id
        self.error_code = None
        self.error_msg = item.note
        self.before = item.before
        self.after = item.after if item.action in ("submit", "wait") else item.before

    @property
    def label(self):
        """``name (id)``, or the id alone: how messages and ``--diff`` name the server."""
        return server_label(self.id, self.name)

    def fail(self, error_code, error_msg):
        self.status = FAILED
        self.error_code = error_code
        self.error_msg = error_msg
        self.after = self.before  # nothing is known to have changed

    def as_dict(self, keys=KEYS):
        return dict((key, getattr(self, key)) for key in keys)


class Outcome:
    """What a run did: per-server reports, new jobs, whether anything changed, and what to tell the user.

    ``problems`` are task-level failures besides failed servers (a wait that timed out); ``headline`` is one
    sentence summing the run up (``msg``); ``extra`` holds operation-specific result keys.
    """

    def __init__(self, kind, reports, jobs, changed, progress):
        self.kind = kind
        self.reports = reports
        self.jobs = jobs
        self.changed = changed
        self.progress = progress
        self.problems = []
        self.warnings = []
        self.extra = {}
        self.headline = None
        self.headline_in_diff = False

    def count(self, predicate):
        return len([report for report in self.reports.values() if predicate(report)])

    def servers(self):
        keys = tuple(key for key in ServerReport.KEYS if key != "job_id" or self.kind.reports_jobs)
        return [self.reports[server_id].as_dict(keys) for server_id in sorted(self.reports)]

    def summary(self):
        summary = dict(total=len(self.reports), unchanged=0, skipped=0, succeeded=0, failed=0, pending=0)
        for report in self.reports.values():
            summary[report.status] += 1
        return summary

    def failures(self):
        return [self.reports[server_id] for server_id in sorted(self.reports)
                if self.reports[server_id].status == FAILED]

    @property
    def failed(self):
        return bool(self.failures() or self.problems)

    def message(self):
        failures = self.failures()
        messages = []
        if failures:
            first = "; ".join("%s: %s" % (r.label, " ".join(p for p in (r.error_code, r.error_msg) if p))
                              for r in failures[:FAILURES_SHOWN])
            messages.append("%d of %d server(s) failed (%s%s)" % (
                len(failures), len(self.reports), first, "; ..." if len(failures) > FAILURES_SHOWN else ""))
        messages.extend(str(problem) for problem in self.problems)
        if self.headline:
            messages.append(self.headline)
        return "; ".join(messages)

    def skip_warning(self):
        skipped = [self.reports[sid] for sid in sorted(self.reports) if self.reports[sid].status == SKIPPED]
        if skipped:
            return "%d server(s) skipped: %s" % (len(skipped), "; ".join(
                "%s: %s" % (report.label, report.error_msg) for report in skipped))
        return None

    def result(self, diff=False):
        servers = self.servers()
        result = dict(changed=self.changed, servers=servers, summary=self.summary())
        if self.kind.reports_jobs:
            result["jobs"] = self.jobs
        result.update(self.extra)
        if self.progress:
            result["progress"] = self.progress
        if diff:
            # keyed by name (id): a diff of UUIDs alone does not say which servers change
            acted = [(server_label(s["id"], s["name"]), s) for s in servers if s["action"] != "none"]
            result["diff"] = dict(before=dict((label, s["before"]) for label, s in acted),
                                  after=dict((label, s["after"]) for label, s in acted))
            if self.headline_in_diff and self.headline:
                result["diff"]["after_header"] = self.headline
        if self.headline and not self.failed:
            result["msg"] = self.headline
        return result


class Operation:
    """A batch operation, as declarations. Subclasses set:

    * ``kind``: a :class:`~.jobs.JobKind` (job type, running task status, polling strategy),
      :class:`~.jobs.AppliedAtOnce` or :class:`~.jobs.SettlesLater`;
    * ``options`` (its own argument spec, besides targets/wait/connection), ``module_kwargs`` and ``rules``
      (value checks, see :mod:`.module`);
    * :meth:`plan_server` -> :class:`PlanItem` and :meth:`send` -> ``{server_id: Submission}``;

    and may override :meth:`find_targets`, :meth:`prepare` (read once what planning needs), :meth:`observe`
    with :meth:`reached` (how a re-read proves the change applied), :meth:`read_after` and :meth:`conclude`
    (the headline of the outcome).
    """

    kind = None
    options = {}
    module_kwargs = {}
    rules = ()
    max_batch_size = 20
    max_batch_weight = None  # with batch_weight: what one call may carry in all (e.g. sessions per logoff)
    group_targets = False  # the targets are one server group (server_group_id or server_group_name), never ids

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.warnings = []
        self.extra_result = {}
        self.rollout = None  # the Rollout running this operation (its reader(), its waiter)

    @property
    def client(self):
        return self.module.client

    @property
    def check_mode(self):
        return self.module.check_mode

    def warn(self, message):
        self.warnings.append(message)

    # -- declarations ----------------------------------------------------------
    def find_targets(self):
        return resolve_targets(self.client, self.params["server_ids"], self.params["server_group_id"],
                               group=self.rollout.group).servers

    def prepare(self, servers):
        """Read, once, whatever planning needs besides the server records."""

    def plan_new(self):
        """:class:`PlanItem` s for servers that do not exist yet (to be created), after :meth:`plan_server` of the
        existing ones. Each has a stand-in record (:func:`new_server`); :meth:`adopt` swaps it for the server the
        job created."""
        return []

    def batch_limit(self, batch_key):
        """Items one call may carry for ``batch_key`` (``batch_size`` unless the call takes another number)."""
        return self.params["batch_size"]

    def recoverable(self, items, exc):
        """Whether a batch refused with ``exc`` is settled by reading its servers again (the kind's rule)."""
        return self.kind.recoverable(exc)

    def accepted(self, item, record):
        """For :class:`~.jobs.SettlesLater`: whether a server's ``record``, read after a call whose answer was lost,
        shows the change accepted (True: wait for it), not (False: send it again), or cannot tell (None)."""
        return None

    def before_submit(self, items, deadline):
        """The items to submit, once planning is over (never in check mode): an operation may first prepare them
        (drain sessions), failing those it could not prepare through their reports, before ``deadline``."""
        return items

    def adopt(self, results):
        """After the wait (``{job id: JobResult}``): swap the stand-ins of :meth:`plan_new` for the servers the jobs
        created (:meth:`Rollout.adopt`)."""

    def plan_server(self, server):
        raise NotImplementedError

    def send(self, items):
        """One API call for ``items`` (one batch): ``{server_id: Submission}``; raises ApiError."""
        raise NotImplementedError

    def batch_weight(self, item):
        """What ``item`` weighs against ``max_batch_weight``."""
        return 1

    observe = None  # record -> the state it shows (same keys as the plan's ``after``): verify by re-reading

    def reached(self, planned, after):
        """Whether ``after`` (re-read) shows the ``planned`` state; a server whose change succeeded but that does
        not is reported failed (e.g. a job already running when planning turned out to aim elsewhere)."""
        return True

    settles_by_state = False  # the state read (read_states) shows a change applied: the waiter may settle by it

    def read_states(self, server_ids):
        """``{server_id: state}`` read now (the keys of the plan's ``after``): by default the server list through
        :meth:`observe`."""
        if self.observe is None:
            return {}
        return dict((sid, self.observe(record)) for sid, record in self.rollout.reader().read(server_ids).items())

    def state_cost(self, server_ids):
        """Requests :meth:`read_states` is expected to send."""
        return self.rollout.reader().cost(server_ids)

    def read_after(self, server_ids):
        """``{server_id: after}`` once the changes succeeded: the states the waiter read when it saw each server
        done (``final_states``, or its server records through :meth:`observe`), reading again through
        :meth:`read_states` only those that did not show the planned state (a record may lag behind its job)."""
        waiter = self.rollout.waiter
        states = dict(getattr(waiter, "final_states", None) or {})
        if self.observe is not None:
            for sid, record in (getattr(waiter, "final_records", None) or {}).items():
                states.setdefault(sid, self.observe(record))
        missing = [sid for sid in server_ids if sid not in states
                   or not self.reached(self.rollout.reports[sid].after, states[sid])]
        if missing:
            states.update(self.read_states(missing))
        return dict((sid, states[sid]) for sid in server_ids if sid in states)

    def conclude(self, outcome):
        """Set ``outcome.headline`` (and warnings) once the run is over."""

    def broken(self, planned, after):
        """Why ``after`` (re-read while waiting) shows the change can no longer come (the server ended in
        ``ERROR``), or None: the waiter fails such a server at once instead of waiting for it to the deadline."""
        return None

    def fail_unsettled(self, outcome, describe):
        """After a wait that timed out (no job to name: :class:`~.jobs.SettlesLater`), fail each server still
        waited for with what it shows now (``describe(state)``), instead of the timeout's job names."""
        if not any(isinstance(problem, WaitTimeout) for problem in outcome.problems):
            return
        outcome.problems = [p for p in outcome.problems if not isinstance(p, WaitTimeout)]
        waited = sorted(sid for sid, report in outcome.reports.items() if report.status == PENDING)
        try:
            states, unread = self.read_states(waited), None
        except ApiError as exc:
            states, unread = {}, exc.message
        for server_id in waited:
            report, state = outcome.reports[server_id], states.get(server_id)
            if state is not None and self.reached(report.after, state):
                report.status, report.after = SUCCEEDED, state  # done just after the last round
                continue
            shown = describe(state) if state is not None else "it could not be re-read (%s)" % unread
            report.fail(None, "after %ss %s" % (self.params["wait_timeout"], shown))
            report.after = state if state is not None else report.before


class StateProbe:
    """An operation's state read as a waiter uses it (``cost``, and ``read``: the servers that show the change)."""

    def __init__(self, rollout):
        self.rollout = rollout
        self.broken = {}

    def cost(self, server_ids):
        return self.rollout.operation.state_cost(server_ids)

    def read(self, server_ids):
        """``{server id: state}`` of the servers that show the change; ``broken`` is set to ``{server id: why}`` of
        those whose state says it will not come."""
        operation, reports = self.rollout.operation, self.rollout.reports
        states = operation.read_states(server_ids)
        self.broken = dict((sid, operation.broken(reports[sid].after, state)) for sid, state in states.items())
        self.broken = dict((sid, why) for sid, why in self.broken.items() if why)
        return dict((sid, state) for sid, state in states.items() if operation.reached(reports[sid].after, state))


class Rollout:
    """Runs one :class:`Operation`: plan, submit in batches (recovering a 409 or a lost response), wait under
    one deadline, verify by re-reading, and return the :class:`Outcome`."""

    def __init__(self, operation, progress=None):
        self.operation = operation
        operation.rollout = self
        self.kind = operation.kind
        self.params = operation.params
        self.client = operation.client
        self.progress = progress if progress is not None else ProgressLines()
        self.group = None  # the target group's detail record, when it was found by name
        self.targets = {}  # server id -> the record planning used
        self.reports = {}
        self.jobs = {}  # job id -> server ids waited for
        self.new_jobs = []  # jobs this run started, in submission order
        self.applied = []  # servers changed at once (AppliedAtOnce)
        self.maybe_applied = False  # a batch lost its response: it may have changed something
        self.waiter = None  # the waiter of this run, once it waited: read_after may use what it read
        self.problems = []
        self.deadline = None  # monotonic time by which the run's waits end (wait_timeout from the first submission)
        self.gave_up = None  # the error that ended a batch's resends: no later batch is sent

    # -- reading ---------------------------------------------------------------
    def group_sizes(self):
        """``{group id: size}`` for a group whose every server is a target (read whole while planning)."""
        group_id = self.params.get("server_group_id")
        return {group_id: len(self.targets)} if group_id else {}

    def reader(self):
        """Reads target servers again in as few requests as it can."""
        return ServerReader(self.client, list(self.targets.values()), self.group_sizes())

    # -- the cycle ---------------------------------------------------------------
    def plan(self):
        # Label the progress lines from the options at once, then by the records' names once they are read.
        self.progress.label = target_label([dict(id=sid) for sid in self.params.get("server_ids") or []],
                                           self.params.get("server_group_id"), self.params.get("server_group_name"))
        if self.params.get("server_group_name"):
            # by exact name, as app_server_group does; from here on the group is its id
            self.group = find_group(self.client, name=self.params["server_group_name"], option="server_group_name")
            self.params["server_group_id"] = self.group["id"]
        servers = sorted(self.operation.find_targets(), key=lambda server: server["id"])  # stable batches
        self.targets = dict((server["id"], server) for server in servers)
        self.progress.label = self.target_label(servers)
        self.operation.prepare(servers)
        return [self.operation.plan_server(server) for server in servers] + list(self.operation.plan_new())

    def target_label(self, servers):
        """The progress label of the resolved targets: a group by the name it was found by, or the name its
        servers' records carry (the server list's ``server_group_name``), else by its id; servers by name."""
        group_id = self.params.get("server_group_id")
        if not group_id:
            return target_label(servers)
        names = [(self.group or {}).get("name")] + [server.get("server_group_name") for server in servers
                                                    if server.get("server_group_id") == group_id]
        return target_label(group_id=group_id, group_name=next((name for name in names if name), None))

    def run(self):
        plan = self.plan()
        self.reports = dict((item.server_id, ServerReport(item)) for item in plan)
        to_submit = [item for item in plan if item.action == "submit"]
        for item in plan:
            if item.action == "wait":
                self.jobs.setdefault(item.job_id, []).append(item.server_id)
        if self.operation.check_mode:
            changed = bool(to_submit)
        else:
            if self.params.get("wait_timeout"):
                self.deadline = time.monotonic() + self.params["wait_timeout"]
            self.submit(self.operation.before_submit(to_submit, self.deadline))
            if self.jobs and self.params.get("wait"):
                self.wait()
            self.verify()
            changed = bool(self.new_jobs or self.applied) or self.maybe_applied
        return self.outcome(changed)

    def batches(self, items):
        by_key = {}
        for item in items:
            by_key.setdefault(item.batch_key, []).append(item)
        weight = self.operation.batch_weight if self.operation.max_batch_weight else None
        return [chunk for key, group in by_key.items()
                for chunk in batches(group, self.operation.batch_limit(key), weight, self.operation.max_batch_weight)]

    def submit(self, to_submit):
        chunks = self.batches(to_submit)
        for index, chunk in enumerate(chunks):
            try:
                answers = self.submit_batch(chunk)
            except ApiError as exc:
                # Stop here: whatever failed this batch (auth, quota, bad input) would most
                # likely fail the next ones too, and nothing unplanned should be sent.
                self.maybe_applied = self.maybe_applied or uncertain(exc)
                for item in chunk:
                    self.reports[item.server_id].fail(exc.error_code, exc.message)
                for later in chunks[index + 1:]:
                    for item in later:
                        self.reports[item.server_id].fail(
                            None, "not submitted: an earlier batch failed (%s)" % exc.message)
                break
            for item in chunk:
                self.record(item, answers.get(item.server_id)
                            or Submission(error_msg="the service returned no job for this server"))
            self.progress.append("batch %d/%d: %d server(s) submitted" % (index + 1, len(chunks), len(chunk)))
            if self.gave_up is not None:
                # the batch's resends kept failing (the service is down, or refuses): the next batches would too
                for later in chunks[index + 1:]:
                    for item in later:
                        self.reports[item.server_id].fail(
                            None, "not submitted: an earlier batch failed (%s)" % self.gave_up.message)
                break

    def record(self, item, answer):
        report = self.reports[item.server_id]
        report.job_id = answer.job_id
        if answer.error_code or not (answer.job_id or answer.applied):
            report.fail(answer.error_code, answer.error_msg)
        elif answer.applied:
            report.status = SUCCEEDED
            self.applied.append(item.server_id)
        else:
            # a stand-in (a server to be created) is no server to poll: its job's sub jobs name the servers it makes
            waited = self.jobs.setdefault(answer.job_id, [])
            if not item.server.get("new"):
                waited.append(item.server_id)
            if answer.waited:
                report.action = "waited"
            elif answer.job_id not in self.new_jobs:
                self.new_jobs.append(answer.job_id)

    def submit_batch(self, items):
        try:
            return self.operation.send(items)
        except ApiError as exc:
            if self.operation.recoverable(items, exc):
                return self.recover(items, exc)
            raise

    def recover(self, items, exc):
        """After a 409, a lost response or a server error the servers' records tell what happened (the kind reads
        them); only servers they show unchanged are sent again. A resend that fails the same way is settled the
        same way, up to ``max_retries`` resends (at least one; a pause between them) and never past the run's
        deadline."""
        answers, attempt = {}, 0
        while True:
            records = self.reader().read([item.server_id for item in items])
            resend = []
            for item in items:
                answer = self.kind.recovered(item, records.get(item.server_id) or {}, exc, self.operation)
                if answer is None:
                    resend.append(item)
                else:
                    answers[item.server_id] = answer
            if not resend:
                return answers
            attempt += 1
            try:
                answers.update(self.operation.send(resend))
                return answers
            except ApiError as again:
                self.maybe_applied = self.maybe_applied or uncertain(again)
                out_of_time = self.deadline is not None and time.monotonic() + resend_pause(attempt) > self.deadline
                if attempt >= max(1, self.params.get("max_retries") or 0) or out_of_time \
                        or not self.operation.recoverable(resend, again):
                    answers.update((item.server_id, Submission(error_code=again.error_code, error_msg=again.message))
                                   for item in resend)
                    self.gave_up = again
                    return answers
                time.sleep(resend_pause(attempt))
                items, exc = resend, again

    def wait(self):
        waiter = self.kind.waiter_class(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                                        progress=self.progress.append, servers=list(self.targets.values()),
                                        group_sizes=self.group_sizes(),
                                        observed=StateProbe(self) if self.operation.settles_by_state else None)
        self.waiter = waiter
        try:
            # the wait cannot end before the jobs just submitted do: their first round is one poll_interval away
            results = waiter.wait(self.jobs, deadline=self.deadline, fresh=bool(self.new_jobs))
        except WaitTimeout as exc:
            results = exc.results
            self.problems.append(exc)
        except ApiError as exc:
            # Polling failed for good (after retries): the jobs go on, so keep their ids and
            # changed, and leave the servers pending so that a re-run resumes waiting.
            results = waiter.results
            self.problems.append("waiting stopped: %s; job(s) %s may still be running, re-run the task to resume" % (
                exc.message, ", ".join(sorted(job_id for job_id, r in results.items() if not r.finished))))
        for result in results.values():
            for server_id, outcome in result.servers.items():
                report = self.reports.get(server_id)
                if report is None or report.status == FAILED:
                    continue
                if outcome.status == FAILED:
                    report.fail(outcome.error_code, outcome.error_msg)
                else:
                    report.status = outcome.status
        self.operation.adopt(results)

    def adopt(self, stand_in, server):
        """The report of the stand-in record ``stand_in`` (an id of :func:`new_server`) is now the created
        ``server``'s (a record with ``id`` and ``name``): it takes the server's id and name and is keyed by its id."""
        report = self.reports.pop(stand_in)
        report.id, report.name = server["id"], server.get("name")
        self.reports[server["id"]] = report
        return report

    def verify(self):
        done = [sid for sid, report in self.reports.items() if report.action != "none" and report.status == SUCCEEDED]
        if not done:
            return
        try:
            observed = self.operation.read_after(done)
        except ApiError as exc:
            self.operation.warn("the changes succeeded but the final state could not be re-read: %s" % exc.message)
            return
        for server_id, after in observed.items():
            self.check_after(self.reports[server_id], after)

    def check_after(self, report, after):
        if not self.operation.reached(report.after, after):
            done = "job %s succeeded" % report.job_id if report.job_id else "the service accepted the change"
            report.fail(None, "%s but the server shows %s instead of %s; re-run the task"
                        % (done, state_text(after), state_text(report.after)))
        report.after = after

    def outcome(self, changed):
        outcome = Outcome(self.kind, self.reports, self.new_jobs, changed, self.progress)
        outcome.problems.extend(self.problems)
        outcome.extra.update(self.operation.extra_result)
        skipped = outcome.skip_warning()
        outcome.warnings = list(self.operation.warnings) + ([skipped] if skipped else [])
        told = len(self.operation.warnings)
        self.operation.conclude(outcome)
        outcome.warnings.extend(self.operation.warnings[told:])
        return outcome
