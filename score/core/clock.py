"""Clock arithmetic and the replay fold, on an explicit `now`.

The clock is a value: the time remaining at an anchor instant, and whether it runs.
`apply` folds one event into it, `fold` a whole history, `remaining_at` reads it at
any instant. All instants are wall-clock Unix milliseconds as stored in the events;
the shell maps its monotonic clock onto them, so live state and replayed state are
computed by the very same arithmetic and agree to the millisecond.

Rules (DESIGN section 2): a running clock loses the time since its anchor, never
below zero; CLOCK_SET re-anchors (a running clock keeps running from the new value,
counted from the event's time); repeated start or pause changes nothing; the clock
expires exactly once, at the instant it reaches zero, and stops there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from score.core.events import (
    EventType,
    NewEvent,
    StoredEvent,
    clock_expired,
    seconds_to_ms,
)


@dataclass(frozen=True)
class Clock:
    """The folded state: `remaining_ms` was true at instant `anchor`."""

    remaining_ms: int = 0
    running: bool = False
    anchor: int = 0
    last_event_id: int = 0


def elapsed(since: int, now: int) -> int:
    """Milliseconds from `since` to `now`; never negative, whatever the stamps say."""
    return max(0, now - since)


def remaining_at(clock: Clock, now: int) -> int:
    """Milliseconds left at instant `now`."""
    if not clock.running:
        return clock.remaining_ms
    return max(0, clock.remaining_ms - elapsed(clock.anchor, now))


def expires_at(clock: Clock) -> int | None:
    """The instant a running clock reaches zero; None when it is stopped."""
    if not clock.running:
        return None
    return clock.anchor + clock.remaining_ms


def expiry_due(clock: Clock, now: int) -> list[NewEvent]:
    """The CLOCK_EXPIRED event owed at `now`, stamped when zero was reached."""
    deadline = expires_at(clock)
    if deadline is None or now < deadline:
        return []
    return [clock_expired(deadline)]


def apply(clock: Clock, event: StoredEvent | NewEvent) -> Clock:
    """Fold one event into the clock."""
    at = event.created_at
    event_id = event.id if isinstance(event, StoredEvent) else clock.last_event_id
    match event.type:
        case EventType.CLOCK_SET:
            remaining = seconds_to_ms(float(event.payload["seconds"]))
            folded = replace(clock, remaining_ms=remaining, anchor=at)
        case EventType.GAME_STARTED:
            folded = clock if clock.running else replace(clock, running=True, anchor=at)
        case EventType.GAME_PAUSED:
            folded = (
                replace(clock, remaining_ms=remaining_at(clock, at), running=False, anchor=at)
                if clock.running
                else clock
            )
        case EventType.CLOCK_EXPIRED:
            folded = replace(clock, remaining_ms=0, running=False, anchor=at)
    return replace(folded, last_event_id=event_id)


def fold(events: Iterable[StoredEvent | NewEvent], start: Clock | None = None) -> Clock:
    """The state a history folds to, from `start` (the empty clock by default)."""
    clock = start if start is not None else Clock()
    for event in events:
        clock = apply(clock, event)
    return clock
