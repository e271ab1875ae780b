"""The simulator's clock: monotonic time plus a test-controlled offset, and the service's timestamp style."""

import datetime
import time


class Clock:
    """Monotonic time plus a test-controlled offset, and the matching wall-clock strings."""

    def __init__(self):
        self._offset = 0.0
        self._mono0 = time.monotonic()
        self._wall0 = time.time()

    def monotonic(self):
        """Seconds on the simulator's monotonic clock (real time + fast-forward offset)."""
        return time.monotonic() + self._offset

    def wall(self, mono=None):
        """Epoch seconds for a simulator monotonic instant (default: now)."""
        return self._wall0 + ((self.monotonic() if mono is None else mono) - self._mono0)

    def iso(self, mono=None):
        """``2024-05-09T10:28:38.755Z``, the timestamp style of the service."""
        return iso_time(self.wall(mono))

    def advance(self, seconds):
        """Jump the simulator's clock forward (jobs and token expiry follow)."""
        self._offset += float(seconds)


def iso_time(epoch):
    """UTC ISO 8601 with milliseconds and ``Z``."""
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)
