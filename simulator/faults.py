"""Fault injection (scripted and seeded-random) and a real token-bucket rate limit.

Kinds:

``throttle``
    429 ``APIGW.0308`` with ``Retry-After``; nothing applied.
``error500`` / ``error503``
    a service error body; nothing applied.
``drop``
    the connection is closed without any response; nothing applied.
``lost_response``
    the request is applied in full, then the connection is closed without a
    response (the client cannot know whether its mutation happened).
``applied_error500``
    the request is applied in full, then answered 500 as if it had failed
    (a service that fails after committing: the answer lies).

Scripted faults win over random ones. IAM (``/v3/...``) and control
(``/_sim/...``) requests are never faulted at random; a script faults them
only when its ``path`` regex is given and matches (for ``/_sim`` the regex
must also spell out ``_sim``).
"""

import math
import random
import re
import threading
import time

KINDS = ("throttle", "error500", "error503", "drop", "lost_response", "applied_error500")
# Kinds whose request is handled in full before the fault (the others answer before the handler runs).
APPLIED_KINDS = ("lost_response", "applied_error500")


class FaultInjector:
    """Decides, per request, whether (and how) it fails. Thread-safe."""

    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._scripts = []
        self._default_seed = seed
        self.configure(seed=seed)

    def configure(self, seed=None, throttle_rate=0.0, error_rate=0.0, drop_rate=0.0, lost_response_rate=0.0,
                  retry_after=1, methods=None, applied_error_rate=0.0):
        """Set the random fault rates (probabilities per request) and restart the seeded generator.

        ``error_rate`` splits evenly between ``error500`` and ``error503`` (before the handler);
        ``applied_error_rate`` is ``applied_error500`` (after it).
        ``methods`` limits random faults to these HTTP methods (None: all).
        Scripted faults are kept.
        """
        rates = (throttle_rate, error_rate, drop_rate, lost_response_rate, applied_error_rate)
        if any(not 0.0 <= float(rate) <= 1.0 for rate in rates) or sum(rates) > 1.0:
            raise ValueError("fault rates are probabilities and must sum to at most 1")
        if int(retry_after) < 0:
            raise ValueError("retry_after must be >= 0")
        with self._lock:
            self.seed = self._default_seed if seed is None else seed
            self._rng = random.Random("faults-%s" % self.seed)
            self.throttle_rate = float(throttle_rate)
            self.error_rate = float(error_rate)
            self.drop_rate = float(drop_rate)
            self.lost_response_rate = float(lost_response_rate)
            self.applied_error_rate = float(applied_error_rate)
            self.retry_after = int(retry_after)
            self.methods = None if methods is None else {m.upper() for m in methods}
        return self.config()

    def config(self):
        """The current settings as a dict (JSON-ready)."""
        with self._lock:
            return {
                "seed": self.seed,
                "throttle_rate": self.throttle_rate,
                "error_rate": self.error_rate,
                "drop_rate": self.drop_rate,
                "lost_response_rate": self.lost_response_rate,
                "applied_error_rate": self.applied_error_rate,
                "retry_after": self.retry_after,
                "methods": sorted(self.methods) if self.methods is not None else None,
                "scripts": [{key: value for key, value in script.items() if key != "regex"}
                            for script in self._scripts],
            }

    def script(self, kind, method=None, path=None, count=1):
        """Fault the next ``count`` requests matching ``method`` (None: any) and ``path`` (regex, searched)."""
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r (one of %s)" % (kind, ", ".join(KINDS)))
        if int(count) < 1:
            raise ValueError("count must be >= 1")
        script = {"kind": kind, "method": method.upper() if method else None, "path": path,
                  "regex": re.compile(path) if path is not None else None, "remaining": int(count)}
        with self._lock:
            self._scripts.append(script)
        return {key: value for key, value in script.items() if key != "regex"}

    def clear(self):
        """Drop every script and set all random rates to zero (the seed is kept)."""
        with self._lock:
            self._scripts = []
        self.configure(seed=self.seed, retry_after=self.retry_after)

    def decide(self, method, path, area):
        """The fault for one request, or None. ``area`` is ``"api"``, ``"iam"`` or ``"control"``."""
        with self._lock:
            for script in self._scripts:
                if self._script_matches(script, method, path, area):
                    script["remaining"] -= 1
                    if script["remaining"] <= 0:
                        self._scripts.remove(script)
                    return script["kind"]
            if area != "api" or (self.methods is not None and method not in self.methods):
                return None
            if not (self.throttle_rate or self.error_rate or self.drop_rate or self.lost_response_rate
                    or self.applied_error_rate):
                return None
            # One draw per eligible request keeps a seeded run reproducible request by request.
            draw = self._rng.random()
            for kind, rate in (("throttle", self.throttle_rate), ("error", self.error_rate),
                               ("drop", self.drop_rate), ("lost_response", self.lost_response_rate),
                               ("applied_error500", self.applied_error_rate)):
                if draw < rate:
                    if kind == "error":
                        return "error500" if draw < rate / 2 else "error503"
                    return kind
                draw -= rate
            return None

    @staticmethod
    def _script_matches(script, method, path, area):
        if script["method"] is not None and script["method"] != method:
            return False
        if script["regex"] is None:
            return area == "api"
        if area == "control" and "_sim" not in script["path"]:
            return False
        return script["regex"].search(path) is not None


class RateLimiter:
    """A token bucket: ``rate`` requests per second, bursts up to ``rate`` (at least 1)."""

    def __init__(self, rate):
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self):
        """Take a token; return 0 on success, else the whole seconds to wait (>= 1) for the next one."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0
            return max(1, int(math.ceil((1.0 - self._tokens) / self.rate)))

    @property
    def per_minute(self):
        """The limit as the gateway words it (requests per minute)."""
        return int(round(self.rate * 60))
