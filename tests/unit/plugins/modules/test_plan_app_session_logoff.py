"""app_session_logoff through main() against recorded API answers: whose sessions are logged off (the session list
names servers by SID, machine name and IP only), check mode, --diff, idempotence, the logoff body, batches under
999 sessions, waiting until the sessions end, and a call whose answer was a server error (its sessions watched for
delay_time and a margin; sent again only when they are still open after it)."""

from ansible_collections.huaweicloud.workspace_app.plugins.modules import app_session_logoff as module

from tests.harness.recorded import Error

FAST = dict(poll_interval=0.01, wait_timeout=10)


def by_name(result):
    return dict((server["name"], server) for server in result["servers"])


def text(session):
    return "%s (%s) %s" % (session["login_user"], session["session_state"], session["id"])


def two_servers(service):
    group = service.group("apps-prod")
    busy, idle = service.server(group, name="busy"), service.server(group, name="idle")
    alice = service.state.log_on(busy["id"], user_name="alice")
    bob = service.state.log_on(busy["id"], user_name="bob", session_state="Disconnected")
    return group, busy, idle, alice, bob


def log_off(service):
    """The service's answer to a logoff ({}), the sessions signed out by the time anyone looks."""
    def answer(request):
        service.end_sessions(request.body["session_ids"])
        return {}
    return answer


def test_check_mode_lists_who_would_be_logged_off_and_sends_nothing(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    result = run(module, check=True, diff=True, server_group_id=group["id"])
    assert service.mutations == [] and result["changed"] is True
    plan = by_name(result)
    assert (plan["busy"]["action"], plan["busy"]["status"]) == ("submitted", "pending")
    assert plan["busy"]["before"] == {"sessions": [text(alice), text(bob)]}
    assert plan["busy"]["after"] == {"sessions": []}
    assert (plan["idle"]["action"], plan["idle"]["before"]) == ("none", {"sessions": []})
    assert result["sessions"] == [
        dict(id=s["id"], login_user=s["login_user"], session_state=s["session_state"], server_id=busy["id"],
             server_name="busy", status="pending") for s in (alice, bob)]
    assert result["session_summary"] == {"total": 2, "logged_off": 0, "pending": 2, "failed": 0}
    assert result["msg"] == "would log off 2 session(s) on 1 server(s) (check mode, nothing sent)"
    on_busy = "busy (%s)" % busy["id"]
    ended = ["session alice (Active) on %s" % on_busy, "session bob (Disconnected) on %s" % on_busy]
    # the diff names who is logged off, as the engine lists what a plan interrupts (its "prepared" text)
    assert result["diff"] == {"before": {"busy (%s)" % busy["id"]: {"sessions": [text(alice), text(bob)]}},
                              "after": {"busy (%s)" % busy["id"]: {"sessions": []}},
                              "prepared": "would interrupt (2):\n" + "".join("  %s\n" % line for line in ended)}
    assert result["interrupts"] == ended and "destroys" not in result
    assert "jobs" not in result


def test_user_and_state_filters_narrow_the_read_and_the_plan(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    result = run(module, check=True, server_group_id=group["id"], user_names=["alice"], session_states=["Active"])
    assert [row["id"] for row in result["sessions"]] == [alice["id"]]
    queries = [r.query for r in service.sent("list_sessions")]
    assert queries and all(q.get("user_name") == "alice" and q.get("session_state") == "Active" for q in queries)
    assert all(q.get("app_server_group_id") == group["id"] for q in queries)
    nobody = run(module, check=True, server_group_id=group["id"], user_names=["bob"], session_states=["Active"])
    assert nobody["changed"] is False and nobody["sessions"] == []
    before = len(service.requests)
    both = run(module, check=True, server_group_id=group["id"], user_names=["bob", "alice", "carol"])
    assert sorted(row["login_user"] for row in both["sessions"]) == ["alice", "bob"]
    queries = [r.query for r in service.requests[before:] if r.operation == "list_sessions"]
    assert queries and all("user_name" not in q for q in queries)  # several names are matched by the module
    assert all(q["session_state"] == "Active,Disconnected,AppcInit" for q in queries)  # the open states by default


def test_no_open_session_sends_nothing(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    service.end_sessions([alice["id"], bob["id"]])
    result = run(module, server_group_id=group["id"], **FAST)
    assert result["changed"] is False and service.mutations == []
    assert result["msg"] == "no open session to log off on 2 server(s)"
    assert result["summary"]["unchanged"] == 2 and result["sessions"] == []


def test_a_run_logs_off_with_the_message_and_waits_until_the_sessions_end(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", log_off(service))
    result = run(module, server_ids=[busy["id"], idle["id"]], message_text="Maintenance at 22:00", title="IT",
                 message_type="serious", delay_time=5, **FAST)
    assert not result.failed and result["changed"] is True
    (sent,) = service.mutations
    assert (sent.method, sent.path) == ("POST", "/v1/%s/session/logoff" % service.project_id)
    assert sorted(sent.body.pop("session_ids")) == sorted([alice["id"], bob["id"]])
    assert sent.body == {"message_type": 2, "delay_time": 5, "message": "Maintenance at 22:00", "title": "IT"}
    report = by_name(result)["busy"]
    assert (report["status"], report["after"]) == ("succeeded", {"sessions": []})
    assert [row["status"] for row in result["sessions"]] == ["logged_off", "logged_off"]
    assert result["session_summary"] == {"total": 2, "logged_off": 2, "pending": 0, "failed": 0}
    assert result["msg"] == "logged off 2 of 2 session(s) on 1 server(s)"


def test_a_session_still_open_at_the_deadline_fails_its_server_naming_it(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", {})  # accepted, but nobody is signed out
    result = run(module, server_ids=[busy["id"]], user_names=["alice"], poll_interval=0.2, wait_timeout=1)
    assert result.failed
    (report,) = result["servers"]
    assert report["status"] == "failed" and report["error_msg"].endswith("still signed in: %s" % text(alice))
    assert result["sessions"][0]["status"] == "failed"


SERVER_ERROR = Error(500, "WKS.00000500", "Internal server error.")


def applied_then_failed(service, reads_until_signed_out):
    """A logoff the service took but answered with a 500: the sessions end ``reads_until_signed_out`` session reads
    later (their delay running out while the module watches them)."""
    def answer(request):
        ending = list(request.body["session_ids"])
        reads = []

        def read(_request):
            reads.append(1)
            if len(reads) == reads_until_signed_out:
                service.end_sessions(ending)
        service.before("list_sessions", read, once=False)
        return SERVER_ERROR
    return answer


def test_a_server_error_whose_sessions_end_later_is_not_sent_again(service, run):
    """The answer does not tell, the server record cannot: the sessions are read until they end (here at the third
    read, within delay_time and the margin); they were logged off by that one call."""
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", applied_then_failed(service, 3))
    result = run(module, server_group_id=group["id"], delay_time=1, poll_interval=0.05, wait_timeout=10)
    assert not result.failed and result["changed"] is True and len(service.mutations) == 1
    assert by_name(result)["busy"]["status"] == "succeeded"
    assert result["session_summary"] == {"total": 2, "logged_off": 2, "pending": 0, "failed": 0}
    watch = [line for line in result["progress"] if "before sending the call again" in line]
    call = "1 server(s): POST /v1/%s/session/logoff failed: HTTP 500" % service.project_id
    assert len(watch) == 1 and call in watch[0]
    assert "the call may have been applied; reading their state for up to 1s" in watch[0]


def test_sessions_still_open_after_the_delay_and_margin_are_logged_off_again(service, run):
    """A 500 that changed nothing: once delay_time (0) and three poll rounds are over with the sessions still
    open, the state shows the call was not applied, and it is sent once more (its users never saw the message)."""
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", SERVER_ERROR, log_off(service))
    result = run(module, server_group_id=group["id"], **FAST)
    assert not result.failed and result["changed"] is True
    first, again = service.sent("logoff_user_session")
    assert first.body == again.body and sorted(first.body["session_ids"]) == sorted([alice["id"], bob["id"]])
    at = [n for n, request in enumerate(service.requests) if request.operation == "logoff_user_session"]
    watched = [r for r in service.requests[at[0]:at[1]] if r.operation == "list_sessions"]
    assert len(watched) >= 2  # read at once, then each round until the margin was over
    assert result["session_summary"] == {"total": 2, "logged_off": 2, "pending": 0, "failed": 0}


def test_sent_again_only_for_the_sessions_still_open(service, run):
    """bob signs out by himself while the module watches after a 500: the logoff is sent again for alice only."""
    group, busy, idle, alice, bob = two_servers(service)

    def refused(_request):
        service.before("list_sessions", lambda _read: service.end_sessions([bob["id"]]))
        return SERVER_ERROR
    service.reply("logoff_user_session", refused, log_off(service))
    result = run(module, server_ids=[busy["id"]], **FAST)
    assert not result.failed and result["changed"] is True
    first, again = service.sent("logoff_user_session")
    assert sorted(first.body["session_ids"]) == sorted([alice["id"], bob["id"]])
    assert again.body["session_ids"] == [alice["id"]]
    assert result["session_summary"] == {"total": 2, "logged_off": 2, "pending": 0, "failed": 0}


def test_a_deadline_before_the_sessions_could_tell_fails_saying_it_may_have_been_applied(service, run):
    """delay_time (5 s) runs past wait_timeout (1 s): the sessions still open then do not show whether the call
    landed, so nothing is sent again; the server fails and the task reports changed (it may have logged them
    off)."""
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", SERVER_ERROR)
    result = run(module, server_group_id=group["id"], delay_time=5, poll_interval=0.2, wait_timeout=1)
    assert result.failed and result["changed"] is True and len(service.mutations) == 1
    report = by_name(result)["busy"]
    assert report["status"] == "failed" and "the call may have been applied" in report["error_msg"]
    assert "the task's deadline came before the state could tell (still signed in: %s" % text(alice) \
        in report["error_msg"]
    assert [row["status"] for row in result["sessions"]] == ["failed", "failed"]


def test_without_wait_a_server_error_is_not_watched_nor_sent_again(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", SERVER_ERROR)
    result = run(module, server_group_id=group["id"], wait=False, poll_interval=0.05)
    assert result.failed and result["changed"] is True and len(service.mutations) == 1
    report = by_name(result)["busy"]
    assert report["status"] == "failed" and report["error_msg"].endswith(
        "the call may have been applied, re-run the task to find out")
    after_call = service.requests[service.requests.index(service.mutations[0]) + 1:]
    assert [r.operation for r in after_call if r.operation == "list_sessions"] == []


def test_a_call_never_carries_more_than_999_sessions(service, run):
    group = service.group("apps-prod")
    servers = [service.server(group, name="srv-%d" % n, session_count=500) for n in (1, 2)]
    service.reply("logoff_user_session", log_off(service))
    done = run(module, server_group_id=group["id"], **FAST)
    assert not done.failed and done["session_summary"]["logged_off"] == 1000
    sizes = [len(r.body["session_ids"]) for r in service.sent("logoff_user_session")]
    assert sizes == [500, 500] and len(servers) == 2


def test_bad_input_fails_before_any_request(service, run):
    late = run(module, server_ids=["s1"], delay_time=1000000)
    assert late.failed and late["msg"] == "delay_time: 1000000 is out of range; allowed values are 0..999999 (seconds)"
    blank = run(module, server_ids=["s1"], message_text="  ")
    assert blank.failed and blank["msg"] == "message_text: must not be empty"
    long_title = run(module, server_ids=["s1"], title="t" * 256)
    assert long_title.failed and long_title["msg"] == "title: is 256 characters long; the most allowed is 255"
    assert service.requests == []


def test_wait_false_leaves_the_servers_and_sessions_pending(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    service.reply("logoff_user_session", {})
    result = run(module, server_group_id=group["id"], wait=False)
    assert not result.failed and result["changed"] is True and len(service.mutations) == 1
    assert by_name(result)["busy"]["status"] == "pending"
    assert result["session_summary"] == {"total": 2, "logged_off": 0, "pending": 2, "failed": 0}


def test_sessions_of_servers_that_are_not_targets_are_left_alone(service, run):
    group, busy, idle, alice, bob = two_servers(service)
    neighbour = service.server(group, name="neighbour")
    carol = service.state.log_on(neighbour["id"], user_name="carol")
    service.reply("logoff_user_session", log_off(service))
    result = run(module, server_ids=[busy["id"]], **FAST)
    assert not result.failed
    (sent,) = service.mutations
    assert sorted(sent.body["session_ids"]) == sorted([alice["id"], bob["id"]])
    assert carol["id"] not in sent.body["session_ids"]
    assert [s["id"] for s in result["servers"]] == [busy["id"]]


def test_the_related_modules_names_are_aliases(service, run):
    """A filter copied from app_session_info (user_name, session_state: a string or a list) and the message and
    delay under the names the playbook and app_server_fleet use work here unchanged."""
    group, busy, idle, alice, bob = two_servers(service)
    plan = run(module, check=True, server_group_id=group["id"], user_name="alice", session_state="Active")
    assert [row["id"] for row in plan["sessions"]] == [alice["id"]]
    service.reply("logoff_user_session", log_off(service))
    result = run(module, server_group_id=group["id"], user_name=["bob"], drain_message="Save your work",
                 drain_delay=0, **FAST)
    assert not result.failed and result["session_summary"]["logged_off"] == 1
    (sent,) = service.sent("logoff_user_session")
    assert sent.body["session_ids"] == [bob["id"]]
    assert (sent.body["message"], sent.body["delay_time"]) == ("Save your work", 0)


def test_an_option_of_another_module_fails_naming_the_closest_option_here(service, run):
    result = run(module, server_group_id="g", user_namez=["alice"])
    assert result.failed and result["msg"].startswith("Unsupported parameters")
    assert "user_namez: did you mean user_name" in result["msg"]
    assert service.requests == []
