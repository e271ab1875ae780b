"""tools/soak/run.py with the simulator's dialect modes: the options reach the simulator, a bad value is refused
naming the key, and a windowed 429 is counted in the summary as refused at the gateway (never as applied)."""

import pytest
import requests

from simulator import Simulator
from tools.soak.run import Soak, parse_args, reached_handler, summary_text


def soak_from(argv):
    args = parse_args(argv)
    return Soak(servers=args.servers, groups=args.groups, state_lag=args.state_lag,
                throttle_window=args.throttle_window,
                transitions=False if args.transitions is None else args.transitions)


def test_dialect_options_make_the_simulator_configuration():
    assert soak_from([]).dialect is None  # every mode off unless asked
    soak = soak_from(["--state-lag", "2", "--throttle-window", "20/10", "--transitions", "1.5"])
    assert soak.dialect == {"state_lag": 2, "throttle_window": [20, 10], "transitions": 1.5}
    assert soak_from(["--transitions", "0"]).dialect == {"transitions": 0}  # 0 is a mode (UNREGISTER while it runs)


@pytest.mark.parametrize("argv, named", [
    (["--throttle-window", "20"], "throttle_window"),
    (["--throttle-window", "0/10"], "throttle_window"),
    (["--state-lag", "-1"], "state_lag"),
    (["--transitions", "-2"], "transitions"),
])
def test_bad_dialect_options_are_refused_naming_the_key(argv, named, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert "dialect %s: must be" % named in capsys.readouterr().err


def test_a_windowed_429_is_counted_and_never_taken_for_applied():
    soak = Soak(servers=2, groups=1, throttle_window=(1, 60), state_lag=2)
    with Simulator(servers=2, groups=1, dialect=soak.dialect) as sim:
        soak.sim = sim
        phase = soak.begin("converge")
        headers = {"X-Auth-Token": sim.credentials["auth_token"], "X-Project-Id": sim.credentials["project_id"]}
        url = "%s/v1/%s/app-servers/actions/batch-maint" % (sim.url, sim.credentials["project_id"])
        server_ids = sorted(sim.state.server_ids())
        first = requests.patch(url, json={"items": server_ids, "maintain_status": True}, headers=headers, timeout=10)
        second = requests.patch(url, json={"items": server_ids, "maintain_status": True}, headers=headers, timeout=10)
        soak.end(phase)
    assert first.status_code == 200 and second.status_code == 429, (first.text, second.text)
    assert "Retry-After" not in second.headers and "limit:1,time:1 minute" in second.json()["error_msg"]
    applied, refused = phase.log
    assert refused.fault == "throttle_window" and reached_handler(applied) and not reached_handler(refused)
    assert not soak.failures  # the same maintenance call twice, the second refused at the gateway: no duplicate

    report = soak.report(1.0)
    stats = report["phases"][0]
    assert stats["faults"] == {"throttle_window": 1} and stats["window_429s_on_mutations"] == 1, stats
    assert stats["duplicates"] == 0 and report["dialect"] == {"state_lag": 2, "throttle_window": [1, 60]}
    text = summary_text(report)
    assert "state lag 2s, throttle window 1/60s" in text, text
    assert "faults: throttle_window 1" in text, text
    assert "1 429(s) met, 1 of them on mutations" in text, text
    assert "duplicate submissions (applied twice): 0" in text, text
