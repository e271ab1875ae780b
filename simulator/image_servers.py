"""Image servers and their jobs: the golden image pipeline's side of a tenant.

:class:`ImageServers` is one part of :class:`~simulator.state.FleetState`. It owns ``_image_servers`` (id ->
ImageServer record in the SDK's wire shape), ``_attached`` (image server id -> the AttachServerAppInfo items of its
last attach), ``_image_jobs`` (id -> internal image job record, oldest first) and the failures the next image jobs
take (``fail_next_image_job``). Image jobs live apart from the server jobs (``/v1/{project_id}/image-server-jobs``,
not ``/v2/{project_id}/job``: each endpoint answers 404 for the other's ids); their ids are 18-digit numbers from the
same sequence. They advance on the simulator's clock like the server jobs (``advance()`` calls
:meth:`_advance_image_jobs`): WAITING, RUNNING after ``WAITING_FRACTION`` of ``job_duration``, then SUCCESS or
FAILED.

* ``create_image_server`` (``create_image_server``): the record shows CREATING at once under a CREATE_SERVER image
  job whose one sub job names it (``job_resource_info.resource_id``, from the start); when the job succeeds it is
  ACTIVE, with the server group (``imgsrv-<name>``, the base image), its one server and an app group bound to that
  group, the related resources the API's ``server_group_id``, ``server_id``, ``instance_id`` and ``app_group_id``
  name; a failed create leaves it ERROR with nothing related.
* ``update_image_server`` (PATCH): ``name``, ``description``.
* ``attach_image_server_apps`` (``attach-app``): an ACTIVE or BUILT image server only (409 otherwise); answers a
  ``uri``, no job (``AttachImageServerAppResponse``); ``latest-attached-app`` lists the apps of the last attach (the
  create's ``attach_apps`` count as one).
* ``build_image`` (``recreate-image``): from an ACTIVE or BUILT image server (409 otherwise, e.g. while CREATING or
  BUILDING); BUILDING under a CREATE_SERVER_IMAGE job whose one sub job carries the image's name
  (``resource_name``) at once and its id (``resource_id``) once the job succeeded; the image then becomes known to
  the tenant (``add_image``: ``app_server_image`` and server groups accept it) and the image server is BUILT with
  that ``image_id``. A failed build puts the image server back to the status it had.
* ``delete_image_servers`` (``batch-delete``): the ids that do not exist, and those already DELETING, are left out;
  when none is left the answer is 200 with no job id (``service-behaviour.md``). One that is CREATING or BUILDING
  refuses the whole request (409). The others show DELETING under one DELETE_SERVER image job (a sub job each) and
  are gone when it succeeds; with ``recursive`` their server group goes too, with its servers and the app groups
  bound to it (what the image server created; other groups are not touched). A failed delete leaves ERROR.
"""

from . import errors
from .errors import ApiError
from .jobs import WAITING_FRACTION
from .views import strip_none

IMAGE_SERVER_FIELDS = ("id", "name", "description", "image_ref", "server_group_id", "app_group_id", "server_id",
                       "instance_id", "image_id", "status", "authorize_accounts", "create_time", "update_time",
                       "enterprise_project_id")
# ImageJobType: the types this simulator starts (the SDK lists BUILD_IMAGE, GENERATE_IMAGE, DELETE_IMAGE_BUILD_SERVER
# and DELETE_IMAGE as well).
CREATE_IMAGE_SERVER_JOB = "CREATE_SERVER"
BUILD_IMAGE_JOB = "CREATE_SERVER_IMAGE"
DELETE_IMAGE_SERVER_JOB = "DELETE_SERVER"
IMAGE_JOB_TYPES = (CREATE_IMAGE_SERVER_JOB, BUILD_IMAGE_JOB, DELETE_IMAGE_SERVER_JOB, "BUILD_IMAGE",
                   "GENERATE_IMAGE", "DELETE_IMAGE_BUILD_SERVER", "DELETE_IMAGE")
IMAGE_JOB_STATUSES = ("WAITING", "RUNNING", "SUCCESS", "FAILED")  # ImageJobStatus
IMAGE_SUB_JOB_STATUSES = IMAGE_JOB_STATUSES + ("ABNORMAL", "ROLLBACK", "ABORTING")  # ImageJobDetailStatus
FAILED_IMAGE_SUB_JOB_STATUSES = ("FAILED", "ABNORMAL", "ROLLBACK", "ABORTING")
# statuses an image server is built or has apps attached from; those a delete refuses (a job runs on it)
READY_STATUSES = ("ACTIVE", "BUILT")
BUSY_STATUSES = ("CREATING", "BUILDING")
GROUP_PREFIX = "imgsrv-"  # the name of the server group an image server makes (a guess: README.md)


class ImageServers:
    """Image servers created, built, updated and deleted by image jobs (a part of ``FleetState``)."""

    def _init_image_tables(self):
        self._image_servers = {}
        self._attached = {}  # image server id -> [AttachServerAppInfo], its last attach
        self._image_jobs = {}  # job id -> internal image job record, oldest first
        self._active_image_jobs = {}
        self._pending_image_failures = []  # [(job_type or None, error_code, error_msg, status)], oldest first

    # ------------------------------------------------------------------ reads

    @property
    def image_servers(self):
        """Live image server records, id -> record (jobs advanced first)."""
        with self.lock:
            self.advance()
            return self._image_servers

    @property
    def image_jobs(self):
        """Internal image job records, id -> job, oldest first (jobs advanced first)."""
        with self.lock:
            self.advance()
            return self._image_jobs

    def require_image_server(self, image_server_id):
        """The live record of an image server; 404 when there is none."""
        with self.lock:
            self.advance()
            record = self._image_servers.get(image_server_id)
            if record is None:
                raise ApiError(404, errors.IMAGE_SERVER_NOT_FOUND, "server_id: %s" % image_server_id)
            return record

    def require_image_job(self, job_id):
        """The internal record of an image job; 404 when there is none (a server job's id included)."""
        with self.lock:
            self.advance()
            job = self._image_jobs.get(job_id)
            if job is None:
                raise ApiError(404, errors.JOB_NOT_FOUND, "job_id: %s" % job_id)
            return job

    def image_server_view(self, record):
        """ImageServer / ShowImageServerResponse."""
        with self.lock:
            return strip_none(dict((key, record.get(key)) for key in IMAGE_SERVER_FIELDS))

    def attached_apps(self, image_server_id):
        """ListLatestAttachedServerAppResponse items of an image server (404 when there is none)."""
        with self.lock:
            self.require_image_server(image_server_id)
            return [dict(item) for item in self._attached.get(image_server_id, [])]

    def image_sub_job_view(self, sub):
        """ImageJobDetailInfo."""
        execute = None
        if sub["error_code"] or sub["error_message"]:
            execute = strip_none({"error_code": sub["error_code"], "error_message": sub["error_message"]})
        return strip_none({
            "id": sub["id"],
            "job_type": sub["job_type"],
            "job_resource_info": strip_none({"resource_id": sub["resource_id"],
                                             "resource_name": sub["resource_name"]}),
            "begin_time": sub["begin_time"],
            "end_time": sub["end_time"],
            "status": self.dialect.job_status_word(sub["status"]),
            "job_execute_info": execute,
            "project_id": self.project_id,
            "job_id": sub["job_id"],
        })

    def image_job_view(self, job, detail=True):
        """ShowImageJobResponse (``detail``) or ImageJobInfo (the list's, without the sub jobs)."""
        view = self.job_header(job)
        if detail:
            view["sub_jobs"] = [self.image_sub_job_view(sub) for sub in job["sub_jobs"]]
        return strip_none(view)

    def iter_image_sub_jobs(self):
        """Every image sub job, newest job first."""
        for job in reversed(list(self._image_jobs.values())):
            yield from job["sub_jobs"]

    # ------------------------------------------------------------------ failures

    def fail_next_image_job(self, job_type=None, error_code=errors.OPERATION_FAILED[0],
                            error_msg=errors.OPERATION_FAILED[1], times=1, status="FAILED"):
        """Make the next ``times`` image jobs (of ``job_type`` when given: CREATE_SERVER, CREATE_SERVER_IMAGE,
        DELETE_SERVER) fail: their first sub job ends with ``status`` (FAILED, ABNORMAL, ROLLBACK or ABORTING) and
        this error, the job FAILED."""
        if status not in FAILED_IMAGE_SUB_JOB_STATUSES:
            raise ValueError("status must be one of %s, got %r" % (", ".join(FAILED_IMAGE_SUB_JOB_STATUSES), status))
        if job_type is not None and job_type not in IMAGE_JOB_TYPES:
            raise ValueError("job_type must be one of %s, got %r" % (", ".join(IMAGE_JOB_TYPES), job_type))
        with self.lock:
            self._pending_image_failures.extend([(job_type, error_code, error_msg, status)] * int(times))

    def _take_image_failure(self, job_type):
        for index, failure in enumerate(self._pending_image_failures):
            if failure[0] in (None, job_type):
                return self._pending_image_failures.pop(index)[1:]
        return None

    # ------------------------------------------------------------------ image jobs on the clock

    def _create_image_job(self, job_type, resources, params=None):
        """An image job with one sub job per ``(resource_id, resource_name)``; the first sub job takes a pending
        failure of its type."""
        now = self.clock.monotonic()
        duration = max(self.job_duration, 0.0)
        job_id = self._new_job_id()
        begin = self.clock.iso(now)
        job = {"id": job_id, "job_type": job_type, "status": "WAITING", "begin_time": begin, "end_time": None,
               "running_at": now + WAITING_FRACTION * duration, "done_at": now + duration,
               "params": dict(params or {}), "sub_jobs": []}
        failure = self._take_image_failure(job_type)
        for index, (resource_id, resource_name) in enumerate(resources):
            job["sub_jobs"].append({
                "id": self._uuid(self._job_rng), "job_id": job_id, "job_type": job_type,
                "resource_id": resource_id, "resource_name": resource_name, "status": "WAITING",
                "begin_time": begin, "end_time": None, "error_code": None, "error_message": None,
                "failure": failure if index == 0 else None})
        self._image_jobs[job_id] = job
        self._active_image_jobs[job_id] = job
        return job

    def _advance_image_jobs(self, now):
        for job in list(self._active_image_jobs.values()):
            if now >= job["done_at"]:
                self._finish_image_job(job)
            elif job["status"] == "WAITING" and now >= job["running_at"]:
                job["status"] = "RUNNING"
                for sub in job["sub_jobs"]:
                    sub["status"] = "RUNNING"

    def _finish_image_job(self, job):
        end = self.clock.iso(job["done_at"])
        failed = False
        for sub in job["sub_jobs"]:
            sub["end_time"] = end
            if sub["failure"] is not None:
                sub["error_code"], sub["error_message"], sub["status"] = sub["failure"]
                failed = True
            else:
                sub["status"] = "SUCCESS"
            self._apply_image_sub_job(job, sub, sub["status"] == "SUCCESS", end)
        job["status"] = "FAILED" if failed else "SUCCESS"
        job["end_time"] = end
        self._active_image_jobs.pop(job["id"], None)

    def _apply_image_sub_job(self, job, sub, succeeded, when):
        record = self._image_servers.get(job["params"].get("image_server_id") or sub["resource_id"])
        if record is None:
            return
        record["update_time"] = when
        if job["job_type"] == CREATE_IMAGE_SERVER_JOB:
            if succeeded:
                self._make_related(record, job["params"])
            record["status"] = "ACTIVE" if succeeded else "ERROR"
        elif job["job_type"] == BUILD_IMAGE_JOB:
            if succeeded:
                image_id = self._uuid(self._job_rng)
                self.add_image(image_id, sub["resource_name"])
                sub["resource_id"] = image_id
                record["image_id"] = image_id
                record["status"] = "BUILT"
            else:
                record["status"] = job["params"]["status_before"]
        elif job["job_type"] == DELETE_IMAGE_SERVER_JOB:
            if succeeded:
                del self._image_servers[record["id"]]
                self._attached.pop(record["id"], None)
                if job["params"].get("recursive"):
                    self._delete_related(record)
            else:
                record["status"] = "ERROR"

    def _make_related(self, record, params):
        """What the service makes for an image server: a server group of its base image, one server, an app group."""
        ref = record["image_ref"]
        volume = params.get("root_volume") or {}
        group = self.add_group(GROUP_PREFIX + record["name"], is_vdi=bool(params.get("is_vdi")), image_id=ref["id"],
                               image_type=ref.get("image_type") or "private", image_product_id=ref.get("product_id"),
                               description=record.get("description") or "", ou_name=params.get("ou_name") or "",
                               system_disk_type=volume.get("type") or "SAS", system_disk_size=volume.get("size") or 80)
        server = self.add_server(group["id"], session_count=0, ou_name=params.get("ou_name") or "")
        app_group = self.add_app_group(GROUP_PREFIX + record["name"], group["id"])
        record.update(server_group_id=group["id"], server_id=server["id"], instance_id=server.get("instance_id"),
                      app_group_id=app_group["id"])

    def _delete_related(self, record):
        """A recursive delete: the image server's server group, its servers and the app groups bound to it."""
        group_id = record.get("server_group_id")
        if not group_id or group_id not in self._groups:
            return
        self.delete_app_groups([gid for gid, group in self._app_groups.items()
                                if group.get("app_server_group_id") == group_id])
        for server_id in [sid for sid, server in self._servers.items() if server["server_group_id"] == group_id]:
            self._remove_server(server_id)
        del self._groups[group_id]
        self._group_counts.pop(group_id, None)

    # ------------------------------------------------------------------ operations (the API's business rules)

    def create_image_server(self, body):
        """POST /image-servers (body validated by the handler): the record CREATING and its CREATE_SERVER job."""
        with self.lock:
            self.advance()
            self._require_image(body["image_ref"]["id"])
            now = self.clock.iso()
            record = {"id": self._uuid(), "name": body["name"], "description": body.get("description"),
                      "image_ref": strip_none(dict(body["image_ref"])), "status": "CREATING",
                      "authorize_accounts": [dict(account) for account in body.get("authorize_accounts") or []],
                      "create_time": now, "update_time": now,
                      "enterprise_project_id": body.get("enterprise_project_id") or "0"}
            self._image_servers[record["id"]] = record
            if body.get("attach_apps"):
                self._attached[record["id"]] = [{"id": self._uuid(self._job_rng), "app_id": app_id}
                                                for app_id in body["attach_apps"]]
            params = dict((key, body.get(key)) for key in ("root_volume", "is_vdi", "ou_name"))
            return self._create_image_job(CREATE_IMAGE_SERVER_JOB, [(record["id"], record["name"])], params)

    def update_image_server(self, image_server_id, body):
        """PATCH /image-servers/{id}: ``name``, ``description``."""
        with self.lock:
            record = self.require_image_server(image_server_id)
            for key in ("name", "description"):
                if body.get(key) is not None:
                    record[key] = body[key]
            record["update_time"] = self.clock.iso()
            return record

    def _require_ready(self, record, what):
        if record["status"] not in READY_STATUSES:
            raise ApiError(409, errors.SERVER_STATE_CONFLICT, "image server %s is %s: %s needs %s" % (
                record["id"], record["status"], what, " or ".join(READY_STATUSES)))

    def attach_image_server_apps(self, image_server_id, app_ids):
        """POST /image-servers/{id}/actions/attach-app: the apps of this attach replace the last attach's."""
        with self.lock:
            record = self.require_image_server(image_server_id)
            self._require_ready(record, "attach-app")
            self._attached[image_server_id] = [{"id": self._uuid(self._job_rng), "app_id": app_id}
                                               for app_id in app_ids]
            record["update_time"] = self.clock.iso()
            return "/v1/%s/image-servers/%s/actions/latest-attached-app" % (self.project_id, image_server_id)

    def build_image(self, image_server_id, body):
        """POST /image-servers/{id}/actions/recreate-image: BUILDING under a CREATE_SERVER_IMAGE job."""
        with self.lock:
            record = self.require_image_server(image_server_id)
            self._require_ready(record, "recreate-image")
            params = {"image_server_id": image_server_id, "status_before": record["status"],
                      "description": body.get("description"), "execute_sysprep": body.get("execute_sysprep")}
            job = self._create_image_job(BUILD_IMAGE_JOB, [(None, body["name"])], params)
            record.update(status="BUILDING", update_time=job["begin_time"])
            return job

    def delete_image_servers(self, image_server_ids, recursive=False):
        """PATCH /image-servers/actions/batch-delete: one DELETE_SERVER job, or None when nothing is left to
        delete (ids unknown or already DELETING)."""
        with self.lock:
            self.advance()
            records = [self._image_servers[sid] for sid in image_server_ids
                       if sid in self._image_servers and self._image_servers[sid]["status"] != "DELETING"]
            busy = [record for record in records if record["status"] in BUSY_STATUSES]
            if busy:
                raise ApiError(409, errors.SERVER_BUSY, "image server %s is %s" % (busy[0]["id"], busy[0]["status"]))
            if not records:
                return None
            job = self._create_image_job(DELETE_IMAGE_SERVER_JOB, [(r["id"], r["name"]) for r in records],
                                         {"recursive": bool(recursive)})
            for record in records:
                record.update(status="DELETING", update_time=job["begin_time"])
            return job
