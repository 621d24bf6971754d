"""The clocks derived from the game clock, and what the game loop owes at `now`.

The shot clock and the penalties are marks on the game clock (see game_state):
each shows the game clock's remaining time minus its mark, so they run, stop and
reach zero with the very same arithmetic as the game clock: no second timer and
no drift. A shot clock whose mark is below zero would outlast the period, so it is
switched off (shown as null), as FIBA's 24-second operator does.

`owed` is the game loop's rule as a pure function: the events due at `now`
(SHOT_CLOCK_EXPIRED, PENALTY_ENDED, the period end's CLOCK_EXPIRED, and a HORN
with its reason), each stamped with the instant it became true, in order. Folding
them makes them no longer owed, so a loop that restarts (or a process killed and
started again) never writes them twice. `next_owed_at` is when to wake up next.
"""

from __future__ import annotations

from score.core.clock import remaining_at
from score.core.events import ClockExpired, EventData, NewEvent
from score.core.game_events import Horn, PenaltyEnded, ShotClockExpired
from score.core.game_state import GameState, Penalty, apply


def shot_remaining(state: GameState, now: int) -> int | None:
    """The shot clock's ms left at `now`; None when there is none or it is off."""
    shot = state.shot
    if shot is None or shot.mark < 0:
        return None
    if shot.expired:
        return 0
    return max(0, remaining_at(state.clock, now) - shot.mark)


def penalty_remaining(state: GameState, penalty: Penalty, now: int) -> int:
    return max(0, remaining_at(state.clock, now) - penalty.mark)


def shown_ms(state: GameState, now: int) -> int:
    """The game clock as shown: remaining time, or elapsed time if it counts up."""
    remaining = remaining_at(state.clock, now)
    if state.rules.counts_up:
        return max(0, state.rules.period_ms(state.period) - remaining)
    return remaining


def _next(state: GameState) -> tuple[int, list[EventData]] | None:
    """The earliest instant something is owed, and what (None while stopped)."""
    clock = state.clock
    if not clock.running:
        return None
    zero = clock.anchor + clock.remaining_ms  # the instant the period ends
    candidates: list[tuple[int, int, list[EventData]]] = []
    shot = state.shot
    if shot is not None and not shot.expired and shot.mark > 0:
        candidates.append((zero - shot.mark, 0, [ShotClockExpired(), Horn("shot_clock")]))
    for penalty in state.penalties:
        if penalty.mark >= 0:
            candidates.append((zero - penalty.mark, 1, [PenaltyEnded(penalty.id)]))
    end: list[EventData] = [ClockExpired()]
    if not state.rules.is_clock:
        end.append(Horn("period_end"))
    candidates.append((zero, 2, end))
    at, _, data = min(candidates, key=lambda c: (c[0], c[1]))
    return max(at, clock.anchor), data


def next_owed_at(state: GameState) -> int | None:
    """The next instant the loop owes an event (None: nothing while stopped)."""
    found = _next(state)
    return None if found is None else found[0]


def owed(state: GameState, now: int) -> list[NewEvent]:
    """Every event owed at `now`, in order, each stamped with its true instant."""
    events: list[NewEvent] = []
    while (found := _next(state)) is not None and found[0] <= now:
        at, data = found
        for item in data:
            event = NewEvent(at, item)
            events.append(event)
            state = apply(state, event)
    return events
