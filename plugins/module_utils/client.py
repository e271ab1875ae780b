# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP session to the Workspace App service.

Everything that talks HTTP goes through :class:`Client`: AK/SK signing or
token auth, retries as the :data:`RETRY_RULES` say, paging and error parsing.
Where the settings come from is :mod:`.connection`; the project id lookup is
:mod:`.iam`; the error types are :mod:`.errors`.

The module processes of one Ansible run share two things on the controller,
through files in a private directory (:mod:`.shared_state`):

* the project id looked up through IAM (when ``project_id`` is not set), for
  an hour (``shared_state.PROJECT_ID_TTL``); an entry that a 401, 403 or 404
  answers is dropped, so the next task looks the id up again;
* a token bucket per endpoint and credential that paces every attempt, in
  the order the attempts asked: 10 requests/s (bursts of 10) to begin with,
  doubling every 10 successes until the first 429. A 429 holds everyone for
  the retry's wait (its ``Retry-After``, the window its message names, or the
  backoff); a 429 naming its window sets the rate to the window's; otherwise
  the first one halves the rate, a later one halves it again when the request
  had waited for its slot (the pace let it go); 10 successes add 0.5
  requests/s (between 0.5 and 50 requests/s, or up to a learnt window's
  rate; the numbers are ``shared_state``'s). A retry after a 429 gets the
  first slot after the hold, and waiting for it is its only wait.

The directory is ``<tempdir>/huaweicloud-workspace-app-<uid>/``; the
environment variable ``WORKSPACE_APP_SHARED_STATE_DIR`` names another one,
or turns both off when empty or ``off``. Nothing secret is written there.
The throttle only paces: retrying stays :class:`RetryPolicy`'s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import random
import time

from collections import namedtuple
from urllib.parse import urlsplit

try:
    import requests
    from requests.exceptions import (
        ConnectTimeout, ConnectionError as RequestsConnectionError, RequestException, SSLError, Timeout)
    from urllib3.exceptions import ConnectTimeoutError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised by ansible-test's import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import iam, shared_state, signer
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    THROTTLE_CODES, THROTTLE_STATUS, ApiError, ConfigurationError, with_hint)

__all__ = [
    "COLLECTION_VERSION", "USER_AGENT", "PAGE_LIMIT", "HAS_REQUESTS", "REQUESTS_IMPORT_ERROR",
    "READ_METHODS", "NOT_SENT", "MAYBE_SENT", "RetryRule", "RETRY_RULES", "RetryPolicy", "connection_failure", "Client",
]

COLLECTION_VERSION = "1.1.0"  # galaxy.yml version (tests/unit/test_metadata.py)
USER_AGENT = "huaweicloud.workspace_app/%s" % COLLECTION_VERSION
PAGE_LIMIT = 100
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 5
# A throttled answer with neither Retry-After nor a window in its message: back off from this, doubling, up to the cap
# (seconds); the real gateway's windows last a minute, and nothing shows that it sends Retry-After.
THROTTLE_BACKOFF_BASE = 5.0
THROTTLE_BACKOFF_CAP = 60.0
# A throttled hold longer than this that would pass the task's deadline is not made (a short backoff past it is: the
# read after a wait's deadline, which tells where the jobs are, still gets its retries).
SHORT_WAIT = 5.0
# Answers to a project-scoped request that a wrong project id would get: a cached id is then not trusted again.
PROJECT_DOUBT_STATUSES = frozenset([401, 403, 404])

# -- retry rules ---------------------------------------------------------------------

READ_METHODS = frozenset(["GET"])  # every other method may change state, so sending it twice may apply it twice

# How a connection failed, as far as the client can tell.
NOT_SENT = "not sent"  # provably nothing reached the service (no TCP connection, TLS handshake failed)
MAYBE_SENT = "maybe sent"  # the request may have been received (read timeout, connection dropped)


class RetryRule(namedtuple("RetryRule", "name methods statuses error_codes connections")):
    """One kind of failure worth another attempt, and for which methods (``methods`` None: every method).

    An HTTP answer matches by status or error code, a connection failure by how it failed.
    """

    def matches(self, method, error, connection=None):
        if self.methods is not None and method not in self.methods:
            return False
        if connection is not None:
            return connection in self.connections
        return error.status in self.statuses or error.error_code in self.error_codes


def _rule(name, methods=None, statuses=(), error_codes=(), connections=()):
    return RetryRule(name, methods, frozenset(statuses), frozenset(error_codes), frozenset(connections))


RETRY_RULES = (
    # the gateway refused the call before the service saw it, so even a mutation is safe to send again
    _rule("throttled", statuses=[THROTTLE_STATUS], error_codes=THROTTLE_CODES),
    _rule("never reached the service", connections=[NOT_SENT]),
    # a read can be repeated whatever became of it; a mutation that got this far may have been applied
    _rule("server error", methods=READ_METHODS, statuses=[500, 502, 503, 504]),
    _rule("connection failed after sending", methods=READ_METHODS, connections=[MAYBE_SENT]),
)


class RetryPolicy:
    """Which failures are retried, how many times, and how long to wait before each retry."""

    def __init__(self, max_retries=DEFAULT_MAX_RETRIES, rules=RETRY_RULES, backoff_base=1.0, backoff_cap=30.0,
                 retry_after_cap=120.0, throttle_base=THROTTLE_BACKOFF_BASE, throttle_cap=THROTTLE_BACKOFF_CAP):
        self.max_retries = max_retries
        self.rules = rules
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap  # a Retry-After (or a window) longer than this is not worth a hold
        self.throttle_base = throttle_base
        self.throttle_cap = throttle_cap

    def rule_for(self, method, error, connection=None):
        """The first rule that says this failure is retried, or None."""
        return next((rule for rule in self.rules if rule.matches(method, error, connection)), None)

    def should_retry(self, attempt, method, error, connection=None):
        return attempt < self.max_retries and self.rule_for(method, error, connection) is not None

    def delay(self, attempt, retry_after, rand, window=None):
        """Seconds before retry ``attempt`` (0 for the first).

        * A ``Retry-After`` is honoured, up to ``retry_after_cap`` (at least the jittered backoff below).
        * A throttled answer without one (``window``: the ``(limit, seconds)`` it names, or True when it names
          none): the window it names, plus up to 10 % (so that clients do not all come back at once); with no
          window named, an exponential backoff from ``throttle_base`` to ``throttle_cap`` with equal jitter
          (5, 10, 20, 40, 60 s, each between half and all of it: at least 67 s over five retries, longer than
          the gateway's one-minute windows).
        * Anything else: full-jitter exponential backoff from ``backoff_base`` to ``backoff_cap``.
        """
        delay = rand() * min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        if retry_after is not None:
            return max(delay, min(retry_after, self.retry_after_cap))
        if isinstance(window, tuple):
            return min(window[1], self.retry_after_cap) * (1.0 + 0.1 * rand())
        if window:
            ceiling = min(self.throttle_cap, self.throttle_base * (2 ** attempt))
            return ceiling * (0.5 + 0.5 * rand())
        return delay


def connection_failure(exc):
    """NOT_SENT when the request provably never reached the service, else MAYBE_SENT."""
    if isinstance(exc, (ConnectTimeout, SSLError)):
        return NOT_SENT  # no TCP connection, or the TLS handshake failed: nothing was sent
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return NOT_SENT if isinstance(reason, ConnectTimeoutError) else MAYBE_SENT


def _retry_after(response):
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


# -- the client ----------------------------------------------------------------------

class Client:
    """Signed, retrying HTTP access to the Workspace App API and the bits of IAM it needs."""

    def __init__(self, settings, session=None, sleep=time.sleep, rand=random.random, retry_policy=None,
                 clock=time.time, state_dir=shared_state.FROM_ENVIRONMENT, run_id=shared_state.FROM_ENVIRONMENT,
                 monotonic=time.monotonic):
        """``clock`` (wall clock, seconds) and ``sleep`` drive the shared throttle; ``state_dir`` is the shared
        directory (default: as ``WORKSPACE_APP_SHARED_STATE_DIR`` says; None: share nothing)."""
        if not HAS_REQUESTS:
            raise ConfigurationError("the Python library 'requests' is required")
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep
        self._rand = rand
        if retry_policy is None:
            max_retries = settings.values.get("max_retries")
            retry_policy = RetryPolicy(DEFAULT_MAX_RETRIES if max_retries is None else max_retries)
        self.retry_policy = retry_policy
        self._project_id = settings.values.get("project_id")
        self._project_id_cached = False  # the id came from the shared cache (and no answer has doubted it yet)
        self._clock = clock
        self._monotonic = monotonic
        # the task's deadline (time.monotonic), set by the engine once it has one: a retry whose wait would pass it
        # is not made (the error is raised, saying so)
        self.deadline = None
        self.shared = shared_state.SharedState.open(state_dir, clock=clock, sleep=sleep)
        # the Ansible run this task belongs to (set by the collection's action plugins): what shared_read keys by
        self.run_id = os.environ.get(shared_state.RUN_ID_VARIABLE) if run_id is shared_state.FROM_ENVIRONMENT \
            else run_id
        self._credential = shared_state.credential_id(settings.values)
        self._project_key = shared_state.project_key(settings.values.get("iam_endpoint"), settings.values.get("region"),
                                                     self._credential)
        self._throttles = {}  # base URL -> SharedThrottle or None
        self.retries = 0  # how many retries this client made, for reports and tests
        self.requests_sent = 0
        self.throttled = 0  # throttled answers (429 / APIGW.0308) received
        self.paced_seconds = 0.0  # time spent waiting for the shared throttle

    @property
    def project_id(self):
        if not self._project_id:
            self._project_id, self._project_id_cached = iam.project_id(
                self, self.settings.values["region"], self.settings.iam_endpoint, self.shared, self._project_key)
        return self._project_id

    def shared_read(self, what, read, *parts):
        """``read()``, or what a task of the same Ansible run, endpoint and credential got from it less than
        ``shared_state.SHARED_READ_TTL`` seconds ago (``what`` and ``parts`` name the read; the value must be
        JSON and nothing secret). Without shared state or a run id (the collection's action plugins set it) it is
        simply read: a later run always reads afresh."""
        if self.shared is None or not self.run_id:
            return read()
        key = shared_state.fingerprint("read", what, self.run_id, self.settings.endpoint, self._credential,
                                       self.project_id, *parts)
        value = self.shared.recall(key, shared_state.SHARED_READ_TTL)
        if value is None:
            value = read()
            if value is not None:
                self.shared.remember(key, value)
        return value

    def _throttle(self, base):
        if base not in self._throttles:
            key = shared_state.throttle_key(base, self._credential)
            self._throttles[base] = self.shared.throttle(key) if self.shared else None
        return self._throttles[base]

    def _pace(self, base, slot=None):
        """Wait for the shared throttle's slot (``slot``: one reserved already); returns ``(when the attempt is
        sent, whether it was paced)``."""
        throttle = self._throttle(base)
        waited = throttle.acquire(slot) if throttle is not None else 0.0
        self.paced_seconds += waited
        return self._clock(), waited > 0 or slot is not None

    def _learn(self, base, sent, response, error=None, project_scoped=False, retrying=False, hold=None):
        """Tell the shared throttle how the answer to ``sent`` (what :meth:`_pace` returned) went, and drop a
        cached project id that an answer doubts. A throttled answer holds every process of the run for ``hold``
        seconds (the retry's delay) and teaches the pace the window the answer names. Returns the slot reserved
        for the retry of a 429, or None."""
        if response is None:
            return None  # no answer: nothing learnt about the rate
        throttle = self._throttle(base)
        if error is not None and error.throttled:
            self.throttled += 1
            if throttle is None:
                return None
            sent_at, paced = sent
            # a Retry-After says exactly when to come back: the window the message names is learnt only without one
            window = error.throttle_window if _retry_after(response) is None else None
            return throttle.throttled(hold, sent_at, paced, retrying, window=window)
        if throttle is not None and response.status_code < 500:
            throttle.succeeded()
        if error is not None and error.status in PROJECT_DOUBT_STATUSES and project_scoped and self._project_id_cached:
            # what a wrong project id would get: this task goes on with it, the next one asks IAM again
            self.shared.forget_project_id(self._project_key)
            self._project_id_cached = False
        return None

    def _headers(self, method, url, params, body, project_scoped):
        headers = {"Content-Type": "application/json"}
        values = self.settings.values
        if project_scoped and self._project_id:
            headers["X-Project-Id"] = self._project_id
        if values.get("auth_token"):
            headers["X-Auth-Token"] = values["auth_token"]
            return headers
        if values.get("security_token"):
            headers["X-Security-Token"] = values["security_token"]
        parts = urlsplit(url)
        return signer.sign(method, parts.netloc, parts.path, params, headers, body,
                           values["access_key"], values["secret_key"])

    @staticmethod
    def _error_from_response(response, method, path):
        request_id = (response.headers.get("X-Request-Id") or response.headers.get("X-Openstack-Request-Id")
                      or response.headers.get("X-IAM-Trace-Id"))
        code, msg = None, None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            error = payload.get("error") if isinstance(payload.get("error"), dict) else payload
            code = error.get("error_code") or error.get("code")
            msg = error.get("error_msg") or error.get("message")
        if not msg:
            msg = (response.reason or "error") if not response.text else response.text[:255]
        return ApiError(response.status_code, code, msg, method, path, request_id)

    @staticmethod
    def _error_from_connection(exc, connection, method, path, base):
        if connection == MAYBE_SENT and method not in READ_METHODS:
            detail = ("the connection failed after the request was sent, so it may have been applied; "
                      "re-read the state before trying again (%s)" % type(exc).__name__)
        else:
            detail = "cannot reach %s (%s)" % (urlsplit(base).netloc, type(exc).__name__)
        return ApiError(None, None, detail, method, path)

    @staticmethod
    def _decode(response, method, path):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError(response.status_code, None, "the response is not JSON", method, path,
                           response.headers.get("X-Request-Id"))

    def request(self, method, path, params=None, body=None, base=None, project_scoped=True):
        """Send one API call and return the decoded JSON body (None when empty).

        ``path`` may contain ``{project_id}``. Failures are retried as
        :attr:`retry_policy` says (see :data:`RETRY_RULES`).
        """
        method = method.upper()
        if "{project_id}" in path:
            path = path.replace("{project_id}", self.project_id)
        params = [(k, v) for k, v in (params or {}).items() if v is not None]
        query = signer.canonical_query_string(params)
        base = base or self.settings.endpoint
        url = base + path + ("?" + query if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        timeout = self.settings.values.get("request_timeout") or DEFAULT_TIMEOUT
        verify = self.settings.values.get("validate_certs")
        verify = True if verify is None else verify

        attempt, slot = 0, None
        while True:
            sent = self._pace(base, slot)
            headers = self._headers(method, url, params, data, project_scoped)  # signed afresh: X-Sdk-Date moves
            response, connection = None, None
            self.requests_sent += 1
            try:
                response = self.session.request(method, url, data=data or None, headers=headers,
                                                timeout=timeout, verify=verify, allow_redirects=False)
            except (RequestsConnectionError, Timeout) as exc:
                connection = connection_failure(exc)
                error = self._error_from_connection(exc, connection, method, path, base)
            except RequestException as exc:
                # Invalid URL/header and the like: the message may quote a header value, so only the type is kept.
                raise ApiError(None, None, "the request could not be sent (%s)" % type(exc).__name__, method, path)
            else:
                if 200 <= response.status_code < 300:
                    self._learn(base, sent, response)
                    return self._decode(response, method, path)
                error = self._error_from_response(response, method, path)
            retrying = self.retry_policy.should_retry(attempt, method, error, connection)
            delay = None
            if retrying or error.throttled:  # a throttled answer holds everyone, also when this one gives up
                window = (error.throttle_window or True) if error.throttled else None  # (a Retry-After wins)
                delay = self.retry_policy.delay(attempt, _retry_after(response), self._rand, window)
                if retrying and error.throttled and delay > SHORT_WAIT and self.deadline is not None \
                        and self._monotonic() + delay > self.deadline:
                    # the hold would outlast the task: say so rather than sleep past its deadline
                    retrying, error = False, with_hint(error, "not retried: waiting %ds for the service would pass "
                                                       "the task's deadline" % delay)
            slot = self._learn(base, sent, response, error, project_scoped, retrying,
                               hold=delay if error.throttled else None)
            if not retrying:
                raise error
            if slot is None:
                self._sleep(delay)  # else the slot is after the hold: pacing to it is the wait
            attempt += 1
            self.retries += 1

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def paginate(self, path, params=None, key="items", limit=PAGE_LIMIT):
        """All items of an ``offset``/``limit`` listing; stops on ``count`` or a short page."""
        items, offset = [], 0
        query = dict(params or {})
        while True:
            query.update(offset=offset, limit=limit)
            page = self.get(path, query) or {}
            chunk = page.get(key) or []
            items.extend(chunk)
            offset += len(chunk)
            count = page.get("count")
            if not chunk or len(chunk) < limit or (count is not None and offset >= count):
                return items
