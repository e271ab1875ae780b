# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Base classes of every module in the collection.

:class:`WorkspaceAppModule` wraps ``AnsibleModule``: the shared connection
options, one :class:`~.client.Client`, and the mapping of errors to
``fail_json``. :class:`JobModule` adds the cycle shared by modules that start
jobs: resolve targets, plan per server, submit in batches, wait, report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client as client_utils
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.client import ApiError, ConfigurationError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    FAILED, PENDING, SUCCEEDED, BatchJobWaiter, ServerReader, WaitTimeout)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.targets import (
    TargetError, batches, check_batch_size, resolve_targets)

CONNECTION_ARGS = dict(
    region=dict(type="str"),
    project_id=dict(type="str"),
    access_key=dict(type="str", aliases=["ak"], no_log=False),
    secret_key=dict(type="str", aliases=["sk"], no_log=True),
    security_token=dict(type="str", no_log=True),
    auth_token=dict(type="str", no_log=True),
    credentials_file=dict(type="path"),
    endpoint=dict(type="str"),
    iam_endpoint=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=30),
    max_retries=dict(type="int", default=5),
)

WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=3600),
    poll_interval=dict(type="float", default=15),
)

# Set by the collection's action plugin (plugins/plugin_utils/job_progress.py) when it shows progress live.
PROGRESS_FILE_ENV = "WORKSPACE_APP_PROGRESS_FILE"

TARGET_ARGS = dict(
    server_ids=dict(type="list", elements="str"),
    server_group_id=dict(type="str"),
    batch_size=dict(type="int", default=20),
)
TARGET_KWARGS = dict(
    mutually_exclusive=[("server_ids", "server_group_id")],
    required_one_of=[("server_ids", "server_group_id")],
)


def name_misgiven_dicts(spec):
    """``spec``, made to report a dict option with sub-options given a non-dict by the option's name.

    ansible-core checks such a value against the sub-options first and fails with a bare "dictionary
    requested, could not parse JSON or key=value" that does not say which option is wrong. Without its
    sub-options, the option fails the ordinary type check, whose message names it. Nothing else changes:
    the value fails either way, and a valid value keeps its sub-options.
    """
    try:
        given = _load_params() or {}
    except Exception:  # pylint: disable=broad-except
        return spec  # AnsibleModule reports unreadable parameters itself
    for name, option in spec.items():
        value = next((given[key] for key in [name] + list(option.get("aliases") or []) if key in given), None)
        if option.get("type") != "dict" or not option.get("options") or value is None or isinstance(value, dict):
            continue
        try:
            check_type_dict(value)
        except TypeError:
            option.pop("options")
    return spec


class ProgressLines(list):
    """The progress lines of a run (returned as ``progress``).

    When ``path`` is set (the action plugin runs the module on the controller at
    ``-v`` and tails that file), each line is also appended to it as it comes, so
    a long wait shows movement while the task runs. A file that cannot be written
    only stops the live view.
    """

    def __init__(self, path=None):
        super(ProgressLines, self).__init__()
        self.path = path

    def append(self, line):
        super(ProgressLines, self).append(line)
        if self.path:
            try:
                with open(self.path, "a") as handle:
                    handle.write(line + "\n")
            except (IOError, OSError):
                self.path = None


class WorkspaceAppModule:
    """An AnsibleModule with the connection options and the collection's error handling.

    Subclasses set ``argument_spec`` (and ``module_kwargs``), implement
    :meth:`run` returning the result dict, and may override :meth:`validate`
    for checks that must pass before any request is sent.
    """

    argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        spec = copy.deepcopy(CONNECTION_ARGS)
        spec.update(copy.deepcopy(self.argument_spec))
        self.module = AnsibleModule(argument_spec=name_misgiven_dicts(spec), supports_check_mode=True,
                                    **self.module_kwargs)
        self.params = self.module.params
        self._client = None

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    @property
    def client(self):
        if self._client is None:
            settings = client_utils.resolve_connection(self.params)
            # Secrets read from the environment or the credentials file are not
            # module options, so Ansible does not know to mask them: tell it.
            for secret in settings.secrets:
                self.module.no_log_values.add(secret)
            self._client = client_utils.Client(settings)
        return self._client

    def validate(self):
        """Raise TargetError/ConfigurationError for bad input; runs before any request."""
        if self.params["request_timeout"] <= 0:
            raise TargetError("request_timeout: must be more than 0 seconds, got %s" % self.params["request_timeout"])
        if self.params["max_retries"] < 0:
            raise TargetError("max_retries: must be 0 or more, got %s" % self.params["max_retries"])

    def run(self):
        raise NotImplementedError

    def warn(self, message):
        self.module.warn(message)

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def execute(self):
        if not client_utils.HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"),
                                  exception=str(client_utils.REQUESTS_IMPORT_ERROR))
        try:
            self.validate()
            result = self.run()
        except (ConfigurationError, TargetError) as exc:
            self.fail(str(exc), changed=False)
        except ApiError as exc:
            self.fail(self.api_error_message(exc), changed=False, error=exc.to_dict())
        failed_msg = result.pop("msg_failed", None)
        if failed_msg:
            self.fail(failed_msg, **result)
        self.module.exit_json(**result)

    @staticmethod
    def api_error_message(exc):
        if exc.status == 401:
            return "Authentication failed: %s. Check access_key/secret_key (or auth_token) and the clock." % exc.message
        if exc.status == 403:
            return "Permission denied: %s. Check the project_id and the IAM permissions." % exc.message
        return exc.message

    @classmethod
    def main(cls):
        cls().execute()


class PlanItem:
    """What one target server needs.

    ``action`` is ``none`` (already as desired), ``skip`` (cannot be acted on,
    ``note`` says why), ``submit`` (send it) or ``wait`` (a job is already
    running on it: wait for ``job_id``, never resubmit).
    ``before``/``after`` are what ``--diff`` shows for the server.
    """

    ACTIONS = ("none", "skip", "submit", "wait")

    def __init__(self, server, action, before=None, after=None, job_id=None, batch_key=None, note=None):
        if action not in self.ACTIONS:
            raise ValueError("unknown plan action %r" % action)
        self.server = server
        self.action = action
        self.before = before
        self.after = after
        self.job_id = job_id
        self.batch_key = batch_key
        self.note = note

    @property
    def server_id(self):
        return self.server["id"]


class Submission:
    """What the service answered for one server of a submitted batch."""

    def __init__(self, job_id=None, error_code=None, error_msg=None, waited=False, applied=False):
        self.job_id = job_id
        self.error_code = error_code
        self.error_msg = error_msg
        # True when the server turned out to be already running the change (e.g. after a
        # 409 or a lost response): it is waited for, not counted as a new submission.
        self.waited = waited
        # True when the service applied the change at once (a synchronous operation): there is
        # no job to wait for; the server counts as succeeded unless the re-read says otherwise.
        self.applied = applied


SKIPPED = "skipped"
UNCHANGED = "unchanged"


def state_text(state):
    """``{"image_id": "x"}`` -> ``image_id=x``, for messages."""
    return ", ".join("%s=%s" % (key, state[key]) for key in sorted(state or {}))


class ServerReport:
    """One entry of the ``servers`` result."""

    ACTION_NAMES = {"none": "none", "skip": "none", "submit": "submitted", "wait": "waited"}

    def __init__(self, item):
        self.id = item.server_id
        self.name = item.server.get("name")
        self.action = self.ACTION_NAMES[item.action]
        self.status = {"none": UNCHANGED, "skip": SKIPPED}.get(item.action, PENDING)
        self.job_id = item.job_id
        self.error_code = None
        self.error_msg = item.note
        self.before = item.before
        self.after = item.after if item.action in ("submit", "wait") else item.before

    def fail(self, error_code, error_msg):
        self.status = FAILED
        self.error_code = error_code
        self.error_msg = error_msg
        self.after = self.before  # nothing is known to have changed

    def as_dict(self):
        return dict((key, getattr(self, key)) for key in
                    ("id", "name", "action", "status", "job_id", "error_code", "error_msg", "before", "after"))


ACTIVE_JOB_STATUSES = ("WAITING", "RUNNING")


class JobModule(WorkspaceAppModule):
    """The plan -> apply -> wait -> report cycle of modules that start jobs.

    Subclasses implement:

    * :meth:`plan_server` -> :class:`PlanItem` for one target server;
    * :meth:`send` -> ``{server_id: Submission}``: one API call for up to
      ``batch_size`` planned items sharing a ``batch_key`` (a conflict or a lost
      response is recovered by :meth:`recover`, using ``job_type``/``running_task``);
    * optionally :meth:`resolve` (the target servers; default: the shared
      target resolution), :meth:`prepare` (read once what planning needs),
      :meth:`read_after` -> ``{server_id: after}`` (re-read at the end) and
      :meth:`reached` (does a re-read state show what was planned?).

    ``waiter_class`` is the polling strategy: :class:`~.jobs.BatchJobWaiter`
    reads batch job details or the server list, whichever is cheaper;
    :class:`~.jobs.ServerListWaiter` reads the server list, the cheaper way
    for jobs started one per server.

    ``synchronous = True`` is for operations the service applies at once (no
    job): the module has no ``wait``/``wait_timeout``/``poll_interval``
    options, :meth:`send` answers ``Submission(applied=True)`` per server, and
    :meth:`read_after`/:meth:`reached` verify the change by re-reading.

    Check mode stops after planning: nothing is written and nothing waited for.
    """

    max_batch_size = 20
    synchronous = False  # True: send() applies at once (Submission(applied=True)); no wait options, no waiting
    waiter_class = BatchJobWaiter
    job_type = None  # the job type this module starts, as a server's ``job_type`` shows it
    running_task = None  # the ``task_status`` a server shows while such a job runs

    def __init__(self):
        spec = copy.deepcopy(TARGET_ARGS)
        if not self.synchronous:
            spec.update(copy.deepcopy(WAIT_ARGS))
        spec.update(self.argument_spec)
        self.argument_spec = spec
        kwargs = dict(TARGET_KWARGS)
        kwargs.update(self.module_kwargs)
        self.module_kwargs = kwargs
        super(JobModule, self).__init__()
        self.progress = ProgressLines(os.environ.get(PROGRESS_FILE_ENV))
        self.wait_problem = None  # a WaitTimeout or ApiError that ended waiting early
        self.maybe_applied = False  # a batch lost its response: it may have changed something
        self.applied = []  # servers a synchronous operation changed (Submission.applied)
        self.extra_result = {}
        self.targets = {}  # server id -> the record planning used
        self.waiter = None  # the waiter of this run, once it waited: read_after may use what it read

    def validate(self):
        super(JobModule, self).validate()
        check_batch_size(self.params["batch_size"], self.max_batch_size)
        if self.synchronous:
            return
        if self.params["wait_timeout"] < 0:
            raise TargetError("wait_timeout: must be 0 or more seconds, got %s" % self.params["wait_timeout"])
        if self.params["poll_interval"] <= 0:
            raise TargetError("poll_interval: must be more than 0 seconds, got %s" % self.params["poll_interval"])

    # -- hooks ---------------------------------------------------------------
    def resolve(self):
        return resolve_targets(self.client, self.params["server_ids"], self.params["server_group_id"]).servers

    def prepare(self, servers):
        """Read, once, whatever planning needs besides the server records."""

    def plan_server(self, server):
        raise NotImplementedError

    def send(self, items):
        """One API call for ``items``: ``{server_id: Submission}``; raises ApiError."""
        raise NotImplementedError

    def job_running(self, record):
        """Whether a server record shows a job of this module's kind in progress."""
        return bool(record.get("job_id")) and (
            (self.running_task is not None and record.get("task_status") == self.running_task)
            or (record.get("job_type") == self.job_type and record.get("job_status") in ACTIVE_JOB_STATUSES))

    def submit_batch(self, items):
        try:
            return self.send(items)
        except ApiError as exc:
            if exc.status == 409 or exc.status is None:
                return self.recover(items, exc)
            raise

    def recover(self, items, exc):
        """After a conflict (409) or a lost response, the servers' records tell what happened.

        A lost request that left a new job of our kind on a server was applied: that job is ours.
        A 409 rejects the whole batch: servers running our kind of job are waited for, servers busy
        with another kind fail, and the rest are sent again. A lost request that left no new job was
        not applied, so sending it again is safe. Nothing else is ever resent.
        """
        records = self.server_reader().read([item.server_id for item in items])
        answers, resend = {}, []
        for item in items:
            record = records.get(item.server_id, {})
            new_job = (record.get("job_type") == self.job_type and record.get("job_id")
                       and record["job_id"] != item.server.get("job_id"))
            if exc.status is None and new_job:
                answers[item.server_id] = Submission(record["job_id"])
            elif exc.status == 409 and self.job_running(record):
                answers[item.server_id] = Submission(record["job_id"], waited=True)
            elif exc.status == 409 and record.get("job_status") in ACTIVE_JOB_STATUSES:
                answers[item.server_id] = Submission(error_code=exc.error_code, error_msg=(
                    "a %s job (%s) is running on this server; re-run when it has finished"
                    % (record.get("job_type"), record.get("job_id"))))
            else:
                resend.append(item)
        if resend:
            try:
                answers.update(self.send(resend))
            except ApiError as again:
                self.maybe_applied = self.maybe_applied or again.status is None
                answers.update((item.server_id, Submission(error_code=again.error_code, error_msg=again.message))
                               for item in resend)
        return answers

    def read_after(self, server_ids):
        return {}

    def reached(self, planned, after):
        """Whether ``after`` (re-read) shows the ``planned`` state; a server whose job succeeded but that does
        not is reported failed (e.g. a job already running when planning turned out to aim elsewhere)."""
        return True

    # -- reading servers again -------------------------------------------------
    def known_group_sizes(self):
        """``{group id: size}`` for a group whose every server is a target (read whole while planning)."""
        group_id = self.params["server_group_id"]
        return {group_id: len(self.targets)} if group_id else {}

    def server_reader(self):
        """Reads target servers again in as few requests as it can (see :class:`~.jobs.ServerReader`)."""
        return ServerReader(self.client, list(self.targets.values()), self.known_group_sizes())

    # -- cycle ---------------------------------------------------------------
    def plan(self):
        servers = sorted(self.resolve(), key=lambda server: server["id"])  # stable, predictable batches
        self.targets = dict((server["id"], server) for server in servers)
        self.prepare(servers)
        return [self.plan_server(server) for server in servers]

    def run(self):
        plan = self.plan()
        reports = dict((item.server_id, ServerReport(item)) for item in plan)
        to_submit = [item for item in plan if item.action == "submit"]
        jobs = {}
        for item in plan:
            if item.action == "wait":
                jobs.setdefault(item.job_id, []).append(item.server_id)

        submitted_jobs = []
        if not self.check_mode:
            submitted_jobs = self.submit(to_submit, reports, jobs)
            if jobs and self.params["wait"]:
                self.wait(jobs, reports)
            done = [sid for sid, report in reports.items() if report.action != "none" and report.status == SUCCEEDED]
            if done:
                try:
                    for server_id, after in self.read_after(done).items():
                        self.check_after(reports[server_id], after)
                except ApiError as exc:
                    self.warn("the changes succeeded but the final state could not be re-read: %s" % exc.message)
        changed = bool(to_submit) if self.check_mode else bool(submitted_jobs or self.applied) or self.maybe_applied
        return self.report(reports, submitted_jobs, changed)

    def submit(self, to_submit, reports, jobs):
        """Submit planned items in batches; returns the new job ids in submission order."""
        submitted_jobs = []
        by_key = {}
        for item in to_submit:
            by_key.setdefault(item.batch_key, []).append(item)
        chunks = [chunk for key in by_key for chunk in batches(by_key[key], self.params["batch_size"])]
        for index, chunk in enumerate(chunks):
            try:
                outcome = self.submit_batch(chunk)
            except ApiError as exc:
                # Stop here: whatever failed this batch (auth, quota, bad input) would most
                # likely fail the next ones too, and nothing unplanned should be sent.
                self.maybe_applied = self.maybe_applied or exc.status is None
                for item in chunk:
                    reports[item.server_id].fail(exc.error_code, exc.message)
                for later in chunks[index + 1:]:
                    for item in later:
                        reports[item.server_id].fail(None, "not submitted: an earlier batch failed (%s)" % exc.message)
                break
            for item in chunk:
                answer = outcome.get(item.server_id) or Submission(error_msg="the service returned no job for this server")
                report = reports[item.server_id]
                report.job_id = answer.job_id
                if answer.error_code or not (answer.job_id or answer.applied):
                    report.fail(answer.error_code, answer.error_msg)
                    continue
                if answer.applied:
                    report.status = SUCCEEDED
                    self.applied.append(item.server_id)
                    continue
                jobs.setdefault(answer.job_id, []).append(item.server_id)
                if answer.waited:
                    report.action = "waited"
                elif answer.job_id not in submitted_jobs:
                    submitted_jobs.append(answer.job_id)
            self.progress.append("batch %d/%d: %d server(s) submitted" % (index + 1, len(chunks), len(chunk)))
        return submitted_jobs

    def check_after(self, report, after):
        planned = report.after
        if not self.reached(planned, after):
            done = "job %s succeeded" % report.job_id if report.job_id else "the service accepted the change"
            report.fail(None, "%s but the server shows %s instead of %s; re-run the task"
                        % (done, state_text(after), state_text(planned)))
        report.after = after

    def wait(self, jobs, reports):
        waiter = self.waiter_class(self.client, self.params["wait_timeout"], self.params["poll_interval"],
                                   progress=self.progress.append, servers=list(self.targets.values()),
                                   group_sizes=self.known_group_sizes())
        self.waiter = waiter
        try:
            results = waiter.wait(jobs)
        except WaitTimeout as exc:
            results = exc.results
            self.wait_problem = exc
        except ApiError as exc:
            # Polling failed for good (after retries): the jobs go on, so keep their ids and
            # changed, and leave the servers pending so that a re-run resumes waiting.
            results = waiter.results
            self.wait_problem = "waiting stopped: %s; job(s) %s may still be running, re-run the task to resume" % (
                exc.message, ", ".join(sorted(job_id for job_id, r in results.items() if not r.finished)))
        for result in results.values():
            for server_id, outcome in result.servers.items():
                report = reports.get(server_id)
                if report is None or report.status == FAILED:
                    continue
                if outcome.status == FAILED:
                    report.fail(outcome.error_code, outcome.error_msg)
                else:
                    report.status = outcome.status

    def report(self, reports, submitted_jobs, changed):
        servers = [reports[server_id].as_dict() for server_id in sorted(reports)]
        summary = dict(total=len(servers), unchanged=0, skipped=0, succeeded=0, failed=0, pending=0)
        for server in servers:
            summary[server["status"]] += 1
        result = dict(changed=changed, servers=servers, jobs=submitted_jobs, summary=summary)
        result.update(self.extra_result)
        if self.progress:
            result["progress"] = self.progress
        if self.diff_mode:
            acted = [s for s in servers if s["action"] != "none"]
            result["diff"] = dict(before=dict((s["id"], s["before"]) for s in acted),
                                  after=dict((s["id"], s["after"]) for s in acted))
        skipped = [s["id"] for s in servers if s["status"] == SKIPPED]
        if skipped:
            self.warn("%d server(s) skipped: %s" % (len(skipped), "; ".join(
                "%s (%s)" % (s["id"], s["error_msg"]) for s in servers if s["status"] == SKIPPED)))
        failures = [s for s in servers if s["status"] == FAILED]
        messages = []
        if failures:
            first = "; ".join("%s: %s" % (s["id"], " ".join(p for p in (s["error_code"], s["error_msg"]) if p))
                              for s in failures[:3])
            messages.append("%d of %d server(s) failed (%s%s)" % (
                len(failures), len(servers), first, "; ..." if len(failures) > 3 else ""))
        if self.wait_problem is not None:
            messages.append(str(self.wait_problem))
        if messages:
            result["msg_failed"] = "; ".join(messages)
        return result
