"""What the module processes of one run share on the controller (``module_utils/shared_state.py``), through real
``ansible-playbook`` runs against the simulator: the request throttle (many hosts, one module task each, against
a rate-limited service) and the project-id cache (tasks without ``project_id`` ask IAM once).

Every run points ``WORKSPACE_APP_SHARED_STATE_DIR`` at the test's own directory, so parallel tests never share a
bucket or a cache entry.
"""

import collections
import json
import os
import re
import subprocess

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import shared_state
from tests.harness import ANSIBLE_PLAYBOOK, GROUP, PlaybookRunner

FQCN = "huaweicloud.workspace_app."
RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)\s+"
                   r"failed=(?P<failed>\d+)", re.M)


@pytest.fixture
def state_dir(tmp_path):
    return str(tmp_path / "shared-state")


def run_on_hosts(tmp_path, sim, hosts, forks, env):
    """One play on ``hosts`` (name -> server id), all on the controller: each reads its one server with
    ``app_server_info``. Returns (the process, {host: recap counts}, {host: registered result})."""
    runner = PlaybookRunner(tmp_path, sim)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("".join("%s server_id=%s\n" % (host, server_id) for host, server_id in sorted(hosts.items())))
    results = tmp_path / "results"
    results.mkdir()
    play = {
        "hosts": "all",
        "connection": "local",
        "gather_facts": False,
        "module_defaults": {GROUP: runner.connection_defaults()},
        "tasks": [
            {"name": "read my server", FQCN + "app_server_info": {"server_ids": ["{{ server_id }}"]},
             "register": "info"},
            # the harness's filter writes the file on the controller (no module run per host)
            {"name": "save", "ansible.builtin.debug": {
                "msg": "{{ info | to_json | harness_save('%s/' ~ inventory_hostname ~ '.json') }}" % results}},
        ],
    }
    playbook = tmp_path / "hosts-play.yml"
    playbook.write_text(json.dumps([play], indent=1))
    process = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory), "-f", str(forks), str(playbook)],
                             env=runner.environment(env), capture_output=True, text=True, timeout=300, check=False)
    recap = dict((m.group("host"), dict(ok=int(m.group("ok")), failed=int(m.group("failed")),
                                        unreachable=int(m.group("unreachable"))))
                 for m in RECAP.finditer(process.stdout))
    registered = dict((name[:-len(".json")], json.loads((results / name).read_text()))
                      for name in os.listdir(str(results)))
    return process, recap, registered


def test_hosts_of_one_run_pace_themselves_to_a_rate_limited_service(make_simulator, tmp_path, state_dir):
    """10 hosts, forks 10, one read each, against a service allowing 3 requests/s: every host ok, and the shared
    throttle keeps the 429s to at most one per host (without it, the ten first attempts arrive together and
    each retry wave meets the limit again)."""
    sim = make_simulator(servers=10, groups=1, rate_limit=3)
    server_ids = sorted(sim.state.servers)
    hosts = dict(("host-%02d" % n, server_id) for n, server_id in enumerate(server_ids))
    process, recap, registered = run_on_hosts(tmp_path, sim, hosts, forks=10,
                                              env={shared_state.STATE_DIR_VARIABLE: state_dir})
    output = process.stdout + process.stderr
    assert process.returncode == 0, output
    assert sorted(recap) == sorted(hosts), output
    assert all(counts == dict(ok=2, failed=0, unreachable=0) for counts in recap.values()), recap
    for host, server_id in hosts.items():
        assert [server["id"] for server in registered[host]["servers"]] == [server_id]

    api_requests = [record for record in sim.log if record.operation != "keystone_list_projects"]
    throttled = [record for record in api_requests if record.status == 429]
    # which host a request was for: the one server id it names (its path or its query)
    per_host = collections.Counter(
        next(host for host, server_id in hosts.items() if server_id in record.path + json.dumps(record.query))
        for record in throttled)
    assert all(count <= 1 for count in per_host.values()), per_host
    assert len(throttled) <= len(hosts), throttled
    assert all(record.fault == "rate_limit" for record in throttled)
    assert len([record for record in api_requests if record.status == 200]) >= len(hosts)
    (bucket_file, ) = [name for name in os.listdir(state_dir) if name.startswith("throttle-")]
    with open(os.path.join(state_dir, bucket_file)) as handle:
        bucket = json.load(handle)
    if throttled:
        assert bucket["decreased"] is not None and bucket["rate"] < shared_state.START_RATE * 2


def test_tasks_without_project_id_ask_iam_once(make_simulator, tmp_path, state_dir):
    sim = make_simulator(servers=4, groups=1)
    runner = PlaybookRunner(tmp_path, sim)
    defaults = runner.connection_defaults()
    del defaults["project_id"]
    env = {shared_state.STATE_DIR_VARIABLE: state_dir}
    run = runner.run([
        {FQCN + "app_server_info": {}, "register": "first"},
        {FQCN + "app_server_group_info": {}, "register": "second"},
    ], module_defaults=defaults, env=env)
    assert run.rc == 0, run.output
    assert len(run["first"]["servers"]) == 4 and len(run["second"]["server_groups"]) == 1
    projects = sim.log.requests(operation="keystone_list_projects")
    assert len(projects) == 1, projects
    # a second run of the same play within the hour: IAM is not asked again
    run = runner.run([{FQCN + "app_server_info": {}, "register": "third"}], module_defaults=defaults, env=env)
    assert run.rc == 0, run.output
    assert len(sim.log.requests(operation="keystone_list_projects")) == 1
    # the cache holds the project id and a time, nothing else (no credential)
    (entry, ) = [name for name in os.listdir(state_dir) if name.startswith("project-")]
    with open(os.path.join(state_dir, entry)) as handle:
        content = handle.read()
    assert sorted(json.loads(content)) == ["project_id", "time"]
    assert json.loads(content)["project_id"] == sim.credentials["project_id"]
    for secret in (sim.credentials["ak"], sim.credentials["sk"]):
        assert secret not in content


def test_a_wrong_cached_project_id_fails_one_task_then_is_looked_up_again(make_simulator, tmp_path, state_dir):
    sim = make_simulator(servers=2, groups=1)
    runner = PlaybookRunner(tmp_path, sim)
    defaults = runner.connection_defaults()
    del defaults["project_id"]
    env = {shared_state.STATE_DIR_VARIABLE: state_dir}
    # an entry such as another account's run could have left under this key (a project of another account)
    creds = sim.credentials
    key = shared_state.project_key(sim.url, creds["region"], shared_state.credential_id({"access_key": creds["ak"]}))
    cache = shared_state.SharedState.open(state_dir)
    assert cache.remember_project_id(key, "0123456789abcdef0123456789abcdef")
    run = runner.run([
        {FQCN + "app_server_info": {}, "register": "doubted", "ignore_errors": True},
        {FQCN + "app_server_info": {}, "register": "looked_up"},
    ], module_defaults=defaults, env=env)
    assert run.rc == 0, run.output
    assert run["doubted"]["failed"] is True
    assert len(run["looked_up"]["servers"]) == 2
    assert len(sim.log.requests(operation="keystone_list_projects")) == 1
    assert cache.cached_project_id(key) == creds["project_id"]
