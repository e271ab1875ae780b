"""app_server_group through ansible-playbook against the simulator."""

import pytest

from tests.harness import Scenario, ScenarioSet

MODULE = "huaweicloud.workspace_app.app_server_group"


def group_task(register="grp", ignore_errors=False, **options):
    task = {"name": register, MODULE: options, "register": register}
    if ignore_errors:
        task["ignore_errors"] = True
    return task


def patches(sim):
    return sim.log.requests(operation="update_server_group")


@pytest.fixture
def sim(make_simulator):
    return make_simulator(servers=4, groups=2)


@pytest.fixture
def group(sim):
    return sim.state.group_by_name("sim-group-2")


# The tests of one run each (one behaviour, their own simulator) share ONE ansible-playbook run: each scenario
# below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test asserts on
# what that block registered and on its simulator. Every start of ansible-playbook costs about a second of CPU.
scenario = ScenarioSet("server-group")


def fleet_scenario(name, make_simulator, **options):
    sim = make_simulator(servers=4, groups=2)
    return Scenario(name, sim, [], group=sim.state.group_by_name("sim-group-2"), **options)


def fleet_of(run):
    return run.of("group")


shared = scenario.fixture()


def test_patches_only_the_differing_fields_then_is_idempotent(sim, group, runner_for):
    runner = runner_for(sim)
    task = group_task(server_group_id=group["id"], description="CAD and rendering tools", storage_mount_policy="USER",
                      route_policy={"max_session": 20, "cpu_threshold": 80})
    run = runner.run([task], diff=True)
    assert run.rc == 0, run.output
    result = run["grp"]
    assert result["changed"] is True
    calls = patches(sim)
    assert len(calls) == 1 and len(sim.log.mutations()) == 1
    # route_policy goes whole: the group's other sub-fields merged with the one that differs.
    sent = {"description": "CAD and rendering tools",
            "route_policy": {"max_session": 20, "cpu_threshold": 80, "mem_threshold": 80}}
    assert calls[0].body == sent
    assert result["changes"] == sent
    assert result["server_group"]["id"] == group["id"]
    assert result["server_group"]["route_policy"]["max_session"] == 20
    assert result["server_group"]["description"] == "CAD and rendering tools"
    assert result["diff"]["before"] == {"description": "",
                                        "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 80}}
    assert result["diff"]["after"] == sent
    assert sim.state.get_group(group["id"])["route_policy"]["max_session"] == 20
    assert not result.get("warnings")

    sim.log.clear()
    again = runner.run([task])
    assert again.rc == 0, again.output
    assert again["grp"]["changed"] is False and again["grp"]["changes"] == {}
    assert not sim.log.mutations()
    assert [r.operation for r in sim.log] == ["show_server_group"]


@scenario
def by_name(make_simulator):
    run = fleet_scenario("by_name", make_simulator, diff=True)
    sim, group = fleet_of(run)
    twins = [sim.state.add_group("twin"), sim.state.add_group("twin")]
    sim.state.add_group("twin-extra")
    new_name = "设计-组_2"
    rename = group_task("renamed", name="sim-group-2", new_name=new_name, enabled=True)
    run.tasks = [
        rename,
        dict(rename, register="again"),
        group_task("ambiguous", ignore_errors=True, name="twin", description="x"),
        group_task("missing", ignore_errors=True, name="sim-group", description="x"),
        group_task("nothing", ignore_errors=True, name="no-such-group", new_name="no-such-group-either"),
    ]
    run.context["twins"] = twins
    run.context["new_name"] = new_name
    return run


def test_lookup_by_name_rename_and_ambiguous_names(shared):
    run = shared["by_name"]
    sim, group = fleet_of(run)
    twins = run.context["twins"]
    new_name = run.context["new_name"]
    assert run.rc == 0, run.output

    renamed = run["renamed"]
    assert renamed["changed"] is True and renamed["changes"] == {"name": new_name}
    assert renamed["diff"] == {"before": {"name": "sim-group-2"}, "after": {"name": new_name}}
    assert renamed["server_group"]["name"] == new_name and renamed["server_group"]["id"] == group["id"]
    assert sim.state.get_group(group["id"])["name"] == new_name
    # the same task again finds the group under its new name and changes nothing
    assert run["again"]["changed"] is False and run["again"]["server_group"]["id"] == group["id"]
    assert [call.body for call in patches(sim)] == [{"name": new_name}]
    lookups = sim.log.requests(operation="list_server_groups")
    assert lookups[0].query["server_group_name"] == "sim-group-2"

    ambiguous = run["ambiguous"]
    assert ambiguous["failed"] is True
    assert "2 server groups are named 'twin'" in ambiguous["msg"] and "server_group_id" in ambiguous["msg"]
    assert all(twin["id"] in ambiguous["msg"] for twin in twins)
    assert "twin-extra" not in ambiguous["msg"]

    missing = run["missing"]
    assert missing["failed"] is True
    # no group has the name: it would be created, which needs more options; a name search's near misses are named
    assert "server group 'sim-group' does not exist, so it would be created" in missing["msg"]
    assert "groups with similar names: sim-group-1" in missing["msg"]
    nothing = run["nothing"]  # neither name exists: the group would be created under its new name
    assert "server group 'no-such-group-either' does not exist, so it would be created" in nothing["msg"]
    assert "similar names" not in nothing["msg"]
    assert len(sim.log.mutations()) == 1


@scenario
def hidden_route_policy(make_simulator):
    sim = make_simulator(servers=2, groups=1, hide_route_policy=True)
    wanted = {"max_session": 20}
    return Scenario("hidden_route_policy", sim, [
        group_task("first", name="sim-group-1", description="night shift", route_policy=wanted),
        group_task("second", name="sim-group-1", description="night shift", route_policy=wanted),
        group_task("forced", name="sim-group-1", route_policy=wanted, force_fields=["route_policy"]),
    ], diff=True)


def test_route_policy_the_service_does_not_return(shared):
    run = shared["hidden_route_policy"]
    sim = run.sim
    group = sim.state.group_by_name("sim-group-1")
    wanted = {"max_session": 20}
    assert run.rc == 0, run.output

    first, second, forced = run["first"], run["second"], run["forced"]
    assert first["changed"] is True and first["changes"] == {"description": "night shift"}
    assert second["changed"] is False and second["changes"] == {}
    for result in (first, second):
        assert any("route_policy" in w and "cannot be compared" in w and "force_fields" in w
                   for w in result["warnings"]), result
    assert forced["changed"] is True and forced["changes"] == {"route_policy": wanted}
    assert forced["diff"] == {"before": {"route_policy": None}, "after": {"route_policy": wanted}}
    assert any("route_policy" in w and "cannot be verified" in w for w in forced["warnings"])
    assert [call.body for call in patches(sim)] == [{"description": "night shift"}, {"route_policy": wanted}]
    assert sim.state.get_group(group["id"])["route_policy"]["max_session"] == 20
    assert sim.state.get_group(group["id"])["route_policy"]["cpu_threshold"] == 80  # the simulator merges


@scenario
def bad_input(make_simulator):
    run = fleet_scenario("bad_input", make_simulator)
    sim, group = fleet_of(run)
    gid = group["id"]
    bad = {
        "space": dict(name="sim group"),
        "long": dict(server_group_id=gid, new_name="x" * 65),
        "session0": dict(server_group_id=gid, route_policy={"max_session": 0}),
        "cpu101": dict(server_group_id=gid, route_policy={"cpu_threshold": 101}),
        "empty_policy": dict(server_group_id=gid, route_policy={}),
        "gpu_text": dict(server_group_id=gid, route_policy={"gpu_threshold": "high"}),
        "mount": dict(server_group_id=gid, storage_mount_policy="ALL"),
        "disk_type": dict(server_group_id=gid, system_disk_type="NVME"),
        "disk_small": dict(server_group_id=gid, system_disk_size=20),
        "scaling_max": dict(server_group_id=gid, scaling_policy={"max_scaling_amount": 101}),
        "image_alone": dict(server_group_id=gid, image_id="img-1"),
        "type_alone": dict(server_group_id=gid, image_type="public"),
        "app_type": dict(server_group_id=gid, app_type="DESKTOP"),
        "both": dict(server_group_id=gid, name="sim-group-2"),
        "neither": dict(description="x"),
        "force": dict(server_group_id=gid, force_fields=["route_policy"]),
        "force_other": dict(server_group_id=gid, description="x", force_fields=["description"]),
    }
    run.tasks = [group_task(name, ignore_errors=True, **options) for name, options in bad.items()] + [
        group_task("unknown_id", ignore_errors=True, server_group_id="no-such-group", description="x")]
    run.context["bad"] = bad
    return run


def test_bad_input_fails_before_any_request(shared):
    run = shared["bad_input"]
    sim, group = fleet_of(run)
    bad = run.context["bad"]
    assert run.rc == 0, run.output
    for name in list(bad) + ["unknown_id"]:
        assert run[name]["failed"] is True, (name, run[name])
    expected = {
        "space": ["name", "1 to 64 letters"],
        "long": ["new_name", "1 to 64"],
        "session0": ["route_policy.max_session", "1..100"],
        "cpu101": ["route_policy.cpu_threshold", "1..100"],
        "empty_policy": ["route_policy", "max_session", "mem_threshold"],
        "gpu_text": ["gpu_threshold"],
        "mount": ["storage_mount_policy", "USER, SHARE, ANY"],
        "disk_type": ["system_disk_type", "ESSD"],
        "disk_small": ["system_disk_size", "40..1024"],
        "scaling_max": ["scaling_policy.max_scaling_amount", "1..100"],
        "image_alone": ["image_type"],
        "type_alone": ["image_id"],
        "app_type": ["app_type", "SESSION_DESKTOP_APP, COMMON_APP"],
        "both": ["mutually exclusive"],
        "neither": ["server_group_id", "name"],
        "force": ["force_fields", "route_policy"],
        "force_other": ["force_fields", "route_policy"],
        "unknown_id": ["server_group_id", "no-such-group"],
    }
    for name, words in expected.items():
        assert all(word in run[name]["msg"] for word in words), (name, run[name]["msg"])
    assert not sim.log.mutations()
    # input checks send nothing at all; only the unknown id needed a read
    assert [(r.operation, r.status) for r in sim.log] == [("show_server_group", 404)]


@scenario
def check_mode(make_simulator):
    run = fleet_scenario("check_mode", make_simulator, check=True, diff=True)
    sim, group = fleet_of(run)
    before = dict(sim.state.get_group(group["id"]))
    run.tasks = [group_task(
        server_group_id=group["id"], new_name="renamed", enabled=False, route_policy={"mem_threshold": 90},
        image_id="2b9e4ad0-7d35-4b5c-9a8e-0c6f0d2d7e11", image_type="private", system_disk_size=80)]
    run.context["before"] = before
    return run


def test_check_mode_reports_without_writing(shared):
    run = shared["check_mode"]
    sim, group = fleet_of(run)
    before = run.context["before"]
    assert run.rc == 0, run.output
    result = run["grp"]
    assert result["changed"] is True
    # image_type equals the group's but goes with the image id that differs; system_disk_size equals: not sent
    assert result["changes"] == {
        "name": "renamed", "server_group_status": False, "image_id": "2b9e4ad0-7d35-4b5c-9a8e-0c6f0d2d7e11",
        "image_type": "private", "route_policy": {"max_session": 10, "cpu_threshold": 80, "mem_threshold": 90}}
    assert result["diff"]["before"]["server_group_status"] is True
    assert result["diff"]["after"]["name"] == "renamed"
    assert result["server_group"]["name"] == "renamed" and result["server_group"]["server_group_status"] is False
    assert not sim.log.mutations()
    assert sim.state.get_group(group["id"]) == before


@scenario
def lost_response(make_simulator):
    run = fleet_scenario("lost_response", make_simulator)
    sim, group = fleet_of(run)
    sim.faults.script("lost_response", method="PATCH", path="app-server-groups", count=1)
    run.tasks = [group_task(server_group_id=group["id"], ou_name="OU=Apps", max_retries=0)]
    return run


def test_lost_response_is_settled_by_reading_the_group(shared):
    run = shared["lost_response"]
    sim, group = fleet_of(run)
    assert run.rc == 0, run.output
    result = run["grp"]
    assert result["changed"] is True and result["server_group"]["ou_name"] == "OU=Apps"
    assert any("applied" in w for w in result["warnings"])
    assert len(patches(sim)) == 1
