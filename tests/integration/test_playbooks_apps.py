"""playbooks/publish_apps.yml and playbooks/grant_access.yml run as a user (or AWX) runs them: real
ansible-playbook, variables from -e, the connection from the environment only, against the simulator over HTTP."""

import pytest

APPS_FILE = """applications:
  - name: Notepad                 # on the group's image
  - name: Payroll
    source_type: custom
    execute_path: 'C:\\Program Files\\Payroll\\payroll.exe'
    command_param: --region=emea
  - name: Legacy CRM
    execute_path: 'C:\\CRM\\crm.exe'
    enabled: false
"""


@pytest.fixture
def tenant(make_simulator):
    """One server group with servers (its image offers the stock apps) and two app groups on it."""
    sim = make_simulator(servers=2, groups=1)
    server_group = sim.state.group_by_name("sim-group-1")
    sim.office = sim.state.add_app_group("office", server_group["id"])
    sim.design = sim.state.add_app_group("design", server_group["id"])
    sim.log.clear()
    return sim


def test_publish_apps_plans_then_publishes_from_a_file_then_changes_nothing(tenant, play, tmp_path):
    sim = tenant
    apps_file = tmp_path / "apps.yml"
    apps_file.write_text(APPS_FILE, encoding="utf-8")

    plan = play(sim, "publish_apps", check=True, diff=True, app_group_name="office", applications_file=str(apps_file))
    assert plan.rc == 0, plan.output
    assert plan.changed == 1 and sim.log.mutations() == []
    assert "Check mode, nothing changed: 3 application(s): 3 changed (would be)" in " ".join(plan.output.split())
    assert "Payroll" in plan.output and sim.state.app_names(sim.office["id"]) == []

    run = play(sim, "publish_apps", app_group_name="office", applications_file=str(apps_file))
    assert run.rc == 0, run.output
    apps = dict((app["name"], app) for app in sim.state.published_apps(sim.office["id"]))
    assert sorted(apps) == ["Legacy CRM", "Notepad", "Payroll"]
    assert apps["Legacy CRM"]["state"] == "FORBIDDEN" and apps["Payroll"]["command_param"] == "--region=emea"
    assert apps["Payroll"]["execute_path"] == "C:\\Program Files\\Payroll\\payroll.exe"
    assert [len(call.body["items"]) for call in sim.log.requests(operation="publish_app")] == [3]
    lines = run.debug_lines("Show every application changed (or that would be), and every failure")
    assert lines == ["Legacy CRM: publish succeeded", "Notepad: publish succeeded", "Payroll: publish succeeded"]

    sim.log.clear()
    again = play(sim, "publish_apps", app_group_name="office", applications_file=str(apps_file))
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []
    assert "3 application(s): 0 changed, 3 unchanged, 0 failed" in " ".join(again.output.split())


def test_publish_apps_from_survey_text_fails_before_any_change_on_an_app_the_image_does_not_offer(tenant, play):
    sim = tenant
    run = play(sim, "publish_apps", app_group_id=sim.office["id"], applications="- name: Notepad\n- name: Photoshop\n")
    assert run.rc != 0 and run.failed == 1
    assert "Photoshop" in run.output and "Calculator" in run.output  # the offered names are in the message
    assert sim.log.mutations() == []

    bad = play(sim, "publish_apps", app_group_name="office")
    assert bad.rc != 0 and "Set exactly one of applications (a list, or YAML text of a list) or applications_file" \
        in bad.output
    assert sim.log.mutations() == []


def test_grant_access_plans_grants_reads_back_names_an_unknown_account_then_revokes(tenant, play):
    sim = tenant
    user_group = next(entry for entry in sim.state.directory() if entry["account"] == "app-users")
    grant = dict(app_group_names="office, design", users="alice bob", user_group_ids=user_group["id"])

    plan = play(sim, "grant_access", check=True, diff=True, **grant)
    assert plan.rc == 0, plan.output
    assert plan.changed == 1 and sim.log.mutations() == []
    assert "alice (USER) on office" in plan.output and "bob (USER) on design" in plan.output

    run = play(sim, "grant_access", notify="yes", **grant)
    assert run.rc == 0, run.output
    granted = sorted((auth["account"], auth["app_group_name"]) for auth in sim.state.authorizations.values())
    assert granted == sorted((account, group) for account in ("alice", "app-users", "bob")
                             for group in ("design", "office"))
    assert len(sim.log.requests(operation="add_app_group_authorization")) == 1  # one call: 2 groups x 3 accounts
    assert len(sim.state.mails) == 6 and sim.state.duplicate_grants == 0
    assert "6 account(s) x app group(s): 6 changed, 0 unchanged, 0 failed" in " ".join(run.output.split())

    sim.log.clear()
    again = play(sim, "grant_access", **grant)
    assert again.rc == 0, again.output
    assert again.changed == 0 and sim.log.mutations() == []

    unknown = play(sim, "grant_access", app_group_names="office", users="alice,mallory")
    assert unknown.rc != 0 and unknown.failed == 1
    assert "mallory (USER) on office:" in unknown.output and "alice" not in " ".join(
        unknown.debug_lines("Show every access granted or revoked (or that would be), and every failure"))

    revoke = play(sim, "grant_access", app_group_ids=sim.design["id"], users=["bob"], access="revoke")
    assert revoke.rc == 0, revoke.output
    assert sorted(auth["account"] for auth in sim.state.authorizations.values() if auth["app_group_name"] == "design") == [
        "alice", "app-users"]
    assert revoke.debug_lines("Show every access granted or revoked (or that would be), and every failure") == [
        "bob (USER) on design: remove succeeded"]
