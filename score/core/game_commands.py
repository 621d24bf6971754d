"""The game's commands (DESIGN section 8): parsed, checked against the rules and
the state, and decided into events.

`parse_game_command` validates the shape of a message (a known team, points in
-3..3, ...); `decide_game` checks it against the rules and the state at `now` (no
shot clock in hockey, no timeouts left, nothing to undo) and returns the events it
leads to. Either raises `ScoreError` with a stable code, and nothing is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from score.core.clock import remaining_at
from score.core.errors import ScoreError
from score.core.events import EventData
from score.core.game_events import (
    ClockAdjusted,
    EventUndone,
    Horn,
    PenaltyStarted,
    PeriodStarted,
    PointsScored,
    PossessionSet,
    ShotClockSet,
    TeamFoul,
    TeamNamed,
    TimeoutTaken,
)
from score.core.game_state import TEAMS, GameState
from score.core.tenths import MAX_SECONDS, parse_seconds, seconds_to_ms

COLOR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_ADJUST_MS = 600_000


@dataclass(frozen=True)
class Adjust:
    delta_ms: int


@dataclass(frozen=True)
class GameCommand:
    """A game command whose event is decided from its fields alone, once checked."""

    data: EventData


@dataclass(frozen=True)
class Undo:
    pass


def _int(message: dict[str, Any], key: str, low: int, high: int) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScoreError(f"bad_{key}", f'"{key}" must be a whole number from {low} to {high}')
    return value


def _team(message: dict[str, Any]) -> str:
    team = message.get("team")
    if team not in TEAMS:
        raise ScoreError("bad_team", '"team" must be "home" or "away"')
    return str(team)


def _text(message: dict[str, Any], key: str, longest: int) -> str:
    value = message.get(key)
    if not isinstance(value, str) or not 0 < len(value.strip()) <= longest:
        raise ScoreError(f"bad_{key}", f'"{key}" must be text of 1 to {longest} characters')
    return value.strip()


def parse_game_command(name: str, message: dict[str, Any]) -> Adjust | GameCommand | Undo | None:
    """The game command `name` from `message`, or None if `name` is none of them."""
    match name:
        case "adjust":
            delta = _int(message, "delta_ms", -MAX_ADJUST_MS, MAX_ADJUST_MS)
            if delta == 0 or delta % 100:
                raise ScoreError("bad_delta_ms", '"delta_ms" must be whole tenths, not 0')
            return Adjust(delta)
        case "score":
            points = _int(message, "points", -3, 3)
            if points == 0:
                raise ScoreError("bad_points", '"points" must not be 0')
            return GameCommand(PointsScored(_team(message), points))
        case "foul":
            delta = _int(message, "delta", -1, 1) if "delta" in message else 1
            if delta == 0:
                raise ScoreError("bad_delta", '"delta" must be 1 or -1')
            return GameCommand(TeamFoul(_team(message), delta))
        case "timeout":
            return GameCommand(TimeoutTaken(_team(message)))
        case "period":
            return GameCommand(PeriodStarted(_int(message, "period", 1, 99)))
        case "shot_clock":
            return GameCommand(ShotClockSet(parse_seconds(message.get("seconds"))))
        case "penalty":
            seconds = _int(message, "seconds", 1, 3600)
            player = _text(message, "player", 10)
            return GameCommand(PenaltyStarted(_team(message), player, seconds))
        case "possession":
            return GameCommand(PossessionSet(_team(message)))
        case "team":
            color = message.get("color")
            if not isinstance(color, str) or not COLOR.fullmatch(color):
                raise ScoreError("bad_color", '"color" must be like "#1d4ed8"')
            return GameCommand(TeamNamed(_team(message), _text(message, "name", 40), color))
        case "horn":
            return GameCommand(Horn("operator"))
        case "undo":
            return Undo()
    return None


def _refuse(code: str, message: str) -> ScoreError:
    return ScoreError(code, message, 409)


def decide_game(state: GameState, command: Adjust | GameCommand | Undo, now: int) -> EventData:
    """The event a checked game command records in `state` at `now`."""
    rules = state.rules
    if isinstance(command, Adjust):
        shown = remaining_at(state.clock, now)
        if rules.counts_up:
            shown = rules.period_ms(state.period) - shown
        limit = rules.period_ms(state.period) if rules.counts_up else round(MAX_SECONDS * 1000)
        # A nudge past either end stops there (the fold clamps it); one that cannot
        # move the clock at all is refused.
        if (shown <= 0 and command.delta_ms < 0) or (shown >= limit and command.delta_ms > 0):
            raise _refuse("clock_out_of_range", "the clock is already at the end of its range")
        return ClockAdjusted(command.delta_ms)
    if rules.is_clock:
        raise _refuse(
            "not_a_game", "this database is a plain clock: start a game with score run --rules"
        )
    if isinstance(command, Undo):
        if not state.undo:
            raise _refuse("nothing_to_undo", "there is nothing left to undo")
        return EventUndone(state.undo[-1].event_id)
    data = command.data
    match data:
        case PointsScored(team, points) if state.team(team).score + points < 0:
            raise _refuse("bad_points", "a score cannot go below 0")
        case TeamFoul(team, delta) if state.team(team).fouls + delta < 0:
            raise _refuse("bad_delta", "fouls cannot go below 0")
        case TimeoutTaken(team):
            if rules.timeouts_for(state.period) - state.team(team).timeouts_taken <= 0:
                raise _refuse("no_timeouts_left", f"{team} has no timeouts left in this period")
        case PeriodStarted(period) if period > rules.last_period:
            raise _refuse("bad_period", f"{rules.name} has periods 1 to {rules.last_period}")
        case ShotClockSet(seconds):
            if rules.shot_clock is None:
                raise _refuse("no_shot_clock", f"{rules.name} has no shot clock")
            if not 0 < seconds_to_ms(float(seconds)) <= seconds_to_ms(rules.shot_clock.full):
                full = rules.shot_clock.full
                raise ScoreError("bad_seconds", f"the shot clock holds 0.1 to {full} seconds")
        case PenaltyStarted(_, _, seconds) if seconds not in rules.penalty_seconds:
            if not rules.penalty_seconds:
                raise _refuse("no_penalties", f"{rules.name} has no penalty clocks")
            allowed = ", ".join(map(str, rules.penalty_seconds))
            raise _refuse("bad_penalty", f"{rules.name} penalties last {allowed} seconds")
        case PossessionSet() if not rules.possession_arrow:
            raise _refuse("no_possession_arrow", f"{rules.name} has no possession arrow")
    return data
