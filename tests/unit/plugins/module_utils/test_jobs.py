"""jobs.py: per-server outcomes of batch jobs and waiting for many jobs under one deadline.

Job details come from a real loopback server (pytest-httpserver) whose answers
change from one call to the next; the clock and sleep of JobWaiter are fake.
"""

import json
import time

import pytest

from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import jobs, servers

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def sub(server_id, status, error_code=None, error_message=None):
    item = {"id": "sub-" + server_id, "job_type": "UPGRADE_ACCESS_AGENT", "status": status,
            "job_resource_info": {"resource_id": server_id, "resource_name": "name-" + server_id}}
    if error_code is not None:
        item["error_code"] = error_code
    if error_message is not None:
        item["error_message"] = error_message
    return item


def detail(job_id, status, *subs):
    body = {"id": job_id, "job_type": "UPGRADE_ACCESS_AGENT", "status": status, "begin_time": "2026-01-01T00:00:00Z"}
    if subs:
        body["sub_jobs"] = list(subs)
        body["sub_jobs_total"] = len(subs)
    return body


def job_path(job_id):
    return "/v2/%s/job/%s" % (PROJECT_ID, job_id)


def serve_job(httpserver, job_id, *details):
    """Serve ``details`` in turn for one job (the last one repeats)."""
    queue = list(details)

    def handler(request):
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(job_path(job_id), method="GET").respond_with_handler(handler)


def polls(httpserver, job_id):
    return sum(1 for req, _unused in httpserver.log if req.path == job_path(job_id))


def statuses(result):
    return dict((sid, outcome.status) for sid, outcome in result.servers.items())


@pytest.fixture
def waiter_for(make_client):
    def make(timeout=100, poll_interval=10, sentinel_first=False):
        api_client, client_sleep = make_client(max_retries=0)
        clock = FakeClock()
        lines = []
        waiter = jobs.JobWaiter(api_client, timeout, poll_interval, clock=clock.time, sleep=clock.sleep,
                                progress=lines.append)
        waiter.sentinel_first = sentinel_first
        return waiter, clock, lines

    return make


# ---------------------------------------------------------------------------
# JobResult.update (pure)
# ---------------------------------------------------------------------------

class TestJobResultUpdate:

    def test_new_result_is_pending(self):
        result = jobs.JobResult("j", ["s1", "s2"])
        assert result.finished is False and result.status is None
        assert statuses(result) == {"s1": jobs.PENDING, "s2": jobs.PENDING}

    def test_running_job_keeps_unfinished_sub_jobs_pending(self):
        result = jobs.JobResult("j", ["s1", "s2", "s3"])
        result.update(detail("j", "RUNNING", sub("s1", "SUCCESS"), sub("s2", "RUNNING"), sub("s3", "WAITING")))
        assert not result.finished
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.PENDING, "s3": jobs.PENDING}
        assert result.servers["s2"].sub_job_status == "RUNNING"

    @pytest.mark.parametrize("sub_status", ["FAILED", "ABNORMAL", "ROLLBACK", "ABORTING"])
    def test_failed_sub_job_fails_its_server_even_while_job_runs(self, sub_status):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.update(detail("j", "RUNNING", sub("s1", sub_status, "WKS.0001", "disk full"), sub("s2", "RUNNING")))
        assert not result.finished
        outcome = result.servers["s1"]
        assert (outcome.status, outcome.error_code, outcome.error_msg, outcome.job_id) == (
            jobs.FAILED, "WKS.0001", "disk full", "j")
        assert result.servers["s2"].status == jobs.PENDING

    @pytest.mark.parametrize("sub_status", ["ABNORMAL", "ROLLBACK", "ABORTING", "FAILED"])
    def test_finished_is_not_succeeded(self, sub_status):
        """A job that ends SUCCESS may hold sub jobs that did not succeed: those servers failed."""
        result = jobs.JobResult("j", ["s1", "s2"])
        result.update(detail("j", "SUCCESS", sub("s1", "SUCCESS"), sub("s2", sub_status, "HDA.1", "agent crashed")))
        assert result.finished
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.FAILED}
        assert result.servers["s2"].error_code == "HDA.1"
        assert result.servers["s2"].error_msg == "agent crashed"
        assert result.servers["s2"].sub_job_status == sub_status

    @pytest.mark.parametrize("job_status", ["ABNORMAL", "ROLLBACK", "ABORTING"])
    def test_every_terminal_job_status_ends_the_job(self, job_status):
        """A job that ends ABNORMAL (or is rolled back, or aborted) is finished: its failed sub jobs fail their
        servers with their error codes, the others succeeded; a server it does not list takes its status."""
        result = jobs.JobResult("j", ["s1", "s2", "s3"])
        result.update(detail("j", job_status, sub("s1", "SUCCESS"), sub("s2", "ABNORMAL", "WKS.0042", "agent lost")))
        assert result.finished and result.status == job_status
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.FAILED, "s3": jobs.FAILED}
        assert (result.servers["s2"].error_code, result.servers["s2"].error_msg) == ("WKS.0042", "agent lost")
        assert result.servers["s3"].error_msg == "job j ended with status %s" % job_status

    def test_failed_sub_job_without_message_gets_one(self):
        result = jobs.JobResult("job-7", ["s1"])
        result.update(detail("job-7", "SUCCESS", sub("s1", "ABNORMAL", "", "")))
        outcome = result.servers["s1"]
        assert outcome.status == jobs.FAILED
        assert outcome.error_code is None
        assert outcome.error_msg == "job job-7 ended with status ABNORMAL"

    @pytest.mark.parametrize("sub_status", ["RUNNING", "WAITING"])
    def test_unfinished_sub_job_inside_finished_job_failed(self, sub_status):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.update(detail("j", "FAILED", sub("s1", "SUCCESS"), sub("s2", sub_status)))
        assert result.finished
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.FAILED}
        assert sub_status in result.servers["s2"].error_msg

    def test_failed_job_without_sub_jobs_fails_every_server(self):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.update(detail("j", "FAILED"))
        assert statuses(result) == {"s1": jobs.FAILED, "s2": jobs.FAILED}
        assert result.servers["s1"].error_msg == "job j ended with status FAILED"

    def test_successful_job_without_sub_jobs_succeeds_every_server(self):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.update(detail("j", "SUCCESS"))
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.SUCCEEDED}

    def test_servers_are_matched_by_resource_id(self):
        result = jobs.JobResult("j", ["a", "b", "c"])
        result.update(detail("j", "FAILED", sub("c", "SUCCESS"), {"id": "orphan", "status": "FAILED"},
                             sub("a", "FAILED", "E1", "bad a")))
        assert result.servers["a"].status == jobs.FAILED and result.servers["a"].error_msg == "bad a"
        assert result.servers["c"].status == jobs.SUCCEEDED
        # not listed as a sub job: takes the job's own outcome
        assert result.servers["b"].status == jobs.FAILED
        assert result.servers["b"].error_msg == "job j ended with status FAILED"

    def test_unknown_job_status_is_not_finished(self):
        result = jobs.JobResult("j", ["s1"])
        result.update({})
        assert not result.finished
        assert statuses(result) == {"s1": jobs.PENDING}


# ---------------------------------------------------------------------------
# JobWaiter.wait against a loopback server
# ---------------------------------------------------------------------------

def test_waiting_running_success(httpserver, waiter_for):
    serve_job(httpserver, "j1",
              detail("j1", "WAITING", sub("s1", "WAITING"), sub("s2", "WAITING")),
              detail("j1", "RUNNING", sub("s1", "SUCCESS"), sub("s2", "RUNNING")),
              detail("j1", "SUCCESS", sub("s1", "SUCCESS"), sub("s2", "SUCCESS")))
    waiter, clock, lines = waiter_for(timeout=100, poll_interval=10)
    results = waiter.wait({"j1": ["s1", "s2"]})
    assert list(results) == ["j1"]
    assert results["j1"].status == "SUCCESS" and results["j1"].finished
    assert statuses(results["j1"]) == {"s1": jobs.SUCCEEDED, "s2": jobs.SUCCEEDED}
    assert polls(httpserver, "j1") == 3
    assert clock.sleeps == [10, 10]
    assert waiter.rounds == 3


def test_mixed_outcomes_across_jobs(httpserver, waiter_for):
    serve_job(httpserver, "j1",
              detail("j1", "RUNNING", sub("s1", "RUNNING"), sub("s2", "RUNNING")),
              detail("j1", "SUCCESS", sub("s1", "SUCCESS"), sub("s2", "ABNORMAL", "WKS.00211401", "agent timeout")))
    serve_job(httpserver, "j2",
              detail("j2", "RUNNING", sub("s3", "RUNNING"), sub("s4", "SUCCESS")),
              detail("j2", "FAILED", sub("s3", "FAILED", "WKS.0042", "image not found"), sub("s4", "SUCCESS")))
    waiter, _unused, _unused = waiter_for()
    results = waiter.wait({"j1": ["s1", "s2"], "j2": ["s3", "s4"]})
    assert statuses(results["j1"]) == {"s1": jobs.SUCCEEDED, "s2": jobs.FAILED}
    assert statuses(results["j2"]) == {"s3": jobs.FAILED, "s4": jobs.SUCCEEDED}
    assert (results["j1"].servers["s2"].error_code, results["j1"].servers["s2"].error_msg) == (
        "WKS.00211401", "agent timeout")
    assert (results["j2"].servers["s3"].error_code, results["j2"].servers["s3"].error_msg) == (
        "WKS.0042", "image not found")


def test_running_sub_job_in_failed_job_and_job_without_sub_jobs(httpserver, waiter_for):
    serve_job(httpserver, "j1", detail("j1", "FAILED", sub("s1", "RUNNING"), sub("s2", "SUCCESS")))
    serve_job(httpserver, "j2", detail("j2", "RUNNING"), detail("j2", "FAILED"))
    waiter, _unused, _unused = waiter_for()
    results = waiter.wait({"j1": ["s1", "s2"], "j2": ["s3", "s4"]})
    assert statuses(results["j1"]) == {"s1": jobs.FAILED, "s2": jobs.SUCCEEDED}
    assert statuses(results["j2"]) == {"s3": jobs.FAILED, "s4": jobs.FAILED}
    assert "FAILED" in results["j2"].servers["s3"].error_msg


def test_only_unfinished_jobs_are_polled(httpserver, waiter_for):
    serve_job(httpserver, "fast", detail("fast", "SUCCESS", sub("s1", "SUCCESS")))
    serve_job(httpserver, "mid", detail("mid", "RUNNING"), detail("mid", "SUCCESS"))
    serve_job(httpserver, "slow", detail("slow", "WAITING"), detail("slow", "RUNNING"), detail("slow", "RUNNING"),
              detail("slow", "SUCCESS"))
    waiter, clock, _unused = waiter_for(timeout=1000, poll_interval=5)
    results = waiter.wait({"fast": ["s1"], "mid": ["s2"], "slow": ["s3"]})
    assert all(result.finished for result in results.values())
    assert (polls(httpserver, "fast"), polls(httpserver, "mid"), polls(httpserver, "slow")) == (1, 2, 4)
    assert len(httpserver.log) == 7
    assert clock.sleeps == [5, 5, 5]


def test_one_deadline_for_all_jobs(httpserver, waiter_for):
    serve_job(httpserver, "done", detail("done", "RUNNING", sub("s1", "RUNNING")),
              detail("done", "SUCCESS", sub("s1", "SUCCESS")))
    serve_job(httpserver, "stuck", detail("stuck", "RUNNING", sub("s2", "RUNNING"), sub("s3", "SUCCESS")))
    serve_job(httpserver, "stuck2", detail("stuck2", "WAITING"))
    waiter, clock, _unused = waiter_for(timeout=30, poll_interval=12)
    with pytest.raises(jobs.WaitTimeout) as info:
        waiter.wait({"done": ["s1"], "stuck": ["s2", "s3"], "stuck2": ["s4"]})
    exc = info.value
    assert exc.pending == ["stuck", "stuck2"]
    assert exc.timeout == 30
    assert "stuck, stuck2" in str(exc) and "30" in str(exc) and "re-run" in str(exc)
    # partial results: what is known so far
    assert statuses(exc.results["done"]) == {"s1": jobs.SUCCEEDED}
    assert statuses(exc.results["stuck"]) == {"s2": jobs.PENDING, "s3": jobs.SUCCEEDED}
    assert statuses(exc.results["stuck2"]) == {"s4": jobs.PENDING}
    # polled at t=0, 12, 24, 30; the last sleep is cut to the time that was left
    assert clock.sleeps == [12, 12, 6]
    assert clock.now == 1030
    assert polls(httpserver, "stuck") == 4 and polls(httpserver, "done") == 2


def test_explicit_deadline_is_used(httpserver, waiter_for):
    serve_job(httpserver, "j", detail("j", "RUNNING"))
    waiter, clock, _unused = waiter_for(timeout=3600, poll_interval=10)
    with pytest.raises(jobs.WaitTimeout):
        waiter.wait({"j": ["s1"]}, deadline=clock.now + 15)
    assert clock.sleeps == [10, 5]
    assert polls(httpserver, "j") == 3


def test_zero_timeout_polls_once(httpserver, waiter_for):
    serve_job(httpserver, "j", detail("j", "RUNNING"))
    waiter, clock, _unused = waiter_for(timeout=0, poll_interval=10)
    with pytest.raises(jobs.WaitTimeout) as info:
        waiter.wait({"j": ["s1"]})
    assert info.value.pending == ["j"]
    assert clock.sleeps == []
    assert polls(httpserver, "j") == 1


def test_progress_lines_name_jobs_and_counts(httpserver, waiter_for):
    serve_job(httpserver, "j-a", detail("j-a", "SUCCESS"))
    serve_job(httpserver, "j-b", detail("j-b", "RUNNING"), detail("j-b", "FAILED"))
    waiter, _unused, lines = waiter_for()
    waiter.wait({"j-a": ["s1"], "j-b": ["s2"]})
    assert lines[0] == "waiting for 2 job(s): j-a, j-b"
    assert lines[1] == "round 1: 1/2 job(s) finished, 1/2 server(s) (0 failed); 2 request(s); 100s left, running: j-b"
    assert lines[2] == "round 2: 2/2 job(s) finished, 2/2 server(s) (1 failed); 1 request(s); done"
    assert len(lines) == 3


def test_wait_for_nothing_returns_at_once(httpserver, waiter_for):
    waiter, clock, lines = waiter_for()
    assert waiter.wait({}) == {}
    assert httpserver.log == []
    assert clock.sleeps == [] and lines == [] and waiter.rounds == 0


def test_job_id_is_quoted_in_the_path(httpserver, waiter_for):
    httpserver.expect_request("/v2/%s/job/a/b c" % PROJECT_ID).respond_with_json(detail("a/b c", "SUCCESS"))
    waiter, _unused, _unused = waiter_for()
    results = waiter.wait({"a/b c": ["s1"]})
    assert results["a/b c"].finished
    (request, _unused), = httpserver.log
    assert request.environ["REQUEST_URI"] == "/v2/%s/job/a%%2Fb%%20c" % PROJECT_ID


def test_poll_error_propagates(httpserver, waiter_for):
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError

    httpserver.expect_request(job_path("gone")).respond_with_data(
        json.dumps({"error_code": "WKS.00000404", "error_msg": "job not found"}), status=404)
    waiter, _unused, _unused = waiter_for()
    with pytest.raises(ApiError) as info:
        waiter.wait({"gone": ["s1"]})
    assert info.value.status == 404 and info.value.path == job_path("gone")


# ---------------------------------------------------------------------------
# The sentinel, fresh waits and rounds that fail in passing
# ---------------------------------------------------------------------------

def job_reads_in_order(httpserver):
    return [req.path.rsplit("/", 1)[-1] for req, _unused in httpserver.log if req.path.startswith("/v2/")]


class TestSentinel:

    def test_the_last_submitted_job_is_read_alone_while_it_runs(self, httpserver, waiter_for):
        serve_job(httpserver, "a", detail("a", "SUCCESS", sub("s1", "SUCCESS")))
        serve_job(httpserver, "b", detail("b", "SUCCESS", sub("s2", "SUCCESS")))
        serve_job(httpserver, "c", detail("c", "RUNNING"), detail("c", "RUNNING"), detail("c", "SUCCESS"))
        waiter, clock, lines = waiter_for(sentinel_first=True)
        results = waiter.wait({"a": ["s1"], "b": ["s2"], "c": ["s3"]})
        assert all(result.status == "SUCCESS" for result in results.values())
        # rounds 1 and 2: c alone (1 request, instead of 3); round 3: c has finished, so a and b are read
        assert job_reads_in_order(httpserver) == ["c", "c", "c", "a", "b"]
        assert clock.sleeps == [10, 10]
        assert lines[1] == ("round 1: job c, the last submitted, still running (the other 2 unfinished job(s) are "
                            "read once it has finished); 1 request(s); 100s left")
        assert lines[3] == "round 3: 3/3 job(s) finished, 3/3 server(s) (0 failed); 3 request(s); done"

    def test_one_unfinished_job_is_simply_read(self, httpserver, waiter_for):
        serve_job(httpserver, "a", detail("a", "RUNNING"), detail("a", "SUCCESS"))
        waiter, _unused, _unused = waiter_for(sentinel_first=True)
        waiter.wait({"a": ["s1"]})
        assert job_reads_in_order(httpserver) == ["a", "a"]

    def test_a_timeout_after_a_sentinel_round_reads_every_job(self, httpserver, waiter_for):
        serve_job(httpserver, "a", detail("a", "SUCCESS", sub("s1", "SUCCESS")))
        serve_job(httpserver, "b", detail("b", "RUNNING"))
        waiter, _unused, _unused = waiter_for(timeout=25, sentinel_first=True)
        with pytest.raises(jobs.WaitTimeout) as info:
            waiter.wait({"a": ["s1"], "b": ["s2"]})
        assert info.value.pending == ["b"]
        assert statuses(info.value.results["a"]) == {"s1": jobs.SUCCEEDED}  # known, though only b was polled
        # at t=0, 10, 20 and 25 b alone; then, the deadline passed, every unfinished job once more
        assert job_reads_in_order(httpserver) == ["b", "b", "b", "b", "a", "b"]

    def test_a_fresh_wait_starts_one_poll_interval_later(self, httpserver, waiter_for):
        serve_job(httpserver, "a", detail("a", "SUCCESS"))
        waiter, clock, _unused = waiter_for(sentinel_first=True)
        waiter.wait({"a": ["s1"]}, fresh=True)
        assert clock.sleeps == [10] and job_reads_in_order(httpserver) == ["a"]

    def test_a_fresh_wait_never_sleeps_past_the_deadline(self, httpserver, waiter_for):
        serve_job(httpserver, "a", detail("a", "RUNNING"))
        waiter, clock, _unused = waiter_for(timeout=4, sentinel_first=True)
        with pytest.raises(jobs.WaitTimeout):
            waiter.wait({"a": ["s1"]}, fresh=True)
        assert clock.sleeps == [4] and job_reads_in_order(httpserver) == ["a"]


class TestRoundsThatFailInPassing:

    def serve(self, httpserver, job_id, *answers):
        queue = list(answers)

        def handler(request):
            status, body = queue.pop(0) if len(queue) > 1 else queue[0]
            return Response(json.dumps(body), status=status, content_type="application/json")

        httpserver.expect_request(job_path(job_id), method="GET").respond_with_handler(handler)

    @pytest.mark.parametrize("status, body", [
        (429, {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"}),
        (503, {"error_code": "SYS.0503", "error_msg": "unavailable"}),
    ])
    def test_the_wait_goes_on_until_the_deadline(self, httpserver, waiter_for, status, body):
        self.serve(httpserver, "a", (status, body), (status, body), (200, detail("a", "SUCCESS")))
        waiter, clock, lines = waiter_for()
        results = waiter.wait({"a": ["s1"]})
        assert results["a"].status == "SUCCESS"
        assert clock.sleeps == [10, 10]
        assert lines[1].startswith("round 1: the jobs could not be read (") and lines[1].endswith(
            "100s left, trying again")
        assert "HTTP %d" % status in lines[1]

    def test_at_the_deadline_the_error_stands(self, httpserver, waiter_for):
        from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError

        self.serve(httpserver, "a", (429, {"error_code": "APIGW.0308", "error_msg": "throttled"}))
        waiter, clock, _unused = waiter_for(timeout=15)
        with pytest.raises(ApiError) as info:
            waiter.wait({"a": ["s1"]})
        assert info.value.throttled and clock.sleeps == [10, 5]

    def test_a_refusal_is_not_waited_out(self, httpserver, waiter_for):
        from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError

        self.serve(httpserver, "a", (403, {"error_code": "APIGW.0301", "error_msg": "forbidden"}))
        waiter, clock, _unused = waiter_for()
        with pytest.raises(ApiError) as info:
            waiter.wait({"a": ["s1"]})
        assert info.value.status == 403 and clock.sleeps == []


# ---------------------------------------------------------------------------
# JobResult.settle (pure)
# ---------------------------------------------------------------------------

class TestJobResultSettle:

    def test_job_finishes_when_every_server_is_settled(self):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.settle("s1", jobs.SUCCEEDED, sub_job_status="SUCCESS")
        assert not result.finished and result.status is None
        result.settle("s2", jobs.SUCCEEDED)
        assert result.finished and result.status == "SUCCESS"
        assert statuses(result) == {"s1": jobs.SUCCEEDED, "s2": jobs.SUCCEEDED}

    def test_any_failed_server_makes_the_job_failed(self):
        result = jobs.JobResult("j", ["s1", "s2"])
        result.settle("s2", jobs.FAILED, "E.1", "broken")
        result.settle("s1", jobs.SUCCEEDED)
        assert result.finished and result.status == "FAILED"
        outcome = result.servers["s2"]
        assert (outcome.status, outcome.error_code, outcome.error_msg, outcome.job_id) == (jobs.FAILED, "E.1", "broken", "j")


# ---------------------------------------------------------------------------
# ServerReader and ServerListWaiter against a loopback server list
# ---------------------------------------------------------------------------

SERVERS_PATH = "/v1/%s/app-servers" % PROJECT_ID


class ServerList:
    """``GET …/app-servers`` over ``records`` (paged, filtered by group or id)."""

    def __init__(self, httpserver, records):
        self.records = records
        httpserver.expect_request(SERVERS_PATH, method="GET").respond_with_handler(self.handle)

    def handle(self, request):
        args = request.args
        selected = [r for r in self.records
                    if args.get("server_group_id") in (None, r.get("server_group_id"))
                    and args.get("server_id") in (None, r["id"])]
        offset, limit = int(args["offset"]), int(args["limit"])
        return Response(json.dumps({"count": len(selected), "items": selected[offset:offset + limit]}),
                        content_type="application/json")


def server(n, group="g1", job_id="old", job_status="SUCCESS", image_id="img-old"):
    return {"id": "srv-%03d" % n, "server_group_id": group, "job_id": job_id, "job_type": "CHANGE_SERVER_IMAGE",
            "job_status": job_status, "image_id": image_id}


def list_requests(httpserver):
    return [dict(req.args) for req, _unused in httpserver.log if req.path == SERVERS_PATH]


def finish(records, status="SUCCESS", only=None, image_id="img-new"):
    for record in records:
        if only is None or record["id"] in only:
            record.update(job_status=status, image_id=image_id if status == "SUCCESS" else record["image_id"])


def start_jobs(records, job_ids):
    """What the service shows once per-server jobs were submitted: each server's new job, WAITING."""
    for record in records:
        if record["id"] in job_ids:
            record.update(job_id=job_ids[record["id"]], job_status="WAITING")


class RoundClock(FakeClock):
    """A fake clock whose n-th sleep first applies ``script[n + 1]`` (what changed before round n + 1)."""

    def __init__(self, records):
        super(RoundClock, self).__init__()
        self.records = records
        self.script = {}

    def sleep(self, seconds):
        super(RoundClock, self).sleep(seconds)
        change = self.script.get(len(self.sleeps) + 1)
        if change:
            change(self.records)


@pytest.fixture
def list_waiter_for(make_client):
    """``make(known records, service records)`` -> waiter, clock (with ``script``), progress lines."""
    def make(servers, records, timeout=100, poll_interval=10, sentinel_first=False):
        api_client, _unused = make_client(max_retries=0)
        clock = RoundClock(records)
        lines = []
        waiter = jobs.ServerListWaiter(api_client, timeout, poll_interval, clock=clock.time, sleep=clock.sleep,
                                       progress=lines.append, servers=servers)
        waiter.sentinel_first = sentinel_first
        return waiter, clock, lines

    return make


class TestServerReader:

    def read(self, make_client, known, wanted):
        api_client, _unused = make_client(max_retries=0)
        reader = servers.ServerReader(api_client, known)
        return reader, reader.read(wanted)

    def test_a_group_is_listed_in_pages_of_100(self, httpserver, make_client):
        records = [server(n) for n in range(250)]
        ServerList(httpserver, records)
        reader, found = self.read(make_client, records, [r["id"] for r in records[:200]])
        assert sorted(found) == [r["id"] for r in records[:200]]
        requests = list_requests(httpserver)
        assert [(r["server_group_id"], r["offset"], r["limit"]) for r in requests] == [
            ("g1", "0", "100"), ("g1", "100", "100"), ("g1", "200", "100")]
        assert reader.group_size == {"g1": 250}

    def test_fewer_servers_than_pages_are_looked_up_by_id(self, httpserver, make_client):
        records = [server(n) for n in range(250)]
        ServerList(httpserver, records)
        reader, _unused = self.read(make_client, records, [r["id"] for r in records])
        httpserver.clear_log()
        found = reader.read(["srv-007", "srv-100"])
        assert sorted(found) == ["srv-007", "srv-100"]
        assert [r.get("server_id") for r in list_requests(httpserver)] == ["srv-007", "srv-100"]
        httpserver.clear_log()
        reader.read(["srv-001", "srv-002", "srv-003"])  # 3 lookups cost as much as 3 pages: list
        assert [r.get("server_group_id") for r in list_requests(httpserver)] == ["g1", "g1", "g1"]

    def test_a_few_servers_of_a_group_never_listed_are_looked_up_by_id(self, httpserver, make_client):
        """Their group may be far larger than the servers known in it: a few lookups are the safe bet."""
        records = [server(n) for n in range(3)] + [server(n, group="g2") for n in range(3, 10)]
        ServerList(httpserver, records)
        _unused, found = self.read(make_client, records, ["srv-000", "srv-001", "srv-003", "srv-004", "srv-005",
                                                          "srv-006", "srv-007", "srv-008"])
        assert len(found) == 8
        requests = list_requests(httpserver)
        assert [r.get("server_id") for r in requests if "server_id" in r] == ["srv-000", "srv-001"]
        assert [r["server_group_id"] for r in requests if "server_group_id" in r] == ["g2"]  # 6 servers: one page

    def test_a_small_group_known_whole_is_listed(self, httpserver, make_client):
        """The module read the whole group while planning: its size is known, one page beats 3 lookups."""
        records = [server(n) for n in range(3)]
        ServerList(httpserver, records)
        api_client, _unused = make_client(max_retries=0)
        found = servers.ServerReader(api_client, records, group_sizes={"g1": 3}).read(["srv-000", "srv-001", "srv-002"])
        assert len(found) == 3
        assert [r.get("server_group_id") for r in list_requests(httpserver)] == ["g1"]

    def test_servers_of_unknown_group_are_looked_up_and_missing_ones_left_out(self, httpserver, make_client):
        ServerList(httpserver, [server(1)])
        _unused, found = self.read(make_client, [], ["srv-001", "srv-404"])
        assert list(found) == ["srv-001"]
        assert [r.get("server_id") for r in list_requests(httpserver)] == ["srv-001", "srv-404"]


class TestServerListWaiter:

    def test_a_round_is_one_listing_not_one_request_per_job(self, httpserver, list_waiter_for):
        records = [server(n) for n in range(150)]
        ServerList(httpserver, records)
        job_ids = dict((r["id"], "job-%d" % n) for n, r in enumerate(records))
        waiter, clock, lines = list_waiter_for([dict(r) for r in records], records)
        start_jobs(records, job_ids)
        clock.script[2] = lambda rs: finish(rs, only=["srv-%03d" % n for n in range(100)])
        clock.script[3] = finish
        results = waiter.wait(dict((job_id, [sid]) for sid, job_id in job_ids.items()))
        assert all(result.finished and result.status == "SUCCESS" for result in results.values())
        assert len(list_requests(httpserver)) == 3 * 2  # the group's 2 pages, also for the last 50
        assert not [req for req, _unused in httpserver.log if req.path.startswith("/v2/")]
        assert clock.sleeps == [10, 10]
        assert lines == ["waiting for 150 job(s) on 150 server(s), reading the server list each round",
                         "round 1: 0/150 job(s) finished, 0/150 server(s) (0 failed); 2 request(s); 100s left, "
                         "running: job-0, job-1, job-2, job-3, job-4 ...",
                         "round 2: 100/150 job(s) finished, 100/150 server(s) (0 failed); 2 request(s); 90s left, "
                         "running: job-100, job-101, job-102, job-103, job-104 ...",
                         "round 3: 150/150 job(s) finished, 150/150 server(s) (0 failed); 2 request(s); done"]
        assert waiter.final_records["srv-120"]["image_id"] == "img-new"

    def test_the_previous_job_still_shown_means_not_started_yet(self, httpserver, list_waiter_for):
        records = [server(1, job_id="old", job_status="SUCCESS")]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        clock.script[2] = lambda rs: start_jobs(rs, {"srv-001": "new"})
        clock.script[3] = finish
        results = waiter.wait({"new": ["srv-001"]})
        assert results["new"].servers["srv-001"].status == jobs.SUCCEEDED
        assert waiter.rounds == 3 and len(list_requests(httpserver)) == 3

    def test_failed_server_reads_its_job_once_for_the_error(self, httpserver, list_waiter_for):
        records = [server(1), server(2)]
        ServerList(httpserver, records)
        waiter, clock, lines = list_waiter_for([dict(r) for r in records], records)
        start_jobs(records, {"srv-001": "j1", "srv-002": "j2"})
        finish(records, status="FAILED", only=["srv-001"])
        clock.script[2] = lambda rs: finish(rs, only=["srv-002"])
        serve_job(httpserver, "j1", detail("j1", "FAILED", sub("srv-001", "FAILED", "WKS.00211401", "rebuild failed")))
        results = waiter.wait({"j1": ["srv-001"], "j2": ["srv-002"]})
        outcome = results["j1"].servers["srv-001"]
        assert (outcome.status, outcome.error_code, outcome.error_msg) == (jobs.FAILED, "WKS.00211401", "rebuild failed")
        assert results["j1"].finished and results["j2"].servers["srv-002"].status == jobs.SUCCEEDED
        assert polls(httpserver, "j1") == 1 and polls(httpserver, "j2") == 0
        assert lines[1] == "round 1: 1/2 job(s) finished, 1/2 server(s) (1 failed); 3 request(s); 100s left, running: j2"

    def test_failure_detail_that_cannot_be_read_falls_back_to_the_server(self, httpserver, list_waiter_for):
        records = [server(1)]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        start_jobs(records, {"srv-001": "j1"})
        records[0].update(job_status="FAILED", task_status="rebuild_fail")
        httpserver.expect_request(job_path("j1")).respond_with_data(
            json.dumps({"error_code": "WKS.00211203", "error_msg": "The job does not exist."}), status=404)
        results = waiter.wait({"j1": ["srv-001"]})
        outcome = results["j1"].servers["srv-001"]
        assert outcome.status == jobs.FAILED and outcome.error_code is None
        assert "job j1 ended with status FAILED (task status rebuild_fail)" in outcome.error_msg
        assert "HTTP 404" in outcome.error_msg

    def test_a_detail_that_lags_behind_keeps_the_server_failed(self, httpserver, list_waiter_for):
        records = [server(1)]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        start_jobs(records, {"srv-001": "j1"})
        records[0].update(job_status="FAILED", task_status="rebuild_fail")
        serve_job(httpserver, "j1", detail("j1", "RUNNING", sub("srv-001", "RUNNING")))
        results = waiter.wait({"j1": ["srv-001"]})
        assert results["j1"].finished and results["j1"].servers["srv-001"].status == jobs.FAILED
        assert polls(httpserver, "j1") == 1

    def test_mass_failure_reads_only_a_few_job_details(self, httpserver, list_waiter_for):
        records = [server(n) for n in range(5)]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        waiter.detail_reads = 2
        job_ids = dict((r["id"], "j%d" % n) for n, r in enumerate(records))
        start_jobs(records, job_ids)
        finish(records, status="FAILED")
        for n in range(5):
            serve_job(httpserver, "j%d" % n, detail("j%d" % n, "FAILED", sub("srv-%03d" % n, "FAILED", "E.%d" % n, "x")))
        results = waiter.wait(dict((job_id, [sid]) for sid, job_id in job_ids.items()))
        codes = [results["j%d" % n].servers["srv-%03d" % n].error_code for n in range(5)]
        assert codes == ["E.0", "E.1", None, None, None]
        assert "app_job_info" in results["j4"].servers["srv-004"].error_msg
        assert sum(polls(httpserver, "j%d" % n) for n in range(5)) == 2

    def test_server_showing_another_job_is_decided_by_the_awaited_job(self, httpserver, list_waiter_for):
        """Our job ended and someone started another one on the server before we looked."""
        records = [server(1, job_id="theirs", job_status="RUNNING")]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([server(1, job_id="before")], records)
        serve_job(httpserver, "ours", detail("ours", "SUCCESS", sub("srv-001", "SUCCESS")))
        results = waiter.wait({"ours": ["srv-001"]})
        assert results["ours"].servers["srv-001"].status == jobs.SUCCEEDED
        assert polls(httpserver, "ours") == 1

    def test_server_no_longer_listed_is_decided_by_its_job(self, httpserver, list_waiter_for):
        ServerList(httpserver, [])
        waiter, clock, _unused = list_waiter_for([server(1)], [])
        serve_job(httpserver, "j1", detail("j1", "RUNNING"), detail("j1", "FAILED", sub("srv-001", "FAILED", "E", "gone")))
        results = waiter.wait({"j1": ["srv-001"]})
        assert results["j1"].servers["srv-001"].error_msg == "gone"
        assert polls(httpserver, "j1") == 2

    def test_a_waited_for_job_shown_on_the_server_is_ours(self, httpserver, list_waiter_for):
        """A job already running when the module planned: the record shows that very job."""
        records = [server(1, job_id="running", job_status="RUNNING")]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        clock.script[2] = finish
        results = waiter.wait({"running": ["srv-001"]})
        assert results["running"].servers["srv-001"].status == jobs.SUCCEEDED and waiter.rounds == 2

    def test_one_job_for_several_servers(self, httpserver, list_waiter_for):
        records = [server(1), server(2)]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records)
        start_jobs(records, {"srv-001": "batch", "srv-002": "batch"})
        finish(records, only=["srv-001"])
        clock.script[2] = lambda rs: finish(rs, status="FAILED", only=["srv-002"])
        serve_job(httpserver, "batch", detail("batch", "FAILED", sub("srv-001", "SUCCESS"), sub("srv-002", "FAILED", "E", "no")))
        results = waiter.wait({"batch": ["srv-001", "srv-002"]})
        assert results["batch"].finished and results["batch"].status == "FAILED"
        assert statuses(results["batch"]) == {"srv-001": jobs.SUCCEEDED, "srv-002": jobs.FAILED}

    def test_timeout_lists_the_jobs_still_running(self, httpserver, list_waiter_for):
        records = [server(1), server(2)]
        ServerList(httpserver, records)
        waiter, clock, _unused = list_waiter_for([dict(r) for r in records], records, timeout=25, poll_interval=10)
        start_jobs(records, {"srv-001": "j1", "srv-002": "j2"})
        clock.script[2] = lambda rs: finish(rs, only=["srv-001"])
        with pytest.raises(jobs.WaitTimeout) as info:
            waiter.wait({"j1": ["srv-001"], "j2": ["srv-002"]})
        assert info.value.pending == ["j2"] and "j2" in str(info.value)
        assert statuses(info.value.results["j1"]) == {"srv-001": jobs.SUCCEEDED}
        assert clock.sleeps == [10, 10, 5] and waiter.rounds == 4


# ---------------------------------------------------------------------------
# The polling budget (pure: a fake client counts the requests a round sends)
# ---------------------------------------------------------------------------

class CountingClient:
    requests_sent = 0


class CostlyWaiter(jobs.Waiter):
    """Every round costs ``cost`` requests; the jobs finish at round ``rounds``."""

    def __init__(self, cost, rounds, **kwargs):
        super(CostlyWaiter, self).__init__(CountingClient(), **kwargs)
        self.cost = cost
        self.finish_at = rounds
        self.starts = []

    def round(self, results):
        self.starts.append(self.clock())
        self.client.requests_sent += self.cost
        if self.rounds >= self.finish_at:
            for result in results.values():
                result.settle(result.server_ids[0], jobs.SUCCEEDED)


def busiest_window(waiter):
    return max(sum(waiter.cost for t in waiter.starts if start <= t < start + jobs.BUDGET_WINDOW)
               for start in waiter.starts)


class TestPollingBudget:

    def wait(self, cost, rounds, poll_interval=15.0):
        clock = FakeClock()
        waiter = CostlyWaiter(cost, rounds, timeout=100000, poll_interval=poll_interval, clock=clock.time,
                              sleep=clock.sleep)
        waiter.wait({"j": ["s1"]})
        return waiter, clock

    def test_cheap_rounds_keep_the_poll_interval(self):
        waiter, clock = self.wait(cost=2, rounds=40)
        assert clock.sleeps == [15.0] * 39
        assert busiest_window(waiter) == 40  # 20 rounds of 2 within 300 s

    def test_costly_rounds_are_spaced_to_stay_within_the_budget(self):
        """1,000 servers in one group: 10 list pages a round; 20 rounds every 5 minutes would be 200."""
        waiter, clock = self.wait(cost=10, rounds=60)
        # one round's worth (10) stays free for the module's final re-read of the fleet
        assert busiest_window(waiter) == jobs.BUDGET_REQUESTS - 10
        assert min(clock.sleeps) >= 15.0
        assert clock.sleeps[:13] == [15.0] * 13  # the first 14 rounds (140 requests) come at the poll interval
        # 14 rounds every 300 s: rounds 14, 28, 42 and 56 wait for the window, the others keep the interval
        assert waiter.starts[-1] - waiter.starts[0] == 4 * jobs.BUDGET_WINDOW + 3 * 15.0

    def test_a_round_costlier_than_the_budget_waits_a_whole_window(self):
        waiter, clock = self.wait(cost=jobs.BUDGET_REQUESTS + 50, rounds=3)
        assert clock.sleeps == [jobs.BUDGET_WINDOW, jobs.BUDGET_WINDOW]

    def test_the_budget_never_makes_rounds_exceed_the_deadline(self):
        clock = FakeClock()
        waiter = CostlyWaiter(200, 99, timeout=100, poll_interval=15.0, clock=clock.time, sleep=clock.sleep)
        with pytest.raises(jobs.WaitTimeout):
            waiter.wait({"j": ["s1"]})
        assert clock.sleeps == [100.0] and len(waiter.starts) == 2


# ---------------------------------------------------------------------------
# BatchJobWaiter: job details or the server list, whichever is cheaper
# ---------------------------------------------------------------------------

def batch_records(count, group="g1"):
    return [server(n, group=group, job_id="old-%d" % n) for n in range(count)]


def start_batches(records, size=20):
    """Batch jobs of ``size`` servers; every server shows its batch job WAITING. Returns {job id: server ids}."""
    jobs_of = {}
    for index in range(0, len(records), size):
        job_id = "batch-%d" % (index // size)
        jobs_of[job_id] = [r["id"] for r in records[index:index + size]]
        for record in records[index:index + size]:
            record.update(job_id=job_id, job_type="UPGRADE_ACCESS_AGENT", job_status="WAITING")
    return jobs_of


def batch_detail(job_id, server_ids, status):
    return detail(job_id, status, *[sub(sid, status) for sid in server_ids])


@pytest.fixture
def batch_waiter_for(make_client):
    def make(servers, records, group_sizes=None, sentinel_first=False, observed=None):
        api_client, _unused = make_client(max_retries=0)
        clock = RoundClock(records)
        waiter = jobs.BatchJobWaiter(api_client, 1000, 10, clock=clock.time, sleep=clock.sleep,
                                     servers=servers, group_sizes=group_sizes, observed=observed)
        waiter.sentinel_first = sentinel_first
        return waiter, clock

    return make


def job_reads(httpserver):
    return [req.path for req, _unused in httpserver.log if req.path.startswith("/v2/")]


class TestBatchJobWaiter:

    def test_many_batch_jobs_of_a_large_group_are_polled_through_its_list(self, httpserver, batch_waiter_for):
        records = batch_records(250)
        ServerList(httpserver, records)
        known = [dict(r) for r in records]
        jobs_of = start_batches(records)  # 13 jobs
        waiter, clock = batch_waiter_for(known, records, group_sizes={"g1": 250})
        clock.script[2] = lambda rs: finish(rs, only=jobs_of["batch-0"] + jobs_of["batch-1"])
        clock.script[3] = finish
        results = waiter.wait(jobs_of)
        assert all(r.finished and r.status == "SUCCESS" for r in results.values())
        assert len(list_requests(httpserver)) == 3 * 3  # 3 pages a round, instead of 13, 11, 11 job reads
        assert job_reads(httpserver) == []

    def test_few_jobs_are_read_by_detail(self, httpserver, batch_waiter_for):
        """2 jobs over 10 servers of 5 groups never listed: 10 lookups a round would cost more than 2 reads."""
        records = [server(n, group="g%d" % (n % 5), job_id="old") for n in range(10)]
        ServerList(httpserver, records)
        jobs_of = {"b1": [r["id"] for r in records[:5]], "b2": [r["id"] for r in records[5:]]}
        serve_job(httpserver, "b1", batch_detail("b1", jobs_of["b1"], "RUNNING"),
                  batch_detail("b1", jobs_of["b1"], "SUCCESS"))
        serve_job(httpserver, "b2", batch_detail("b2", jobs_of["b2"], "SUCCESS"))
        waiter, _unused = batch_waiter_for([dict(r) for r in records], records)
        results = waiter.wait(jobs_of)
        assert results["b1"].status == "SUCCESS" and results["b2"].status == "SUCCESS"
        assert list_requests(httpserver) == []
        assert job_reads(httpserver) == [job_path("b1"), job_path("b2"), job_path("b1")]

    def test_a_list_showing_other_job_ids_is_not_trusted_again(self, httpserver, batch_waiter_for):
        """If the service lists a sub job id on the server, the list cannot tell: job details decide from then on."""
        records = batch_records(250)
        ServerList(httpserver, records)
        known = [dict(r) for r in records]
        jobs_of = start_batches(records, size=50)  # 5 jobs vs 3 pages: the list first
        for record in records:
            record["job_id"] = "sub-" + record["id"]
        for job_id, ids in jobs_of.items():
            serve_job(httpserver, job_id, batch_detail(job_id, ids, "RUNNING"), batch_detail(job_id, ids, "SUCCESS"))
        waiter, _unused = batch_waiter_for(known, records, group_sizes={"g1": 250})
        results = waiter.wait(jobs_of)
        assert all(r.status == "SUCCESS" for r in results.values())
        assert len(list_requests(httpserver)) == 3  # round 1 only
        assert len(job_reads(httpserver)) == 5 + 5  # round 1 (the list could not tell) and round 2
        assert waiter.list_told_other_jobs

    def test_failed_sub_jobs_keep_their_error_codes(self, httpserver, batch_waiter_for):
        records = batch_records(120)
        ServerList(httpserver, records)
        jobs_of = start_batches(records, size=20)  # 6 jobs vs 2 pages
        failing = jobs_of["batch-3"]
        serve_job(httpserver, "batch-3", detail("batch-3", "FAILED", *(
            [sub(failing[0], "FAILED", "WKS.00211401", "agent download failed")]
            + [sub(sid, "SUCCESS") for sid in failing[1:]])))
        waiter, clock = batch_waiter_for([dict(r) for r in records], records, group_sizes={"g1": 120})

        def end(rs):
            finish(rs)
            for record in rs:
                if record["id"] == failing[0]:
                    record["job_status"] = "FAILED"

        clock.script[2] = end
        results = waiter.wait(jobs_of)
        outcome = results["batch-3"].servers[failing[0]]
        assert (outcome.status, outcome.error_code) == (jobs.FAILED, "WKS.00211401")
        assert results["batch-3"].status == "FAILED" and results["batch-0"].status == "SUCCESS"
        assert job_reads(httpserver) == [job_path("batch-3")]  # once, for the error code


class FakeObserved:
    """An operation's state read: servers whose record shows ``image_id`` img-new show the change."""

    def __init__(self, records, pages):
        self.records = dict((r["id"], r) for r in records)
        self.pages = pages
        self.reads = []

    def cost(self, server_ids):
        return self.pages

    def read(self, server_ids):
        self.reads.append(len(server_ids))
        return dict((sid, dict(image_id="img-new")) for sid in server_ids
                    if self.records[sid]["image_id"] == "img-new")


class TestSettlingByState:

    def test_servers_that_show_the_change_succeed_and_their_state_is_final(self, httpserver, batch_waiter_for):
        records = batch_records(250)
        ServerList(httpserver, records)
        jobs_of = start_batches(records)  # 13 jobs
        last = sorted(jobs_of, key=lambda job_id: int(job_id.split("-")[1]))[-1]
        ordered = dict((job_id, jobs_of[job_id]) for job_id in sorted(jobs_of, key=lambda j: int(j.split("-")[1])))
        serve_job(httpserver, last, batch_detail(last, jobs_of[last], "RUNNING"),
                  batch_detail(last, jobs_of[last], "SUCCESS"))
        observed = FakeObserved(records, pages=3)
        waiter, clock = batch_waiter_for([dict(r) for r in records], records, group_sizes={"g1": 250},
                                         sentinel_first=True, observed=observed)
        clock.script[2] = finish
        results = waiter.wait(ordered, fresh=True)
        assert all(r.finished and r.status == "SUCCESS" for r in results.values())
        # a fresh wait, then round 1: the sentinel alone; round 2: it finished, the state of all 250 is read once
        assert job_reads(httpserver) == [job_path(last)] * 2
        assert observed.reads == [250] and list_requests(httpserver) == []
        assert len(waiter.final_states) == 250 and waiter.final_states["srv-007"] == dict(image_id="img-new")
        assert clock.sleeps == [10, 10]

    def test_a_server_that_does_not_show_it_is_decided_by_its_job(self, httpserver, batch_waiter_for):
        records = batch_records(250)
        ServerList(httpserver, records)
        jobs_of = start_batches(records)
        failing = jobs_of["batch-4"]
        serve_job(httpserver, "batch-4", detail("batch-4", "FAILED", *(
            [sub(failing[0], "FAILED", "WKS.00211401", "agent download failed")]
            + [sub(sid, "SUCCESS") for sid in failing[1:]])))
        for record in records:
            record["image_id"] = "img-new" if record["id"] != failing[0] else "img-old"
        observed = FakeObserved(records, pages=3)
        waiter, _unused = batch_waiter_for([dict(r) for r in records], records, group_sizes={"g1": 250},
                                           observed=observed)
        results = waiter.wait(jobs_of)
        assert results["batch-4"].servers[failing[0]].error_code == "WKS.00211401"
        assert job_reads(httpserver) == [job_path("batch-4")] and observed.reads == [250]
        assert failing[0] not in waiter.final_states and len(waiter.final_states) == 249

    def test_a_cheap_state_read_still_waits_on_the_sentinel_while_jobs_run(self, httpserver, batch_waiter_for):
        """100 servers, 5 jobs, a state read of one page: while the jobs run no server shows the change, so a round
        of state + 5 job details would cost 6; the sentinel costs 1 until it has finished, then the state 1."""
        records = batch_records(100)
        ServerList(httpserver, records)
        jobs_of = start_batches(records)
        ordered = dict((job_id, jobs_of[job_id]) for job_id in sorted(jobs_of, key=lambda j: int(j.split("-")[1])))
        last = list(ordered)[-1]
        serve_job(httpserver, last, batch_detail(last, jobs_of[last], "RUNNING"),
                  batch_detail(last, jobs_of[last], "RUNNING"), batch_detail(last, jobs_of[last], "SUCCESS"))
        observed = FakeObserved(records, pages=1)
        waiter, clock = batch_waiter_for([dict(r) for r in records], records, group_sizes={"g1": 100},
                                         sentinel_first=True, observed=observed)
        clock.script[3] = finish
        results = waiter.wait(ordered)
        assert all(r.status == "SUCCESS" for r in results.values())
        assert job_reads(httpserver) == [job_path(last)] * 3 and observed.reads == [100]
        assert len(waiter.final_states) == 100


# -- values the collection does not know, and servers in transition (issue 27) --------------------------------------

def test_an_unknown_job_status_is_still_running_and_named():
    result = jobs.JobResult("j1", ["s1"])
    result.update({"status": "QUEUED", "sub_jobs": [
        {"id": "sub-1", "status": "QUEUED", "job_resource_info": {"resource_id": "s1"}}]})
    assert not result.finished and result.servers["s1"].status == jobs.PENDING
    assert result.unknown == {("status", "QUEUED"): "job j1",
                              ("sub job status", "QUEUED"): "job j1, sub job sub-1 of server s1"}


def test_a_finished_job_holding_a_sub_job_of_unknown_status_is_not_finished():
    """Never success on a value nobody knows: the job is read again until the sub job shows a known status."""
    result = jobs.JobResult("j1", ["s1", "s2"])
    result.update({"status": "SUCCESS", "sub_jobs": [
        {"status": "PAUSED", "job_resource_info": {"resource_id": "s1"}},
        {"status": "SUCCESS", "job_resource_info": {"resource_id": "s2"}}]})
    assert not result.finished
    assert (result.servers["s1"].status, result.servers["s2"].status) == (jobs.PENDING, jobs.SUCCEEDED)
    result.update({"status": "SUCCESS", "sub_jobs": [
        {"status": "SUCCESS", "job_resource_info": {"resource_id": "s1"}},
        {"status": "SUCCESS", "job_resource_info": {"resource_id": "s2"}}]})
    assert result.finished and result.servers["s1"].status == jobs.SUCCEEDED


NOW = 1800000000.0


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


@pytest.mark.parametrize("record, moving", [
    (dict(status="REGISTERED", task_status="rebuilding"), None),  # busy, but registered: not this rule's business
    (dict(status="UNREGISTER", task_status="rebuilding", job_status="RUNNING"), "task rebuilding"),
    (dict(status="UNREGISTER", job_status="WAITING", job_type="CHANGE_SERVER_IMAGE", job_id="j"), "job j WAITING"),
    (dict(status="UNREGISTER", vm_status="REBOOT"), "vm_status REBOOT"),
    (dict(status="UNREGISTER", vm_status="ACTIVE", job_type="CHANGE_SERVER_IMAGE", job_status="SUCCESS",
          update_time=iso(NOW - 30)), "after a CHANGE_SERVER_IMAGE job, last changed 30s ago"),
    (dict(status="UNREGISTER", vm_status="ACTIVE", job_type="REINSTALL_OS", job_status="SUCCESS",
          update_time=iso(NOW - 3600)), None),  # long ago: an agent that is down
    (dict(status="UNREGISTER", vm_status="ACTIVE", job_type="UPGRADE_ACCESS_AGENT", job_status="FAILED",
          update_time=iso(NOW - 30)), None),  # nothing rebuilt or restarted it
    (dict(status="UNREGISTER", vm_status="ACTIVE", update_time=iso(NOW - 30)), None),  # no job at all: it is down
    (dict(status="UNREGISTER", vm_status="ACTIVE", job_type="UPDATE_SERVER_TSVI"), "no time of its last change"),
    (dict(status="STOPPED", vm_status="SHUTOFF", update_time=iso(NOW - 5)), None),
    (dict(status="FREEZE", update_time=iso(NOW - 5)), None),
    (dict(status="HIBERNATED"), "a value this collection does not know"),
])
def test_which_servers_are_in_transition(record, moving):
    why = jobs.in_transition(record, now=NOW)
    assert (why is None) if moving is None else (moving in why), why


@pytest.mark.parametrize("text, seconds", [
    ("2027-01-15T08:00:00Z", 1800000000), ("2027-01-15T08:00:00.123Z", 1800000000),
    ("2027-01-15T09:00:00+01:00", 1800000000), ("2027-01-15T08:00:00", 1800000000), ("yesterday", None), (None, None),
])
def test_service_times(text, seconds):
    assert jobs.service_time(text) == seconds
