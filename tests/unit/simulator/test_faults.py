"""Fault injection (scripted and seeded) and the real rate limit."""

import time

import pytest
import requests


def test_scripted_throttle(simulator, client):
    simulator.faults.script("throttle", method="GET", path=r"/app-servers$", count=2)
    simulator.faults.configure(retry_after=3)  # rates stay 0; scripts survive configure()
    for _unused in range(2):
        response = client.get("app-servers")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        body = response.json()
        assert body["error_code"] == "APIGW.0308"
        assert body["error_msg"].startswith("The throttling threshold has been reached: policy user over ratelimit,")
        assert body["error_msg"].endswith("time:1 minute")
    assert client.get("app-server-groups").status_code == 200  # path does not match
    assert client.get("app-servers").status_code == 200
    assert [record.fault for record in simulator.log.requests(operation="list_servers")] == \
        ["throttle", "throttle", None]


@pytest.mark.parametrize("kind,status,code", [("error500", 500, "WKS.00000500"), ("error503", 503, "WKS.00129901")])
def test_scripted_server_errors(simulator, client, kind, status, code):
    simulator.faults.script(kind, method="PATCH")
    server_id = simulator.state.server_ids()[0]
    response = client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id]})
    assert response.status_code == status
    assert response.json()["error_code"] == code
    assert not simulator.state.jobs  # nothing applied


def test_drop_closes_without_response_and_applies_nothing(simulator, client):
    simulator.faults.script("drop", method="PATCH", path="upgrade")
    server_id = simulator.state.server_ids()[0]
    with pytest.raises(requests.ConnectionError):
        client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id]})
    assert not simulator.state.jobs
    assert simulator.state.get_server(server_id).get("job_id") is None
    record = simulator.log[-1]
    assert (record.status, record.fault, record.mutating, record.items) == (None, "drop", True, 1)
    # The connection pool recovers: the next request works.
    assert client.get("app-servers").status_code == 200


def test_lost_response_applies_the_mutation(simulator, client):
    simulator.faults.script("lost_response", method="PATCH")
    server_id = simulator.state.server_ids()[0]
    with pytest.raises(requests.ConnectionError):
        client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id]})
    assert len(simulator.state.jobs) == 1
    job_id = next(iter(simulator.state.jobs))
    server = client.get("app-servers/%s" % server_id).json()
    assert server["job_id"] == job_id and server["job_type"] == "UPGRADE_ACCESS_AGENT"
    assert simulator.log.requests(operation="batch_upgrade_hda_version")[0].fault == "lost_response"


def test_applied_error500_applies_the_mutation_then_answers_500(simulator, client):
    simulator.faults.script("applied_error500", method="PATCH")
    server_id = simulator.state.server_ids()[0]
    answer = client.patch("app-servers/access-agent/actions/upgrade", {"items": [server_id]})
    assert answer.status_code == 500 and answer.json()["error_code"]
    job_id = next(iter(simulator.state.jobs))
    assert client.get("app-servers/%s" % server_id).json()["job_id"] == job_id
    record = simulator.log.requests(operation="batch_upgrade_hda_version")[0]
    assert record.fault == "applied_error500" and record.status == 500


def test_applied_error500_leaves_a_refusal_of_the_handler_as_it_is(simulator, client):
    simulator.faults.script("applied_error500", method="PATCH")
    answer = client.patch("app-servers/access-agent/actions/upgrade", {"items": ["no-such-server"]})
    assert answer.status_code == 404 and simulator.state.jobs == {}


def test_applied_error_rate_is_a_random_kind_of_its_own(make_simulator, client_for):
    sim = make_simulator(servers=2, seed=30)
    config = sim.faults.configure(seed=7, applied_error_rate=1.0)
    assert config["applied_error_rate"] == 1.0
    client = client_for(sim)
    assert client.get("app-servers", params={"limit": 1}).status_code == 500
    assert sim.log.requests(operation="list_servers")[0].fault == "applied_error500"


def _statuses(client, count=40):
    return [client.get("app-servers", params={"limit": 1}).status_code for _unused in range(count)]


def test_seeded_fault_rates_are_reproducible(make_simulator, client_for):
    runs = []
    for _unused in range(2):
        sim = make_simulator(servers=2, seed=30)
        sim.faults.configure(seed=7, throttle_rate=0.3, error_rate=0.2)
        runs.append(_statuses(client_for(sim)))
    assert runs[0] == runs[1]
    assert {429, 200} <= set(runs[0]) and set(runs[0]) <= {200, 429, 500, 503}

    other = make_simulator(servers=2, seed=30)
    other.faults.configure(seed=8, throttle_rate=0.3, error_rate=0.2)
    assert _statuses(client_for(other)) != runs[0]


def test_random_faults_respect_methods_and_spare_iam_and_control(make_simulator, client_for):
    sim = make_simulator(servers=2, seed=31)
    client = client_for(sim)
    sim.faults.configure(seed=1, throttle_rate=1.0, methods=["PATCH"])
    assert set(_statuses(client, 5)) == {200}
    assert client.patch("app-servers/actions/batch-maint", {"items": sim.state.server_ids()[:1],
                                                            "maintain_status": True}).status_code == 429
    sim.faults.configure(seed=1, throttle_rate=1.0)
    assert client.get("/v3/projects", params={"name": "cn-north-4"}).status_code == 200
    assert requests.get(sim.url + "/_sim/state", timeout=5).status_code == 200
    sim.faults.clear()
    assert client.get("app-servers").status_code == 200


def test_scripts_name_iam_and_control_explicitly(simulator, client):
    simulator.faults.script("throttle")  # no path: AppStream only
    assert client.get("/v3/projects").status_code == 200
    assert client.get("app-servers").status_code == 429
    simulator.faults.script("error503", path=r"^/v3/projects$")
    assert client.get("/v3/projects").status_code == 503
    simulator.faults.script("error500", path=r"state")  # does not say _sim: control stays untouched
    assert requests.get(simulator.url + "/_sim/state", timeout=5).status_code == 200
    simulator.faults.clear()


def test_fault_kinds_are_checked(simulator):
    with pytest.raises(ValueError):
        simulator.faults.script("explode")
    with pytest.raises(ValueError):
        simulator.faults.configure(throttle_rate=0.8, error_rate=0.5)


def test_faults_over_http(simulator, client):
    response = requests.post(simulator.url + "/_sim/faults/script",
                             json={"kind": "throttle", "method": "GET", "path": "app-server-groups", "count": 1},
                             timeout=5)
    assert response.status_code == 200
    assert client.get("app-server-groups").status_code == 429
    assert client.get("app-server-groups").status_code == 200
    config = requests.post(simulator.url + "/_sim/faults", json={"seed": 3, "drop_rate": 0.5}, timeout=5).json()
    assert config["drop_rate"] == 0.5
    assert requests.post(simulator.url + "/_sim/faults", json={"bogus": 1}, timeout=5).status_code == 400
    assert requests.post(simulator.url + "/_sim/faults/clear", timeout=5).json()["drop_rate"] == 0.0


def test_real_rate_limit(make_simulator, client_for):
    sim = make_simulator(servers=2, seed=32, rate_limit=5)
    client = client_for(sim)
    started = time.monotonic()
    statuses = _statuses(client, 20)
    elapsed = time.monotonic() - started
    # A burst of 5, then 5 more per second of elapsed time (+1 for rounding), whatever the machine's speed.
    assert 5 <= statuses.count(200) <= 5 + int(elapsed * 5) + 1
    assert set(statuses) == {200, 429}
    throttled = [r for r in sim.log.requests(operation="list_servers") if r.status == 429]
    assert throttled and all(r.fault == "rate_limit" for r in throttled)
    for _unused in range(50):
        response = client.get("app-servers")
        if response.status_code == 429:
            break
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error_code"] == "APIGW.0308"
    assert "limit:300,time:1 minute" in response.json()["error_msg"]
