"""jobs.py: per-server outcomes of batch jobs and waiting for many jobs under one deadline.

Job details come from a real loopback server (pytest-httpserver) whose answers
change from one call to the next; the clock and sleep of JobWaiter are fake.
"""

import json

import pytest

from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import jobs

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
    def make(timeout=100, poll_interval=10):
        api_client, client_sleep = make_client(max_retries=0)
        clock = FakeClock()
        lines = []
        waiter = jobs.JobWaiter(api_client, timeout, poll_interval, clock=clock.time, sleep=clock.sleep,
                                progress=lines.append)
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
    assert lines[1] == "round 1: 1/2 job(s) finished; running: j-b"
    assert lines[2] == "round 2: 2/2 job(s) finished"
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
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.client import ApiError

    httpserver.expect_request(job_path("gone")).respond_with_data(
        json.dumps({"error_code": "WKS.00000404", "error_msg": "job not found"}), status=404)
    waiter, _unused, _unused = waiter_for()
    with pytest.raises(ApiError) as info:
        waiter.wait({"gone": ["s1"]})
    assert info.value.status == 404 and info.value.path == job_path("gone")
