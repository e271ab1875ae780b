"""session_drain: sessions of servers in maintenance mode end one by one on the simulator's clock."""

import os
import subprocess
import sys

import pytest

from simulator import Simulator
from simulator.__main__ import parse_args
from simulator.state import Clock, FleetState

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class FrozenClock(Clock):
    """Only fast_forward moves it: the drain is then exact, whatever the machine's speed."""

    def __init__(self):
        super(FrozenClock, self).__init__()
        self._frozen = self._mono0

    def monotonic(self):
        return self._frozen + self._offset


def fleet(session_drain=None, servers=3):
    state = FleetState(servers=servers, groups=1, seed=4, job_duration=0, clock=FrozenClock(),
                       session_drain=session_drain)
    ids = list(state.servers)
    for index, server_id in enumerate(ids):
        state.patch_server(server_id, session_count=index + 2)  # 2, 3, 4 ...
    return state, ids


def sessions(state, ids):
    return [state.get_server(server_id)["session_count"] for server_id in ids]


def test_default_sessions_never_change_even_in_maintenance():
    state, ids = fleet()
    state.set_maintenance(ids, True)
    state.fast_forward(3600)
    assert sessions(state, ids) == [2, 3, 4]
    assert state.dump()["session_drain"] is None


def test_one_session_ends_every_n_seconds_while_in_maintenance_only():
    state, ids = fleet(session_drain=10)
    state.set_maintenance(ids[:2], True)
    state.fast_forward(9.9)
    assert sessions(state, ids) == [2, 3, 4]
    state.fast_forward(0.1)
    assert sessions(state, ids) == [1, 2, 4]  # the third server is not in maintenance: it keeps its sessions
    state.fast_forward(25)  # t=35: three sessions ended on each drained server (floor(35 / 10))
    assert sessions(state, ids) == [0, 0, 4]
    state.fast_forward(1000)
    assert sessions(state, ids) == [0, 0, 4]  # never below 0, and nothing starts again in maintenance
    assert state.dump()["session_drain"] == 10


def test_leaving_maintenance_stops_the_drain_and_coming_back_restarts_the_count():
    state, ids = fleet(session_drain=10)
    state.set_maintenance([ids[2]], True)
    state.fast_forward(15)
    assert sessions(state, ids)[2] == 3
    state.set_maintenance([ids[2]], False)
    state.fast_forward(100)
    assert sessions(state, ids)[2] == 3  # out of maintenance: no session ends
    state.set_maintenance([ids[2]], True)
    state.fast_forward(5)
    assert sessions(state, ids)[2] == 3  # a new count starts when it enters maintenance again
    state.fast_forward(5)
    assert sessions(state, ids)[2] == 2


def test_maintenance_set_again_keeps_the_running_count():
    state, ids = fleet(session_drain=10)
    state.set_maintenance([ids[0]], True)
    state.fast_forward(8)
    state.set_maintenance([ids[0]], True)  # already in maintenance: the count goes on
    state.fast_forward(2)
    assert sessions(state, ids)[0] == 1


def test_patched_or_edited_maintenance_drains_too_and_zero_drains_at_once():
    state, ids = fleet(session_drain=10)
    state.patch_server(ids[0], maintain_status=True)
    state.servers[ids[1]]["maintain_status"] = True  # a test editing the live record: counted from the next read
    state.fast_forward(10)
    assert sessions(state, ids) == [1, 2, 4]
    state.patch_server(ids[1], session_count=5)  # new sessions set by a test restart the count from now
    state.fast_forward(9)
    assert sessions(state, ids)[1] == 5
    state.session_drain = 0
    state.patch_server(ids[2], maintain_status=True)
    assert sessions(state, ids)[2] == 0


def test_drain_is_visible_over_http_with_the_simulator_clock(client_for):
    sim = Simulator(servers=2, groups=1, seed=9, job_duration=0)
    sim.state.session_drain = 60
    with sim:
        ids = list(sim.state.servers)
        sim.state.patch_server(ids[0], session_count=2)
        client = client_for(sim)
        reply = client.patch("app-servers/actions/batch-maint", json_body={"items": [ids[0]], "maintain_status": True})
        assert reply.status_code == 200, reply.text
        sim.state.fast_forward(61)
        listed = client.get("app-servers", params={"server_id": ids[0]}).json()["items"][0]
        assert listed["maintain_status"] is True and listed["session_count"] == 1
        details = client.get("app-servers/access-agent/list").json()["items"]
        assert [d["session_count"] for d in details if d["server_id"] == ids[0]] == [1]
        sim.state.fast_forward(60)
        assert client.get("app-servers", params={"server_id": ids[0]}).json()["items"][0]["session_count"] == 0


def test_cli_flag():
    assert parse_args([]).session_drain is None
    assert parse_args(["--session-drain", "2.5"]).session_drain == 2.5
    result = subprocess.run([sys.executable, "-m", "simulator", "--session-drain", "-1"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "--session-drain: must be 0 or more seconds" in result.stderr


@pytest.mark.parametrize("drain", [None, 5])
def test_jobs_and_reboots_still_advance_with_or_without_drain(drain):
    state, ids = fleet(session_drain=drain)
    job = state.upgrade_hda(ids[:1])
    state.fast_forward(1)
    assert state.get_job(job["id"])["status"] == "SUCCESS"


def test_patching_other_fields_keeps_the_count_and_patching_maintenance_again_too():
    state, ids = fleet(session_drain=10)
    state.patch_server(ids[2], maintain_status=True)
    state.fast_forward(8)
    state.patch_server(ids[2], maintain_status=True, description="still draining")  # already in maintenance
    state.fast_forward(2)
    assert sessions(state, ids)[2] == 3
