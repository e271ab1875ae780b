# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for many asynchronous jobs under one deadline.

A batch job (HDA upgrade, TSVI) carries one sub job per server; its detail
(``GET /v2/{project_id}/job/{job_id}``) tells every server's outcome in one
request, so a polling round costs one request per *unfinished* job, never
one per server.

"Finished" is not "succeeded": a job that ends ``SUCCESS`` may still hold
sub jobs that ended ``ABNORMAL`` or were rolled back; only a sub job that
ended ``SUCCESS`` counts as success for its server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

JOB_TERMINAL = frozenset(["SUCCESS", "FAILED"])
SUB_JOB_FAILED = frozenset(["FAILED", "ABNORMAL", "ROLLBACK", "ABORTING"])

SUCCEEDED = "succeeded"
FAILED = "failed"
PENDING = "pending"


class WaitTimeout(Exception):
    """The deadline passed; ``pending`` lists the job ids still running."""

    def __init__(self, timeout, pending, results):
        self.timeout = timeout
        self.pending = pending
        self.results = results
        super(WaitTimeout, self).__init__(
            "timed out after %ss waiting for job(s) %s; re-run the task to resume waiting for them"
            % (timeout, ", ".join(pending)))


class ServerOutcome:
    """How one server fared in one job."""

    def __init__(self, server_id, status, job_id, error_code=None, error_msg=None, sub_job_status=None):
        self.server_id = server_id
        self.status = status
        self.job_id = job_id
        self.error_code = error_code
        self.error_msg = error_msg
        self.sub_job_status = sub_job_status

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

    def update(self, detail):
        self.detail = detail
        self.status = detail.get("status")
        self.finished = self.status in JOB_TERMINAL
        seen = set()
        for sub in detail.get("sub_jobs") or []:
            server_id = (sub.get("job_resource_info") or {}).get("resource_id")
            if not server_id:
                continue
            seen.add(server_id)
            self.servers[server_id] = self._outcome(server_id, sub.get("status"), sub.get("error_code"),
                                                    sub.get("error_message"))
        if self.finished:
            # Servers the job does not list as sub jobs take the job's own outcome.
            for server_id in self.servers:
                if server_id not in seen:
                    self.servers[server_id] = self._outcome(server_id, self.status, None, None)

    def _outcome(self, server_id, status, error_code, error_msg):
        if status == "SUCCESS":
            return ServerOutcome(server_id, SUCCEEDED, self.job_id, sub_job_status=status)
        if status in SUB_JOB_FAILED or self.finished:
            # A sub job still WAITING/RUNNING inside a finished job never completed: it failed.
            return ServerOutcome(server_id, FAILED, self.job_id, error_code or None,
                                 error_msg or "job %s ended with status %s" % (self.job_id, status),
                                 sub_job_status=status)
        return ServerOutcome(server_id, PENDING, self.job_id, sub_job_status=status)


class JobWaiter:
    """Poll jobs until all are finished or one deadline passes.

    ``jobs`` maps job id -> server ids the job was submitted for.
    ``progress`` receives human-readable lines (job ids, done/total).
    """

    def __init__(self, client, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep, progress=None):
        self.client = client
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self.progress = progress or (lambda line: None)
        self.rounds = 0
        self.results = {}  # the last seen state, also when wait() raised

    def wait(self, jobs, deadline=None):
        results = self.results = dict((job_id, JobResult(job_id, server_ids)) for job_id, server_ids in jobs.items())
        if not results:
            return results
        deadline = self.clock() + self.timeout if deadline is None else deadline
        total = len(results)
        self.progress("waiting for %d job(s): %s" % (total, ", ".join(results)))
        while True:
            self.rounds += 1
            for result in results.values():
                if not result.finished:
                    result.update(api.show_job_detail(self.client, result.job_id) or {})
            pending = [job_id for job_id, result in results.items() if not result.finished]
            self.progress("round %d: %d/%d job(s) finished%s" % (
                self.rounds, total - len(pending), total, "" if not pending else "; running: %s" % ", ".join(pending)))
            if not pending:
                return results
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise WaitTimeout(self.timeout, pending, results)
            self.sleep(min(self.poll_interval, remaining))
