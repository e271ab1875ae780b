"""client.py: signed requests, retries (the rule table and on the wire), error parsing, paging.

HTTP goes to a real loopback server (pytest-httpserver, or a raw socket server
for a connection dropped mid-request); delays are recorded, never slept.
Connection settings are tested in test_connection.py, the project lookup in test_iam.py.
"""

import json
import time
import socket
import threading

import pytest
import requests

from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ProtocolError
from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client, connection, errors

# the same values as conftest.py (test modules cannot import conftest under --import-mode=importlib)
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "MIIEXAMPLEtokenVALUE-" + "x" * 40
SECURITY_TOKEN = "gQpTEMPORARYsecurityTOKEN+/=" + "y" * 30


def sequence(*responses):
    """A handler answering with ``responses`` in turn; the last one repeats."""
    queue = list(responses)

    def handler(request):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def error_response(status, code="WKS.00129901", msg="The service is now unavailable to process the request.",
                   headers=None):
    return Response(json.dumps({"error_code": code, "error_msg": msg}), status=status,
                    headers=headers or {}, content_type="application/json")


def ok(payload=None):
    return Response(json.dumps(payload if payload is not None else {"ok": True}), status=200,
                    content_type="application/json")


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class DroppingServer:
    """Reads each whole request, then closes the connection without answering.

    With ``hold`` it keeps the connection open (silent) until it is closed itself.
    """

    def __init__(self, hold=False):
        self.hold = hold
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read_request(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _unused, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _unused, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _unused = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                self.requests.append(self._read_request(conn))
                if self.hold:
                    self._held.append(conn)
                    continue
            except OSError:
                pass
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def holding_server():
    server = DroppingServer(hold=True)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def dropping_server():
    server = DroppingServer()
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------------------
# Client.request: signing and wire format
# ---------------------------------------------------------------------------

def test_aksk_request_is_signed_and_carries_project_and_security_token(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID, method="GET").respond_with_json({"items": []})
    api_client, _unused = make_client(security_token=SECURITY_TOKEN)
    assert api_client.request("GET", "/v1/{project_id}/app-servers",
                              params={"server_name": "a b", "limit": 10, "maintain_status": "true",
                                      "empty": None}) == {"items": []}
    (request, _unused), = httpserver.log
    assert request.query_string == b"limit=10&maintain_status=true&server_name=a%20b"
    assert_signed(request)
    assert request.headers["X-Project-Id"] == PROJECT_ID
    assert request.headers["X-Security-Token"] == SECURITY_TOKEN
    assert "x-security-token" in request.headers["Authorization"].split("SignedHeaders=")[1]
    assert "x-project-id" in request.headers["Authorization"].split("SignedHeaders=")[1]
    assert "X-Auth-Token" not in request.headers
    assert request.headers["User-Agent"].startswith("huaweicloud.workspace_app/")


def test_query_is_sorted_and_percent_encoded(httpserver, make_client, assert_signed):
    httpserver.expect_request("/q").respond_with_json({})
    api_client, _unused = make_client()
    api_client.request("GET", "/q", params={"z": "1", "a": "x y+z/ü*", "m": "~_.-"})
    (request, _unused), = httpserver.log
    assert request.query_string == b"a=x%20y%2Bz%2F%C3%BC%2A&m=~_.-&z=1"
    assert request.args["a"] == "x y+z/ü*"
    assert_signed(request)


def test_json_body_is_sent_and_signed(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-server-groups/g1" % PROJECT_ID, method="PATCH").respond_with_json(
        {"id": "g1"})
    api_client, _unused = make_client()
    body = {"description": "Gruppe für Tests 中文", "route_policy": {"max_session": 3}}
    assert api_client.request("patch", "/v1/{project_id}/app-server-groups/g1", body=body) == {"id": "g1"}
    (request, _unused), = httpserver.log
    assert request.method == "PATCH"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data().decode("utf-8")) == body
    assert "中文".encode("utf-8") in request.get_data()  # ensure_ascii=False, UTF-8 on the wire
    assert_signed(request)


def test_token_mode_sends_x_auth_token_and_no_signature(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_json({"count": 0})
    api_client, _unused = make_client(access_key=None, secret_key=None, auth_token=TOKEN)
    assert api_client.get("/v1/{project_id}/app-servers") == {"count": 0}
    (request, _unused), = httpserver.log
    assert request.headers["X-Auth-Token"] == TOKEN
    assert "Authorization" not in request.headers
    assert "X-Sdk-Date" not in request.headers
    assert request.headers["X-Project-Id"] == PROJECT_ID


def test_unscoped_request_has_no_project_header(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v3/auth/projects").respond_with_json({"projects": []})
    api_client, _unused = make_client()
    api_client.request("GET", "/v3/auth/projects", project_scoped=False)
    (request, _unused), = httpserver.log
    assert "X-Project-Id" not in request.headers
    assert_signed(request)


def test_project_id_placeholder_replaced_everywhere(httpserver, make_client):
    path = "/v2/%s/job/%s" % (PROJECT_ID, PROJECT_ID)
    httpserver.expect_request(path).respond_with_json({"id": "x"})
    api_client, _unused = make_client()
    api_client.get("/v2/{project_id}/job/{project_id}")
    assert [req.path for req, _unused in httpserver.log] == [path]


@pytest.mark.parametrize("status", [200, 202, 204])
def test_empty_success_body_is_none(httpserver, make_client, status):
    httpserver.expect_request("/empty").respond_with_data(b"", status=status)
    api_client, _unused = make_client()
    assert api_client.request("POST", "/empty", body={}) is None


def test_success_body_that_is_not_json(httpserver, make_client):
    httpserver.expect_request("/html").respond_with_data("<html>", status=200, headers={"X-Request-Id": "rq-1"})
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/html")
    assert (info.value.status, info.value.request_id) == (200, "rq-1")
    assert "not JSON" in info.value.error_msg


def test_redirect_is_not_followed(httpserver, make_client):
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "http://example.com/"})
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/moved")
    assert info.value.status == 302
    assert len(httpserver.log) == 1


# ---------------------------------------------------------------------------
# the retry table
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method, status, code, failed, rule", [
    ("GET", 503, None, None, "server error"),
    ("GET", 500, None, None, "server error"),
    ("GET", 502, None, None, "server error"),
    ("GET", 504, None, None, "server error"),
    ("GET", 501, None, None, None),
    ("GET", 400, "WKS.00211102", None, None),
    ("GET", 429, None, None, "throttled"),
    ("PATCH", 503, None, None, None),
    ("POST", 500, None, None, None),
    ("DELETE", 502, None, None, None),
    ("PATCH", 429, None, None, "throttled"),
    ("POST", 403, "APIGW.0308", None, "throttled"),
    ("PATCH", 503, "APIGW.0308", None, "throttled"),
    ("POST", None, None, client.NOT_SENT, "never reached the service"),
    ("GET", None, None, client.NOT_SENT, "never reached the service"),
    ("POST", None, None, client.MAYBE_SENT, None),
    ("PATCH", None, None, client.MAYBE_SENT, None),
    ("GET", None, None, client.MAYBE_SENT, "connection failed after sending"),
])
def test_retry_rules(method, status, code, failed, rule):
    found = client.RetryPolicy().rule_for(method, errors.ApiError(status, code, "m", method, "/p"), failed)
    assert (found.name if found else None) == rule


def test_should_retry_stops_at_max_retries():
    policy = client.RetryPolicy(max_retries=2)
    error = errors.ApiError(503, None, "m", "GET", "/p")
    assert [policy.should_retry(attempt, "GET", error) for attempt in range(4)] == [True, True, False, False]
    assert not client.RetryPolicy(max_retries=0).should_retry(0, "GET", error)
    assert not policy.should_retry(0, "PATCH", error)


@pytest.mark.parametrize("attempt, rand, retry_after, expected", [
    (0, 1.0, None, 1.0), (3, 0.5, None, 4.0), (10, 1.0, None, 30.0), (10, 0.0, None, 0.0),
    (0, 0.5, 7.0, 7.0), (0, 0.5, 0.2, 0.5), (0, 0.5, 120.0, 120.0), (0, 0.5, 600.0, 120.0), (10, 1.0, 600.0, 120.0),
])
def test_delay_is_jittered_backoff_and_retry_after_up_to_its_cap(attempt, rand, retry_after, expected):
    assert client.RetryPolicy().delay(attempt, retry_after, lambda: rand) == pytest.approx(expected)


def test_delay_caps_are_settable():
    policy = client.RetryPolicy(backoff_base=0.5, backoff_cap=2.0, retry_after_cap=5.0)
    assert [policy.delay(n, None, lambda: 1.0) for n in range(4)] == [0.5, 1.0, 2.0, 2.0]
    assert policy.delay(0, 60.0, lambda: 1.0) == 5.0


@pytest.mark.parametrize("exc, failed", [
    (requests.exceptions.ConnectTimeout(), client.NOT_SENT),
    (requests.exceptions.SSLError(), client.NOT_SENT),
    (requests.exceptions.ConnectionError(MaxRetryError(None, "/", ConnectTimeoutError())), client.NOT_SENT),
    (requests.exceptions.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused"))),
     client.NOT_SENT),
    (requests.exceptions.ReadTimeout(), client.MAYBE_SENT),
    (requests.exceptions.ConnectionError(ProtocolError("Connection aborted.")), client.MAYBE_SENT),
    (requests.exceptions.ConnectionError(), client.MAYBE_SENT),
])
def test_connection_failure_is_not_sent_only_when_provably_so(exc, failed):
    assert client.connection_failure(exc) == failed


class FailingSession(requests.Session):
    """A real session whose first calls raise ``failures`` instead of sending anything."""

    def __init__(self, *failures):
        super(FailingSession, self).__init__()
        self.failures = list(failures)

    def request(self, method, url, *args, **kwargs):
        if self.failures:
            raise self.failures.pop(0)
        return super(FailingSession, self).request(method, url, *args, **kwargs)


@pytest.fixture
def client_with_session(httpserver, isolated_home):
    def make(session):
        settings = connection.resolve_connection(dict(region="cn-north-4", project_id=PROJECT_ID, access_key="ak",
                                                      secret_key=SK, endpoint=httpserver.url_for("/"),
                                                      max_retries=3), {})
        delays = []
        return client.Client(settings, session=session, sleep=delays.append, rand=lambda: 0.5), delays

    return make


@pytest.mark.parametrize("failure", [
    requests.exceptions.ConnectTimeout(),
    requests.exceptions.ConnectionError(MaxRetryError(None, "/", ConnectTimeoutError())),
])
def test_post_retried_after_connect_timeout(httpserver, client_with_session, failure):
    httpserver.expect_request("/m", method="POST").respond_with_json({"job_id": "j"})
    api_client, delays = client_with_session(FailingSession(failure))
    assert api_client.request("POST", "/m", body={"items": ["a"]}) == {"job_id": "j"}
    assert (api_client.requests_sent, api_client.retries, delays) == (2, 1, [0.5])
    assert len(httpserver.log) == 1


def test_post_not_retried_after_read_timeout(httpserver, client_with_session):
    api_client, delays = client_with_session(FailingSession(requests.exceptions.ReadTimeout()))
    with pytest.raises(errors.ApiError) as info:
        api_client.request("POST", "/m", body={"items": ["a"]})
    assert (api_client.requests_sent, api_client.retries, delays) == (1, 0, [])
    assert info.value.status is None
    assert info.value.error_msg == ("the connection failed after the request was sent, so it may have been applied; "
                                    "re-read the state before trying again (ReadTimeout)")
    assert httpserver.log == []


def test_retry_after_is_capped_on_the_wire(httpserver, make_client):
    httpserver.expect_request("/r").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"Retry-After": "600"}), ok()))
    api_client, sleep = make_client()
    api_client.get("/r")
    assert sleep.delays == [120.0]


def test_the_client_is_the_transport_only():
    """Settings come from connection.py and errors from errors.py; client.py does not hand them on."""
    assert not hasattr(client, "resolve_connection") and not hasattr(client, "ConnectionSettings")
    assert client.HAS_REQUESTS and client.REQUESTS_IMPORT_ERROR is None and client.PAGE_LIMIT == 100
    assert errors.ApiError and connection.resolve_connection


# ---------------------------------------------------------------------------
# retries
# ---------------------------------------------------------------------------

def test_get_retried_on_429_without_retry_after(httpserver, make_client, assert_signed):
    httpserver.expect_request("/r").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled"), ok({"n": 1})))
    api_client, sleep = make_client()
    assert api_client.get("/r") == {"n": 1}
    assert len(httpserver.log) == 2
    # no Retry-After and no window named: 5 s at first (equal jitter: rand 0.5 -> 3/4 of it), doubling up to 60 s
    assert sleep.delays == [3.75]
    assert api_client.retries == 1 and api_client.requests_sent == 2
    for request, _unused in httpserver.log:
        assert_signed(request)


WINDOW_MESSAGE = "The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:1 minute"


@pytest.mark.parametrize("text, window", [
    (WINDOW_MESSAGE, (5, 60)), ("policy user over ratelimit,limit:100,time:10 second", (100, 10)),
    ("limit: 20, time: 2 minutes", (20, 120)), ("limit:3,time:1 hour", (3, 3600)), ("limit:3,time:1s", (3, 1)),
    ("limit:3,time:500 ms", None), ("limit:0,time:1 minute", None), ("The throttling threshold has been reached", None),
    (None, None),
])
def test_the_window_a_throttled_answer_names(text, window):
    assert errors.throttle_window(text) == window


@pytest.mark.parametrize("status, code", [(429, "APIG.0308"), (429, "APIGW.0308"), (403, "APIG.0308"), (429, None)])
def test_a_429_without_retry_after_holds_for_the_window_it_names(httpserver, make_client, status, code):
    httpserver.expect_request("/r", method="PATCH").respond_with_handler(sequence(
        error_response(status, code, WINDOW_MESSAGE), ok({"job_id": "1"})))
    api_client, sleep = make_client()
    assert api_client.request("PATCH", "/r", body={"items": ["s1"]}) == {"job_id": "1"}
    assert sleep.delays == [63.0]  # the minute, and up to 10 % more (rand 0.5: 5 %), mutations alike
    assert len(httpserver.log) == 2


def test_a_429_naming_no_window_backs_off_beyond_a_minute(httpserver, make_client):
    httpserver.expect_request("/r").respond_with_handler(sequence(*(
        [error_response(429, "APIG.0308", "The throttling threshold has been reached")] * 5 + [ok({"n": 1})])))
    api_client, sleep = make_client(max_retries=5, rand=lambda: 0.0)
    assert api_client.get("/r") == {"n": 1}
    assert sleep.delays == [2.5, 5.0, 10.0, 20.0, 30.0]  # the least the jitter gives: 67.5 s in all
    assert sum(sleep.delays) > 60


def test_a_hold_that_would_pass_the_deadline_is_not_made(httpserver, make_client):
    httpserver.expect_request("/r").respond_with_handler(sequence(error_response(429, "APIG.0308", WINDOW_MESSAGE)))
    api_client, sleep = make_client()
    api_client.deadline = time.monotonic() + 30
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/r")
    assert sleep.delays == [] and len(httpserver.log) == 1
    assert info.value.throttled and "would pass the task's deadline" in info.value.message
    assert "limit:5,time:1 minute" in info.value.message


def test_short_backoffs_past_the_deadline_are_still_made(httpserver, make_client):
    """The read after a wait's deadline (which tells where the jobs are) keeps its retries of a 503 or a short hold."""
    httpserver.expect_request("/r").respond_with_handler(sequence(error_response(503), ok({"n": 1})))
    api_client, sleep = make_client()
    api_client.deadline = time.monotonic() - 1
    assert api_client.get("/r") == {"n": 1} and sleep.delays == [0.5]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_401_is_never_retried(httpserver, make_client, method):
    httpserver.expect_request("/a").respond_with_handler(sequence(error_response(401, "APIGW.0301", "signature")))
    api_client, sleep = make_client()
    with pytest.raises(errors.ApiError):
        api_client.request(method, "/a", body=None if method == "GET" else {})
    assert len(httpserver.log) == 1 and sleep.delays == []


@pytest.mark.parametrize("retry_after, expected", [("7", 7.0), ("0.2", 0.5), ("2.5", 2.5), ("soon", 3.75)])
def test_429_honours_retry_after(httpserver, make_client, retry_after, expected):
    httpserver.expect_request("/r").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"Retry-After": retry_after}), ok()))
    api_client, sleep = make_client()
    api_client.get("/r")
    assert sleep.delays == [expected]
    if retry_after.replace(".", "").isdigit():
        assert sleep.delays[0] >= float(retry_after)


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST"])
def test_throttle_code_with_other_status_is_retried(httpserver, make_client, method):
    httpserver.expect_request("/t").respond_with_handler(sequence(
        error_response(403, "APIGW.0308", "The throttling threshold has been reached"), ok({"done": True})))
    api_client, sleep = make_client()
    assert api_client.request(method, "/t", body=None if method == "GET" else {"items": ["s1"]}) == {"done": True}
    assert len(httpserver.log) == 2
    assert len(sleep.delays) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_retried_on_5xx(httpserver, make_client, assert_signed, status):
    httpserver.expect_request("/s").respond_with_handler(sequence(
        error_response(status), error_response(status), ok({"fine": 1})))
    api_client, sleep = make_client()
    assert api_client.get("/s") == {"fine": 1}
    assert len(httpserver.log) == 3
    assert sleep.delays == [0.5, 1.0]
    for request, _unused in httpserver.log:
        assert_signed(request)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_get_not_retried_on_other_errors(httpserver, make_client, status):
    httpserver.expect_request("/n").respond_with_handler(sequence(error_response(status, "WKS.00211102", "bad")))
    api_client, sleep = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/n")
    assert info.value.status == status
    assert len(httpserver.log) == 1
    assert sleep.delays == []


def test_get_gives_up_after_max_retries_with_full_error(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_handler(sequence(
        error_response(503, "WKS.00129901", "The service is now unavailable to process the request.",
                       headers={"X-Request-Id": "req-0123"})))
    api_client, sleep = make_client(max_retries=4)
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/v1/{project_id}/app-servers", {"limit": 1})
    exc = info.value
    assert len(httpserver.log) == 5
    assert len(sleep.delays) == 4
    assert (exc.status, exc.error_code, exc.method, exc.path, exc.request_id) == (
        503, "WKS.00129901", "GET", "/v1/%s/app-servers" % PROJECT_ID, "req-0123")
    assert exc.error_msg == "The service is now unavailable to process the request."
    assert api_client.retries == 4


def test_max_retries_zero_means_one_attempt(httpserver, make_client):
    httpserver.expect_request("/z").respond_with_handler(sequence(error_response(429, "APIGW.0308", "slow down")))
    api_client, sleep = make_client(max_retries=0)
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/z")
    assert info.value.status == 429 and info.value.throttled
    assert len(httpserver.log) == 1
    assert sleep.delays == []


def test_max_retries_default_is_five(httpserver, make_client):
    httpserver.expect_request("/d").respond_with_handler(sequence(error_response(502)))
    api_client, sleep = make_client(max_retries=None)
    with pytest.raises(errors.ApiError):
        api_client.get("/d")
    assert len(httpserver.log) == 6
    assert len(sleep.delays) == 5


@pytest.mark.parametrize("rand_value, expected", [
    (0.5, [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]),
    (1.0, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]),
    (0.0, [0.0] * 7),
    (0.25, [0.25, 0.5, 1.0, 2.0, 4.0, 7.5, 7.5]),
])
def test_backoff_is_full_jitter_exponential_and_capped(httpserver, make_client, rand_value, expected):
    httpserver.expect_request("/b").respond_with_handler(sequence(error_response(503)))
    api_client, sleep = make_client(max_retries=7, rand=lambda: rand_value)
    with pytest.raises(errors.ApiError):
        api_client.get("/b")
    assert sleep.delays == pytest.approx(expected)


def test_backoff_draws_a_new_random_number_each_time(httpserver, make_client):
    draws = iter([0.1, 0.9, 0.3])
    httpserver.expect_request("/b").respond_with_handler(sequence(error_response(500)))
    api_client, sleep = make_client(max_retries=3, rand=lambda: next(draws))
    with pytest.raises(errors.ApiError):
        api_client.get("/b")
    assert sleep.delays == pytest.approx([0.1, 1.8, 1.2])


def test_get_retried_on_connection_refused(make_client):
    port = closed_port()
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % port, max_retries=2)
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/v1/{project_id}/app-servers")
    exc = info.value
    assert api_client.requests_sent == 3
    assert sleep.delays == [0.5, 1.0]
    assert exc.status is None and exc.error_code is None
    assert "cannot reach 127.0.0.1:%d" % port in exc.error_msg
    assert "no response" in exc.message


def test_every_attempt_is_signed_afresh(httpserver, make_client, assert_signed):
    httpserver.expect_request("/again", method="PATCH").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled"), error_response(429, "APIGW.0308", "throttled"),
        ok({"job_id": "j1"})))
    api_client, _unused = make_client()
    assert api_client.request("PATCH", "/again", body={"items": ["s1", "s2"]}) == {"job_id": "j1"}
    assert len(httpserver.log) == 3
    bodies = set()
    for request, _unused in httpserver.log:
        assert_signed(request)
        assert request.headers["X-Sdk-Date"]
        bodies.add(request.get_data())
    assert bodies == {json.dumps({"items": ["s1", "s2"]}).encode()}


# ---------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["PATCH", "POST", "DELETE"])
def test_mutation_retried_on_429(httpserver, make_client, method):
    httpserver.expect_request("/m", method=method).respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"Retry-After": "3"}), ok({"job_id": "j"})))
    api_client, sleep = make_client()
    assert api_client.request(method, "/m", body={"items": ["a"]}) == {"job_id": "j"}
    assert len(httpserver.log) == 2
    assert sleep.delays == [3.0]


@pytest.mark.parametrize("method", ["PATCH", "POST"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_mutation_not_retried_on_5xx(httpserver, make_client, method, status):
    httpserver.expect_request("/m", method=method).respond_with_handler(sequence(
        error_response(status, "WKS.00211401", "The requested operation failed. Please try again later.",
                       headers={"X-Request-Id": "rid-5"}), ok()))
    api_client, sleep = make_client(max_retries=5)
    with pytest.raises(errors.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert len(httpserver.log) == 1
    assert sleep.delays == []
    assert (info.value.status, info.value.error_code, info.value.request_id) == (status, "WKS.00211401", "rid-5")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_not_retried_when_connection_dropped_after_sending(dropping_server, make_client, method):
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % dropping_server.port, max_retries=5)
    with pytest.raises(errors.ApiError) as info:
        api_client.request(method, "/v1/{project_id}/app-servers/actions/batch-update-tsvi",
                           body={"items": [{"id": "s1"}]})
    exc = info.value
    assert len(dropping_server.requests) == 1
    assert dropping_server.requests[0].startswith(method.encode() + b" /v1/")
    assert dropping_server.requests[0].endswith(b'{"items": [{"id": "s1"}]}')
    assert sleep.delays == []
    assert exc.status is None
    assert "may have been applied" in exc.error_msg
    assert exc.method == method and exc.path == "/v1/%s/app-servers/actions/batch-update-tsvi" % PROJECT_ID


def test_get_retried_when_connection_dropped(dropping_server, make_client):
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % dropping_server.port, max_retries=2)
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/x")
    assert len(dropping_server.requests) == 3
    assert len(sleep.delays) == 2
    assert info.value.status is None
    assert "may have been applied" not in info.value.error_msg


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_retried_on_connection_refused(make_client, method):
    port = closed_port()
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % port, max_retries=3)
    with pytest.raises(errors.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert api_client.requests_sent == 4
    assert sleep.delays == [0.5, 1.0, 2.0]
    assert "cannot reach" in info.value.error_msg
    assert "may have been applied" not in info.value.error_msg


def test_mutation_over_failed_tls_handshake_is_not_reported_as_maybe_applied(httpserver, make_client):
    # https:// against the plain-HTTP test server: the TLS handshake fails before any request is sent
    api_client, _unused = make_client(endpoint="https://localhost:%d" % httpserver.port, max_retries=0)
    with pytest.raises(errors.ApiError) as info:
        api_client.request("PATCH", "/m", body={"items": ["a"]})
    assert all(req.method != "PATCH" for req, _unused in httpserver.log)
    assert "may have been applied" not in info.value.error_msg


@pytest.mark.parametrize("method, connections", [("GET", 3), ("PATCH", 1)])
def test_read_timeout(holding_server, make_client, method, connections):
    """No answer within request_timeout: reads are retried, a mutation is not (it may have been applied)."""
    api_client, sleep = make_client(endpoint="http://127.0.0.1:%d" % holding_server.port, max_retries=2,
                                    request_timeout=0.2)
    with pytest.raises(errors.ApiError) as info:
        api_client.request(method, "/slow", body={"items": ["a"]} if method != "GET" else None)
    assert len(holding_server.requests) == connections
    assert len(sleep.delays) == connections - 1
    assert info.value.status is None
    assert ("may have been applied" in info.value.error_msg) is (method != "GET")


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_mutation_gives_up_on_persistent_throttling(httpserver, make_client, method):
    httpserver.expect_request("/m").respond_with_handler(sequence(
        error_response(429, "APIGW.0308", "throttled", headers={"X-Request-Id": "r429"})))
    api_client, sleep = make_client(max_retries=2)
    with pytest.raises(errors.ApiError) as info:
        api_client.request(method, "/m", body={"items": ["a"]})
    assert len(httpserver.log) == 3 and len(sleep.delays) == 2
    assert (info.value.status, info.value.error_code, info.value.request_id) == (429, "APIGW.0308", "r429")


@pytest.mark.parametrize("option", ["security_token", "auth_token"])
def test_secret_with_trailing_newline_never_leaks(httpserver, make_client, option):
    httpserver.expect_request("/x").respond_with_json({"ok": True})
    secret = SECURITY_TOKEN if option == "security_token" else TOKEN
    api_client, _unused = make_client(**{option: secret + "\n"})
    try:
        api_client.get("/x")
    except (errors.ConfigurationError, errors.ApiError) as exc:
        assert secret not in str(exc)
    else:
        (request, _unused), = httpserver.log
        header = "X-Security-Token" if option == "security_token" else "X-Auth-Token"
        assert request.headers[header] == secret


# ---------------------------------------------------------------------------
# error formatting
# ---------------------------------------------------------------------------

def test_api_error_message_and_dict(httpserver, make_client):
    httpserver.expect_request("/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID).respond_with_data(
        json.dumps({"error_code": "WKS.00211102", "error_msg": "The parameter is invalid."}), status=400,
        headers={"X-Request-Id": "0f1e2d3c"}, content_type="application/json")
    api_client, _unused = make_client(security_token=SECURITY_TOKEN)
    with pytest.raises(errors.ApiError) as info:
        api_client.request("PATCH", "/v1/{project_id}/app-servers/access-agent/actions/upgrade", body={"items": []})
    exc = info.value
    message = str(exc)
    assert message == exc.message
    for part in ("PATCH", "/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID, "HTTP 400",
                 "WKS.00211102", "The parameter is invalid.", "0f1e2d3c"):
        assert part in message
    assert exc.to_dict() == {
        "status": 400, "error_code": "WKS.00211102", "error_msg": "The parameter is invalid.", "method": "PATCH",
        "path": "/v1/%s/app-servers/access-agent/actions/upgrade" % PROJECT_ID, "request_id": "0f1e2d3c"}
    dumped = json.dumps(exc.to_dict()) + message + repr(exc)
    for secret in (SK, SECURITY_TOKEN):
        assert secret not in dumped
    assert "Signature=" not in dumped and "Authorization" not in dumped


def test_api_error_in_token_mode_never_contains_the_token(httpserver, make_client):
    httpserver.expect_request("/v1/%s/x" % PROJECT_ID).respond_with_data(
        json.dumps({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}),
        status=401, headers={"X-Request-Id": "r401"})
    api_client, _unused = make_client(access_key=None, secret_key=None, auth_token=TOKEN)
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/v1/{project_id}/x")
    assert info.value.status == 401 and info.value.error_code == "APIGW.0301"
    assert TOKEN not in str(info.value) and TOKEN not in json.dumps(info.value.to_dict())


def test_iam_style_error_body(httpserver, make_client):
    httpserver.expect_request("/v3/projects").respond_with_data(
        json.dumps({"error": {"code": "IAM.0001", "message": "The request you have made requires authentication.",
                              "title": "Unauthorized"}}), status=401, headers={"X-IAM-Trace-Id": "trace-9"})
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/v3/projects")
    exc = info.value
    assert (exc.error_code, exc.error_msg, exc.request_id) == (
        "IAM.0001", "The request you have made requires authentication.", "trace-9")
    assert "HTTP 401 IAM.0001: The request you have made requires authentication." in exc.message


def test_non_json_error_body(httpserver, make_client):
    httpserver.expect_request("/gw").respond_with_data("<html><body>Bad Gateway</body></html>" + "x" * 400,
                                                       status=400, content_type="text/html")
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/gw")
    exc = info.value
    assert exc.error_code is None
    assert exc.error_msg.startswith("<html><body>Bad Gateway")
    assert len(exc.error_msg) == 255
    assert "GET /gw failed: HTTP 400: <html>" in exc.message
    assert "request id" not in exc.message


def test_empty_error_body_uses_reason(httpserver, make_client):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/gone")
    assert info.value.error_msg == "NOT FOUND"
    assert info.value.status == 404


def test_openstack_request_id_header_is_used(httpserver, make_client):
    httpserver.expect_request("/os").respond_with_data("{}", status=409, headers={"X-Openstack-Request-Id": "os-1"})
    api_client, _unused = make_client()
    with pytest.raises(errors.ApiError) as info:
        api_client.get("/os")
    assert info.value.request_id == "os-1"


def test_api_error_without_response():
    exc = errors.ApiError(None, None, "cannot reach h (ConnectionError)", "GET", "/p")
    assert exc.message == "GET /p failed: no response: cannot reach h (ConnectionError)"
    assert not exc.throttled
    assert errors.ApiError(429, None, "m", "GET", "/p").throttled
    assert errors.ApiError(403, "APIGW.0308", "m", "GET", "/p").throttled


# ---------------------------------------------------------------------------
# paginate
# ---------------------------------------------------------------------------

def _pager(total, count=True, short_after=None):
    """A handler serving ``total`` items in offset/limit pages."""
    items = [{"id": "s%03d" % n} for n in range(total)]

    def handler(request):
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        page = {"items": items[offset:offset + limit]}
        if count:
            page["count"] = total
        return Response(json.dumps(page), content_type="application/json")

    return handler, items


def _offsets(httpserver):
    return [(int(req.args["offset"]), int(req.args["limit"])) for req, _unused in httpserver.log]


def test_paginate_stops_on_count(httpserver, make_client):
    handler, items = _pager(250)
    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/v1/{project_id}/app-servers") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100), (200, 100)]


def test_paginate_stops_when_count_reached_on_a_full_page(httpserver, make_client):
    handler, items = _pager(200)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_stops_on_short_page_without_count(httpserver, make_client):
    handler, items = _pager(130, count=False)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_stops_on_empty_page(httpserver, make_client):
    handler, items = _pager(100, count=False)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p") == items
    assert _offsets(httpserver) == [(0, 100), (100, 100)]


def test_paginate_empty_listing_and_empty_body(httpserver, make_client):
    httpserver.expect_request("/none").respond_with_data("")
    httpserver.expect_request("/zero").respond_with_json({"count": 0, "items": []})
    api_client, _unused = make_client()
    assert api_client.paginate("/none") == []
    assert api_client.paginate("/zero") == []
    assert len(httpserver.log) == 2


def test_paginate_passes_filters_and_drops_none(httpserver, make_client, assert_signed):
    httpserver.expect_request("/v1/%s/app-server-groups" % PROJECT_ID).respond_with_json(
        {"count": 1, "server_groups": [{"id": "g"}]})
    api_client, _unused = make_client()
    result = api_client.paginate("/v1/{project_id}/app-server-groups",
                                 {"server_group_name": "my group", "app_type": None, "server_group_id": "g"},
                                 key="server_groups")
    assert result == [{"id": "g"}]
    (request, _unused), = httpserver.log
    assert request.query_string == b"limit=100&offset=0&server_group_id=g&server_group_name=my%20group"
    assert_signed(request)


def test_paginate_custom_limit(httpserver, make_client):
    handler, items = _pager(25)
    httpserver.expect_request("/p").respond_with_handler(handler)
    api_client, _unused = make_client()
    assert api_client.paginate("/p", limit=10) == items
    assert _offsets(httpserver) == [(0, 10), (10, 10), (20, 10)]


# ---------------------------------------------------------------------------
# api.py wrappers (thin: paths, query flags and bodies on the wire)
# ---------------------------------------------------------------------------

def test_api_list_servers_flags_and_filters(httpserver, make_client):
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

    httpserver.expect_request("/v1/%s/app-servers" % PROJECT_ID).respond_with_json({"count": 1, "items": [{"id": "a"}]})
    api_client, _unused = make_client()
    assert api.list_servers(api_client, server_name="web 1", maintain_status=False) == [{"id": "a"}]
    assert api.list_servers(api_client, maintain_status=True) == [{"id": "a"}]
    first, second = [req for req, _unused in httpserver.log]
    assert first.query_string == b"limit=100&maintain_status=false&offset=0&server_name=web%201"
    assert second.query_string == b"limit=100&maintain_status=true&offset=0"


def test_api_upgrade_and_versions(httpserver, make_client, assert_signed):
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api

    base = "/v1/%s/app-servers/access-agent" % PROJECT_ID
    httpserver.expect_request(base + "/actions/upgrade", method="PATCH").respond_with_json({"job_id": "job-42"})
    httpserver.expect_request(base + "/latest-version").respond_with_json({"latest_version": "2.5.1"})
    httpserver.expect_request(base + "/actions/show-latest-version").respond_with_json(
        {"items": [{"hda_type": "SBC", "latest_version": "2.5.1"}, {"hda_type": "PT_APP", "latest_version": "2.4"}]})
    api_client, _unused = make_client()
    assert api.batch_upgrade_hda_version(api_client, ("s2", "s1")) == "job-42"
    assert api.show_access_agent_latest_version(api_client) == "2.5.1"
    assert api.list_access_agent_latest_version(api_client) == {"SBC": "2.5.1", "PT_APP": "2.4"}
    upgrade = httpserver.log[0][0]
    assert json.loads(upgrade.get_data()) == {"items": ["s2", "s1"]}
    assert_signed(upgrade)
