"""tools/soak/run.py's duplicate checks for the app group, schedule task, policy group and logoff tasks, and the
per-module table: requests sent to a real simulator over HTTP, the soak's checks run on its log and records."""

import time

import requests

from simulator import Simulator
from tools.soak.run import (MODULES, OPERATIONS, Soak, creates_twice, markdown, module_table_lines, notified_twice,
                            summary_text)


class Client:
    """Plain HTTP requests to the simulator (what a module sends, without the module's recovery)."""

    def __init__(self, sim):
        self.sim = sim
        self.headers = {"X-Auth-Token": sim.credentials["auth_token"], "X-Project-Id": sim.credentials["project_id"]}

    def send(self, method, path, body):
        url = "%s/v1/%s%s" % (self.sim.url, self.sim.credentials["project_id"], path)
        try:
            return requests.request(method, url, json=body, headers=self.headers, timeout=10).status_code
        except requests.ConnectionError:
            return None  # a dropped connection or a withheld answer


def soak_on(sim):
    soak = Soak(servers=4, groups=1)
    soak.sim = sim
    return soak


def test_a_name_created_by_two_applied_creates_is_a_duplicate_and_a_refused_one_is_not():
    with Simulator(servers=2, groups=1) as sim:
        client, soak = Client(sim), soak_on(sim)
        server_group_id = next(iter(sim.state.groups))
        phase = soak.begin("converge")
        body = {"name": "soak-twice", "app_server_group_id": server_group_id}
        sim.faults.script("error500", method="POST")  # refused before the handler: nothing made
        assert client.send("POST", "/app-groups", body) == 500
        sim.faults.script("lost_response", method="POST")  # made, the answer withheld
        assert client.send("POST", "/app-groups", dict(body, name="soak-once")) is None
        assert client.send("POST", "/app-groups", body) == 200  # the first applied create of soak-twice
        assert client.send("POST", "/app-groups", body) == 200  # the second: a duplicate
        soak.end(phase)

    assert [failure["check"] for failure in soak.failures] == ["no-duplicates"], soak.failures
    message = soak.failures[0]["message"]
    assert "1 duplicate submission(s)" in message and "soak-twice created by 2 calls" in message, message
    assert "soak-once" not in message, message
    assert phase.duplicate_kinds == {"app_group": 1}


def test_a_policy_group_create_refused_as_existing_counts_as_a_duplicate():
    with Simulator(servers=2, groups=1) as sim:
        client, soak = Client(sim), soak_on(sim)
        phase = soak.begin("converge")
        body = {"policy_group": {"policy_group_name": "soak_policy"}}
        assert client.send("POST", "/policy-groups", body) == 200
        assert client.send("POST", "/policy-groups", body) == 400  # the simulator refuses a name twice
        soak.end(phase)
    found = creates_twice(phase.log, OPERATIONS["policy"])
    assert found == ["a create of soak_policy refused with 400 (it exists already?)"], found
    assert phase.duplicate_kinds == {"policy": 1} and phase.duplicates == 1


def test_a_session_is_logged_off_twice_only_when_a_second_notice_reached_it():
    with Simulator(servers=2, groups=1) as sim:
        client, soak = Client(sim), soak_on(sim)
        server_id = sorted(sim.state.server_ids())[0]
        now, later = sim.state.log_on(server_id, "alice")["id"], sim.state.log_on(server_id, "bob")["id"]
        phase = soak.begin("converge")
        # Signed out at once: a second call finds it ended, and the service sends no second notice.
        for _call in range(2):
            assert client.send("POST", "/session/logoff", {"session_ids": [now], "message_type": 0,
                                                           "delay_time": 0}) == 200
        # Signed out in a minute: the second call reaches it still open, and the user sees the message twice.
        for _call in range(2):
            assert client.send("POST", "/session/logoff", {"session_ids": [later], "message_type": 0,
                                                           "delay_time": 60}) == 200
        notices = sim.state.notifications[phase.notifications_before:]
        soak.end(phase)
    assert notified_twice(notices) == [(later, 2)]
    assert phase.duplicate_kinds == {"logoff": 1}, soak.failures
    assert "logoff: session %s sent 2 logoff notices" % later in soak.failures[0]["message"]


def test_the_module_table_counts_requests_for_the_task_running_when_they_arrived():
    with Simulator(servers=2, groups=1) as sim:
        client, soak = Client(sim), soak_on(sim)
        server_group_id = next(iter(sim.state.groups))
        phase = soak.begin("converge")
        soak.timeline.append((time.time(), "app_group"))  # as the callback writes it when a task starts
        sim.faults.script("drop", method="POST")
        assert client.send("POST", "/app-groups", {"name": "soak-a", "app_server_group_id": server_group_id}) is None
        assert client.send("POST", "/app-groups", {"name": "soak-a", "app_server_group_id": server_group_id}) == 200
        time.sleep(0.01)
        soak.timeline.append((time.time(), "schedule"))
        assert client.send("GET", "/schedule-task", None) == 200
        time.sleep(0.01)
        soak.timeline.append((time.time(), ""))  # a task of the harness's: its requests count for no module
        assert client.send("GET", "/app-groups", None) == 200
        soak.end(phase)
        report = soak.report(1.0)

    rows = dict((row["module"], row) for row in report["modules"])
    assert set(rows) == {MODULES["app_group"], MODULES["schedule"]}, rows
    assert rows["app_group"] == dict(module="app_group", task_runs=1, changed=0, mutations=2, applied=1, faults=1,
                                     duplicates=0, idempotent_mutations=0), rows
    assert rows["app_schedule_task"]["mutations"] == 0 and rows["app_schedule_task"]["task_runs"] == 1, rows
    lines = module_table_lines(report["modules"])
    assert lines[0].split()[:3] == ["module", "task", "runs"] and lines[1].split() == [
        "app_group", "1", "0", "2", "1", "1", "0", "0"], lines
    assert "per module:" in summary_text(report)
    page = markdown([report], "tools/soak/run.py --seed 1", when="2026-12-08 00:00 UTC")
    assert "Generated by `make soak` (`tools/soak/run.py --seed 1`) on 2026-12-08 00:00 UTC" in page, page
    assert "| `app_group` | 1 | 0 | 2 | 1 | 1 | 0 | 0 |" in page, page
