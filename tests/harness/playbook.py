"""Real ``ansible-playbook`` runs against the simulator: their environment, a one-play runner, task helpers.

Which Ansible runs them: the ``ansible-*`` commands of ``ANSIBLE_BIN`` and, for the modules, its
``python`` (see the ``WORKSPACE_APP_ANSIBLE_BIN`` environment variable in the package docstring).
"""

import json
import os
import re
import subprocess
import sys

from .collection import COLLECTIONS_ROOT

ANSIBLE_BIN_VARIABLE = "WORKSPACE_APP_ANSIBLE_BIN"
GROUP = "group/huaweicloud.workspace_app.workspace_app"
CREDENTIAL_ENV_PREFIXES = ("HUAWEICLOUD_", "HW_")
# harness_save, the filter with which PlaybookRunner's plays save what they registered
FILTER_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "filter_plugins")


def _ansible_bin():
    """(bin directory of the ansible-* commands, Python of the modules, whether another venv was chosen)."""
    configured = os.environ.get(ANSIBLE_BIN_VARIABLE, "").strip()
    if not configured:
        return os.path.dirname(sys.executable), sys.executable, False
    bin_dir = os.path.abspath(os.path.expanduser(configured))
    missing = [name for name in ("ansible-playbook", "python") if not os.path.exists(os.path.join(bin_dir, name))]
    if missing:
        raise RuntimeError("%s=%s: not the bin directory of a virtualenv with ansible-core (no %s there)"
                           % (ANSIBLE_BIN_VARIABLE, configured, " and no ".join(missing)))
    return bin_dir, os.path.join(bin_dir, "python"), True


ANSIBLE_BIN, ANSIBLE_PYTHON, _OTHER_VENV = _ansible_bin()


def ansible_command(name):
    """The path of an Ansible command (``ansible-playbook``, ``ansible-doc``, ...) of ``ANSIBLE_BIN``."""
    return os.path.join(ANSIBLE_BIN, name)


ANSIBLE_PLAYBOOK = ansible_command("ansible-playbook")


def playbook_environment(home, extra=None):
    """The environment of an ``ansible-playbook`` run against the simulator: this checkout's collection, the
    modules on ``ANSIBLE_PYTHON``, no credentials or Ansible settings of the developer's (``home`` is a throwaway
    HOME)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(CREDENTIAL_ENV_PREFIXES + ("ANSIBLE_",)))
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT,
        "ANSIBLE_PYTHON_INTERPRETER": ANSIBLE_PYTHON,
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_HOME": os.path.join(home, "ansible-home"),
        # async jobs: an absolute path, because the module side and async_status would expand ~ differently
        "ANSIBLE_ASYNC_DIR": os.path.join(home, "ansible-async"),
        "HOME": home,  # no ~/.huaweicloud/credentials of the developer's
        # what the tasks of a run share on the controller (pace, project id, latest versions): this test's alone
        "WORKSPACE_APP_SHARED_STATE_DIR": os.path.join(home, "shared-state"),
    })
    if _OTHER_VENV:  # whatever the run starts finds that venv's commands first
        env["PATH"] = ANSIBLE_BIN + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def connection_defaults(sim, auth="aksk"):
    """The ``module_defaults`` that point the collection's modules at ``sim`` (``auth``: aksk, token, or none)."""
    creds = sim.credentials
    defaults = {"endpoint": sim.url, "iam_endpoint": sim.url, "region": creds["region"]}
    if auth == "aksk":
        defaults.update(access_key=creds["ak"], secret_key=creds["sk"], project_id=creds["project_id"])
    elif auth == "token":
        defaults.update(auth_token=creds["auth_token"], project_id=creds["project_id"])
    return defaults


def registered_names(tasks):
    """The variables ``tasks`` register, in blocks (``block``/``rescue``/``always``) too."""
    names = []
    for task in tasks:
        if "register" in task:
            names.append(task["register"])
        for section in ("block", "rescue", "always"):
            names.extend(registered_names(task.get(section) or []))
    return names


class PlaybookRun:
    """What one ``ansible-playbook`` run printed and the variables its tasks registered."""

    def __init__(self, process, results):
        self.rc = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def __getitem__(self, name):
        return self.results[name]


class PlaybookRunner:
    """Writes a one-play playbook of the given tasks and runs it on localhost.

    Every variable a task registers is written to a JSON file at the end of the
    play (even when a task failed), so tests assert on the real module results.
    """

    def __init__(self, tmp_path, sim):
        self.tmp_path = tmp_path
        self.sim = sim
        self.runs = 0

    def connection_defaults(self, auth="aksk"):
        return connection_defaults(self.sim, auth)

    def environment(self, extra=None):
        """The run's environment; the harness's filter (``harness_save``) is found by every run it makes."""
        env = {"ANSIBLE_FILTER_PLUGINS": FILTER_PLUGINS}
        env.update(extra or {})
        return playbook_environment(str(self.tmp_path), env)

    def run(self, tasks, module_defaults=None, auth="aksk", env=None, check=False, diff=False, verbosity=0,
            extra_args=(), timeout=300):
        cmd, environment, results_file = self.prepare(tasks, module_defaults, auth, env, check, diff, verbosity,
                                                      extra_args)
        process = subprocess.run(cmd, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
        return PlaybookRun(process, self.results(results_file))

    @staticmethod
    def results(results_file):
        return json.loads(results_file.read_text()) if results_file.exists() else {}

    def prepare(self, tasks, module_defaults=None, auth="aksk", env=None, check=False, diff=False, verbosity=0,
                extra_args=()):
        """Write the playbook; returns the command, its environment and the file the results go to."""
        self.runs += 1
        registered = registered_names(tasks)
        results_file = self.tmp_path / ("results-%d.json" % self.runs)
        dump = "(%s | to_json)" % ("{" + ", ".join("'%s': (%s | default(None))" % (n, n) for n in registered) + "}")
        defaults = self.connection_defaults(auth) if module_defaults is None else module_defaults
        play = {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "module_defaults": {GROUP: defaults} if defaults else {},
            "tasks": [{
                "block": tasks,
                # a debug task whose message writes the file (tests/harness/filter_plugins): no module run
                "always": [{"name": "save results",
                            "ansible.builtin.debug": {"msg": "{{ %s | harness_save(%s) }}"
                                                             % (dump, json.dumps(str(results_file)))},
                            "check_mode": False, "diff": False}],
            }],
        }
        playbook = self.tmp_path / ("play-%d.yml" % self.runs)
        playbook.write_text(json.dumps([play], indent=1))
        cmd = [ANSIBLE_PLAYBOOK, "-i", "localhost,", str(playbook)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        cmd.extend(extra_args)
        return cmd, self.environment(env), results_file


def module_task(module, register, defaults=None, name=None, **options):
    """One playbook task: ``module`` with ``defaults`` overridden by ``options``, registered as ``register``."""
    args = dict(defaults or {})
    args.update(options)
    return {"name": name or register, module: args, "register": register}


def finish_jobs_when_polled(sim, mutations=0, planning_reads=0):
    """Move the simulator clock past every job's end at a waiting module's first polling read.

    A polling read is a server list or job detail request (whichever the waiter chose) that
    comes once the log holds ``mutations`` mutating requests and after ``planning_reads`` such
    reads (the ones the module makes while planning). Jobs started with a long duration thus
    stay running while the module plans, then all end at once: deterministic however slow the
    machine is.
    """
    reads = []

    def hook(simulator, body):
        if len(reads) > planning_reads or len(simulator.log.mutations()) < mutations:
            return
        reads.append(1)
        if len(reads) > planning_reads:
            simulator.state.fast_forward(simulator.state.job_duration + 1)

    sim.before("list_servers", hook, once=False)
    sim.before("show_job_detail", hook, once=False)


class Scenario:
    """One independent scenario of a shared run: its own simulator and tasks, as one block of the play.

    Several scenarios run in ONE ``ansible-playbook`` (``run_scenarios``) instead of one each: every start of
    ``ansible-playbook`` costs about a second of CPU. The block carries the scenario's ``module_defaults``
    (its simulator), ``check_mode`` and ``diff`` (what ``--check``/``--diff`` would do for a run of its own);
    what the tasks register is kept under the scenario's name. A task that fails ends the scenario's block
    (the tasks after it are skipped, as the rest of a run of its own would be) and the next scenario goes on.
    After the run, the scenario reads like a ``PlaybookRun``: ``scenario["up"]``, ``scenario.rc`` (2 when a
    task failed without ``ignore_errors``, as the run of its own would have returned), ``scenario.stdout`` (what
    the run printed from the block's first task, a marker, to the next scenario's: its own tasks' output),
    ``scenario.output`` (that and the shared run's stderr).
    """

    def __init__(self, name, sim, tasks, check=False, diff=False, auth="aksk", module_defaults=None, **context):
        self.name = name
        self.sim = sim
        self.tasks = tasks
        self.check = check
        self.diff = diff
        self.auth = auth
        # as PlaybookRunner.run's: None for connection_defaults(sim, auth), {} for none at all
        self.module_defaults = module_defaults
        self.context = context  # whatever the scenario's test needs besides the simulator (ids, ...)
        self.run = None

    def of(self, *keys):
        """``(sim, context[key], ...)``: what a test of the scenario works on (``run.of("group_id", "ids")``)."""
        return (self.sim,) + tuple(self.context[key] for key in keys)

    def prefix(self, name):
        return "%s__%s" % (self.name, name)

    @property
    def marker(self):
        return "scenario %s starts" % self.name

    def block(self):
        tasks = [dict(task, register=self.prefix(task["register"])) if "register" in task else dict(task)
                 for task in self.tasks]
        tasks.insert(0, {"name": self.marker, "ansible.builtin.debug": {"msg": self.marker}})
        defaults = connection_defaults(self.sim, self.auth) if self.module_defaults is None else self.module_defaults
        return {"name": "scenario %s" % self.name, "block": tasks,
                "rescue": [{"name": "scenario %s failed" % self.name, "ansible.builtin.debug": {"msg": "failed"},
                            "register": self.prefix("_failed")}],
                "module_defaults": {GROUP: defaults} if defaults else {},
                "check_mode": self.check, "diff": self.diff}

    @property
    def rc(self):
        return 2 if self.run.results.get(self.prefix("_failed")) is not None else 0

    @property
    def stdout(self):
        text = self.run.stdout
        start = text.index("TASK [%s]" % self.marker)
        ends = [text.find("TASK [%s]" % other.marker, start + 1) for other in self.run.scenarios]
        ends = [end for end in ends if end > start]
        return text[start:min(ends)] if ends else text[start:]

    @property
    def output(self):
        return self.stdout + self.run.stderr

    @property
    def shared_output(self):
        """The whole shared run's output (what a check that something never appears should look at)."""
        return self.run.output

    @property
    def results(self):
        start = len(self.name) + 2
        return dict((key[start:], value) for key, value in self.run.results.items()
                    if key.startswith(self.name + "__") and key != self.prefix("_failed"))

    def __getitem__(self, name):
        return self.run.results[self.prefix(name)]


def run_scenarios(tmp_path, scenarios, env=None, verbosity=0):
    """Run ``scenarios`` (independent, each against its own simulator) in one ``ansible-playbook``; returns them
    by name, each with its results (``Scenario``). The run may take as long as the runs of their own could (300 s
    each)."""
    assert len(set(s.name for s in scenarios)) == len(scenarios), "scenario names must be unique"
    runner = PlaybookRunner(tmp_path, scenarios[0].sim)
    run = runner.run([scenario.block() for scenario in scenarios], module_defaults={}, env=env, verbosity=verbosity,
                     timeout=300 * len(scenarios))
    run.scenarios = scenarios
    for scenario in scenarios:
        scenario.run = run
    return dict((scenario.name, scenario) for scenario in scenarios)


class SharedScenarios:
    """A module's scenarios, run when a test first asks for one: that one and every later one not run yet, in one
    ``ansible-playbook`` (``run_scenarios``); ``shared[name]`` is then the ``Scenario``.

    Tests run in the order of the module, so the module's first test runs them all at once. Under pytest-xdist a
    worker that is handed only the module's tail (work stealing takes a worker's last tests) runs the scenarios
    from its first test on, not the module's whole set again. ``build()`` makes the scenarios (a list, in the order
    of their tests; an item may be a list of scenarios) when the first is asked for; ``make_dir()`` gives a new
    directory per run; ``run_options`` go to ``run_scenarios`` (``env``, ``verbosity``).
    """

    def __init__(self, make_dir, build, **run_options):
        self.make_dir = make_dir
        self.build = build
        self.run_options = run_options
        self.scenarios = None
        self.done = set()

    def __getitem__(self, name):
        if self.scenarios is None:
            self.scenarios = []
            for made in self.build():
                self.scenarios.extend(made if isinstance(made, list) else [made])
        names = [scenario.name for scenario in self.scenarios]
        if name not in self.done:
            batch = [s for s in self.scenarios[names.index(name):] if s.name not in self.done]
            run_scenarios(self.make_dir(), batch, **self.run_options)
            self.done.update(s.name for s in batch)
        return self.scenarios[names.index(name)]


class ScenarioSet(list):
    """The scenarios of one test module, in the order of its tests, and the module-scoped fixture that runs them
    (:class:`SharedScenarios`). A module declares them once::

        scenario = ScenarioSet("power")      # the runs' directory name; run_options go to run_scenarios

        @scenario
        def stop_a_group(module_simulator):  # a setup: the fixtures named by ``uses``, in order -> a Scenario
            return Scenario("stop", module_simulator(servers=4), [...], group_id=...)

        shared = scenario.fixture()          # the module's ``shared`` fixture: shared["stop"] is the Scenario run

    ``uses`` names the fixtures a setup takes (module- or session-scoped: ``module_simulator`` by default).
    """

    def __init__(self, name, uses=("module_simulator",), **run_options):
        super(ScenarioSet, self).__init__()
        self.name = name
        self.uses = tuple(uses)
        self.run_options = run_options

    def __call__(self, setup):
        self.append(setup)
        return setup

    def fixture(self):
        import pytest  # only the test suites use this; the tools importing the harness need no pytest

        @pytest.fixture(scope="module")
        def shared(request, tmp_path_factory):
            arguments = [request.getfixturevalue(name) for name in self.uses]
            return SharedScenarios(lambda: tmp_path_factory.mktemp(self.name),
                                   lambda: [setup(*arguments) for setup in self], **self.run_options)

        return shared


PLAY_RECAP = re.compile(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


class PlaybookResult:
    """What a run of one of the collection's ready-to-use playbooks (``playbooks/<name>.yml``) returned and printed:
    ``rc``, ``output`` (stdout and stderr), the recap's ``ok``/``changed``/``unreachable``/``failed``."""

    def __init__(self, process):
        self.rc = process.returncode
        self.output = process.stdout + process.stderr
        recap = PLAY_RECAP.search(process.stdout)
        self.ok, self.changed, self.unreachable, self.failed = (int(n) for n in recap.groups()) if recap else (None,) * 4

    def debug_lines(self, task_name):
        """The list a debug task printed as ``msg`` (the table playbooks print their rows that way)."""
        block = self.output.split("TASK [%s]" % task_name, 1)[1].split("TASK [", 1)[0].split("PLAY RECAP", 1)[0]
        return json.loads(block[block.index("=> {") + 3:block.rindex("}") + 1])["msg"]
