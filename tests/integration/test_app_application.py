"""app_application and app_application_info through ansible-playbook against the simulator: 25 applications
published in two calls, the re-run that sends nothing, a disable, an update and a purge, the info module; and one
run under 20 % faults on every request (errors, dropped connections, lost answers, applied-then-500, throttling)
that converges with nothing published twice. Both are scenarios of ONE ansible-playbook run."""

from tests.harness import Scenario, ScenarioSet, module_task

NS = "huaweicloud.workspace_app."
NAMES = ["app-%02d" % number for number in range(25)]


def app(name, **settings):
    return dict(dict(name=name, execute_path="C:\\Apps\\%s.exe" % name), **settings)


def tenant(module_simulator):
    sim = module_simulator(servers=2, groups=1, seed=28)
    group = sim.state.add_app_group("office", next(iter(sim.state.groups)))
    sim.log.clear()
    return sim, group


scenario = ScenarioSet("app-application")


@scenario
def lifecycle(module_simulator):
    sim, group = tenant(module_simulator)
    apps = [app(name) for name in NAMES]
    changed = [app(name) for name in NAMES[1:]]  # app-00 is left out: purged
    changed[0] = dict(changed[0], enabled=False)  # app-01 disabled
    changed[1] = dict(changed[1], description="the second", command_param="--fast")  # app-02 updated
    tasks = [
        module_task(NS + "app_application", "publish", app_group_name="office", applications=apps),
        module_task(NS + "app_application", "again", app_group_name="office", applications=apps),
        module_task(NS + "app_application", "change", app_group_id=group["id"], applications=changed, purge=True),
        module_task(NS + "app_application_info", "info", app_group_name="office"),
        module_task(NS + "app_application_info", "offered", app_group_name="office", publishable=True),
    ]
    return Scenario("lifecycle", sim, tasks, group=group)


@scenario
def faults(module_simulator):
    sim, group = tenant(module_simulator)
    sim.faults.configure(seed=28, throttle_rate=0.04, error_rate=0.04, drop_rate=0.04, lost_response_rate=0.04,
                         applied_error_rate=0.04, retry_after=0)
    # besides the random ones, both publish calls are applied and their answers lost: a 500, then no answer at all
    sim.faults.script("applied_error500", method="POST", path="/apps$")
    sim.faults.script("lost_response", method="POST", path="/apps$")
    apps = [app(name) for name in NAMES]
    changed = [app(name, enabled=name >= "app-20") for name in NAMES[2:]]  # 18 disabled, 2 purged
    changed[0] = dict(changed[0], version="2.0")
    tasks = [module_task(NS + "app_application", "publish", app_group_id=group["id"], applications=apps,
                         max_retries=10),
             module_task(NS + "app_application", "change", app_group_id=group["id"], applications=changed,
                         purge=True, max_retries=10)]
    return Scenario("faults", sim, tasks, group=group)


shared = scenario.fixture()


def test_publish_rerun_change_purge_and_info(shared):
    run = shared["lifecycle"]
    sim, group = run.sim, run.context["group"]
    assert run.rc == 0, run.output
    publish, again, change = run["publish"], run["again"], run["change"]
    assert publish["changed"] is True and publish["summary"]["succeeded"] == 25
    assert [len(call.body["items"]) for call in sim.log.requests(operation="publish_app")] == [20, 5]
    assert again["changed"] is False and again["summary"]["unchanged"] == 25
    assert change["changed"] is True and change["summary"]["succeeded"] == 3 and change["summary"]["unchanged"] == 22
    actions = dict((entry["name"], entry["action"]) for entry in change["applications"])
    changed = [(name, action) for name, action in sorted(actions.items()) if action != "none"]
    assert changed == [("app-00", "unpublish"), ("app-01", "disable"), ("app-02", "update")]
    # every mutation of the run: 2 publish calls, then the change's disable, update and unpublish (the re-run: none)
    assert [call.operation for call in sim.log.mutations()] == ["publish_app", "publish_app", "unpublish_app",
                                                                "batch_disable_app", "update_app"]
    states = dict((record["name"], record) for record in sim.state.published_apps(group["id"]))
    assert sorted(states) == NAMES[1:]
    assert states["app-01"]["state"] == "FORBIDDEN"
    assert (states["app-02"]["description"], states["app-02"]["command_param"]) == ("the second", "--fast")
    info = run["info"]
    assert [entry["name"] for entry in info["applications"]] == NAMES[1:] and info["unexpected"] == []
    assert sim.state.app_group_view(group)["app_count"] == 24
    offered = run["offered"]
    assert "Notepad" in [entry["name"] for entry in offered["applications"]] and offered["group_images"]


def test_twenty_percent_faults_converge_in_one_run_with_nothing_published_twice(shared):
    run = shared["faults"]
    sim, group = run.sim, run.context["group"]
    assert run.rc == 0, run.output
    names = sim.state.app_names(group["id"])
    assert len(names) == len(set(names)) == 23  # every name once (2 purged by the second task)
    result = run["publish"]
    assert result["summary"]["succeeded"] == 25 and result["changed"] is True
    publishes = sim.log.requests(operation="publish_app")
    assert [call.fault for call in publishes[:2]] == ["applied_error500", "lost_response"]
    # the read-back found both applied: neither was sent again
    assert len([call for call in publishes if (call.status or 0) // 100 == 2 or call.fault in (
        "applied_error500", "lost_response")]) == 2
    change = run["change"]
    assert change["summary"]["succeeded"] == 20 and change["summary"]["failed"] == 0
    states = dict((record["name"], record["state"]) for record in sim.state.published_apps(group["id"]))
    assert sorted(states) == NAMES[2:]
    assert [name for name in sorted(states) if states[name] == "FORBIDDEN"] == NAMES[2:20]
    assert sim.state.published_apps(group["id"])[0]["version"] == "2.0"
    faulted = [call for call in sim.log.requests() if call.fault]
    assert len(set(call.fault for call in faulted)) >= 3, [call.fault for call in faulted]
