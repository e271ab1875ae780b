"""The batch engine on items that are not servers: an application kind and a publish operation declared the way
docs/architecture.md shows, run through the real Rollout (no HTTP: the "service" is a dict the operation's send
writes to, and the kind's reader reads)."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import AppliedAtOnce, Submission
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    ItemKind, Operation, PlanItem, Rollout)


class Published:
    """What the service has published, by application name; ``faults``: answers for the next calls."""

    def __init__(self, names=()):
        self.apps = dict((name, dict(id="id-" + name, name=name)) for name in names)
        self.calls = []
        self.faults = []

    def read(self, keys):
        return dict((key, self.apps[key]) for key in keys if key in self.apps)

    def cost(self, keys):
        return 1


class Applications(ItemKind):
    noun = "application"
    result_key = "applications"
    identity = ("name", "id")

    def __init__(self, service):
        self.service = service

    def key(self, record):
        return record["name"]  # the application's name is its identity in an app group; its id comes from the service

    def label(self, fields):
        return fields["name"]

    def reader(self, context):
        return self.service


class Module:
    """What an operation reads of its module."""

    def __init__(self, params, check_mode=False):
        self.params = dict(dict(max_retries=3, wait=False, wait_timeout=60), **params)
        self.client = None
        self.check_mode = check_mode


def publish_operation(service):
    class Publish(Operation):
        items = Applications(service)
        kind = AppliedAtOnce()

        def find_targets(self):
            return [service.apps.get(name) or dict(name=name) for name in self.params["names"]]

        def plan_item(self, record):
            if record["name"] in service.apps:
                return PlanItem(record, "none", dict(published=True))
            return PlanItem(record, "submit", dict(published=False), dict(published=True), batch_key="publish")

        def batch_limit(self, batch_key):
            return {"publish": 20, "unpublish": 50}[batch_key]

        def send(self, items):
            names = [item.record["name"] for item in items]
            service.calls.append(names)
            fault = service.faults.pop(0) if service.faults else None
            if fault != "500":
                service.apps.update((name, dict(id="id-" + name, name=name)) for name in names)
            if fault:
                raise ApiError(500, None, "internal error", "POST", "/apps")
            return dict((name, Submission(applied=True)) for name in names)

        @staticmethod
        def observe(record):
            return dict(published=bool(record))

        def reached(self, planned, after):
            return after == planned

    assert Publish.declaration_errors() == []
    return Publish


def run(service, names, check_mode=False):
    operation = publish_operation(service)(Module(dict(names=names), check_mode))
    return Rollout(operation).run().result(diff=True)


NAMES = ["app-%02d" % number for number in range(25)]


def test_twenty_five_applications_go_in_two_calls_with_a_report_each():
    service = Published(["app-00"])
    result = run(service, NAMES)
    assert [len(call) for call in service.calls] == [20, 4]  # 24 to publish: 20 per publish call
    assert result["changed"] is True and "servers" not in result and len(result["applications"]) == 25
    first = result["applications"][0]
    assert (first["name"], first["id"]) == ("app-00", "id-app-00")  # its key is the name; its id the service's
    assert (first["action"], first["status"]) == ("none", "unchanged")
    assert result["summary"]["succeeded"] == 24 and result["summary"]["unchanged"] == 1
    assert set(result["diff"]["after"]) == set(NAMES[1:])  # the diff names applications by their label


def test_an_item_kind_may_name_the_action_of_a_submitted_item():
    service = Published(["app-00"])
    publish = publish_operation(service)
    publish.items = type("Named", (Applications,), dict(action=lambda self, item: item.batch_key))(service)
    result = Rollout(publish(Module(dict(names=NAMES[:2])))).run().result()
    assert [(entry["name"], entry["action"]) for entry in result["applications"]] == [("app-00", "none"),
                                                                                      ("app-01", "publish")]


def test_check_mode_reports_the_same_plan_and_sends_nothing():
    service = Published(["app-00"])
    result = run(service, NAMES, check_mode=True)
    assert service.calls == [] and result["changed"] is True
    assert [entry["action"] for entry in result["applications"]].count("submitted") == 24


def test_a_publish_applied_then_answered_500_is_read_back_not_sent_again():
    service = Published()
    service.faults = ["applied_then_500"]
    result = run(service, NAMES[:3])
    assert service.calls == [NAMES[:3]]  # the re-read showed all three published: nothing is sent twice
    assert result["summary"]["succeeded"] == 3 and result["changed"] is True


def test_a_publish_that_did_not_land_is_sent_again_and_failures_name_applications():
    service = Published()
    service.faults = ["500"]
    result = run(service, NAMES[:2])
    assert service.calls == [NAMES[:2], NAMES[:2]] and result["summary"]["succeeded"] == 2
    failing = Published()
    failing.faults = ["500"] * 10  # never lands
    outcome = Rollout(publish_operation(failing)(Module(dict(names=NAMES[:2], max_retries=1)))).run()
    assert outcome.failed and outcome.message().startswith("2 of 2 application(s) failed (app-00: ")


@pytest.mark.parametrize("names", [[], ["app-00"]])
def test_nothing_to_do_is_no_change(names):
    service = Published(names)
    assert run(service, names)["changed"] is False and service.calls == []


def test_a_limit_of_two_dimensions_is_declared_by_batch_fits():
    """Grants: (app group, account) pairs, at most 10 groups and 50 accounts in one call (batch_fits), 500 pairs
    a call at most (batch_limit): 1,000 accounts onto 5 groups is 20 calls of 5 x 50."""
    sent = []

    class Grant(Operation):
        items = type("Pairs", (ItemKind,), dict(noun="authorization", result_key="authorizations",
                                                identity=("app_group", "account"),
                                                # the key orders the batches: by account, then group
                                                key=lambda self, record: record["account"] + "/" + record["app_group"],
                                                reader=lambda self, context: Published()))()
        kind = AppliedAtOnce()

        def find_targets(self):
            return [dict(app_group=group, account=account) for group in self.params["groups"]
                    for account in self.params["accounts"]]

        def plan_item(self, record):
            return PlanItem(record, "submit", dict(granted=False), dict(granted=True))

        def batch_limit(self, batch_key):
            return 500

        @staticmethod
        def batch_fits(chunk, item):
            groups = set(i.record["app_group"] for i in chunk) | set([item.record["app_group"]])
            accounts = set(i.record["account"] for i in chunk) | set([item.record["account"]])
            return len(groups) <= 10 and len(accounts) <= 50

        def send(self, items):
            sent.append(items)
            return dict((item.record["account"] + "/" + item.record["app_group"], Submission(applied=True))
                        for item in items)

        @staticmethod
        def observe(record):
            return dict(granted=bool(record))

        def reached(self, planned, after):
            return after == planned

    assert Grant.declaration_errors() == []
    groups, accounts = ["g%d" % n for n in range(5)], ["user%04d" % n for n in range(1000)]
    result = Rollout(Grant(Module(dict(groups=groups, accounts=accounts)))).run().result()
    assert len(sent) == 20 and result["summary"]["succeeded"] == 5000
    for call in sent:
        assert len(set(i.record["app_group"] for i in call)) <= 10
        assert len(set(i.record["account"] for i in call)) <= 50
    assert result["authorizations"][0] == dict(result["authorizations"][0], app_group="g0", account="user0000")


def test_an_operation_on_items_that_are_not_servers_has_no_server_target_options():
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import operation_spec
    service = Published()
    publish = publish_operation(service)
    spec, _kwargs, _rules = operation_spec(publish)
    assert "server_ids" in spec and "batch_size" in spec  # declared without server_targets: servers' options

    class OwnTargets(publish):
        server_targets = False
        options = dict(names=dict(type="list", elements="str", required=True))

    assert OwnTargets.declaration_errors() == []
    spec, kwargs, rules = operation_spec(OwnTargets)
    assert sorted(spec) == ["names"] and kwargs == {} and rules == ()

    class Undeclared(Operation):
        items = Applications(service)
        kind = AppliedAtOnce()
        server_targets = False
        send = OwnTargets.send
        plan_item = OwnTargets.plan_item
        observe = OwnTargets.observe
        reached = OwnTargets.reached

    assert Undeclared.declaration_errors() == [
        "items that are not servers (server_targets = False) are read by find_targets and cut by batch_limit: "
        "declare both"]
