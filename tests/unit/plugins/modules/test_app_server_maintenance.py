"""app_server_maintenance and the engine's submissions of a change applied at once, decision by decision, without HTTP
(the module runs against the simulator in tests/integration/test_maintenance.py)."""

import pytest

from tests.harness.module_args import patch_module_args

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import OperationModule
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import Rollout, ServerReport
from ansible_collections.huaweicloud.workspace_app.plugins.modules.app_server_maintenance import Maintenance

CONNECTION = dict(region="cn-north-4", project_id="p", access_key="AK", secret_key="SK",
                  endpoint="http://127.0.0.1:9")  # nothing listens there: no test may send a request


@pytest.fixture
def make_module(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HW_ACCESS_KEY", "HW_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)

    def make(**options):
        args = dict(CONNECTION, server_ids=["s1", "s2", "s3"], maintenance=True)
        args.update(options)
        with patch_module_args(args):
            operation = OperationModule(Maintenance).operation
        operation.rollout = Rollout(operation)  # the engine that runs it, kept for these tests
        return operation
    return make


def server(server_id, maintain_status=False):
    return dict(id=server_id, name="n-" + server_id, maintain_status=maintain_status, server_group_id="g1")


class Reader:
    """Stands in for ServerReader: what the re-read after a lost response shows."""

    def __init__(self, records):
        self.records = records

    def read(self, server_ids):
        return dict((sid, self.records[sid]) for sid in server_ids if sid in self.records)


def test_a_synchronous_module_has_no_wait_options(make_module):
    module = make_module()
    assert {"wait", "wait_timeout", "poll_interval"}.isdisjoint(module.module.params)
    assert module.params["batch_size"] == 20 and module.params["maintenance"] is True
    module.module.validate()  # no wait option to check


def test_plan_sends_only_servers_in_the_other_state(make_module):
    module = make_module()
    same = module.plan_server(server("s1", True))
    other = module.plan_server(server("s2", False))
    unknown = module.plan_server(dict(id="s3", name="n"))  # the service omitted the field: not in maintenance
    assert (same.action, same.before) == ("none", {"maintain_status": True})
    assert (other.action, other.before, other.after) == ("submit", {"maintain_status": False}, {"maintain_status": True})
    assert unknown.action == "submit"
    off = make_module(maintenance=False)
    assert off.plan_server(server("s1", True)).after == {"maintain_status": False}


def test_submit_counts_applied_servers_as_succeeded_and_changed(make_module, monkeypatch):
    module = make_module(batch_size=2)
    sent = []
    monkeypatch.setattr(api, "batch_change_server_maintain_mode",
                        lambda client, ids, flag: sent.append((list(ids), flag)))
    plan = [module.plan_server(server(sid)) for sid in ("s1", "s2", "s3")]
    reports = module.rollout.reports = dict((item.server_id, ServerReport(item)) for item in plan)
    module.rollout.submit(plan)
    assert module.rollout.new_jobs == []  # no job ids
    assert sent == [(["s1", "s2"], True), (["s3"], True)]
    assert module.rollout.jobs == {} and module.rollout.applied == ["s1", "s2", "s3"]
    assert [r.status for r in reports.values()] == ["succeeded"] * 3
    module.rollout.check_after(reports["s1"], {"maintain_status": False})
    assert reports["s1"].status == "failed"
    assert reports["s1"].error_msg == ("the service accepted the change but the server shows maintain_status=False "
                                       "instead of maintain_status=True; re-run the task")


def test_recover_after_a_lost_response_resends_only_what_did_not_change(make_module, monkeypatch):
    module = make_module()
    module.rollout.targets = dict((sid, server(sid)) for sid in ("s1", "s2"))
    monkeypatch.setattr(module.rollout, "reader", lambda: Reader({"s1": server("s1", True), "s2": server("s2", False)}))
    sent = []
    monkeypatch.setattr(api, "batch_change_server_maintain_mode", lambda client, ids, flag: sent.append(list(ids)))
    plan = [module.plan_server(server(sid)) for sid in ("s1", "s2")]
    answers = module.rollout.recover(plan, ApiError(None, None, "lost", "PATCH", "/x"))
    assert sent == [["s2"]]
    assert all(answer.applied for answer in answers.values())

    def busy(client, ids, flag):
        sent.append(list(ids))
        raise ApiError(409, "WKS.00211204", "busy", "PATCH", "/x")

    monkeypatch.setattr(api, "batch_change_server_maintain_mode", busy)
    with pytest.raises(ApiError):
        module.rollout.submit_batch(plan)  # a rejection is not resent
    assert sent == [["s2"], ["s1", "s2"]]


def test_report_has_no_jobs_and_says_what_was_done(make_module):
    module = make_module()
    plan = [module.plan_server(server("s1", True)), module.plan_server(server("s2"))]
    reports = module.rollout.reports = dict((item.server_id, ServerReport(item)) for item in plan)
    reports["s2"].status = "succeeded"
    result = module.rollout.outcome(True).result()
    assert "jobs" not in result and all("job_id" not in s for s in result["servers"])
    assert result["msg"] == "put 1 server(s) in maintenance mode; 1 already were"
    assert result["summary"] == {"total": 2, "unchanged": 1, "skipped": 0, "succeeded": 1, "failed": 0, "pending": 0}
