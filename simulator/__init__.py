"""A stateful HTTP simulator of the Huawei Cloud Workspace Application Streaming (AppStream) API.

Usage::

    from simulator import Simulator

    with Simulator(servers=10, job_duration=0.5) as sim:
        sim.url, sim.credentials, sim.state, sim.log, sim.faults

As a process: ``python -m simulator --help`` (from the repository root).
See README.md beside this file for the endpoints, the Python API and the guesses made.
"""

from .errors import ApiError
from .faults import FaultInjector, RateLimiter
from .log import RequestLog, RequestRecord
from .server import Simulator
from .state import Clock, FleetState

__all__ = ["ApiError", "Clock", "FaultInjector", "FleetState", "RateLimiter", "RequestLog", "RequestRecord",
           "Simulator"]
