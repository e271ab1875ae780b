"""Fixtures of the plan-level module tests (``test_plan_*.py``): a recorded service over real HTTP and a module
runner (``tests/harness/recorded.py``). The existing tests of this directory use none of them."""

import pytest

from tests.harness.recorded import RecordedService, isolate, run_module


@pytest.fixture
def service(httpserver, monkeypatch, tmp_path):
    """A :class:`~tests.harness.recorded.RecordedService` on ``httpserver``, in an isolated environment; after the
    test, no request may have hit an unscripted mutation unless the test expected one (``unscripted_expected``)."""
    isolate(monkeypatch, tmp_path / "home")
    recorded = RecordedService(httpserver)
    yield recorded
    httpserver.check_handler_errors()  # an exception in the recorded service itself fails the test
    httpserver.clear()
    if not recorded.unscripted_expected:
        assert recorded.unscripted == [], "mutations the test did not script: %r" % (recorded.unscripted,)


@pytest.fixture
def run(service, capsys):
    """``run(module, check=False, diff=False, **args)`` -> the module's result dict (connection options added)."""

    def runner(module, check=False, diff=False, **args):
        values = dict(service.connection)
        values.update(args)
        return run_module(module, values, capsys, check=check, diff=diff)

    return runner
