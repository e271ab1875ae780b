"""app_group_authorization through main() against recorded API answers: the authorizations are read by the
simulator's own list handler; grants, removals and mails are carried out by the simulator's model (the cross product
of each call, unknown accounts answered 200 and not stored), so the read-back finds what the service would show.
The rectangle batching and its request counts, the no-op re-run, purge, absent, unknown accounts failing by name,
notify, check mode and --diff, bad input before any request."""

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_group_authorization as module

from tests.harness.recorded import Error

GRANT = "add_app_group_authorization"
REVOKE = "batch_delete_app_group_authorization"
MAIL = "send_authorized_mail"


def carried_out(service):
    """Grants, removals and mails answered 200 and carried out by the simulator's model."""
    state = service.state
    service.reply(GRANT, lambda request: state.grant(request.body["app_group_ids"], request.body["accounts"]) and {})
    service.reply(REVOKE, lambda request: state.revoke(request.body["app_group_ids"], request.body["accounts"])
                  and {})
    service.reply(MAIL, lambda request: state.send_authorized_mails(request.body["records"]) and {})


def groups(service, count=2):
    return [service.state.add_app_group("apps-%d" % number) for number in range(count)]


def pairs(result):
    return dict(((entry["account"], entry["app_group"]), entry) for entry in result["authorizations"])


def granted(service, group):
    return sorted(auth["account"] for auth in service.state.list_authorizations(app_group_id=group["id"]))


def test_a_thousand_accounts_onto_five_groups_go_in_twenty_calls_of_five_by_fifty(service, run):
    made = groups(service, 5)
    service.state.add_directory_accounts(count=1000)
    carried_out(service)
    accounts = [dict(account="user%04d" % number) for number in range(1000)]
    result = run(module, app_group_names=[g["name"] for g in made], accounts=accounts)
    assert not result.failed, result.get("msg")
    calls = service.sent(GRANT)
    assert len(calls) == 20
    for call in calls:
        assert sorted(call.body["app_group_ids"]) == sorted(g["id"] for g in made) and len(call.body["accounts"]) == 50
    assert result["summary"]["succeeded"] == 5000 and result["changed"] is True
    assert service.state.duplicate_grants == 0 and len(service.state.authorizations) == 5000
    # 1 listing of the groups, 5 reads of empty groups, 20 grants, the read-back: 5 groups x 10 pages
    assert len(service.requests) == 1 + 5 + 20 + 50 <= 120
    assert result["msg"] == "granted 5000 and removed 0 (app group, account) pair(s); 0 unchanged"
    first = result["authorizations"][0]
    assert (first["account"], first["app_group"], first["type"], first["status"]) == (
        "user0000", made[0]["name"] if made[0]["id"] < made[1]["id"] else first["app_group"], "USER", "succeeded")

    before = len(service.requests)
    again = run(module, app_group_names=[g["name"] for g in made], accounts=accounts)
    rerun = service.requests[before:]
    assert again["changed"] is False and again["summary"]["unchanged"] == 5000
    assert [r for r in rerun if r.mutating] == [] and len(rerun) == 1 + 50 <= 60


def test_accounts_needing_different_groups_are_sent_as_separate_rectangles(service, run):
    made = groups(service, 3)
    carried_out(service)
    service.state.grant([made[0]["id"]], [dict(account="alice", account_type="USER")])
    result = run(module, app_group_ids=[g["id"] for g in made], accounts=[dict(account="alice"), dict(account="bob")])
    assert not result.failed, result.get("msg")
    bodies = sorted((sorted(c.body["app_group_ids"]), [a["account"] for a in c.body["accounts"]])
                    for c in service.sent(GRANT))
    assert bodies == sorted([(sorted([made[1]["id"], made[2]["id"]]), ["alice"]),
                             (sorted(g["id"] for g in made), ["bob"])])  # alice never onto apps-0 again
    assert service.state.duplicate_grants == 0
    assert pairs(result)[("alice", "apps-0")]["action"] == "none"
    assert pairs(result)[("alice", "apps-1")]["action"] == pairs(result)[("bob", "apps-0")]["action"] == "grant"


def test_more_than_ten_groups_are_cut_into_slices_of_ten(service, run):
    made = groups(service, 12)
    carried_out(service)
    result = run(module, app_group_ids=[g["id"] for g in made], accounts=[dict(account="alice")])
    assert not result.failed
    assert sorted(len(c.body["app_group_ids"]) for c in service.sent(GRANT)) == [2, 10]
    assert len(service.state.authorizations) == 12


def test_unknown_accounts_fail_by_name_and_the_others_are_granted(service, run):
    made = groups(service, 2)
    carried_out(service)
    result = run(module, app_group_ids=[made[0]["id"]], app_group_names=["apps-1"],
                 accounts=[dict(account="alice"), dict(account="mallory"), dict(account="bob")])
    assert result.failed and result["changed"] is True
    assert len(service.sent(GRANT)) == 1  # one rectangle: 2 groups x 3 accounts
    by_pair = pairs(result)
    assert by_pair[("alice", "apps-0")]["status"] == "succeeded" and by_pair[("bob", "apps-1")]["status"] == "succeeded"
    failed = by_pair[("mallory", "apps-0")]
    assert failed["status"] == "failed" and "did not grant it" in failed["error_msg"]
    assert result["msg"].startswith("2 of 6 authorization(s) failed (mallory (USER) on apps-0: the service answered "
                                    "200 but did not grant it")
    assert "mallory (USER) on apps-1" in result["msg"]
    assert granted(service, made[0]) == ["alice", "bob"]


def test_purge_removes_the_accounts_not_listed_and_absent_removes_the_listed(service, run):
    made = groups(service, 2)
    carried_out(service)
    for group in made:
        service.state.grant([group["id"]], [dict(account=name, account_type="USER") for name in ("alice", "bob")])
    team = next(e for e in service.state.directory() if e["account_type"] == "USER_GROUP")
    service.state.grant([made[1]["id"]], [dict(id=team["id"], account_type="USER_GROUP")])
    result = run(module, app_group_names=["apps-0", "apps-1"], accounts=[dict(account="alice")], purge=True)
    assert not result.failed and result["changed"] is True
    assert granted(service, made[0]) == granted(service, made[1]) == ["alice"]
    (bob,) = [c for c in service.sent(REVOKE) if any(a.get("account") == "bob" for a in c.body["accounts"])]
    assert sorted(bob.body["app_group_ids"]) == sorted(g["id"] for g in made)  # bob off both groups in one call
    assert pairs(result)[(team["account"], "apps-1")]["after"] == {"granted": False}
    assert result["msg"] == "granted 0 and removed 3 (app group, account) pair(s); 2 unchanged"

    absent = run(module, app_group_names=["apps-0"], accounts=[dict(account="alice")], state="absent")
    assert absent["changed"] is True and granted(service, made[0]) == []
    assert run(module, app_group_names=["apps-0"], accounts=[dict(account="alice")], state="absent")["changed"] is False


def test_notify_mails_only_the_accounts_added(service, run):
    made = groups(service, 2)
    carried_out(service)
    service.state.grant([made[0]["id"]], [dict(account="alice", account_type="USER")])
    result = run(module, app_group_ids=[g["id"] for g in made],
                 accounts=[dict(account="alice"), dict(account="bob"), dict(account="mallory")], notify=True)
    assert result.failed  # mallory: unknown
    (mail,) = service.sent(MAIL)
    new = [a for a in service.state.authorizations.values() if a["account"] != "alice" or a["app_group_id"] ==
           made[1]["id"]]
    assert sorted(mail.body["records"]) == sorted(a["id"] for a in new) and len(new) == 3
    assert sorted(result["notified"]) == sorted(mail.body["records"])
    assert sorted((m["account"], m["app_group_name"]) for m in service.state.mails) == [
        ("alice", "apps-1"), ("bob", "apps-0"), ("bob", "apps-1")]
    before = len(service.requests)
    again = run(module, app_group_ids=[g["id"] for g in made], accounts=[dict(account="alice"), dict(account="bob")],
                notify=True)
    assert again["changed"] is False and "notified" not in again
    assert [r for r in service.requests[before:] if r.mutating] == []


def test_check_mode_and_diff_show_who_gains_and_loses_what_and_send_nothing(service, run):
    made = groups(service, 1)
    carried_out(service)
    service.state.grant([made[0]["id"]], [dict(account="bob", account_type="USER")])
    result = run(module, check=True, diff=True, app_group_names=["apps-0"], accounts=[dict(account="alice")],
                 purge=True, notify=True)
    assert result["changed"] is True and service.mutations == []
    assert result["diff"]["before"] == {"alice (USER) on apps-0": {"granted": False},
                                        "bob (USER) on apps-0": {"granted": True}}
    assert result["diff"]["after"] == {"alice (USER) on apps-0": {"granted": True},
                                       "bob (USER) on apps-0": {"granted": False}}
    assert result["msg"] == ("would grant 1 and remove 1 (app group, account) pair(s); 0 unchanged "
                             "(check mode, nothing sent)")
    real = run(module, diff=True, app_group_names=["apps-0"], accounts=[dict(account="alice")], purge=True)
    assert (real["diff"]["before"], real["diff"]["after"]) == (result["diff"]["before"], result["diff"]["after"])
    assert granted(service, made[0]) == ["alice"]


def test_a_user_group_is_granted_by_its_id_learnt_from_the_authorizations_read(service, run):
    made = groups(service, 2)
    carried_out(service)
    team = next(e for e in service.state.directory() if e["account_type"] == "USER_GROUP")
    service.state.grant([made[0]["id"]], [dict(id=team["id"], account_type="USER_GROUP")])
    accounts = [dict(account=team["account"], type="USER_GROUP")]
    result = run(module, app_group_names=["apps-0", "apps-1"], accounts=accounts)
    assert not result.failed and len(service.state.list_authorizations(account_id=team["id"])) == 2
    assert service.sent(GRANT)[0].body["accounts"] == [dict(account=team["account"], account_type="USER_GROUP",
                                                            id=team["id"])]
    unknown = run(module, app_group_names=["apps-0"], accounts=[dict(account="strangers", type="USER_GROUP")])
    assert unknown.failed and "user group 'strangers' has no id" in unknown["msg"]
    assert len(service.sent(GRANT)) == 1


def test_a_grant_answered_500_after_it_was_applied_is_read_back_not_sent_again(service, run):
    made = groups(service, 2)
    state = service.state

    def applied_then_500(request):
        state.grant(request.body["app_group_ids"], request.body["accounts"])
        return Error(500, "WKS.00000500", "Internal server error.")

    service.reply(GRANT, applied_then_500,
                  lambda request: state.grant(request.body["app_group_ids"], request.body["accounts"]) and {})
    accounts = [dict(account="alice"), dict(account="bob")]
    result = run(module, app_group_ids=[g["id"] for g in made], accounts=accounts)
    assert not result.failed and len(service.sent(GRANT)) == 1 and state.duplicate_grants == 0


@pytest.mark.parametrize("args, message", [
    (dict(accounts=[dict(domain="example.com")]), "accounts[0]: set account (the name) or id"),
    (dict(accounts=[dict(account="a" * 65)]), "accounts[0].account: is 65 characters long; the most allowed is 64"),
    (dict(accounts=[dict(account="alice"), dict(account="bob"), dict(account="alice")]),
     "accounts[2]: the same account as accounts[0]"),
    (dict(accounts=[dict(account="alice", type="ROBOT")]), "USER, USER_GROUP"),
    (dict(accounts=[dict(account="alice")], purge=True, state="absent"), "purge: only with state: present"),
    (dict(accounts=[]), "accounts: list at least one account"),
    (dict(accounts=[dict(account="alice")], app_group_names=["nope"]),
     "app_group_names: no app group is named 'nope'"),
    (dict(accounts=[dict(account="alice")], app_group_ids=["missing"]),
     "app_group_ids: no app group with id 'missing'"),
])
def test_bad_input_fails_before_any_mutation_naming_the_option(service, run, args, message):
    groups(service, 1)
    carried_out(service)
    options = dict(app_group_names=["apps-0"])
    options.update(args)
    result = run(module, **options)
    assert result.failed and message in result["msg"], result["msg"]
    assert service.mutations == []
    if "app_group" not in message:
        assert service.requests == []  # checked before any request
