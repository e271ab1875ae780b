"""app_session_info through main() against recorded API answers: which server each session is on (the list names
servers by SID, machine name and IP only), the filters as query parameters, the counts, the order, sessions of
servers the tenant no longer lists, and waiting for servers to drain."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_session_info as module


def sessions_fleet(service):
    group, other = service.group("apps-prod"), service.group("apps-test")
    first, second, idle = (service.server(group, name=name) for name in ("first", "second", "idle"))
    elsewhere = service.server(other, name="elsewhere")
    on = dict(
        zoe=service.state.log_on(first["id"], user_name="zoe"),
        adam=service.state.log_on(first["id"], user_name="adam", session_state="Disconnected"),
        bob=service.state.log_on(second["id"], user_name="bob"),
        eve=service.state.log_on(elsewhere["id"], user_name="eve"),
    )
    return group, dict(first=first, second=second, idle=idle, elsewhere=elsewhere), on


def test_a_group_by_name_tells_each_session_its_server_counts_and_sorts(service, run):
    group, servers, on = sessions_fleet(service)
    result = run(module, check=True, server_group_name="apps-prod")
    assert result["changed"] is False and service.mutations == []
    ordered = sorted([("first", "adam"), ("first", "zoe"), ("second", "bob")],
                     key=lambda pair: (servers[pair[0]]["id"], pair[1]))
    assert [(s["server_name"], s["login_user"]) for s in result["sessions"]] == ordered
    adam = [s for s in result["sessions"] if s["login_user"] == "adam"][0]
    assert adam == dict(service.state.session_view(on["adam"]), server_id=servers["first"]["id"],
                        server_name="first")
    assert result["count"] == 3
    assert result["by_server"] == {servers["first"]["id"]: 2, servers["second"]["id"]: 1, servers["idle"]["id"]: 0}
    assert result["by_state"] == {"Active": 2, "Disconnected": 1}
    assert all(r.query.get("app_server_group_id") == group["id"] for r in service.sent("list_sessions"))
    assert "drained" not in result and "progress" not in result


def test_user_and_states_become_the_query(service, run):
    group, servers, on = sessions_fleet(service)
    result = run(module, server_group_id=group["id"], user_name="zoe", session_state=["Active", "Disconnected"])
    queries = [r.query for r in service.sent("list_sessions")]
    assert queries and all(q["user_name"] == "zoe" and q["session_state"] == "Active,Disconnected" for q in queries)
    assert [s["id"] for s in result["sessions"]] == [on["zoe"]["id"]]


def test_ended_sessions_are_listed_unless_a_state_is_asked(service, run):
    group, servers, on = sessions_fleet(service)
    service.end_sessions([on["bob"]["id"]])
    every = run(module, server_ids=[servers["second"]["id"]])
    assert [(s["login_user"], s["session_state"]) for s in every["sessions"]] == [("bob", "SignedOut")]
    active = run(module, server_ids=[servers["second"]["id"]], session_state=["Active"])
    assert active["sessions"] == [] and active["by_server"] == {servers["second"]["id"]: 0}


def test_the_whole_tenant_keeps_sessions_of_servers_no_longer_listed(service, run):
    group, servers, on = sessions_fleet(service)
    service.state.add_server(servers["elsewhere"]["server_group_id"], name="spare", session_count=0)
    service.end_sessions([on["eve"]["id"]])  # a deleted server's sessions are signed out; the list still shows them
    service.remove(servers["elsewhere"]["id"])
    result = run(module)
    assert result["count"] == 4
    gone = [s for s in result["sessions"] if s["server_id"] is None]
    assert [(s["login_user"], s["session_state"], s["server_name"]) for s in gone] == [("eve", "SignedOut", None)]
    assert result["sessions"][-1]["login_user"] == "eve"  # after the sessions of listed servers
    assert result["by_state"] == {"Active": 2, "Disconnected": 1, "SignedOut": 1}


def test_the_whole_tenant_includes_sessions_of_a_group_whose_servers_are_all_gone(service, run):
    group, servers, on = sessions_fleet(service)
    service.end_sessions([on["eve"]["id"]])
    service.remove(servers["elsewhere"]["id"])  # the only server of apps-test
    result = run(module)
    assert [(s["login_user"], s["server_id"]) for s in result["sessions"] if s["login_user"] == "eve"] == [
        ("eve", None)]


def test_unknown_server_ids_fail(service, run):
    sessions_fleet(service)
    result = run(module, server_ids=["no-such-server"])
    assert result.failed and result["msg"] == "server_ids: unknown server id(s): no-such-server"


def test_waiting_reads_again_until_the_servers_have_no_open_session(service, run):
    group, servers, on = sessions_fleet(service)
    service.before("list_sessions", lambda request: service.before(
        "list_sessions", lambda request: service.end_sessions([on["zoe"]["id"], on["adam"]["id"]])))
    result = run(module, server_ids=[servers["first"]["id"]], wait=True, poll_interval=0.01, wait_timeout=10)
    assert not result.failed and result["drained"] is True
    assert result["sessions"] == [] and result["by_server"] == {servers["first"]["id"]: 0}
    assert len(service.sent("list_sessions")) >= 2 and result["progress"]
    assert all(r.query["session_state"] == "Active,Disconnected,AppcInit" for r in service.sent("list_sessions"))
    # every line names the server waited for; a round that found sessions says how many are left on it
    assert all(line.startswith("[first] ") for line in result["progress"]), result["progress"]
    assert any(line.endswith("s left; still with sessions: first (2)") for line in result["progress"])
    assert result["progress"][-1].endswith("; done")


def test_a_wait_that_times_out_does_not_fail_and_says_so(service, run):
    group, servers, on = sessions_fleet(service)
    result = run(module, server_ids=[servers["first"]["id"]], wait=True, poll_interval=0.01, wait_timeout=0)
    assert not result.failed and result["drained"] is False
    assert sorted(s["login_user"] for s in result["sessions"]) == ["adam", "zoe"]


def test_bad_input_fails_before_any_request(service, run):
    blank = run(module, user_name=" ")
    assert blank.failed and blank["msg"] == "user_name: must not be empty"
    both = run(module, server_ids=["a"], server_group_name="apps-prod")
    assert both.failed and "mutually exclusive" in both["msg"]
    state = run(module, session_state=["Gone"])
    assert state.failed and "session_state" in state["msg"]
    assert service.requests == []


def test_user_name_takes_one_name_or_a_list_and_the_logoff_names_are_aliases(service, run):
    group, servers, on = sessions_fleet(service)
    one = run(module, server_group_name="apps-prod", user_name="zoe")
    assert [s["login_user"] for s in one["sessions"]] == ["zoe"]
    assert service.sent("list_sessions")[-1].query.get("user_name") == "zoe"  # one name goes to the API
    copied = run(module, server_group_name="apps-prod", user_names=["zoe", "bob"], session_states=["Active"])
    assert sorted(s["login_user"] for s in copied["sessions"]) == ["bob", "zoe"]
    assert all(s["session_state"] == "Active" for s in copied["sessions"])


def test_unexpected_names_an_unknown_session_state_with_its_user(service, run):
    _group, _servers, on = sessions_fleet(service)
    assert run(module, server_group_name="apps-prod")["unexpected"] == []
    with service.state.lock:
        on["bob"]["session_state"] = "Locked"
    result = run(module, server_group_name="apps-prod")
    assert [(f["kind"], f["id"], f["name"], f["field"], f["value"], f["why"]) for f in result["unexpected"]] == [
        ("session", on["bob"]["id"], "bob", "session_state", "Locked", "unknown session_state value")]
    assert [s["session_state"] for s in result["sessions"] if s["login_user"] == "bob"] == ["Locked"]
