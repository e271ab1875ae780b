"""The test harness: this checkout as the collection, and real ``ansible-playbook`` runs against the simulator.

One importable package for the pytest suites (their conftests hold only fixtures) and for the tools outside
pytest (``tools/bench/run.py``, ``tools/soak/run.py``). Importing it makes the link tree
``.collections/ansible_collections/huaweicloud/workspace_app`` -> repository root (once) and puts that tree
and the repository root on ``sys.path``, so ``ansible_collections.huaweicloud.workspace_app`` and
``simulator`` import. A script run by its path puts the repository root on ``sys.path`` first::

    sys.path.insert(0, REPO_ROOT)
    from tests.harness import PlaybookRunner, playbook_environment
    from simulator import Simulator

Names:

* ``REPO_ROOT``, ``COLLECTIONS_ROOT`` (the value of ``ANSIBLE_COLLECTIONS_PATH`` for playbook runs);
  ``load_script(name)``: ``scripts/<name>.py`` as a module;
* ``playbook_environment(home, extra=None)``: the environment of a playbook run (no credentials or Ansible
  settings of the developer's);
* ``PlaybookRunner(tmp_path, sim)`` / ``PlaybookRun``: a one-play playbook of given tasks on localhost, and
  what it printed and registered (saved by a ``debug`` task through the harness's ``harness_save`` filter,
  ``filter_plugins/``, on every run's ``ANSIBLE_FILTER_PLUGINS``: no module run); ``module_task(...)`` builds
  one task; ``GROUP`` is the action group of ``module_defaults``; ``connection_defaults(sim)`` points them at a
  simulator;
* ``Scenario(name, sim, tasks, ...)`` and ``run_scenarios(tmp_path, scenarios)``: independent scenarios, each
  against its own simulator, as blocks of ONE ``ansible-playbook`` run (a start costs about a second of CPU);
  each scenario then reads like a ``PlaybookRun`` (``scenario.of(keys)``: its simulator and context values);
  ``ScenarioSet(name)`` registers a test module's scenarios and makes its module-scoped ``shared`` fixture, a
  ``SharedScenarios``, which runs a module's scenarios when its tests
  first ask for them (a module-scoped fixture's value);
* ``finish_jobs_when_polled(sim, ...)``: end every job at a waiting module's first polling read;
* ``PlaybookResult``: a run of one of ``playbooks/`` (the integration tests' ``play`` fixture runs them);
* ``InventoryRunner(tmp_path, sim)`` / ``InventoryRun``: ``*.app_servers.yml`` configurations of the inventory
  plugin and real ``ansible-inventory`` / ``ansible-playbook -i`` runs on them; ``service_requests(sim)``: the
  requests the simulator got, its control calls left out;
* ``ANSIBLE_BIN``, ``ANSIBLE_PYTHON``, ``ANSIBLE_PLAYBOOK``, ``ansible_command(name)``: which Ansible runs;
* ``CREDENTIAL_ENV_PREFIXES``: the environment variables a run never inherits (with ``ANSIBLE_*``).

Environment:

``WORKSPACE_APP_ANSIBLE_BIN``
    The bin directory of another virtualenv (with ansible-core and the collection's ``requirements.txt``),
    e.g. ``/tmp/ansible-2.16/bin``: ``ansible-playbook`` and every other ``ansible-*`` command the harness
    names (``ansible_command()``) come from there, ``ANSIBLE_PYTHON_INTERPRETER`` of the runs is that venv's
    ``python``, and that directory comes first on the runs' ``PATH``. This is how the suites run on each
    ansible-core version the collection supports. Pytest, the simulator and the tests themselves stay on
    the current interpreter. Unset or empty: the bin directory of the current interpreter
    (``sys.executable``) and that interpreter. A directory without ``ansible-playbook`` and ``python`` is an
    error at import.
"""

from .collection import COLLECTIONS_ROOT, REPO_ROOT, load_script
from .playbook import (ANSIBLE_BIN, ANSIBLE_BIN_VARIABLE, ANSIBLE_PLAYBOOK, ANSIBLE_PYTHON, CREDENTIAL_ENV_PREFIXES,
                       GROUP, PlaybookResult, PlaybookRun, PlaybookRunner, Scenario, ScenarioSet, SharedScenarios, ansible_command,
                       connection_defaults, finish_jobs_when_polled, module_task, playbook_environment, run_scenarios)
from .inventory import InventoryRun, InventoryRunner, service_requests

__all__ = ["ANSIBLE_BIN", "ANSIBLE_BIN_VARIABLE", "ANSIBLE_PLAYBOOK", "ANSIBLE_PYTHON", "COLLECTIONS_ROOT",
           "CREDENTIAL_ENV_PREFIXES", "GROUP", "PlaybookRun", "PlaybookRunner", "REPO_ROOT", "ansible_command",
           "finish_jobs_when_polled", "module_task", "playbook_environment", "PlaybookResult", "Scenario",
           "ScenarioSet", "SharedScenarios",
           "connection_defaults",
           "run_scenarios", "InventoryRun", "InventoryRunner",
           "service_requests", "load_script"]
