"""Shared pytest set-up.

The collection's Python code lives under the import path
``ansible_collections.huaweicloud.workspace_app``. The repository itself is not
laid out that way, so a tree ``.collections/ansible_collections/huaweicloud/
workspace_app`` whose last element links back to the repository root is made
(once) and put first on ``sys.path``. The same directory is what integration
tests hand to ``ansible-playbook`` through ``ANSIBLE_COLLECTIONS_PATH``.
"""

import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".collections")


def _ensure_collection_link():
    namespace_dir = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "huaweicloud")
    link = os.path.join(namespace_dir, "workspace_app")
    os.makedirs(namespace_dir, exist_ok=True)
    if not os.path.lexists(link):
        try:
            os.symlink(os.path.relpath(REPO_ROOT, namespace_dir), link)
        except FileExistsError:  # another xdist worker won the race
            pass


_ensure_collection_link()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


@pytest.fixture
def simulator():
    """A running simulator with a small default fleet, stopped after the test."""
    from tests.simulator import Simulator

    sim = Simulator(servers=6, seed=1, job_duration=0.5)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def make_simulator():
    """Factory: ``make_simulator(**Simulator kwargs)`` -> a started simulator, stopped after the test."""
    from tests.simulator import Simulator

    started = []

    def factory(**kwargs):
        sim = Simulator(**kwargs).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()
