"""operation.py through module.py: the engine's cycle (resolve, plan, submit in batches, wait, report).

A small Operation (an HDA-upgrade look-alike) is run as a module through
``patch_module_args`` against a loopback service (pytest-httpserver) that
lists servers, accepts upgrade batches and reports job outcomes.
"""

import json
import re

import pytest

from tests.harness.module_args import patch_module_args
from werkzeug.wrappers import Response

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api, connection, jobs, module, operation

AK = "HPUAEXAMPLEAK0000001"
SK = "sk-Secret/+=value-0123456789abcdefSECRET"
PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
SERVERS_PATH = "/v1/%s/app-servers" % PROJECT_ID
UPGRADE_PATH = SERVERS_PATH + "/access-agent/actions/upgrade"
JOB_RE = re.compile(r"^/v2/%s/job/(?P<job>[^/]+)$" % PROJECT_ID)


class HdaLikeModule(operation.Operation):
    """Upgrade every target to ``version``; servers with a running job are waited for."""

    kind = jobs.JobKind(None, None)
    options = dict(version=dict(type="str", default="2.0"))

    @classmethod
    def main(cls):
        module.run_operation(cls)

    def plan_server(self, server):
        before = {"version": server["version"]}
        if server.get("maintain_status"):
            return operation.PlanItem(server, "skip", before, note="in maintenance")
        after = {"version": self.params["version"]}
        if server.get("job_status") == "RUNNING":
            return operation.PlanItem(server, "wait", before, after, job_id=server["job_id"])
        if server["version"] == self.params["version"]:
            return operation.PlanItem(server, "none", before)
        return operation.PlanItem(server, "submit", before, after, batch_key=server.get("hda_type"))

    def send(self, items):
        job_id = api.batch_upgrade_hda_version(self.client, [item.server_id for item in items])
        return dict((item.server_id, jobs.Submission(job_id=job_id)) for item in items)

    def read_after(self, server_ids):
        return dict((server_id, {"version": "read-" + self.params["version"]}) for server_id in server_ids)


class Service:
    """The bits of the API the module uses, with knobs for failures."""

    def __init__(self, httpserver, servers):
        self.servers = servers
        self.batches = []  # the server ids of each upgrade request
        self.job_servers = {}
        self.failing = {}  # server id -> (error_code, error_message) for its sub job
        self.job_status = "SUCCESS"
        self.upgrade_error = None  # (status, body) to answer every upgrade with
        httpserver.expect_request(SERVERS_PATH, method="GET").respond_with_handler(self.list_servers)
        httpserver.expect_request(UPGRADE_PATH, method="PATCH").respond_with_handler(self.upgrade)
        httpserver.expect_request(JOB_RE, method="GET").respond_with_handler(self.job)

    def list_servers(self, request):
        selected = [s for s in self.servers if request.args.get("server_id") in (None, s["id"])]
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        return Response(json.dumps({"count": len(selected), "items": selected[offset:offset + limit]}),
                        content_type="application/json")

    def upgrade(self, request):
        if self.upgrade_error:
            status, body = self.upgrade_error
            return Response(json.dumps(body), status=status, content_type="application/json")
        items = json.loads(request.get_data())["items"]
        self.batches.append(items)
        job_id = "job-%d" % len(self.batches)
        self.job_servers[job_id] = items
        return Response(json.dumps({"job_id": job_id}), content_type="application/json")

    def job(self, request):
        job_id = JOB_RE.match(request.path).group("job")
        subs = []
        for server_id in self.job_servers.get(job_id, []):
            code, message = self.failing.get(server_id, (None, None))
            subs.append({"id": "sub-" + server_id, "status": "FAILED" if code else self.job_status,
                         "error_code": code, "error_message": message,
                         "job_resource_info": {"resource_id": server_id}})
        return Response(json.dumps({"id": job_id, "status": self.job_status, "sub_jobs": subs}),
                        content_type="application/json")


def fleet(versions, extra=None):
    """Servers srv-000, srv-001 … with these HDA versions; ``extra`` maps an index to more fields."""
    extra = extra or {}
    servers = []
    for n, version in enumerate(versions):
        server = {"id": "srv-%03d" % n, "name": "server-%d" % n, "version": version, "hda_type": "SBC"}
        server.update(extra.get(n, {}))
        servers.append(server)
    return servers


@pytest.fixture
def clean_env(monkeypatch, isolated_home):
    for names in connection.ENVIRONMENT.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def run(httpserver, capsys, clean_env):
    def run_module(**args):
        base = dict(endpoint=httpserver.url_for("/"), region="cn-north-4", project_id=PROJECT_ID, access_key=AK,
                    secret_key=SK, max_retries=0, poll_interval=0.01, wait_timeout=10)
        base.update(args)
        base = dict((k, v) for k, v in base.items() if v is not None)
        with patch_module_args(base):
            with pytest.raises(SystemExit) as info:
                HdaLikeModule.main()
        out = capsys.readouterr().out
        return info.value.code, json.loads(out), out

    return run_module


def mutations(httpserver):
    return [req for req, _unused in httpserver.log if req.method != "GET"]


def job_polls(httpserver):
    return [req.path for req, _unused in httpserver.log if JOB_RE.match(req.path)]


def summary(result):
    """The summary counts the contract fixes (extra keys may exist)."""
    return dict((key, result["summary"][key]) for key in ("total", "unchanged", "succeeded", "failed", "pending"))


def by_id(result):
    return dict((server["id"], server) for server in result["servers"])


def test_plan_batch_wait_report(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "2.0", "1.0", "1.5", "1.0"]))
    rc, result, _unused = run(server_ids=["srv-004", "srv-000", "srv-001", "srv-002", "srv-003"], batch_size=2)
    assert rc == 0
    assert not result.get("failed")
    assert result["changed"] is True
    assert service.batches == [["srv-000", "srv-002"], ["srv-003", "srv-004"]]
    assert result["jobs"] == ["job-1", "job-2"]
    assert summary(result) == dict(total=5, unchanged=1, succeeded=4, failed=0, pending=0)
    assert [server["id"] for server in result["servers"]] == ["srv-%03d" % n for n in range(5)]
    servers = by_id(result)
    assert servers["srv-001"] == dict(id="srv-001", name="server-1", action="none", status="unchanged", job_id=None,
                                      error_code=None, error_msg=None, before={"version": "2.0"},
                                      after={"version": "2.0"})
    assert servers["srv-003"]["action"] == "submitted"
    assert servers["srv-003"]["status"] == "succeeded"
    assert servers["srv-003"]["job_id"] == "job-2"
    assert servers["srv-003"]["before"] == {"version": "1.5"}
    assert servers["srv-003"]["after"] == {"version": "read-2.0"}  # re-read after success
    # every line says which targets it is about, the waiter's too (it appends through the same ProgressLines)
    label = "[5 servers: server-0, server-1, server-2, ...] "
    assert all(line.startswith(label) for line in result["progress"]), result["progress"]
    assert result["progress"][:2] == [label + "batch 1/2: 2 server(s) submitted",
                                      label + "batch 2/2: 2 server(s) submitted"]
    assert label + "waiting for 2 batch job(s) on 4 server(s), reading job details or the server list, whichever " \
                   "costs fewer requests" in result["progress"]
    assert sorted(job_polls(httpserver)) == ["/v2/%s/job/job-1" % PROJECT_ID, "/v2/%s/job/job-2" % PROJECT_ID]
    assert "diff" not in result


def test_batches_never_mix_batch_keys(httpserver, run):
    service = Service(httpserver, fleet(["1.0"] * 4, {1: {"hda_type": "OA_APP"}, 3: {"hda_type": "OA_APP"}}))
    rc, result, _unused = run(server_ids=["srv-000", "srv-001", "srv-002", "srv-003"], batch_size=20)
    assert rc == 0
    assert service.batches == [["srv-000", "srv-002"], ["srv-001", "srv-003"]]
    assert result["summary"]["succeeded"] == 4


def test_per_server_failure_fails_the_task(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "2.0", "1.0", "1.0"]))
    service.failing["srv-002"] = ("HDA.0042", "agent download failed")
    rc, result, _unused = run(server_ids=["srv-000", "srv-001", "srv-002", "srv-003"])
    assert rc == 1
    assert result["failed"] is True
    assert result["msg"] == "1 of 4 server(s) failed (server-2 (srv-002): HDA.0042 agent download failed)"
    assert summary(result) == dict(total=4, unchanged=1, succeeded=2, failed=1, pending=0)
    failed = by_id(result)["srv-002"]
    assert (failed["status"], failed["error_code"], failed["error_msg"]) == (
        "failed", "HDA.0042", "agent download failed")
    assert by_id(result)["srv-000"]["after"] == {"version": "read-2.0"}
    assert failed["after"] != {"version": "read-2.0"}  # only servers that succeeded are re-read
    assert result["changed"] is True and result["jobs"] == ["job-1"]


def test_check_mode_sends_no_mutation_and_does_not_wait(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "2.0", "1.0"], {2: {"job_status": "RUNNING", "job_id": "old"}}))
    rc, result, _unused = run(server_ids=["srv-000", "srv-001", "srv-002"], _ansible_check_mode=True, _ansible_diff=True)
    assert rc == 0
    assert mutations(httpserver) == [] and service.batches == []
    assert job_polls(httpserver) == []
    assert result["changed"] is True
    assert result["jobs"] == []
    assert summary(result) == dict(total=3, unchanged=1, succeeded=0, failed=0, pending=2)
    assert by_id(result)["srv-000"]["action"] == "submitted"
    assert by_id(result)["srv-000"]["status"] == "pending"
    # keyed by name (id); the servers list keeps both apart
    assert result["diff"] == {
        "before": {"server-0 (srv-000)": {"version": "1.0"}, "server-2 (srv-002)": {"version": "1.0"}},
        "after": {"server-0 (srv-000)": {"version": "2.0"}, "server-2 (srv-002)": {"version": "2.0"}}}
    assert (by_id(result)["srv-000"]["id"], by_id(result)["srv-000"]["name"]) == ("srv-000", "server-0")
    assert "progress" not in result  # nothing submitted, nothing waited for


def test_nothing_to_do_is_not_changed(httpserver, run):
    Service(httpserver, fleet(["2.0", "2.0"]))
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"])
    assert rc == 0
    assert result["changed"] is False
    assert summary(result) == dict(total=2, unchanged=2, succeeded=0, failed=0, pending=0)
    assert mutations(httpserver) == []


def test_running_job_is_waited_for_never_resubmitted(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0"], {1: {"job_status": "RUNNING", "job_id": "old-job"}}))
    service.job_servers["old-job"] = ["srv-001"]
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"])
    assert rc == 0
    assert service.batches == [["srv-000"]]
    waited = by_id(result)["srv-001"]
    assert (waited["action"], waited["status"], waited["job_id"]) == ("waited", "succeeded", "old-job")
    assert result["jobs"] == ["job-1"]
    assert "/v2/%s/job/old-job" % PROJECT_ID in job_polls(httpserver)


def test_no_wait_returns_job_ids_at_once(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0", "1.0"]))
    rc, result, _unused = run(server_ids=["srv-000", "srv-001", "srv-002"], wait=False, batch_size=2)
    assert rc == 0
    assert len(service.batches) == 2
    assert job_polls(httpserver) == []
    assert result["jobs"] == ["job-1", "job-2"]
    assert result["summary"]["pending"] == 3
    assert by_id(result)["srv-002"]["job_id"] == "job-2"


def test_timeout_fails_with_the_running_job_ids(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0"]))
    service.job_status = "RUNNING"
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"], wait_timeout=1, poll_interval=0.2)
    assert rc == 1
    assert "timed out" in result["msg"] and "job-1" in result["msg"]
    assert result["summary"]["pending"] == 2
    assert result["jobs"] == ["job-1"]


@pytest.mark.parametrize("args, text", [
    (dict(batch_size=21), "batch_size"),
    (dict(batch_size=0), "batch_size"),
    (dict(poll_interval=0), "poll_interval"),
    (dict(wait_timeout=-1), "wait_timeout"),
    (dict(wait_timeout=0), "wait_timeout"),  # would time out at once: wait: false says "do not wait"
    (dict(wait_timeout=86401), "wait_timeout"),
    (dict(poll_interval=3601), "poll_interval"),
    (dict(max_retries=-1), "max_retries"),
])
def test_bad_input_fails_before_any_request(httpserver, run, args, text):
    Service(httpserver, fleet(["1.0"]))
    rc, result, _unused = run(server_ids=["srv-000"], **args)
    assert rc == 1
    assert result["msg"].startswith(text + ":")
    assert result["changed"] is False
    assert httpserver.log == []


def test_wait_timeout_zero_is_allowed_without_waiting(httpserver, run):
    service = Service(httpserver, fleet(["1.0"]))
    rc, result, _unused = run(server_ids=["srv-000"], wait_timeout=0, wait=False)
    assert rc == 0 and service.batches == [["srv-000"]] and result["summary"]["pending"] == 1


def test_unknown_server_fails_before_any_mutation(httpserver, run):
    Service(httpserver, fleet(["1.0", "1.0"]))
    rc, result, _unused = run(server_ids=["srv-000", "srv-999"])
    assert rc == 1
    assert result["msg"] == "server_ids: unknown server id(s): srv-999"
    assert mutations(httpserver) == []


def test_bad_endpoint_fails_before_any_request(httpserver, run):
    Service(httpserver, fleet(["1.0"]))
    rc, result, _unused = run(server_ids=["srv-000"], endpoint="http://example.com")
    assert rc == 1
    assert result["msg"].startswith("endpoint:")
    assert httpserver.log == []


def test_rejected_batch_fails_it_and_skips_later_batches(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0", "1.0"]))
    service.upgrade_error = (400, {"error_code": "WKS.00211102", "error_msg": "The parameter is invalid."})
    rc, result, _unused = run(server_ids=["srv-000", "srv-001", "srv-002"], batch_size=2)
    assert rc == 1
    assert len(mutations(httpserver)) == 1
    servers = by_id(result)
    assert servers["srv-000"]["error_code"] == "WKS.00211102"
    assert "HTTP 400" in servers["srv-000"]["error_msg"]
    assert servers["srv-002"]["error_msg"].startswith("not submitted: an earlier batch failed")
    assert result["summary"]["failed"] == 3
    assert result["jobs"] == []
    assert "3 of 3 server(s) failed" in result["msg"]


def test_changed_false_when_every_submission_was_rejected(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0"]))
    service.upgrade_error = (400, {"error_code": "WKS.00211102", "error_msg": "The parameter is invalid."})
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"])
    assert rc == 1 and result["jobs"] == []
    assert result["changed"] is False


def test_authentication_failure_message(httpserver, run):
    httpserver.expect_request(SERVERS_PATH).respond_with_data(
        json.dumps({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}),
        status=401, headers={"X-Request-Id": "rid-401"})
    rc, result, _unused = run(server_ids=["srv-000"])
    assert rc == 1
    assert result["msg"].startswith("Authentication failed: GET %s failed: HTTP 401 APIGW.0301" % SERVERS_PATH)
    assert "rid-401" in result["msg"]
    assert result["error"]["request_id"] == "rid-401" and result["error"]["status"] == 401


def test_secrets_from_environment_are_masked(httpserver, run, clean_env):
    clean_env.setenv("HUAWEICLOUD_SDK_SK", SK)
    service = Service(httpserver, fleet(["1.0"]))
    service.upgrade_error = (400, {"error_code": "X.1", "error_msg": "rejected key %s" % SK})
    rc, result, out = run(server_ids=["srv-000"], secret_key=None)
    assert rc == 1
    assert SK not in out
    assert "rejected key" in by_id(result)["srv-000"]["error_msg"]
    # the signature was made with the SK from the environment
    assert mutations(httpserver)[0].headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s," % AK)


def test_skipped_server_is_reported_not_failed(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0"], {0: {"maintain_status": True}}))
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"])
    assert rc == 0
    assert service.batches == [["srv-001"]]
    skipped = by_id(result)["srv-000"]
    assert (skipped["action"], skipped["status"], skipped["error_msg"]) == ("none", "skipped", "in maintenance")
    assert result["summary"]["skipped"] == 1 and result["summary"]["failed"] == 0
    warnings = json.dumps(result.get("warnings"))  # ansible-core 2.19 returns structured warnings
    assert "1 server(s) skipped: server-0 (srv-000): in maintenance" in warnings


def test_plan_item_rejects_unknown_action():
    with pytest.raises(ValueError):
        operation.PlanItem({"id": "s"}, "resubmit")


def test_error_while_waiting_keeps_changed_and_job_ids(httpserver, run):
    service = Service(httpserver, fleet(["1.0"]))
    httpserver.handlers.clear()
    httpserver.expect_request(SERVERS_PATH, method="GET").respond_with_handler(service.list_servers)
    httpserver.expect_request(UPGRADE_PATH, method="PATCH").respond_with_handler(service.upgrade)
    httpserver.expect_request(JOB_RE, method="GET").respond_with_data(
        json.dumps({"error_code": "WKS.00129901", "error_msg": "unavailable"}), status=503)
    rc, result, _unused = run(server_ids=["srv-000"])
    assert service.batches == [["srv-000"]]  # the upgrade was accepted
    assert rc == 1
    assert result["changed"] is True
    assert "job-1" in json.dumps(result.get("jobs")) + result["msg"]


class RejectingModule(HdaLikeModule):
    """The service accepts the batch but rejects srv-001 in its per-server answer."""

    def send(self, items):
        answers = super(RejectingModule, self).send(items)
        if "srv-001" in answers:
            answers["srv-001"] = jobs.Submission(error_code="HDA.REJECT", error_msg="agent too old to upgrade")
        return answers


def test_server_rejected_at_submission_stays_failed(httpserver, capsys, clean_env):
    service = Service(httpserver, fleet(["1.0", "1.0"]))  # the job lists both servers as SUCCESS sub jobs
    args = dict(endpoint=httpserver.url_for("/"), region="cn-north-4", project_id=PROJECT_ID, access_key=AK,
                secret_key=SK, max_retries=0, poll_interval=0.01, server_ids=["srv-000", "srv-001"])
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            RejectingModule.main()
    result = json.loads(capsys.readouterr().out)
    assert info.value.code == 1
    assert service.batches == [["srv-000", "srv-001"]]
    rejected = by_id(result)["srv-001"]
    assert (rejected["status"], rejected["error_code"], rejected["error_msg"]) == (
        "failed", "HDA.REJECT", "agent too old to upgrade")
    assert by_id(result)["srv-000"]["status"] == "succeeded"
    assert summary(result) == dict(total=2, unchanged=0, succeeded=1, failed=1, pending=0)


class RecordingWaiter(jobs.JobWaiter):
    """The default strategy, recording what the module hands to it."""

    made = []

    def __init__(self, *args, **kwargs):
        super(RecordingWaiter, self).__init__(*args, **kwargs)
        RecordingWaiter.made.append(self)


class StrategyModule(HdaLikeModule):
    kind = jobs.JobKind(None, None, waiter_class=RecordingWaiter)


def run_as(module_class, httpserver, capsys, **args):
    base = dict(endpoint=httpserver.url_for("/"), region="cn-north-4", project_id=PROJECT_ID, access_key=AK,
                secret_key=SK, max_retries=0, poll_interval=0.01)
    base.update(args)
    with patch_module_args(base):
        with pytest.raises(SystemExit) as info:
            module_class.main()
    return info.value.code, json.loads(capsys.readouterr().out)


def test_the_subclass_chooses_the_waiting_strategy(httpserver, capsys, clean_env):
    Service(httpserver, fleet(["1.0", "2.0", "1.0"], {2: {"server_group_id": "g1"}}))
    RecordingWaiter.made[:] = []
    rc, result = run_as(StrategyModule, httpserver, capsys, server_ids=["srv-000", "srv-001", "srv-002"])
    assert rc == 0 and result["summary"]["succeeded"] == 2
    (waiter,) = RecordingWaiter.made
    # it gets every target record the plan used (a strategy polling by server needs their groups and jobs)
    assert sorted(waiter.servers) == ["srv-000", "srv-001", "srv-002"]
    assert waiter.servers["srv-002"]["server_group_id"] == "g1"
    assert waiter.group_sizes == {}  # explicit servers: no group was read whole


def test_default_strategy_reads_a_single_job_not_the_list(httpserver, run):
    assert jobs.JobKind("UPGRADE_ACCESS_AGENT", None).waiter_class is jobs.BatchJobWaiter
    Service(httpserver, fleet(["1.0"]))
    rc, _unused, _unused = run(server_ids=["srv-000"])
    assert rc == 0 and job_polls(httpserver) == ["/v2/%s/job/job-1" % PROJECT_ID]


class StrictModule(HdaLikeModule):
    """Its re-read state ("read-2.0") never shows the planned "2.0": every success is doubted."""

    def reached(self, planned, after):
        return after == planned


def test_success_whose_state_does_not_show_the_plan_fails_the_server(httpserver, capsys, clean_env):
    Service(httpserver, fleet(["1.0", "2.0"]))
    rc, result = run_as(StrictModule, httpserver, capsys, server_ids=["srv-000", "srv-001"])
    assert rc == 1
    doubted = by_id(result)["srv-000"]
    assert (doubted["status"], doubted["job_id"], doubted["after"]) == ("failed", "job-1", {"version": "read-2.0"})
    # it shows neither what it showed before nor the plan: no lag to wait for, it fails at once
    assert doubted["error_msg"] == "job job-1 succeeded but the server shows version=read-2.0 instead of version=2.0; re-run the task"
    assert not any("do not show the change yet" in line for line in result["progress"])
    assert by_id(result)["srv-001"]["status"] == "unchanged"
    assert "1 of 2 server(s) failed" in result["msg"]


# -- naming servers: name (id) in --diff and messages, a target label on every progress line ------------------------
def test_a_server_without_a_name_is_named_by_its_id(httpserver, run):
    service = Service(httpserver, fleet(["1.0", "1.0"], {1: {"name": None}}))
    service.failing["srv-001"] = ("HDA.0042", "agent download failed")
    rc, result, _unused = run(server_ids=["srv-000", "srv-001"], _ansible_diff=True)
    assert rc == 1
    assert result["msg"] == "1 of 2 server(s) failed (srv-001: HDA.0042 agent download failed)"
    assert sorted(result["diff"]["before"]) == ["server-0 (srv-000)", "srv-001"]
    assert result["diff"]["after"]["server-0 (srv-000)"] == {"version": "read-2.0"}  # a real run: the re-read state
    assert result["diff"]["after"]["srv-001"] == {"version": "1.0"}  # failed: nothing known to have changed
    assert by_id(result)["srv-001"]["name"] is None
    assert result["progress"][0] == "[2 servers: server-0, srv-001] batch 1/1: 2 server(s) submitted"


def test_failure_message_names_the_first_failed_servers(httpserver, run):
    service = Service(httpserver, fleet(["1.0"] * 5))
    for n in range(4):
        service.failing["srv-%03d" % n] = ("HDA.0042", "agent download failed")
    rc, result, _unused = run(server_ids=["srv-%03d" % n for n in range(5)])
    assert rc == 1
    assert result["msg"] == ("4 of 5 server(s) failed (server-0 (srv-000): HDA.0042 agent download failed; "
                             "server-1 (srv-001): HDA.0042 agent download failed; "
                             "server-2 (srv-002): HDA.0042 agent download failed; ...)")


def test_progress_lines_of_one_server_carry_its_name(httpserver, run):
    Service(httpserver, fleet(["1.0"]))
    rc, result, _unused = run(server_ids=["srv-000"])
    assert rc == 0
    assert result["progress"] and all(line.startswith("[server-0] ") for line in result["progress"])


@pytest.mark.parametrize("records, label", [
    ([{"server_group_id": "grp-1", "server_group_name": "apps-prod"}], "[group apps-prod] "),
    ([{"server_group_id": "grp-1"}], "[group grp-1] "),  # the records do not name the group: its id
])
def test_progress_lines_of_a_group_carry_the_group(httpserver, run, records, label):
    servers = fleet(["1.0"] * 3, dict((n, records[0]) for n in range(3)))
    Service(httpserver, servers)
    httpserver.expect_request(SERVERS_PATH.replace("app-servers", "app-server-groups/grp-1"), method="GET") \
        .respond_with_json({"id": "grp-1", "name": "apps-prod"})
    rc, result, _unused = run(server_group_id="grp-1")
    assert rc == 0, result
    assert result["progress"][0] == label + "batch 1/1: 3 server(s) submitted"
    assert all(line.startswith(label) for line in result["progress"])


@pytest.mark.parametrize("servers, group, label", [
    ([{"id": "s1", "name": "web-01"}], {}, "[web-01]"),
    ([{"id": "s1"}], {}, "[s1]"),
    ([{"id": "s2", "name": "web-02"}, {"id": "s1", "name": "web-01"}], {}, "[2 servers: web-01, web-02]"),
    ([{"id": "s%d" % n, "name": "web-%02d" % n} for n in range(3, 0, -1)], {}, "[3 servers: web-01, web-02, web-03]"),
    ([{"id": "s%d" % n, "name": "web-%02d" % n} for n in range(25)], {},
     "[25 servers: web-00, web-01, web-02, ...]"),
    ([{"id": "s1", "name": "web-01"}], dict(group_id="g1"), "[group g1]"),
    ([], dict(group_id="g1", group_name="apps-prod"), "[group apps-prod]"),
    ([], {}, None),
])
def test_target_label(servers, group, label):
    assert operation.target_label(servers, **group) == label


def test_server_label():
    assert operation.server_label("3f2c", "web-01") == "web-01 (3f2c)"
    assert operation.server_label("3f2c", None) == operation.server_label("3f2c", "") == "3f2c"


def test_progress_lines_prefix_every_line_with_the_label_also_in_the_live_file(tmp_path):
    live = tmp_path / "progress"
    lines = operation.ProgressLines(str(live))
    lines.append("before the targets are known")
    lines.label = "[web-01]"
    append = lines.append  # what the waiter is given
    append("round 1: done")
    lines.extend(["one", "two"])
    assert lines == ["before the targets are known", "[web-01] round 1: done", "[web-01] one", "[web-01] two"]
    assert live.read_text().splitlines() == list(lines)
    assert lines.labelled("x") == "[web-01] x"
