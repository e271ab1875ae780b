# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""State the module processes of one Ansible run share on the controller: the project id, reads every task
needs alike, and the request pace.

Every task runs its module as a new process, so what they share goes through small files in one private
directory, ``<tempdir>/huaweicloud-workspace-app-<uid>/`` by default (created mode 0700, files 0600). The
environment variable ``WORKSPACE_APP_SHARED_STATE_DIR`` names another directory, or turns the sharing off when
empty or ``off``. A directory that is not the user's own, not a directory, or group/world-writable is not used.

Two kinds of file, named by a sha256 of what they are for (never of a secret alone, and never a secret in
clear: a token is hashed before it goes into a key; a file holds only numbers and a project id):

``project-<sha256(IAM endpoint, region, access key or token hash)>.json``
    ``{"project_id": ..., "time": ...}``: the project id IAM returned, used for :data:`PROJECT_ID_TTL` seconds.
``read-<sha256(what, run id, endpoint, access key or token hash, project, ...)>.json``
    ``{"value": ..., "time": ...}``: a read every task of one Ansible run needs alike and that names nothing
    secret (the latest HDA versions, whether a group is VDI), used by the tasks of that run (the run id is
    :data:`RUN_ID_VARIABLE`, set by the collection's action plugins) for :data:`SHARED_READ_TTL` seconds
    (:meth:`Client.shared_read <.client.Client.shared_read>`).
``throttle-<sha256(endpoint, access key or token hash)>.json``
    the token bucket of :class:`SharedThrottle` (see :func:`reserve` and :func:`on_throttled`), rewritten in place
    under ``fcntl.flock``.

Sharing is an optimisation only: any OS error, a corrupt file or a missing ``fcntl`` means no cache or no
throttle, never a failed task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import math
import os
import re
import stat
import tempfile
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - not POSIX: the cache still works, the throttle does not
    fcntl = None
    HAS_FCNTL = False

STATE_DIR_VARIABLE = "WORKSPACE_APP_SHARED_STATE_DIR"
# Set for the module by the collection's action plugins: which Ansible run (ansible-playbook process) a task is of.
RUN_ID_VARIABLE = "WORKSPACE_APP_RUN_ID"
DISABLED_VALUES = frozenset(["", "off", "none", "no", "false", "0"])  # of STATE_DIR_VARIABLE, case-insensitive
DIRECTORY_PREFIX = "huaweicloud-workspace-app-"
FROM_ENVIRONMENT = "environment"  # Client(state_dir=...): the directory STATE_DIR_VARIABLE says, else the default

PROJECT_ID_TTL = 3600.0  # seconds a looked-up project id is reused (a project's id never changes; an hour bounds
#                          how long a wrong one could be)
SHARED_READ_TTL = 300.0  # seconds the tasks of one run reuse a read they all need (the latest HDA versions)
PROJECT_ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,64}")
CLOCK_SLACK = 5.0  # seconds a time in a file may lie ahead of the clock before the file is distrusted
MAX_FILE_BYTES = 4096

# -- the request throttle: every number in one place ---------------------------------------------------------

START_RATE = 10.0  # requests/s of a new bucket: a single task of a few dozen requests hardly notices it
MAX_BURST = 10.0  # tokens a bucket holds at most (and at most one second's worth at its rate, at least one)
RATE_FLOOR = 0.5  # requests/s: no amount of throttling slows the run below this
RATE_CEILING = 50.0  # requests/s: no amount of success speeds it beyond this
DECREASE_FACTOR = 0.5  # a 429 multiplies the rate by this (once per burst, and see on_throttled for which 429s)
INCREASE_EVERY = 10  # successful responses between two increases
SLOW_START_FACTOR = 2.0  # increase while the bucket has never seen a 429: rate x 2 (10 -> 50 r/s in 30 requests)
INCREASE_STEP = 0.5  # increase once it has: rate + 0.5 r/s (5 -> 10 r/s in 100 requests)
HOLD_CAP = 120.0  # a Retry-After (or a window) holds every process for at most this many seconds (RetryPolicy's cap)
WINDOW_MARGIN = 1.05  # a learnt window's limit is kept with slots this much further apart than limit/window
IDLE_RESET = 120.0  # a bucket unused for this long (after its hold) starts afresh: a later run starts anew
LOCK_TIMEOUT = 2.0  # seconds to wait for the bucket's lock before sending unpaced
LOCK_POLL = 0.005
MAX_PACE = 600.0  # seconds one attempt waits for its slot at most; then it is sent anyway
TIME_EPSILON = 1e-6


def fingerprint(*parts):
    """A sha256 hex digest of ``parts`` (strings), unambiguous however they are split."""
    digest = hashlib.sha256()
    for part in parts:
        data = (part or "").encode("utf-8")
        digest.update(("%d:" % len(data)).encode("ascii"))
        digest.update(data)
    return digest.hexdigest()


def credential_id(values):
    """Who is calling, for the keys: the access key, or a hash of the token (never the token, never a secret)."""
    if values.get("auth_token"):
        return "token:" + hashlib.sha256(values["auth_token"].encode("utf-8")).hexdigest()
    return "ak:" + (values.get("access_key") or "")


def project_key(iam_endpoint, region, credential):
    return fingerprint("project-id", iam_endpoint, region, credential)


def throttle_key(endpoint, credential):
    return fingerprint("throttle", endpoint, credential)


# -- the directory -----------------------------------------------------------------------------------------

def default_directory():
    return os.path.join(tempfile.gettempdir(), DIRECTORY_PREFIX + str(os.getuid()))


def configured_directory(state_dir=FROM_ENVIRONMENT, environ=None):
    """The directory ``state_dir`` (a path, None/False/"off" for none, or FROM_ENVIRONMENT) names, or None."""
    if state_dir is FROM_ENVIRONMENT:
        state_dir = (os.environ if environ is None else environ).get(STATE_DIR_VARIABLE)
        if state_dir is None:
            return default_directory()
    if not state_dir or str(state_dir).strip().lower() in DISABLED_VALUES:
        return None
    return os.path.expanduser(str(state_dir))


def private_directory(path):
    """``path``, created mode 0700 if missing, when it is a directory of this user that no one else can write
    to; else None."""
    try:
        if not os.path.lexists(path):
            os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        return path
    except (OSError, AttributeError):  # AttributeError: no os.geteuid (not POSIX)
        return None


def _read(path):
    """The bytes of a regular file (not followed if a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        return os.read(fd, MAX_FILE_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)


def _decode(data):
    """A JSON object from ``data``, or None."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (AttributeError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class SharedState:
    """The shared directory of one client: the project-id cache and the throttles, one per endpoint."""

    def __init__(self, directory, clock=time.time, sleep=time.sleep):
        self.directory = directory
        self.clock = clock
        self.sleep = sleep

    @classmethod
    def open(cls, state_dir=FROM_ENVIRONMENT, environ=None, **kwargs):
        """The shared state in the directory ``state_dir`` names (see :func:`configured_directory`), or None."""
        path = configured_directory(state_dir, environ)
        directory = private_directory(path) if path else None
        return cls(directory, **kwargs) if directory else None

    def path(self, kind, key):
        return os.path.join(self.directory, "%s-%s.json" % (kind, key))

    # -- the project-id cache

    def cached_project_id(self, key):
        """The project id remembered under ``key`` less than PROJECT_ID_TTL seconds ago, or None."""
        entry = _decode(_read(self.path("project", key)))
        if not entry or not isinstance(entry.get("project_id"), str) or not _number(entry.get("time")):
            return None
        age = self.clock() - entry["time"]
        if not -CLOCK_SLACK <= age < PROJECT_ID_TTL or not PROJECT_ID_PATTERN.fullmatch(entry["project_id"]):
            return None
        return entry["project_id"]

    def remember_project_id(self, key, project_id):
        """Write the entry atomically (a temporary file renamed over it); True when it was written."""
        if not isinstance(project_id, str) or not PROJECT_ID_PATTERN.fullmatch(project_id):
            return False
        data = json.dumps({"project_id": project_id, "time": self.clock()}).encode("utf-8")
        return self._replace(self.path("project", key), data)

    # -- reads every task of a run needs alike (the latest HDA versions, a group's HDA type)

    def recall(self, key, ttl):
        """The JSON value remembered under ``key`` less than ``ttl`` seconds ago, or None."""
        entry = _decode(_read(self.path("read", key)))
        if not entry or "value" not in entry or not _number(entry.get("time")):
            return None
        age = self.clock() - entry["time"]
        return entry["value"] if -CLOCK_SLACK <= age < ttl else None

    def remember(self, key, value):
        """Write ``value`` (JSON, not secret) atomically under ``key``; True when it was written."""
        data = json.dumps({"value": value, "time": self.clock()}).encode("utf-8")
        return len(data) <= MAX_FILE_BYTES and self._replace(self.path("read", key), data)

    def _replace(self, path, data):
        temporary = None
        try:
            fd, temporary = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=self.directory)  # mode 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
            return True
        except OSError:
            if temporary:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
            return False

    def forget_project_id(self, key):
        try:
            os.unlink(self.path("project", key))
        except OSError:
            pass

    # -- the throttles

    def throttle(self, key):
        """The :class:`SharedThrottle` of ``key``, or None without ``fcntl``."""
        if not HAS_FCNTL:
            return None
        return SharedThrottle(self.path("throttle", key), self.clock, self.sleep)


# -- the token bucket: pure functions of a dict and the time ------------------------------------------------
#
# rate         requests per second
# tokens       requests that may be sent now (fractional, at most capacity(rate)); below zero, slots reserved
#              ahead: at -2 two requests wait for theirs, and the next one asked is 3 / rate seconds away
# refilled     when tokens were last brought up to date
# not_before   no request before this time (a Retry-After, for everyone); tokens do not accrue until then
# holds        how many 429s emptied the bucket (a slot reserved before the last one is void)
# emptied      when a 429 last emptied it
# successes    successful responses since the last increase
# decreased    when the rate was last lowered; None: never (the bucket is still in slow start)
# updated      when the bucket was last used (IDLE_RESET)
# window_rate  the rate a throttled answer's window allows (``limit:5,time:1 minute``: 5 / 63 s), or 0: none learnt;
#              the rate never goes above it (and may go below RATE_FLOOR down to it)

BUCKET_NUMBERS = ("rate", "tokens", "refilled", "not_before", "holds", "emptied", "successes", "updated",
                  "window_rate")


def capacity(rate):
    return max(1.0, min(MAX_BURST, rate))


def fresh_bucket(now):
    return dict(rate=START_RATE, tokens=capacity(START_RATE), refilled=now, not_before=0.0, holds=0, emptied=0.0,
                successes=0, decreased=None, updated=now, window_rate=0.0)


def rate_bounds(bucket):
    """``(floor, ceiling)`` of the bucket's rate: RATE_FLOOR..RATE_CEILING, or up to the learnt window's rate."""
    window_rate = bucket.get("window_rate") or 0.0
    if not window_rate:
        return RATE_FLOOR, RATE_CEILING
    return min(RATE_FLOOR, window_rate), min(RATE_CEILING, window_rate)


def valid_bucket(bucket, now):
    """``bucket`` (as read from a file) when it is whole and believable at ``now``, else None."""
    if not isinstance(bucket, dict):
        return None
    if bucket.get("decreased") is None:
        bucket = dict(bucket, decreased=None)
    elif not _number(bucket.get("decreased")):
        return None
    if "window_rate" not in bucket:
        bucket = dict(bucket, window_rate=0.0)  # written before windows were learnt
    if not all(_number(bucket.get(name)) for name in BUCKET_NUMBERS):
        return None
    rate, tokens = bucket["rate"], bucket["tokens"]
    floor, ceiling = rate_bounds(bucket)
    if not 0 <= bucket["window_rate"] <= RATE_CEILING or not floor <= rate <= ceiling \
            or not -rate * MAX_PACE <= tokens <= capacity(rate):
        return None
    ahead = max(bucket["refilled"], bucket["updated"], bucket["emptied"], bucket["decreased"] or 0)
    if ahead > now + CLOCK_SLACK or bucket["not_before"] > now + HOLD_CAP + CLOCK_SLACK \
            or bucket["successes"] < 0 or bucket["holds"] < 0:
        return None  # written by a clock far ahead of this one, or not by this code
    if now - max(bucket["updated"], bucket["not_before"]) > IDLE_RESET:
        return None
    return dict((name, bucket[name]) for name in BUCKET_NUMBERS + ("decreased",))


def refill(bucket, now):
    """Bring ``tokens`` up to ``now``: ``rate`` per second since the last refill (or the end of a hold)."""
    start = max(bucket["refilled"], bucket["not_before"])
    if now > start:
        bucket["tokens"] = min(capacity(bucket["rate"]), bucket["tokens"] + (now - start) * bucket["rate"])
        bucket["refilled"] = now


def reserve(bucket, now):
    """Take a token, or reserve the next free slot: ``(seconds to wait for it, holds)``; 0 s: send now.

    Slots are handed out in the order they are asked for, so a process that has waited longest goes first.
    """
    refill(bucket, now)
    bucket["updated"] = now
    bucket["tokens"] -= 1.0
    wait = max(0.0, bucket["not_before"] - now) + max(0.0, -bucket["tokens"]) / bucket["rate"]
    return (0.0 if wait <= TIME_EPSILON else wait), bucket["holds"]  # times near 1.8e9 s are off by ~1e-7 s


def still_reserved(bucket, _now, holds):
    """Whether a slot reserved when the bucket had seen ``holds`` 429s is still good (no 429 emptied it since)."""
    return bucket["holds"] == holds


def on_throttled(bucket, now, hold=None, sent_at=None, paced=True, window=None):
    """A 429 came back for a request sent at ``sent_at``: hold everyone, empty the bucket, maybe slow down.

    A 429 holds everyone for ``hold`` seconds (its Retry-After, or the retry's backoff) and empties the bucket: the
    slots reserved are void (their processes reserve again), unless the request was sent before the bucket was last
    emptied (a 429 of the same burst: the slots reserved since are already after the hold, and stay good if it
    hardly moves).

    A 429 that names its window (``window``: ``(limit, seconds)``, from ``limit:5,time:1 minute``) says what the
    service allows: everyone is held for the whole window, the rate becomes the window's (``limit`` per ``seconds``,
    slots WINDOW_MARGIN further apart, so that no window of that length holds more than ``limit`` of them), never
    to rise above it, and the first slot after the hold may go at once.

    Otherwise the first 429 the bucket sees ends its slow start and halves the rate. After that, a 429 halves it
    only for a request that was ``paced`` (it waited for its slot, so the pace is what let it go) and that was sent
    after the last decrease: the other 429s of a burst say nothing new, and a request sent with tokens to spare
    says nothing about the pace (the service may throttle at random, or another client of the account may be
    busy: the hold slows everyone down, and if the pace is too fast the paced requests after it meet the next
    429). Returns True when the rate was lowered.
    """
    refill(bucket, now)
    bucket["updated"] = now
    bucket["successes"] = 0
    decreased = bucket["decreased"]
    if window:
        limit, seconds = window
        bucket["window_rate"] = min(RATE_CEILING, limit / (seconds * WINDOW_MARGIN))
        hold = max(hold or 0.0, seconds)
        lowered = bucket["rate"] > bucket["window_rate"] or decreased is None
        bucket["rate"] = bucket["window_rate"]
        bucket["decreased"] = now
    else:
        lowered = decreased is None or (paced and (sent_at is None or sent_at > decreased))
        if lowered:
            bucket["rate"] = max(rate_bounds(bucket)[0], bucket["rate"] * DECREASE_FACTOR)
            bucket["decreased"] = now
    hold = min(HOLD_CAP, hold) if hold is not None else 0.0
    not_before = max(bucket["not_before"], now + hold)
    same_burst = sent_at is not None and sent_at <= bucket["emptied"]
    if lowered or not same_burst or not_before > bucket["not_before"] + 1.0 / bucket["rate"]:
        # a window that has passed in full allows a request at once
        bucket["tokens"] = 1.0 if window else 0.0
        bucket["holds"] += 1
        bucket["emptied"] = now
    bucket["not_before"] = not_before
    bucket["refilled"] = now
    return lowered


def on_throttled_and_retrying(bucket, now, hold=None, sent_at=None, paced=True, window=None):
    """:func:`on_throttled`, then the retry's slot, reserved at once: the first after the hold (a request that
    met a 429 is not put behind those that asked while it waited). Returns ``(when the slot is, holds)``."""
    on_throttled(bucket, now, hold, sent_at, paced, window)
    wait, holds = reserve(bucket, now)
    return now + wait, holds


def on_success(bucket, now):
    """A response that was not throttled: every INCREASE_EVERY of them raise the rate (up to RATE_CEILING)."""
    bucket["updated"] = now
    bucket["successes"] += 1
    if bucket["successes"] < INCREASE_EVERY:
        return
    bucket["successes"] = 0
    ceiling = rate_bounds(bucket)[1]
    if bucket["decreased"] is None:
        bucket["rate"] = min(ceiling, bucket["rate"] * SLOW_START_FACTOR)
    else:
        bucket["rate"] = min(ceiling, bucket["rate"] + INCREASE_STEP)


class SharedThrottle:
    """The token bucket of one endpoint and credential, in a file every process of the run locks to use.

    When the file cannot be used (an OS error, or the lock not had within LOCK_TIMEOUT) the call is not paced
    and the throttle stays off for the rest of the process.
    """

    def __init__(self, path, clock=time.time, sleep=time.sleep):
        self.path = path
        self.clock = clock
        self.sleep = sleep

    def _lock(self, fd):
        """Lock ``fd``; False when another process held it for LOCK_TIMEOUT (any other error raises OSError)."""
        deadline = self.clock() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if self.clock() >= deadline:
                    return False
                self.sleep(LOCK_POLL)

    def update(self, change, *args):
        """Under the lock: read the bucket (afresh when missing, corrupt or stale), ``change(bucket, now,
        *args)``, write it back. Returns what ``change`` returned, or None when the file could not be used."""
        if self.path is None:
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError:
            self.path = None
            return None
        try:
            if not self._lock(fd):
                self.path = None  # a process is stuck holding it: do not wait for it again
                return None
            now = self.clock()
            bucket = valid_bucket(_decode(os.read(fd, MAX_FILE_BYTES)), now) or fresh_bucket(now)
            result = change(bucket, now, *args)
            data = json.dumps(bucket, sort_keys=True).encode("utf-8")
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
            os.ftruncate(fd, len(data))
            return result
        except OSError:
            self.path = None
            return None
        finally:
            os.close(fd)  # releases the lock

    def acquire(self, slot=None):
        """Wait for a slot (sleeping outside the lock); returns the seconds waited.

        ``slot`` is one reserved already (what :meth:`throttled` returned for a retry). After the wait the slot
        is checked: when a 429 emptied the bucket meanwhile, a new one is reserved.
        """
        waited = 0.0
        if slot is not None:
            at, holds = slot
            wait = min(max(0.0, at - self.clock()), MAX_PACE)
            if wait > 0:
                self.sleep(wait)
                waited += wait
            if self.update(still_reserved, holds) is not False:
                return waited
        while waited < MAX_PACE:
            slot = self.update(reserve)
            if slot is None or not slot[0]:  # no throttle, or a token at once
                break
            wait, holds = slot
            wait = min(wait, MAX_PACE - waited)
            self.sleep(wait)
            waited += wait
            if self.update(still_reserved, holds) is not False:
                break
        return waited

    def throttled(self, hold=None, sent_at=None, paced=True, retrying=False, window=None):
        """Tell the bucket about a 429 (:func:`on_throttled`). ``retrying``: the request will be sent again, so
        its slot is reserved now; returns that slot (for :meth:`acquire`), or None."""
        if retrying:
            return self.update(on_throttled_and_retrying, hold, sent_at, paced, window)
        self.update(on_throttled, hold, sent_at, paced, window)
        return None

    def succeeded(self):
        self.update(on_success)

    def state(self):
        """The bucket as the file holds it (None if missing or unusable); for tests and reports."""
        return valid_bucket(_decode(_read(self.path)), self.clock()) if self.path else None
