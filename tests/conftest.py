"""Shared pytest fixtures.

``tests.harness`` (imported first) makes the collection importable as
``ansible_collections.huaweicloud.workspace_app``; pytest.ini puts the
repository root on ``sys.path`` so that ``tests.harness`` and ``simulator``
import.
"""

import pytest

# Puts the collection on sys.path.
import tests.harness  # noqa: F401  pylint: disable=unused-import


@pytest.fixture
def simulator():
    """A running simulator with a small default fleet, stopped after the test."""
    from simulator import Simulator

    sim = Simulator(servers=6, seed=1, job_duration=0.5)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def make_simulator():
    """Factory: ``make_simulator(**Simulator kwargs)`` -> a started simulator, stopped after the test."""
    from simulator import Simulator

    started = []

    def factory(**kwargs):
        sim = Simulator(**kwargs).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()
