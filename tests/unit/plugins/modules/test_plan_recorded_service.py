"""The recorded service of the plan-level tests (tests/harness/recorded.py) serves what the official SDK reads:
every record the tests put there, read over HTTP, conforms to the SDK's response model (no field the model lacks,
enum values the model lists), and scripted answers, hooks and the request record behave as the tests rely on."""

import importlib
import re

import pytest
import requests

from simulator.jobs import TASK_STATUS
from simulator.routing import EMPTY

from tests.harness.recorded import Error

PRIMITIVES = ("str", "int", "bool", "float", "datetime", "date", "object")


def sdk_type(name):
    """A model or enum class of the official SDK (imported on first use: the package is large)."""
    return getattr(importlib.import_module("huaweicloudsdkworkspaceapp.v1"), name)


def conform(value, type_name, where):
    """Assert that the JSON ``value`` is what the SDK's ``type_name`` (``list[X]``, ``dict(str, X)``, a model or an
    enum class, a primitive) can hold; ``where`` names it in failures."""
    if value is None or type_name in PRIMITIVES:
        return
    listed = re.fullmatch(r"list\[(.+)\]", type_name)
    if listed:
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            conform(item, listed.group(1), "%s[%d]" % (where, index))
        return
    mapped = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if mapped:
        assert isinstance(value, dict), where
        for key, item in value.items():
            conform(item, mapped.group(1), "%s.%s" % (where, key))
        return
    model = sdk_type(type_name)
    fields = getattr(model, "openapi_types", None)
    if fields:
        assert isinstance(value, dict), where
        unknown = sorted(set(value) - set(fields))
        assert not unknown, "%s: %s has no field %s" % (where, type_name, ", ".join(unknown))
        for key, item in value.items():
            conform(item, fields[key], "%s.%s" % (where, key))
        return
    allowed = set(getattr(model, name) for name in vars(model) if name.isupper())
    assert value in allowed, "%s: %r is not a %s (%s)" % (where, value, type_name, ", ".join(sorted(allowed)))


@pytest.fixture
def tenant(service):
    """Records of every kind the plan tests shape: job fields of each job type, power and server states, sessions
    (ended ones too), jobs with failed sub jobs, a scaling policy."""
    group = service.group("apps-prod", ip_virtual=True)
    vdi = service.group("vdi", is_vdi=True, is_gpu=True)
    servers = [service.server(group, name="plain"), service.server(vdi, name="gpu", session_count=2),
               service.server(group, name="stopped", vm_status="SHUTOFF"),
               service.server(group, name="broken", vm_status="ERROR", status="FREEZE"),
               service.server(group, name="rebooting", task_status="rebooting")]
    for job_type, (running, succeeded, failed) in sorted(TASK_STATUS.items()):
        for status, task in (("RUNNING", running), ("SUCCESS", succeeded), ("FAILED", failed)):
            server = service.server(group, name="%s-%s" % (job_type.lower(), status.lower()))
            job_id = service.job(job_type, [server], status=status,
                                 errors={server["id"]: ("WKS.00211401", "failed")} if status == "FAILED" else None)
            service.patch(server, job_id=job_id, job_type=job_type, job_status=status, task_status=task)
            servers.append(server)
    ended = service.state.log_on(servers[0]["id"], user_name="alice", session_state="Disconnected")
    service.end_sessions([ended["id"]])
    service.state.set_scaling_policy(group["id"], dict(max_scaling_amount=10, single_expansion_count=2))
    return group, vdi, servers


def get(service, path, **query):
    answer = requests.get(service.connection["endpoint"] + path.format(p=service.project_id), params=query,
                          timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("path, model, query", [
    ("/v1/{p}/app-servers", "ListServersResponse", dict(limit=100)),
    ("/v1/{p}/app-servers/access-agent/list", "ListServerHdaDetailsResponse", dict(limit=100)),
    ("/v1/{p}/app-servers/access-agent/latest-version", "ShowAccessAgentLatestVersionResponse", {}),
    ("/v1/{p}/app-servers/access-agent/actions/show-latest-version", "ListAccessAgentLatestVersionResponse", {}),
    ("/v1/{p}/app-server-groups", "ListServerGroupsResponse", dict(limit=100)),
    ("/v1/{p}/session/list-sessions", "ListSessionsResponse", dict(limit=100)),
])
def test_listings_conform_to_the_sdk_models(service, tenant, path, model, query):
    answer = get(service, path, **query)
    conform(answer, model, model)
    assert answer and all(value not in (None, [], {}) for value in answer.values())


def test_details_jobs_and_policies_conform_to_the_sdk_models(service, tenant):
    group, vdi, servers = tenant
    for each in (group, vdi):
        conform(get(service, "/v1/{p}/app-server-groups/" + each["id"]), "ShowServerGroupResponse", each["name"])
    conform(get(service, "/v1/{p}/app-servers/" + servers[0]["id"]), "ShowServerResponse", "show_server")
    conform(get(service, "/v1/{p}/scaling-policy", server_group_id=group["id"]), "ShowScalingPolicyResponse",
            "scaling policy")
    jobs = [server["job_id"] for server in servers if server.get("job_id")]
    assert len(jobs) == 3 * len(TASK_STATUS)  # a running, a succeeded and a failed job of every kind
    for job_id in jobs:
        detail = get(service, "/v2/{p}/job/" + job_id)
        conform(detail, "ShowJobDetailResponse", "job %s" % job_id)
        assert detail["sub_jobs"][0]["job_resource_info"]["resource_id"] in [s["id"] for s in servers]


@pytest.mark.parametrize("model, answer", [
    ("BatchUpgradeHdaVersionResponse", {"job_id": "575945548515770369"}),
    ("BatchUpdateTsviResponse", {"job_id": "575945548515770369"}),
    ("BatchDeleteServerResponse", {"job_id": "575945548515770369"}),
    ("CreateAppServersResponse", {"job_id": "575945548515770369"}),
    ("BatchChangeServerImageResponse", {"items": [
        {"server_id": "s1", "job_id": "575945548515770369", "error_code": "", "error_message": ""},
        {"server_id": "s2", "job_id": "", "error_code": "WKS.00211204",
         "error_message": "The server has a task in progress. Try again later."}]}),
])
def test_the_scripted_answers_the_tests_use_conform_to_the_sdk_models(model, answer):
    conform(answer, model, model)


def test_the_checker_catches_an_invented_field_or_value(service, tenant):
    with pytest.raises(AssertionError, match="has no field state"):
        conform({"items": [{"id": "s1", "state": "on"}]}, "ListServersResponse", "servers")
    with pytest.raises(AssertionError, match="'busy' is not a AppServerTaskStatus"):
        conform({"items": [{"id": "s1", "task_status": "busy"}]}, "ListServersResponse", "servers")


def test_scripted_answers_hooks_and_the_request_record(service):
    endpoint = service.connection["endpoint"] + "/v1/%s/app-servers/actions/batch-maint" % service.project_id
    seen = []
    service.reply("batch_change_server_maintain_mode", Error(409, "WKS.00211204", "busy"), EMPTY)
    service.before("batch_change_server_maintain_mode", lambda request: seen.append(request.body))
    first = requests.patch(endpoint, json={"items": ["s1"], "maintain_status": True}, timeout=5)
    second = requests.patch(endpoint, json={"items": ["s2"], "maintain_status": True}, timeout=5)
    third = requests.patch(endpoint, json={"items": ["s3"], "maintain_status": True}, timeout=5)
    assert (first.status_code, first.json()) == (409, {"error_code": "WKS.00211204", "error_msg": "busy"})
    assert (second.status_code, second.content, third.status_code) == (200, b"", 200)  # the last answer repeats
    assert seen == [{"items": ["s1"], "maintain_status": True}]  # a hook runs once unless asked otherwise
    assert [(r.method, r.operation, r.body["items"]) for r in service.mutations] == [
        ("PATCH", "batch_change_server_maintain_mode", ["s1"]),
        ("PATCH", "batch_change_server_maintain_mode", ["s2"]),
        ("PATCH", "batch_change_server_maintain_mode", ["s3"])]
    service.unscripted_expected = True
    unscripted = requests.post(service.connection["endpoint"] + "/v1/%s/session/logoff" % service.project_id,
                               json={"session_ids": ["x"]}, timeout=5)
    assert unscripted.status_code == 400 and [r.operation for r in service.unscripted] == ["logoff_user_session"]
    unknown = requests.get(service.connection["endpoint"] + "/v1/%s/no-such-api" % service.project_id, timeout=5)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "APIGW.0101"
