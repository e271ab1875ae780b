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

try:
    from types import MappingProxyType
except ImportError:  # Python 2 (ansible-test's compile checks): read-only by convention only
    MappingProxyType = dict

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.disruption import Disruption
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    FAILED, PENDING, STATE, SUCCEEDED, WATCH, AppliedAtOnce, JobKind, SettlesLater, StateWaiter, Submission,
    WaitTimeout, REFUSAL_CATCH_UP, in_transition, succeeded_lately)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import (
    INVALID_STATUSES, STANDS, GaveUp, land, uncertain)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (  # noqa: F401 (named)
    SERVER_STATUSES, ServerReader, find_group, named, resolve_targets)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import OPEN_STATES, SessionReader

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


def target_label(servers=(), group_id=None, group_name=None, noun="server"):
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
    return "[%d %ss: %s%s]" % (len(names), noun, ", ".join(names[:SERVERS_NAMED]),
                               ", ..." if len(names) > SERVERS_NAMED else "")


class ItemKind:
    """What the batch engine acts on, besides how to plan and send it (an :class:`Operation` declares ``items``).

    ``noun`` names one item in messages (``3 server(s) failed``); ``result_key`` is the result's list of
    per-item reports (``servers``); ``identity`` the fields of a report that say which item it is, taken from the
    item's record (a server's ``id`` and ``name``); :meth:`key` the key the engine files an item under (an item
    that does not exist yet is a stand-in record with ``new``). :meth:`reader` reads items again by key, for the
    recovery rule and the waiters (``read(keys)`` -> ``{key: record}``, ``cost(keys)`` -> requests).
    """

    noun = None
    result_key = None
    identity = ("id", "name")

    def key(self, record):
        """The item's key within the run: unique among the targets, known before the item exists (``id`` for a
        server; a stand-in's made-up id for one to be created)."""
        return record["id"]

    def label(self, fields):
        """How messages and ``--diff`` name an item (``fields``: its report's identity)."""
        return server_label(fields.get("id"), fields.get("name"))

    def reader(self, context):
        raise NotImplementedError

    def action(self, item):
        """The word the result's ``action`` shows for a submitted ``item`` (:class:`PlanItem`), when one call kind
        is not the whole story (``publish``, ``unpublish``, ``grant``, ...); None: ``submitted``."""
        return None

    def open_sessions(self, context, records):
        """``{key: [session, ...]}``: the user sessions open on the items of ``records`` (none: items without
        sessions), which a change that interrupts them ends (:meth:`Operation.ending_sessions`)."""
        return {}


class ServerItems(ItemKind):
    """Servers: reports ``id`` and ``name``, read again through the server list (:class:`~.servers.ServerReader`,
    whichever of the group's list or per-id reads costs less)."""

    noun = "server"
    result_key = "servers"

    def reader(self, context):
        return ServerReader(context.client, list(context.targets.values()), context.group_sizes())

    def open_sessions(self, context, records):
        """Read per server group (one listing each), only for servers whose record counts sessions (a record that
        does not tell is read too)."""
        occupied = [record for record in records if record.get("session_count") is None or record["session_count"]]
        if not occupied:
            return {}
        reader = SessionReader(context.client, occupied, states=OPEN_STATES)
        return reader.read([record["id"] for record in occupied])


SERVERS = ServerItems()


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


# What a plan does with an item, and what its report says it did.
NONE = "none"
SKIP = "skip"
SUBMIT = "submit"
WAIT = "wait"
SUBMITTED = "submitted"
WAITED = "waited"


class PlanItem(namedtuple("PlanItem", "record action before after job_id batch_key note")):
    """What one target item (a server, for server operations) needs.

    ``action`` is :data:`NONE` (already as desired), :data:`SKIP` (cannot be acted on, ``note`` says why),
    :data:`SUBMIT` (send it) or :data:`WAIT` (a job is already running on it: wait for ``job_id``, never resubmit).
    ``before``/``after`` are what ``--diff`` shows for the item; items with different ``batch_key`` never share a
    batch (a call kind: each may take another number of items, :meth:`Operation.batch_limit`).
    """

    ACTIONS = (NONE, SKIP, SUBMIT, WAIT)

    def __new__(cls, record, action, before=None, after=None, job_id=None, batch_key=None, note=None):
        if action not in cls.ACTIONS:
            raise ValueError("unknown plan action %r" % action)
        return super(PlanItem, cls).__new__(cls, record, action, before, after, job_id, batch_key, note)

    @property
    def key(self):
        """A server's id (the engine files items by their kind's :meth:`ItemKind.key`)."""
        return self.record["id"]

    @property
    def new(self):
        """Whether the item does not exist yet (a stand-in record: created by the run, its identity known after)."""
        return bool(self.record.get("new"))

    server = property(lambda self: self.record, doc="The record, for server operations.")
    server_id = key


def batches(items, size, weight=None, max_weight=None, fits=None):
    """Consecutive chunks of at most ``size`` items and, with ``weight`` (item -> number), at most ``max_weight``
    in all (an item heavier than that on its own goes alone); with ``fits`` (chunk, item -> bool), an item that does
    not fit the chunk so far begins the next one (a limit of two dimensions: 10 app groups x 50 accounts a call)."""
    chunks = []
    for item in items:
        heavy = weight is not None and chunks and sum(weight(i) for i in chunks[-1]) + weight(item) > max_weight
        full = fits is not None and chunks and chunks[-1] and not fits(chunks[-1], item)
        if not chunks or len(chunks[-1]) >= size or heavy or full:
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def state_text(state):
    """``{"image_id": "x"}`` -> ``image_id=x``, for messages."""
    return ", ".join("%s=%s" % (key, state[key]) for key in sorted(state or {}))


def differences(planned, after):
    """``image_id img-1 instead of img-2``: each field whose re-read value is not the planned one, both values named
    (every field of both when no single field differs: the operation's ``reached`` compares otherwise)."""
    fields = [key for key in sorted(planned or {}) if (after or {}).get(key) != planned[key]]
    if not fields:
        return "%s instead of %s" % (state_text(after), state_text(planned))
    return ", ".join("%s %s instead of %s" % (key, (after or {}).get(key), planned[key]) for key in fields)


class ItemReport:
    """One entry of the per-item result (``servers`` for server operations): the item's identity (its kind's
    ``identity`` fields) and what the run did."""

    ACTION_NAMES = {NONE: NONE, SKIP: NONE, SUBMIT: SUBMITTED, WAIT: WAITED}
    KEYS = ("action", "status", "job_id", "error_code", "error_msg", "before", "after")

    def __init__(self, item, kind=SERVERS):
        self.kind = kind
        self.fields = dict((field, item.record.get(field)) for field in kind.identity)
        if item.new:
            self.fields["id"] = None  # known once created (Rollout.adopt)
        self.action = (kind.action(item) if item.action == SUBMIT else None) or self.ACTION_NAMES[item.action]
        self.submitted = item.action == SUBMIT  # planned to be sent (whatever word ``action`` shows for it)
        self.status = {NONE: UNCHANGED, SKIP: SKIPPED}.get(item.action, PENDING)
        self.job_id = item.job_id
        self.error_code = None
        self.error_msg = item.note
        self.before = item.before
        self.after = item.after if item.action in (SUBMIT, WAIT) else item.before

    id = property(lambda self: self.fields.get("id"), lambda self, value: self.fields.__setitem__("id", value))
    name = property(lambda self: self.fields.get("name"), lambda self, value: self.fields.__setitem__("name", value))

    @property
    def label(self):
        """How messages and ``--diff`` name the item (a server: ``name (id)``, or the id alone)."""
        return self.kind.label(self.fields)

    def fail(self, error_code, error_msg):
        self.status = FAILED
        self.error_code = error_code
        self.error_msg = error_msg
        self.after = self.before  # nothing is known to have changed

    def as_dict(self, keys=KEYS):
        entry = dict(self.fields)
        entry.update((key, getattr(self, key)) for key in keys)
        return entry


ServerReport = ItemReport


class Outcome:
    """What a run did: per-server reports, new jobs, whether anything changed, and what to tell the user.

    ``problems`` are task-level failures besides failed servers (a wait that timed out); ``headline`` is one
    sentence summing the run up (``msg``); ``extra`` holds operation-specific result keys.
    """

    def __init__(self, kind, reports, jobs, changed, progress, items=SERVERS, check_mode=False):
        self.kind = kind
        self.check_mode = check_mode
        self.items = items
        self.reports = reports
        self.jobs = jobs
        self.changed = changed
        self.progress = progress
        self.problems = []
        self.warnings = []
        self.extra = {}
        self.headline = None
        self.headline_in_diff = False
        self.disruption = Disruption()  # what the run destroys and interrupts (Rollout.disruption)

    def order(self):
        """The reports' keys in name order (ties, and items without a name, by key; items still to be created, with
        no id, last): how every per-item list of the result, the diff and the messages is ordered."""
        return sorted(self.reports, key=lambda key: (self.reports[key].id is None, self.reports[key].name or "", key))

    def count(self, predicate):
        return len([report for report in self.reports.values() if predicate(report)])

    def entries(self):
        """The per-item result (``servers`` for server operations), in name order."""
        keys = tuple(key for key in ItemReport.KEYS if key != "job_id" or self.kind.reports_jobs)
        return [self.reports[key].as_dict(keys) for key in self.order()]

    servers = entries

    def summary(self):
        summary = dict(total=len(self.reports), unchanged=0, skipped=0, succeeded=0, failed=0, pending=0)
        for report in self.reports.values():
            summary[report.status] += 1
        return summary

    def failures(self):
        return [self.reports[key] for key in self.order() if self.reports[key].status == FAILED]

    @property
    def failed(self):
        return bool(self.failures() or self.problems)

    def message(self):
        failures = self.failures()
        messages = []
        if failures:
            first = "; ".join("%s: %s" % (r.label, " ".join(p for p in (r.error_code, r.error_msg) if p))
                              for r in failures[:FAILURES_SHOWN])
            messages.append("%d of %d %s(s) failed (%s%s)" % (
                len(failures), len(self.reports), self.items.noun, first,
                "; ..." if len(failures) > FAILURES_SHOWN else ""))
        messages.extend(str(problem) for problem in self.problems)
        if self.headline:
            messages.append(self.headline)
        return "; ".join(messages)

    def skip_warning(self):
        skipped = [self.reports[key] for key in self.order() if self.reports[key].status == SKIPPED]
        if skipped:
            return "%d %s(s) skipped: %s" % (len(skipped), self.items.noun, "; ".join(
                "%s: %s" % (report.label, report.error_msg) for report in skipped))
        return None

    def result(self, diff=False):
        entries = self.entries()
        result = {"changed": self.changed, self.items.result_key: entries, "summary": self.summary()}
        if self.kind.reports_jobs:
            result["jobs"] = self.jobs
        result.update(self.extra)
        result.update(self.disruption.result())
        if self.progress:
            result["progress"] = self.progress
        if diff:
            # keyed by name (id): a diff of UUIDs alone does not say which servers change
            acted = [(self.reports[key].label, entry) for key, entry in zip(self.order(), entries)
                     if entry["action"] != NONE]
            result["diff"] = dict(before=dict((label, s["before"]) for label, s in acted),
                                  after=dict((label, s["after"]) for label, s in acted))
            if self.headline_in_diff and self.headline:
                result["diff"]["after_header"] = self.headline
            if self.disruption:
                result["diff"]["prepared"] = self.disruption.text(self.check_mode)
        if self.headline and not self.failed:
            result["msg"] = self.headline
        return result


class Operation:
    """A batch operation, as declarations. Subclasses set:

    * ``kind``: a :class:`~.jobs.JobKind` (job type, running task status, polling strategy),
      :class:`~.jobs.AppliedAtOnce` or :class:`~.jobs.SettlesLater`;
    * ``options`` (its own argument spec, besides targets/wait/connection), ``module_kwargs`` and ``rules``
      (value checks, see :mod:`.module`);
    * :meth:`plan_server` -> :class:`PlanItem` and :meth:`send` -> ``{key: Submission}``;
    * ``items``: what it acts on (:class:`ItemKind`; servers unless it says otherwise);

    and may override :meth:`find_targets`, :meth:`prepare` (read once what planning needs), :meth:`observe`
    with :meth:`reached` (how a re-read proves the change applied), :meth:`read_after` and :meth:`conclude`
    (the headline of the outcome). Its hooks read the run through ``self.context`` (:class:`RunContext`: the
    client, the parameters, the targets, the group, the deadline, progress), never the engine itself.
    """

    kind = None
    items = SERVERS
    options = {}
    module_kwargs = {}
    rules = ()
    max_batch_size = 20
    max_batch_weight = None  # with batch_weight: what one call may carry in all (e.g. sessions per logoff)
    group_targets = False  # the targets are one server group (server_group_id or server_group_name), never ids
    # False: the items are not servers (apps of an app group, group x account pairs): the module has none of the
    # server target options (server_ids, server_group_id, server_group_name, batch_size); its own options say what
    # it acts on, find_targets reads the items and batch_limit says how many a call takes
    server_targets = True
    # What a submitted item undergoes that the operator must see before it happens (the plan's destroys and
    # interrupts, in check mode, --diff and the result): DELETED (it goes away) or the word of an interruption
    # ("rebuilt", "rebooted"); the user sessions open on it end either way. Per item: disruption(item).
    disrupts = None
    warns_of_sessions = True  # the real run (and check mode) warns naming the user sessions that end

    unverified = None  # why a re-read cannot prove the change (then no observe, read_states or read_after is declared)

    @classmethod
    def declaration_errors(cls):
        """What is wrong with the declarations (empty when nothing is), so that a pairing the engine needs cannot be
        left out: checked when the module is built (and by a unit test of every module), not when a wait runs."""
        def declared(name):
            return getattr(cls, name) is not getattr(Operation, name)

        errors = ["%s is not declared" % name for name in ("send",) if not declared(name)]
        if not (declared("plan_item") or declared("plan_server")):
            errors.append("plan_item (plan_server, for servers) is not declared")
        kind = cls.kind
        if not isinstance(kind, (JobKind, AppliedAtOnce, SettlesLater)):
            errors.append("kind must be a JobKind, AppliedAtOnce or SettlesLater, not %r" % (kind,))
            return errors
        verified = cls.observe is not None or declared("read_states") or declared("read_after")
        if not verified and not cls.unverified:
            errors.append("nothing proves the change: declare observe (or read_states/read_after), or say why not "
                          "in unverified")
        if isinstance(kind, AppliedAtOnce) and (cls.observe is None or not declared("reached")):
            errors.append("AppliedAtOnce settles a lost answer by observe(record) and reached(planned, after): "
                          "declare both")
        if kind.settles_by_state and not (declared("reached") and (cls.observe is not None or declared("read_states"))):
            errors.append("a kind that settles by state reads read_states (or observe) until reached(planned, "
                          "after): declare reached and one of them")
        if isinstance(kind, SettlesLater) and not declared("accepted"):
            errors.append("SettlesLater settles a lost answer by accepted(item, record): declare it, or every server "
                          "whose answer was lost fails \"may have been applied\"")
        if not cls.server_targets and not (declared("find_targets") and declared("batch_limit")):
            errors.append("items that are not servers (server_targets = False) are read by find_targets and cut by "
                          "batch_limit: declare both")
        if cls.max_batch_weight and not declared("batch_weight"):
            errors.append("max_batch_weight needs batch_weight(item)")
        return errors

    def __init__(self, module):
        self.module = module
        self.params = MappingProxyType(module.params)  # frozen: what the task asked, never rewritten
        self.warnings = []
        self.extra_result = {}
        self.context = None  # the RunContext of the run, set by the engine before planning

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
        return resolve_targets(self.client, self.params["server_ids"], self.context.group_id,
                               group=self.context.group).servers

    def prepare(self, servers):
        """Read, once, whatever planning needs besides the server records."""

    def awaits_registration(self, record):
        """Whether the change needs this target REGISTERED and it is not (yet): before planning, the run waits (within
        its deadline) for such servers that are in transition (:func:`~.jobs.in_transition`: rebuilt, powered, the
        agent registering again) and plans them as they are then. By default no operation waits."""
        return False

    def plan_new(self):
        """:class:`PlanItem` s for servers that do not exist yet (to be created), after :meth:`plan_server` of the
        existing ones. Each has a stand-in record (:func:`new_server`); :meth:`adopt` swaps it for the server the
        job created."""
        return []

    def batch_limit(self, batch_key):
        """Items one call may carry for ``batch_key`` (``batch_size`` unless the call takes another number)."""
        return self.params["batch_size"]

    def accepted(self, item, record):
        """For :class:`~.jobs.SettlesLater`: whether a server's ``record``, read after a call whose answer was lost,
        shows the change accepted (True: wait for it), not (False: send it again), or cannot tell (None)."""
        return None

    def shows_within(self):
        """For :class:`~.jobs.SettlesLater`: seconds within which :meth:`read_states` shows a change the service
        accepted (a logoff: its ``delay_time`` and a margin), or None when no wait tells (a reboot that is over shows
        nothing). A server that :meth:`accepted` cannot tell about, after a call whose answer was lost or a server
        error, is then watched that long (:meth:`Rollout.watch`) instead of failing "may have been applied"."""
        return None

    def before_submit(self, items, deadline):
        """The items to submit, once planning is over (never in check mode): an operation may first prepare them
        (drain sessions), failing those it could not prepare through their reports, before ``deadline``."""
        return items

    def adopt(self, results):
        """After the wait (``{job id: JobResult}``): swap the stand-ins of :meth:`plan_new` for the servers the jobs
        created (:meth:`Rollout.adopt`)."""

    def plan_item(self, record):
        """The :class:`PlanItem` of one target item (its record as :meth:`find_targets` read it)."""
        return self.plan_server(record)

    def plan_server(self, server):
        """:meth:`plan_item` of a server operation."""
        raise NotImplementedError

    def send(self, items):
        """One API call for ``items`` (one batch): ``{server_id: Submission}``; raises ApiError."""
        raise NotImplementedError

    def batch_weight(self, item):
        """What ``item`` weighs against ``max_batch_weight``."""
        return 1

    def disruption(self, item):
        """What submitting ``item`` does to it that the operator must see first: None (nothing is lost),
        :data:`~.disruption.DELETED` (it goes away) or the word of an interruption (``rebooted``). By default
        ``disrupts`` for every submitted item that exists already."""
        return self.disrupts if item.action == SUBMIT and not item.new else None

    def ending_sessions(self, plan):
        """``{key: [session, ...]}``: the user sessions the plan ends, read while planning (before anything is
        sent): by default those open on the items :meth:`disruption` names (the item kind's ``open_sessions``)."""
        disrupted = [item.record for item in plan if self.disruption(item)]
        return self.items.open_sessions(self.context, disrupted) if disrupted else {}

    batch_fits = None  # (chunk, item) -> whether item may join chunk: a call's limit that a count cannot say

    observe = None  # record -> the state it shows (same keys as the plan's ``after``): verify by re-reading

    def reached(self, planned, after):
        """Whether ``after`` (re-read) shows the ``planned`` state; a server whose change succeeded but that does
        not is reported failed (e.g. a job already running when planning turned out to aim elsewhere)."""
        return True

    def read_states(self, server_ids):
        """``{server_id: state}`` read now (the keys of the plan's ``after``): by default the server list through
        :meth:`observe`."""
        if self.observe is None:
            return {}
        return dict((sid, self.observe(record)) for sid, record in self.context.reader().read(server_ids).items())

    def state_cost(self, server_ids):
        """Requests :meth:`read_states` is expected to send."""
        return self.context.reader().cost(server_ids)

    def read_after(self, server_ids):
        """``{server_id: after}`` once the changes succeeded: the states the waiter read when it saw each server
        done (``final_states``, or its server records through :meth:`observe`), reading again through
        :meth:`read_states` only those that did not show the planned state (a record may lag behind its job)."""
        waiter = self.context.waiter
        states = dict(getattr(waiter, "final_states", None) or {})
        if self.observe is not None:
            for sid, record in (getattr(waiter, "final_records", None) or {}).items():
                states.setdefault(sid, self.observe(record))
        missing = [sid for sid in server_ids if sid not in states
                   or not self.reached(self.context.report(sid).after, states[sid])]
        if missing:
            states.update(self.read_states(missing))
        return dict((sid, states[sid]) for sid in server_ids if sid in states)

    def conclude(self, outcome):
        """Set ``outcome.headline`` (and warnings) once the run is over."""

    def broken(self, planned, after):
        """Why ``after`` (re-read while waiting) shows the change can no longer come (the server ended in
        ``ERROR``), or None: the waiter fails such a server at once instead of waiting for it to the deadline."""
        return None

    def describe_state(self, state):
        """What a server still waited for shows when the wait on state ended (:class:`~.jobs.SettlesLater`): the
        failure a timeout leaves it with, after ``after <wait_timeout>s``."""
        return "still shows %s" % state_text(state)

    def waiting(self, pending):
        """What the servers still waited for show, for a progress line (:class:`~.jobs.SettlesLater`): ``pending``
        lists ``(server id, name, state)`` of each, the state as the last round read it (None: not read yet). By
        default their names; an operation says more (the vm_status not reached yet, the sessions still on)."""
        return "waiting for %s" % named(name for _sid, name, _state in pending)


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
        # what each server showed last: the progress lines' words (waiting) and, for one that fails, its after-state
        self.rollout.read_back.update(states)
        self.broken = dict((sid, operation.broken(reports[sid].after, state)) for sid, state in states.items())
        self.broken = dict((sid, why) for sid, why in self.broken.items() if why)
        return dict((sid, state) for sid, state in states.items() if operation.reached(reports[sid].after, state))

    def waiting(self, server_ids):
        """The operation's words (:meth:`Operation.waiting`) for what ``server_ids``, still waited for, show."""
        reports, shown = self.rollout.reports, self.rollout.read_back
        return self.rollout.operation.waiting([(sid, reports[sid].name or sid, shown.get(sid))
                                               for sid in sorted(server_ids, key=lambda s: reports[s].name or s)])


class TransitionProbe:
    """A waiter's state read (``cost``, ``read``, ``waiting``) for servers in transition: a server whose record no
    longer shows one (or that is no longer listed) is done; ``why`` keeps what each still showed."""

    def __init__(self, rollout, why):
        self.rollout = rollout
        self.why = dict(why)

    def cost(self, server_ids):
        return self.rollout.reader().cost(server_ids)

    def read(self, server_ids):
        records = self.rollout.reader().read(server_ids)
        for sid in server_ids:
            self.why[sid] = in_transition(records[sid]) if sid in records else None
        return dict((sid, True) for sid in server_ids if not self.why[sid])

    def waiting(self, server_ids):
        reports = self.rollout.targets
        return "waiting for %s" % named("%s (%s)" % ((reports.get(sid) or {}).get("name") or sid, self.why.get(sid))
                                        for sid in server_ids)


class RunContext:
    """What an operation's hooks may read of its run (a read-only view of the engine's state): the client, the frozen
    parameters, the target group (``group``: its record when the run read it; ``group_id``: its id, also when it was
    given by name), the targets as planning read them, a reader of the items, the run's one deadline, the progress
    lines, the items' reports (:meth:`report`: a hook that could not prepare an item fails it there) and what the
    waiter read (``waiter``). :meth:`adopt` gives a new item's report the record it was created as."""

    def __init__(self, rollout):
        self._rollout = rollout

    client = property(lambda self: self._rollout.client)
    params = property(lambda self: self._rollout.params)
    check_mode = property(lambda self: self._rollout.operation.check_mode)
    group = property(lambda self: self._rollout.group)
    group_id = property(lambda self: self._rollout.group_id)
    targets = property(lambda self: MappingProxyType(self._rollout.targets))
    deadline = property(lambda self: self._rollout.deadline)
    progress = property(lambda self: self._rollout.progress)
    waiter = property(lambda self: self._rollout.waiter)
    maybe_applied = property(lambda self: self._rollout.maybe_applied)

    def reader(self):
        return self._rollout.reader()

    def group_sizes(self):
        return self._rollout.group_sizes()

    def report(self, key):
        return self._rollout.reports[key]

    def reports(self):
        """``(key, report)`` of every item, in key order."""
        return sorted(self._rollout.reports.items())

    def adopt(self, stand_in, record):
        return self._rollout.adopt(stand_in, record)


class Rollout:
    """Runs one :class:`Operation`: plan, submit in batches (recovering a 409 or a lost response), wait under
    one deadline, verify by re-reading, and return the :class:`Outcome`."""

    def __init__(self, operation, progress=None, group=None):
        self.operation = operation
        self.context = operation.context = RunContext(self)
        self.kind = operation.kind
        self.items = operation.items
        self.params = operation.params
        self.client = operation.client
        self.progress = progress if progress is not None else ProgressLines()
        self.group = group  # the target group's detail record, when it was found by name (or given)
        self.group_id = self.params.get("server_group_id")  # the target group's id, also when it was named
        self.targets = {}  # server id -> the record planning used
        self.reports = {}
        self.jobs = {}  # job id -> server ids waited for
        self.new_jobs = []  # jobs this run started, in submission order
        self.applied = []  # servers changed at once (AppliedAtOnce)
        self.accepted = []  # servers whose change the service accepted, carried out later (SettlesLater)
        self.maybe_applied = False  # a batch lost its response: it may have changed something
        self.waiter = None  # the waiter of this run, once it waited: read_after may use what it read
        self.problems = []
        self.deadline = None  # monotonic time by which the run's waits end (wait_timeout from the first submission)
        self.gave_up = None  # the error that ended a batch's resends: no later batch is sent
        self.disruptions = {}  # key -> what submitting the item does to it (Operation.disruption)
        self.ending = {}  # key -> the user sessions the plan ends on it (Operation.ending_sessions)
        self.read_back = {}  # key -> the state read of an item while waiting or after a timeout (its after-state)
        self.caught_up = set()  # keys read again after their job succeeded, until the deadline (Rollout.catch_up)
        self.unsettled = {}  # server id -> why it was still in transition at the deadline (await_transitions)
        self.refusals = {}  # key -> the refusal of an item whose last job of this kind succeeded lately (record)

    # -- reading ---------------------------------------------------------------
    def group_sizes(self):
        """``{group id: size}`` for a group whose every server is a target (read whole while planning)."""
        return {self.group_id: len(self.targets)} if self.group_id else {}

    def reader(self):
        """Reads target items again in as few requests as it can (the item kind's reader)."""
        return self.items.reader(self.context)

    def key(self, item):
        """The key a :class:`PlanItem` is filed under in this run (its kind's :meth:`ItemKind.key`)."""
        return self.items.key(item.record)

    # -- the cycle ---------------------------------------------------------------
    def plan(self):
        # Label the progress lines from the options at once, then by the records' names once they are read.
        if self.operation.server_targets:
            self.progress.label = target_label([dict(id=sid) for sid in self.params.get("server_ids") or []],
                                               self.params.get("server_group_id"),
                                               self.params.get("server_group_name"))
        if self.operation.server_targets and self.params.get("server_group_name"):
            # by exact name, as app_server_group does; from here on the group is its id
            self.group = find_group(self.client, name=self.params["server_group_name"], option="server_group_name")
            self.group_id = self.group["id"]
        servers = self.find_targets()
        if self.await_transitions(servers):
            servers = self.find_targets()  # as they are now
        return [self.operation.plan_item(server) for server in servers] + list(self.operation.plan_new())

    def find_targets(self):
        servers = sorted(self.operation.find_targets(), key=self.items.key)  # stable batches
        self.targets = dict((self.items.key(server), server) for server in servers)
        self.progress.label = self.target_label(servers)
        self.operation.prepare(servers)
        return servers

    def await_transitions(self, servers):
        """Wait, before planning, for the targets the change needs REGISTERED that are in transition
        (:meth:`Operation.awaits_registration`, :func:`~.jobs.in_transition`), reading their server records at the
        waiters' pace until none is or the deadline passes (which starts here: the one deadline of the task); those
        still in transition then are failed (``unsettled``). True when it waited (the targets are read again)."""
        if self.operation.check_mode or not self.params.get("wait", True) or not self.params.get("wait_timeout"):
            return False
        awaited = [self.items.key(record) for record in servers if self.operation.awaits_registration(record)]
        if not awaited:
            return False
        records = self.reader().read(awaited)
        moving = dict((sid, in_transition(record)) for sid, record in records.items())
        moving = dict((sid, why) for sid, why in moving.items() if why)
        if not moving:
            return False
        for sid in sorted(moving):
            if records[sid].get("status") not in SERVER_STATUSES:
                self.operation.warn("%s shows status %s, a value this collection does not know: it was waited for as "
                                    "a transition" % (server_label(sid, records[sid].get("name")),
                                                      records[sid].get("status")))
        self.deadline = time.monotonic() + self.params["wait_timeout"]
        self.client.deadline = self.deadline
        probe = TransitionProbe(self, moving)
        self.progress.append("%d server(s) in transition before planning: %s" % (
            len(moving), probe.waiting(sorted(moving))))
        waiter = StateWaiter(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                             progress=self.progress.append, observed=probe)
        outcomes = waiter.wait_for(sorted(moving), deadline=self.deadline, fresh=True)
        self.unsettled = dict((sid, probe.why.get(sid) or moving[sid]) for sid, outcome in outcomes.items()
                              if outcome.status == PENDING)
        return True

    def target_label(self, servers):
        """The progress label of the resolved targets: a group by the name it was found by, or the name its
        servers' records carry (the server list's ``server_group_name``), else by its id; servers by name."""
        group_id = self.group_id
        if not group_id:
            return target_label([dict(id=self.items.key(record), name=record.get("name")) for record in servers],
                                noun=self.items.noun)
        names = [(self.group or {}).get("name")] + [server.get("server_group_name") for server in servers
                                                    if server.get("server_group_id") == group_id]
        return target_label(group_id=group_id, group_name=next((name for name in names if name), None))

    def run(self):
        plan = self.plan()
        self.reports = dict((self.key(item), ItemReport(item, self.items)) for item in plan)
        self.disruptions = dict((self.key(item), self.operation.disruption(item)) for item in plan)
        self.ending = self.operation.ending_sessions(plan)
        for key, why in sorted(self.unsettled.items()):
            if key in self.reports:
                self.reports[key].fail(None, "still in transition when the task's deadline passed (%s)" % why)
        to_submit = [item for item in plan if item.action == SUBMIT and self.key(item) not in self.unsettled]
        for item in plan:
            if item.action == WAIT:
                self.jobs.setdefault(item.job_id, []).append(self.key(item))
        if self.operation.check_mode:
            changed = bool(to_submit)
        else:
            if self.params.get("wait_timeout") and self.deadline is None:  # else set by await_transitions
                self.deadline = time.monotonic() + self.params["wait_timeout"]
                if self.client is not None:
                    self.client.deadline = self.deadline  # no retry waits past it either
            self.submit(self.operation.before_submit(to_submit, self.deadline))
            if (self.jobs or self.accepted) and self.params.get("wait"):
                self.wait()
            self.verify()
            changed = bool(self.new_jobs or self.applied or self.accepted) or self.maybe_applied
        return self.outcome(changed)

    def batches(self, items):
        by_key = {}
        for item in items:
            by_key.setdefault(item.batch_key, []).append(item)
        weight = self.operation.batch_weight if self.operation.max_batch_weight else None
        return [chunk for key, group in by_key.items()
                for chunk in batches(group, self.operation.batch_limit(key), weight, self.operation.max_batch_weight,
                                     self.operation.batch_fits)]

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
                    self.reports[self.key(item)].fail(exc.error_code, exc.message)
                self.fail_later(chunks[index + 1:], exc)
                break
            for item in chunk:
                self.record(item, answers.get(self.key(item))
                            or Submission(error_msg="the service returned no job for this %s" % self.items.noun))
            self.progress.append("batch %d/%d: %d %s(s) submitted" % (index + 1, len(chunks), len(chunk),
                                                                      self.items.noun))
            if self.gave_up is not None:
                self.fail_later(chunks[index + 1:], self.gave_up)
                break

    def fail_later(self, chunks, exc):
        for chunk in chunks:
            for item in chunk:
                self.reports[self.key(item)].fail(None, "not submitted: an earlier batch failed (%s)" % exc.message)

    def record(self, item, answer):
        report = self.reports[self.key(item)]
        report.job_id = answer.job_id
        if answer.error_code and self.done_lately(item):
            # refused, but its last job of this kind succeeded minutes ago: the service may refuse because the change
            # is there already while the record lags behind (an image change onto the image it has). That job is
            # taken as the change, and the record read again until it shows it (verify); the refusal stands if not.
            report.job_id, report.action, report.status = item.record.get("job_id"), WAITED, SUCCEEDED
            self.refusals[self.key(item)] = answer
        elif answer.error_code or not (answer.job_id or answer.applied or answer.accepted):
            report.fail(answer.error_code, answer.error_msg)
            self.maybe_applied = self.maybe_applied or answer.maybe_applied
        elif answer.applied:
            report.status = SUCCEEDED
            self.applied.append(self.key(item))
        elif answer.accepted:
            self.accepted.append(self.key(item))  # no job: waited for by reading its state
        else:
            # a new item (to be created) is nothing to poll: its job's sub jobs name what it makes
            waited = self.jobs.setdefault(answer.job_id, [])
            if not item.new:
                waited.append(self.key(item))
            if answer.waited:
                report.action = WAITED
            elif answer.job_id not in self.new_jobs:
                self.new_jobs.append(answer.job_id)

    def done_lately(self, item):
        """Whether ``item``'s record shows its last job of this operation's kind ended SUCCESS minutes ago
        (:func:`~.jobs.succeeded_lately`), for a server still planned to change."""
        job_type = getattr(self.kind, "job_type", None)
        return bool(job_type) and not item.new and succeeded_lately(item.record, job_type)

    def recover(self, items, exc):
        """A batch whose call failed with ``exc``, settled by :meth:`submit_batch`'s rule without sending it first."""
        return self.submit_batch(items, failed=exc)

    def submit_batch(self, items, failed=None):
        """One batch, landed by the one recovery rule (:func:`~.recovery.land`): after a lost response, a server
        error, throttling or a conflict (409, or a 400: the service's "busy" is either; what the kind settles) the
        servers' records tell what happened (the kind reads them); only servers they show unchanged are sent again,
        up to ``max_retries`` resends and never past the run's deadline. A 400 that nothing on the servers explains
        (no job or task running, nothing applied) stands as the service gave it: nothing is sent again."""
        by_key = dict((self.key(item), item) for item in items)

        def settle(keys, exc):
            records = self.reader().read(keys)
            verdicts = dict((key, self.kind.recovered(by_key[key], records.get(key) or {}, exc, self.operation))
                            for key in keys)
            watched = [key for key in keys if verdicts[key] is WATCH]
            if watched:
                verdicts.update(self.watch(watched, exc))
            if exc.status in INVALID_STATUSES and not any(verdicts.values()):
                return STANDS  # a 400 that no job, task or change on the servers explains: the request is refused
            return verdicts

        try:
            return land(list(by_key), lambda keys: self.operation.send([by_key[key] for key in keys]),
                        settle, self.params.get("max_retries"), deadline=self.deadline, settles=self.kind.settles,
                        failed=failed)
        except GaveUp as exc:
            # resends kept failing (the service is down, or refuses): what landed stands, the rest fails, and the
            # next batches would fail too
            self.gave_up, self.maybe_applied = exc, self.maybe_applied or exc.maybe_applied
            answers = dict(exc.answers)
            answers.update((key, Submission(error_code=exc.error_code, error_msg=exc.message)) for key in exc.pending)
            return answers

    def watch(self, keys, exc):
        """Items a call went to whose answer did not tell (``exc``: lost, or a server error) and whose records cannot
        tell either (:data:`~.jobs.WATCH`): their state is read for :meth:`Operation.shows_within` seconds, never past
        the run's deadline. ``{key: verdict}`` for :func:`~.recovery.land`: an item that shows the change was
        accepted; one that still shows none when that time is over was not applied (None: sent again); one still
        waited for when the deadline came first fails, saying the call may have been applied."""
        maybe = "%s; the call may have been applied" % exc.message
        window = self.operation.shows_within()
        until = time.monotonic() + window
        deadline = until if self.deadline is None else min(until, self.deadline)
        self.progress.append("%d %s(s): %s; reading their state for up to %ds before sending the call again" % (
            len(keys), self.items.noun, maybe, max(0, deadline - time.monotonic())))
        waiter = StateWaiter(self.client, window, self.params["poll_interval"], progress=self.progress.append,
                             observed=StateProbe(self))
        outcomes = waiter.wait_for(keys, deadline=deadline)
        verdicts = {}
        for key in keys:
            outcome = outcomes.get(key)
            if outcome is not None and outcome.status == SUCCEEDED:
                verdicts[key] = Submission(accepted=True)
            elif outcome is not None and outcome.status == FAILED:
                verdicts[key] = Submission(error_code=outcome.error_code, maybe_applied=True,
                                           error_msg="%s; %s" % (maybe, outcome.error_msg))
            elif deadline < until:
                shown = self.read_back.get(key)
                verdicts[key] = Submission(error_code=exc.error_code, maybe_applied=True, error_msg="%s: the task's "
                                           "deadline came before the state could tell (%s)" % (
                                               maybe, self.operation.describe_state(shown) if shown is not None
                                               else "not read"))
            else:
                verdicts[key] = None  # still as before once the change would show: not applied
        return verdicts

    def wait(self):
        waiter = self.kind.waiter_class(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                                        progress=self.progress.append, servers=list(self.targets.values()),
                                        group_sizes=self.group_sizes(),
                                        observed=StateProbe(self) if self.kind.settles_by_state else None,
                                        endpoint=self.kind.endpoint)
        self.waiter = waiter
        awaited = dict(self.jobs)
        if self.accepted:
            awaited[STATE] = list(self.accepted)
        timed_out = None
        try:
            # the wait cannot end before the jobs just submitted do: their first round is one poll_interval away
            results = waiter.wait(awaited, deadline=self.deadline, fresh=bool(self.new_jobs or self.accepted))
        except WaitTimeout as exc:
            results, timed_out = exc.results, exc
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
        for warning in waiter.unknown_values():
            self.operation.warn(warning)
        if timed_out is not None and STATE in results:
            self.fail_unsettled()
        elif timed_out is not None:
            self.problems.append(timed_out)
        self.operation.adopt(results)

    def fail_unsettled(self):
        """After a wait on state that timed out, each server still waited for fails with what it shows now (there is
        no job to name): read once more, a server that shows the change just after the last round succeeded."""
        waited = sorted(sid for sid in self.accepted if self.reports[sid].status == PENDING)
        try:
            states, unread = self.operation.read_states(waited), None
        except ApiError as exc:
            states, unread = {}, exc.message
        for server_id in waited:
            report, state = self.reports[server_id], states.get(server_id)
            if state is not None and self.operation.reached(report.after, state):
                report.status = SUCCEEDED  # done just after the last round: verify() takes its state
                self.waiter.final_states[server_id] = state
                continue
            shown = self.operation.describe_state(state) if state is not None else \
                "it could not be re-read (%s)" % unread
            report.fail(None, "after %ss %s" % (self.params["wait_timeout"], shown))
            report.after = state if state is not None else report.before
            if state is not None:
                self.read_back[server_id] = state

    def adopt(self, stand_in, record):
        """The report of the stand-in filed under ``stand_in`` (for servers an id of :func:`new_server`) is now the
        created item's (its ``record``, with its identity fields): it takes them and is filed under its key."""
        report = self.reports.pop(stand_in)
        report.fields.update((field, record.get(field)) for field in self.items.identity)
        self.reports[self.items.key(record)] = report
        return report

    def went(self, key):
        """Whether the change of the item filed under ``key`` reached the service (it failed there or later, not
        before it was sent)."""
        report = self.reports[key]
        return report.status != FAILED or bool(report.job_id) or key in self.accepted or key in self.applied

    def verify(self):
        self.read_failed()
        done = [key for key, report in self.reports.items() if report.action != NONE and report.status == SUCCEEDED]
        if not done:
            return
        try:
            observed = self.operation.read_after(done)
            lagging = sorted(key for key, after in observed.items() if self.lags(self.reports[key], after))
            refused = [key for key in lagging if key in self.refusals]
            if refused:  # a refusal for another reason must not hold the task to its deadline
                observed.update(self.catch_up(refused, REFUSAL_CATCH_UP))
            ours = [key for key in lagging if key not in self.refusals]
            if ours:
                observed.update(self.catch_up(ours))
        except ApiError as exc:
            self.operation.warn("the changes succeeded but the final state could not be re-read: %s" % exc.message)
            return
        for server_id, after in observed.items():
            self.check_after(self.reports[server_id], after, caught_up=server_id in self.caught_up)

    def lags(self, report, after):
        """Whether ``after`` (re-read once the item's job succeeded) may only lag behind the job: it does not show the
        planned state but still shows, in every field of the plan, what the item showed before. A third value (a job
        that aimed elsewhere, another operator's change) is no lag: it fails at once."""
        if not report.job_id or self.operation.reached(report.after, after):
            return False
        before, after = report.before or {}, after or {}
        return all(after.get(key) == before.get(key) for key in report.after or {})

    def catch_up(self, keys, within=None):
        """``{key: state}`` of items whose job succeeded but whose record does not show the change yet (the service's
        records lag behind its jobs): read again, at the waiters' polling pace and budget, until each shows it or the
        deadline passes (or ``within`` seconds: then its last state, for :meth:`check_after` to fail it). Nothing to
        wait with when the run has no deadline (``wait: false``)."""
        if self.deadline is None or not self.params.get("wait", True):
            return {}
        deadline = self.deadline if within is None else min(self.deadline, time.monotonic() + within)
        noun = self.items.noun
        self.progress.append("%d %s(s) whose job succeeded do not show the change yet (%s): reading them again "
                             "until they do" % (len(keys), noun, named(self.reports[key].label for key in keys)))
        waiter = StateWaiter(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                             progress=self.progress.append, observed=StateProbe(self))
        waiter.wait_for(keys, deadline=deadline, fresh=True)
        self.caught_up.update(keys)
        return dict((key, waiter.final_states.get(key, self.read_back.get(key))) for key in keys
                    if key in waiter.final_states or key in self.read_back)

    def read_failed(self):
        """A failed item whose change was sent shows its after-state as read back (what the wait read last, else
        one read of the operation's state now), not its before-state: a stop that failed reads ``ERROR``."""
        failed = sorted(key for key, report in self.reports.items()
                        if report.status == FAILED and report.action != NONE and report.id and self.went(key))
        records = getattr(self.waiter, "final_records", None) or {}
        if self.operation.observe is not None:
            for key in failed:
                if key not in self.read_back and key in records:
                    self.read_back[key] = self.operation.observe(records[key])
        missing = [key for key in failed if key not in self.read_back]
        if missing:
            try:
                self.read_back.update(self.operation.read_states(missing))
            except ApiError:
                pass  # nothing read: the before-state stands (nothing is known to have changed)
        for key in failed:
            if key in self.read_back:
                self.reports[key].after = self.read_back[key]

    def check_after(self, report, after, caught_up=False):
        if not self.operation.reached(report.after, after):
            done = "job %s succeeded" % report.job_id if report.job_id else "the service accepted the change"
            refused = self.refusals.get(report.id)
            if refused is not None:
                report.fail(refused.error_code, "%s (its job %s succeeded lately, but the server still shows %s)"
                            % (refused.error_msg, report.job_id, differences(report.after, after)))
            elif caught_up:
                report.fail(None, "%s, but when the task's deadline passed the %s still showed %s"
                            % (done, self.items.noun, differences(report.after, after)))
            else:
                report.fail(None, "%s but the server shows %s instead of %s; re-run the task"
                            % (done, state_text(after), state_text(report.after)))
        report.after = after

    def disruption(self, outcome):
        """What the plan destroys and interrupts (check mode), or what the run did (the items whose change was sent),
        each item in name order followed by the sessions on it that end."""
        disruption = Disruption()
        check_mode = self.operation.check_mode
        for key in outcome.order():
            verb, sessions = self.disruptions.get(key), self.ending.get(key) or []
            if not (verb or sessions) or self.reports[key].action == NONE:
                continue
            if check_mode or self.went(key):
                disruption.item(self.items.noun, self.reports[key].label, verb, sessions)
        return disruption

    def outcome(self, changed):
        outcome = Outcome(self.kind, self.reports, self.new_jobs, changed, self.progress, self.items,
                          check_mode=self.operation.check_mode)
        outcome.problems.extend(self.problems)
        outcome.extra.update(self.operation.extra_result)
        outcome.disruption = self.disruption(outcome)
        skipped = outcome.skip_warning()
        ended = outcome.disruption.warning(self.operation.check_mode) if self.operation.warns_of_sessions else None
        outcome.warnings = list(self.operation.warnings) + ([skipped] if skipped else []) + ([ended] if ended else [])
        told = len(self.operation.warnings)
        self.operation.conclude(outcome)
        outcome.warnings.extend(self.operation.warnings[told:])
        return outcome
