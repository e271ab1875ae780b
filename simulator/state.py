"""The simulated tenant: server groups, servers, HDA versions, user sessions and asynchronous jobs.

Records are kept in the API's own wire shape (field names from the SDK models)
so a read answers with (a filtered copy of) the record itself. Facts the API
keeps elsewhere (a server's HDA version, its applied TSVI setting) live in
side tables. Jobs advance lazily: every read of the state first moves the
active jobs and the power transitions (start, stop, reboot) along the clock, so
no background thread is needed. With
``session_drain`` set, the sessions of servers in maintenance mode end the same
lazy way, one every ``session_drain`` seconds of the simulator's clock, and so
do sessions logged off with a delay.

Every public method takes ``self.lock`` (re-entrant); the HTTP layer holds the
same lock for a whole request, so tests may shape the fleet between requests.

:class:`FleetState` is composed by concern: :mod:`.fleet` builds the fleet
(groups, servers, default fleet, product info), :mod:`.jobs` is the job engine
(jobs on the clock, pending failures, busy rules, the operations' business
rules), :mod:`.power` starts, stops and reboots servers (transitions on the
clock, their state rules and failures), :mod:`.image_servers` keeps the image servers and their image jobs,
:mod:`.lifecycle` creates and deletes servers (by jobs) and server
groups (the server quota, scaling policies), :mod:`.sessions` keeps the user sessions
(logons, logoffs, the drain, ``session_count`` in step), :mod:`.views` renders
wire views; this module holds
the tables and the reads tests use. Its names (``Clock``, ``DEFAULT_LATEST_HDA``, ``HDA_TYPES``,
``UPGRADE_JOB`` ...) stay importable from here.
"""

import random
import threading

from .app_groups import AppGroups
from .authorizations import Authorizations
from .clock import Clock, iso_time
from .dialect import Dialect
from .fleet import DEFAULT_LATEST_HDA, HDA_TYPES, OLDER_HDA, SERVER_SIDE_FIELDS, STOCK_IMAGES, FleetBuilder
from .image_servers import ImageServers
from .policy_groups import PolicyGroups
from .jobs import (ACTIVE_JOB_STATUSES, IMAGE_JOB, RUNNING_VM_STATUS, TASK_STATUS, TSVI_JOB, UPGRADE_JOB,
                   WAITING_FRACTION, JobEngine)
from .lifecycle import DEFAULT_SERVER_QUOTA, Lifecycle
from .power import PowerControl
from .repair import Repairs
from .published_apps import PublishedApps
from .schedule_tasks import ScheduleTasks
from .sessions import LIVE_SESSION_STATES, SESSION_STATES, SessionBook
from .views import GROUP_DETAIL_FIELDS, SERVER_DETAIL_FIELDS, WireViews

__all__ = ["ACTIVE_JOB_STATUSES", "Clock", "DEFAULT_LATEST_HDA", "FleetState", "GROUP_DETAIL_FIELDS", "HDA_TYPES",
           "IMAGE_JOB", "LIVE_SESSION_STATES", "OLDER_HDA", "RUNNING_VM_STATUS", "SERVER_DETAIL_FIELDS",
           "SERVER_SIDE_FIELDS", "SESSION_STATES", "TASK_STATUS", "TSVI_JOB", "UPGRADE_JOB", "WAITING_FRACTION",
           "iso_time"]


class FleetState(FleetBuilder, JobEngine, PowerControl, Repairs, SessionBook, Lifecycle, AppGroups, PublishedApps,
                 Authorizations, ImageServers, ScheduleTasks, WireViews, PolicyGroups):
    """The tenant's fleet, its sessions, jobs and power transitions, and the builder methods tests use to shape
    scenarios.

    Live records are plain dicts in wire shape: ``servers`` (id -> record),
    ``groups`` (id -> record), ``sessions`` (id -> SessionInfo record) and
    ``jobs`` (id -> internal job record). Reading any of these properties first
    advances running jobs and power transitions (and ends the sessions due to end).
    """

    def __init__(self, servers=100, groups=2, seed=0, job_duration=2.0, region="cn-north-4", project_id=None,
                 outdated_hda=0.0, hide_route_policy=False, clock=None, session_drain=None, images=None,
                 dialect=None):
        group_names = list(groups) if isinstance(groups, (list, tuple)) else None
        groups = len(group_names) if group_names is not None else groups
        if groups < 1 and servers:
            raise ValueError("servers need at least one group")
        if not 0.0 <= outdated_hda <= 1.0:
            raise ValueError("outdated_hda is a fraction in [0, 1]")
        self.lock = threading.RLock()
        # How the simulator answers (simulator/dialect.py): every mode off unless configured.
        self.dialect = dialect if isinstance(dialect, Dialect) else Dialect(dialect)
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
        self._session_rng = random.Random("sessions-%s" % seed)  # its own stream: the fleet's ids do not depend on it
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
        self._power = {}  # server id -> the power transition (start, stop, reboot) under way
        self._pending_power_failures = {}  # server id -> failures its next power transitions take (fail_next_power)
        self._status_before_stop = {}  # server id -> its status before a stop made it STOPPED
        self._power_actions = []  # the power transitions that ended, oldest first
        self._drains = {}  # server id -> simulator instant its next session ends (maintenance + session_drain)
        self._sessions = {}  # session id -> SessionInfo record (ended ones too), in creation order
        self._server_sessions = {}  # server id -> its session ids, oldest first
        self._session_server = {}  # session id -> server id
        self._os_session_seq = {}  # server id -> the last os_session_id given on it
        self._pending_logoffs = {}  # session id -> simulator instant it is signed out (log_off with a delay)
        self._notifications = []  # logoff notices sent, oldest first
        self._upgrade_records = []
        self._effects = []  # (due instant, job, sub job): successes whose effect shows after dialect.state_lag
        # server id -> {"status": the status it goes back to, "until": instant (None while its transition runs)}:
        # servers shown UNREGISTER by dialect.transitions
        self._transit = {}
        self.server_quota = DEFAULT_SERVER_QUOTA  # servers the tenant may have; a create beyond it fails (403)
        self._pending_create_failures = []  # (error_code, error_msg, status) the next create's first servers take
        self._server_seq = 0
        # image id -> {"image_id", "image_name"}: the images the tenant has (STOCK_IMAGES, ``images``, and those of
        # the groups and servers the builders add); the API refuses any other (fleet.py, add_image)
        self._images = {}
        for image_id, name in STOCK_IMAGES.items():
            self.add_image(image_id, name)
        for image_id in images or ():
            self.add_image(image_id)
        self._init_app_tables()  # app groups, published apps, authorizations, the directory (app_groups.py)
        self._init_image_tables()  # image servers and their jobs (image_servers.py)
        self._init_schedule_tables()  # schedule tasks and their executions (schedule_tasks.py)
        self._init_policy_tables()  # policy groups (policy_groups.py)
        self._build_default_fleet(servers, group_names or groups, outdated_hda)

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

    def tsvi_enabled(self, server_id):
        """The virtual session IP setting last applied on the server."""
        with self.lock:
            self.advance()
            self._require_server(server_id)
            return self._tsvi[server_id]
