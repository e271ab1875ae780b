"""app_group and app_group_info through ONE ansible-playbook run against the simulator: the lifecycle (create, re-run
unchanged, update, check mode, absent) and faults injected into each mutation (a create and an update
answered 500 after they were applied, a delete whose answer is lost) converging with one group."""

from tests.harness import Scenario, ScenarioSet, module_task

MODULE = "huaweicloud.workspace_app.app_group"
INFO = "huaweicloud.workspace_app.app_group_info"


def task(register, module=MODULE, check=False, ignore_errors=False, **options):
    step = module_task(module, register, options)  # options as defaults: "name" is the module's, not the task's
    if check:
        step.update(check_mode=True, diff=True)
    if ignore_errors:
        step["ignore_errors"] = True
    return step


def mutations(sim):
    return [(call.operation, call.body) for call in sim.log.mutations()]


scenario = ScenarioSet("app-group")


@scenario
def lifecycle(make_simulator):
    sim = make_simulator(servers=0, groups=1)
    sim.state.add_app_group("design-apps-old")  # the API's name filter matches it too: only the exact name counts
    sim.log.clear()
    create = dict(name="design-apps", server_group_name="sim-group-1", app_type="COMMON_APP",
                  authorization_type="APP_GROUP", description="CAD")
    tasks = [
        task("create", **create),
        task("again", **create),
        task("listed", module=INFO, name="design-apps", server_group_name="sim-group-1"),
        task("update", name="design-apps", new_name="design-2026", description=""),
        task("planned_delete", check=True, name="design-2026", state="absent"),
        task("delete", name="design-2026", state="absent"),
    ]
    return Scenario("lifecycle", sim, tasks, group=sim.state.group_by_name("sim-group-1"))


@scenario
def faults(make_simulator):
    sim = make_simulator(servers=0, groups=1)
    sim.log.clear()
    sim.faults.script("applied_error500", method="POST", path=r"/app-groups$", count=1)
    sim.faults.script("applied_error500", method="PATCH", path=r"/app-groups/", count=1)
    sim.faults.script("lost_response", method="DELETE", path=r"/app-groups/", count=1)
    tasks = [
        task("create", name="faulty-apps", server_group_name="sim-group-1", description="one"),
        task("update", name="faulty-apps", description="two"),
        task("delete", name="faulty-apps", state="absent"),
    ]
    return Scenario("faults", sim, tasks)


shared = scenario.fixture()


def test_created_unchanged_updated_planned_and_deleted(shared):
    run = shared["lifecycle"]
    sim, group = run.sim, run.context["group"]
    assert run.rc == 0, run.output
    created = run["create"]
    body = {"name": "design-apps", "app_server_group_id": group["id"], "description": "CAD",
            "authorization_type": "APP_GROUP", "app_type": "COMMON_APP"}
    assert created["changed"] is True and created["changes"] == body
    app_group = created["app_group"]
    assert app_group["app_server_group_name"] == "sim-group-1" and app_group["name"] == "design-apps"
    assert run["again"]["changed"] is False and run["again"]["app_group"]["id"] == app_group["id"]
    assert [g["id"] for g in run["listed"]["app_groups"]] == [app_group["id"]]
    assert run["update"]["changes"] == {"name": "design-2026", "description": ""}
    assert run["update"]["app_group"]["name"] == "design-2026" and run["update"]["app_group"]["description"] == ""
    planned = run["planned_delete"]
    assert planned["changed"] is True and planned["diff"] == {"before": {"id": app_group["id"],
                                                                         "name": "design-2026"}, "after": {}}
    assert run["delete"]["changed"] is True and run["delete"]["app_group"]["id"] == app_group["id"]
    # the re-run, the listing and check mode sent nothing: 3 mutations in all
    assert mutations(sim) == [("create_app_group", body),
                              ("update_app_group", {"name": "design-2026", "description": ""}),
                              ("delete_app_group", None)]
    assert [g["name"] for g in sim.state.app_groups.values()] == ["design-apps-old"]


def test_faults_in_every_mutation_converge_with_one_group(shared):
    run = shared["faults"]
    sim = run.sim
    assert run.rc == 0, run.output
    created = run["create"]
    assert created["changed"] is True
    assert any("HTTP 500" in w and "taken as the one this task created" in w for w in created["warnings"])
    assert run["update"]["changed"] is True and run["update"]["app_group"]["description"] == "two"
    assert any("HTTP 500" in w and "shows the change applied" in w for w in run["update"]["warnings"])
    # one group: the update found it by its exact name (two would have failed as ambiguous)
    assert run["update"]["app_group"]["id"] == created["app_group"]["id"]
    assert run["delete"]["changed"] is True and sim.state.app_groups == {}
    assert [operation for operation, _body in mutations(sim)] == ["create_app_group", "update_app_group",
                                                                  "delete_app_group"]
