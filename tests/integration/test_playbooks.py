"""The ready-to-use playbooks of playbooks/ run as a user (or AWX) runs them: real ansible-playbook,
variables from -e, connection from the environment only, against the simulator over HTTP (the ``play`` fixture of
conftest.py)."""

import json

import pytest

FAST = {"poll_interval": 0.2, "wait_timeout": 120}
OLD_HDA = "2.0.10.1"
NEW_IMAGE = "5d5c7a3e-0d3e-4c47-9a43-0c6c1e1f0a42"


def group_named(sim, name):
    return sim.state.group_by_name(name)


@pytest.fixture
def fleet(make_simulator):
    """12 servers over 2 groups (sim-group-1 / sim-group-2), 2 of each group behind on the access agent."""
    sim = make_simulator(servers=12, groups=2, images=[NEW_IMAGE])
    for group_id in sim.state.groups:
        for server_id in sorted(sim.state.server_ids(group_id))[1:3]:
            sim.state.set_hda_version(server_id, OLD_HDA)
    sim.log.clear()
    return sim


def outdated(sim, server_ids=None):
    ids = sim.state.server_ids() if server_ids is None else server_ids
    return sorted(sid for sid in ids if sim.state.hda_version(sid) != sim.state.latest_hda_for(sid))


# ---------------------------------------------------------------------------------------------- hda_upgrade

def test_hda_upgrade_plans_then_upgrades_a_group_by_name_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")
    behind = outdated(sim, sim.state.server_ids(group["id"]))
    elsewhere = outdated(sim, sim.state.server_ids(group_named(sim, "sim-group-2")["id"]))
    assert behind and elsewhere

    plan = play(sim, "hda_upgrade", check=True, diff=True, server_group_name="sim-group-1", **FAST)
    assert plan.rc == 0, plan.output
    assert plan.changed == 1 and sim.log.mutations() == []
    assert "Check mode, nothing changed: %d server(s)" % len(sim.state.server_ids(group["id"])) in plan.output
    # readable (issue 26): the plan printed once (the diff; no report lines repeating it), in name order, no line
    # of ours with trailing spaces, no empty "jobs" in the summary
    labels = sorted("%s (%s)" % (sim.state.get_server(sid)["name"], sid) for sid in behind)
    assert [plan.output.count(label) for label in labels] == [1] * len(labels), plan.output
    assert [plan.output.index(label) for label in labels] == sorted(plan.output.index(label) for label in labels)
    assert [line for line in plan.output.splitlines() if line != line.rstrip() and not line.startswith("localhost")
            ] == [], plan.output
    assert "jobs" not in plan.output.split("TASK [Show the summary]")[1]

    run = play(sim, "hda_upgrade", server_group_name="sim-group-1", **FAST)
    assert run.rc == 0, run.output
    assert run.changed == 1
    assert outdated(sim, sim.state.server_ids(group["id"])) == []
    assert outdated(sim) == elsewhere  # the other group was not touched
    upgraded = sorted(sid for call in sim.log.requests(operation="batch_upgrade_hda_version") for sid in call.body["items"])
    assert upgraded == behind
    assert "%d upgraded" % len(behind) in run.output
    # one report line per server, in name order, each naming its job
    reported = [run.output.index("%s: succeeded" % label) for label in labels]
    assert reported == sorted(reported) and run.output.count(": succeeded") == len(labels), run.output
    assert [line for line in run.output.splitlines() if line != line.rstrip() and not line.startswith("localhost")
            ] == [], run.output

    sim.log.clear()
    again = play(sim, "hda_upgrade", server_group_name="sim-group-1", **FAST)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []


def test_hda_upgrade_takes_server_ids_as_a_survey_text(fleet, play):
    sim = fleet
    chosen = outdated(sim)[:2]
    run = play(sim, "hda_upgrade", server_ids=" %s,\n%s " % tuple(chosen), batch_size=1, **FAST)
    assert run.rc == 0, run.output
    calls = sim.log.requests(operation="batch_upgrade_hda_version")
    assert sorted(call.body["items"] for call in calls) == [[chosen[0]], [chosen[1]]]  # batch_size 1
    assert not set(chosen) & set(outdated(sim))


@pytest.mark.parametrize("extra_vars, message", [
    ({}, "Set exactly one of server_group_id, server_group_name or server_ids"),
    ({"server_group_id": "x", "server_ids": ["y"]}, "Set exactly one of server_group_id, server_group_name or server_ids"),
    ({"server_group_name": "", "server_ids": ""}, "Set exactly one of server_group_id, server_group_name or server_ids"),
    ({"server_group_name": "no-such-group"}, "server_group_name 'no-such-group' matches 0 server groups"),
    ({"server_group_name": "sim-group-1", "batch_size": 21}, "batch_size must be 1..20"),
])
def test_hda_upgrade_refuses_bad_variables_before_any_change(fleet, play, extra_vars, message):
    run = play(fleet, "hda_upgrade", **extra_vars)
    assert run.rc != 0 and run.failed == 1
    assert message in run.output
    assert fleet.log.mutations() == []


# ---------------------------------------------------------------------------------------------- change_image

def test_change_image_rebuilds_a_group_and_sets_its_image_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-2")
    members = sorted(sim.state.server_ids(group["id"]))
    others = sorted(set(sim.state.server_ids()) - set(members))
    images_before = dict((sid, sim.state.get_server(sid)["image_id"]) for sid in others)

    run = play(sim, "change_image", server_group_id=group["id"], image_id=NEW_IMAGE, update_group_image=True, **FAST)
    assert run.rc == 0, run.output
    assert all(sim.state.get_server(sid)["image_id"] == NEW_IMAGE for sid in members)
    assert dict((sid, sim.state.get_server(sid)["image_id"]) for sid in others) == images_before
    assert sim.state.get_group(group["id"])["image_id"] == NEW_IMAGE
    assert "%d rebuilt" % len(members) in run.output and "server group image changed" in run.output

    sim.log.clear()
    again = play(sim, "change_image", server_group_id=group["id"], image_id=NEW_IMAGE, update_group_image=True, **FAST)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []
    assert "%d already on %s" % (len(members), NEW_IMAGE) in again.output


@pytest.mark.parametrize("extra_vars, message", [
    ({"server_group_name": "sim-group-1"}, "image_id is required"),
    ({"server_group_name": "sim-group-1", "image_id": NEW_IMAGE, "image_type": "mine"}, "got 'mine'"),
    ({"server_ids": "a,b", "image_id": NEW_IMAGE, "update_group_image": True}, "update_group_image needs a server group target"),
])
def test_change_image_refuses_bad_variables_before_any_change(fleet, play, extra_vars, message):
    run = play(fleet, "change_image", **extra_vars)
    assert run.rc != 0 and run.failed == 1
    assert message in run.output
    assert fleet.log.mutations() == []


# ---------------------------------------------------------------------------------------------- tsvi

def test_tsvi_reapplies_on_chosen_servers_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")  # virtual session IP on
    chosen = sorted(sim.state.server_ids(group["id"]))[:2]

    run = play(sim, "tsvi", server_ids=chosen, tsvi_enable="true", tsvi_force=True, **FAST)
    assert run.rc == 0, run.output
    submitted = sorted(item["id"] for call in sim.log.requests(operation="batch_update_tsvi") for item in call.body["items"])
    assert submitted == chosen
    assert "2 applied and rebooted" in run.output

    sim.log.clear()
    again = play(sim, "tsvi", server_ids=chosen, **FAST)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []


def test_tsvi_fails_before_any_reboot_when_the_group_setting_differs(fleet, play):
    sim = fleet
    run = play(sim, "tsvi", server_group_name="sim-group-1", tsvi_enable=False, tsvi_force=True, **FAST)
    assert run.rc != 0 and run.failed == 1
    assert sim.log.mutations() == []


# ---------------------------------------------------------------------------------------------- server_group

def test_server_group_applies_only_given_settings_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-2")
    before = json.loads(json.dumps(group))
    settings = {"server_group_name": "sim-group-2", "max_session": "20", "description": "CAD tools", "enabled": "false",
                "storage_mount_policy": "ANY", "cpu_threshold": "", "app_type": ""}  # empty survey answers: not set

    run = play(sim, "server_group", diff=True, **settings)
    assert run.rc == 0, run.output
    after = sim.state.get_group(group["id"])
    assert after["route_policy"] == dict(before["route_policy"], max_session=20)
    assert after["description"] == "CAD tools" and after["server_group_status"] is False
    assert after["storage_mount_policy"] == "ANY" and after["app_type"] == before["app_type"]
    patches = sim.log.mutations()
    assert len(patches) == 1 and set(patches[0].body) == {"route_policy", "description", "server_group_status",
                                                          "storage_mount_policy"}

    sim.log.clear()
    again = play(sim, "server_group", **settings)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []
    assert "already as requested, nothing sent" in again.output


@pytest.mark.parametrize("extra_vars, message", [
    ({"server_group_name": "sim-group-1"}, "and at least one setting"),
    ({"description": "x"}, "Set exactly one of server_group_id or server_group_name"),
    ({"server_group_name": "sim-group-1", "max_session": 101}, "must be 1..100"),
    ({"server_group_name": "sim-group-1", "image_id": NEW_IMAGE}, "image_id and image_type go together"),
])
def test_server_group_refuses_bad_variables_before_any_change(fleet, play, extra_vars, message):
    run = play(fleet, "server_group", **extra_vars)
    assert run.rc != 0 and run.failed == 1
    assert message in run.output
    assert fleet.log.mutations() == []


# ---------------------------------------------------------------------------------------------- inventory_report

def table_row(lines, first_column):
    return next(line.split() for line in lines if line.split()[0] == first_column)


def test_inventory_report_prints_the_fleet_table_and_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")
    members = sim.state.server_ids(group["id"])
    sim.state.set_maintenance(members[:1], True)
    sim.log.clear()

    run = play(sim, "inventory_report", report_servers=True)
    assert run.rc == 0, run.output
    assert run.changed == 0 and sim.log.mutations() == []
    lines = run.debug_lines("Show the fleet table")
    assert lines[0].split()[:3] == ["GROUP", "APP", "TYPE"]
    for name in ("sim-group-1", "sim-group-2"):
        record = group_named(sim, name)
        ids = sim.state.server_ids(record["id"])
        servers = [sim.state.get_server(sid) for sid in ids]
        row = table_row(lines, name)
        assert row[1] == record["app_type"]
        assert [int(n) for n in row[2:7]] == [
            len(ids),
            sum(1 for s in servers if s["vm_status"] == "ACTIVE"),
            sum(1 for s in servers if s["maintain_status"]),
            sum(s["session_count"] or 0 for s in servers),
            len(outdated(sim, ids)),
        ]
        assert row[7] == ("on" if record["ip_virtual"]["enable"] else "off")
        assert set(" ".join(row[9:]).split(", ")) == set(sim.state.hda_version(sid) for sid in ids)
    total = table_row(lines, "TOTAL:")
    assert total[3:5] == [str(len(sim.state.servers)), str(len(sim.state.servers))]
    assert total[7] == str(len(outdated(sim)))

    server_lines = run.debug_lines("Show one row per server")
    assert len(server_lines) == 1 + len(sim.state.servers)
    first = sorted(sim.state.servers.values(), key=lambda s: s["name"])[0]
    assert table_row(server_lines, first["name"])[1] == sim.state.get_group(first["server_group_id"])["name"]


def test_inventory_report_of_one_group(fleet, play):
    run = play(fleet, "inventory_report", server_group_name="sim-group-2")
    assert run.rc == 0, run.output
    lines = run.debug_lines("Show the fleet table")
    assert [line.split()[0] for line in lines] == ["GROUP", "sim-group-2", "TOTAL:"]
    assert "Show one row per server" in run.output and "skipping" in run.output.split("Show one row per server")[1][:200]

    missing = play(fleet, "inventory_report", server_group_name="sim-group-9")
    assert missing.rc != 0 and "No server group is named 'sim-group-9'" in missing.output


def test_non_secret_connection_settings_can_come_from_extra_vars(fleet, play):
    """workspace_app_endpoint / _region / _project_id reach every module through module_defaults."""
    sim = fleet
    missing = play(sim, "inventory_report", without_env=("HW_WORKSPACE_APP_ENDPOINT", "HUAWEICLOUD_SDK_REGION",
                                                         "HUAWEICLOUD_SDK_PROJECT_ID"))
    assert missing.rc != 0 and "region is required to find the service endpoint" in missing.output

    run = play(sim, "inventory_report", without_env=("HW_WORKSPACE_APP_ENDPOINT", "HUAWEICLOUD_SDK_REGION",
                                                     "HUAWEICLOUD_SDK_PROJECT_ID"),
               workspace_app_endpoint=sim.url, workspace_app_region=sim.credentials["region"],
               workspace_app_project_id=sim.credentials["project_id"])
    assert run.rc == 0, run.output
    assert [line.split()[0] for line in run.debug_lines("Show the fleet table")] == ["GROUP", "sim-group-1", "sim-group-2", "TOTAL:"]


# ---------------------------------------------------------------------------------------------- logoff

def test_logoff_announces_maintenance_logs_a_group_off_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")
    ids = sorted(sim.state.server_ids(group["id"]))
    for server_id in ids:
        sim.state.patch_server(server_id, session_count=2)
    sessions = sorted(s["id"] for sid in ids for s in sim.state.sessions_of(sid))
    others = [s["id"] for sid in sim.state.server_ids(group_named(sim, "sim-group-2")["id"])
              for s in sim.state.sessions_of(sid)]
    sim.log.clear()

    plan = play(sim, "logoff", check=True, diff=True, server_group_name="sim-group-1", message="Upgrade at 22:00",
                delay_time=1, poll_interval=0.2)
    assert plan.rc == 0, plan.output
    assert sim.log.mutations() == []
    assert "Check mode, nothing changed: %d session(s) on %d server(s)" % (len(sessions), len(ids)) in plan.output

    run = play(sim, "logoff", server_group_name="sim-group-1", message="Upgrade at 22:00", title="Upgrade",
               message_type="serious", delay_time=1, poll_interval=0.2)
    assert run.rc == 0, run.output
    assert all(sim.state.servers[sid]["maintain_status"] for sid in ids)  # nobody logs on again
    assert all(sim.state.sessions_of(sid) == [] for sid in ids)
    assert sorted(n["session_id"] for n in sim.state.notifications) == sessions
    assert {(n["message"], n["title"], n["message_type"], n["delay_time"]) for n in sim.state.notifications} == {
        ("Upgrade at 22:00", "Upgrade", 2, 1)}
    assert "%d logged off, 0 pending, 0 still on; the servers stay in maintenance mode" % len(sessions) in run.output
    assert sorted(s["id"] for sid in sim.state.server_ids(group_named(sim, "sim-group-2")["id"])
                  for s in sim.state.sessions_of(sid)) == sorted(others)
    order = [record.operation for record in sim.log.mutations()]
    assert order[0] == "batch_change_server_maintain_mode" and order[-1] == "logoff_user_session"

    sim.log.clear()
    again = play(sim, "logoff", server_group_name="sim-group-1", message="Upgrade at 22:00", poll_interval=0.2)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []


def test_logoff_of_some_users_leaves_the_group_open(fleet, play):
    """Logging off one user does not put the group in maintenance mode (maintenance: auto): the others keep
    working and may log on, and so may the user."""
    sim = fleet
    group = group_named(sim, "sim-group-1")
    ids = sorted(sim.state.server_ids(group["id"]))
    for server_id in ids:
        sim.state.patch_server(server_id, session_count=1)
    sessions = [s for sid in ids for s in sim.state.sessions_of(sid)]
    user = sessions[0]["login_user"]
    sim.log.clear()
    run = play(sim, "logoff", server_group_name="sim-group-1", message="Signing you out", user_names=user,
               delay_time=0, poll_interval=0.2, wait_timeout=20)
    assert run.rc == 0, run.output
    assert not any(sim.state.servers[sid]["maintain_status"] for sid in ids)
    assert "batch_change_server_maintain_mode" not in [record.operation for record in sim.log.mutations()]
    left = [s["id"] for sid in ids for s in sim.state.sessions_of(sid)]
    assert sorted(left) == sorted(s["id"] for s in sessions if s["login_user"] != user)
    assert "stay in maintenance mode" not in run.output


LOGOFF_RULES = ("message is required", "delay_time 0..999999 seconds", "message_type must be info, warning",
                "Set exactly one of server_group_id, server_group_name or server_ids", "maintenance must be auto")


@pytest.mark.parametrize("extra, messages", [
    (dict(server_group_name="sim-group-1"), ["message is required"]),
    (dict(server_group_name="sim-group-1", message="x", delay_time=-5), ["delay_time 0..999999 seconds, got -5"]),
    (dict(server_group_name="sim-group-1", message="x", message_type="loud"),
     ["message_type must be info, warning or serious, got 'loud'"]),
    (dict(message="x"), ["Set exactly one of server_group_id, server_group_name or server_ids"]),
    (dict(server_group_name="sim-group-1", message="x", delay_time="soon", maintenance="maybe"),
     ["delay_time 0..999999 seconds, got soon", "maintenance must be auto, true or false, got 'maybe'"]),
])
def test_logoff_bad_answers_fail_before_anything_is_sent(fleet, play, extra, messages):
    """Each wrong answer is named with what it allows, and only the wrong ones."""
    run = play(fleet, "logoff", **extra)
    assert run.rc != 0
    output = " ".join(run.output.split())
    for message in messages:
        assert message in output
    named = [rule for rule in LOGOFF_RULES if rule in output]
    assert named == [rule for rule in LOGOFF_RULES if any(message.startswith(rule) for message in messages)], output
    assert fleet.log.mutations() == []


# ---------------------------------------------------------------------------------------------- off_hours

def test_off_hours_stops_a_group_keeping_busy_servers_then_starts_it_then_changes_nothing(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")
    ids = sorted(sim.state.server_ids(group["id"]))
    for server_id in ids:
        sim.state.patch_server(server_id, session_count=0)
    sim.state.patch_server(ids[0], session_count=1)
    sim.log.clear()
    options = dict(server_group_name="sim-group-1", poll_interval=0.2, wait_timeout=60)

    plan = play(sim, "off_hours", check=True, power_state="stopped", **options)
    assert plan.rc == 0, plan.output
    assert sim.log.mutations() == []
    night = play(sim, "off_hours", power_state="stopped", **options)
    assert night.rc == 0, night.output
    assert [sim.state.get_server(sid)["vm_status"] for sid in ids] == ["ACTIVE"] + ["SHUTOFF"] * (len(ids) - 1)
    assert "%d server(s): 0 already stopped, %d stopped, 1 skipped" % (len(ids), len(ids) - 1) in " ".join(
        night.output.split())

    sim.log.clear()
    again = play(sim, "off_hours", power_state="stopped", **options)
    assert again.rc == 0 and again.changed == 0 and sim.log.mutations() == []

    morning = play(sim, "off_hours", power_state="started", **options)
    assert morning.rc == 0, morning.output
    assert [sim.state.get_server(sid)["vm_status"] for sid in ids] == ["ACTIVE"] * len(ids)


def test_off_hours_needs_a_power_state(fleet, play):
    run = play(fleet, "off_hours", server_group_name="sim-group-1")
    assert run.rc != 0
    assert "power_state must be stopped or started" in " ".join(run.output.split())
    assert fleet.log.mutations() == []


# ---------------------------------------------------------------------------------------------- scale

def test_scale_plans_then_grows_then_shrinks_draining_servers_with_users(fleet, play):
    sim = fleet
    group = group_named(sim, "sim-group-1")
    ids = sorted(sim.state.server_ids(group["id"]))
    for server_id in ids:
        sim.state.patch_server(server_id, session_count=1)
    sim.log.clear()
    options = dict(server_group_name="sim-group-1", poll_interval=0.2, wait_timeout=60)

    plan = play(sim, "scale", check=True, count=len(ids) + 2, **options)
    assert plan.rc == 0, plan.output
    assert sim.log.mutations() == []
    assert "%d -> %d server(s): 0 created, 0 deleted (would be)" % (len(ids), len(ids) + 2) in " ".join(
        plan.output.split())
    grow = play(sim, "scale", count=len(ids) + 2, **options)
    assert grow.rc == 0, grow.output
    assert len(sim.state.server_ids(group["id"])) == len(ids) + 2

    refused = play(sim, "scale", count=1, **options)  # the new servers are empty; the old ones have users
    assert refused.rc != 0 and "still have sessions" in " ".join(refused.output.split())
    assert len(sim.state.server_ids(group["id"])) == len(ids) + 2
    shrink = play(sim, "scale", count=len(ids) - 1, on_sessions="drain", drain_delay=0, drain_message="Bye", **options)
    assert shrink.rc == 0, shrink.output
    assert len(sim.state.server_ids(group["id"])) == len(ids) - 1
    assert [call.body["message"] for call in sim.log.requests(operation="logoff_user_session")] == ["Bye"]


def test_scale_needs_a_count(fleet, play):
    run = play(fleet, "scale", server_group_name="sim-group-1", count="many")
    assert run.rc != 0
    assert "count (a whole number, 0 or more)" in " ".join(run.output.split())
    assert fleet.log.mutations() == []
