"""Bad-input table: every case fails with a message naming the option or the API error, and nothing is mutated.

All cases run as tasks (``ignore_errors: true``) of ONE ``ansible-playbook`` run per xdist worker (a
module-scoped fixture); the parametrized tests only look at the collected results. Credentials are given
per task, so the credential cases (wrong SK, expired token, none at all) share the playbook with the rest.
"""

import concurrent.futures
import fcntl
import json
import os
import socket

import pytest

from simulator import Simulator
from tests.harness import PlaybookRunner

NS = "huaweicloud.workspace_app."
OLD_HDA = "2.0.10.1"
WRONG_SK = "WrongSecretKey-BadInput-0000000000000000"

GROUP1 = "{group1}"  # SESSION_DESKTOP_APP, ip_virtual.enable true
GROUP2 = "{group2}"  # COMMON_APP, ip_virtual.enable false
SERVER = "{server}"  # a server of group 1 with an outdated HDA
FAST = {"poll_interval": 0.2, "wait_timeout": 30, "max_retries": 0}

# (case id, module, auth, options, substrings the msg must contain)
# auth: "aksk" (the simulator's AK/SK), "wrong_sk", "expired", "bad_token", "none"
CASES = [
    # app_server_info
    ("info_bool_type", "app_server_info", "aksk", {"maintain_status": "perhaps"}, ["maintain_status"]),
    ("info_unknown_option", "app_server_info", "aksk", {"bogus_option": 1}, ["bogus_option"]),
    ("info_request_timeout_zero", "app_server_info", "aksk", {"request_timeout": 0}, ["request_timeout"]),
    # app_server_group_info
    ("group_info_app_type_enum", "app_server_group_info", "aksk", {"app_type": "VDI_APP"}, ["app_type"]),
    ("group_info_negative_retries", "app_server_group_info", "aksk", {"max_retries": -1}, ["max_retries"]),
    # app_job_info
    ("job_info_missing_job_id", "app_job_info", "aksk", {}, ["job_id"]),
    ("job_info_unknown_job_id", "app_job_info", "aksk", {"job_id": "999999999999999999"}, ["job_id", "WKS.00211203"]),
    # app_server_hda_upgrade
    ("hda_version_not_latest", "app_server_hda_upgrade", "aksk", dict(FAST, server_ids=[SERVER], version="25.3.0.1001"),
     ["version", "25.3.0.1001", "25.6.0.1010"]),
    ("hda_batch_size_0", "app_server_hda_upgrade", "aksk", dict(FAST, server_group_id=GROUP1, batch_size=0), ["batch_size"]),
    ("hda_batch_size_21", "app_server_hda_upgrade", "aksk", dict(FAST, server_group_id=GROUP1, batch_size=21), ["batch_size"]),
    ("hda_both_targets", "app_server_hda_upgrade", "aksk", dict(FAST, server_ids=[SERVER], server_group_id=GROUP1),
     ["server_ids", "server_group_id"]),
    ("hda_no_target", "app_server_hda_upgrade", "aksk", dict(FAST), ["server_ids", "server_group_id"]),
    ("hda_unknown_server", "app_server_hda_upgrade", "aksk", dict(FAST, server_ids=["no-such-server"]),
     ["server_ids", "no-such-server"]),
    ("hda_negative_wait_timeout", "app_server_hda_upgrade", "aksk", dict(FAST, server_group_id=GROUP1, wait_timeout=-1),
     ["wait_timeout"]),
    # app_server_image
    # (a gold image without image_product_id is no bad input since issue 27: the real service takes it)
    ("image_type_enum", "app_server_image", "aksk", dict(FAST, server_ids=[SERVER], image_id="img-new", image_type="golden"),
     ["image_type"]),
    ("image_os_type_enum", "app_server_image", "aksk",
     dict(FAST, server_ids=[SERVER], image_id="img-new", image_type="private", os_type="Plan9"), ["os_type"]),
    ("image_missing_image_id", "app_server_image", "aksk", dict(FAST, server_ids=[SERVER], image_type="private"),
     ["image_id"]),
    ("image_unknown_group", "app_server_image", "aksk",
     dict(FAST, server_group_id="no-such-group", image_id="img-new", image_type="private"), ["server_group_id", "no-such-group"]),
    ("image_batch_size_21", "app_server_image", "aksk",
     dict(FAST, server_group_id=GROUP1, image_id="img-new", image_type="private", batch_size=21), ["batch_size"]),
    # app_server_tsvi
    ("tsvi_enable_false_against_group", "app_server_tsvi", "aksk", dict(FAST, server_group_id=GROUP1, enable=False),
     ["enable", "ip_virtual.enable is true"]),
    ("tsvi_enable_true_against_group", "app_server_tsvi", "aksk", dict(FAST, server_group_id=GROUP2, enable=True),
     ["enable", "ip_virtual.enable is false"]),
    ("tsvi_empty_server_ids", "app_server_tsvi", "aksk", dict(FAST, server_ids=[]), ["server_ids"]),
    ("tsvi_batch_size_0", "app_server_tsvi", "aksk", dict(FAST, server_group_id=GROUP1, batch_size=0), ["batch_size"]),
    # app_server_group
    ("group_route_policy_string", "app_server_group", "aksk", {"server_group_id": GROUP2, "route_policy": "fast"},
     ["route_policy"]),
    ("group_route_policy_unknown_key", "app_server_group", "aksk",
     {"server_group_id": GROUP2, "route_policy": {"max_sessions": 5}}, ["max_sessions"]),
    ("group_route_policy_out_of_range", "app_server_group", "aksk",
     {"server_group_id": GROUP2, "route_policy": {"cpu_threshold": 101}}, ["route_policy.cpu_threshold", "101"]),
    ("group_route_policy_value_type", "app_server_group", "aksk",
     {"server_group_id": GROUP2, "route_policy": {"mem_threshold": "many"}}, ["mem_threshold"]),
    ("group_storage_mount_enum", "app_server_group", "aksk", {"server_group_id": GROUP2, "storage_mount_policy": "ALL"},
     ["storage_mount_policy"]),
    ("group_disk_size_range", "app_server_group", "aksk", {"server_group_id": GROUP2, "system_disk_size": 2000},
     ["system_disk_size"]),
    ("group_bad_new_name", "app_server_group", "aksk", {"server_group_id": GROUP2, "new_name": "bad name!"}, ["new_name"]),
    ("group_unknown_name", "app_server_group", "aksk", {"name": "no-such-group", "description": "x"},
     ["name", "no-such-group"]),
    ("group_unknown_id", "app_server_group", "aksk", {"server_group_id": "no-such-group-id", "description": "x"},
     ["server_group_id", "no-such-group-id"]),
    ("group_scaling_max_out_of_range", "app_server_group", "aksk",
     {"server_group_id": GROUP2, "scaling_policy": {"max_scaling_amount": 101}},
     ["scaling_policy.max_scaling_amount", "101", "1..100"]),
    ("group_scaling_expansion_out_of_range", "app_server_group", "aksk",
     {"server_group_id": GROUP2, "scaling_policy": {"max_scaling_amount": 50, "single_expansion_count": 11}},
     ["scaling_policy.single_expansion_count", "11", "1..10"]),
    # app_server_fleet
    ("fleet_count_negative", "app_server_fleet", "aksk", dict(FAST, server_group_id=GROUP1, count=-1), ["count", "-1"]),
    ("fleet_no_count", "app_server_fleet", "aksk", dict(FAST, server_group_id=GROUP1), ["count"]),
    ("fleet_server_ids", "app_server_fleet", "aksk", dict(FAST, server_ids=[SERVER], count=1),
     ["server_group_id", "server_group_name"]),
    ("fleet_drain_and_force", "app_server_fleet", "aksk",
     dict(FAST, server_group_id=GROUP1, count=0, force=True, drain=True), ["force", "drain"]),
    ("fleet_drain_message_long", "app_server_fleet", "aksk",
     dict(FAST, server_group_id=GROUP1, count=0, drain=True, drain_message="x" * 256), ["drain_message", "255"]),
    ("fleet_unknown_group", "app_server_fleet", "aksk", dict(FAST, server_group_name="no-such-group", count=1),
     ["server_group_name", "no-such-group"]),
    # connection options and credentials
    ("conn_http_not_loopback", "app_server_info", "aksk", {"endpoint": "http://appstream.example.com"},
     ["endpoint", "http://"]),
    ("conn_unreachable_endpoint", "app_job_info", "aksk",
     {"endpoint": "http://127.0.0.1:{closed_port}", "job_id": "1", "max_retries": 0, "request_timeout": 5},
     ["127.0.0.1:{closed_port}"]),
    ("conn_bad_region", "app_server_info", "aksk", {"region": "Not A Region!"}, ["region"]),
    ("cred_wrong_sk", "app_server_hda_upgrade", "wrong_sk", dict(FAST, server_group_id=GROUP1),
     ["Authentication failed", "APIGW.0301"]),
    ("cred_expired_token", "app_server_image", "expired",
     dict(FAST, server_ids=[SERVER], image_id="img-new", image_type="private"), ["APIGW.0307"]),
    ("cred_bad_token", "app_server_tsvi", "bad_token", dict(FAST, server_group_id=GROUP1), ["APIGW.0301"]),
    ("cred_missing", "app_server_group_info", "none", {}, ["No credentials", "secret_key"]),
    ("cred_missing_mutating", "app_server_hda_upgrade", "none", dict(FAST, server_group_id=GROUP1),
     ["No credentials", "access_key"]),
]

MODULES = sorted(set(case[1] for case in CASES))


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def fill(value, names):
    """Replace the {placeholders} of the table, in nested options too."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return dict((key, fill(item, names)) for key, item in value.items())
    return value


def credentials(sim, auth):
    creds = sim.credentials
    if auth == "aksk":
        return {"access_key": creds["ak"], "secret_key": creds["sk"]}
    if auth == "wrong_sk":
        return {"access_key": creds["ak"], "secret_key": WRONG_SK}
    if auth == "expired":
        return {"auth_token": sim.issue_token(ttl=0)}
    if auth == "bad_token":
        return {"auth_token": "not-a-token-issued-by-iam"}
    return {}


def run_table(workdir):
    """Run every case against a fresh simulator: two playbooks side by side, each half of the table.

    Returns what the tests need, JSON-ready: rc and output per playbook, every registered result,
    the placeholders used, and the mutating requests the simulator saw.
    """
    sim = Simulator(servers=4, groups=2, seed=7, job_duration=0.5).start()
    try:
        group1 = sim.state.group_by_name("sim-group-1")["id"]
        group2 = sim.state.group_by_name("sim-group-2")["id"]
        server = sorted(sim.state.server_ids(group1))[0]
        sim.state.set_hda_version(server, OLD_HDA)
        names = {"group1": group1, "group2": group2, "server": server, "closed_port": closed_port()}
        tasks = []
        for case_id, module, auth, options, _expected in CASES:
            args = credentials(sim, auth)
            args.update(fill(options, names))
            tasks.append({"name": case_id, NS + module: args, "register": case_id, "ignore_errors": True})
        # Connection defaults without credentials: each task brings its own (or none).
        defaults = {"endpoint": sim.url, "iam_endpoint": sim.url, "region": sim.credentials["region"],
                    "project_id": sim.credentials["project_id"]}
        halves = [tasks[0::2], tasks[1::2]]
        runners = []
        for index in range(len(halves)):
            path = workdir / ("half-%d" % index)
            path.mkdir()
            runners.append(PlaybookRunner(path, sim))
        with concurrent.futures.ThreadPoolExecutor(len(halves)) as pool:
            runs = list(pool.map(lambda pair: pair[0].run(pair[1], module_defaults=defaults), zip(runners, halves)))
        results = {}
        for run in runs:
            results.update(run.results)
        return {"rc": [run.rc for run in runs], "output": "\n".join(run.output for run in runs), "results": results,
                "names": names, "mutations": ["%s %s" % (r.method, r.path) for r in sim.log.mutations()],
                "requests": len(sim.log)}
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """The table's outcome, computed once per test session even with several xdist workers.

    The first worker to take the lock runs the playbooks and stores the outcome as JSON;
    the others read it (the pattern the pytest-xdist docs give for run-once fixtures).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this session
    stored = base / "bad-input-table.json"
    with open(str(base / "bad-input-table.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not stored.exists():
                outcome = run_table(tmp_path_factory.mktemp("bad-input"))
                stored.write_text(json.dumps(outcome))
            return json.loads(stored.read_text())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def test_table_covers_every_module():
    assert len(CASES) >= 25
    assert len(set(case[0] for case in CASES)) == len(CASES)
    assert MODULES == sorted(["app_job_info", "app_server_fleet", "app_server_group", "app_server_group_info",
                              "app_server_hda_upgrade", "app_server_image", "app_server_info", "app_server_tsvi"])


def test_playbooks_ran_every_case(table):
    assert table["rc"] == [0, 0], table["output"][-4000:]
    missing = [case[0] for case in CASES if table["results"].get(case[0]) is None]
    assert not missing, table["output"][-4000:]


KNOWN_BUGS = {}  # case id -> reason, for a case that is known to fail (strict xfail)


def case_params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case[0]])] if case[0] in KNOWN_BUGS else []
        yield pytest.param(case[0], case[4], id=case[0], marks=marks)


@pytest.mark.parametrize("case_id,expected", list(case_params()))
def test_case_fails_naming_the_option_or_error(table, case_id, expected):
    result = table["results"].get(case_id)
    assert result is not None, "task %s did not run:\n%s" % (case_id, table["output"][-3000:])
    assert result.get("failed") is True, result
    assert result.get("changed") is not True, result
    msg = result.get("msg", "")
    assert "MODULE FAILURE" not in msg and "Traceback" not in msg, msg
    for text in fill(expected, table["names"]):
        assert text in msg, "%s: %r not in msg %r" % (case_id, text, msg)


def test_no_mutating_request(table):
    assert table["requests"] > 0
    assert table["mutations"] == []
