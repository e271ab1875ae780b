"""Server power: batch_start_server, batch_stop_server and batch_reboot_server on the simulator's clock, their
transitions, conflicts and validation, sessions and logons of stopped servers, and the fail_next_power hook."""

import pytest
import requests

from simulator import ApiError
from simulator.state import Clock, FleetState

START = "app-servers/actions/batch-start"
STOP = "app-servers/actions/batch-stop"
REBOOT = "app-servers/actions/batch-reboot"


class StoppedClock(Clock):
    """Moves only by fast_forward, so instants are exact."""

    def monotonic(self):
        return self._mono0 + self._offset


def make_state(servers=4, job_duration=10, sessions=2):
    state = FleetState(servers=servers, groups=2, seed=7, job_duration=job_duration, clock=StoppedClock())
    for server_id in state.server_ids():
        state.patch_server(server_id, session_count=sessions)
    return state


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert len(body["error_msg"]) <= 255
    return body


def _ok(response):
    assert response.status_code == 200, response.text
    assert response.content == b"" and response.headers["Content-Length"] == "0"


def _server(client, server_id):
    return client.get("app-servers/%s" % server_id).json()


def _power(view):
    """(vm_status, task_status, status, session_count) of a server view (task_status None when omitted)."""
    return view["vm_status"], view.get("task_status"), view["status"], view["session_count"]


def _snapshot(state):
    """What a refused request must leave unchanged."""
    return {sid: _power(record) for sid, record in state.servers.items()}, len(state.power_actions), \
        sorted(state._power)


@pytest.fixture
def sim(make_simulator):
    sim = make_simulator(servers=4, groups=2, seed=31, job_duration=100)
    for server_id in sim.state.server_ids():
        sim.state.patch_server(server_id, session_count=2)
    return sim


# ---------------------------------------------------------------------------------------------- transitions

def test_stop_then_start_over_http_follow_the_clock(sim, client_for):
    client = client_for(sim)
    first, second, other, _unused = sim.state.server_ids()
    open_before = [s["id"] for s in sim.state.sessions_of(first)]
    _ok(client.patch(STOP, {"items": [first, second], "type": "SOFT"}))

    # Powering off: still ACTIVE and REGISTERED, sessions still open, for job_duration.
    assert _power(_server(client, first)) == ("ACTIVE", "powering-off", "REGISTERED", 2)
    listed = {item["id"]: item for item in client.get("app-servers", params={"limit": 100}).json()["items"]}
    assert _power(listed[second]) == ("ACTIVE", "powering-off", "REGISTERED", 2)
    assert sim.state.is_busy(first) and not sim.state.is_busy(other)
    sim.state.fast_forward(99)
    assert _power(_server(client, first)) == ("ACTIVE", "powering-off", "REGISTERED", 2)

    # Off: SHUTOFF, task_status null, STOPPED, every session signed out.
    sim.state.fast_forward(2)
    for server_id in (first, second):
        assert _power(_server(client, server_id)) == ("SHUTOFF", None, "STOPPED", 0)
    hda = {item["server_id"]: item for item in client.get("app-servers/access-agent/list",
                                                          params={"limit": 100}).json()["items"]}
    assert (hda[first]["status"], hda[first]["session_count"]) == ("STOPPED", 0)
    assert sim.state.sessions_of(first) == []
    ended = [sim.state.get_session(session_id) for session_id in open_before]
    assert len(ended) == 2 and {s["session_state"] for s in ended} == {"SignedOut"}
    assert len({s["end_time"] for s in ended}) == 1 and ended[0]["end_time"] == _server(client, first)["update_time"]
    listed = client.get("session/list-sessions", params={"session_state": "SignedOut", "limit": 100}).json()["items"]
    assert set(open_before) <= {item["id"] for item in listed}
    assert _power(_server(client, other)) == ("ACTIVE", None, "REGISTERED", 2)  # not named: untouched
    assert not sim.state.is_busy(first)

    # Powering on: still SHUTOFF and STOPPED; then ACTIVE and REGISTERED again.
    _ok(client.patch(START, {"items": [first]}))
    assert _power(_server(client, first)) == ("SHUTOFF", "powering-on", "STOPPED", 0)
    sim.state.fast_forward(101)
    assert _power(_server(client, first)) == ("ACTIVE", None, "REGISTERED", 0)
    assert _power(_server(client, second)) == ("SHUTOFF", None, "STOPPED", 0)
    assert not sim.state.jobs  # power operations create no job

    actions = [(a["server_id"], a["action"], a["type"], a["result"], a["vm_status"]) for a in sim.state.power_actions]
    assert actions == [(first, "stop", "SOFT", "SUCCESS", "SHUTOFF"), (second, "stop", "SOFT", "SUCCESS", "SHUTOFF"),
                       (first, "start", None, "SUCCESS", "ACTIVE")]
    assert requests.get(sim.url + "/_sim/state", timeout=5).json()["power_actions"][2]["action"] == "start"


def test_transitions_take_job_duration_exactly_and_sessions_end_at_the_off_instant():
    state = make_state(job_duration=10)
    target, witness = state.server_ids()[:2]
    sessions = [s["id"] for s in state.sessions_of(target)]
    state.log_off(sessions[:1], delay_time=4)   # due before the server is off: ends then
    state.log_off(sessions[1:], delay_time=30)  # due after: the stop ends it first
    begun = state.clock.monotonic()
    state.stop([target], "HARD")
    state.fast_forward(9.999)
    assert state.get_server(target)["task_status"] == "powering-off"
    state.fast_forward(0.001)
    record = state.get_server(target)
    assert (record["vm_status"], record["task_status"], record["update_time"]) == (
        "SHUTOFF", None, state.clock.iso(begun + 10))
    ends = [state.get_session(session_id)["end_time"] for session_id in sessions]
    assert ends == [state.clock.iso(begun + 4), state.clock.iso(begun + 10)]
    assert state.power_actions[0]["begin_time"] == state.clock.iso(begun)
    assert state.power_actions[0]["type"] == "HARD"
    assert state.get_server(witness)["session_count"] == 2


def test_zero_duration_power_is_done_on_the_next_read():
    state = make_state(job_duration=0)
    server_id = state.server_ids()[0]
    state.stop([server_id])
    assert _power(state.get_server(server_id)) == ("SHUTOFF", None, "STOPPED", 0)
    state.start([server_id])
    assert _power(state.get_server(server_id)) == ("ACTIVE", None, "REGISTERED", 0)


def test_start_gives_back_the_status_the_server_had_before_the_stop():
    state = make_state(job_duration=0)
    server_id = state.server_ids()[0]
    state.patch_server(server_id, status="UNREGISTER")
    state.stop([server_id])
    assert state.get_server(server_id)["status"] == "STOPPED"
    state.start([server_id])
    assert state.get_server(server_id)["status"] == "UNREGISTER"
    # A server made SHUTOFF by a test (status untouched) starts with its status as it is.
    other = state.server_ids()[1]
    state.patch_server(other, vm_status="SHUTOFF")
    state.start([other])
    assert _power(state.get_server(other))[:3] == ("ACTIVE", None, "REGISTERED")


def test_reboot_is_unchanged_and_keeps_sessions(sim, client_for):
    client = client_for(sim)
    soft, hard = sim.state.server_ids()[:2]
    _ok(client.patch(REBOOT, {"items": [soft], "type": "SOFT"}))
    _ok(client.patch(REBOOT, {"items": [hard], "type": "HARD"}))
    assert _power(_server(client, soft)) == ("REBOOT", "rebooting", "REGISTERED", 2)
    assert _power(_server(client, hard)) == ("HARD_REBOOT", "rebooting_hard", "REGISTERED", 2)
    sim.state.fast_forward(101)
    assert _power(_server(client, soft)) == ("ACTIVE", None, "REGISTERED", 2)
    assert _power(_server(client, hard)) == ("ACTIVE", None, "REGISTERED", 2)
    assert [a["action"] for a in sim.state.power_actions] == ["reboot", "reboot"]


# ---------------------------------------------------------------------------------------------- sessions, logons

def test_logons_are_refused_while_powering_off_stopped_and_powering_on(sim):
    state = sim.state
    server_id, other = state.server_ids()[:2]
    url = sim.url + "/_sim/sessions"
    state.stop([server_id], "SOFT")
    for phase in ("powering-off", "SHUTOFF", "powering-on"):
        if phase == "SHUTOFF":
            state.fast_forward(101)
        elif phase == "powering-on":
            state.start([server_id])
        with pytest.raises(ApiError) as caught:
            state.log_on(server_id)
        assert (caught.value.status, caught.value.error_code) == (409, "SIM.0409")
        assert server_id in caught.value.error_msg
        body = _error(requests.post(url, json={"server_id": server_id}, timeout=5), 409, "SIM.0409")
        assert (phase if phase != "SHUTOFF" else "vm_status SHUTOFF") in body["error_msg"]
    assert state.get_server(server_id)["session_count"] == 0
    state.fast_forward(101)
    assert state.log_on(server_id, user_name="back")["session_state"] == "Active"
    assert state.get_server(server_id)["session_count"] == 1
    assert state.log_on(other)["session_state"] == "Active"  # others were never refused


def test_a_stop_signs_out_sessions_waiting_for_a_logoff_and_the_drain_stops(sim):
    state = sim.state
    state.session_drain = 1000
    server_id = state.server_ids()[0]
    state.set_maintenance([server_id], True)
    state.log_off([state.sessions_of(server_id)[0]["id"]], delay_time=500)
    state.stop([server_id])
    state.fast_forward(101)
    assert state.get_server(server_id)["session_count"] == 0
    assert not state._pending_logoffs and server_id not in state._drains
    state.fast_forward(2000)
    assert state.get_server(server_id)["session_count"] == 0


# ---------------------------------------------------------------------------------------------- validation

@pytest.mark.parametrize("path,body", [
    (START, lambda ids: {"items": []}),
    (START, lambda ids: {"items": ["id-%02d" % n for n in range(21)]}),
    (START, lambda ids: {"items": [ids[0], ids[0]]}),
    (START, lambda ids: {"items": [ids[0], 7]}),
    (START, lambda ids: {"items": [""]}),
    (START, lambda ids: {"items": ids[0]}),
    (START, lambda ids: {}),
    (START, lambda ids: {"items": ids[:1], "type": "SOFT"}),  # BatchStartServerReq has no type
    (STOP, lambda ids: {"items": [], "type": "SOFT"}),
    (STOP, lambda ids: {"items": ["id-%02d" % n for n in range(21)], "type": "SOFT"}),
    (STOP, lambda ids: {"items": [ids[1], ids[0], ids[1]], "type": "HARD"}),
    (STOP, lambda ids: {"items": ids[:1], "type": "FORCE"}),
    (STOP, lambda ids: {"items": ids[:1], "type": "soft"}),
    (STOP, lambda ids: {"items": ids[:1], "type": 1}),
    (STOP, lambda ids: {"items": ids[:1]}),  # type is mandatory
    (STOP, lambda ids: {"items": ids[:1], "type": "SOFT", "force": True}),
    (REBOOT, lambda ids: {"items": ids[:1]}),
    (REBOOT, lambda ids: {"items": [ids[0], ids[0]], "type": "SOFT"}),
])
def test_invalid_power_requests_are_rejected_and_change_nothing(sim, client_for, path, body):
    client = client_for(sim)
    ids = sim.state.server_ids()
    before = _snapshot(sim.state)
    _error(client.patch(path, body(ids)), 400, "WKS.00211102")
    assert _snapshot(sim.state) == before


@pytest.mark.parametrize("path", [START, STOP])
def test_a_missing_or_unparsable_body_is_rejected(sim, client_for, path):
    client = client_for(sim)
    assert "required" in _error(client.patch(path), 400, "WKS.00211102")["error_msg"]
    _error(client.patch(path, data=b"{items"), 400, "WKS.00129901")
    _error(client.patch(path, data=b"[]"), 400, "WKS.00211102")


@pytest.mark.parametrize("path,extra", [(START, {}), (STOP, {"type": "SOFT"})])
def test_twenty_ids_are_accepted(make_simulator, client_for, path, extra):
    sim = make_simulator(servers=20, seed=32, job_duration=0)
    client = client_for(sim)
    ids = sim.state.server_ids()
    if path == START:
        sim.state.stop(ids)
    _ok(client.patch(path, dict(extra, items=ids)))
    assert {record["vm_status"] for record in sim.state.servers.values()} == {"SHUTOFF" if path == STOP else "ACTIVE"}


# ---------------------------------------------------------------------------------------------- conflicts

@pytest.mark.parametrize("path,extra", [(START, {}), (STOP, {"type": "SOFT"}), (REBOOT, {"type": "HARD"})])
def test_an_unknown_server_fails_the_whole_batch_with_404(sim, client_for, path, extra):
    client = client_for(sim)
    ids = sim.state.server_ids()
    if path == START:
        sim.state.stop(ids[:1])
        sim.state.fast_forward(101)
    before = _snapshot(sim.state)
    body = _error(client.patch(path, dict(extra, items=[ids[0], "no-such-server"])), 404, "WKS.00211201")
    assert "no-such-server" in body["error_msg"]
    assert _snapshot(sim.state) == before


@pytest.mark.parametrize("path,extra", [(STOP, {"type": "SOFT"}), (REBOOT, {"type": "SOFT"})])
def test_a_server_with_a_job_fails_the_whole_batch_with_409(sim, client_for, path, extra):
    client = client_for(sim)
    busy, idle = sim.state.server_ids()[:2]
    client.patch("app-servers/access-agent/actions/upgrade", {"items": [busy]})
    before = _snapshot(sim.state)
    body = _error(client.patch(path, dict(extra, items=[idle, busy])), 409, "WKS.00211204")
    assert busy in body["error_msg"] and idle not in body["error_msg"]
    assert _snapshot(sim.state) == before
    sim.state.fast_forward(101)  # the job is over: the same request passes
    _ok(client.patch(path, dict(extra, items=[idle, busy])))


@pytest.mark.parametrize("first,then", [
    ((STOP, {"type": "SOFT"}), (START, {})),          # powering off (still ACTIVE): not startable yet, busy
    ((STOP, {"type": "SOFT"}), (STOP, {"type": "HARD"})),
    ((STOP, {"type": "HARD"}), (REBOOT, {"type": "HARD"})),
    ((REBOOT, {"type": "SOFT"}), (REBOOT, {"type": "SOFT"})),
    ((REBOOT, {"type": "SOFT"}), (STOP, {"type": "SOFT"})),
    ((START, {}), (STOP, {"type": "SOFT"})),          # powering on
    ((START, {}), (START, {})),
])
def test_a_server_in_a_power_transition_fails_the_whole_batch_with_409(sim, client_for, first, then):
    client = client_for(sim)
    moving, idle, spare = sim.state.server_ids()[:3]
    # Each server in the vm_status its action starts from, so only the transition under way is in the way.
    stopped = ([moving] if first[0] == START else []) + ([idle] if then[0] == START else [])
    if stopped:
        sim.state.stop(stopped)
        sim.state.fast_forward(101)
    _ok(client.patch(first[0], dict(first[1], items=[moving])))
    before = _snapshot(sim.state)
    body = _error(client.patch(then[0], dict(then[1], items=[idle, moving])), 409, "WKS.00211204")
    assert moving in body["error_msg"]
    assert _snapshot(sim.state) == before
    assert spare not in body["error_msg"]


def test_jobs_are_refused_on_a_server_in_a_power_transition(sim, client_for):
    sim.state.add_image("img-new")
    client = client_for(sim)
    moving, idle = sim.state.server_ids()[:2]
    sim.state.reboot([moving], "SOFT")
    _error(client.patch("app-servers/access-agent/actions/upgrade", {"items": [idle, moving]}), 409, "WKS.00211204")
    _error(client.patch("app-servers/actions/batch-update-tsvi", {"items": [{"id": moving, "enable": True}]}), 409,
           "WKS.00211204")
    response = client.post("app-servers/actions/batch-change-image", {
        "server_ids": [moving, idle], "image_id": "img-new", "image_type": "private", "os_type": "Windows"})
    assert [item["error_code"] for item in response.json()["items"]] == ["WKS.00211204", ""]


@pytest.mark.parametrize("path,extra,state_of_target", [
    (STOP, {"type": "SOFT"}, "SHUTOFF"),   # already stopped
    (STOP, {"type": "HARD"}, "SHUTOFF"),
    (START, {}, "ACTIVE"),                 # already running
    (REBOOT, {"type": "SOFT"}, "SHUTOFF"),  # not running
    (REBOOT, {"type": "HARD"}, "SHUTOFF"),
    (REBOOT, {"type": "SOFT"}, "ERROR"),   # only a HARD reboot recovers an ERROR server
    (START, {}, "ERROR"),                  # an ERROR server is stopped first
])
def test_a_server_not_in_the_state_the_action_starts_from_fails_the_whole_batch_with_409(
        sim, client_for, path, extra, state_of_target):
    client = client_for(sim)
    target, fine = sim.state.server_ids()[:2]
    sim.state.patch_server(target, vm_status=state_of_target)
    if path == START:
        sim.state.patch_server(fine, vm_status="SHUTOFF")
    before = _snapshot(sim.state)
    body = _error(client.patch(path, dict(extra, items=[fine, target])), 409, "WKS.00211206")
    assert body["error_msg"].startswith("The server status does not support this operation.")
    assert "%s (%s)" % (target, state_of_target) in body["error_msg"] and fine not in body["error_msg"]
    assert _snapshot(sim.state) == before


def test_unknown_ids_come_before_busy_servers_and_busy_servers_before_wrong_states(sim, client_for):
    client = client_for(sim)
    busy, stopped = sim.state.server_ids()[:2]
    sim.state.stop([stopped])
    sim.state.fast_forward(101)
    sim.state.reboot([busy], "SOFT")
    _error(client.patch(STOP, {"items": [stopped, busy, "nope"], "type": "SOFT"}), 404, "WKS.00211201")
    _error(client.patch(STOP, {"items": [stopped, busy], "type": "SOFT"}), 409, "WKS.00211204")
    _error(client.patch(STOP, {"items": [stopped], "type": "SOFT"}), 409, "WKS.00211206")


# ---------------------------------------------------------------------------------------------- failures

def test_a_failed_stop_ends_in_error_with_sessions_gone_and_a_hard_reboot_or_a_stop_recovers(sim, client_for):
    client = client_for(sim)
    state = sim.state
    target, other = state.server_ids()[:2]
    state.fail_next_power([target], error_code="WKS.00211401", error_msg="Shutdown timed out.")
    _ok(client.patch(STOP, {"items": [target, other], "type": "SOFT"}))
    assert _power(_server(client, target)) == ("ACTIVE", "powering-off", "REGISTERED", 2)
    state.fast_forward(101)
    assert _power(_server(client, target)) == ("ERROR", None, "REGISTERED", 0)
    assert _power(_server(client, other)) == ("SHUTOFF", None, "STOPPED", 0)
    failed = [a for a in state.power_actions if a["server_id"] == target]
    assert [(a["result"], a["error_code"], a["error_msg"], a["vm_status"]) for a in failed] == [
        ("FAILED", "WKS.00211401", "Shutdown timed out.", "ERROR")]
    with pytest.raises(ApiError, match="vm_status ERROR"):
        state.log_on(target)

    _error(client.patch(START, {"items": [target]}), 409, "WKS.00211206")
    _error(client.patch(REBOOT, {"items": [target], "type": "SOFT"}), 409, "WKS.00211206")
    _ok(client.patch(REBOOT, {"items": [target], "type": "HARD"}))  # times=1: this one succeeds
    assert _power(_server(client, target))[:2] == ("HARD_REBOOT", "rebooting_hard")
    state.fast_forward(101)
    assert _power(_server(client, target)) == ("ACTIVE", None, "REGISTERED", 0)

    state.fail_next_power(target, action="reboot")
    state.reboot([target], "HARD")
    state.fast_forward(101)
    assert state.get_server(target)["vm_status"] == "ERROR"
    _ok(client.patch(STOP, {"items": [target], "type": "HARD"}))  # an ERROR server can be stopped
    assert _power(_server(client, target)) == ("ERROR", "powering-off", "REGISTERED", 0)
    state.fast_forward(101)
    assert _power(_server(client, target)) == ("SHUTOFF", None, "STOPPED", 0)


def test_a_failed_power_transition_can_revert_and_be_limited_to_one_action(sim, client_for):
    client = client_for(sim)
    state = sim.state
    target = state.server_ids()[0]
    state.fail_next_power(target, action="start", outcome="REVERT", times=2)
    state.fail_next_power(target, action="stop", outcome="REVERT")
    state.stop([target], "SOFT")   # takes the stop failure, not the start ones
    state.fast_forward(101)
    assert _power(state.get_server(target)) == ("ACTIVE", None, "REGISTERED", 2)  # a failed stop keeps sessions
    state.stop([target], "SOFT")
    state.fast_forward(101)
    for _unused in range(2):
        state.start([target])
        assert state.get_server(target)["task_status"] == "powering-on"
        state.fast_forward(101)
        assert _power(state.get_server(target)) == ("SHUTOFF", None, "STOPPED", 0)
    state.start([target])
    state.fast_forward(101)
    assert _power(state.get_server(target)) == ("ACTIVE", None, "REGISTERED", 0)
    assert [(a["action"], a["result"]) for a in state.power_actions] == [
        ("stop", "FAILED"), ("stop", "SUCCESS"), ("start", "FAILED"), ("start", "FAILED"), ("start", "SUCCESS")]


def test_fail_next_power_arguments_and_its_control_endpoint(sim, client_for):
    state = sim.state
    target, other = state.server_ids()[:2]
    with pytest.raises(ValueError, match="action must be one of"):
        state.fail_next_power(target, action="hibernate")
    with pytest.raises(ValueError, match="outcome must be one of"):
        state.fail_next_power(target, outcome="BROKEN")
    with pytest.raises(KeyError):
        state.fail_next_power([other, "nope"])
    assert not state._pending_power_failures  # nothing queued for the known one either

    url = sim.url + "/_sim/fail-next-power"
    response = requests.post(url, json={"server_ids": [target], "action": "stop", "error_code": "WKS.1",
                                        "error_msg": "no"}, timeout=5)
    assert response.status_code == 200 and response.json() == {"ok": True}
    _error(requests.post(url, json={"server_ids": ["nope"]}, timeout=5), 400, "SIM.0400")
    _error(requests.post(url, json={"server_ids": [target], "outcome": "LATER"}, timeout=5), 400, "SIM.0400")
    _ok(client_for(sim).patch(STOP, {"items": [target], "type": "SOFT"}))
    state.fast_forward(101)
    assert (state.get_server(target)["vm_status"], state.power_actions[-1]["error_code"]) == ("ERROR", "WKS.1")


def test_fail_next_job_is_not_taken_by_power_operations(sim):
    state = sim.state
    target = state.server_ids()[0]
    state.fail_next_job(target)
    state.stop([target])
    state.fast_forward(101)
    assert state.get_server(target)["vm_status"] == "SHUTOFF"
    assert state._pending_failures[target]  # still waiting for a job


# ---------------------------------------------------------------------------------------------- request log

def test_power_requests_are_logged_as_mutating_with_their_items(sim, client_for):
    client = client_for(sim)
    ids = sim.state.server_ids()
    sim.log.clear()
    client.patch(STOP, {"items": ids[:3], "type": "SOFT"})
    sim.state.fast_forward(101)
    client.patch(START, {"items": ids[:2]})
    client.patch(REBOOT, {"items": ids[3:], "type": "SOFT"})
    client.patch(START, {"items": []})
    assert [(r.operation, r.method, r.mutating, r.items, r.status) for r in sim.log.mutations()] == [
        ("batch_stop_server", "PATCH", True, 3, 200), ("batch_start_server", "PATCH", True, 2, 200),
        ("batch_reboot_server", "PATCH", True, 1, 200), ("batch_start_server", "PATCH", True, 0, 400)]
    assert sim.log.mutations()[0].body == {"items": ids[:3], "type": "SOFT"}
    assert _error(client.post(START, {"items": ids[:1]}), 405, "WKS.00000405")
