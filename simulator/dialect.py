"""The simulator's dialect: answer like the API pages say (the default) or like the real service does.

Every mode is off by default; each one makes the simulator answer one way the real service is known to answer
(``/work/briefs/service-behaviour.md``; simulator/README.md "Dialects: how the real service answers"). One
:class:`Dialect` per simulator, ``sim.dialect`` (the same object as ``sim.state.dialect``), set by
``Simulator(dialect=...)``, the command line (``--dialect real``, ``--throttle-window 5/60`` ...) or
``POST /_sim/dialect``. Keys:

* ``throttle_window``: None, or ``[limit, seconds]``: per credential at most ``limit`` API requests per fixed
  window of ``seconds`` (simulator clock); beyond it 429 ``throttle_code`` with the gateway's message, no
  ``Retry-After``;
* ``throttle_code``: ``APIG.0308`` or ``APIGW.0308``;
* ``state_lag``: seconds (>= 0) between a job's SUCCESS and its effect showing in the reads;
* ``transitions``: False, or seconds (>= 0) a server stays UNREGISTER after a rebuild, TSVI update or power
  transition ended (it shows UNREGISTER while one runs);
* ``busy_status``: 409 or 400, the HTTP status of a refusal because a server is busy;
* ``absent_deletes``: ``"404"`` or ``"200"``: how a delete of a server or group that does not exist answers;
* ``unknown_status``: None or a word jobs and sub jobs show instead of ``WAITING``.
"""

import copy
import threading

from . import errors
from .errors import ApiError

THROTTLE_CODES = ("APIG.0308", "APIGW.0308")
BUSY_STATUSES = (409, 400)
ABSENT_DELETES = ("404", "200")

DEFAULTS = {
    "throttle_window": None,
    "throttle_code": "APIG.0308",
    "state_lag": 0,
    "transitions": False,
    "busy_status": 409,
    "absent_deletes": "404",
    "unknown_status": None,
}
KEYS = tuple(DEFAULTS)
# ``preset`` in a configuration (dict key, --dialect, dialect="real") starts from one of these; other keys override.
PRESETS = {
    "default": dict(DEFAULTS),
    "real": dict(DEFAULTS, throttle_window=[5, 60], throttle_code="APIG.0308", state_lag=4, transitions=2,
                 busy_status=400, absent_deletes="200"),
}

ALLOWED = {
    "throttle_window": "null or [limit, seconds] (limit an integer >= 1, seconds a number > 0)",
    "throttle_code": " or ".join(THROTTLE_CODES),
    "state_lag": "a number of seconds >= 0",
    "transitions": "false or a number of seconds >= 0",
    "busy_status": " or ".join(str(status) for status in BUSY_STATUSES),
    "absent_deletes": " or ".join('"%s"' % value for value in ABSENT_DELETES),
    "unknown_status": "null or a word (letters, digits, _ and -; not WAITING, RUNNING, SUCCESS or FAILED)",
    "preset": " or ".join(PRESETS),
}
KNOWN_JOB_STATUSES = ("WAITING", "RUNNING", "SUCCESS", "FAILED", "ABNORMAL", "ROLLBACK", "ABORTING")


def _bad(key, value):
    return ValueError("dialect %s: must be %s, got %s" % (key, ALLOWED[key], _show(value)))


def _show(value):
    return repr(value) if not isinstance(value, (list, dict)) else str(value)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tidy(seconds):
    """2.0 -> 2 (the configuration reads as it was written), 0.5 stays."""
    return int(seconds) if float(seconds).is_integer() else float(seconds)


def _check(key, value):
    """The value to store for ``key`` (normalised), or ValueError naming the key and the allowed values."""
    if key == "throttle_window":
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_window(value)
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise _bad(key, value)
        limit, seconds = value
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1 or not _number(seconds) or seconds <= 0:
            raise _bad(key, value)
        return [limit, _tidy(seconds)]
    if key == "throttle_code":
        if value not in THROTTLE_CODES:
            raise _bad(key, value)
        return value
    if key == "state_lag":
        if not _number(value) or value < 0:
            raise _bad(key, value)
        return _tidy(value)
    if key == "transitions":
        if value is False or value is None:
            return False
        if not _number(value) or value < 0:
            raise _bad(key, value)
        return _tidy(value)
    if key == "busy_status":
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or value not in BUSY_STATUSES:
            raise _bad(key, value)
        return value
    if key == "absent_deletes":
        if _number(value):
            value = str(value)
        if value not in ABSENT_DELETES:
            raise _bad(key, value)
        return value
    if key == "unknown_status":
        if value is None:
            return None
        if (not isinstance(value, str) or not value or len(value) > 32
                or not all(char.isalnum() or char in "_-" for char in value) or value.upper() in KNOWN_JOB_STATUSES):
            raise _bad(key, value)
        return value
    raise ValueError("dialect: unknown key %r; the keys are %s (and preset)" % (key, ", ".join(KEYS)))


def parse_window(text):
    """``"5/60"`` -> ``[5, 60]``; ``"off"``/``"none"`` -> None (the command line's --throttle-window)."""
    if text.strip().lower() in ("off", "none", "null", "false"):
        return None
    limit, sep, seconds = text.partition("/")
    try:
        if not sep:
            raise ValueError(text)
        window = [int(limit), float(seconds)]
    except ValueError:
        raise _bad("throttle_window", text) from None
    return _check("throttle_window", window)


def window_text(seconds):
    """The gateway's words for a window: ``1 minute``, ``2 minute``, ``30 second``."""
    if float(seconds).is_integer() and int(seconds) % 60 == 0:
        return "%d minute" % (int(seconds) // 60)
    return "%s second" % (int(seconds) if float(seconds).is_integer() else seconds)


class Dialect:
    """The simulator's dialect (see the module's docstring); attributes are the keys, read them freely.

    ``config`` is None (every mode off), a preset name (``"real"``), a dict of keys (``preset`` among them
    starts from that preset) or another Dialect. Bad keys or values raise ValueError naming the key and what
    it takes.
    """

    def __init__(self, config=None):
        self._lock = threading.Lock()
        self._windows = {}  # credential -> [window start (simulator clock), requests counted in it]
        for key, value in DEFAULTS.items():
            setattr(self, key, copy.copy(value))
        if config is not None:
            self.update(config)

    def update(self, config):
        """Apply a preset name or a dict of keys (all checked before any changes); return :meth:`as_dict`."""
        if isinstance(config, Dialect):
            config = config.as_dict()
        if isinstance(config, str):
            config = {"preset": config}
        if not isinstance(config, dict):
            raise ValueError("dialect: a preset name (%s) or an object of keys, got %s"
                             % (ALLOWED["preset"], _show(config)))
        changes = {}
        if "preset" in config:
            if config["preset"] not in PRESETS:
                raise _bad("preset", config["preset"])
            changes.update(copy.deepcopy(PRESETS[config["preset"]]))
        for key, value in config.items():
            if key != "preset":
                changes[key] = _check(key, value)
        with self._lock:
            for key, value in changes.items():
                setattr(self, key, value)
            if "throttle_window" in changes:
                self._windows.clear()
        return self.as_dict()

    def as_dict(self):
        """The whole configuration, ``{key: value}`` (JSON-ready)."""
        return {key: copy.copy(getattr(self, key)) for key in KEYS}

    def __repr__(self):
        return "Dialect(%r)" % self.as_dict()

    # ------------------------------------------------------------------ the windowed throttle

    def throttle(self, credential, now):
        """Count one API request of ``credential`` at ``now`` (simulator clock) in its window; return the 429
        :class:`ApiError` when the window is full (that request is not counted), else None."""
        with self._lock:
            window = self.throttle_window
            if window is None:
                return None
            limit, seconds = window
            entry = self._windows.get(credential)
            if entry is None or now >= entry[0] + seconds:
                entry = self._windows[credential] = [now, 0]
            if entry[1] >= limit:
                return ApiError(429, (self.throttle_code, errors.THROTTLED[1]),
                                "policy ip over ratelimit,limit:%d,time:%s" % (limit, window_text(seconds)))
            entry[1] += 1
            return None

    def job_status_word(self, status):
        """How a job, sub job or server record shows a job status (``WAITING`` -> ``unknown_status`` when set)."""
        return self.unknown_status if status == "WAITING" and self.unknown_status else status
