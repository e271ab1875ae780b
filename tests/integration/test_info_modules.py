"""The three info modules through ansible-playbook against the simulator."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from tests.harness import Scenario, ScenarioSet, connection_defaults

FQCN = "huaweicloud.workspace_app."


def new_sim(make_simulator):
    return make_simulator(servers=12, groups=2, outdated_hda=0.25)


@pytest.fixture
def sim(make_simulator):
    return new_sim(make_simulator)


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
# The tests that look at what -vvv prints share a second run at -vvv; those that set environment variables keep
# runs of their own.
scenario = ScenarioSet("info")
scenario_vvv = ScenarioSet("info-vvv", verbosity=3)
shared = scenario.fixture()
shared_vvv = scenario_vvv.fixture()


@pytest.fixture
def runner(runner_for, sim):
    return runner_for(sim)


@scenario
def aksk(make_simulator):
    sim = new_sim(make_simulator)
    group_id = sorted(sim.state.groups)[0]
    return Scenario("aksk", sim, [
        {"name": "all", FQCN + "app_server_info": {}, "register": "everything"},
        {"name": "one group with hda", FQCN + "app_server_info": {"server_group_id": group_id, "hda": True},
         "register": "group"},
        {"name": "by name", FQCN + "app_server_info": {"name": "sim-server-000"}, "register": "named"},
    ])


def test_server_info_with_aksk_via_module_defaults(shared):
    run = shared["aksk"]
    sim = run.sim
    group_id = sorted(sim.state.groups)[0]
    assert run.rc == 0, run.output
    servers = run["everything"]["servers"]
    assert run["everything"]["changed"] is False
    assert len(servers) == 12
    assert [s["id"] for s in servers] == sorted(sim.state.servers)
    assert "current_version" not in servers[0]

    in_group = run["group"]["servers"]
    assert {s["server_group_id"] for s in in_group} == {group_id}
    assert len(in_group) == len([s for s in sim.state.servers.values() if s["server_group_id"] == group_id])
    for server in in_group:
        assert server["current_version"] == sim.state.hda_version(server["id"])

    assert {s["name"] for s in run["named"]["servers"]} == {
        s["name"] for s in sim.state.servers.values() if "sim-server-000" in s["name"]}
    assert all(r.auth == "aksk" for r in sim.log.requests(operation="list_servers"))
    assert not sim.log.mutations()


@scenario
def filters(make_simulator):
    sim = new_sim(make_simulator)
    ids = sorted(sim.state.servers)
    maintained = ids[3]
    sim.state.servers[maintained]["maintain_status"] = True
    return Scenario("filters", sim, [
        {FQCN + "app_server_info": {"server_ids": [ids[0], ids[5], "does-not-exist"]}, "register": "few"},
        {FQCN + "app_server_info": {"server_ids": ids[:8]}, "register": "many"},
        {FQCN + "app_server_info": {"maintain_status": True}, "register": "maint"},
    ])


def test_server_info_filters_ids_and_maintenance(shared):
    run = shared["filters"]
    ids = sorted(run.sim.state.servers)
    maintained = ids[3]
    assert run.rc == 0, run.output
    assert [s["id"] for s in run["few"]["servers"]] == [ids[0], ids[5]]
    assert [s["id"] for s in run["many"]["servers"]] == ids[:8]
    assert [s["id"] for s in run["maint"]["servers"]] == [maintained]


def test_env_only_credentials_resolve_project_through_iam(sim, runner):
    creds = sim.credentials
    env = {
        "HUAWEICLOUD_SDK_AK": creds["ak"],
        "HUAWEICLOUD_SDK_SK": creds["sk"],
        "HUAWEICLOUD_SDK_REGION": creds["region"],
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": sim.url,
        "HW_WORKSPACE_APP_ENDPOINT": sim.url,
    }
    run = runner.run([{FQCN + "app_server_group_info": {}, "register": "group_list"}], module_defaults={}, env=env)
    assert run.rc == 0, run.output
    groups = run["group_list"]["server_groups"]
    assert sorted(g["id"] for g in groups) == sorted(sim.state.groups)
    for group in groups:
        assert "ip_virtual" in group and "route_policy" in group  # detail-only fields merged in
    projects = sim.log.requests(operation="keystone_list_projects")
    assert len(projects) == 1
    assert projects[0].query.get("name") == creds["region"]


def test_second_env_name_and_credentials_file(sim, runner, tmp_path):
    creds = sim.credentials
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text("[basic]\nak = %s\nsk = %s\nproject_id = %s\n"
                                % (creds["ak"], creds["sk"], creds["project_id"]))
    env = {"HW_REGION_NAME": creds["region"], "HW_WORKSPACE_APP_ENDPOINT": sim.url,
           "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(credentials_file)}
    run = runner.run([{FQCN + "app_server_info": {}, "register": "servers"}], module_defaults={}, env=env)
    assert run.rc == 0, run.output
    assert len(run["servers"]["servers"]) == 12
    assert not sim.log.requests(operation="keystone_list_projects")


@scenario
def token(make_simulator):
    return Scenario("token", new_sim(make_simulator), [
        {FQCN + "app_server_group_info": {"app_type": "SESSION_DESKTOP_APP"}, "register": "group_list"}], auth="token")


def test_token_auth(shared):
    run = shared["token"]
    sim = run.sim
    assert run.rc == 0, run.output
    assert all(g["app_type"] == "SESSION_DESKTOP_APP" for g in run["group_list"]["server_groups"])
    assert run["group_list"]["server_groups"]
    assert {r.auth for r in sim.log.requests(operation="list_server_groups")} == {"token"}


def test_job_info_reports_sub_jobs_per_server(sim, runner, api_client_for):
    ids = sorted(sim.state.servers)[:3]
    sim.state.fail_next_job([ids[1]], error_code="WKS.00211401", error_msg="upgrade failed on purpose")
    job_id = api.batch_upgrade_hda_version(api_client_for(sim), ids)
    base_image = next(iter(sim.state.groups.values()))["image_id"]
    image_job = api.create_image_server(api_client_for(sim), dict(  # an image server job, on the other endpoint
        name="golden-src", root_volume=dict(type="SAS", size=80), image_ref=dict(id=base_image, image_type="private"),
        vpc_id="vpc-1", subnet_id="subnet-1", product_id="p", authorize_accounts=[]))
    run = runner.run([
        {FQCN + "app_job_info": {"job_id": job_id}, "register": "job",
         "until": "job.job.status in ['SUCCESS', 'FAILED']", "retries": 20, "delay": 1},
        {FQCN + "app_job_info": {"job_id": image_job, "job_kind": "auto"}, "register": "image_job",
         "until": "image_job.job.status in ['SUCCESS', 'FAILED']", "retries": 20, "delay": 1},
    ])
    image = run["image_job"]["job"]
    assert (image["kind"], image["job_type"], image["status"]) == ("image", "CREATE_SERVER", "SUCCESS")
    assert image["resource_id"] in sim.state.image_servers and image["sub_jobs"][0]["resource_name"] == "golden-src"
    assert run.rc == 0, run.output
    job = run["job"]["job"]
    assert job["id"] == job_id
    assert job["job_type"] == "UPGRADE_ACCESS_AGENT"
    assert job["status"] == "FAILED"
    by_server = {sub["server_id"]: sub for sub in job["sub_jobs"]}
    assert sorted(by_server) == ids
    assert by_server[ids[1]]["status"] == "FAILED"
    assert by_server[ids[1]]["error_code"] == "WKS.00211401"
    assert by_server[ids[0]]["status"] == "SUCCESS" and by_server[ids[0]]["error_code"] is None


@scenario
def unknown_job(make_simulator):
    return Scenario("unknown_job", new_sim(make_simulator), [
        {FQCN + "app_job_info": {"job_id": "999999999999999999"}, "register": "job"}])


def test_unknown_job_fails_clearly(shared):
    run = shared["unknown_job"]
    assert run.rc != 0
    assert "job_id: no job with id '999999999999999999'" in run["job"]["msg"]
    assert run["job"]["error"]["status"] == 404


@scenario
def check_mode(make_simulator):
    return Scenario("check_mode", new_sim(make_simulator), [
        {FQCN + "app_server_info": {"hda": True}, "register": "servers"},
        {FQCN + "app_server_group_info": {}, "register": "group_list"},
    ], check=True)


def test_info_modules_in_check_mode(shared):
    run = shared["check_mode"]
    assert run.rc == 0, run.output
    assert run["servers"]["changed"] is False and len(run["servers"]["servers"]) == 12
    assert run["group_list"]["changed"] is False


@scenario_vvv
def wrong_secret(make_simulator):
    sim = new_sim(make_simulator)
    defaults = connection_defaults(sim)
    defaults["secret_key"] = "WrongSecret-0123456789-abcdef"
    return Scenario("wrong_secret", sim, [{FQCN + "app_server_info": {}, "register": "servers"}],
                    module_defaults=defaults)


def test_wrong_secret_is_a_clear_authentication_failure_and_never_printed(shared_vvv):
    run = shared_vvv["wrong_secret"]
    sim = run.sim
    assert run.rc != 0
    msg = run["servers"]["msg"]
    assert msg.startswith("Authentication failed")
    assert "HTTP 401" in msg and "APIGW.0301" in msg
    assert "WrongSecret-0123456789-abcdef" not in run.shared_output  # the whole -vvv run's output
    assert "WrongSecret-0123456789-abcdef" not in str(run.run.results)
    assert sim.credentials["sk"] not in run.shared_output


def test_secrets_from_environment_never_appear_at_vvv(sim, runner):
    creds = sim.credentials
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"],
           "HUAWEICLOUD_SDK_PROJECT_ID": creds["project_id"], "HUAWEICLOUD_SDK_REGION": creds["region"],
           "HW_WORKSPACE_APP_ENDPOINT": sim.url}
    run = runner.run([
        {FQCN + "app_server_info": {}, "register": "ok"},
        {FQCN + "app_job_info": {"job_id": "123"}, "register": "failing", "ignore_errors": True},
    ], module_defaults={}, env=env, verbosity=3)
    assert run.rc == 0, run.output
    assert run["failing"]["failed"] is True
    assert creds["sk"] not in run.output
    assert creds["sk"] not in str(run.results)


@scenario
def bad_endpoint(make_simulator):
    sim = new_sim(make_simulator)
    defaults = connection_defaults(sim)
    defaults["endpoint"] = "http://example.com"
    return Scenario("bad_endpoint", sim, [{FQCN + "app_server_info": {}, "register": "servers"}],
                    module_defaults=defaults)


def test_bad_endpoint_fails_before_any_request(shared):
    run = shared["bad_endpoint"]
    sim = run.sim
    assert run.rc != 0
    assert "endpoint: plain http:// is only allowed for loopback hosts" in run["servers"]["msg"]
    assert len(sim.log) == 0


@scenario
def missing_credentials(make_simulator):
    sim = new_sim(make_simulator)
    return Scenario("missing_credentials", sim, [
        {FQCN + "app_server_info": {"region": "cn-north-4", "endpoint": sim.url}, "register": "servers"}],
        module_defaults={})


def test_missing_credentials_name_every_place(shared):
    run = shared["missing_credentials"]
    sim = run.sim
    assert run.rc != 0
    msg = run["servers"]["msg"]
    for place in ("option access_key", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY", "option secret_key", "HUAWEICLOUD_SDK_SK",
                  "HW_SECRET_KEY", "credentials file", "auth_token"):
        assert place in msg
    assert len(sim.log) == 0


@scenario_vvv
def temporary_credentials(make_simulator):
    """Two scenarios on one simulator (two runs of their own before): temporary AK/SK, then a token."""
    sim = new_sim(make_simulator)
    creds = sim.credentials
    defaults = connection_defaults(sim, auth=None)
    defaults.update(access_key=creds["temp_ak"], secret_key=creds["temp_sk"], security_token=creds["security_token"],
                    project_id=creds["project_id"])
    return [Scenario("temporary", sim, [{FQCN + "app_server_info": {"server_ids": sorted(sim.state.servers)[:1]},
                                         "register": "temp"}], module_defaults=defaults),
            Scenario("temporary_token", sim, [{FQCN + "app_server_group_info": {}, "register": "tok"}], auth="token")]


def test_temporary_credentials_and_token_never_appear_at_vvv(shared_vvv):
    run, token_run = shared_vvv["temporary"], shared_vvv["temporary_token"]
    creds = run.sim.credentials
    assert run.rc == 0, run.output
    assert len(run["temp"]["servers"]) == 1
    assert token_run.rc == 0, token_run.output
    for secret in (creds["temp_sk"], creds["security_token"], creds["auth_token"]):
        assert secret not in run.shared_output  # the whole -vvv run's output
        assert secret not in str(run.run.results)


@scenario
def wrong_security_token(make_simulator):
    sim = new_sim(make_simulator)
    creds = sim.credentials
    defaults = connection_defaults(sim, auth=None)
    defaults.update(access_key=creds["temp_ak"], secret_key=creds["temp_sk"], security_token="not-the-token",
                    project_id=creds["project_id"])
    return Scenario("wrong_security_token", sim, [{FQCN + "app_server_info": {}, "register": "temp"}],
                    module_defaults=defaults)


def test_wrong_security_token_is_rejected(shared):
    run = shared["wrong_security_token"]
    assert run.rc != 0
    assert run["temp"]["msg"].startswith("Authentication failed") and "HTTP 401" in run["temp"]["msg"]
