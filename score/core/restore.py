"""What a restart restored, in words for the operator.

After a crash or a stop, the clock is the fold of the stored events. A clock that
was running kept running while Score was off (the stored start says when it began),
which surprises an operator who expected it to wait; so the first thing Score says,
in the console and on the operator page, is what it resumed and why.
"""

from __future__ import annotations

from score.core.clock import Clock, remaining_at
from score.core.game_state import GameState
from score.core.tenths import clock_text


def restore_summary(stored: Clock, now: int) -> str:
    """The sentence for a game loaded as `stored` at instant `now` (before any
    expiry due was recorded)."""
    if stored.last_event_id == 0:
        return "new game: nothing stored yet"
    remaining = remaining_at(stored, now)
    after = f"after event {stored.last_event_id}"
    if not stored.running:
        return f"resumed {clock_text(remaining)}, paused ({after})"
    if remaining == 0:
        return (
            "resumed at 0.0: the clock ran out while Score was off, as the stored"
            f" start says ({after}); its expiry is recorded now"
        )
    return (
        f"resumed {clock_text(remaining)}, running; the clock kept running while Score"
        f" was off, as the stored start says ({after})"
    )


def game_summary(state: GameState) -> str:
    """What a game's restart found besides the clock: rules, period and score."""
    home, away = state.home, state.away
    return (
        f"{state.rules.name}, period {state.period}:"
        f" {home.name} {home.score} - {away.score} {away.name}"
    )
