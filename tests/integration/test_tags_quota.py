"""Issue 30's server-group tags and quota check through ONE real ansible-playbook run against simulators: tags added
and purged on an existing group (a dict and the list form), a re-run that changes nothing, --check --diff, bad
input refused before anything is sent, the app_servers inventory (a source of the same run) grouping hosts by a
server-group tag with keyed_groups, a scale-out the quota refuses with nothing created, and the request counts of
no-op runs of app_server_group (with tags) and app_server_fleet.

Each behaviour is a scenario (tests.harness.Scenario) with a simulator of its own, so its request log is its own."""

import pytest
import requests

from tests.harness import InventoryRunner, PlaybookRunner, Scenario, module_task, service_requests

GROUP = "huaweicloud.workspace_app.app_server_group"
FLEET = "huaweicloud.workspace_app.app_server_fleet"


def tagged(sim, name, **tags):
    group = sim.state.group_by_name(name)
    group["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return group


def mutations(sim):
    return [(call.operation, call.body) for call in sim.log.mutations()]


def build(module_simulator):
    scenarios = []
    # tags added and updated (a dict), a re-run, purged (the list form), bad input
    sim = module_simulator(servers=2, groups=2)
    group = tagged(sim, "sim-group-1", team="cad", old="x")
    tagged(sim, "sim-group-2", team="ops")
    sim.log.clear()
    scenarios.append(Scenario("tags", sim, [
        {"name": "inventory groups", "ansible.builtin.debug": {"var": "groups"}, "register": "inventory"},
        module_task(GROUP, "add", dict(name="sim-group-1", tags={"team": "cam", "owner": "ops"})),
        module_task(GROUP, "again", dict(name="sim-group-1", tags={"team": "cam", "owner": "ops"})),
        module_task(GROUP, "purge", dict(name="sim-group-1", tags=[{"key": "owner", "value": "ops"}],
                                         purge_tags=True)),
        dict(module_task(GROUP, "bad", dict(name="sim-group-1", tags={"k" * 129: "v"})), ignore_errors=True),
    ], group=group))
    # --check --diff: the plan, nothing sent
    sim = module_simulator(servers=0, groups=1)
    tagged(sim, "sim-group-1", team="cad", old="x")
    sim.log.clear()
    scenarios.append(Scenario("tags_check", sim, [
        module_task(GROUP, "plan", dict(name="sim-group-1", tags={"team": "cam"}, purge_tags=True)),
    ], check=True, diff=True))
    # a no-op run of app_server_group with tags: its requests counted
    sim = module_simulator(servers=0, groups=1)
    tagged(sim, "sim-group-1", team="cad")
    sim.log.clear()
    scenarios.append(Scenario("tags_noop", sim, [
        module_task(GROUP, "noop", dict(name="sim-group-1", tags={"team": "cad"})),
    ]))
    # a scale-out the quota refuses (the simulator's /_sim/quota knob: 3 servers in all, 2 there), in check mode
    # and for real; nothing created
    sim = module_simulator(servers=2, groups=1)
    requests.post(sim.url + "/_sim/quota", json={"servers": 3}, timeout=10).raise_for_status()
    group_id = sim.state.group_by_name("sim-group-1")["id"]
    sim.log.clear()
    scenarios.append(Scenario("quota", sim, [
        dict(module_task(FLEET, "planned", dict(server_group_id=group_id, count=5)), check_mode=True,
             ignore_errors=True),
        dict(module_task(FLEET, "refused", dict(server_group_id=group_id, count=5)), ignore_errors=True),
    ], group_id=group_id))
    # a no-op run of app_server_fleet: its requests counted
    sim = module_simulator(servers=2, groups=1)
    group_id = sim.state.group_by_name("sim-group-1")["id"]
    sim.log.clear()
    scenarios.append(Scenario("fleet_noop", sim, [
        module_task(FLEET, "noop", dict(server_group_id=group_id, count=2)),
    ]))
    return scenarios


@pytest.fixture(scope="module")
def shared(module_simulator, tmp_path_factory):
    """The scenarios run in one ansible-playbook, with the first scenario's simulator as an app_servers inventory
    source (keyed_groups by the server group's tag ``team``)."""
    scenarios = build(module_simulator)
    tmp_path = tmp_path_factory.mktemp("tags-quota")
    inventory = InventoryRunner(tmp_path, scenarios[0].sim).config(
        "tags", keyed_groups=[{"key": "server_group_tags.team", "prefix": "team"}])
    runner = PlaybookRunner(tmp_path, scenarios[0].sim)
    run = runner.run([scenario.block() for scenario in scenarios], module_defaults={},
                     extra_args=["-i", str(inventory)], env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"},
                     timeout=300)
    run.scenarios = scenarios
    for scenario in scenarios:
        scenario.run = run
    return dict((scenario.name, scenario) for scenario in scenarios)


def test_tags_are_added_rerun_unchanged_purged_and_bad_ones_refused(shared):
    run = shared["tags"]
    sim, group = run.of("group")
    assert run.rc == 0, run.output
    # the inventory read when the run started: hosts keyed by their server group's tag
    groups = run["inventory"]["groups"]
    one = sorted(s["name"] for s in sim.state.servers.values() if s["server_group_id"] == group["id"])
    two = sorted(s["name"] for s in sim.state.servers.values() if s["server_group_id"] != group["id"])
    assert sorted(groups["team_cad"]) == one and sorted(groups["team_ops"]) == two

    add = run["add"]
    assert add["changed"] is True and add["server_group"]["tags"] == {"team": "cam", "owner": "ops", "old": "x"}
    assert run["again"]["changed"] is False
    purge = run["purge"]
    assert purge["changed"] is True and purge["server_group"]["tags"] == {"owner": "ops"}
    bad = run["bad"]
    assert bad["failed"] is True and bad["msg"].startswith("tags: key") and "1 to 128 characters" in bad["msg"]
    tag_calls = [(op, body["items"][0]["tags"]) for op, body in mutations(sim)]
    assert tag_calls == [
        ("batch_create_server_group_tags", [{"key": "owner", "value": "ops"}, {"key": "team", "value": "cam"}]),
        ("batch_delete_server_group_tags", [{"key": "old", "value": "x"}, {"key": "team", "value": "cam"}])]
    assert sim.state.get_group(group["id"])["tags"] == [{"key": "owner", "value": "ops"}]


def test_check_diff_shows_the_tags_and_sends_nothing(shared):
    run = shared["tags_check"]
    assert run.rc == 0, run.output
    plan = run["plan"]
    assert plan["changed"] is True and run.sim.log.mutations() == []
    assert plan["diff"] == {"before": {"tags": {"team": "cad", "old": "x"}}, "after": {"tags": {"team": "cam"}}}
    assert "tags" in run.stdout and "cam" in run.stdout  # --diff printed


def test_a_noop_run_of_app_server_group_with_tags_costs_two_requests(shared):
    run = shared["tags_noop"]
    assert run.rc == 0, run.output
    assert run["noop"]["changed"] is False
    assert [r.operation for r in service_requests(run.sim)] == ["list_server_groups", "show_server_group"]


def test_a_scale_out_beyond_the_quota_is_refused_before_any_create(shared):
    run = shared["quota"]
    sim, group_id = run.of("group_id")
    assert run.rc == 0, run.output
    expected = ("count: 5 means creating 3 server(s) in group sim-group-1 (%s), but the tenant's quota is short: "
                "INSTANCES: needed 3, remaining 1; nothing was created" % group_id)
    for name in ("planned", "refused"):
        assert run[name]["failed"] is True and run[name]["msg"].startswith(expected), run[name]["msg"]
    assert sim.log.mutations() == [] and len(sim.state.server_ids(group_id)) == 2
    assert [r.operation for r in service_requests(sim)].count("check_quota") == 2


def test_a_noop_run_of_app_server_fleet_makes_no_quota_request(shared):
    run = shared["fleet_noop"]
    assert run.rc == 0, run.output
    assert run["noop"]["changed"] is False
    assert [r.operation for r in service_requests(run.sim)] == ["show_server_group", "list_servers"]
