"""What "now" is: the wall clock, or a simulated clock running faster from a chosen moment.

KPIs say "overdue", "in the last 12 months", "due in 30 days" relative to now. In production
now is the wall clock. The synthetic AMO's live simulator runs on a simulated clock (one
simulated day per real minute in the demo, or stepped as fast as it can in tests) and stamps
every record and event with it; a warehouse given the same clock reads the AMO as of that
simulated moment, so durations and "overdue" mean what they say.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """The wall clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock(Clock):
    """Simulated time: starts at ``start`` and runs ``speed`` times faster than the wall clock
    (``speed=1440``: a day per minute; ``speed=0``: stands still until :meth:`advance`).

    Thread-safe: the simulator advances it while the dashboards read it.
    """

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock starts at an aware datetime (UTC)")
        if speed < 0:
            raise ValueError(f"a clock cannot run backwards (speed {speed})")
        self.speed = speed
        self._lock = threading.Lock()
        self._base = start
        self._since = time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._since) * self.speed)

    def advance(self, by: timedelta) -> datetime:
        """Move simulated time on by ``by`` at once (a stepped simulation); returns the new now."""
        with self._lock:
            self._base += by
            return self._base + timedelta(seconds=(time.monotonic() - self._since) * self.speed)


WALL_CLOCK = Clock()
