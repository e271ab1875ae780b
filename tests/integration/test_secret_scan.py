"""Secret scan: every module at -vvv, secrets as options and from the environment, failures forced.

No secret value (nor a 20-character slice of one) may appear in stdout/stderr or in any registered result.
Five ``ansible-playbook`` runs, one per test (the fifth: each of the collection's modules failing
twice), so xdist spreads them over its workers.
"""

import json
import os

import pytest

from tests.harness.collection import REPO_ROOT

NS = "huaweicloud.workspace_app."
FAST = {"poll_interval": 0.2, "wait_timeout": 60}
WRONG_SK_OPTION = "WrongSk-Option-7f3c9a1e5b2d4c6e8a0b1c2d"
WRONG_SK_ENV = "WrongSk-Environ-2b4d6f8a0c1e3a5c7e9b1d3f"
UNKNOWN_JOB = "999999999999999998"


def task(register, module, **options):
    return {"name": register, NS + module: options, "register": register, "ignore_errors": True}


def every_module(tag, fleet, **extra):
    """One task per module; app_job_info reads the job the image change submitted (or an unknown id)."""
    fleet["sim"].state.add_image("img-" + tag)  # the tenant has the image the image change moves to

    def opts(**options):
        options.update(extra)
        return options
    return [
        task(tag + "_info", "app_server_info", **opts(hda=True)),
        task(tag + "_group_info", "app_server_group_info", **opts()),
        task(tag + "_hda", "app_server_hda_upgrade", **opts(server_group_id=fleet["group1"], **FAST)),
        task(tag + "_image", "app_server_image",
             **opts(server_ids=[fleet["image_server"]], image_id="img-" + tag, image_type="private", **FAST)),
        task(tag + "_tsvi", "app_server_tsvi", **opts(server_group_id=fleet["group2"], force=True, **FAST)),
        task(tag + "_group", "app_server_group", **opts(server_group_id=fleet["group2"], description="scan " + tag)),
        task(tag + "_job", "app_job_info",
             **opts(job_id="{{ (%s_image.jobs | default([]))[0] | default('%s') }}" % (tag, UNKNOWN_JOB))),
    ]


@pytest.fixture
def fleet(make_simulator):
    sim = make_simulator(servers=6, groups=2, job_duration=0.3, outdated_hda=0.5)
    group1 = sim.state.group_by_name("sim-group-1")["id"]
    group2 = sim.state.group_by_name("sim-group-2")["id"]
    return {"sim": sim, "group1": group1, "group2": group2,
            "image_server": sorted(sim.state.server_ids(group1))[0]}


def secrets_of(sim, *extra):
    creds = sim.credentials
    values = [creds["sk"], creds["temp_sk"], creds["security_token"], creds["auth_token"], WRONG_SK_OPTION, WRONG_SK_ENV]
    return [value for value in values + list(extra) if value]


def assert_no_secret(run, secrets):
    texts = {"output": run.output, "results": json.dumps(run.results)}
    for secret in secrets:
        probes = [secret, secret[len(secret) // 2 - 10:len(secret) // 2 + 10]]
        for where, text in texts.items():
            for probe in probes:
                assert probe not in text, "a secret (%s...) leaked into %s" % (secret[:4], where)


def outcome(run, names):
    """{register: failed?} for the given tasks; every task must have run."""
    missing = [name for name in names if run.results.get(name) is None]
    assert not missing, run.output[-3000:]
    return dict((name, bool(run.results[name].get("failed"))) for name in names)


def connection_only(sim):
    return {"endpoint": sim.url, "iam_endpoint": sim.url, "region": sim.credentials["region"],
            "project_id": sim.credentials["project_id"]}


def test_secret_key_as_option_with_forced_failures(fleet, runner_for):
    """The real SK in module_defaults; a 500, a failed job, an unknown job id and a wrong SK option."""
    sim = fleet["sim"]
    runner = runner_for(sim)
    sim.faults.script("error500", method="GET", path=r"app-server-groups", count=1)
    sim.state.fail_next_job([fleet["image_server"]])
    tasks = [task("opt_500", "app_server_group_info", max_retries=0)]
    tasks += every_module("opt", fleet)
    tasks += [
        task("opt_unknown_job", "app_job_info", job_id=UNKNOWN_JOB),
        task("opt_wrong_sk_image", "app_server_image", secret_key=WRONG_SK_OPTION, server_ids=[fleet["image_server"]],
             image_id="img-wrong", image_type="private", **FAST),
        task("opt_wrong_sk_group", "app_server_group", sk=WRONG_SK_OPTION, server_group_id=fleet["group2"],
             description="never"),
    ]
    run = runner.run(tasks, auth="aksk", verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    failed = outcome(run, [t["register"] for t in tasks])
    assert failed["opt_500"] and failed["opt_unknown_job"] and failed["opt_wrong_sk_image"] and failed["opt_wrong_sk_group"]
    assert "WKS.00000500" in run.results["opt_500"]["msg"]
    assert failed["opt_hda"] or failed["opt_image"]  # the forced job failure hit one of them
    assert not failed["opt_info"] and not failed["opt_group_info"] and not failed["opt_group"] and not failed["opt_tsvi"]
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output  # -vvv shows the (masked) module arguments
    assert_no_secret(run, secrets_of(sim))


def test_secret_key_from_environment_wrong_then_right(fleet, runner_for):
    """A wrong SK in HUAWEICLOUD_SDK_SK fails every module; the real SK as an option overrides it."""
    sim = fleet["sim"]
    creds = sim.credentials
    runner = runner_for(sim)
    tasks = every_module("envbad", fleet)
    tasks += every_module("envfix", fleet, secret_key=creds["sk"])
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": WRONG_SK_ENV}
    run = runner.run(tasks, module_defaults=connection_only(sim), env=env, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    failed = outcome(run, [t["register"] for t in tasks])
    assert all(failed[t["register"]] for t in tasks[:7])
    assert "APIGW.0301" in run.results["envbad_group"]["msg"]
    assert not any(failed[t["register"]] for t in tasks[7:]), run.output[-3000:]
    assert_no_secret(run, secrets_of(sim))


def test_temporary_credentials_from_environment_and_options(fleet, runner_for):
    """temp AK/SK + security token from the environment, then as options; a failed job and a 500 forced."""
    sim = fleet["sim"]
    creds = sim.credentials
    runner = runner_for(sim)
    sim.state.fail_next_job([fleet["image_server"]])
    sim.faults.script("error500", method="GET", path=r"app-server-groups", count=1)
    tasks = [task("tmp_500", "app_server_group_info", max_retries=0)]
    tasks += every_module("tmpenv", fleet)
    tasks += every_module("tmpopt", fleet, access_key=creds["temp_ak"], secret_key=creds["temp_sk"],
                          security_token=creds["security_token"])
    env = {"HUAWEICLOUD_SDK_AK": creds["temp_ak"], "HUAWEICLOUD_SDK_SK": creds["temp_sk"],
           "HUAWEICLOUD_SDK_SECURITY_TOKEN": creds["security_token"]}
    run = runner.run(tasks, module_defaults=connection_only(sim), env=env, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    failed = outcome(run, [t["register"] for t in tasks])
    assert failed["tmp_500"] and (failed["tmpenv_hda"] or failed["tmpenv_image"])
    assert not failed["tmpenv_info"] and not failed["tmpenv_group"]
    assert not any(failed[t["register"]] for t in tasks[8:]), run.output[-3000:]
    assert_no_secret(run, secrets_of(sim))


def test_auth_token_from_environment_and_options(fleet, runner_for):
    """HW_AUTH_TOKEN, then a fresh token as an option, an expired token, a failed job and an unknown job id."""
    sim = fleet["sim"]
    creds = sim.credentials
    runner = runner_for(sim)
    fresh, expired = sim.issue_token(), sim.issue_token(ttl=0)
    sim.state.fail_next_job([fleet["image_server"]])
    tasks = every_module("tokenv", fleet)
    tasks += every_module("tokopt", fleet, auth_token=fresh)
    tasks += [
        task("tok_expired", "app_server_hda_upgrade", auth_token=expired, server_group_id=fleet["group1"], **FAST),
        task("tok_unknown_job", "app_job_info", job_id=UNKNOWN_JOB),
    ]
    run = runner.run(tasks, module_defaults=connection_only(sim), env={"HW_AUTH_TOKEN": creds["auth_token"]},
                     verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    failed = outcome(run, [t["register"] for t in tasks])
    assert failed["tok_expired"] and failed["tok_unknown_job"]
    assert "APIGW.0307" in run.results["tok_expired"]["msg"]
    assert failed["tokenv_hda"] or failed["tokenv_image"]
    assert not failed["tokenv_info"] and not failed["tokenv_group"]
    assert not any(failed[t["register"]] for t in tasks[7:14]), run.output[-3000:]
    assert_no_secret(run, secrets_of(sim, fresh, expired))


def every_module_failing(fleet):
    """{module: options}: one task per module of the collection, with options it accepts (each fails only at the
    service: a wrong secret key, or a 500 on every request)."""
    sim = fleet["sim"]
    group1, group2, server = fleet["group1"], fleet["group2"], fleet["image_server"]
    base = sim.state.get_group(group1)["image_id"]
    return {
        "app_server_info": dict(hda=True),
        "app_server_group_info": {},
        "app_server_hda_upgrade": dict(server_group_id=group1, **FAST),
        "app_server_image": dict(server_ids=[server], image_id="img-any", image_type="private", **FAST),
        "app_server_tsvi": dict(server_group_id=group2, force=True, **FAST),
        "app_server_group": dict(server_group_id=group2, description="scan"),
        "app_job_info": dict(job_id=UNKNOWN_JOB),
        "app_server_maintenance": dict(server_group_id=group1, maintenance=True),
        "app_session_info": dict(server_group_id=group2),
        "app_session_logoff": dict(server_group_id=group2, title="Scan", message_text="Logging off", **FAST),
        "app_server_power": dict(server_group_id=group2, state="stopped", **FAST),
        "app_server_fleet": dict(server_group_id=group1, count=4, **FAST),
        "app_group_info": {},
        "app_group": dict(name="scan-apps", server_group_id=group1),
        "app_application": dict(app_group_name="scan-apps", applications=[
            dict(name="Scan tool", execute_path="C:\\Tools\\scan.exe")]),
        "app_application_info": dict(app_group_name="scan-apps"),
        "app_group_authorization": dict(app_group_names=["scan-apps"], accounts=[dict(account="alice")]),
        "app_schedule_task": dict(name="scan-restart", task_type="restart", schedule="daily", time="23:00",
                                  targets=[dict(server_group_id=group1)]),
        "app_schedule_task_info": {},
        "app_policy_group": dict(name="scan_baseline", policies={
            "file_and_clipboard": {"clipboard_redirection": "SERVER_TO_CLIENT_ENABLED"}}),
        "app_policy_group_info": {},
        "app_server_reinstall": dict(server_ids=[server], **FAST),
        "app_server_rejoin_domain": dict(server_ids=[server], **FAST),
        "app_image_server": dict(FAST, name="scan-src", image_id=base, image_type="private", product_id="p",
                                 vpc_id="vpc-1", subnet_id="subnet-1", system_disk_type="SAS", system_disk_size=80,
                                 authorize_accounts=[dict(account="builder")]),
        "app_image_server_info": {},
        "app_image": dict(name="scan image", image_server_name="scan-src", **FAST),
    }


def test_every_module_fails_at_vvv_without_a_secret(fleet, runner_for):
    """Each of the collection's modules at -vvv, failing twice: with a wrong secret key (the gateway refuses it),
    then with the right one while the service answers 500 to every request (retries off). No secret may show."""
    sim = fleet["sim"]
    modules = every_module_failing(fleet)
    shipped = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules"))
                     if name.endswith(".py") and not name.startswith("_"))
    assert sorted(modules) == shipped  # a new module joins this test
    tasks = [task("wrong_" + name, name, secret_key=WRONG_SK_OPTION, **options) for name, options in modules.items()]
    tasks.append({"name": "every request answers 500 from here on", "ansible.builtin.uri": {
        "url": sim.url + "/_sim/faults/script", "method": "POST", "body_format": "json",
        "body": {"kind": "error500", "path": "^/v1/", "count": 100000}}})
    tasks += [task("down_" + name, name, max_retries=0, **options) for name, options in modules.items()]
    run = runner_for(sim).run(tasks, auth="aksk", verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    failed = outcome(run, ["wrong_" + name for name in modules] + ["down_" + name for name in modules])
    assert [name for name, did in failed.items() if not did] == []
    assert "APIGW.0301" in run.results["wrong_app_image"]["msg"]
    assert "500" in run.results["down_app_policy_group"]["msg"]
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output
    assert_no_secret(run, secrets_of(sim))
