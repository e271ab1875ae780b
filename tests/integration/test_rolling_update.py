"""The rolling_update role (and playbooks/rolling_update.yml) through ansible-playbook against the simulator.

The simulator drains sessions (``session_drain``): a server in maintenance mode loses one session every
0.1 s, so the role's drain wait is real. What happened when is read back from the simulator's request log
(replayed in order) and from a ``before()`` hook that looks at each server when its upgrade is sent.
"""

import json
import os
import re
import subprocess
import time

import pytest

from tests.harness import ANSIBLE_PLAYBOOK, REPO_ROOT, Scenario, ScenarioSet

ROLE = "huaweicloud.workspace_app.rolling_update"
OLD_HDA = "24.12.0.1004"
NEW_IMAGE = "5d5c7a3e-0d3e-4c47-9a43-0c6c1e1f0a42"
RECAP = re.compile(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
FAST = {"rolling_update_drain_poll_interval": 0.3, "rolling_update_poll_interval": 0.2,
        "rolling_update_wait_timeout": 60, "rolling_update_drain_timeout": 30}


def rollout(**role_vars):
    """The role, then its results fact registered as ``outcome`` (only reached when the role succeeded)."""
    variables = dict(FAST)
    variables.update(role_vars)
    return [{"name": "rollout", "ansible.builtin.include_role": {"name": ROLE}, "vars": variables},
            {"name": "results", "ansible.builtin.debug": {"var": "rolling_update_results"}, "register": "outcome"}]


def changed_tasks(run):
    """Names of the tasks that reported a change (the harness's own "save results" left out)."""
    names = []
    for block in run.stdout.split("TASK [")[1:]:
        name = block.split("]", 1)[0]
        if "changed: [localhost]" in block and name != "save results":
            names.append(name)
    return names


def in_maintenance(sim):
    return sorted(sid for sid, record in sim.state.servers.items() if record["maintain_status"])


def outdated(sim, server_ids):
    return [sid for sid in server_ids if sim.state.hda_version(sid) == OLD_HDA]


def upgrade_batches(sim):
    """The servers of each upgrade call, as sets (a module sends a batch sorted by id)."""
    return [set(call.body["items"]) for call in sim.log.requests(operation="batch_upgrade_hda_version")]


def maintenance_calls(sim):
    return [(call.body["maintain_status"], set(call.body["items"]))
            for call in sim.log.requests(operation="batch_change_server_maintain_mode")]


CHANGES = ("batch_upgrade_hda_version", "batch_change_server_image", "batch_update_tsvi")


def replay(sim, preexisting=()):
    """Replay the log in order: the most servers the rollout kept in maintenance mode at once, and for each
    change (HDA upgrade, image, TSVI) its operation and whether every server it named was in maintenance mode."""
    maintained, most, changes = set(), 0, []
    for record in sim.log:
        if record.operation == "batch_change_server_maintain_mode" and record.status == 200:
            if record.body["maintain_status"]:
                maintained.update(record.body["items"])
            else:
                maintained.difference_update(record.body["items"])
            most = max(most, len(maintained - set(preexisting)))
        elif record.operation in CHANGES:
            named = record.body.get("server_ids") or [item if isinstance(item, str) else item["id"]
                                                      for item in record.body["items"]]
            changes.append((record.operation, set(named) <= maintained | set(preexisting)))
    return most, changes


def watch_upgrades(sim):
    """Each server named by an upgrade, as the service sees it when the upgrade arrives."""
    seen = []
    sim.before("batch_upgrade_hda_version", lambda s, body: seen.extend(
        (sid, s.state.get_server(sid)["maintain_status"], s.state.get_server(sid)["session_count"])
        for sid in body["items"]), once=False)
    return seen


def build_fleet(make_simulator, behind, sessions=2):
    """Two groups of 10 servers; sessions drain at one per 0.1 s in maintenance mode. Returns the first group's
    id and its server ids sorted by name (the order the role cuts waves in)."""
    sim = make_simulator(servers=20, groups=2, job_duration=0.3, images=[NEW_IMAGE])
    sim.state.session_drain = 0.1
    group_id = list(sim.state.groups)[0]
    ids = sorted(sim.state.server_ids(group_id), key=lambda sid: sim.state.get_server(sid)["name"])
    for index in behind:
        sim.state.set_hda_version(ids[index], OLD_HDA)
        sim.state.patch_server(ids[index], session_count=sessions)
    sim.state.set_hda_version(sim.state.server_ids(list(sim.state.groups)[1])[0], OLD_HDA)  # other group
    sim.log.clear()
    return sim, group_id, ids


@pytest.fixture
def fleet(make_simulator):
    return lambda behind, sessions=2: build_fleet(make_simulator, behind, sessions)


# The tests of one role run each (one behaviour, their own simulator) share ONE ansible-playbook run: each
# scenario below prepares its simulator and tasks (a block of the shared play, tests.harness.Scenario); its test
# asserts on what that block printed and registered and on its simulator. Every start of ansible-playbook costs
# about a second of CPU. (Check mode and -v change the whole run: those tests keep runs of their own.)
scenario = ScenarioSet("rolling-update")


def fleet_scenario(name, make_simulator, behind, sessions=2):
    sim, group_id, ids = build_fleet(make_simulator, behind, sessions)
    return Scenario(name, sim, [], group_id=group_id, ids=ids)


def fleet_of(run):
    return run.of("group_id", "ids")


shared = scenario.fixture()


def test_waves_drain_before_the_upgrade_keep_preexisting_maintenance_and_a_second_run_changes_nothing(
        fleet, runner_for, record_property):
    sim, group_id, ids = fleet(behind=[0, 2, 4, 6])
    preexisting = sorted([ids[2], ids[8]])  # an operator's choice: one needs the upgrade, one does not
    sim.state.set_maintenance(preexisting, True)
    sim.log.clear()
    seen = watch_upgrades(sim)
    runner = runner_for(sim)
    started = time.monotonic()
    run = runner.run(rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                             rolling_update_batch_size=2))
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    assert upgrade_batches(sim) == [{ids[0], ids[2]}, {ids[4], ids[6]}]
    assert maintenance_calls(sim) == [(True, {ids[0]}), (False, {ids[0]}), (True, {ids[4], ids[6]}),
                                      (False, {ids[4], ids[6]})]
    most, changes = replay(sim, preexisting)
    assert most == 2 and changes == [("batch_upgrade_hda_version", True)] * 2
    assert sorted(seen) == sorted((sid, True, 0) for sid in (ids[0], ids[2], ids[4], ids[6]))  # when upgraded
    assert in_maintenance(sim) == preexisting
    assert outdated(sim, ids) == []
    assert len(outdated(sim, sim.state.server_ids())) == 1  # the other group is not touched
    waves = run["outcome"]["rolling_update_results"]
    assert [(w["wave"], w["servers"], w["failed"], w["stopped"]) for w in waves] == [
        (1, [ids[0], ids[2]], [], False), (2, [ids[4], ids[6]], [], False)]
    apply_requests, apply_ops = len(sim.log), sim.log.summary()

    sim.log.clear()
    again = runner.run(rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                               rolling_update_batch_size=2))
    assert again.rc == 0, again.output
    assert changed_tasks(again) == []
    assert RECAP.search(again.stdout).group(2) == "0"  # no task changed (the harness's "save results" is a debug)
    assert not sim.log.mutations()
    assert again["outcome"]["rolling_update_results"] == []
    assert in_maintenance(sim) == preexisting
    record_property("rollout_requests", apply_requests)
    record_property("noop_requests", len(sim.log))
    print("4 of 10 servers in 2 waves: %.1f s, %d requests %s; second run %d requests %s"
          % (elapsed, apply_requests, apply_ops, len(sim.log), sim.log.summary()))


def playbook(sim, runner, **extra_vars):
    """playbooks/rolling_update.yml as AWX runs it: survey answers as extra vars, connection from the environment."""
    creds = sim.credentials
    env = runner.environment({
        "HW_WORKSPACE_APP_ENDPOINT": sim.url, "HUAWEICLOUD_SDK_IAM_ENDPOINT": sim.url,
        "HUAWEICLOUD_SDK_AK": creds["ak"], "HUAWEICLOUD_SDK_SK": creds["sk"],
        "HUAWEICLOUD_SDK_PROJECT_ID": creds["project_id"], "HUAWEICLOUD_SDK_REGION": creds["region"]})
    process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", os.path.join(REPO_ROOT, "playbooks", "rolling_update.yml"),
                              "-e", json.dumps(extra_vars)], env=env, capture_output=True, text=True, timeout=300,
                             check=False, cwd=REPO_ROOT)
    assert creds["sk"] not in process.stdout + process.stderr
    return process


def test_drain_timeout_fails_the_rollout_or_proceeds_and_the_playbook_applies_every_change(fleet, runner_for):
    sim, group_id, ids = fleet(behind=[0, 1, 2, 3])
    sim.state.patch_server(ids[0], session_count=1000)  # 100 s of draining: never within the timeout
    runner = runner_for(sim)
    run = runner.run(rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                             rolling_update_batch_size=2, rolling_update_drain_timeout=1))
    assert run.rc != 0
    name = sim.state.get_server(ids[0])["name"]
    assert "rollout stopped at wave 1 of 2: wave 1: sessions still open after 1" in run.stdout
    assert "s on %s; nothing was changed on the wave" % name in run.stdout
    assert upgrade_batches(sim) == []
    assert maintenance_calls(sim) == [(True, {ids[0], ids[1]}), (False, {ids[0], ids[1]})]  # wave 2 never started
    assert in_maintenance(sim) == []
    assert sim.state.get_server(ids[0])["session_count"] > 0
    assert sim.state.get_server(ids[1])["session_count"] == 0

    # Proceed, through the playbook with survey-style answers, and with all three changes: a new image for
    # ids[0..3], the HDA upgrade, and the virtual session IP re-applied where its last job failed (ids[2]).
    sim.state.fail_next_job([ids[2]])
    sim.state.update_tsvi([ids[2]])
    sim.state.fast_forward(1)
    assert sim.state.get_server(ids[2])["task_status"] == "updating_tsvi_failed"
    for sid in ids[4:]:
        sim.state.patch_server(sid, image_id=NEW_IMAGE)  # already on it: not part of the rollout
    sim.log.clear()
    seen = watch_upgrades(sim)
    process = playbook(sim, runner, server_group_id=group_id, hda_upgrade="true", image_id=NEW_IMAGE, tsvi="true",
                       server_ids=" , ".join(ids[:6]), batch_size="4", drain_timeout="0.5", drain_poll_interval="0.3",
                       on_drain_timeout="proceed", poll_interval="0.2", max_fail_percentage="")
    assert process.returncode == 0, process.stdout + process.stderr
    assert "sessions still open after 0.5s on %s; changing the servers anyway" % name in process.stdout
    assert "wave 1: 4 server(s), 0 failed, sessions left on %s" % name in process.stdout
    assert [call.body["server_ids"] for call in sim.log.requests(operation="batch_change_server_image")] == [
        sorted(ids[0:4])]
    assert upgrade_batches(sim) == [set(ids[0:4])]
    assert [call.body["items"] for call in sim.log.requests(operation="batch_update_tsvi")] == [
        [{"id": ids[2], "enable": True}]]
    assert replay(sim) == (4, [("batch_change_server_image", True), ("batch_upgrade_hda_version", True),
                               ("batch_update_tsvi", True)])
    assert sorted(sid for sid, maintained, sessions in seen if sessions > 0) == [ids[0]]
    assert outdated(sim, ids) == [] and in_maintenance(sim) == []
    assert all(sim.state.get_server(sid)["image_id"] == NEW_IMAGE for sid in ids)
    assert sim.state.tsvi_enabled(ids[2]) is True and sim.state.get_server(ids[2])["job_type"] == "UPDATE_SERVER_TSVI"


@scenario
def failure_threshold(make_simulator):
    run = fleet_scenario("failure_threshold", make_simulator, behind=range(8))
    sim, group_id, ids = fleet_of(run)
    sim.state.fail_next_job([ids[1], ids[3], ids[4]], error_code="WKS.00211401", error_msg="agent download failed")
    run.tasks = rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                        rolling_update_batch_size=3, rolling_update_max_fail_percentage=40)
    return run


def test_failure_threshold_lets_a_wave_within_it_pass_then_stops_the_rollout(shared):
    """Waves of 3 with rolling_update_max_fail_percentage 40: 1 failure of 3 (33 %) goes on, 2 of 3 (67 %) stop."""
    run = shared["failure_threshold"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc != 0
    names = [sim.state.get_server(sid)["name"] for sid in ids]
    assert "rollout stopped at wave 2 of 3: 2 of 3 server(s) failed (%s, %s), more than " \
           "rolling_update_max_fail_percentage (40%%); the wave is out of maintenance mode." % (names[3], names[4]) \
           in " ".join(run.stdout.split())
    assert "agent download failed" in run.stdout
    assert upgrade_batches(sim) == [set(ids[0:3]), set(ids[3:6])]  # wave 3 never started
    assert maintenance_calls(sim) == [(True, set(ids[0:3])), (False, set(ids[0:3])),
                                      (True, set(ids[3:6])), (False, set(ids[3:6]))]  # failed servers are back too
    assert in_maintenance(sim) == []
    assert outdated(sim, ids) == [ids[1], ids[3], ids[4], ids[6], ids[7]]


@scenario
def bad_subset(make_simulator):
    run = fleet_scenario("bad_subset", make_simulator, behind=[0])
    sim, group_id, ids = fleet_of(run)
    other = sim.state.server_ids(list(sim.state.groups)[1])[0]
    run.tasks = rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                        rolling_update_server_ids=[ids[0], other])
    return run


def test_bad_subset_fails_before_any_change(shared):
    run = shared["bad_subset"]
    sim, group_id, ids = fleet_of(run)
    other = sim.state.server_ids(list(sim.state.groups)[1])[0]
    assert run.rc != 0
    assert "rolling_update_server_ids: %s not in server group %s (nothing was changed)" % (other, group_id) in run.stdout
    assert not sim.log.mutations()


def logoff_calls(sim):
    return [(set(call.body["session_ids"]), call.body.get("message"), call.body["delay_time"])
            for call in sim.log.requests(operation="logoff_user_session")]


def test_notify_then_logoff_tells_each_wave_then_logs_it_off_after_the_grace(fleet, runner_for):
    sim, group_id, ids = fleet(behind=[0, 1, 2, 3], sessions=2)
    sim.state.session_drain = None  # nobody leaves by themselves
    sessions = dict((sid, set(s["id"] for s in sim.state.sessions_of(sid))) for sid in ids[:4])
    seen = watch_upgrades(sim)
    run = runner_for(sim).run(rollout(
        rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True, rolling_update_batch_size=2,
        rolling_update_drain_policy="notify_then_logoff", rolling_update_logoff_message="Back in five minutes",
        rolling_update_logoff_title="Upgrade", rolling_update_logoff_message_type="serious",
        rolling_update_logoff_grace=1), verbosity=1)
    assert run.rc == 0, run.output
    # at -v the drain is not silent: the logoff task prints its rounds (the wave's servers, the sessions still on)
    names = sorted(sim.state.get_server(sid)["name"] for sid in ids[:2])
    drain = [line for line in run.stdout.splitlines()
             if "then log them off | [2 servers: %s, %s] " % tuple(names) in line]
    assert any("4 session(s) still on: " in line for line in drain), run.stdout
    assert logoff_calls(sim) == [(sessions[ids[0]] | sessions[ids[1]], "Back in five minutes", 1),
                                 (sessions[ids[2]] | sessions[ids[3]], "Back in five minutes", 1)]
    assert {(n["title"], n["message_type"]) for n in sim.state.notifications} == {("Upgrade", 2)}
    assert sorted(seen) == sorted((sid, True, 0) for sid in ids[:4])  # upgraded once signed out, in maintenance
    order = [record.operation for record in sim.log if record.operation in ("logoff_user_session",
                                                                            "batch_upgrade_hda_version")]
    assert order == ["logoff_user_session", "batch_upgrade_hda_version"] * 2
    assert outdated(sim, ids) == [] and in_maintenance(sim) == []


@scenario
def logoff_policy(make_simulator):
    run = fleet_scenario("logoff_policy", make_simulator, behind=[0, 1], sessions=1)
    sim, group_id, ids = fleet_of(run)
    sim.state.session_drain = None
    run.tasks = rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                        rolling_update_batch_size=2, rolling_update_drain_policy="logoff")
    return run


def test_logoff_policy_logs_off_at_once_and_a_session_that_stays_fails_the_wave(shared):
    run = shared["logoff_policy"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc == 0, run.output
    assert [(message, delay) for _ids, message, delay in logoff_calls(sim)] == [(None, 0)]
    assert outdated(sim, ids) == []


@scenario
def failing_canary(make_simulator):
    run = fleet_scenario("failing_canary", make_simulator, behind=range(6))
    sim, group_id, ids = fleet_of(run)
    sim.state.fail_next_job([ids[1]], error_code="WKS.00211401", error_msg="agent download failed")
    run.tasks = rollout(rolling_update_server_group_id=group_id, rolling_update_hda_upgrade=True,
                        rolling_update_batch_size=3, rolling_update_canary_size=2,
                        rolling_update_max_fail_percentage=50)
    return run


def test_a_failing_canary_stops_the_rollout_before_the_rest_is_touched(shared):
    run = shared["failing_canary"]
    sim, group_id, ids = fleet_of(run)
    assert run.rc != 0
    name = sim.state.get_server(ids[1])["name"]
    assert "rollout stopped at wave 1 of 3: 1 of 2 server(s) failed (%s), more than the canary wave allows (none)" \
           % name in " ".join(run.stdout.split())
    assert upgrade_batches(sim) == [set(ids[0:2])]  # the canary only
    assert in_maintenance(sim) == []
    assert outdated(sim, ids) == ids[1:6]


def test_check_mode_plan_names_each_waves_servers_and_changes_nothing(fleet, runner_for):
    """The group by its name this time (looked up once: the modules get its id), and an outcome that says it was
    check mode."""
    sim, group_id, ids = fleet(behind=range(5))
    names = [sim.state.get_server(sid)["name"] for sid in ids]
    group_name = sim.state.get_group(group_id)["name"]
    run = runner_for(sim).run(rollout(rolling_update_server_group_name=group_name, rolling_update_hda_upgrade=True,
                                      rolling_update_batch_size=2, rolling_update_canary_size=1,
                                      rolling_update_drain_policy="notify_then_logoff"), check=True)
    assert run.rc == 0, run.output
    text = " ".join(run.stdout.split())
    assert "5 server(s) of 10 need a change: 3 wave(s) of at most 2, the first a canary of 1; drain: " \
           "notify_then_logoff" in text
    assert "wave 1/3 (canary): %s" % names[0] in text
    assert "wave 2/3: %s, %s" % (names[1], names[2]) in text and "wave 3/3: %s, %s" % (names[3], names[4]) in text
    assert "check mode, nothing was changed (the plan of each wave): 3 wave(s), 5 server(s), 0 failed" in text
    assert group_id in {call.query.get("server_group_id") for call in sim.log.requests(operation="list_servers")}
    assert sim.log.mutations() == []


BAD_DRAIN_SETTINGS = [
    (dict(rolling_update_drain_policy="notify_then_logoff", rolling_update_logoff_message=" "),
     "with notify_then_logoff, rolling_update_logoff_message and rolling_update_logoff_title must not be empty"),
    (dict(rolling_update_drain_policy="kick"),
     "value of rolling_update_drain_policy must be one of: wait, notify_then_logoff, logoff, got: kick"),
    (dict(rolling_update_logoff_grace=-1), "rolling_update_logoff_grace 0..999999 seconds"),
    (dict(rolling_update_canary_size=-2), "rolling_update_canary_size 0 or more"),
    (dict(rolling_update_server_group_name="sim-group-1"),
     "Set exactly one of rolling_update_server_group_id or rolling_update_server_group_name (the group's exact name); "
     "got both"),
]


@scenario
def bad_drain_settings(make_simulator):
    """One scenario (a role run on a simulator of its own) per bad setting."""
    runs = []
    for index, (role_vars, _message) in enumerate(BAD_DRAIN_SETTINGS):
        run = fleet_scenario("bad_drain_%d" % index, make_simulator, behind=[0])
        run.tasks = rollout(rolling_update_server_group_id=run.context["group_id"], rolling_update_hda_upgrade=True,
                            **role_vars)
        runs.append(run)
    return runs


@pytest.mark.parametrize("index, message", [(index, message) for index, (_vars, message)
                                            in enumerate(BAD_DRAIN_SETTINGS)])
def test_bad_drain_settings_fail_before_any_change(shared, index, message):
    run = shared["bad_drain_%d" % index]
    sim = run.sim
    assert run.rc != 0
    assert message in " ".join(run.stdout.split()), run.stdout
    assert not sim.log.mutations()


def test_the_role_waits_through_modules_not_retry_loops():
    tasks = os.path.join(REPO_ROOT, "roles", "rolling_update", "tasks")
    for name in os.listdir(tasks):
        with open(os.path.join(tasks, name)) as handle:
            text = handle.read()
        assert "until:" not in text and "retries:" not in text, name  # AWX shows "FAILED - RETRYING" as errors


def test_the_playbook_takes_the_drain_policy_message_and_canary_from_survey_answers(fleet, runner_for):
    sim, group_id, ids = fleet(behind=[0, 1, 2], sessions=1)
    sim.state.session_drain = None
    process = playbook(sim, runner_for(sim), server_group_id=group_id, hda_upgrade="true", batch_size="2",
                       drain_policy="notify_then_logoff", logoff_message="Back soon", logoff_grace="0",
                       canary_size="1", drain_poll_interval="0.3", poll_interval="0.2")
    assert process.returncode == 0, process.stdout + process.stderr
    assert upgrade_batches(sim) == [{ids[0]}, {ids[1], ids[2]}]
    # an answer of 0 is 0 (no grace), not "not set" (the default 300 s)
    assert [(message, delay) for _ids, message, delay in logoff_calls(sim)] == [("Back soon", 0)] * 2
    assert outdated(sim, ids) == []


def test_the_playbook_without_a_change_names_its_own_variables(fleet, runner_for):
    """The playbook's user sees the playbook's names (hda_upgrade, image_id, tsvi), not the role's, and only the
    wrong answers."""
    sim, group_id, ids = fleet(behind=[0])
    process = playbook(sim, runner_for(sim), server_group_id=group_id, batch_size="0")
    output = " ".join((process.stdout + process.stderr).split())
    assert process.returncode != 0
    assert "Nothing to roll out: set hda_upgrade (true), image_id or tsvi (true). Nothing was changed." in output
    assert "batch_size must be 1 or more, got 0" in output
    assert "rolling_update_" not in process.stdout and "drain_policy must be" not in output
    assert not sim.log.mutations()
