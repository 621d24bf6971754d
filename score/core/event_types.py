"""Every event type Score writes: the names stored in the `type` column.

The first four are the plain clock's (the original design); the rest belong to the
game model (DESIGN section 8). Which of them an operator's command writes, and
which the game loop writes by itself, is `OPERATOR` and `LOOP`: undo reverts only
operator events.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    CLOCK_SET = "CLOCK_SET"
    GAME_STARTED = "GAME_STARTED"
    GAME_PAUSED = "GAME_PAUSED"
    CLOCK_EXPIRED = "CLOCK_EXPIRED"
    GAME_CONFIGURED = "GAME_CONFIGURED"
    CLOCK_ADJUSTED = "CLOCK_ADJUSTED"
    POINTS_SCORED = "POINTS_SCORED"
    TEAM_FOUL = "TEAM_FOUL"
    TIMEOUT_TAKEN = "TIMEOUT_TAKEN"
    PERIOD_STARTED = "PERIOD_STARTED"
    SHOT_CLOCK_SET = "SHOT_CLOCK_SET"
    SHOT_CLOCK_EXPIRED = "SHOT_CLOCK_EXPIRED"
    PENALTY_STARTED = "PENALTY_STARTED"
    PENALTY_ENDED = "PENALTY_ENDED"
    POSSESSION_SET = "POSSESSION_SET"
    TEAM_NAMED = "TEAM_NAMED"
    HORN = "HORN"
    EVENT_UNDONE = "EVENT_UNDONE"


CLOCK_TYPES = frozenset(
    {
        EventType.CLOCK_SET,
        EventType.GAME_STARTED,
        EventType.GAME_PAUSED,
        EventType.CLOCK_EXPIRED,
        EventType.CLOCK_ADJUSTED,
    }
)
"""The types the plain clock's fast fold knows."""
