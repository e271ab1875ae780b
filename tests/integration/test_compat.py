"""What the collection takes from ansible-core beyond the documented module API, on every version it supports.

These run in the ordinary suite (the venv's ansible-core) and, through ``make matrix``, once per
ansible-core version of ``meta/runtime.yml`` (``WORKSPACE_APP_ANSIBLE_BIN``, see tests/harness), together with
tests/integration/test_progress.py (live progress hands the module a variable through the task's environment).
The parts they cover:

* module_utils/module.py ``CollectionAnsibleModule.fail_json``: a dict option with sub-options given a string
  fails naming the option (ansible-core's own message for it names none);
* module_utils/module.py ``WorkspaceAppModule.diff_mode`` (``AnsibleModule._diff``, which has no public name);
* warnings and no_log masking of secrets the module reads from the environment.
"""

import json

from tests.harness import module_task

GROUP_MODULE = "huaweicloud.workspace_app.app_server_group"
MAINTENANCE = "huaweicloud.workspace_app.app_server_maintenance"


def test_a_string_for_a_dict_option_fails_naming_the_option(make_simulator, runner_for):
    sim = make_simulator(servers=2, groups=1)
    group_id = next(iter(sim.state.groups))
    sim.log.clear()
    run = runner_for(sim).run([module_task(GROUP_MODULE, "group", server_group_id=group_id, route_policy="fast")])
    assert run.rc != 0
    msg = run["group"]["msg"]
    assert "route_policy" in msg and "could not parse JSON or key=value" in msg, msg
    assert sim.log.mutations() == []


def test_other_argument_errors_are_ansible_cores_own(make_simulator, runner_for):
    sim = make_simulator(servers=2, groups=1)
    run = runner_for(sim).run([module_task(GROUP_MODULE, "group", server_group_id="g", route_policy={"max": 1})])
    assert run.rc != 0
    assert "max" in run["group"]["msg"] and "route_policy" in run["group"]["msg"]


def test_check_and_diff_mode_reach_the_module(make_simulator, runner_for):
    sim = make_simulator(servers=3, groups=1)
    group_id = next(iter(sim.state.groups))
    sim.log.clear()
    run = runner_for(sim).run([module_task(MAINTENANCE, "maint", server_group_id=group_id, maintenance=True)],
                              check=True, diff=True)
    assert run.rc == 0, run.output
    result = run["maint"]
    assert result["changed"] is True and "check mode, nothing sent" in result["msg"]
    assert sorted(result["diff"]["before"]) == sorted("%s (%s)" % (sim.state.get_server(sid)["name"], sid)
                                                      for sid in sim.state.server_ids(group_id))
    assert set(json.dumps(v) for v in result["diff"]["after"].values()) == {'{"maintain_status": true}'}
    assert sim.log.mutations() == []
    plain = runner_for(sim).run([module_task(MAINTENANCE, "maint", server_group_id=group_id, maintenance=True)],
                                check=True)
    assert "diff" not in plain["maint"]


def test_warnings_reach_the_output_and_environment_secrets_are_masked(make_simulator, runner_for):
    sim = make_simulator(servers=2, groups=1, hide_route_policy=True)  # as some regions do: the module warns
    group_id = next(iter(sim.state.groups))
    creds = sim.credentials
    runner = runner_for(sim)
    defaults = {"endpoint": sim.url, "region": creds["region"], "project_id": creds["project_id"]}
    env = {"HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"]}
    run = runner.run([module_task(GROUP_MODULE, "group", server_group_id=group_id, route_policy={"max_session": 3})],
                     module_defaults=defaults, env=env, verbosity=3)
    assert run.rc == 0, run.output
    assert "force_fields" in json.dumps(run["group"].get("warnings")) or "force_fields" in run.output
    assert creds["sk"] not in run.output and creds["sk"] not in json.dumps(run.results)
