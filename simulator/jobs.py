"""The job engine: jobs created, started and finished on the simulator's clock, and the operations' business rules.

:class:`JobEngine` is one part of :class:`~simulator.state.FleetState`. Jobs advance lazily: every read of
the state first moves the active jobs along the clock (``advance()``), so no background thread is needed;
power transitions (start, stop, reboot: see :mod:`.power`) end the same lazy way, and so do sessions (due logoffs
and, with ``session_drain`` set, the drain of servers in maintenance mode: see :mod:`.sessions`). Pending failures
(``fail_next_job``) are taken by the next sub jobs of their servers (CREATE_SERVER and DELETE_SERVER jobs: see
:mod:`.lifecycle`). The operations (``upgrade_hda``, ``change_image``, ``update_tsvi``, ``set_maintenance``,
``update_group``) are what the HTTP handlers call, with
the API's rules: unknown servers, busy servers (a job or a power transition under way), the same image.

The dialect (:mod:`.dialect`) changes three things here: with ``state_lag`` a succeeded job's effect (image, HDA
version, TSVI, the server removed or REGISTERED) is queued and applied ``state_lag`` seconds after the job ended
(``_advance_effects``); with ``transitions`` a server shows UNREGISTER while an image change or TSVI update (or a
power transition) runs and ``transitions`` seconds after it ended (``_advance_transit``); ``busy_status`` is the HTTP
status of the busy refusal.
"""

from . import errors
from .errors import ApiError

ACTIVE_JOB_STATUSES = ("WAITING", "RUNNING")
# How a failed sub job may end (JobDetailStatus). A job holding one that ended other than FAILED ends with that
# status too (ABNORMAL before ROLLBACK before ABORTING); a server record (JobStatus: WAITING, RUNNING, SUCCESS,
# FAILED) shows such a sub job as FAILED.
FAILED_SUB_JOB_STATUSES = ("FAILED", "ABNORMAL", "ROLLBACK", "ABORTING")
UPGRADE_JOB = "UPGRADE_ACCESS_AGENT"
IMAGE_JOB = "CHANGE_SERVER_IMAGE"
TSVI_JOB = "UPDATE_SERVER_TSVI"
CREATE_JOB = "CREATE_SERVER"  # create_app_servers (see :mod:`.lifecycle`)
DELETE_JOB = "DELETE_SERVER"  # batch_delete_server, delete_server
REINSTALL_JOB = "REINSTALL_OS"  # batch_reinstall_server, reinstall_server (see :mod:`.repair`)
REJOIN_JOB = "REJOIN_DOMAIN"  # batch_rejoin_domain (see :mod:`.repair`)

# task_status of a server while its job is pending / after success / after failure.
TASK_STATUS = {
    UPGRADE_JOB: ("upgrading_access_agent", "upgrad_access_agent_success", "upgrad_access_agent_fail"),
    IMAGE_JOB: ("rebuilding", None, "rebuild_fail"),
    TSVI_JOB: ("updating_tsvi", None, "updating_tsvi_failed"),
    CREATE_JOB: ("scheduling", None, None),
    DELETE_JOB: ("deleting", None, "delete_failed"),
    REINSTALL_JOB: ("rebuilding", None, "rebuild_fail"),  # a reinstall is a rebuild from the server's own image
    REJOIN_JOB: ("rejoining_domain", None, None),
}
# vm_status while the job runs (the upgrade does not restart the VM).
RUNNING_VM_STATUS = {UPGRADE_JOB: None, IMAGE_JOB: "REBUILD", TSVI_JOB: "REBOOT", CREATE_JOB: "BUILD",
                     DELETE_JOB: "DELETING", REINSTALL_JOB: "REBUILD", REJOIN_JOB: None}
# vm_status when the job ends (success, failure); ACTIVE for the other job types. A deleted server is gone.
END_VM_STATUS = {CREATE_JOB: ("ACTIVE", "BUILD_FAIL"), DELETE_JOB: (None, "ERROR")}
# Jobs that rebuild or reboot a server: with dialect.transitions it shows UNREGISTER while they run and a while after.
TRANSITION_JOBS = (IMAGE_JOB, TSVI_JOB, REINSTALL_JOB)
# The fraction of job_duration a job spends WAITING before it RUNS.
WAITING_FRACTION = 0.1


class JobEngine:
    """Jobs and the business operations (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ ids, time

    def _new_job_id(self):
        # 18-digit numeric ids, increasing like the service's snowflake-style ids.
        self._next_job_id += self._job_rng.randrange(10_000, 5_000_000)
        return str(self._next_job_id)

    def fast_forward(self, seconds):
        """Move the simulator's clock ``seconds`` ahead (jobs progress, tokens age)."""
        with self.lock:
            self.advance()  # what is due now happens now (and a drain starts counting) before the jump
            self.clock.advance(seconds)
            self.advance()

    # ------------------------------------------------------------------ job engine

    def advance(self):
        """Move power transitions, sessions (due logoffs, the drain) and active jobs along the clock; cheap when
        nothing is due."""
        with self.lock:
            now = self.clock.monotonic()
            if self._power:
                self._advance_power(now)
            self._advance_sessions(now)
            for job in list(self._active_jobs.values()):
                if now >= job["done_at"]:
                    self._finish_job(job)
                elif job["status"] == "WAITING" and now >= job["running_at"]:
                    self._start_job(job)
            if self._active_image_jobs:
                self._advance_image_jobs(now)  # image servers' jobs (image_servers.py)
            if self._effects:
                self._advance_effects(now)
            if self._transit:
                self._advance_transit(now)
            if self._schedule_tasks:
                self._advance_schedule_tasks()  # schedule tasks whose time has come run (schedule_tasks.py)

    def _create_job(self, job_type, server_ids, params=None, per_server=None):
        now = self.clock.monotonic()
        job_id = self._new_job_id()
        duration = max(self.job_duration, 0.0)
        job = {
            "id": job_id,
            "job_type": job_type,
            "status": "WAITING",
            "begin_time": self.clock.iso(now),
            "end_time": None,
            "created_at": now,
            "running_at": now + WAITING_FRACTION * duration,
            "done_at": now + duration,
            "params": dict(params or {}),
            "sub_jobs": [],
        }
        for server_id in server_ids:
            record = self._servers[server_id]
            failures = self._pending_failures.get(server_id)
            failure = failures.pop(0) if failures else None
            if failures == []:
                del self._pending_failures[server_id]
            sub = {
                "id": self._uuid(self._job_rng),
                "job_id": job_id,
                "job_type": job_type,
                "server_id": server_id,
                "server_name": record["name"],
                "status": "WAITING",
                "begin_time": job["begin_time"],
                "end_time": None,
                "error_code": None,
                "error_message": None,
                "failure": failure,
                "params": dict(per_server.get(server_id, {})) if per_server else {},
            }
            job["sub_jobs"].append(sub)
            record.update(job_id=job_id, job_type=job_type, job_status="WAITING", job_time=job["begin_time"],
                          task_status=TASK_STATUS[job_type][0], update_time=job["begin_time"])
            if job_type in TRANSITION_JOBS:
                self._enter_transit(record)
        self._jobs[job_id] = job
        self._active_jobs[job_id] = job
        return job

    def _owned(self, sub):
        # A test may have repointed the server at another job; then this one no longer drives it.
        record = self._servers.get(sub["server_id"])
        return record if record is not None and record.get("job_id") == sub["job_id"] else None

    def _start_job(self, job):
        job["status"] = "RUNNING"
        vm_status = RUNNING_VM_STATUS[job["job_type"]]
        for sub in job["sub_jobs"]:
            sub["status"] = "RUNNING"
            record = self._owned(sub)
            if record is not None:
                record["job_status"] = "RUNNING"
                if vm_status:
                    record["vm_status"] = vm_status

    def _finish_job(self, job):
        end = self.clock.iso(job["done_at"])
        job_type = job["job_type"]
        _unused, ok_task, failed_task = TASK_STATUS[job_type]
        failed_as = set()
        lag = self.dialect.state_lag
        for sub in job["sub_jobs"]:
            sub["end_time"] = end
            record = self._owned(sub)
            if sub["failure"] is not None:
                sub["error_code"], sub["error_message"], sub["status"] = sub["failure"]
                failed_as.add(sub["status"])
                task_status = failed_task
                if job_type == UPGRADE_JOB and record is not None:
                    self._record_upgrade(record, succeeded=False, when=end)
            else:
                sub["status"] = "SUCCESS"
                task_status = ok_task
                if record is not None:
                    if lag:
                        # dialect.state_lag: the job says SUCCESS now, what it changed shows ``lag`` seconds later
                        self._effects.append((job["done_at"] + lag, job, sub))
                    else:
                        self._apply_success(job, sub, record, end)
            if record is not None:
                succeeded = sub["status"] == "SUCCESS"
                if lag and succeeded and job_type == DELETE_JOB:
                    # still listed and readable as it was (DELETING / deleting) until the lag has passed
                    record.update(job_status="SUCCESS", update_time=end)
                else:
                    record.update(job_status="SUCCESS" if succeeded else "FAILED", task_status=task_status,
                                  vm_status=END_VM_STATUS.get(job_type, ("ACTIVE", "ACTIVE"))[0 if succeeded else 1],
                                  update_time=end)
                if job_type in TRANSITION_JOBS:
                    self._leave_transit(record, job["done_at"])
        unusual = [status for status in FAILED_SUB_JOB_STATUSES[1:] if status in failed_as]
        job["status"] = unusual[0] if unusual else "FAILED" if failed_as else "SUCCESS"
        job["end_time"] = end
        self._active_jobs.pop(job["id"], None)

    def _apply_success(self, job, sub, record, when):
        server_id = record["id"]
        job_type = job["job_type"]
        if job_type == UPGRADE_JOB:
            self._hda[server_id] = self.latest_hda_for(server_id)
            self._record_upgrade(record, succeeded=True, when=when)
        elif job_type == IMAGE_JOB:
            record["image_id"] = job["params"]["image_id"]
            record["os_type"] = job["params"].get("os_type") or record["os_type"]
            if job["params"].get("update_access_agent"):
                self._hda[server_id] = self.latest_hda_for(server_id)
        elif job_type == TSVI_JOB:
            self._tsvi[server_id] = sub["params"]["enable"]
        elif job_type == REINSTALL_JOB:
            self._reinstalled(record, job["params"])
        elif job_type == CREATE_JOB:
            record["status"] = "REGISTERED"
        elif job_type == DELETE_JOB:
            self._remove_server(server_id)

    # ------------------------------------------------------------------ dialect: state lag, transitions

    def _image_of(self, record):
        """The image a server has as the service knows it: with ``state_lag`` the last image change whose effect is
        still queued (the reads lag behind, the service's own checks do not), else the record's."""
        image_id = record["image_id"]
        for _unused, job, sub in sorted(self._effects, key=lambda effect: effect[0]):
            if job["job_type"] == IMAGE_JOB and sub["server_id"] == record["id"]:
                image_id = job["params"].get("image_id", image_id)
        return image_id

    def _advance_effects(self, now):
        """Apply the effects of succeeded jobs whose ``state_lag`` has passed by ``now``, in the order they fell due
        (a server gone meanwhile takes none)."""
        due = [effect for effect in self._effects if effect[0] <= now]
        if not due:
            return
        self._effects = [effect for effect in self._effects if effect[0] > now]
        for _unused, job, sub in sorted(due, key=lambda effect: effect[0]):
            record = self._servers.get(sub["server_id"])
            if record is not None:
                self._apply_success(job, sub, record, sub["end_time"])

    def _enter_transit(self, record):
        """With ``dialect.transitions``: the server shows UNREGISTER while a rebuild, TSVI update or power transition
        runs; the status it had is kept to come back to (a server already in transit keeps the one it had first)."""
        if self.dialect.transitions is False:
            return
        entry = self._transit.get(record["id"])
        if entry is None:
            self._transit[record["id"]] = {"status": record.get("status"), "until": None}
        else:
            entry["until"] = None
        record["status"] = "UNREGISTER"

    def _leave_transit(self, record, ended_at, status=None):
        """The transition of a server in transit ended at ``ended_at``: it stays UNREGISTER ``dialect.transitions``
        seconds more (the agent re-registers), then shows ``status`` (default: the one it had before)."""
        entry = self._transit.get(record["id"])
        if entry is None:
            return
        if status is not None:
            entry["status"] = status
        hold = self.dialect.transitions
        entry["until"] = ended_at + (hold if hold is not False else 0)
        record["status"] = "UNREGISTER"  # advance() brings it back once ``until`` has passed

    def _advance_transit(self, now):
        """Servers whose re-registration is due by ``now`` show the status they came back to."""
        for server_id, entry in list(self._transit.items()):
            if entry["until"] is not None and entry["until"] <= now:
                del self._transit[server_id]
                record = self._servers.get(server_id)
                if record is not None and record.get("status") == "UNREGISTER":
                    record["status"] = entry["status"]

    def _record_upgrade(self, record, succeeded, when):
        self._upgrade_records.append({
            "server_id": record["id"],
            "machine_name": record["machine_name"],
            "server_name": record["name"],
            "server_group_name": record["server_group_name"],
            "sid": record["sid"],
            "current_version": self._hda[record["id"]],
            "target_version": self.latest_hda_for(record["id"]),
            "upgrade_status": "upgrade success" if succeeded else "fail",
            "upgrade_time": when,
        })

    # ------------------------------------------------------------------ pending failures, busy rule

    def fail_next_job(self, server_ids, error_code=errors.OPERATION_FAILED[0], error_msg=errors.OPERATION_FAILED[1],
                      times=1, status="FAILED"):
        """Make the next ``times`` job sub-tasks of each server fail with this error (any job type).

        ``status`` is how the sub job ends: ``FAILED``, or ``ABNORMAL``, ``ROLLBACK`` or ``ABORTING`` (then its
        job ends with that status as well).
        """
        if status not in FAILED_SUB_JOB_STATUSES:
            raise ValueError("status must be one of %s, got %r" % (", ".join(FAILED_SUB_JOB_STATUSES), status))
        self._queue_failures(self._pending_failures, server_ids, (error_code, error_msg, status), times)

    def _queue_failures(self, table, server_ids, failure, times):
        """Append ``times`` copies of ``failure`` to the queue of each server (one id or a list) in ``table``
        (``fail_next_job``, ``fail_next_power``); an unknown server raises KeyError and queues nothing."""
        if isinstance(server_ids, str):
            server_ids = [server_ids]
        with self.lock:
            for server_id in server_ids:
                self._require_server(server_id)
            for server_id in server_ids:
                table.setdefault(server_id, []).extend([failure] * int(times))

    def is_busy(self, server_id):
        """True while the server has a WAITING or RUNNING job or a power transition (start, stop, reboot) under way."""
        with self.lock:
            self.advance()
            return self._busy(self._require_server(server_id))

    def _busy(self, record):
        return record.get("job_status") in ACTIVE_JOB_STATUSES or record["id"] in self._power

    # ------------------------------------------------------------------ operations (the API's business rules)

    def _require_servers(self, server_ids):
        missing = [sid for sid in server_ids if sid not in self._servers]
        if missing:
            raise ApiError(404, errors.SERVER_NOT_FOUND, "server_id: %s" % ", ".join(missing[:3]))

    def _admit_batch(self, server_ids):
        """What a batch operation checks first (the lock held): the state advanced, every id known (else 404 for
        the whole request), none busy (else 409); nothing has changed when it raises."""
        self.advance()
        self._require_servers(server_ids)
        self._refuse_busy(server_ids)

    def _refuse_busy(self, server_ids):
        busy = [sid for sid in server_ids if self._busy(self._servers[sid])]
        if busy:
            raise ApiError(self.dialect.busy_status, errors.SERVER_BUSY, "server_id: %s" % ", ".join(busy[:3]))

    def upgrade_hda(self, server_ids):
        """Start one UPGRADE_ACCESS_AGENT job with a sub job per server; return the job."""
        with self.lock:
            self._admit_batch(server_ids)
            return self._create_job(UPGRADE_JOB, server_ids)

    def change_image(self, server_ids, image_id, image_type, os_type, image_product_id=None,
                     update_access_agent=False):
        """One CHANGE_SERVER_IMAGE job per server; return ServerJobInfo items (per-item errors inline).

        An unknown image fails the whole request (400 ``WKS.00211210``), before any job starts."""
        with self.lock:
            self.advance()
            self._require_image(image_id)
            params = {"image_id": image_id, "image_type": image_type, "os_type": os_type,
                      "image_product_id": image_product_id, "update_access_agent": bool(update_access_agent)}
            return self._job_per_server(
                server_ids, lambda server_id: self._create_job(IMAGE_JOB, [server_id], dict(params)),
                refused=lambda record: errors.SAME_IMAGE if self._image_of(record) == image_id else None)

    def _job_per_server(self, server_ids, start, refused=None):
        """ServerJobInfo items of a call that starts one job per server (``start(server_id)`` -> the job), each
        server's error inline instead: unknown, busy, or what ``refused(record)`` names (an error pair, or None).
        The caller holds the lock and has advanced the state."""
        items = []
        for server_id in server_ids:
            record = self._servers.get(server_id)
            error = None
            if record is None:
                error = errors.SERVER_NOT_FOUND
            elif self._busy(record):
                error = errors.SERVER_BUSY
            elif refused is not None:
                error = refused(record)
            if error is not None:
                items.append({"server_id": server_id, "job_id": "", "error_code": error[0], "error_message": error[1]})
                continue
            items.append({"server_id": server_id, "job_id": start(server_id)["id"], "error_code": "",
                          "error_message": ""})
        return items

    def update_tsvi(self, server_ids):
        """One UPDATE_SERVER_TSVI job; each server gets its group's ``ip_virtual.enable``."""
        with self.lock:
            self._admit_batch(server_ids)
            per_server = {sid: {"enable": self._groups[self._servers[sid]["server_group_id"]]["ip_virtual"]["enable"]}
                          for sid in server_ids}
            return self._create_job(TSVI_JOB, server_ids, per_server=per_server)

    def set_maintenance(self, server_ids, maintain_status):
        """Synchronously set ``maintain_status`` on every server (with ``session_drain``, its sessions start ending)."""
        with self.lock:
            self.advance()
            self._require_servers(server_ids)
            mono = self.clock.monotonic()
            now = self.clock.iso(mono)
            for server_id in server_ids:
                self._servers[server_id].update(maintain_status=bool(maintain_status), update_time=now)
                if not maintain_status:
                    self._drains.pop(server_id, None)
                self._track_drain(server_id, mono)

    def update_group(self, group_id, changes):
        """Apply a validated UpdateServerGroupReq; only the given fields change."""
        with self.lock:
            group = self._groups.get(group_id)
            if group is None:
                raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % group_id)
            if changes.get("image_id") is not None:
                self._require_image(changes["image_id"])  # nothing changes when the image is unknown
            for key, value in changes.items():
                if value is None:
                    continue
                if key == "route_policy":
                    merged = dict(group.get("route_policy") or {})
                    merged.update({k: v for k, v in value.items() if v is not None})
                    group["route_policy"] = merged
                elif key == "name" and value != group["name"]:
                    group["name"] = value
                    for record in self._servers.values():
                        if record["server_group_id"] == group_id:
                            record["server_group_name"] = value
                else:
                    group[key] = value
            group["update_time"] = self.clock.iso()
            return group
