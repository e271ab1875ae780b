"""The HTTP front end: one loopback server for the AppStream API, the IAM bits and ``/_sim`` control.

Request pipeline (the order a gateway in front of the service would use):

1. route lookup: unknown path -> 404 ``APIGW.0101``;
2. authentication (AppStream and ``GET /v3/projects``) -> 401 ``APIGW.0301``/``0307``;
3. injected fault (scripted first, then seeded random), then the real rate limit -> 429 ``APIGW.0308``, then the
   dialect's windowed throttle per credential (``throttle_window``) -> 429 ``APIG.0308`` without ``Retry-After``;
4. wrong method -> 405, foreign project id in the path -> 403;
5. the handler, under the fleet lock (400/404/409 from validation and business rules).
"""

import json
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import api, errors, routing
from .auth import Authenticator, make_credentials
from .errors import ApiError
from .faults import FaultInjector, RateLimiter
from .log import RequestLog
from .state import FleetState


class Simulator:
    """A stateful HTTP simulator of the Huawei Cloud Workspace AppStream API (plus IAM project/token calls).

    Use ``start()``/``stop()`` or a ``with`` block. ``state`` is the fleet
    (:class:`~simulator.state.FleetState`), ``log`` the request log
    (:class:`~simulator.log.RequestLog`), ``faults`` the fault injector
    (:class:`~simulator.faults.FaultInjector`), ``credentials`` the
    account's secrets and ids.
    """

    def __init__(self, servers=100, groups=2, seed=0, job_duration=2.0, region="cn-north-4", outdated_hda=0.0,
                 hide_route_policy=False, rate_limit=None, token_ttl=24 * 3600, verbose=False, session_drain=None,
                 images=None, dialect=None):
        self.seed = seed
        self.region = region
        self.verbose = verbose
        self.state = FleetState(servers=servers, groups=groups, seed=seed, job_duration=job_duration, region=region,
                                outdated_hda=outdated_hda, hide_route_policy=hide_route_policy,
                                session_drain=session_drain, images=images, dialect=dialect)
        self.dialect = self.state.dialect  # how the simulator answers (simulator/dialect.py); off by default
        self.credentials = make_credentials(seed, self.state.project_id, region)
        self.auth = Authenticator(self.credentials, self.state.clock, token_ttl=token_ttl)
        token, _unused = self.auth.issue_token()
        self.credentials["auth_token"] = token
        self.log = RequestLog()
        self.faults = FaultInjector(seed=seed)
        self.rate_limiter = RateLimiter(rate_limit) if rate_limit else None
        self._hooks = []
        self._httpd = None
        self._thread = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, host="127.0.0.1", port=0):
        """Serve on ``host:port`` (0: an ephemeral port) in a daemon thread; return self."""
        if self._httpd is not None:
            raise RuntimeError("simulator already started")
        self._httpd = _Server((host, port), _Handler, self)
        # stop() waits up to one poll interval for serve_forever to notice; keep it short for fast test teardown.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="appstream-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close every open connection."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        return self if self._httpd is not None else self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        """``http://HOST:PORT`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("simulator not started")
        host, port = self._httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    @property
    def port(self):
        """The TCP port served."""
        return self._httpd.server_address[1]

    def issue_token(self, ttl=None):
        """A fresh IAM token (for ``X-Auth-Token``) valid ``ttl`` seconds (default 24 h)."""
        return self.auth.issue_token(ttl)[0]

    def ready_info(self):
        """What the CLI prints once serving: url, credentials and the groups."""
        return {"url": self.url, "credentials": dict(self.credentials),
                "groups": [{"id": group["id"], "name": group["name"]} for group in self.state.groups.values()]}

    def before(self, operation, callback, once=True):
        """Call ``callback(sim, body)`` just before the next ``operation`` request is handled.

        It runs under the state lock, after authentication and faults, so a test can make
        something happen "at the same time" as a request (another operator starting a job)
        without racing the client.
        """
        self._hooks.append((operation, callback, once))

    def _run_hooks(self, operation, body):
        for hook in list(self._hooks):
            if hook[0] == operation:
                if hook[2]:
                    self._hooks.remove(hook)
                hook[1](self, body)

    # ------------------------------------------------------------------ request processing

    def process(self, method, raw_target, headers, body):
        """Handle one request; return (status, headers, body bytes, action, log record).

        ``action`` is None, ``"drop"`` (send nothing) or ``"lost_response"``
        (the request was applied; send nothing). An ``applied_error500`` fault
        lets the handler run, then answers 500 instead of its answer.
        """
        raw_path, _unused, raw_query = raw_target.partition("?")
        path = unquote(raw_path)
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        query_pairs = parse_qsl(raw_query, keep_blank_values=True)
        query = dict(query_pairs)
        request_id = uuid.uuid4().hex
        area = api.area_of(path)
        route, params = api.match_route(method, path)
        record = {
            "time": time.time(), "method": method, "path": raw_path, "query": query, "status": None,
            "mutating": area == "api" and method != "GET", "operation": route.operation if route else None,
            "items": None, "body": None, "fault": None, "auth": None, "request_id": request_id,
        }
        action = None
        extra_headers = {}
        json_body, bad_json = _decode_json(body)
        record["body"] = _redact(json_body)
        if record["mutating"] and route is not None:
            record["items"] = api.mutated_items(route.operation, json_body)
        try:
            if route is None:
                raise ApiError(404, errors.API_NOT_FOUND)
            if area == "api" or route.operation == "keystone_list_projects":
                record["auth"] = self.auth.authenticate(method, raw_path, query_pairs, headers, body)
            action = self._gate(method, path, area, record, headers)
            if params is None:
                raise ApiError(405, errors.METHOD_NOT_ALLOWED, "%s is not supported on this resource." % method)
            project_id = params.get("project_id")
            if project_id is not None and project_id != self.credentials["project_id"]:
                raise ApiError(403, errors.FORBIDDEN)
            if bad_json:
                raise ApiError(400, errors.INVALID_MESSAGE, "The body is not valid JSON.")
            call = routing.Call(method, path, params, query, query_pairs, headers, body, json_body)
            if area == "api":
                with self.state.lock:
                    self._run_hooks(route.operation, json_body)
                    self.state.advance()
                    reply = route.handler(self, call)
                    payload = self._encode(reply.payload)
            else:
                reply = route.handler(self, call)
                payload = self._encode(reply.payload)
            status = reply.status
            extra_headers.update(reply.headers)
            if action == "applied_error500":
                action, error = None, ApiError(500, errors.INTERNAL_ERROR)
                status, payload = error.status, self._encode(error.body())
        except _Drop:
            action, status, payload = "drop", None, b""
        except ApiError as exc:
            status, payload = exc.status, self._encode(exc.body())
            extra_headers.update(exc.headers)
        except Exception:  # a simulator bug must still answer like a service, and say what happened
            traceback.print_exc(file=sys.stderr)
            error = ApiError(500, errors.INTERNAL_ERROR)
            status, payload = error.status, self._encode(error.body())
        if action == "applied_error500":
            action = None  # the handler refused the request itself: its answer stands
        record["status"] = None if action else status
        extra_headers["X-Request-Id"] = request_id
        self.log.append(record)
        return status, extra_headers, payload, action, record

    def _gate(self, method, path, area, record, headers=None):
        """Injected faults, the real rate limit and the dialect's windowed throttle; returns a deferred action or
        raises the fault's error."""
        fault = self.faults.decide(method, path, area)
        record["fault"] = fault
        if fault == "throttle":
            raise self._throttled(self.faults.retry_after, limit=60)
        if fault == "error500":
            raise ApiError(500, errors.INTERNAL_ERROR)
        if fault == "error503":
            raise ApiError(503, errors.SERVICE_UNAVAILABLE)
        if fault == "drop":
            raise _Drop()
        if area == "api" and self.rate_limiter is not None:
            wait = self.rate_limiter.acquire()
            if wait:
                record["fault"] = "rate_limit"
                raise self._throttled(wait, limit=self.rate_limiter.per_minute)
        if area == "api" and self.dialect.throttle_window is not None:
            refusal = self.dialect.throttle(self.auth.principal(headers or {}), self.state.clock.monotonic())
            if refusal is not None:
                record["fault"] = "throttle_window"
                raise refusal
        return fault if fault in ("lost_response", "applied_error500") else None

    @staticmethod
    def _throttled(retry_after, limit):
        return ApiError(429, errors.THROTTLED, "policy user over ratelimit,limit:%d,time:1 minute" % limit,
                        headers={"Retry-After": str(int(retry_after))})

    @staticmethod
    def _encode(payload):
        if payload is routing.EMPTY:
            return b""
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _redact(value):
    """A copy of a JSON value with every ``password`` replaced, so the request log never holds one."""
    if isinstance(value, dict):
        return {key: "******" if key == "password" and isinstance(item, str) else _redact(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value


def _decode_json(body):
    """(parsed JSON or None, True when the body is not JSON)."""
    if not body:
        return None, False
    try:
        return json.loads(body.decode("utf-8")), False
    except (UnicodeDecodeError, ValueError):
        return None, True


class _Drop(Exception):
    """Raised by the fault gate: close the connection without answering."""


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server that remembers its open connections so stop() can close them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, simulator):
        self.simulator = simulator
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Shut down keep-alive connections still open (their handler threads then end)."""
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to Simulator.process() and writes (or withholds) the answer."""

    protocol_version = "HTTP/1.1"
    # Buffer the response so status line, headers and body leave in one segment (handle_one_request flushes);
    # separate small writes meet Nagle + delayed ACK and cost ~40 ms per request.
    wbufsize = -1

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return "api-gateway"

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self):
        sim = self.server.simulator
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        status, headers, payload, action, record = sim.process(self.command, self.path, self.headers, body)
        if action is not None:
            # drop / lost_response: no status line at all, then close.
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)
        if sim.verbose:
            sys.stderr.write("%s %s -> %s %s\n" % (self.command, self.path.partition("?")[0], status,
                                                   record.get("operation")))

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by BaseHTTPRequestHandler
        # http.server logs every request to stderr; the simulator logs only when verbose (see _serve).
        pass
