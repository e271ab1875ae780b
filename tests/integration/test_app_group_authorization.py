"""app_group_authorization through ansible-playbook against the stateful simulator, in ONE shared run of two
scenarios: onboarding with mails, the unchanged re-run, an unknown account failed by name, offboarding by purge and
check mode with --diff; and a grant under 20 % faults on every request that converges in one run with nothing granted
twice (the simulator counts every grant of a pair already granted)."""

from tests.harness import Scenario, ScenarioSet, module_task

MODULE = "huaweicloud.workspace_app.app_group_authorization"


def grant_task(register, **options):
    task = module_task(MODULE, register, **options)
    return task


# no request pace shared between the tasks: after the faults' 429s it would slow the run to a request a second
scenario = ScenarioSet("authorizations", env={"WORKSPACE_APP_SHARED_STATE_DIR": "off"})


@scenario
def onboarding(module_simulator):
    sim = module_simulator(servers=0, groups=0, seed=28)
    office, cad = sim.state.add_app_group("office"), sim.state.add_app_group("cad")
    team = next(entry for entry in sim.state.directory() if entry["account_type"] == "USER_GROUP")
    accounts = [dict(account="alice"), dict(account="bob", domain="example.com"),
                dict(account=team["account"], type="USER_GROUP", id=team["id"])]
    tasks = [
        grant_task("grant", app_group_names=["office", "cad"], accounts=accounts, notify=True),
        grant_task("again", app_group_names=["office", "cad"], accounts=accounts, notify=True),
        dict(grant_task("unknown", app_group_ids=[office["id"]], accounts=[dict(account="carol"),
                                                                           dict(account="mallory")]),
             ignore_errors=True),
        dict(grant_task("preview", app_group_names=["cad"], accounts=[dict(account="alice")], purge=True),
             check_mode=True, diff=True),
        grant_task("offboard", app_group_names=["cad"], accounts=[dict(account="alice")], purge=True),
        grant_task("absent", app_group_names=["office"], accounts=[dict(account="bob")], state="absent"),
    ]
    return Scenario("onboarding", sim, tasks, office=office, cad=cad, team=team)


USERS, GROUPS = 250, 3
# besides the 20 % drawn at random on every request: the faults that may leave a grant applied, on grant calls
GRANT_FAULTS = ("applied_error500", "lost_response", "drop")


@scenario
def faults(module_simulator):
    sim = module_simulator(servers=0, groups=0, seed=29)
    for number in range(GROUPS):
        sim.state.add_app_group("faulty-%d" % number)
    sim.state.add_directory_accounts(count=USERS)
    sim.faults.configure(seed=5, throttle_rate=0.04, error_rate=0.04, drop_rate=0.04, lost_response_rate=0.04,
                         applied_error_rate=0.04, retry_after=0)
    for kind in GRANT_FAULTS:
        sim.faults.script(kind, method="POST", path="/app-groups/authorizations$")
    tasks = [grant_task("grant", app_group_names=["faulty-%d" % n for n in range(GROUPS)], max_retries=10,
                        accounts=[dict(account="user%04d" % n) for n in range(USERS)])]
    return Scenario("faults", sim, tasks)


shared = scenario.fixture()


def by_pair(result):
    return dict(((entry["account"], entry["app_group"]), entry) for entry in result["authorizations"])


def test_onboard_rerun_unknown_account_purge_and_notify(shared):
    run = shared["onboarding"]
    sim, office, cad, team = run.sim, run.context["office"], run.context["cad"], run.context["team"]
    assert run.rc == 0, run.output
    grant = run["grant"]
    assert grant["changed"] is True and grant["summary"]["succeeded"] == 6 and not grant.get("failed")
    grant_calls = sim.log.requests(operation="add_app_group_authorization")
    assert len(grant_calls[0].body["accounts"]) == 3 and len(grant_calls[0].body["app_group_ids"]) == 2
    assert len(grant["notified"]) == 6 and len(sim.state.mails) >= 6
    assert {(m["account"], m["mail_send_type"]) for m in sim.state.mails[:6]} == {
        ("alice", "ADD_GROUP_AUTHORIZATION"), ("bob", "ADD_GROUP_AUTHORIZATION"),
        (team["account"], "ADD_GROUP_AUTHORIZATION")}

    again = run["again"]
    assert again["changed"] is False and again["summary"]["unchanged"] == 6 and "notified" not in again

    unknown = run["unknown"]
    assert unknown["failed"] is True and unknown["changed"] is True
    assert "mallory (USER) on office: the service answered 200 but did not grant it" in unknown["msg"]
    assert by_pair(unknown)[("carol", "office")]["status"] == "succeeded"
    assert [a["account"] for a in sim.state.list_authorizations(account="mallory")] == []

    preview = run["preview"]
    assert preview["changed"] is True
    assert preview["diff"]["after"] == {"bob (USER) on cad": {"granted": False},
                                        "%s (USER_GROUP) on cad" % team["account"]: {"granted": False}}
    assert "would grant 0 and remove 2" in preview["msg"]
    assert "bob (USER) on cad" in run.stdout  # --diff printed who loses what

    assert run["offboard"]["changed"] is True
    assert sorted(a["account"] for a in sim.state.list_authorizations(app_group_id=cad["id"])) == ["alice"]
    assert run["absent"]["changed"] is True
    assert sorted(a["account"] for a in sim.state.list_authorizations(app_group_id=office["id"])) == sorted([
        "alice", "carol", team["account"]])
    assert sim.state.duplicate_grants == 0
    # the re-run sent nothing: every mutation of the run is one of the other tasks'
    assert len(sim.log.requests(operation="send_authorized_mail")) == 1


def test_twenty_percent_faults_converge_in_one_run_with_nothing_granted_twice(shared):
    run = shared["faults"]
    sim = run.sim
    assert run.rc == 0, run.output
    result = run["grant"]
    assert result["summary"]["succeeded"] == USERS * GROUPS and result["summary"]["failed"] == 0
    assert len(sim.state.authorizations) == USERS * GROUPS
    assert sim.state.duplicate_grants == 0  # nothing granted twice
    grants = sim.log.requests(operation="add_app_group_authorization")
    assert [call.fault for call in grants[:3]] == list(GRANT_FAULTS)
    drawn = [record.fault for record in sim.log if record.fault][3:]
    assert drawn, "no fault was drawn at random"
    # each pair named by a grant that was applied at most once: the resends named only what did not show
    applied = [call for call in grants if call.fault in ("applied_error500", "lost_response")
               or (call.status or 0) // 100 == 2]
    assert sum(call.items for call in applied) == USERS * GROUPS
