"""Time for the live game: the wall clock read once, then advanced monotonically.

`system_wall_ms` is the one reading of the system clock (Unix milliseconds) that
the shell, the pusher and the CLI use; `TimeSource` turns it into the game's time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import trio


def system_wall_ms() -> int:
    return time.time_ns() // 1_000_000


class TimeSource:
    """Wall-clock milliseconds, advanced by trio's monotonic clock.

    The wall clock is read once, at start; after that time only moves with the
    monotonic clock, so a jump of the system clock never moves a running game clock,
    and the stamps given to events are exactly the instants the live clock used.
    """

    def __init__(self, wall_ms: Callable[[], int] = system_wall_ms, not_before: int = 0) -> None:
        self._base_wall = max(wall_ms(), not_before)
        self._base_mono = trio.current_time()

    def now(self) -> int:
        return self._base_wall + round((trio.current_time() - self._base_mono) * 1000)

    def deadline_for(self, wall: int) -> float:
        """The trio time at which `now()` reaches `wall` (a hair after, never before)."""
        return self._base_mono + (wall - self._base_wall + 0.5) / 1000
