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
from dataclasses import dataclass

from score.core.events import ClockSet, NewEvent, StoredEvent, clock_expired
from score.core.game_events import ClockAdjusted
from score.core.tenths import MAX_SECONDS, seconds_to_ms

MAX_MS = round(MAX_SECONDS * 1000)


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


Step = tuple[int | None, str, int, float | None]
"""One event as the fold needs it: (id or None if not stored yet, type, created_at,
seconds for CLOCK_SET, delta_ms for CLOCK_ADJUSTED, else None). The store can
produce these straight from SQL."""


def step_of(event: StoredEvent | NewEvent) -> Step:
    event_id = event.id if isinstance(event, StoredEvent) else None
    data = event.data
    number: float | None = None
    if isinstance(data, ClockSet):
        number = data.seconds
    elif isinstance(data, ClockAdjusted):
        number = data.delta_ms
    return (event_id, str(event.type), event.created_at, number)


def fold_steps(steps: Iterable[Step], start: Clock | None = None) -> Clock:
    """The one implementation of the replay rules, as a tight loop over plain tuples
    (a million events fold in well under a second)."""
    clock = start if start is not None else Clock()
    remaining, running, anchor = clock.remaining_ms, clock.running, clock.anchor
    last_id = clock.last_event_id
    for event_id, kind, at, seconds in steps:
        if kind == "CLOCK_SET":
            if seconds is None:
                raise ValueError(f"event {event_id}: CLOCK_SET without seconds")
            remaining = seconds_to_ms(float(seconds))
            anchor = at
        elif kind == "GAME_STARTED":
            if not running:
                running = True
                anchor = at
        elif kind == "GAME_PAUSED":
            if running:
                remaining = max(0, remaining - elapsed(anchor, at))
                running = False
                anchor = at
        elif kind == "CLOCK_EXPIRED":
            remaining, running, anchor = 0, False, at
        elif kind == "CLOCK_ADJUSTED":
            # A nudge of the shown time, from this event's instant; kept in range.
            if seconds is None:
                raise ValueError(f"event {event_id}: CLOCK_ADJUSTED without delta_ms")
            left = remaining - elapsed(anchor, at) if running else remaining
            remaining = min(MAX_MS, max(0, left + int(seconds)))
            anchor = at
        else:
            raise ValueError(f"event {event_id}: unknown event type {kind!r}")
        if event_id is not None:
            last_id = event_id
    return Clock(remaining, running, anchor, last_id)


def apply(clock: Clock, event: StoredEvent | NewEvent) -> Clock:
    """Fold one event into the clock."""
    return fold_steps([step_of(event)], clock)


def fold(events: Iterable[StoredEvent | NewEvent], start: Clock | None = None) -> Clock:
    """The state a history folds to, from `start` (the empty clock by default)."""
    return fold_steps(map(step_of, events), start)
