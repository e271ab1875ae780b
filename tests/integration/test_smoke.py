"""One playbook through every module of the collection against the simulator, then the same desired states again.

The smoke test of the version matrix (``make matrix`` runs it on each ansible-core version the collection
supports, with ``WORKSPACE_APP_ANSIBLE_BIN``, see tests/harness); in the ordinary suite it runs on the venv's
ansible-core. Each module is run for real once and its result checked; the desired-state modules run a second
time and must change nothing, with no mutating request reaching the service.
"""

import os

from tests.harness import module_task
from tests.harness.collection import REPO_ROOT

PREFIX = "huaweicloud.workspace_app."
IMAGE = "0d4c4a8e-3c7b-4f43-9d55-6a2f1c2b9e70"
FAST = dict(poll_interval=0.2, wait_timeout=120)
FIRST_COUNT = "{{ servers.servers | length + 1 }}"  # one more server than group 1 has
MODULES = ("app_server_group_info", "app_server_info", "app_server_hda_upgrade", "app_job_info", "app_server_image",
           "app_server_tsvi", "app_server_group", "app_server_maintenance", "app_session_info", "app_session_logoff",
           "app_server_power", "app_server_fleet", "app_group_info", "app_application", "app_application_info",
           "app_group_authorization", "app_schedule_task", "app_schedule_task_info", "app_policy_group",
           "app_policy_group_info", "app_group", "app_server_reinstall", "app_server_rejoin_domain", "app_image_server",
           "app_image_server_info", "app_image")
SMOKE_APPS = [{"name": "Smoke tool", "execute_path": "C:\\Tools\\smoke.exe"}]


def task(module, register, defaults=None, **options):
    return module_task(PREFIX + module, register, defaults, **options)


def desired_states(fleet_count, repaired, base_image, suffix=""):
    """The tasks that bring the tenant to a state; run twice, the second run must change nothing. ``repaired``: the
    two servers reinstalled and rejoined to the domain (their re-run rule leaves them alone the second time);
    ``base_image``: the image the image server starts from."""
    group_1, group_2 = "sim-group-1", "sim-group-2"
    image_server = dict(FAST, name="smoke-src", image_id=base_image, image_type="private", product_id="p",
                        vpc_id="vpc-1", subnet_id="subnet-1", system_disk_type="SAS", system_disk_size=80,
                        authorize_accounts=[{"account": "builder"}], attach_apps=["app-smoke"])
    return [
        task("app_server_hda_upgrade", "hda" + suffix, server_group_name=group_1, **FAST),
        task("app_server_image", "image" + suffix, server_group_name=group_2, image_id=IMAGE, image_type="private",
             **FAST),
        task("app_server_group", "group" + suffix, dict(name=group_1), description="smoke", route_policy={"max_session": 3}),
        task("app_server_fleet", "fleet" + suffix, server_group_name=group_1,
             count=fleet_count, **FAST),
        task("app_server_maintenance", "maintenance" + suffix, server_group_name=group_1, maintenance=True),
        task("app_server_power", "power" + suffix, server_group_name=group_2, state="stopped", **FAST),
        task("app_application", "apps" + suffix, app_group_name="smoke-apps", applications=SMOKE_APPS),
        task("app_group_authorization", "access" + suffix, app_group_names=["smoke-access"],
             accounts=[dict(account="alice"), dict(account="app-users", type="USER_GROUP",
                                                   id="{{ smoke_user_group_id }}")]),
        task("app_schedule_task", "schedule" + suffix, dict(name="smoke-restart"), task_type="restart",
             schedule="monthly", days=["last"], time="23:00", targets=[{"server_group_name": group_1}]),
        task("app_policy_group", "policy" + suffix, dict(name="smoke_baseline"),
             targets=[dict(type="APPGROUP", name="smoke-apps")],
             policies={"file_and_clipboard": {"clipboard_redirection": "SERVER_TO_CLIENT_ENABLED"}}),
        task("app_group", "app_group" + suffix, dict(name="smoke-new-apps"), server_group_name=group_2,
             description="smoke"),
        task("app_server_reinstall", "reinstall" + suffix, server_ids=[repaired[0]], **FAST),
        task("app_server_rejoin_domain", "rejoin" + suffix, server_ids=[repaired[1]], **FAST),
        task("app_image_server", "image_server" + suffix, image_server),
        task("app_image", "golden" + suffix, dict(name="smoke image 1"), image_server_name="smoke-src", **FAST),
    ]


def test_every_module_runs_and_the_desired_states_hold_on_a_second_run(make_simulator, runner_for):
    sim = make_simulator(servers=6, groups=2, outdated_hda=1.0, job_duration=0.3)
    group_1 = sim.state.group_by_name("sim-group-1")
    app_group = sim.state.add_app_group("smoke-apps", group_1["id"])
    sim.state.add_app_group("smoke-apps-elsewhere")
    originals = sorted(sim.state.server_ids(group_1["id"]))
    first_server = originals[0]
    repaired = originals[1:3]
    base_image = group_1["image_id"]
    sim.state.add_app_group("smoke-access")
    user_group = next(entry for entry in sim.state.directory() if entry["account_type"] == "USER_GROUP")
    tasks = [
        {"name": "the directory's user group", "ansible.builtin.set_fact": {"smoke_user_group_id": user_group["id"]}},
        task("app_server_group_info", "group_list", dict(name="sim-group-1")),
        task("app_group_info", "app_group_list", server_group_name="sim-group-1"),
        task("app_server_info", "servers", server_group_id=group_1["id"], hda=True),
    ] + desired_states(FIRST_COUNT, repaired, base_image)[:1] + [
        task("app_job_info", "job", job_id="{{ hda.jobs[0] }}"),
    ] + desired_states(FIRST_COUNT, repaired, base_image)[1:5] + [
        task("app_server_tsvi", "tsvi", server_ids=[first_server], force=True, **FAST),
        task("app_session_info", "sessions", server_group_name="sim-group-2"),
        task("app_session_logoff", "logoff", server_group_name="sim-group-2", title="Smoke",
             message_text="Logging off", **FAST),
    ] + desired_states(FIRST_COUNT, repaired, base_image)[5:] + [
        task("app_application_info", "apps_info", app_group_name="smoke-apps"),
        task("app_schedule_task_info", "schedule_info", dict(name="smoke-restart"), history=True),
        task("app_policy_group_info", "policy_info", dict(name="smoke_baseline")),
        task("app_image_server_info", "image_server_info", dict(name="smoke-src")),
    ]
    run = runner_for(sim).run(tasks)
    assert run.rc == 0, run.output
    # requirements.txt caps cryptography: ansible-core's start-up must not warn that DSA is deprecated
    assert "CryptographyDeprecationWarning" not in run.stderr, run.stderr
    used = set(name for t in tasks for name in t if name.startswith(PREFIX))
    assert used == set(PREFIX + m for m in MODULES)
    shipped = set(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules"))
                  if name.endswith(".py") and not name.startswith("_"))
    assert shipped == set(MODULES)  # a new module joins the smoke

    assert [g["id"] for g in run["group_list"]["server_groups"]] == [group_1["id"]]
    assert [g["name"] for g in run["app_group_list"]["app_groups"]] == ["smoke-apps"]
    assert run["app_group_list"]["unexpected"] == []
    assert len(run["servers"]["servers"]) == 3 and all("current_version" in s for s in run["servers"]["servers"])
    assert run["hda"]["changed"] is True and run["hda"]["summary"]["succeeded"] == 3
    assert run["job"]["job"]["id"] == run["hda"]["jobs"][0] and run["job"]["job"]["status"] == "SUCCESS"
    assert run["image"]["changed"] is True and run["image"]["summary"]["succeeded"] == 3
    assert run["group"]["changed"] is True and run["group"]["server_group"]["description"] == "smoke"
    assert run["maintenance"]["changed"] is True
    assert run["tsvi"]["changed"] is True and run["tsvi"]["summary"]["succeeded"] == 1
    sessions = run["sessions"]["sessions"]
    assert run["logoff"]["changed"] is bool(sessions)
    assert run["power"]["changed"] is True and run["power"]["summary"]["succeeded"] == 3
    assert run["fleet"]["changed"] is True and run["fleet"]["count"] == 4
    assert run["access"]["changed"] is True and run["access"]["summary"]["succeeded"] == 2
    assert len(sim.state.server_ids(group_1["id"])) == 4
    assert run["apps"]["changed"] is True and sim.state.app_names(app_group["id"]) == ["Smoke tool"]
    assert [app["name"] for app in run["apps_info"]["applications"]] == ["Smoke tool"]
    assert all(sim.state.get_server(sid)["maintain_status"] for sid in sim.state.server_ids(group_1["id"]))
    assert run["schedule"]["changed"] is True and run["schedule"]["schedule_task"]["days"] == ["L"]
    assert [t["id"] for t in run["schedule_info"]["schedule_tasks"]] == [run["schedule"]["schedule_task"]["id"]]
    assert run["schedule_info"]["unexpected"] == []
    assert run["policy"]["changed"] is True and run["policy"]["policy_group"]["targets"][0]["target_id"] == (
        app_group["id"])
    assert [g["id"] for g in run["policy_info"]["policy_groups"]] == [run["policy"]["policy_group"]["id"]]
    assert run["app_group"]["changed"] is True and run["app_group"]["app_group"]["name"] == "smoke-new-apps"
    assert run["app_group"]["app_group"]["id"] in sim.state.app_groups
    assert run["reinstall"]["changed"] is True and run["reinstall"]["summary"]["succeeded"] == 1
    assert run["rejoin"]["changed"] is True and run["rejoin"]["summary"]["succeeded"] == 1
    image_server, image = run["image_server"]["image_server"], run["golden"]["image"]
    assert run["image_server"]["changed"] is True and image_server["status"] == "ACTIVE"
    assert run["golden"]["changed"] is True and image["status"] == "SUCCESS"
    assert image["id"] in [known["image_id"] for known in sim.state.images()]
    (listed,) = run["image_server_info"]["image_servers"]
    assert (listed["id"], listed["image_id"]) == (image_server["id"], image["id"])

    sim.log.clear()
    again = runner_for(sim).run([tasks[0]] + desired_states(4, repaired, base_image, suffix="_again"))
    assert again.rc == 0, again.output
    assert "CryptographyDeprecationWarning" not in again.stderr, again.stderr
    for name in ("hda", "image", "group", "maintenance", "power", "fleet", "apps", "access", "schedule", "policy",
                 "app_group", "reinstall", "rejoin", "image_server", "golden"):
        assert again[name + "_again"]["changed"] is False, (name, again[name + "_again"])
    assert sim.log.mutations() == []
