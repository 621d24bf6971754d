"""What the console says about recorded events: one line each, the expiry always.

An operator watching the terminal sees every change as it is stored, and "time up"
at the instant of zero. A group commit of many events (a script sending hundreds of
commands a second) is summed up in one line instead.
"""

from __future__ import annotations

import logging
from collections import Counter

from score.core import wire
from score.core.events import ClockExpired, StoredEvent, to_payload

log = logging.getLogger("score.game")

LINES_PER_COMMIT = 4
"""Console lines a commit may take, one per event; a larger group commit (a script
sending hundreds of commands a second) is summed up in one line, as a line costs
about 0.2 ms to render, more than the commit itself. Time up always has its line."""


def log_recorded(stored: list[StoredEvent]) -> None:
    """The console lines for one commit."""
    if len(stored) <= LINES_PER_COMMIT:
        for event in stored:
            log.info("%s", describe(event))
        return
    kinds = Counter(str(event.type) for event in stored)
    summary = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    log.info("%s in one commit (events %d-%d)", summary, stored[0].id, stored[-1].id)
    for event in stored:
        if isinstance(event.data, ClockExpired):
            log.info("%s", describe(event))


def describe(event: StoredEvent) -> str:
    """One console line for a recorded event."""
    if isinstance(event.data, ClockExpired):
        return f"time up: the clock reached 0.0 (event {event.id})"
    fields = to_payload(event.data)
    detail = f" {wire.encode(fields)}" if fields else ""
    return f"{event.type}{detail} (event {event.id})"
