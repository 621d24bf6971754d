"""The box score of a game's history: per period, each team's points, fouls and
timeouts, and every penalty, for `score replay`.

It walks the log with the same fold as everything else, skipping what was undone
(an undone goal is in no period's score), and files each event under the period
the game was in when it happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from score.core.events import StoredEvent
from score.core.game_events import (
    PenaltyEnded,
    PenaltyStarted,
    PointsScored,
    TeamFoul,
    TimeoutTaken,
)
from score.core.game_state import TEAMS, GameState, apply, undone_ids


def box_score(events: Sequence[StoredEvent]) -> dict[str, Any]:
    """`{"periods": [{"period", "home": {points, fouls, timeouts}, "away": ...}],
    "penalties": [{id, period, team, player, seconds, ended_by}]}`."""
    skipped = undone_ids(events)
    state = GameState()
    periods: dict[int, dict[str, Any]] = {}
    penalties: dict[int, dict[str, Any]] = {}
    for event in events:
        before = state
        state = apply(state, event)
        if event.id in skipped or state.rules.is_clock:
            continue
        row = periods.setdefault(
            state.period,
            {"period": state.period} | {t: {"points": 0, "fouls": 0, "timeouts": 0} for t in TEAMS},
        )
        match event.data:
            case PointsScored(team, points):
                row[team]["points"] += points
                for gone in {p.id for p in before.penalties} - {p.id for p in state.penalties}:
                    penalties[gone]["ended_by"] = f"goal (event {event.id})"
            case TeamFoul(team, delta):
                row[team]["fouls"] += delta
            case TimeoutTaken(team):
                row[team]["timeouts"] += 1
            case PenaltyStarted(team, player, seconds):
                penalties[event.id] = {
                    "id": event.id,
                    "period": state.period,
                    "team": team,
                    "player": player,
                    "seconds": seconds,
                    "ended_by": None,
                }
            case PenaltyEnded(penalty_id) if penalty_id in penalties:
                penalties[penalty_id]["ended_by"] = f"time (event {event.id})"
    return {
        "periods": [periods[n] for n in sorted(periods)],
        "penalties": list(penalties.values()),
    }
