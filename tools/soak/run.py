"""Fault soak: every mutating module against hundreds of simulated servers with injected faults.

One simulator per seed, started in this process; every task is a real ``ansible-playbook`` run
(``tests.harness`` ``PlaybookRunner``). Phases:

``converge``
    Faults on (``--fault-rate`` split evenly between 429 with ``Retry-After``, 500/503 before the handler,
    dropped connections, lost responses of applied requests and 500 answers of applied requests). The playbook sets the settings of every server group
    (``app_server_group``), re-applies the virtual session IP setting where its last job failed
    (``app_server_tsvi``), brings every access agent to the latest version (``app_server_hda_upgrade``),
    rebuilds every server onto one image (``app_server_image``), puts the first group into maintenance mode
    (``app_server_maintenance``), grows the second by FLEET_GROWTH servers (``app_server_fleet``) and stops the
    servers of the last one (``app_server_power``), publishes SOAK_APPS applications into an app group
    (``app_application``, ``purge``) and grants SOAK_USERS directory users on two app groups
    (``app_group_authorization``); every job task targets all servers, but for the reinstall of REINSTALL_SERVERS
    servers of the fleet group (``app_server_reinstall``, its re-run rule ``skip_succeeded_within``: a server
    reinstalled successfully within the hour is left alone). The golden image steps: an image server created with
    apps attached (``app_image_server``), an image built from it (``app_image``), and an image server the tenant had
    deleted with what was made for it (``app_image_server``, ``state: absent``, ``delete_related``). Then REJOIN_SERVERS
    servers of the first group rejoin their domain (``app_server_rejoin_domain``, after every other job on them, so
    that its re-run rule leaves them alone), the open sessions of LOGOFF_SERVERS servers of that group are logged off
    (``app_session_logoff``, ``delay_time: 0``), an app group is made and another one's description changed
    (``app_group``), a policy group is made for the new app group (``app_policy_group``) and a one-off schedule task
    a year ahead for the second server group (``app_schedule_task``). A failed
    run is run again (a "round"), at most ``--rounds`` times: whole, as a user re-runs a playbook, or with
    ``--rerun from-failed`` from the task that failed, as ``--start-at-task`` does.
``idempotent``
    Faults off, the same tasks once more: every task reports ``changed: false`` and sends no mutation.
``resume-hda`` / ``resume-image``
    Faults on. A new desired state (new latest HDA version, another image) with jobs that would last an
    hour; a task with ``wait_timeout: 1`` must fail naming the jobs still running. The re-run with a long
    ``wait_timeout`` must wait for exactly those jobs, submit nothing for their servers, and succeed. The
    simulator clock jumps past the long jobs once the re-run has read those servers' records, that is once it
    has planned (see :class:`ClockJump`), so the re-run does not wait an hour.
``crash-hda`` / ``crash-image`` / ``crash-access``
    Faults on. Another new desired state (HDA version, image; for access CRASH_USERS new users granted on the
    CRASH_ACCESS_GROUPS new app groups, ACCESS_CALL_ACCOUNTS accounts per grant call); ``ansible-playbook`` is killed
    with SIGKILL, with its whole process tree, at a point drawn from the seed: after k accepted submissions or (for
    a job) in the middle of the wait. The re-run must converge and submit nothing twice (a submission in flight at
    the kill included); for access, no pair granted twice, and a re-run without faults after it sends nothing.

Checks (every failed one is listed and makes the exit status 1):

* each round: a task that applied a change reports ``changed: true``; a task that had already converged
  applies nothing;
* the fleet converges (final state read from the simulator), the re-run is idempotent;
* no duplicate submission, per phase. The request log says which mutations got past the fault gate
  (no fault, 2xx; ``lost_response``: handled in full, answer withheld; ``applied_error500``: handled in full,
  answered 500). A lost response does not tell
  whether the handler accepted the request, so the simulator's job table (one job per accepted batch, or per
  server for image changes) confirms it. A server is submitted twice when two accepted submissions of the
  same kind and desired state name it and the first did not fail. Group updates, maintenance and power calls
  have no job: two applied PATCHes of the same body to one group, two applied maintenance calls setting the same
  mode on one server, two applied stops of one server are duplicates. A fleet create applied twice would leave
  the group too large: its final size must be what was asked and no delete may reach the service. An application
  named by two publish calls that reached the handler, a publish the service refused (the simulator refuses a name
  published already), and a pair granted while granted (the simulator's ``duplicate_grants``) are duplicates too.
  Reinstalls are server jobs (REINSTALL_OS, one per server): a server reinstalled twice is a duplicate. Image server
  jobs: two accepted creates of one image server name, builds of one image name or deletes of one image server
  (the first not FAILED) are duplicates. Rejoins are server jobs (REJOIN_DOMAIN): a server rejoined twice in a phase
  is a duplicate. App groups, policy groups and schedule tasks: a name named by two creates that reached the handler,
  or a create the service refused with 400 (the simulator refuses a policy group name it has), is a duplicate; two
  applied PATCHes of the same body to one app group too. Logoff: a session that got two logoff notices (the
  simulator keeps each notice it sent; a call that finds a session ended sends none) is a duplicate: its user saw the
  message twice.

Dialect modes (simulator/README.md "Dialects"), off by default, on for ``make soak``: ``--state-lag SECONDS``
(what a succeeded job changed shows that much later in the reads: the modules re-read until it does),
``--throttle-window LIMIT/SECONDS`` (per credential at most LIMIT requests per fixed window, beyond it 429
``APIG.0308`` "policy ip over ratelimit,limit:N,time:..." without ``Retry-After``; the modules hold for the window
and pace every process to its rate) and ``--transitions SECONDS`` (servers UNREGISTER while rebuilt or powered and
that long after). They hold in every phase, on top of the random faults; a windowed 429 is logged as fault
``throttle_window`` and was not applied (the duplicate check counts it as refused at the gateway).

``--logoff-fault KIND`` makes the converge phase's first logoff call meet that fault for sure (the short soak uses
``error500``: the sessions are watched, then logged off again, each user told once). One run converges: a converge
phase that needs a second playbook run (a task failed in the first) fails the ``one-run`` check, naming the tasks
that failed; the later rounds still run, to show whether it converges at all.

The summary gives, per phase: wall time, playbook runs, requests, faults injected by kind (``throttle_window``
among them), mutations (sent, past the fault gate, jobs accepted), targets named by more than one mutation,
client retries (a request sent again right after a faulted answer) and the seconds those retries waited; at the
end the windowed 429s met (and how many of them refused a mutation) and the duplicate submissions (0 when
nothing was applied twice); per seed, a table per module (a callback, tools/soak/callback/, writes when each task
started; a request counts for the task that was running when it arrived): task runs, changed, mutations sent and
applied, faults met, duplicates and the mutations of the re-runs without faults. ``--out FILE`` writes these tables
as Markdown (``make soak`` writes docs/soak.md).

Usage (from the repository root; ``make soak`` runs the long version, tests/integration/test_soak.py a short one)::

    .venv/bin/python tools/soak/run.py --servers 300 --fault-rate 0.2 --state-lag 2 --throttle-window 20/10 --seed 1

(``make soak`` adds ``--seed 2 --seed 3 --out docs/soak.md``.)
"""

import argparse
import bisect
import collections
import datetime
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

# tests.harness (first) puts the collection on the import path (.collections/ansible_collections/...).
from tests.harness import PlaybookRunner, processes  # noqa: E402  pylint: disable=wrong-import-position
from simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position
from simulator.dialect import Dialect, parse_window  # noqa: E402  pylint: disable=wrong-import-position
from simulator.faults import KINDS as SCRIPTABLE_FAULTS  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = "huaweicloud.workspace_app."
MODULES = {"group": "app_server_group", "tsvi": "app_server_tsvi", "hda": "app_server_hda_upgrade",
           "image": "app_server_image", "maintenance": "app_server_maintenance", "fleet": "app_server_fleet",
           "power": "app_server_power", "apps": "app_application", "access": "app_group_authorization",
           "reinstall": "app_server_reinstall", "image_server": "app_image_server", "build": "app_image",
           "image_server_gone": "app_image_server", "rejoin": "app_server_rejoin_domain",
           "logoff": "app_session_logoff",
           "app_group": "app_group", "app_group_edit": "app_group", "schedule": "app_schedule_task",
           "policy": "app_policy_group"}
OPERATIONS = {"group": "update_server_group", "tsvi": "batch_update_tsvi", "hda": "batch_upgrade_hda_version",
              "image": "batch_change_server_image", "maintenance": "batch_change_server_maintain_mode",
              "fleet": "create_app_servers", "power": "batch_stop_server", "apps": "publish_app",
              "access": "add_app_group_authorization", "reinstall": "batch_reinstall_server",
              "image_server": "create_image_server", "build": "recreate_server_image",
              "image_server_gone": "batch_delete_image_server", "rejoin": "batch_rejoin_domain",
              "logoff": "logoff_user_session", "app_group": "create_app_group", "app_group_edit": "update_app_group",
              "schedule": "create_schedule_task", "policy": "create_policy_group"}
# Kinds whose task creates one named resource: two creates of one name that reached the handler are a duplicate,
# and so is a create the service refused as a name it has already (the simulator refuses a policy group name twice).
CREATE_KINDS = ("app_group", "schedule", "policy")
# Servers the fleet task adds to the second group; requests that delete servers must never be sent.
FLEET_GROWTH = 10
# The apps task publishes SOAK_APPS custom applications into one app group (two publish calls); the access task
# grants SOAK_USERS directory users on two app groups (three grant calls).
SOAK_APPS = 25
SOAK_USERS = 120
ACCESS_GROUPS = ("soak-access-1", "soak-access-2")
DELETE_OPERATIONS = ("batch_delete_server", "delete_server")
JOB_TYPES = {"tsvi": "UPDATE_SERVER_TSVI", "hda": "UPGRADE_ACCESS_AGENT", "image": "CHANGE_SERVER_IMAGE",
             "reinstall": "REINSTALL_OS", "rejoin": "REJOIN_DOMAIN"}
# The reinstall task: this many servers of the fleet group (those it had before the fleet task grew it).
REINSTALL_SERVERS = 3
# The golden image tasks: the image server they make (with SOAK_IMAGE_APPS attached) and build SOAK_BUILT_IMAGE from,
# and the one the tenant had that they delete (delete_related). Image job types, per kind of image task.
SOAK_IMAGE_SERVER = "soak-golden-src"
SOAK_IMAGE_SERVER_GONE = "soak-golden-old"
SOAK_BUILT_IMAGE = "soak golden 1"
SOAK_IMAGE_APPS = ["soak-app-office", "soak-app-pdf"]
# The rejoin task: this many servers of the first group (one REJOIN_DOMAIN job per call of at most 20). The logoff
# task: the open sessions of LOGOFF_SERVERS servers of the first group that have some (one logoff call).
REJOIN_SERVERS = 25
LOGOFF_SERVERS = 10
# What the app group, schedule task and policy group tasks make (and the app group whose description they change).
SOAK_APP_GROUP = "soak-new-apps"
SOAK_APP_GROUP_EDIT = "soak-edit-apps"
SOAK_SCHEDULE_TASK = "soak-yearly-restart"
SOAK_POLICY_GROUP = "soak_baseline"
SOAK_POLICIES = {"file_and_clipboard": {"clipboard_redirection": "SERVER_TO_CLIENT_ENABLED"}}
# The crash-access phase: CRASH_USERS new directory users granted on the CRASH_ACCESS_GROUPS new app groups, in
# calls of at most ACCESS_CALL_ACCOUNTS accounts (app_group_authorization's MAX_ACCOUNTS; its groups fit one call).
CRASH_USERS = 300
CRASH_ACCESS_GROUPS = ("soak-crash-access-1", "soak-crash-access-2", "soak-crash-access-3")
ACCESS_CALL_ACCOUNTS = 50
IMAGE_JOB_TYPES = {"CREATE_SERVER": "image_server", "CREATE_SERVER_IMAGE": "build",
                   "DELETE_SERVER": "image_server_gone"}
MODULE_ORDER = sorted(set(MODULES.values()))
KIND_OF_OPERATION = dict((operation, kind) for kind, operation in OPERATIONS.items())
KIND_OF_JOB_TYPE = dict((job_type, kind) for kind, job_type in JOB_TYPES.items())
# Faults that answer (or drop) a request before its handler runs: nothing was applied.
# throttle_window: the dialect's windowed throttle (429 APIG.0308 without Retry-After) refused it at the gateway.
NOT_APPLIED_FAULTS = frozenset(["throttle", "error500", "error503", "drop", "rate_limit", "throttle_window"])
FAULT_KINDS = ("throttle", "error500", "error503", "drop", "lost_response", "applied_error500", "rate_limit",
               "throttle_window")
RESUME_KINDS = ("hda", "image")
CRASH_KINDS = ("hda", "image", "access")
CRASH_HDA_VERSION = "26.1.0.3001"
CRASH_JOB = 4.0  # seconds: jobs of the crash scenarios last long enough for a kill in the middle of the wait
RERUN_MODES = ("all", "from-failed")
PLAY_TIMEOUT = 1200  # seconds an ansible-playbook run may take (300 servers under a 20-per-10-s window: ~5 min)
CALLBACK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback")
RESUME_SCOPES = ("all", "group")
NEW_HDA_VERSION = "26.1.0.2001"
LONG_JOB = 3600.0  # seconds: jobs of the resume scenarios outlast any short wait_timeout
TRIGGER_FALLBACK = 60.0  # seconds: fast-forward anyway when the re-run was never seen waiting
PENDING_JOBS_RE = re.compile(r"waiting for job\(s\) ([0-9, ]+?); re-run")


def fault_rates(rate):
    """``rate`` split evenly: throttling, 500/503 before the handler (halves of error_rate), dropped connections,
    lost responses and 500 after the handler applied the request (applied_error500)."""
    share = float(rate) / 5.0
    return dict(throttle_rate=share, error_rate=share, drop_rate=share, lost_response_rate=share,
                applied_error_rate=share)


def dialect_config(state_lag=0, throttle_window=None, transitions=False):
    """The simulator's dialect (simulator/dialect.py) for the soak's modes, or None when every one is off."""
    config = {}
    if state_lag:
        config["state_lag"] = state_lag
    if throttle_window:
        config["throttle_window"] = list(throttle_window)
    if transitions is not False and transitions is not None:
        config["transitions"] = transitions
    return config or None


def dialect_text(config):
    """``state lag 2s, throttle window 100/10s`` (``default dialect`` when every mode is off)."""
    if not config:
        return "default dialect"
    parts = []
    if config.get("state_lag"):
        parts.append("state lag %ss" % config["state_lag"])
    if config.get("throttle_window"):
        parts.append("throttle window %s/%ss" % tuple(config["throttle_window"]))
    if "transitions" in config:
        parts.append("transitions %ss" % config["transitions"])
    return ", ".join(parts)


def chunks(items, size):
    return [items[start:start + size] for start in range(0, len(items), size)]


def mutation_targets(record):
    """The server ids a mutating request names (the group id for a group update)."""
    body = record.body if isinstance(record.body, dict) else {}
    operation = record.operation
    if operation == "batch_upgrade_hda_version":
        return [item for item in body.get("items") or [] if isinstance(item, str)]
    if operation == "batch_update_tsvi":
        return [item.get("id") for item in body.get("items") or [] if isinstance(item, dict)]
    if operation == "batch_change_server_image":
        return [item for item in body.get("server_ids") or [] if isinstance(item, str)]
    if operation in ("batch_change_server_maintain_mode", "batch_stop_server"):
        return [item for item in body.get("items") or [] if isinstance(item, str)]
    if operation == "update_server_group":
        return [record.path.rstrip("/").rsplit("/", 1)[-1]]
    if operation == "create_app_servers":
        return [body.get("server_group_id")]
    if operation == "publish_app":  # the app group (its path)
        return [record.path.split("/app-groups/", 1)[-1].split("/", 1)[0]]
    if operation == "add_app_group_authorization":
        return [group_id for group_id in body.get("app_group_ids") or [] if isinstance(group_id, str)]
    if operation == "batch_reinstall_server":
        return [item for item in body.get("server_ids") or [] if isinstance(item, str)]
    if operation in ("create_image_server", "recreate_server_image", "create_app_group"):  # the name made
        return [body.get("name")]
    if operation == "create_schedule_task":
        return [body.get("task_name")]
    if operation == "create_policy_group":
        return [(body.get("policy_group") or {}).get("policy_group_name")]
    if operation == "update_app_group":
        return [record.path.rstrip("/").rsplit("/", 1)[-1]]
    if operation == "batch_rejoin_domain":
        return [item for item in body.get("items") or [] if isinstance(item, str)]
    if operation == "logoff_user_session":  # the sessions
        return [item for item in body.get("session_ids") or [] if isinstance(item, str)]
    if operation == "batch_delete_image_server":
        return [item for item in body.get("items") or [] if isinstance(item, str)]
    return []


def reached_handler(record):
    """Whether a request got past the fault gate and was not refused, as far as the log tells.

    A lost response was handled in full, then the answer withheld: the log cannot tell whether the
    handler accepted it (its status is None either way).
    """
    if record.fault in NOT_APPLIED_FAULTS:
        return False
    if record.fault == "lost_response":
        return True
    if record.fault == "applied_error500":
        return record.status == 500  # the handler's answer was replaced; a refusal of its own is logged as it is
    return record.status is not None and 200 <= record.status < 300


def failed_answer(record):
    return record.fault is not None or record.status is None or record.status == 429 or record.status >= 500


def same_request(first, second):
    return (first.method, first.path, first.query, first.body) == (second.method, second.path, second.query, second.body)


def creates_twice(records, operation):
    """The duplicates among the ``operation`` requests of ``records`` (creates of a named resource), as texts: a name
    in more than one create that reached the handler, and a create the service refused with 400 without a fault (the
    name exists already: the module should have found it)."""
    reached = collections.defaultdict(list)
    found = []
    for record in records:
        if record.operation != operation or not record.mutating:
            continue
        for name in mutation_targets(record):
            if reached_handler(record):
                reached[name].append(record.fault or record.status)
            elif record.status == 400 and record.fault is None:
                found.append("a create of %s refused with 400 (it exists already?)" % name)
    found.extend("%s created by %d calls that reached the handler (%s)" % (name, len(answers), answers)
                 for name, answers in sorted(reached.items()) if len(answers) > 1)
    return found


def notified_twice(notices):
    """``[(session id, count)]`` of the sessions named by more than one of the logoff ``notices`` (the simulator's
    ``notifications``: one per session a logoff call reached that had not ended)."""
    counts = collections.Counter(notice["session_id"] for notice in notices)
    return sorted((session_id, count) for session_id, count in counts.items() if count > 1)


class Task:
    """One task of the soak playbook; ``targets`` are the servers (or the group) it may change."""

    def __init__(self, name, kind, args, targets):
        self.name = name
        self.kind = kind
        self.args = args
        self.targets = set(targets)

    def play_task(self):
        return {"name": self.name, COLLECTION + MODULES[self.kind]: self.args, "register": self.name}


class Run:
    """One ansible-playbook run: its label, results and the slice of the log and job table it made."""

    def __init__(self, label, tasks, played, log, new_jobs, seconds, started_at):
        self.label = label
        self.started_at = started_at
        self.tasks = tasks
        self.rc = played.rc
        self.output = played.output
        self.results = played.results
        self.log = log
        self.new_jobs = new_jobs
        self.seconds = seconds
        self.idempotent = False  # a re-run without faults that must send no mutation (the per-module table)

    def result(self, task):
        return self.results.get(task.name) or None

    def failed_tasks(self):
        return [task for task in self.tasks if (self.result(task) or {}).get("failed")]

    def line(self):
        failed = ["%s: %s" % (task.name, shorten((self.result(task) or {}).get("msg"))) for task in self.failed_tasks()]
        text = "%s: rc=%s %.1fs (first request after %.1fs), %d request(s), %d mutation(s)" % (
            self.label, self.rc, self.seconds, (self.log[0].time - self.started_at) if self.log else self.seconds,
            len(self.log), len([r for r in self.log if r.mutating]))
        if failed:
            text += "; failed " + "; ".join(failed)
        elif self.rc != 0:
            text += "; output: " + shorten(self.output[-600:], 600)
        return text


def shorten(text, limit=180):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Phase:
    def __init__(self, name, log_start, jobs_before):
        self.name = name
        self.log_start = log_start
        self.jobs_before = jobs_before
        self.log = []
        self.new_jobs = set()
        self.runs = []
        self.seconds = 0.0
        self.started = time.monotonic()
        self.notes = []
        self.duplicates = 0
        self.duplicate_kinds = collections.Counter()
        self.duplicate_grants_before = 0
        self.notifications_before = 0
        self.image_jobs_before = set()
        self.new_image_jobs = set()


def listed_servers(state, record):
    """The servers whose records a successful ``list_servers`` / ``show_server`` answer carried."""
    if record.fault is not None or record.status != 200:
        return set()
    query = record.query or {}
    if record.operation == "show_server":
        return set([record.path.rstrip("/").rsplit("/", 1)[-1]])
    if record.operation != "list_servers" or set(query) - set(["server_group_id", "server_id", "offset", "limit"]):
        return set()
    if query.get("server_id"):
        return set([query["server_id"]])
    ids = state.server_ids(query.get("server_group_id") or None)
    try:
        offset, limit = int(query.get("offset") or 0), int(query.get("limit") or 10)
    except ValueError:
        return set()
    return set(ids[offset:offset + limit])


class ClockJump(threading.Thread):
    """Moves the simulator clock ``seconds`` ahead once a re-run has read the records of ``servers``.

    A module plans from the server records it reads (``job_id``, ``job_status``): once every server in
    ``servers`` was in a successful answer of this run, the plan is made and the jump can only shorten
    the wait, never change what was planned. The answer is built before the request is logged, so it
    still shows the jobs running. After ``fallback`` seconds the clock jumps anyway (``fell_back``).
    """

    def __init__(self, sim, servers, seconds, fallback=TRIGGER_FALLBACK):
        super(ClockJump, self).__init__(name="soak-clock-jump", daemon=True)
        self.sim = sim
        self.waiting_for = set(servers)
        self.seconds = seconds
        self.start_index = len(sim.log)
        self.fallback = fallback
        self.stopped = threading.Event()
        self.fell_back = False
        self.jumped = False

    def run(self):
        deadline = time.monotonic() + self.fallback
        seen = self.start_index
        while not self.stopped.is_set():
            records = self.sim.log.snapshot()
            for record in records[seen:]:
                self.waiting_for -= listed_servers(self.sim.state, record)
            seen = len(records)
            if not self.waiting_for or time.monotonic() >= deadline:
                self.fell_back = bool(self.waiting_for)
                self.sim.state.fast_forward(self.seconds)
                self.jumped = True
                return
            self.stopped.wait(0.02)

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


class Aborted(Exception):
    """A run hung: the soak stops there (the failure is already recorded)."""


class Soak:
    """The soak for one seed; :meth:`run` returns the report dict (``failures`` empty when all checks passed)."""

    def __init__(self, servers=300, groups=3, seed=1, fault_rate=0.2, rounds=10, job_duration=0.5, poll_interval=0.3,
                 outdated_hda=0.5, tsvi_fraction=0.34, retry_after=1, max_retries=None, resume=RESUME_KINDS,
                 rerun="all", resume_scope="all", crash=CRASH_KINDS, state_lag=0, throttle_window=None,
                 transitions=False, crash_users=CRASH_USERS, logoff_fault=None, workdir=None, echo=None):
        self.servers = servers
        self.groups = groups
        self.seed = seed
        self.fault_rate = fault_rate
        self.rounds = rounds
        self.job_duration = job_duration
        self.poll_interval = poll_interval
        self.outdated_hda = outdated_hda
        self.tsvi_fraction = tsvi_fraction
        # a fault (simulator/faults.py KINDS) the converge phase's first logoff call meets for sure, on top of the
        # random ones: the logoff's lost-answer path runs whatever the seed draws
        if logoff_fault is not None and logoff_fault not in SCRIPTABLE_FAULTS:
            raise ValueError("logoff_fault: one of %s" % ", ".join(SCRIPTABLE_FAULTS))
        self.logoff_fault = logoff_fault
        self.retry_after = retry_after
        self.max_retries = max_retries
        self.resume = tuple(resume)
        self.crash = tuple(crash)
        self.crash_user_count = crash_users  # users the crash-access phase grants (on CRASH_ACCESS_GROUPS)
        if rerun not in RERUN_MODES:
            raise ValueError("rerun: one of %s" % ", ".join(RERUN_MODES))
        self.rerun = rerun
        if resume_scope not in RESUME_SCOPES:
            raise ValueError("resume_scope: one of %s" % ", ".join(RESUME_SCOPES))
        self.resume_scope = resume_scope
        # The simulator's dialect modes (checked by simulator.dialect: a bad value raises ValueError naming it).
        self.dialect = dialect_config(state_lag, throttle_window, transitions)
        self.workdir = workdir
        self.echo = echo or (lambda line: None)
        self.failures = []
        self.phases = []
        self.sim = None
        self.runner = None
        self.defaults = None
        self.server_ids = []
        self.group_ids = []
        self.group_settings = {}
        self.tsvi_servers = []
        self.target_image = "soak-image-%s-a" % seed
        self.fleet_count = None
        self.apps_group = None
        self.access_groups = []
        self.app_names = []
        self.user_names = []
        self.reinstall_servers = []
        self.image_server_gone = None  # id of the image server the tenant had, which the soak deletes
        self.image_server_gone_group = None
        self.rejoin_servers = []
        self.logoff_servers = []
        self.logoff_sessions = []  # ids of the sessions the logoff task ends
        self.edit_app_group = None  # id of the app group whose description the app_group_edit task changes
        self.schedule_date = None
        self.crash_access_groups = []
        self.crash_users = []
        self.timeline = []  # (epoch seconds, kind or ""): when each task of every run started, in time order
        self.task_time_files = 0

    # -- reporting -----------------------------------------------------------------
    def fail(self, check, message):
        self.failures.append({"check": check, "message": message})
        self.echo("  FAILED %s: %s" % (check, message))

    def expect(self, condition, check, message):
        if not condition:
            self.fail(check, message)
        return bool(condition)

    # -- set-up --------------------------------------------------------------------
    def configure_faults(self, phase):
        """Seeded per phase, so that two phases do not see the same sequence of faults."""
        return self.sim.faults.configure(seed="%s-%s" % (self.seed, phase.name), retry_after=self.retry_after,
                                         **fault_rates(self.fault_rate))

    def prepare(self):
        """Servers whose last virtual session IP job failed (and that do not follow their group), for app_server_tsvi."""
        state = self.sim.state
        self.server_ids = sorted(state.server_ids())
        self.group_ids = sorted(state.groups, key=lambda gid: state.groups[gid]["name"])
        rng = random.Random("soak-tsvi-%s" % self.seed)
        self.tsvi_servers = sorted(rng.sample(self.server_ids, int(round(self.tsvi_fraction * len(self.server_ids)))))
        for server_id in self.tsvi_servers:
            group = state.get_group(state.get_server(server_id)["server_group_id"])
            state.patch_server(server_id, tsvi_enabled=not group["ip_virtual"]["enable"])
        state.fail_next_job(self.tsvi_servers, error_code="WKS.00211401", error_msg="soak: virtual session IP failed")
        for batch in chunks(self.tsvi_servers, 20):
            state.update_tsvi(batch)
        state.fast_forward(state.job_duration + 1.0)
        for index, group_id in enumerate(self.group_ids, 1):
            self.group_settings[group_id] = dict(
                description="soak seed %s group %d" % (self.seed, index),
                route_policy=dict(max_session=10 + index, cpu_threshold=70 + index),
                storage_mount_policy=("SHARE", "ANY")[index % 2],
                image_id=self.target_image, image_type="private")
        self.fleet_count = len(state.server_ids(self.fleet_group)) + FLEET_GROWTH
        self.apps_group = state.add_app_group("soak-apps", self.group_ids[0])["id"]
        self.access_groups = [state.add_app_group(name, self.group_ids[0])["id"] for name in ACCESS_GROUPS]
        state.add_directory_accounts(count=SOAK_USERS, prefix="soak-user")
        self.app_names = ["soak-app-%02d" % number for number in range(SOAK_APPS)]
        self.user_names = ["soak-user%04d" % number for number in range(SOAK_USERS)]
        self.reinstall_servers = self.group_servers(self.fleet_group)[:REINSTALL_SERVERS]
        first = self.group_servers(self.group_ids[0])
        rejoined = min(REJOIN_SERVERS, len(first) // 2)
        self.rejoin_servers = first[:rejoined]
        self.logoff_servers = first[rejoined:][:LOGOFF_SERVERS]
        for number, server_id in enumerate(self.logoff_servers):  # two sessions at least on each
            for _missing in range(2 - len(state.sessions_of(server_id))):
                state.log_on(server_id, user_name="soak-user%04d" % (number % SOAK_USERS))
        self.logoff_sessions = sorted(session["id"] for sid in self.logoff_servers
                                      for session in state.sessions_of(sid))
        self.edit_app_group = state.add_app_group(SOAK_APP_GROUP_EDIT, self.group_ids[0],
                                                  description="before the soak")["id"]
        # A one-off task a year ahead: it never runs while the soak does (a run would restart servers).
        self.schedule_date = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
        if "access" in self.crash:
            self.crash_access_groups = [state.add_app_group(name, self.group_ids[0])["id"]
                                        for name in CRASH_ACCESS_GROUPS]
            state.add_directory_accounts(count=self.crash_user_count, prefix="soak-crash-user")
            self.crash_users = ["soak-crash-user%04d" % number for number in range(self.crash_user_count)]
        job = state.create_image_server(dict(  # an image server the tenant had, ACTIVE, for the absent task
            name=SOAK_IMAGE_SERVER_GONE, root_volume=dict(type="SAS", size=80), vpc_id="vpc-soak",
            subnet_id="subnet-soak", product_id="soak-product", authorize_accounts=[],
            image_ref=dict(id=self.target_image, image_type="private")))
        state.fast_forward(state.job_duration + 1.0)
        self.image_server_gone = job["sub_jobs"][0]["resource_id"]
        self.image_server_gone_group = state.image_servers[self.image_server_gone]["server_group_id"]
        outdated = len([sid for sid in self.server_ids if state.hda_version(sid) != state.latest_hda_for(sid)])
        self.echo("[seed %s] %d servers in %d groups; %d behind on HDA, %d with a failed TSVI job, all to image %s; "
                  "group %s into maintenance, group %s to %d servers, group %s stopped"
                  % (self.seed, len(self.server_ids), len(self.group_ids), outdated, len(self.tsvi_servers),
                     self.target_image, self.group_name(self.maintenance_group), self.group_name(self.fleet_group),
                     self.fleet_count, self.group_name(self.power_group)))

    # The groups of the lifecycle tasks (with one group, all three are that group).
    @property
    def maintenance_group(self):
        return self.group_ids[0]

    @property
    def fleet_group(self):
        return self.group_ids[min(1, len(self.group_ids) - 1)]

    @property
    def power_group(self):
        return self.group_ids[-1]

    def group_name(self, group_id):
        return self.sim.state.get_group(group_id)["name"]

    def group_servers(self, group_id):
        return [sid for sid in self.server_ids if self.sim.state.get_server(sid)["server_group_id"] == group_id]

    def job_args(self, wait_timeout=600):
        return dict(poll_interval=self.poll_interval, wait_timeout=wait_timeout)

    def tasks(self):
        tasks = []
        for index, group_id in enumerate(self.group_ids, 1):
            args = dict(server_group_id=group_id)
            args.update(self.group_settings[group_id])
            tasks.append(Task("group_%d" % index, "group", args, [group_id]))
        tasks.append(Task("tsvi", "tsvi", dict(server_ids=self.server_ids, **self.job_args()), self.server_ids))
        tasks.append(Task("hda", "hda", dict(server_ids=self.server_ids, **self.job_args()), self.server_ids))
        args = dict(server_ids=self.server_ids, image_id=self.target_image, image_type="private", **self.job_args())
        tasks.append(Task("image", "image", args, self.server_ids))
        tasks.append(Task("reinstall", "reinstall", dict(server_ids=self.reinstall_servers, **self.job_args()),
                          self.reinstall_servers))
        # After every other job on these servers: a rejoin is their last job, so the re-run leaves them alone.
        tasks.append(Task("rejoin", "rejoin", dict(server_ids=self.rejoin_servers, **self.job_args()),
                          self.rejoin_servers))
        tasks.append(Task("maintenance", "maintenance", dict(server_group_id=self.maintenance_group, maintenance=True),
                          self.group_servers(self.maintenance_group)))
        tasks.append(Task("fleet", "fleet", dict(server_group_id=self.fleet_group, count=self.fleet_count,
                                                 **self.job_args()), [self.fleet_group]))
        tasks.append(Task("power", "power", dict(server_group_id=self.power_group, state="stopped", **self.job_args()),
                          self.group_servers(self.power_group)))
        apps = [dict(name=name, execute_path="C:\\Soak\\%s.exe" % name) for name in self.app_names]
        tasks.append(Task("apps", "apps", dict(app_group_name="soak-apps", applications=apps, purge=True),
                          [self.apps_group]))
        tasks.append(Task("access", "access", dict(app_group_names=list(ACCESS_GROUPS),
                                                   accounts=[dict(account=name) for name in self.user_names]),
                          self.access_groups))
        tasks.append(Task("logoff", "logoff", dict(server_ids=self.logoff_servers, title="Soak",
                                                   message_text="soak seed %s: signing you out" % self.seed,
                                                   delay_time=0, **self.job_args()), self.logoff_sessions))
        tasks.append(Task("app_group", "app_group", dict(
            name=SOAK_APP_GROUP, server_group_id=self.group_ids[0], app_type="COMMON_APP",
            authorization_type="APP_GROUP", description="soak seed %s" % self.seed), [SOAK_APP_GROUP]))
        tasks.append(Task("app_group_edit", "app_group_edit", dict(
            name=SOAK_APP_GROUP_EDIT, description="soak seed %s, edited" % self.seed), [self.edit_app_group]))
        tasks.append(Task("policy", "policy", dict(
            name=SOAK_POLICY_GROUP, description="soak seed %s" % self.seed, policies=SOAK_POLICIES,
            targets=[dict(type="APPGROUP", name=SOAK_APP_GROUP)]), [SOAK_POLICY_GROUP]))
        tasks.append(Task("schedule", "schedule", dict(
            name=SOAK_SCHEDULE_TASK, task_type="restart", schedule="once", date=self.schedule_date, time="03:00",
            time_zone="UTC", targets=[dict(server_group_id=self.fleet_group)]), [SOAK_SCHEDULE_TASK]))
        tasks.append(Task("image_server", "image_server", dict(
            name=SOAK_IMAGE_SERVER, image_id=self.target_image, image_type="private", product_id="soak-product",
            vpc_id="vpc-soak", subnet_id="subnet-soak", system_disk_type="SAS", system_disk_size=80,
            authorize_accounts=[dict(account=self.user_names[0])], attach_apps=list(SOAK_IMAGE_APPS),
            **self.job_args()), [SOAK_IMAGE_SERVER]))
        tasks.append(Task("build", "build", dict(name=SOAK_BUILT_IMAGE, image_server_name=SOAK_IMAGE_SERVER,
                                                 **self.job_args()), [SOAK_BUILT_IMAGE]))
        tasks.append(Task("image_server_gone", "image_server_gone", dict(
            name=SOAK_IMAGE_SERVER_GONE, state="absent", delete_related=True, **self.job_args()),
            [self.image_server_gone]))
        return tasks

    # -- running -------------------------------------------------------------------
    def begin(self, name):
        phase = Phase(name, len(self.sim.log), set(self.sim.state.jobs))
        phase.duplicate_grants_before = self.sim.state.duplicate_grants
        phase.notifications_before = len(self.sim.state.notifications)
        phase.image_jobs_before = set(self.sim.state.image_jobs)
        self.phases.append(phase)
        return phase

    def end(self, phase):
        phase.log = self.sim.log.snapshot()[phase.log_start:]
        phase.new_jobs = set(self.sim.state.jobs) - phase.jobs_before
        phase.new_image_jobs = set(self.sim.state.image_jobs) - phase.image_jobs_before
        phase.seconds = time.monotonic() - phase.started
        self.check_duplicates(phase)

    def play(self, phase, tasks, label):
        log_start = len(self.sim.log)
        jobs_before = set(self.sim.state.jobs)
        started, started_at = time.monotonic(), time.time()
        times, env = self.task_times_env()
        try:
            played = self.runner.run([task.play_task() for task in tasks], module_defaults=self.defaults, env=env,
                                     timeout=PLAY_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            self.fail("hang", "%s %s: ansible-playbook did not finish within %ss; %d request(s) so far, the last: %s" % (
                phase.name, label, exc.timeout, len(self.sim.log) - log_start,
                ", ".join("%s %s %s" % (r.operation, r.status, r.fault or "") for r in self.sim.log.snapshot()[-3:])))
            raise Aborted()
        seconds = time.monotonic() - started
        self.record_task_times(times, tasks)
        run = Run("%s %s" % (phase.name, label), tasks, played, self.sim.log.snapshot()[log_start:],
                  set(self.sim.state.jobs) - jobs_before, seconds, started_at)
        phase.runs.append(run)
        self.echo("  " + run.line())
        self.check_changed(run)
        return run

    def task_times_env(self):
        """The file this run's task start times go to and the environment that has the callback write them."""
        self.task_time_files += 1
        path = os.path.join(str(self.runner.tmp_path), "task-times-%d.jsonl" % self.task_time_files)
        return path, {"ANSIBLE_CALLBACK_PLUGINS": CALLBACK_DIR, "ANSIBLE_CALLBACKS_ENABLED": "soak_task_times",
                      "SOAK_TASK_TIMES": path}

    def record_task_times(self, path, tasks):
        """The task starts the callback wrote for one run (killed or not) go into the timeline."""
        kinds = dict((task.name, task.kind) for task in tasks)
        try:
            with open(path) as handle:
                lines = [json.loads(line) for line in handle if line.strip()]
        except (OSError, ValueError):
            lines = []
        for line in lines:
            bisect.insort(self.timeline, (line["time"], kinds.get(line["task"]) or ""))

    def kind_of(self, record, times=None):
        """The kind of the task that was running when ``record`` arrived ("" for none of the soak's)."""
        times = times if times is not None else [moment for moment, _kind in self.timeline]
        index = bisect.bisect_right(times, record.time) - 1
        return self.timeline[index][1] if index >= 0 else ""

    def applied(self, run, task):
        """How many accepted submissions of ``run`` touched what ``task`` targets (requests that reached the handler
        for the kinds without a job: group settings, maintenance, fleet creates, power)."""
        if task.kind not in JOB_TYPES:
            return len([r for r in run.log if r.operation == OPERATIONS[task.kind] and reached_handler(r)
                        and set(mutation_targets(r)) & task.targets])
        jobs = self.sim.state.jobs
        return len([job_id for job_id in run.new_jobs if jobs[job_id]["job_type"] == JOB_TYPES[task.kind]
                    and set(sub["server_id"] for sub in jobs[job_id]["sub_jobs"]) & task.targets])

    def check_changed(self, run):
        for task in run.tasks:
            result = run.result(task)
            if result is None:
                continue  # not reached: an earlier task failed
            applied = self.applied(run, task)
            self.expect(not applied or result.get("changed") is True, "changed",
                        "%s: %s applied %d submission(s) but reported changed=%r (failed=%s, msg=%s)" % (
                            run.label, task.name, applied, result.get("changed"), bool(result.get("failed")),
                            shorten(result.get("msg"))))

    # -- phases --------------------------------------------------------------------
    def converge(self):
        phase = self.begin("converge")
        self.configure_faults(phase)
        if self.logoff_fault:
            self.sim.faults.script(self.logoff_fault, method="POST", path="/session/logoff$")
        tasks = self.tasks()
        converged = {}
        for number in range(1, self.rounds + 1):
            run = self.play(phase, tasks, "round %d" % number)
            if self.rerun == "from-failed" and run.rc != 0:
                # Like --start-at-task: the next round starts at the first task that failed (or was not reached).
                tasks = tasks[next((index for index, task in enumerate(tasks)
                                    if run.result(task) is None or run.result(task).get("failed")), 0):]
            for task in run.tasks:
                result = run.result(task)
                if result is None:
                    continue
                if task.name in converged:
                    self.expect(not self.applied(run, task) and result.get("changed") is False, "converged-stays",
                                "%s: %s had converged in round %d, yet changed=%r with %d submission(s)" % (
                                    run.label, task.name, converged[task.name], result.get("changed"),
                                    self.applied(run, task)))
                elif not result.get("failed"):
                    converged[task.name] = number
            if run.rc == 0:
                break
        else:
            self.fail("converge", "the playbook still failed after %d round(s): %s" % (
                self.rounds, "; ".join(run.line() for run in phase.runs[-1:])))
        first = phase.runs[0]
        self.expect(first.rc == 0, "one-run", "converging took %d playbook runs; failed in the first: %s" % (
            len(phase.runs), "; ".join("%s (%s)" % (task.name, shorten((first.result(task) or {}).get("msg")))
                                       for task in first.failed_tasks()) or first.line()))
        self.sim.faults.clear()
        self.end(phase)
        self.check_converged_state()

    def check_converged_state(self):
        state = self.sim.state
        wrong = collections.defaultdict(list)
        for server_id in self.server_ids:
            record = state.get_server(server_id)
            group = state.get_group(record["server_group_id"])
            if state.hda_version(server_id) != state.latest_hda_for(server_id):
                wrong["hda"].append("%s runs %s, latest %s" % (server_id, state.hda_version(server_id),
                                                               state.latest_hda_for(server_id)))
            if record["image_id"] != self.target_image:
                wrong["image"].append("%s is on %s" % (server_id, record["image_id"]))
            if state.tsvi_enabled(server_id) != group["ip_virtual"]["enable"]:
                wrong["tsvi"].append("%s has tsvi %s, its group %s" % (
                    server_id, state.tsvi_enabled(server_id), group["ip_virtual"]["enable"]))
            if record.get("job_status") in ("WAITING", "RUNNING"):
                wrong["busy"].append("%s still runs job %s" % (server_id, record.get("job_id")))
            if group["id"] == self.maintenance_group and not record.get("maintain_status"):
                wrong["maintenance"].append("%s is not in maintenance mode" % server_id)
            if group["id"] == self.power_group and record.get("vm_status") != "SHUTOFF":
                wrong["power"].append("%s is %s, not SHUTOFF" % (server_id, record.get("vm_status")))
        fleet = state.server_ids(self.fleet_group)
        if len(fleet) != self.fleet_count:
            wrong["fleet"].append("group %s has %d servers, wanted %d" % (
                self.group_name(self.fleet_group), len(fleet), self.fleet_count))
        for group_id, wanted in self.group_settings.items():
            group = state.get_group(group_id)
            for key, value in wanted.items():
                current = group.get(key)
                if key == "route_policy":
                    current = dict((sub, (current or {}).get(sub)) for sub in value)
                if current != value:
                    wrong["group"].append("%s %s is %r, wanted %r" % (group["name"], key, current, value))
        published = sorted(app["name"] for app in state.published_apps(self.apps_group))
        if published != self.app_names:
            wrong["apps"].append("app group soak-apps publishes %d application(s) (%d distinct), wanted %d"
                                 % (len(published), len(set(published)), len(self.app_names)))
        granted = sorted((auth["app_group_id"], auth["account"]) for auth in state.authorizations.values()
                         if auth["app_group_id"] in self.access_groups)
        wanted_pairs = sorted((group_id, name) for group_id in self.access_groups for name in self.user_names)
        if granted != wanted_pairs:
            wrong["access"].append("%d (app group, user) pair(s) granted (%d distinct), wanted %d"
                                   % (len(granted), len(set(granted)), len(wanted_pairs)))
        wrong.update(self.golden_image_problems())
        wrong.update(self.new_module_problems())
        for what, problems in sorted(wrong.items()):
            self.fail("final-state", "%d %s problem(s): %s" % (len(problems), what, "; ".join(problems[:3])))
        if not wrong:
            self.echo("  final state: %d servers at the latest HDA, on %s, TSVI as their group; %d groups as requested; "
                      "maintenance, fleet size and power as requested; %d applications published once each, %d users "
                      "granted on %d app groups; %d servers reinstalled once; image server %s BUILT with %d apps, "
                      "%s deleted with its group; %d servers rejoined once; %d sessions logged off once; app group "
                      "%s made and %s edited, policy group %s and schedule task %s made, once each"
                      % (len(self.server_ids), self.target_image, len(self.group_settings), len(self.app_names),
                         len(self.user_names), len(self.access_groups), len(self.reinstall_servers), SOAK_IMAGE_SERVER,
                         len(SOAK_IMAGE_APPS), SOAK_IMAGE_SERVER_GONE, len(self.rejoin_servers),
                         len(self.logoff_sessions), SOAK_APP_GROUP,
                         SOAK_APP_GROUP_EDIT, SOAK_POLICY_GROUP, SOAK_SCHEDULE_TASK))

    def new_module_problems(self):
        """What the rejoin, logoff, app group, policy group and schedule task tasks left that is not as asked."""
        state = self.sim.state
        wrong = collections.defaultdict(list)
        for server_id in self.rejoin_servers:
            rejoins = [job["status"] for job in state.jobs.values() if job["job_type"] == JOB_TYPES["rejoin"]
                       and any(sub["server_id"] == server_id for sub in job["sub_jobs"])]
            if rejoins != ["SUCCESS"]:
                wrong["rejoin"].append("%s: rejoin jobs %s" % (server_id, rejoins))
        notices = collections.Counter(notice["session_id"] for notice in state.notifications)
        for session_id in self.logoff_sessions:
            session = state.get_session(session_id)
            if session["session_state"] != "SignedOut" or notices[session_id] != 1:
                wrong["logoff"].append("session %s is %s after %d logoff notice(s)" % (
                    session_id, session["session_state"], notices[session_id]))
        app_groups = [group for group in state.app_groups.values() if group["name"] == SOAK_APP_GROUP]
        if len(app_groups) != 1 or app_groups[0].get("description") != "soak seed %s" % self.seed:
            wrong["app group"].append("%d app group(s) %s: %s" % (len(app_groups), SOAK_APP_GROUP, [
                group.get("description") for group in app_groups]))
        edited = state.app_groups.get(self.edit_app_group) or {}
        if edited.get("description") != "soak seed %s, edited" % self.seed:
            wrong["app group"].append("%s has description %r" % (SOAK_APP_GROUP_EDIT, edited.get("description")))
        policy_groups = [group for group in state.policy_groups.values() if group["name"] == SOAK_POLICY_GROUP]
        wanted_targets = [group["id"] for group in app_groups]
        if len(policy_groups) != 1 or [target.get("target_id") for target in policy_groups[0]["targets"]] \
                != wanted_targets or policy_groups[0]["policies"]["file_and_clipboard"]["clipboard_redirection"] \
                != SOAK_POLICIES["file_and_clipboard"]["clipboard_redirection"]:
            wrong["policy group"].append("%d policy group(s) %s: %s" % (len(policy_groups), SOAK_POLICY_GROUP, [
                (group["targets"], group["policies"].get("file_and_clipboard")) for group in policy_groups]))
        tasks = [task for task in state.schedule_tasks.values() if task["task_name"] == SOAK_SCHEDULE_TASK]
        if len(tasks) != 1 or [target["target_id"] for target in tasks[0]["target_infos"]] != [self.fleet_group]:
            wrong["schedule task"].append("%d schedule task(s) %s: %s" % (len(tasks), SOAK_SCHEDULE_TASK, [
                task["target_infos"] for task in tasks]))
        return wrong

    def golden_image_problems(self):
        """What the reinstall and the golden image tasks left that is not as asked: {what: [problem]}."""
        state = self.sim.state
        wrong = collections.defaultdict(list)
        for server_id in self.reinstall_servers:
            reinstalls = [job for job in state.jobs.values() if job["job_type"] == JOB_TYPES["reinstall"]
                          and any(sub["server_id"] == server_id for sub in job["sub_jobs"])]
            if [job["status"] for job in reinstalls] != ["SUCCESS"]:
                wrong["reinstall"].append("%s: reinstall jobs %s" % (server_id, [job["status"] for job in reinstalls]))
        servers = [record for record in state.image_servers.values() if record["name"] == SOAK_IMAGE_SERVER]
        if len(servers) != 1 or servers[0]["status"] != "BUILT":
            wrong["image server"].append("%d image server(s) %s: %s" % (
                len(servers), SOAK_IMAGE_SERVER, [record["status"] for record in servers]))
        else:
            attached = sorted(item["app_id"] for item in state.attached_apps(servers[0]["id"]))
            if attached != sorted(SOAK_IMAGE_APPS):
                wrong["image server"].append("%s has apps %s attached, wanted %s" % (
                    SOAK_IMAGE_SERVER, attached, SOAK_IMAGE_APPS))
            if servers[0].get("image_id") not in [image["image_id"] for image in state.images()]:
                wrong["image"].append("%s built %r, which the tenant does not know" % (
                    SOAK_IMAGE_SERVER, servers[0].get("image_id")))
        if self.image_server_gone in state.image_servers or self.image_server_gone_group in state.groups:
            wrong["image server"].append("%s or its server group is still there" % SOAK_IMAGE_SERVER_GONE)
        return wrong

    def idempotent(self):
        phase = self.begin("idempotent")
        self.sim.faults.clear()
        run = self.play(phase, self.tasks(), "re-run without faults")
        run.idempotent = True
        self.expect(run.rc == 0, "idempotent", "%s failed: %s" % (run.label, run.line()))
        changed = [task.name for task in run.tasks if (run.result(task) or {}).get("changed") is not False]
        self.expect(not changed, "idempotent", "%s: task(s) %s did not report changed=false" % (
            run.label, ", ".join(changed)))
        mutations = [r for r in run.log if r.mutating]
        self.expect(not mutations, "idempotent", "%s sent %d mutation(s): %s" % (
            run.label, len(mutations), ", ".join(sorted(set(r.operation for r in mutations)))))
        self.end(phase)

    def reachable(self, kind):
        """The servers a change of ``kind`` can reach: all for an image; an HDA upgrade skips the servers the
        converge phase stopped (not REGISTERED)."""
        if kind == "image":
            return list(self.server_ids)
        stopped = set(self.group_servers(self.power_group))
        return [sid for sid in self.server_ids if sid not in stopped]

    def begin_change(self, name, kind, hda_version, job_duration):
        """A phase with a new desired state: ``hda_version`` the latest HDA (for ``kind`` hda), jobs lasting
        ``job_duration``, faults on."""
        phase = self.begin(name)
        if kind == "hda":
            self.sim.state.set_latest_hda(hda_version)
        self.sim.state.job_duration = job_duration
        self.configure_faults(phase)
        return phase

    def behind(self, kind, targets, hda_version, image):
        """The ``targets`` not at ``hda_version`` (kind hda) or not on ``image``."""
        state = self.sim.state
        if kind == "hda":
            return [sid for sid in sorted(targets) if state.hda_version(sid) != hda_version]
        return [sid for sid in sorted(targets) if state.get_server(sid)["image_id"] != image]

    def resume_task(self, kind, wait_timeout):
        if self.resume_scope == "group":
            group_id = self.group_ids[0]
            args = dict(server_group_id=group_id, **self.job_args(wait_timeout))
            targets = self.group_servers(group_id)
        else:
            targets = self.reachable(kind)
            args = dict(server_ids=targets, **self.job_args(wait_timeout))
        if kind == "image":
            args.update(image_id=self.resume_image, image_type="private")
        return Task("resume_%s" % kind, kind, args, targets)

    @property
    def resume_image(self):
        return "soak-image-%s-b" % self.seed

    def resume_after_timeout(self, kind):
        """A wait that times out and is re-run resumes waiting for the same jobs instead of resubmitting."""
        phase = self.begin_change("resume-%s" % kind, kind, NEW_HDA_VERSION, LONG_JOB)
        state = self.sim.state

        # 1. A short deadline against long jobs: the task fails and names the jobs still running.
        short = self.resume_task(kind, wait_timeout=1)
        pending, first = {}, None
        for number in range(1, self.rounds + 1):
            first = self.play(phase, [short], "wait_timeout=1 attempt %d" % number)
            result = first.result(short) or {}
            pending = dict((s["id"], s["job_id"]) for s in result.get("servers") or []
                           if s.get("status") == "pending" and s.get("job_id"))
            # Another attempt when nothing was submitted (a 5xx on the first batch) or when polling failed for
            # good (every retry of one read faulted) before the deadline: the scenario needs a timeout.
            if pending and "timed out" in (result.get("msg") or ""):
                break
        result = first.result(short) or {}
        msg = result.get("msg") or ""
        match = PENDING_JOBS_RE.search(msg)
        named = set(match.group(1).replace(" ", "").split(",")) if match else set()
        self.expect(first.rc != 0 and result.get("failed") and "timed out" in msg, "resume",
                    "%s: expected a timeout failure, got rc=%s msg=%s" % (first.label, first.rc, shorten(msg)))
        self.expect(pending and named == set(pending.values()), "resume",
                    "%s: the message names %d job(s), the servers show %d pending job(s)" % (
                        first.label, len(named), len(set(pending.values()))))
        self.echo("  %d server(s) left pending in %d job(s)" % (len(pending), len(set(pending.values()))))

        # 2. Re-run with a long deadline; the clock jumps past the long jobs once the re-run waits.
        state.job_duration = self.job_duration
        long_task = self.resume_task(kind, wait_timeout=600)
        rerun_runs = []
        for number in range(1, self.rounds + 1):
            jump = ClockJump(self.sim, pending, LONG_JOB)
            jump.start()
            try:
                run = self.play(phase, [long_task], "re-run attempt %d" % number)
            finally:
                jump.stop()
            if jump.fell_back:
                phase.notes.append("%s: %d pending server(s) never read; the clock was moved after %ss" % (
                    run.label, len(jump.waiting_for), TRIGGER_FALLBACK))
            rerun_runs.append(run)
            if run.rc == 0:
                break
        else:
            self.fail("resume", "%s: the re-run still failed after %d attempt(s): %s" % (
                phase.name, self.rounds, rerun_runs[-1].line()))

        again = rerun_runs[0]
        servers = dict((s["id"], s) for s in (again.result(long_task) or {}).get("servers") or [])
        not_waited = ["%s (%s, job %s, expected %s)" % (sid, (servers.get(sid) or {}).get("action"),
                                                        (servers.get(sid) or {}).get("job_id"), job_id)
                      for sid, job_id in sorted(pending.items())
                      if (servers.get(sid) or {}).get("action") != "waited"
                      or (servers.get(sid) or {}).get("job_id") != job_id]
        self.expect(not not_waited, "resume", "%s: %d pending server(s) not waited for under their job: %s" % (
            again.label, len(not_waited), "; ".join(not_waited[:3])))
        waited_jobs = set(s["job_id"] for s in servers.values() if s.get("action") == "waited")
        self.expect(waited_jobs == set(pending.values()), "resume", "%s waited for %d job(s), %d were pending" % (
            again.label, len(waited_jobs), len(set(pending.values()))))
        resent = sorted(set(sid for run in rerun_runs for record in run.log
                            if record.mutating and reached_handler(record) for sid in mutation_targets(record))
                        & set(pending))
        self.expect(not resent, "resume", "%s: %d server(s) pending in a job were submitted again: %s" % (
            phase.name, len(resent), ", ".join(resent[:3])))
        behind = self.behind(kind, long_task.targets, NEW_HDA_VERSION, self.resume_image)
        self.expect(not behind, "resume", "%s: %d server(s) did not reach the new %s" % (
            phase.name, len(behind), "HDA version" if kind == "hda" else "image"))
        self.sim.faults.clear()
        self.end(phase)

    def crash_task(self, kind):
        """Every server the change can reach; for access, the CRASH_USERS on the CRASH_ACCESS_GROUPS."""
        if kind == "access":
            return Task("crash_access", "access", dict(app_group_names=list(CRASH_ACCESS_GROUPS),
                                                       accounts=[dict(account=name) for name in self.crash_users]),
                        self.crash_access_groups)
        targets = self.reachable(kind)
        args = dict(server_ids=targets, **self.job_args())
        if kind == "image":
            args.update(image_id=self.crash_image, image_type="private")
        return Task("crash_%s" % kind, kind, args, targets)

    @property
    def crash_image(self):
        return "soak-image-%s-c" % self.seed

    def crash_and_rerun(self, kind):
        """``ansible-playbook`` killed with SIGKILL (its whole process tree) at a random point, with faults on:
        after k accepted submissions, or in the middle of the wait once all were accepted. The re-run (as many
        rounds as it takes) converges, and no server is submitted twice (the phase's duplicate check)."""
        phase = self.begin_change("crash-%s" % kind, kind, CRASH_HDA_VERSION, CRASH_JOB)
        state = self.sim.state
        task = self.crash_task(kind)
        if kind == "access":  # no job to wait for: killed between two grant calls
            batches = len(chunks(self.crash_users, ACCESS_CALL_ACCOUNTS))
            points = ["after %d submission(s)" % k for k in range(1, batches)]
        else:
            batches = len(chunks(sorted(task.targets), 20))
            points = ["after %d submission(s)" % k for k in range(1, batches)] + ["mid-wait"]
        rng = random.Random("soak-crash-%s-%s" % (self.seed, kind))
        point = rng.choice(points)
        wanted = batches if point == "mid-wait" else int(point.split()[1])
        log_start = len(self.sim.log)

        def accepted():
            return [r for r in self.sim.log.snapshot()[log_start:]
                    if r.operation == OPERATIONS[kind] and reached_handler(r)]

        def ready():
            done = accepted()
            if len(done) < wanted:
                return False
            if point != "mid-wait":
                return True
            last = done[-1].time
            return any(r.operation in ("list_servers", "show_job_detail", "show_job") and r.time > last
                       for r in self.sim.log.snapshot()[log_start:])

        times, env = self.task_times_env()
        command, environment, _results = self.runner.prepare([task.play_task()], module_defaults=self.defaults,
                                                             env=env)
        started = time.monotonic()
        code = processes.kill_when(command, environment, ready, timeout=300)
        time.sleep(0.5)  # a submission in flight when the controller died is still handled by the service
        self.record_task_times(times, [task])
        killed = len(accepted())
        self.expect(code == -9, "crash", "%s: ansible-playbook was to be killed %s, it ended with %s" % (
            phase.name, point, code))
        self.echo("  %s: killed %s (%d submission(s) accepted, %.1fs after the start)" % (
            phase.name, point, killed, time.monotonic() - started))
        phase.notes.append("killed %s; %d submission(s) accepted before the re-run" % (point, killed))
        state.job_duration = self.job_duration
        for number in range(1, self.rounds + 1):
            run = self.play(phase, [task], "re-run after the kill, attempt %d" % number)
            if run.rc == 0:
                break
        else:
            self.fail("crash", "%s: the re-run still failed after %d attempt(s): %s" % (
                phase.name, self.rounds, phase.runs[-1].line()))
        if kind == "access":
            self.check_crash_access(phase, task)
        else:
            behind = self.behind(kind, task.targets, CRASH_HDA_VERSION, self.crash_image)
            self.expect(not behind, "crash", "%s: %d server(s) did not reach the new %s" % (
                phase.name, len(behind), "HDA version" if kind == "hda" else "image"))
        self.sim.faults.clear()
        self.end(phase)

    def check_crash_access(self, phase, task):
        """Every (app group, user) pair granted once, and a re-run without faults sends nothing (changed false)."""
        state = self.sim.state
        granted = collections.Counter((auth["app_group_id"], auth["account"]) for auth in state.authorizations.values()
                                      if auth["app_group_id"] in self.crash_access_groups)
        wanted = set((group_id, name) for group_id in self.crash_access_groups for name in self.crash_users)
        self.expect(set(granted) == wanted and max(list(granted.values()) or [0]) == 1, "crash",
                    "%s: %d pair(s) granted (%d distinct), wanted %d" % (
                        phase.name, sum(granted.values()), len(granted), len(wanted)))
        self.sim.faults.clear()
        run = self.play(phase, [task], "re-run without faults")
        run.idempotent = True
        mutations = [r for r in run.log if r.mutating]
        self.expect(run.rc == 0 and (run.result(task) or {}).get("changed") is False and not mutations, "crash",
                    "%s: the re-run after convergence was not idempotent: changed=%r, %d mutation(s) (%s)" % (
                        run.label, (run.result(task) or {}).get("changed"), len(mutations), run.line()))

    # -- duplicates ------------------------------------------------------------------
    def check_duplicates(self, phase):
        """Servers (groups) submitted twice for the same change while the first submission was applied; each
        duplicate is counted for its kind (``phase.duplicate_kinds``, the per-module table)."""
        jobs = self.sim.state.jobs
        accepted = collections.defaultdict(list)  # (kind, desired, server) -> [sub job], in creation order
        for job_id in sorted(phase.new_jobs, key=lambda jid: jobs[jid]["created_at"]):
            job = jobs[job_id]
            kind = KIND_OF_JOB_TYPE.get(job["job_type"])
            if kind is None:
                continue  # the fleet's create jobs: see the fleet checks
            desired = job["params"].get("image_id") if kind == "image" else phase.name
            for sub in job["sub_jobs"]:
                accepted[(kind, desired, sub["server_id"])].append(sub)
        reached = collections.defaultdict(list)  # (kind, target) -> [log record]
        for record in phase.log:
            kind = KIND_OF_OPERATION.get(record.operation)
            if record.mutating and kind and reached_handler(record):
                for target in mutation_targets(record):
                    reached[(kind, target)].append(record)

        duplicates, unexplained = [], []  # duplicates: (kind, text)
        for (kind, desired, server_id), subs in sorted(accepted.items()):
            log_count = len(reached.get((kind, server_id), []))
            if log_count < len(subs):
                unexplained.append("%s %s: %d accepted job(s), %d request(s) in the log" % (
                    kind, server_id, len(subs), log_count))
            for index in range(1, len(subs)):
                if any(earlier["status"] != "FAILED" for earlier in subs[:index]):
                    duplicates.append((kind, "%s %s (%s): jobs %s" % (kind, server_id, desired,
                                                                      ", ".join(sub["job_id"] for sub in subs))))
                    break
        for (kind, target), records in sorted(reached.items()):
            if kind in ("group", "app_group_edit"):
                bodies = collections.Counter(json.dumps(record.body, sort_keys=True) for record in records)
            elif kind in ("maintenance", "power"):  # the same server set to the same mode, stopped twice
                bodies = collections.Counter(json.dumps({"maintain_status": (record.body or {}).get("maintain_status")})
                                             if kind == "maintenance" else "stop" for record in records)
            else:
                continue  # jobs: above; fleet creates: the group's final size and no delete (check_fleet)
            for body, count in bodies.items():
                if count > 1:
                    duplicates.append((kind, "%s %s: the same change applied %d times (%s; faults %s)" % (
                        kind, target, count, shorten(body, 120), [record.fault for record in records])))
        # Applications: a name in two publish calls that reached the handler, or a publish the service refused (the
        # simulator refuses a name published already with a 400); pairs: the simulator counts every grant of a pair
        # granted already.
        published = collections.Counter()
        for record in phase.log:
            if record.operation != "publish_app" or not record.mutating:
                continue
            names = [item.get("name") for item in (record.body or {}).get("items") or [] if isinstance(item, dict)]
            if reached_handler(record):
                published.update((mutation_targets(record)[0], name) for name in names)
            elif record.status == 400:
                duplicates.append(("apps", "apps: a publish of %s refused with 400 (published already?)"
                                   % ", ".join(names[:3])))
        duplicates.extend(("apps", "apps: %s published by %d calls" % (name, count))
                          for (_group, name), count in sorted(published.items()) if count > 1)
        duplicates.extend(self.image_job_duplicates(phase))
        # App groups, schedule tasks, policy groups: a name created twice; sessions: one logged off twice (the
        # simulator keeps every logoff notice it sent).
        for kind in CREATE_KINDS:
            duplicates.extend((kind, "%s: %s" % (kind, text)) for text in creates_twice(phase.log, OPERATIONS[kind]))
        notices = self.sim.state.notifications[phase.notifications_before:]
        duplicates.extend(("logoff", "logoff: session %s sent %d logoff notices" % (session_id, count))
                          for session_id, count in notified_twice(notices))
        granted_twice = self.sim.state.duplicate_grants - phase.duplicate_grants_before
        if granted_twice:
            duplicates.append(("access", "access: %d (app group, account) pair(s) granted again while granted"
                               % granted_twice))
        deletes = [record for record in phase.log if record.operation in DELETE_OPERATIONS and reached_handler(record)]
        if deletes:  # a create applied twice would leave surplus servers for a later round to delete
            duplicates.append(("fleet", "%d delete request(s) reached the service: %s" % (
                len(deletes), ", ".join(shorten(json.dumps(r.body), 80) for r in deletes[:3]))))
        candidates = len([key for key, records in reached.items()
                          if key[0] not in ("group", "fleet") and len(records) > 1])
        phase.notes.append("%d server(s) named by more than one request that reached the handler; %d confirmed "
                           "duplicate(s)" % (candidates, len(duplicates)))
        phase.duplicates = len(duplicates)
        phase.duplicate_kinds = collections.Counter(kind for kind, _text in duplicates)
        self.expect(not duplicates, "no-duplicates", "%s: %d duplicate submission(s): %s" % (
            phase.name, len(duplicates), "; ".join(text for _kind, text in duplicates[:5])))
        self.expect(not unexplained, "log-vs-jobs", "%s: %d accepted submission(s) without a request in the log: %s"
                    % (phase.name, len(unexplained), "; ".join(unexplained[:3])))

    def image_job_duplicates(self, phase):
        """Image server jobs the simulator accepted in ``phase``: a second create of one image server name, build of
        one image name or delete of one image server, after one that did not fail, as (kind, text); the counts go to
        the notes."""
        image_jobs = self.sim.state.image_jobs
        accepted = collections.defaultdict(list)  # (kind, resource name) -> [job], oldest first
        for job_id, job in image_jobs.items():
            if job_id in phase.new_image_jobs and job["job_type"] in IMAGE_JOB_TYPES:
                for sub in job["sub_jobs"]:
                    accepted[(IMAGE_JOB_TYPES[job["job_type"]], sub["resource_name"])].append(job)
        duplicates = []
        for (kind, name), jobs in sorted(accepted.items()):
            for index in range(1, len(jobs)):
                if any(earlier["status"] != "FAILED" for earlier in jobs[:index]):
                    jobs_text = ", ".join(job["id"] for job in jobs)
                    duplicates.append((kind, "%s %s: image jobs %s" % (kind, name, jobs_text)))
                    break
        reinstalls = len([job_id for job_id in phase.new_jobs
                          if self.sim.state.jobs[job_id]["job_type"] == JOB_TYPES["reinstall"]])
        counts = collections.Counter(kind for (kind, _name), jobs in accepted.items() for _job in jobs)
        phase.notes.append("accepted: %d reinstall job(s), %d image server create(s), %d image build(s), %d image "
                           "server delete(s)" % (reinstalls, counts["image_server"], counts["build"],
                                                 counts["image_server_gone"]))
        return duplicates

    # -- summary -------------------------------------------------------------------
    @staticmethod
    def phase_stats(phase):
        log = phase.log
        faults = collections.Counter(record.fault for record in log if record.fault)
        pairs = [(first, second) for first, second in zip(log, log[1:])
                 if failed_answer(first) and same_request(first, second)]
        retries = len(pairs)
        mutations = [record for record in log if record.mutating]
        named = collections.Counter((record.operation, target) for record in mutations
                                    for target in mutation_targets(record))
        attempts = collections.Counter(task.name for run in phase.runs for task in run.tasks if run.result(task))
        return {
            "phase": phase.name,
            "seconds": round(phase.seconds, 1),
            "playbook_runs": len(phase.runs),
            "task_attempts": dict(attempts),
            "requests": len(log),
            "faults": dict((kind, faults.get(kind, 0)) for kind in FAULT_KINDS if faults.get(kind)),
            "mutations": len(mutations),
            "mutations_reaching_handler": len([r for r in mutations if reached_handler(r)]),
            "mutations_by_operation": dict(collections.Counter(r.operation for r in mutations)),
            "mutation_faults": dict((operation, dict(collections.Counter(r.fault for r in mutations
                                                                         if r.operation == operation and r.fault)))
                                    for operation in sorted(set(r.operation for r in mutations if r.fault))),
            "targets_named_again": sum(count - 1 for count in named.values() if count > 1),
            "jobs_accepted": len(phase.new_jobs),
            "duplicates": phase.duplicates,
            "window_429s_on_mutations": len([r for r in mutations if r.fault == "throttle_window"]),
            "retries": retries,
            "retry_wait_seconds": round(sum(second.time - first.time for first, second in pairs), 1),
            "runs": [run.line() for run in phase.runs],
            "notes": phase.notes,
        }

    def module_table(self):
        """Per module (MODULE_ORDER): task runs (tasks started, killed runs included), changed (results with changed
        true), mutations sent and applied (reached the handler) and faults met by the requests made while its tasks
        ran, duplicates found, and mutations of the re-runs without faults (the idempotent phase, the crash-access
        re-run)."""
        rows = collections.OrderedDict((module, dict(module=module, task_runs=0, changed=0, mutations=0, applied=0,
                                                     faults=0, duplicates=0, idempotent_mutations=0))
                                       for module in MODULE_ORDER)
        times = [moment for moment, _kind in self.timeline]
        for _moment, kind in self.timeline:
            if kind:
                rows[MODULES[kind]]["task_runs"] += 1
        for phase in self.phases:
            for run in phase.runs:
                for task in run.tasks:
                    if (run.result(task) or {}).get("changed") is True:
                        rows[MODULES[task.kind]]["changed"] += 1
                if run.idempotent:
                    for record in run.log:
                        kind = self.kind_of(record, times)
                        if kind and record.mutating:
                            rows[MODULES[kind]]["idempotent_mutations"] += 1
            for record in phase.log:
                kind = self.kind_of(record, times)
                if not kind:
                    continue
                row = rows[MODULES[kind]]
                row["faults"] += 1 if record.fault else 0
                if record.mutating:
                    row["mutations"] += 1
                    row["applied"] += 1 if reached_handler(record) else 0
            for kind, count in phase.duplicate_kinds.items():
                rows[MODULES[kind]]["duplicates"] += count
        return [row for row in rows.values() if row["task_runs"]]

    def report(self, seconds):
        phases = [self.phase_stats(phase) for phase in self.phases]
        totals = collections.Counter()
        for stats in phases:
            for key in ("requests", "mutations", "mutations_reaching_handler", "jobs_accepted", "retries",
                        "playbook_runs", "duplicates", "window_429s_on_mutations"):
                totals[key] += stats[key]
            for kind, count in stats["faults"].items():
                totals["fault_" + kind] += count
        return {
            "seed": self.seed,
            "servers": self.servers,
            "groups": self.groups,
            "fault_rate": self.fault_rate,
            "dialect": self.dialect,
            "seconds": round(seconds, 1),
            "totals": dict(totals),
            "phases": phases,
            "modules": self.module_table(),
            "failures": self.failures,
        }

    # -- entry point -----------------------------------------------------------------
    def run(self):
        started = time.monotonic()
        workdir = self.workdir or tempfile.mkdtemp(prefix="soak-")
        os.makedirs(workdir, exist_ok=True)
        self.sim = Simulator(servers=self.servers, groups=self.groups, seed=self.seed, job_duration=self.job_duration,
                             outdated_hda=self.outdated_hda,
                             images=[self.target_image, self.resume_image, self.crash_image],
                             dialect=self.dialect).start()
        try:
            self.runner = PlaybookRunner(pathlib.Path(workdir), self.sim)
            self.defaults = self.runner.connection_defaults()
            if self.max_retries is not None:
                self.defaults["max_retries"] = self.max_retries
            self.prepare()
            self.converge()
            self.idempotent()
            for kind in self.resume:
                self.resume_after_timeout(kind)
            for kind in self.crash:
                self.crash_and_rerun(kind)
        except Aborted:
            for phase in self.phases:
                if not phase.seconds:
                    self.end(phase)
        finally:
            self.sim.stop()
            if not self.workdir:
                shutil.rmtree(workdir, ignore_errors=True)
        return self.report(time.monotonic() - started)


TABLE_COLUMNS = (("module", "module"), ("task_runs", "task runs"), ("changed", "changed"),
                 ("mutations", "mutations sent"), ("applied", "applied"), ("faults", "faults met"),
                 ("duplicates", "duplicates"), ("idempotent_mutations", "idempotent re-run mutations"))


def module_table_lines(rows, indent="  "):
    """The per-module table as aligned text lines."""
    cells = [[title for _key, title in TABLE_COLUMNS]] + [[str(row[key]) for key, _title in TABLE_COLUMNS]
                                                          for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(TABLE_COLUMNS))]
    return [indent + "  ".join(cell.ljust(width) if index == 0 else cell.rjust(width)
                               for index, (cell, width) in enumerate(zip(line, widths))).rstrip() for line in cells]


def markdown(reports, command, when=None):
    """docs/soak.md: per seed its wall time, checks and the per-module table."""
    when = when or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = ["# Fault soak: every mutating module", "", "<!-- Generated file: do not edit by hand. -->",
             "Generated by `make soak` (`%s`) on %s. Re-run it to refresh this page." % (command, when), "",
             "Each seed runs one simulator and real `ansible-playbook` runs against it (tools/soak/run.py: what each "
             "phase does and how a duplicate is found). Faults hit every request of every task. Per module: *task "
             "runs* are its tasks started (killed runs included), *changed* the results with `changed: true`; "
             "*mutations sent* and *applied* (past the fault gate: answered 2xx, or handled and then answered 500 "
             "or not at all), *faults met* and *idempotent re-run mutations* (the re-runs without faults: the "
             "idempotent phase and the one after the crash-access re-run) count the requests made while its tasks "
             "ran; *duplicates* are changes applied twice (0 when nothing was).", ""]
    for report in reports:
        verdict = "%d check(s) FAILED" % len(report["failures"]) if report["failures"] else "all checks passed"
        lines.append("## Seed %s: %s" % (report["seed"], verdict))
        lines.append("")
        totals = report["totals"]
        lines.append("%d servers in %d groups, fault rate %s, %s; wall %.1f s; phases %s; %d playbook runs, %d "
                     "requests, %d faults injected, %d duplicate submissions." % (
                         report["servers"], report["groups"], report["fault_rate"],
                         dialect_text(report.get("dialect")), report["seconds"],
                         ", ".join("%s %.0f s" % (stats["phase"], stats["seconds"]) for stats in report["phases"]),
                         totals.get("playbook_runs", 0), totals.get("requests", 0),
                         sum(count for key, count in totals.items() if key.startswith("fault_")),
                         totals.get("duplicates", 0)))
        lines.append("")
        lines.append("| " + " | ".join(title for _key, title in TABLE_COLUMNS) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(TABLE_COLUMNS) - 1)) + "|")
        for row in report.get("modules") or []:
            lines.append("| " + " | ".join(("`%s`" % row[key]) if key == "module" else str(row[key])
                                           for key, _title in TABLE_COLUMNS) + " |")
        for failure in report["failures"]:
            lines.append("")
            lines.append("- FAILED [%s] %s" % (failure["check"], failure["message"]))
        lines.append("")
    return "\n".join(lines)


def summary_text(report):
    lines = ["soak seed %s: %d servers, %d groups, fault rate %s, %s, %.1fs" % (
        report["seed"], report["servers"], report["groups"], report["fault_rate"], dialect_text(report.get("dialect")),
        report["seconds"])]
    for stats in report["phases"]:
        faults = ", ".join("%s %d" % item for item in stats["faults"].items()) or "none"
        lines.append("  %-13s %6.1fs  %2d run(s)  %5d requests  faults: %s" % (
            stats["phase"], stats["seconds"], stats["playbook_runs"], stats["requests"], faults))
        lines.append("  %-13s mutations %d (%d reached the handler, %d jobs accepted), %d target(s) named again, "
                     "%d client retries (%.1fs between a fault and its retry)" % (
                         "", stats["mutations"], stats["mutations_reaching_handler"], stats["jobs_accepted"],
                         stats["targets_named_again"], stats["retries"], stats["retry_wait_seconds"]))
        if stats["mutation_faults"]:
            lines.append("  %-13s faults on mutations: %s" % ("", "; ".join(
                "%s %s" % (operation, ", ".join("%s %d" % item for item in sorted(kinds.items())))
                for operation, kinds in sorted(stats["mutation_faults"].items()))))
        attempts = ", ".join("%s %d" % item for item in sorted(stats["task_attempts"].items()))
        lines.append("  %-13s task attempts: %s" % ("", attempts))
        for note in stats["notes"]:
            lines.append("  %-13s note: %s" % ("", note))
    if report.get("modules"):
        lines.append("  per module:")
        lines.extend(module_table_lines(report["modules"], indent="    "))
    totals = report["totals"]
    lines.append("  total: %d requests, faults injected %s, %d mutations, %d client retries, %d playbook runs" % (
        totals.get("requests", 0), dict((k[6:], v) for k, v in sorted(totals.items()) if k.startswith("fault_")),
        totals.get("mutations", 0), totals.get("retries", 0), totals.get("playbook_runs", 0)))
    window = (report.get("dialect") or {}).get("throttle_window")
    if window:
        lines.append("  windowed throttle (%d requests per %ss, 429 APIG.0308 without Retry-After): %d 429(s) met, "
                     "%d of them on mutations (refused at the gateway, not applied)" % (
                         window[0], window[1], totals.get("fault_throttle_window", 0),
                         totals.get("window_429s_on_mutations", 0)))
    lines.append("  duplicate submissions (applied twice): %d" % totals.get("duplicates", 0))
    if report["failures"]:
        lines.append("  %d CHECK(S) FAILED:" % len(report["failures"]))
        lines.extend("    [%s] %s" % (f["check"], f["message"]) for f in report["failures"])
    else:
        lines.append("  all checks passed")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--servers", type=int, default=300, help="servers in the fleet (default 300)")
    parser.add_argument("--groups", type=int, default=3, help="server groups (default 3)")
    parser.add_argument("--seed", type=int, action="append", dest="seeds",
                        help="simulator and fault seed; repeat for several soaks (default 1)")
    parser.add_argument("--rounds", type=int, default=10, help="playbook runs allowed per phase to converge (default 10)")
    parser.add_argument("--fault-rate", type=float, default=0.2,
                        help="share of AppStream requests faulted, split evenly between 429, 500/503, drop, lost "
                             "response and applied-then-500 (default 0.2)")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds of a 429 (default 1)")
    parser.add_argument("--job-duration", type=float, default=0.5, help="seconds a simulated job runs (default 0.5)")
    parser.add_argument("--poll-interval", type=float, default=0.3, help="poll_interval of the tasks (default 0.3)")
    parser.add_argument("--outdated-hda", type=float, default=0.5, help="share of servers behind on HDA (default 0.5)")
    parser.add_argument("--tsvi-fraction", type=float, default=0.34,
                        help="share of servers whose last TSVI job failed (default 0.34)")
    parser.add_argument("--max-retries", type=int, help="max_retries of the tasks (default: the module's)")
    parser.add_argument("--resume", default=",".join(RESUME_KINDS),
                        help="timeout-resume scenarios to run, comma separated from hda,image ('' for none)")
    parser.add_argument("--crash", default=",".join(CRASH_KINDS),
                        help="crash scenarios to run (ansible-playbook killed at a random point, then re-run), comma "
                             "separated from hda,image,access ('' for none)")
    parser.add_argument("--rerun", choices=RERUN_MODES, default="all",
                        help="what a round re-runs after a failed one: the whole playbook (default) or, like "
                             "--start-at-task, the tasks from the first failed one")
    parser.add_argument("--resume-scope", choices=RESUME_SCOPES, default="all",
                        help="targets of the timeout-resume scenarios: every server (server_ids, default) or the "
                             "first group (server_group_id)")
    parser.add_argument("--state-lag", type=float, default=0, metavar="SECONDS",
                        help="simulator dialect state_lag: what a succeeded job changed shows SECONDS later in the "
                             "reads (default 0: at once)")
    parser.add_argument("--throttle-window", metavar="LIMIT/SECONDS",
                        help="simulator dialect throttle_window: at most LIMIT requests per fixed window of SECONDS "
                             "per credential, beyond it 429 APIG.0308 without Retry-After (default off)")
    parser.add_argument("--transitions", type=float, metavar="SECONDS",
                        help="simulator dialect transitions: servers show UNREGISTER while rebuilt or powered and "
                             "SECONDS after (default off)")
    parser.add_argument("--workdir", help="keep playbooks and results here (default: a temporary directory)")
    parser.add_argument("--json", help="write the reports (a JSON list) to this file")
    parser.add_argument("--out", help="write the per-seed tables (Markdown, e.g. docs/soak.md) to this file")
    parser.add_argument("--logoff-fault", choices=SCRIPTABLE_FAULTS, help="a fault the converge phase's first logoff "
                        "call meets for sure, on top of the random ones (default none)")
    parser.add_argument("--quiet", action="store_true", help="print only the summaries")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or [1]
    args.resume = [kind for kind in args.resume.split(",") if kind]
    args.crash = [kind for kind in args.crash.split(",") if kind]
    unknown = [kind for kind in args.resume if kind not in RESUME_KINDS] + [
        "crash " + kind for kind in args.crash if kind not in CRASH_KINDS]
    if unknown:
        parser.error("--resume: unknown scenario(s) %s" % ", ".join(unknown))
    if args.servers < 1 or args.groups < 1 or args.rounds < 1:
        parser.error("--servers, --groups and --rounds must be at least 1")
    try:
        args.throttle_window = parse_window(args.throttle_window) if args.throttle_window else None
        Dialect(dialect_config(args.state_lag, args.throttle_window,
                               False if args.transitions is None else args.transitions))
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv=None):
    args = parse_args(argv)
    reports = []
    for seed in args.seeds:
        workdir = os.path.join(args.workdir, "seed-%s" % seed) if args.workdir else None
        soak = Soak(servers=args.servers, groups=args.groups, seed=seed, fault_rate=args.fault_rate, rounds=args.rounds,
                    job_duration=args.job_duration, poll_interval=args.poll_interval, outdated_hda=args.outdated_hda,
                    tsvi_fraction=args.tsvi_fraction, retry_after=args.retry_after, max_retries=args.max_retries,
                    resume=args.resume, crash=args.crash, rerun=args.rerun,
                    resume_scope=args.resume_scope, state_lag=args.state_lag, throttle_window=args.throttle_window,
                    transitions=False if args.transitions is None else args.transitions,
                    logoff_fault=args.logoff_fault, workdir=workdir, echo=None if args.quiet else print)
        report = soak.run()
        reports.append(report)
        print(summary_text(report), flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(reports, handle, indent=1)
    if args.out:
        command = ".venv/bin/python tools/soak/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        with open(args.out, "w") as handle:
            handle.write(markdown(reports, command))
    failed = [report["seed"] for report in reports if report["failures"]]
    if failed:
        print("soak FAILED for seed(s) %s" % ", ".join(str(seed) for seed in failed))
        return 1
    print("soak passed: %d seed(s)" % len(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
