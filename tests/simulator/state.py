"""The simulated tenant: server groups, servers, HDA versions and asynchronous jobs.

Records are kept in the API's own wire shape (field names from the SDK models)
so a read answers with (a filtered copy of) the record itself. Facts the API
keeps elsewhere (a server's HDA version, its applied TSVI setting) live in
side tables. Jobs advance lazily: every read of the state first moves the
active jobs along the wall clock, so no background thread is needed. With
``session_drain`` set, the sessions of servers in maintenance mode end the same
lazy way, one every ``session_drain`` seconds of the simulator's clock.

Every public method takes ``self.lock`` (re-entrant); the HTTP layer holds the
same lock for a whole request, so tests may shape the fleet between requests.
"""

import datetime
import random
import threading
import time
import uuid

from . import errors
from .errors import ApiError

HDA_TYPES = ("SBC", "OA_APP", "PT_APP")
DEFAULT_LATEST_HDA = {"SBC": "25.6.0.1010", "OA_APP": "25.6.0.1012", "PT_APP": "25.6.0.1013"}
OLDER_HDA = {
    "SBC": ("24.12.0.1004", "25.3.0.1006"),
    "OA_APP": ("24.12.0.1005", "25.3.0.1007"),
    "PT_APP": ("24.12.0.1003", "25.3.0.1008"),
}

ACTIVE_JOB_STATUSES = ("WAITING", "RUNNING")
UPGRADE_JOB = "UPGRADE_ACCESS_AGENT"
IMAGE_JOB = "CHANGE_SERVER_IMAGE"
TSVI_JOB = "UPDATE_SERVER_TSVI"

# task_status of a server while its job is pending / after success / after failure.
TASK_STATUS = {
    UPGRADE_JOB: ("upgrading_access_agent", "upgrad_access_agent_success", "upgrad_access_agent_fail"),
    IMAGE_JOB: ("rebuilding", None, "rebuild_fail"),
    TSVI_JOB: ("updating_tsvi", None, "updating_tsvi_failed"),
}
# vm_status while the job runs (the upgrade does not restart the VM).
RUNNING_VM_STATUS = {UPGRADE_JOB: None, IMAGE_JOB: "REBUILD", TSVI_JOB: "REBOOT"}
# The fraction of job_duration a job spends WAITING before it RUNS.
WAITING_FRACTION = 0.1

# Fields only the single-object reads return.
GROUP_DETAIL_FIELDS = ("flavors", "project_name", "image_min_disk", "route_policy", "image_product_id", "image_type",
                       "ip_virtual")
SERVER_DETAIL_FIELDS = ("addresses", "root_volume", "data_volumes", "security_groups")

# Fields /_sim/servers and patch_server() accept besides the record's own keys.
SERVER_SIDE_FIELDS = ("hda_version", "tsvi_enabled")

_FLAVORS = {
    False: {"flavor_id": "s6.xlarge.4", "product_id": "workspace.appstream.general.xlarge.4", "cpu": "4",
            "memory": "16384", "descriptions": "s6.xlarge.4 general|4 vCPUs|16 GiB"},
    True: {"flavor_id": "g6.xlarge.4", "product_id": "workspace.appstream.gpu.g6.xlarge.4", "cpu": "4",
           "memory": "16384", "descriptions": "g6.xlarge.4 GPU|4 vCPUs|16 GiB|T4", "gpu_desc": "NVIDIA T4"},
}


class Clock:
    """Monotonic time plus a test-controlled offset, and the matching wall-clock strings."""

    def __init__(self):
        self._offset = 0.0
        self._mono0 = time.monotonic()
        self._wall0 = time.time()

    def monotonic(self):
        """Seconds on the simulator's monotonic clock (real time + fast-forward offset)."""
        return time.monotonic() + self._offset

    def wall(self, mono=None):
        """Epoch seconds for a simulator monotonic instant (default: now)."""
        return self._wall0 + ((self.monotonic() if mono is None else mono) - self._mono0)

    def iso(self, mono=None):
        """``2024-05-09T10:28:38.755Z``, the timestamp style of the service."""
        return iso_time(self.wall(mono))

    def advance(self, seconds):
        """Jump the simulator's clock forward (jobs and token expiry follow)."""
        self._offset += float(seconds)


def iso_time(epoch):
    """UTC ISO 8601 with milliseconds and ``Z``."""
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _strip_none(record, drop=()):
    # The service omits null fields (its JSON writer skips them), so do we.
    return {key: value for key, value in record.items() if value is not None and key not in drop}


class FleetState:
    """The tenant's fleet, its jobs and the builder methods tests use to shape scenarios.

    Live records are plain dicts in wire shape: ``servers`` (id -> record),
    ``groups`` (id -> record) and ``jobs`` (id -> internal job record). Reading
    any of these properties first advances running jobs.
    """

    def __init__(self, servers=100, groups=2, seed=0, job_duration=2.0, region="cn-north-4", project_id=None,
                 outdated_hda=0.0, hide_route_policy=False, clock=None, session_drain=None):
        if groups < 1 and servers:
            raise ValueError("servers need at least one group")
        if not 0.0 <= outdated_hda <= 1.0:
            raise ValueError("outdated_hda is a fraction in [0, 1]")
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.seed = seed
        self.region = region
        self.job_duration = float(job_duration)
        self.hide_route_policy = hide_route_policy
        # Seconds of simulator clock per session ending on a server in maintenance mode; None: sessions never end.
        self.session_drain = session_drain
        self.latest_hda = dict(DEFAULT_LATEST_HDA)
        self._rng = random.Random("fleet-%s" % seed)
        self._job_rng = random.Random("jobs-%s" % seed)
        self.project_id = project_id or self._rng.getrandbits(128).to_bytes(16, "big").hex()
        self._next_job_id = self._job_rng.randrange(575_000_000_000_000_000, 576_000_000_000_000_000)
        self._vpc_id = self._uuid()
        self._subnet_id = self._uuid()
        self._groups = {}
        self._servers = {}
        self._group_counts = {}
        self._jobs = {}
        self._active_jobs = {}
        self._hda = {}
        self._tsvi = {}
        self._pending_failures = {}
        self._reboots = {}
        self._drains = {}  # server id -> simulator instant its next session ends (maintenance + session_drain)
        self._upgrade_records = []
        self._server_seq = 0
        self._build_default_fleet(servers, groups, outdated_hda)

    # ------------------------------------------------------------------ ids, time

    def _uuid(self, rng=None):
        return str(uuid.UUID(int=(rng or self._rng).getrandbits(128), version=4))

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

    # ------------------------------------------------------------------ default fleet

    def _build_default_fleet(self, servers, groups, outdated_hda):
        group_ids = []
        for index in range(1, groups + 1):
            first = index == 1
            group = self.add_group("sim-group-%d" % index, is_vdi=False, ip_virtual=first,
                                   app_type="SESSION_DESKTOP_APP" if first else "COMMON_APP")
            group_ids.append(group["id"])
        outdated = set(self._rng.sample(range(servers), int(round(outdated_hda * servers)))) if servers else set()
        for index in range(servers):
            group_id = group_ids[index % len(group_ids)]
            hda_version = None
            if index in outdated:
                hda_version = self._rng.choice(OLDER_HDA[self._hda_type_for(self._groups[group_id], False)])
            self.add_server(group_id, hda_version=hda_version)

    # ------------------------------------------------------------------ builders

    def add_group(self, name, is_vdi=False, ip_virtual=False, app_type="COMMON_APP", image_id=None, is_gpu=False,
                  image_type="private", image_product_id=None, os_type="Windows", route_policy=None,
                  storage_mount_policy="USER", server_group_status=True, description="", **fields):
        """Add a server group and return its live record (ShowServerGroupResponse shape).

        ``is_gpu`` sets the group's product (its servers inherit it). Extra
        keyword arguments override record fields as they are.
        """
        with self.lock:
            flavor = _FLAVORS[bool(is_gpu)]
            now = self.clock.iso()
            group = {
                "id": self._uuid(),
                "name": name,
                "description": description,
                "image_id": image_id or self._uuid(),
                "os_type": os_type,
                "product_id": flavor["product_id"],
                "subnet_id": self._subnet_id,
                "system_disk_type": "SAS",
                "system_disk_size": 80,
                "is_vdi": bool(is_vdi),
                "extra_session_type": "GPU" if is_gpu else "CPU",
                "extra_session_size": 0,
                "app_type": app_type,
                "create_time": now,
                "update_time": now,
                "storage_mount_policy": storage_mount_policy,
                "enterprise_project_id": "0",
                "primary_server_group_ids": [],
                "secondary_server_group_ids": [],
                "server_group_status": server_group_status,
                "site_type": "CENTER",
                "site_id": "center",
                "app_server_flavor_count": 1,
                "app_server_count": 0,
                "app_group_count": 1,
                "image_name": "WKS_APP_WIN2019_%s" % name.upper().replace("-", "_"),
                "product_info": self._product_info(is_gpu, 1 if is_vdi else 10),
                "subnet_name": "subnet-sim",
                "scaling_policy": {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0},
                "tags": [],
                "ou_name": "",
                "flavors": [{"id": flavor["flavor_id"], "links": []}],
                "project_name": self.region,
                "image_min_disk": 0,
                "route_policy": dict(route_policy) if route_policy is not None else
                {"max_session": 1 if is_vdi else 10, "cpu_threshold": 80, "mem_threshold": 80},
                "image_product_id": image_product_id if image_product_id is not None else "",
                "image_type": image_type,
                "ip_virtual": {"enable": bool(ip_virtual)},
            }
            group.update(fields)
            self._groups[group["id"]] = group
            self._group_counts[group["id"]] = 0
            return group

    def _product_info(self, is_gpu, sessions):
        flavor = _FLAVORS[bool(is_gpu)]
        info = {
            "product_id": flavor["product_id"],
            "flavor_id": flavor["flavor_id"],
            "type": "BASE",
            "architecture": "x86",
            "cpu": flavor["cpu"],
            "memory": flavor["memory"],
            "is_gpu": bool(is_gpu),
            "system_disk_type": "SAS",
            "system_disk_size": "80",
            "descriptions": flavor["descriptions"],
            "charge_mode": "0",
            "contain_data_disk": False,
            "resource_type": "hws.resource.type.workspace.appstream",
            "cloud_service_type": "hws.service.type.vdi",
            "volume_product_type": "workspace",
            "sessions": sessions,
            "status": "normal",
        }
        if is_gpu:
            info["gpu_desc"] = flavor["gpu_desc"]
            info["support_gpu_type"] = "A40"
        return info

    def add_server(self, group_id, name=None, hda_version=None, image_id=None, status="REGISTERED",
                   maintain_status=False, is_gpu=None, session_count=None, vm_status="ACTIVE", tsvi_enabled=None,
                   **fields):
        """Add a server to ``group_id`` and return its live record (ShowServerResponse shape).

        Defaults: name ``sim-server-NNNN``, the group's image, the latest HDA of
        its type, the group's GPU flag, 0..3 sessions, TSVI as the group sets it.
        Extra keyword arguments override record fields as they are.
        """
        with self.lock:
            group = self._groups.get(group_id)
            if group is None:
                raise KeyError("unknown server group %s" % group_id)
            self._server_seq += 1
            seq = self._server_seq
            gpu = group["product_info"]["is_gpu"] if is_gpu is None else bool(is_gpu)
            flavor = _FLAVORS[gpu]
            server_id = self._uuid()
            machine = "APS-" + "".join(self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _unused in range(8))
            ip_addr = "10.%d.%d.%d" % (10 + seq // 62500, (seq // 250) % 250, seq % 250 + 2)
            mac = "fa:16:3e:%02x:%02x:%02x" % (self._rng.randrange(256), self._rng.randrange(256),
                                               self._rng.randrange(256))
            port_id = self._uuid()
            now = self.clock.iso()
            if session_count is None:
                session_count = self._rng.randint(0, 1 if group["is_vdi"] else 3)
            record = {
                "id": server_id,
                "name": name or "sim-server-%04d" % seq,
                "machine_name": machine,
                "description": "",
                "server_group_id": group_id,
                "flavor": {"id": flavor["flavor_id"], "links": [{"rel": "self"}, {"rel": "bookmark"}]},
                "status": status,
                "create_time": now,
                "update_time": now,
                "image_id": image_id or group["image_id"],
                "availability_zone": self.region + "a",
                "domain": "wksapp.sim.example.com",
                "ou_name": "",
                "sid": "S-1-5-21-1213649063-4191095369-2401105760-%d" % (1100 + seq),
                "instance_id": self._uuid(),
                "os_version": "Windows Server 2019 Datacenter 64bit",
                "os_type": group["os_type"],
                "order_id": "",
                "maintain_status": bool(maintain_status),
                "scaling_auto_create": False,
                "job_id": None,
                "job_type": None,
                "job_status": None,
                "job_time": None,
                "resource_pool_id": self._vpc_id,
                "resource_pool_type": "private",
                "host_id": None,
                "server_group_name": group["name"],
                "product_info": self._product_info(gpu, 1 if group["is_vdi"] else 10),
                "metadata": {"charging_mode": "0", "metering.resourcespeccode": flavor["flavor_id"] + ".win",
                             "metering.resourcetype": "1", "vpc_id": self._vpc_id},
                "session_count": session_count,
                "vm_status": vm_status,
                "task_status": None,
                "freeze": [],
                "host_address": [{"addr": ip_addr, "version": 4, "os_ext_ips_ma_cmac_addr": mac,
                                  "os_ext_ip_stype": "fixed", "os_ext_ip_sport_id": port_id, "vpc_id": self._vpc_id,
                                  "subnet_id": self._subnet_id, "tenant_type": "tenant"}],
                "enterprise_project_id": "0",
                "tags": [],
                "addresses": {self._vpc_id: [{"addr": ip_addr, "version": "4", "os_ext_ips_ma_cmac_addr": mac,
                                              "os_ext_ip_sport_id": port_id, "os_ext_ip_stype": "fixed"}]},
                "root_volume": {"type": "SAS", "size": 80, "device": "/dev/vda", "id": self._uuid(),
                                "volume_id": self._uuid()},
                "data_volumes": [],
                "security_groups": [{"id": self._vpc_id, "name": "default"}],
            }
            record.update(fields)
            self._servers[server_id] = record
            self._group_counts[group_id] += 1
            hda_type = self._hda_type_for(group, gpu)
            self._hda[server_id] = hda_version or self.latest_hda[hda_type]
            self._tsvi[server_id] = group["ip_virtual"]["enable"] if tsvi_enabled is None else bool(tsvi_enabled)
            return record

    def set_latest_hda(self, version, hda_type=None):
        """Publish ``version`` as the latest HDA of ``hda_type`` (None: SBC, OA_APP and PT_APP)."""
        with self.lock:
            for kind in (HDA_TYPES if hda_type is None else (hda_type,)):
                if kind not in HDA_TYPES:
                    raise ValueError("unknown HDA type %r" % kind)
                self.latest_hda[kind] = version

    def set_hda_version(self, server_id, version):
        """Set the HDA version a server runs."""
        with self.lock:
            self._require_server(server_id)
            self._hda[server_id] = version

    def patch_server(self, server_id, **fields):
        """Change fields of a server record; ``hda_version`` and ``tsvi_enabled`` go to the side tables.

        Unknown field names raise KeyError (a typo should not pass silently).
        """
        with self.lock:
            record = self._require_server(server_id)
            unknown = [key for key in fields if key not in record and key not in SERVER_SIDE_FIELDS]
            if unknown:
                raise KeyError("unknown server field(s): %s" % ", ".join(sorted(unknown)))
            if self.session_drain is not None:
                self._drain_sessions(self.clock.monotonic())  # sessions ended so far count before the record changes
            was_in_maintenance = record.get("maintain_status")
            for key, value in fields.items():
                if key == "hda_version":
                    self._hda[server_id] = value
                elif key == "tsvi_enabled":
                    self._tsvi[server_id] = bool(value)
                else:
                    record[key] = value
            if "session_count" in fields or record.get("maintain_status") != was_in_maintenance:
                self._drains.pop(server_id, None)  # a new count of sessions, or maintenance entered/left: start over
                self._track_drain(server_id, self.clock.monotonic())
            return record

    def fail_next_job(self, server_ids, error_code=errors.OPERATION_FAILED[0], error_msg=errors.OPERATION_FAILED[1],
                      times=1):
        """Make the next ``times`` job sub-tasks of each server fail with this error (any job type)."""
        if isinstance(server_ids, str):
            server_ids = [server_ids]
        with self.lock:
            for server_id in server_ids:
                self._require_server(server_id)
                self._pending_failures.setdefault(server_id, []).extend([(error_code, error_msg)] * int(times))

    # ------------------------------------------------------------------ reads for tests

    @property
    def servers(self):
        """Live server records, id -> record, in creation order (jobs advanced first)."""
        with self.lock:
            self.advance()
            return self._servers

    @property
    def groups(self):
        """Live server group records, id -> record."""
        with self.lock:
            self.advance()
            return self._groups

    @property
    def jobs(self):
        """Internal job records, id -> job (``status``, ``job_type``, ``sub_jobs`` ...)."""
        with self.lock:
            self.advance()
            return self._jobs

    @property
    def upgrade_records(self):
        """HDA upgrade records, newest first (ServerHdaUpgradeRecord shape)."""
        with self.lock:
            self.advance()
            return list(reversed(self._upgrade_records))

    def get_server(self, server_id):
        """The live record of a server, or None."""
        with self.lock:
            self.advance()
            return self._servers.get(server_id)

    def get_group(self, group_id):
        """The live record of a server group, or None."""
        with self.lock:
            self.advance()
            return self._groups.get(group_id)

    def get_job(self, job_id):
        """The internal record of a job, or None."""
        with self.lock:
            self.advance()
            return self._jobs.get(job_id)

    def group_by_name(self, name):
        """The first group with this exact name, or None."""
        with self.lock:
            return next((group for group in self._groups.values() if group["name"] == name), None)

    def server_ids(self, group_id=None):
        """Ids of all servers (of one group), in creation order."""
        with self.lock:
            return [sid for sid, record in self._servers.items()
                    if group_id is None or record["server_group_id"] == group_id]

    def hda_version(self, server_id):
        """The HDA version a server runs now."""
        with self.lock:
            self.advance()
            self._require_server(server_id)
            return self._hda[server_id]

    def hda_type(self, server_id):
        """``SBC``, ``OA_APP`` or ``PT_APP``, from the server's group and GPU flag."""
        with self.lock:
            record = self._require_server(server_id)
            return self._hda_type_for(self._groups[record["server_group_id"]], record["product_info"]["is_gpu"])

    def latest_hda_for(self, server_id):
        """The latest HDA version for the server's HDA type."""
        with self.lock:
            return self.latest_hda[self.hda_type(server_id)]

    def tsvi_enabled(self, server_id):
        """The virtual session IP setting last applied on the server."""
        with self.lock:
            self.advance()
            self._require_server(server_id)
            return self._tsvi[server_id]

    def is_busy(self, server_id):
        """True while the server has a WAITING or RUNNING job."""
        with self.lock:
            self.advance()
            return self._require_server(server_id).get("job_status") in ACTIVE_JOB_STATUSES

    @staticmethod
    def _hda_type_for(group, is_gpu):
        if not group["is_vdi"]:
            return "SBC"
        return "PT_APP" if is_gpu else "OA_APP"

    def _require_server(self, server_id):
        record = self._servers.get(server_id)
        if record is None:
            raise KeyError("unknown server %s" % server_id)
        return record

    # ------------------------------------------------------------------ job engine

    def advance(self):
        """Move active jobs, pending reboots and draining sessions along the clock; cheap when nothing is due."""
        with self.lock:
            if self.session_drain is not None:
                self._drain_sessions(self.clock.monotonic())
            if not self._active_jobs and not self._reboots:
                return
            now = self.clock.monotonic()
            for job in list(self._active_jobs.values()):
                if now >= job["done_at"]:
                    self._finish_job(job)
                elif job["status"] == "WAITING" and now >= job["running_at"]:
                    self._start_job(job)
            for server_id, until in list(self._reboots.items()):
                if now >= until:
                    del self._reboots[server_id]
                    record = self._servers.get(server_id)
                    if record is not None:
                        record.update(vm_status="ACTIVE", task_status=None, update_time=self.clock.iso(until))

    def _track_drain(self, server_id, since):
        """Start counting down the sessions of a server in maintenance mode, from ``since``, unless already counting."""
        record = self._servers[server_id]
        if (self.session_drain is not None and server_id not in self._drains and record.get("maintain_status")
                and (record.get("session_count") or 0) > 0):
            self._drains[server_id] = since + max(float(self.session_drain), 0.0)

    def _drain_sessions(self, now):
        """End one session per ``session_drain`` seconds on each server in maintenance mode.

        The simulator never opens sessions by itself, so a server in maintenance mode only
        loses them. Servers put in maintenance some other way than ``set_maintenance``/
        ``patch_server`` (a test editing a record) start draining when first seen here.
        """
        step = max(float(self.session_drain), 0.0)
        for server_id, record in self._servers.items():
            if record.get("maintain_status") and (record.get("session_count") or 0) > 0:
                self._track_drain(server_id, now)
        for server_id, due in list(self._drains.items()):
            record = self._servers.get(server_id)
            if record is None or not record.get("maintain_status"):
                del self._drains[server_id]
                continue
            count = record.get("session_count") or 0
            while count > 0 and now >= due:
                count -= 1
                due += step
            record["session_count"] = count
            if count > 0:
                self._drains[server_id] = due
            else:
                del self._drains[server_id]

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
        any_failed = False
        for sub in job["sub_jobs"]:
            sub["end_time"] = end
            record = self._owned(sub)
            if sub["failure"] is not None:
                any_failed = True
                sub["status"] = "FAILED"
                sub["error_code"], sub["error_message"] = sub["failure"]
                task_status = failed_task
                if job_type == UPGRADE_JOB and record is not None:
                    self._record_upgrade(record, succeeded=False, when=end)
            else:
                sub["status"] = "SUCCESS"
                task_status = ok_task
                if record is not None:
                    self._apply_success(job, sub, record, end)
            if record is not None:
                record.update(job_status=sub["status"], task_status=task_status, vm_status="ACTIVE", update_time=end)
        job["status"] = "FAILED" if any_failed else "SUCCESS"
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

    # ------------------------------------------------------------------ operations (the API's business rules)

    def _require_servers(self, server_ids):
        missing = [sid for sid in server_ids if sid not in self._servers]
        if missing:
            raise ApiError(404, errors.SERVER_NOT_FOUND, "server_id: %s" % ", ".join(missing[:3]))

    def _refuse_busy(self, server_ids):
        busy = [sid for sid in server_ids if self._servers[sid].get("job_status") in ACTIVE_JOB_STATUSES]
        if busy:
            raise ApiError(409, errors.SERVER_BUSY, "server_id: %s" % ", ".join(busy[:3]))

    def upgrade_hda(self, server_ids):
        """Start one UPGRADE_ACCESS_AGENT job with a sub job per server; return the job."""
        with self.lock:
            self.advance()
            self._require_servers(server_ids)
            self._refuse_busy(server_ids)
            return self._create_job(UPGRADE_JOB, server_ids)

    def change_image(self, server_ids, image_id, image_type, os_type, image_product_id=None,
                     update_access_agent=False):
        """One CHANGE_SERVER_IMAGE job per server; return ServerJobInfo items (per-item errors inline)."""
        with self.lock:
            self.advance()
            items = []
            for server_id in server_ids:
                record = self._servers.get(server_id)
                error = None
                if record is None:
                    error = errors.SERVER_NOT_FOUND
                elif record.get("job_status") in ACTIVE_JOB_STATUSES:
                    error = errors.SERVER_BUSY
                elif record["image_id"] == image_id:
                    error = errors.SAME_IMAGE
                if error is not None:
                    items.append({"server_id": server_id, "job_id": "", "error_code": error[0],
                                  "error_message": error[1]})
                    continue
                params = {"image_id": image_id, "image_type": image_type, "os_type": os_type,
                          "image_product_id": image_product_id, "update_access_agent": bool(update_access_agent)}
                job = self._create_job(IMAGE_JOB, [server_id], params)
                items.append({"server_id": server_id, "job_id": job["id"], "error_code": "", "error_message": ""})
            return items

    def update_tsvi(self, server_ids):
        """One UPDATE_SERVER_TSVI job; each server gets its group's ``ip_virtual.enable``."""
        with self.lock:
            self.advance()
            self._require_servers(server_ids)
            self._refuse_busy(server_ids)
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

    def reboot(self, server_ids, kind):
        """Reboot servers: REBOOT/HARD_REBOOT for ``job_duration``, then ACTIVE again."""
        with self.lock:
            self.advance()
            self._require_servers(server_ids)
            self._refuse_busy(server_ids)
            now = self.clock.monotonic()
            hard = kind == "HARD"
            for server_id in server_ids:
                self._servers[server_id].update(vm_status="HARD_REBOOT" if hard else "REBOOT",
                                                task_status="rebooting_hard" if hard else "rebooting",
                                                update_time=self.clock.iso(now))
                self._reboots[server_id] = now + max(self.job_duration, 0.0)

    def update_group(self, group_id, changes):
        """Apply a validated UpdateServerGroupReq; only the given fields change."""
        with self.lock:
            group = self._groups.get(group_id)
            if group is None:
                raise ApiError(404, errors.GROUP_NOT_FOUND, "server_group_id: %s" % group_id)
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

    # ------------------------------------------------------------------ wire views

    def server_view(self, record, detail=False):
        """The record as list_servers (or show_server when ``detail``) returns it."""
        return _strip_none(record, () if detail else SERVER_DETAIL_FIELDS)

    def group_view(self, group, detail=False):
        """The group as list_server_groups (or show_server_group when ``detail``) returns it."""
        drop = () if detail else GROUP_DETAIL_FIELDS
        if detail and self.hide_route_policy:
            drop = ("route_policy",)
        view = _strip_none(group, drop)
        view["app_server_count"] = self._group_counts.get(group["id"], 0)
        return view

    def hda_view(self, record):
        """ServerHdaDetails of a server."""
        return {
            "server_id": record["id"],
            "machine_name": record["machine_name"],
            "maintain_status": record["maintain_status"],
            "server_name": record["name"],
            "server_group_id": record["server_group_id"],
            "server_group_name": record["server_group_name"],
            "sid": record["sid"],
            "session_count": record["session_count"],
            "status": record["status"],
            "current_version": self._hda[record["id"]],
        }

    def sub_job_view(self, sub):
        """JobDetailInfo / SubJobDetailInfo of a sub job."""
        return {
            "id": sub["id"],
            "job_type": sub["job_type"],
            "job_resource_info": {
                "resource_id": sub["server_id"],
                "resource_name": sub["server_name"],
                "cloud_service_type": "hws.service.type.vdi",
                "resource_type": "hws.resource.type.workspace.appstream",
            },
            "begin_time": sub["begin_time"],
            "end_time": sub["end_time"],
            "status": sub["status"],
            "error_code": sub["error_code"],
            "error_message": sub["error_message"],
            "project_id": self.project_id,
            "job_id": sub["job_id"],
        }

    def job_view(self, job):
        """ShowJobDetailResponse (v2) of a job."""
        return _strip_none({
            "id": job["id"],
            "job_type": job["job_type"],
            "begin_time": job["begin_time"],
            "end_time": job["end_time"],
            "status": job["status"],
            "sub_jobs_total": len(job["sub_jobs"]),
            "sub_jobs": [_strip_none(self.sub_job_view(sub)) for sub in job["sub_jobs"]],
        })

    def job_view_v1(self, job):
        """ShowJobResponse (v1): integer statuses 0 failed, 1 success, 2 processing, 3 initialising."""
        codes = {"FAILED": 0, "SUCCESS": 1, "RUNNING": 2, "WAITING": 3}
        expected = self.clock.iso(job["done_at"])
        subs = []
        for sub in job["sub_jobs"]:
            view = self.sub_job_view(sub)
            subs.append(_strip_none({
                "job_id": sub["id"],
                "job_type": 2,
                "job_status": codes[sub["status"]],
                "entities": [view["job_resource_info"]],
                "begin_time": sub["begin_time"],
                "end_time": sub["end_time"],
                "execute_code": sub["error_code"] or ("0" if sub["status"] == "SUCCESS" else None),
                "execute_message": sub["error_message"],
            }))
        failed = [sub for sub in job["sub_jobs"] if sub["status"] == "FAILED"]
        return {"job": _strip_none({
            "job_id": job["id"],
            "job_type": 1,
            "job_status": codes[job["status"]],
            "sub_jobs": subs,
            "begin_time": job["begin_time"],
            "end_time": job["end_time"],
            "expected_end_time": expected,
            "execute_code": failed[0]["error_code"] if failed else ("0" if job["status"] == "SUCCESS" else None),
            "execute_message": failed[0]["error_message"] if failed else None,
        })}

    def iter_sub_jobs(self):
        """Every sub job, newest job first."""
        for job in reversed(list(self._jobs.values())):
            yield from job["sub_jobs"]

    def dump(self):
        """A JSON-ready picture of the whole tenant (for /_sim/state and debugging)."""
        with self.lock:
            self.advance()
            servers = []
            for record in self._servers.values():
                view = self.server_view(record, detail=True)
                view["hda_version"] = self._hda[record["id"]]
                view["hda_type"] = self.hda_type(record["id"])
                view["tsvi_enabled"] = self._tsvi[record["id"]]
                servers.append(view)
            return {
                "region": self.region,
                "project_id": self.project_id,
                "job_duration": self.job_duration,
                "session_drain": self.session_drain,
                "latest_hda": dict(self.latest_hda),
                "groups": [self.group_view(group, detail=True) for group in self._groups.values()],
                "servers": servers,
                "jobs": [self.job_view(job) for job in self._jobs.values()],
                "upgrade_records": list(reversed(self._upgrade_records)),
            }
