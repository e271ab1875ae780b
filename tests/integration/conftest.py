"""Fixtures of the integration tests: real ``ansible-playbook`` runs against the simulator over HTTP.

The runner and the environment of those runs are in ``tests.harness``.
"""

import functools
import json
import os
import resource
import subprocess

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client, connection
from tests.harness import ANSIBLE_PLAYBOOK, REPO_ROOT, PlaybookResult, PlaybookRunner

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")


@pytest.fixture
def make_simulator(make_simulator):
    """The shared factory with fast jobs and a fixed seed unless a test says otherwise."""
    return functools.partial(make_simulator, seed=7, job_duration=0.5)


@pytest.fixture(scope="module")
def module_simulator():
    """Factory of simulators that live as long as the test module (for a module-scoped shared run of
    ``Scenario``s, tests.harness): the defaults of ``make_simulator``."""
    from simulator import Simulator

    started = []

    def factory(**kwargs):
        options = dict(seed=7, job_duration=0.5)
        options.update(kwargs)
        sim = Simulator(**options).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def runner_for(tmp_path):
    return lambda sim: PlaybookRunner(tmp_path, sim)


@pytest.fixture(scope="session")
def api_client_for():
    """Our own client (not a module under test), to prepare state over HTTP like another operator would."""
    def factory(sim):
        creds = sim.credentials
        settings = connection.resolve_connection({"endpoint": sim.url, "region": creds["region"],
                                                  "access_key": creds["ak"], "secret_key": creds["sk"],
                                                  "project_id": creds["project_id"]}, environ={})
        return client.Client(settings)
    return factory


# The longest tests (tens of seconds each, mostly waiting) start first, so that no worker is left running one of
# them alone at the end of the run (pytest-xdist's work stealing rebalances the rest).
SLOW_FIRST = ("test_soak.py", "test_golden_image.py", "test_outages.py", "test_smoke.py", "test_docs_site.py",
              "test_crashes.py")


# WORKSPACE_APP_TEST_CPU=<file>: each test's CPU seconds (this process, with the in-process simulators, plus the
# ansible-playbook processes it waited for) are appended to <file>.<worker> as "seconds<TAB>test id" lines, so that
# the cost of the suite can be read per test (scripts/test_cpu.py sums and sorts them). Off by default.
CPU_FILE = os.environ.get("WORKSPACE_APP_TEST_CPU")


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.fixture(autouse=True)
def account_cpu(request):
    if not CPU_FILE:
        yield
        return
    started = cpu_seconds()
    yield
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open("%s.%s" % (CPU_FILE, worker), "a", encoding="utf-8") as handle:
        handle.write("%.2f\t%s\n" % (cpu_seconds() - started, request.node.nodeid))


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)
    items.sort(key=rank)


@pytest.fixture
def play(runner_for):
    """play(sim, name, check=False, diff=False, without_env=(), **extra_vars) runs playbooks/<name>.yml.

    The connection comes from environment variables, as with_simulator.py (and an AWX credential) sets them,
    less the variables named in ``without_env``. ``play.command(...)`` (same arguments) gives the command and its
    environment without running it (for a run killed midway: tests/harness/processes.py)."""
    def command(sim, name, check=False, diff=False, without_env=(), **extra_vars):
        runner = runner_for(sim)
        creds = sim.credentials
        connection = {
            "HW_WORKSPACE_APP_ENDPOINT": sim.url,
            "HUAWEICLOUD_SDK_IAM_ENDPOINT": sim.url,
            "HUAWEICLOUD_SDK_AK": creds["ak"],
            "HUAWEICLOUD_SDK_SK": creds["sk"],
            "HUAWEICLOUD_SDK_PROJECT_ID": creds["project_id"],
            "HUAWEICLOUD_SDK_REGION": creds["region"],
        }
        env = runner.environment(dict((key, value) for key, value in connection.items() if key not in without_env))
        cmd = [ANSIBLE_PLAYBOOK, "-i", "localhost,", os.path.join(PLAYBOOKS, name + ".yml"),
               "-e", json.dumps(extra_vars)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        return cmd, env

    def run(sim, name, check=False, diff=False, without_env=(), **extra_vars):
        cmd, env = command(sim, name, check=check, diff=diff, without_env=without_env, **extra_vars)
        process = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False, cwd=REPO_ROOT)
        result = PlaybookResult(process)
        assert sim.credentials["sk"] not in result.output
        return result
    run.command = command
    return run
