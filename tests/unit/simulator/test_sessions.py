"""User sessions: the model (session_count in step with the sessions), list_sessions, logoff_user_session, logons."""

import re

import pytest
import requests

from simulator import ApiError
from simulator.state import LIVE_SESSION_STATES, SESSION_STATES, Clock, FleetState


class StoppedClock(Clock):
    """Moves only by fast_forward, so instants and drain steps are exact."""

    def monotonic(self):
        return self._mono0 + self._offset


def make_state(servers=6, groups=2, seed=3, session_drain=None):
    return FleetState(servers=servers, groups=groups, seed=seed, job_duration=0, clock=StoppedClock(),
                      session_drain=session_drain)


def assert_counts_match(state):
    """Every server's session_count is the number of its sessions that have not ended."""
    for server_id, record in state.servers.items():
        assert record["session_count"] == len(state.sessions_of(server_id)), record["name"]


def states_of(state, server_id):
    return [session["session_state"] for session in state.sessions_of(server_id, include_ended=True)]


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    return body


# ---------------------------------------------------------------------------------------------- model

def test_new_fleet_servers_start_with_their_sessions():
    state = make_state(servers=60, groups=3)
    assert_counts_match(state)
    sessions = list(state.sessions.values())
    assert len(sessions) == sum(record["session_count"] for record in state.servers.values()) > 0
    assert {s["session_state"] for s in sessions} == {"Active", "Disconnected"}  # most Active, some Disconnected
    assert sum(s["session_state"] == "Active" for s in sessions) > len(sessions) / 2
    for session in sessions:
        server = state.get_server(state.server_of_session(session["id"]))
        assert re.fullmatch(r"[0-9a-f]{32}", session["id"])
        assert re.fullmatch(r"user-\d{4}", session["login_user"])
        assert (session["protocol_type"], session["session_type"], session["end_time"]) == ("HDP", "2", None)
        assert session["machine_sid"] == server["sid"] and session["machine_name"] == server["machine_name"]
        assert session["vm_ip"] == server["host_address"][0]["addr"]
        assert session["app_server_group_id"] == server["server_group_id"]
        assert session["app_server_group_name"] == server["server_group_name"]
        assert session["agent_version"] == state.hda_version(server["id"])
        assert session["tenant_id"] == state.project_id
        assert session["pre_conn_time"] < session["start_time"] <= session["last_update_status_time"]
        assert session["start_time"] < state.clock.iso()  # they started before the fleet was built
    vdi = state.add_group("vdi", is_vdi=True)
    for _unused in range(20):
        assert state.add_server(vdi["id"])["session_count"] in (0, 1)
    assert len(state.sessions_of(state.add_server(vdi["id"], session_count=3)["id"])) == 3
    assert_counts_match(state)


def test_sessions_are_deterministic_for_a_seed_and_leave_the_fleet_ids_alone():
    def picture(seed):
        state = make_state(servers=10, seed=seed)
        return list(state.servers), [(s["id"], s["login_user"], s["session_state"]) for s in state.sessions.values()]

    assert picture(5) == picture(5)
    assert picture(5)[1] != picture(6)[1]
    state = make_state(servers=10, seed=5)
    state.patch_server(state.server_ids()[0], session_count=20)  # sessions draw from their own generator
    assert state.add_server(list(state.groups)[0])["id"] == make_state(servers=10, seed=5).add_server(
        list(state.groups)[0])["id"]


def test_patch_session_count_starts_sessions_or_signs_out_the_newest():
    state = make_state()
    server_id = state.server_ids()[0]
    state.patch_server(server_id, session_count=0)
    state.fast_forward(1)
    state.patch_server(server_id, session_count=4)
    assert state.get_server(server_id)["session_count"] == 4
    opened = state.sessions_of(server_id)
    assert all(s["session_state"] in ("Active", "Disconnected") for s in opened)
    state.fast_forward(5)
    state.patch_server(server_id, session_count=1)
    assert state.get_server(server_id)["session_count"] == 1
    assert state.sessions_of(server_id) == opened[:1]  # the oldest stays
    for session in opened[1:]:
        assert session["session_state"] == "SignedOut" and session["end_time"] == state.clock.iso()
    assert len(state.sessions_of(server_id, include_ended=True)) >= 4
    assert_counts_match(state)
    with pytest.raises(ValueError):
        state.patch_server(server_id, session_count=-1)
    with pytest.raises(ValueError):
        state.patch_server(server_id, session_count="2")


def test_drain_signs_out_the_oldest_session_at_each_step():
    state = make_state(session_drain=10)
    server_id = state.server_ids()[0]
    state.patch_server(server_id, session_count=3)
    oldest = state.sessions_of(server_id)
    state.set_maintenance([server_id], True)
    start = state.clock.monotonic()
    state.fast_forward(25)
    assert state.get_server(server_id)["session_count"] == 1
    assert state.sessions_of(server_id) == oldest[2:]
    assert [s["end_time"] for s in oldest[:2]] == [state.clock.iso(start + 10), state.clock.iso(start + 20)]
    assert_counts_match(state)
    state.fast_forward(5)
    assert state.get_server(server_id)["session_count"] == 0
    assert_counts_match(state)


def test_log_off_with_a_delay_ends_the_session_when_due_and_a_drain_step_may_come_first():
    state = make_state(session_drain=10)
    first, second = state.server_ids()[:2]
    state.patch_server(first, session_count=2)
    state.patch_server(second, session_count=2)
    a, b = state.sessions_of(first)
    assert state.log_off([a["id"], "no-such-session"], delay_time=30, message_type=1, message="Bye") == [a["id"]]
    state.fast_forward(29.9)
    assert a["session_state"] in LIVE_SESSION_STATES and state.get_server(first)["session_count"] == 2
    state.fast_forward(0.1)
    assert a["session_state"] == "SignedOut" and a["end_time"] == state.clock.iso()
    assert state.get_server(first)["session_count"] == 1
    assert_counts_match(state)

    # A logoff due at 15 s on a server that drains one session per 10 s: the drain takes the oldest (c) at
    # 10 s, the logoff ends d at 15 s; the drain step at 20 s has nothing left.
    c, d = state.sessions_of(second)
    state.log_off([d["id"]], delay_time=15, message_type=0)
    state.set_maintenance([second], True)
    moment = state.clock.monotonic()
    state.fast_forward(100)
    assert (c["end_time"], d["end_time"]) == (state.clock.iso(moment + 10), state.clock.iso(moment + 15))
    assert state.get_server(second)["session_count"] == 0
    assert b["session_state"] in LIVE_SESSION_STATES  # the first server is not in maintenance


def test_log_off_notifications_a_repeat_keeps_the_earlier_instant_and_ended_sessions_are_ignored():
    state = make_state()
    server_id = state.server_ids()[0]
    state.patch_server(server_id, session_count=2)
    first, second = state.sessions_of(server_id)
    state.log_off([first["id"]], delay_time=60, message_type=2, message="Maintenance", title="Notice",
                  transaction_id="tx-1")
    state.log_off([first["id"]], delay_time=600, message_type=0)
    state.log_off([second["id"]], delay_time=0, message_type=0)
    assert second["session_state"] == "SignedOut"
    assert state.log_off([second["id"]], delay_time=0, message_type=0) == []  # already ended: no notice
    notices = state.notifications
    assert [(n["session_id"], n["message_type"], n["delay_time"]) for n in notices] == [
        (first["id"], 2, 60), (first["id"], 0, 600), (second["id"], 0, 0)]
    assert (notices[0]["message"], notices[0]["title"], notices[0]["transaction_id"]) == ("Maintenance", "Notice",
                                                                                          "tx-1")
    assert notices[0]["server_id"] == server_id and notices[0]["login_user"] == first["login_user"]
    assert notices[0]["sent_at"] == state.clock.iso()
    assert notices[0]["logoff_at"] == notices[1]["logoff_at"] == state.clock.iso(state.clock.monotonic() + 60)
    state.fast_forward(60)
    assert first["session_state"] == "SignedOut"
    assert state.dump()["notifications"] == notices
    assert {s["id"] for s in state.dump()["sessions"]} == set(state.sessions)


def test_logons_are_refused_in_maintenance_and_when_not_registered():
    state = make_state()
    server_id, other = state.server_ids()[:2]
    before = state.get_server(server_id)["session_count"]
    session = state.log_on(server_id, user_name="alice")
    assert (session["login_user"], session["session_state"]) == ("alice", "Active")
    assert state.get_server(server_id)["session_count"] == before + 1
    assert state.sessions_of(server_id)[-1] is session and state.get_session(session["id"]) is session
    assert state.log_on(server_id, session_state="AppcInit")["session_state"] == "AppcInit"
    failed = state.log_on(server_id, session_state="InitFail")
    assert failed["failed_code"] and failed["end_time"] == failed["start_time"]
    assert state.get_server(server_id)["session_count"] == before + 2  # a failed logon never counts
    assert_counts_match(state)

    state.set_maintenance([server_id], True)
    with pytest.raises(ApiError) as refused:
        state.log_on(server_id)
    assert (refused.value.status, refused.value.error_code) == (409, "SIM.0409")
    assert "maintenance mode" in refused.value.error_msg
    state.patch_server(other, status="UNREGISTERED")
    with pytest.raises(ApiError) as refused:
        state.log_on(other)
    assert refused.value.status == 409 and "UNREGISTERED" in refused.value.error_msg
    assert state.get_server(server_id)["session_count"] == before + 2
    state.set_maintenance([server_id], False)
    state.log_on(server_id)
    assert state.get_server(server_id)["session_count"] == before + 3
    with pytest.raises(ValueError):
        state.log_on(server_id, session_state="SignedOut")
    with pytest.raises(KeyError):
        state.log_on("no-such-server")


def test_sign_out_and_set_session_state():
    state = make_state()
    server_id = state.server_ids()[0]
    session = state.log_on(server_id)
    count = state.get_server(server_id)["session_count"]
    state.fast_forward(3)
    assert state.set_session_state(session["id"], "Disconnected")["last_update_status_time"] == state.clock.iso()
    assert state.get_server(server_id)["session_count"] == count  # still not ended
    state.sign_out(session["id"])
    assert session["session_state"] == "SignedOut" and session["end_time"] == state.clock.iso()
    assert state.get_server(server_id)["session_count"] == count - 1
    state.sign_out(session["id"])  # again: nothing changes
    assert state.get_server(server_id)["session_count"] == count - 1
    with pytest.raises(ValueError):
        state.set_session_state(session["id"], "Active")  # it has ended
    with pytest.raises(ValueError):
        state.set_session_state(state.log_on(server_id)["id"], "SignedOut")
    with pytest.raises(KeyError):
        state.sign_out("no-such-session")
    assert set(SESSION_STATES) == {"Active", "Disconnected", "AppcInit", "SignedOut", "InitFail"}


# ---------------------------------------------------------------------------------------------- list_sessions

@pytest.fixture
def busy(make_simulator):
    """8 servers in 2 groups, each with 2 sessions (plus one ended and one failed logon on the first)."""
    sim = make_simulator(servers=8, groups=2, seed=21, job_duration=0)
    for server_id in sim.state.server_ids():
        sim.state.patch_server(server_id, session_count=2)
    first = sim.state.server_ids()[0]
    sim.state.sign_out(sim.state.log_on(first, user_name="bob")["id"])
    sim.state.log_on(first, user_name="carol", session_state="InitFail")
    return sim


def _listed(client, **params):
    response = client.get("session/list-sessions", params=dict({"limit": 100}, **params))
    assert response.status_code == 200, response.text
    return response.json()


def test_list_sessions_answers_every_session_by_start_time_without_null_fields(busy, client_for):
    client = client_for(busy)
    listed = _listed(client)
    assert listed["count"] == len(busy.state.sessions) == len(listed["items"])
    starts = [(item["start_time"]) for item in listed["items"]]
    assert starts == sorted(starts)
    by_id = {item["id"]: item for item in listed["items"]}
    for session_id, session in busy.state.sessions.items():
        assert by_id[session_id] == {key: value for key, value in session.items() if value is not None}
    signed_out = [item for item in listed["items"] if item["session_state"] == "SignedOut"]
    assert signed_out and all("end_time" in item for item in signed_out)
    assert all("end_time" not in item for item in listed["items"] if item["session_state"] == "Active")
    assert _listed(client) == listed  # the same order every time


def test_list_sessions_filters(busy, client_for):
    client = client_for(busy)
    state = busy.state
    server_id = state.server_ids()[0]
    server = state.get_server(server_id)
    sample = state.sessions_of(server_id)[0]

    def ids(**params):
        return {item["id"] for item in _listed(client, **params)["items"]}

    def wanted(test):
        return {session_id for session_id, session in state.sessions.items() if test(session)}

    assert ids(user_name=sample["login_user"]) == wanted(lambda s: s["login_user"] == sample["login_user"])
    assert ids(user_name=sample["login_user"][:-1]) == set()  # exact
    assert ids(user_name="bob") == wanted(lambda s: s["login_user"] == "bob") and len(ids(user_name="bob")) == 1
    group_id = server["server_group_id"]
    assert ids(app_server_group_id=group_id) == wanted(lambda s: s["app_server_group_id"] == group_id)
    assert ids(vm_ip=server["host_address"][0]["addr"]) == {s["id"] for s in state.sessions_of(server_id, True)}
    machine = server["machine_name"]
    assert ids(machine_name=machine[-4:].lower()) == wanted(lambda s: machine[-4:] in s["machine_name"])  # partial
    assert ids(machine_name=machine) == {s["id"] for s in state.sessions_of(server_id, True)}
    assert ids(public_ip=sample["public_ip"]) == wanted(lambda s: s["public_ip"] == sample["public_ip"])
    assert ids(session_state="SignedOut") == wanted(lambda s: s["session_state"] == "SignedOut")
    assert ids(session_state="Active,Disconnected") == wanted(
        lambda s: s["session_state"] in ("Active", "Disconnected"))
    assert ids(session_state="InitFail") == wanted(lambda s: s["login_user"] == "carol")
    assert ids(is_success="false") == wanted(lambda s: s["login_user"] == "carol")
    assert ids(is_success="true") == wanted(lambda s: s["session_state"] != "InitFail")
    assert ids(session_state="Active", machine_name=machine) == {
        s["id"] for s in state.sessions_of(server_id) if s["session_state"] == "Active"}


def test_list_sessions_time_window_is_on_start_time(busy, client_for):
    client = client_for(busy)
    state = busy.state
    state.fast_forward(3600)
    late = state.log_on(state.server_ids()[1], user_name="dave")
    everyone = set(state.sessions)
    begin = state.clock.iso(state.clock.monotonic() - 60)
    assert {i["id"] for i in _listed(client, query_begin_time=begin)["items"]} == {late["id"]}
    assert {i["id"] for i in _listed(client, query_end_time=begin)["items"]} == everyone - {late["id"]}
    assert _listed(client, query_begin_time=late["start_time"], query_end_time=late["start_time"])["count"] == 1
    assert _listed(client, query_begin_time="2000-01-01T00:00:00Z")["count"] == len(everyone)  # no milliseconds
    assert _listed(client, query_end_time="2000-01-01T00:00:00")["count"] == 0  # no zone: UTC


@pytest.mark.parametrize("params", [{"session_state": "Active,Bogus"}, {"session_state": "active"},
                                    {"session_state": "Active,"}, {"is_success": "yes"},
                                    {"query_begin_time": "yesterday"}, {"limit": 0}, {"limit": 101},
                                    {"offset": -1}, {"limit": "ten"}])
def test_list_sessions_bad_query_is_400(client, params):
    body = _error(client.get("session/list-sessions", params=params), 400, "WKS.00211102")
    assert body["error_msg"].startswith("The parameter is invalid.")
    assert list(params)[0] in body["error_msg"]


def test_list_sessions_paging(busy, client_for):
    client = client_for(busy)
    total = len(busy.state.sessions)
    assert _listed(client, limit=100)["count"] == total
    default = client.get("session/list-sessions").json()
    assert default["count"] == total and len(default["items"]) == 10
    seen = []
    for offset in range(0, total, 7):
        page = _listed(client, limit=7, offset=offset)
        assert page["count"] == total
        seen.extend(item["id"] for item in page["items"])
    assert seen == [item["id"] for item in _listed(client)["items"]]
    assert len(_listed(client, limit=1)["items"]) == 1
    assert _listed(client, offset=total)["items"] == []


def test_session_count_of_the_server_views_follows_the_sessions(busy, client_for):
    client = client_for(busy)
    server_id = busy.state.server_ids()[2]
    session = busy.state.log_on(server_id)

    def counts():
        listed = client.get("app-servers", params={"server_id": server_id}).json()["items"][0]["session_count"]
        shown = client.get("app-servers/%s" % server_id).json()["session_count"]
        agents = client.get("app-servers/access-agent/list", params={"limit": 100}).json()["items"]
        return listed, shown, [a["session_count"] for a in agents if a["server_id"] == server_id][0]

    assert counts() == (3, 3, 3)
    response = client.post("session/logoff", {"session_ids": [session["id"]], "message_type": 0, "delay_time": 0})
    assert response.status_code == 200, response.text
    assert counts() == (2, 2, 2)


# ---------------------------------------------------------------------------------------------- logoff_user_session

def _logoff_body(session_ids, **fields):
    body = {"session_ids": session_ids, "message_type": 1, "message": "The server restarts in a minute.",
            "title": "Maintenance", "delay_time": 0}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize("change,field", [
    ({"message_type": None}, "message_type"), ({"delay_time": None}, "delay_time"),
    ({"message_type": 5}, "message_type"), ({"message_type": -1}, "message_type"),
    ({"message_type": "1"}, "message_type"), ({"delay_time": -1}, "delay_time"),
    ({"delay_time": 1000000}, "delay_time"), ({"session_ids": ["x%d" % i for i in range(1000)]}, "session_ids"),
    ({"session_ids": []}, "session_ids"), ({"session_ids": None}, "session_ids"),
    ({"session_ids": ["a" * 65]}, "session_ids[0]"), ({"session_ids": [""]}, "session_ids[0]"),
    ({"message": "m" * 256}, "message"), ({"message": ""}, "message"), ({"title": "t" * 256}, "title"),
    ({"transaction_id": "x" * 32}, "transaction_id"), ({"reason": "unknown field"}, "reason"),
])
def test_logoff_validation_is_400_and_changes_nothing(busy, client_for, change, field):
    client = client_for(busy)
    session_ids = [s["id"] for s in busy.state.sessions_of()][:3]
    before = {sid: dict(s) for sid, s in busy.state.sessions.items()}
    request = dict(_logoff_body(session_ids), **change)
    request = {key: value for key, value in request.items() if value is not None}  # None: the field is left out
    body = _error(client.post("session/logoff", request), 400, "WKS.00211102")
    assert field in body["error_msg"]
    busy.state.fast_forward(3600)
    assert {sid: dict(s) for sid, s in busy.state.sessions.items()} == before
    assert busy.state.notifications == []


def test_logoff_needs_a_body(client):
    assert "required" in _error(client.post("session/logoff"), 400, "WKS.00211102")["error_msg"]


def test_logoff_at_once_the_limits_are_accepted_and_the_request_log_shows_the_message(busy, client_for):
    client = client_for(busy)
    state = busy.state
    server_id = state.server_ids()[0]
    targets = [s["id"] for s in state.sessions_of(server_id)]
    body = _logoff_body(targets + ["no-such-session"], message="m" * 255, title="t" * 255, transaction_id="x" * 31,
                        message_type=4)
    response = client.post("session/logoff", body)
    assert response.status_code == 200, response.text
    assert response.content == b"{}"
    assert state.get_server(server_id)["session_count"] == 0
    assert all(state.get_session(sid)["session_state"] == "SignedOut" for sid in targets)
    assert [n["session_id"] for n in state.notifications] == targets  # the unknown id is ignored
    record = busy.log.requests(operation="logoff_user_session")[0]
    assert (record.mutating, record.items, record.status, record.method) == (True, len(targets) + 1, 200, "POST")
    assert record.body == body and record.body["message"] == "m" * 255
    assert [r.operation for r in busy.log.mutations()] == ["logoff_user_session"]
    limit = _logoff_body(["s%d" % i for i in range(999)], delay_time=999999)
    assert client.post("session/logoff", limit).status_code == 200  # 999 unknown ids: fine, nothing happens


def test_logoff_with_a_delay_signs_out_only_once_the_clock_passes_it(busy, client_for):
    client = client_for(busy)
    state = busy.state
    server_id = state.server_ids()[1]
    first, second = state.sessions_of(server_id)
    response = client.post("session/logoff", _logoff_body([first["id"]], delay_time=30))
    assert response.status_code == 200 and response.json() == {}
    state.fast_forward(29)
    listed = {i["id"]: i for i in _listed(client, vm_ip=first["vm_ip"])["items"]}
    assert listed[first["id"]]["session_state"] == first["session_state"] != "SignedOut"  # listed as it was
    assert client.get("app-servers/%s" % server_id).json()["session_count"] == 2
    state.fast_forward(2)
    listed = {i["id"]: i for i in _listed(client, vm_ip=first["vm_ip"])["items"]}
    assert listed[first["id"]]["session_state"] == "SignedOut" and listed[first["id"]]["end_time"]
    assert listed[second["id"]]["session_state"] != "SignedOut"
    assert client.get("app-servers/%s" % server_id).json()["session_count"] == 1
    notice = state.notifications[0]
    assert (notice["session_id"], notice["delay_time"], notice["message_type"], notice["title"]) == (
        first["id"], 30, 1, "Maintenance")


# ---------------------------------------------------------------------------------------------- logons over /_sim

def test_control_logon(simulator):
    state = simulator.state
    server_id = state.server_ids()[0]
    before = state.get_server(server_id)["session_count"]
    url = simulator.url + "/_sim/sessions"
    response = requests.post(url, json={"server_id": server_id, "user_name": "erin"}, timeout=5)
    assert response.status_code == 200, response.text
    session = response.json()
    assert (session["login_user"], session["session_state"], session["vm_ip"]) == (
        "erin", "Active", state.get_server(server_id)["host_address"][0]["addr"])
    assert "end_time" not in session
    assert state.get_session(session["id"])["login_user"] == "erin"
    assert state.get_server(server_id)["session_count"] == before + 1
    appc = requests.post(url, json={"server_id": server_id, "session_state": "AppcInit"}, timeout=5).json()
    assert appc["session_state"] == "AppcInit"

    state.set_maintenance([server_id], True)
    refused = requests.post(url, json={"server_id": server_id}, timeout=5)
    body = _error(refused, 409, "SIM.0409")
    assert "maintenance mode" in body["error_msg"] and server_id in body["error_msg"]
    assert state.get_server(server_id)["session_count"] == before + 2
    _error(requests.post(url, json={"server_id": "nope"}, timeout=5), 404, "SIM.0404")
    _error(requests.post(url, json={"user_name": "x"}, timeout=5), 400, "SIM.0400")
    _error(requests.post(url, json={"server_id": state.server_ids()[1], "session_state": "Gone"}, timeout=5), 400,
           "SIM.0400")
    _error(requests.post(url, json={"server_id": state.server_ids()[1], "colour": "red"}, timeout=5), 400, "SIM.0400")
    assert simulator.log.requests(operation="sim_log_on")[0].mutating is False


# ---------------------------------------------------------------------------------------------- faults

@pytest.mark.parametrize("kind,status", [("throttle", 429), ("error500", 500)])
def test_faults_hit_the_session_routes_like_any_other(busy, client_for, kind, status):
    client = client_for(busy)
    busy.faults.script(kind, method="GET", path=r"/session/list-sessions$")
    assert client.get("session/list-sessions").status_code == status
    assert client.get("session/list-sessions").status_code == 200
    busy.faults.script(kind, method="POST", path=r"/session/logoff$")
    session_id = busy.state.sessions_of()[0]["id"]
    assert client.post("session/logoff", _logoff_body([session_id])).status_code == status
    assert busy.state.get_session(session_id)["session_state"] != "SignedOut"  # nothing applied
    assert busy.state.notifications == []
    assert [r.fault for r in busy.log.requests(operation="list_sessions")] == [kind, None]
