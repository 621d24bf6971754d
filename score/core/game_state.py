"""The game's state and the one fold: live play and replay both call `fold`.

A `GameState` is the clock (score.core.clock) plus DESIGN section 8's fields:
rules, period, both teams, the shot clock, penalties, possession and the last horn.
The shot clock and each penalty are not timers of their own: each is a *mark*, the
game clock's remaining time at which it reaches zero, so it runs exactly when the
game clock runs and can never drift from it (`game_clocks` reads them). When the
game clock jumps (a set, a nudge, a new period) the marks move with the jump, so
the shot clock and penalties keep the time they showed.

Undo: each operator event pushes the state from before it onto `undo`; an
EVENT_UNDONE pops it, which reverts that event and whatever the loop wrote after it
(an undone start puts the clock back where it was). Nothing is deleted from the
log; replaying it takes the same steps. At most `UNDO_DEPTH` events can be undone.

A `clock` game (the default, no GAME_CONFIGURED) folds only the plain clock's
events, through the fast loop of `clock.fold_steps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from score.core.clock import Clock, fold_steps, remaining_at, step_of
from score.core.event_types import CLOCK_TYPES, EventType
from score.core.events import ClockSet, EventData, NewEvent, StoredEvent
from score.core.game_events import (
    ClockAdjusted,
    EventUndone,
    GameConfigured,
    Horn,
    PenaltyEnded,
    PenaltyStarted,
    PeriodStarted,
    PointsScored,
    PossessionSet,
    ShotClockSet,
    TeamFoul,
    TeamNamed,
    TimeoutTaken,
)
from score.core.rules import CLOCK, Rules
from score.core.tenths import seconds_to_ms

UNDO_DEPTH = 500
TEAMS = ("home", "away")
LOOP_HORNS = frozenset({"period_end", "shot_clock"})


@dataclass(frozen=True)
class Team:
    name: str
    color: str
    score: int = 0
    fouls: int = 0
    timeouts_taken: int = 0


@dataclass(frozen=True)
class Penalty:
    id: int
    team: str
    player: str
    seconds: int
    mark: int
    """The game clock's remaining ms at which this penalty ends."""


@dataclass(frozen=True)
class Shot:
    mark: int
    """The game clock's remaining ms at which the shot clock reaches zero; below
    zero means the period ends first: the shot clock is off."""
    expired: bool = False


@dataclass(frozen=True)
class UndoFrame:
    event_id: int
    before: GameState
    data: EventData
    """The operator event this frame undoes (what the console's Undo button names)."""


@dataclass(frozen=True)
class GameState:
    rules: Rules = CLOCK
    clock: Clock = Clock()
    period: int = 0
    home: Team = Team("Home", "#1d4ed8")
    away: Team = Team("Away", "#b91c1c")
    shot: Shot | None = None
    penalties: tuple[Penalty, ...] = ()
    possession: str | None = None
    horn: tuple[int, str] | None = None
    undo: tuple[UndoFrame, ...] = ()

    @property
    def last_event_id(self) -> int:
        return self.clock.last_event_id

    def team(self, name: str) -> Team:
        return self.home if name == "home" else self.away


def is_operator_event(event: StoredEvent | NewEvent) -> bool:
    """Written for an operator's command (undoable), not by the loop or the setup."""
    data = event.data
    if isinstance(data, Horn):
        return data.reason not in LOOP_HORNS
    return event.type not in _NOT_OPERATOR


_NOT_OPERATOR = frozenset(
    {
        EventType.CLOCK_EXPIRED,
        EventType.SHOT_CLOCK_EXPIRED,
        EventType.PENALTY_ENDED,
        EventType.GAME_CONFIGURED,
        EventType.EVENT_UNDONE,
    }
)


def configured(rules: Rules, at: int, event_id: int = 0) -> GameState:
    """A new game under `rules`: period 1 ready, paused at its full length."""
    state = GameState(rules=rules, clock=Clock(rules.period_ms(1), False, at, event_id), period=1)
    return _with_shot_reset(state) if rules.shot_clock is not None else state


def _with_shot_reset(state: GameState) -> GameState:
    assert state.rules.shot_clock is not None
    full = seconds_to_ms(state.rules.shot_clock.full)
    return replace(state, shot=Shot(state.clock.remaining_ms - full))


def _rebase(state: GameState, before: Clock, at: int) -> GameState:
    """Move every mark with a jump of the game clock from `before` to `state.clock`,
    so the shot clock and penalties keep the time they showed at `at`."""
    jump = remaining_at(state.clock, at) - remaining_at(before, at)
    if not jump:
        return state
    shot = state.shot if state.shot is None else replace(state.shot, mark=state.shot.mark + jump)
    penalties = tuple(replace(p, mark=p.mark + jump) for p in state.penalties)
    return replace(state, shot=shot, penalties=penalties)


def _set_team(state: GameState, name: str, team: Team) -> GameState:
    return replace(state, home=team) if name == "home" else replace(state, away=team)


def _clock_step(state: GameState, event: StoredEvent | NewEvent) -> GameState:
    """A plain-clock event under the game's rules (a count-up clock counts its
    remaining time down inside, so set and nudge are turned around)."""
    data, step = event.data, step_of(event)
    if state.rules.counts_up and isinstance(data, ClockSet):
        length = state.rules.period_ms(state.period)
        step = (step[0], step[1], step[2], max(0, length - seconds_to_ms(data.seconds)) / 1000)
    elif state.rules.counts_up and isinstance(data, ClockAdjusted):
        step = (step[0], step[1], step[2], -data.delta_ms)
    clock = fold_steps([step], state.clock)
    if state.rules.counts_up and clock.remaining_ms > state.rules.period_ms(state.period):
        clock = replace(clock, remaining_ms=state.rules.period_ms(state.period))
    after = replace(state, clock=clock)
    if isinstance(data, ClockSet | ClockAdjusted):
        after = _rebase(after, state.clock, event.created_at)
    return after


def _game_step(state: GameState, event: StoredEvent | NewEvent) -> GameState:
    """Every game event but undo and the plain clock's."""
    data, at = event.data, event.created_at
    event_id = event.id if isinstance(event, StoredEvent) else 0
    rules = state.rules
    match data:
        case PointsScored(team, points):
            side = state.team(team)
            state = _set_team(state, team, replace(side, score=side.score + points))
            other = "away" if team == "home" else "home"
            minors = [
                p
                for p in state.penalties
                if p.team == other and p.seconds in rules.penalty_ends_on_goal
            ]
            if points > 0 and minors:  # a goal ends the scored-on team's first minor
                first = max(minors, key=lambda p: (p.mark, -p.id))
                state = replace(state, penalties=tuple(p for p in state.penalties if p != first))
            return state
        case TeamFoul(team, delta):
            side = state.team(team)
            return _set_team(state, team, replace(side, fouls=side.fouls + delta))
        case TimeoutTaken(team):
            side = state.team(team)
            return _set_team(state, team, replace(side, timeouts_taken=side.timeouts_taken + 1))
        case PeriodStarted(period):
            old = state
            clock = Clock(rules.period_ms(period), False, at, state.clock.last_event_id)
            state = _rebase(replace(state, clock=clock, period=period), old.clock, at)
            if rules.shot_clock is not None:
                state = _with_shot_reset(state)
            new_window = rules.timeout_window(period) != rules.timeout_window(old.period)
            for name in TEAMS:
                side = state.team(name)
                if period <= rules.periods:  # overtime fouls count in the last period
                    side = replace(side, fouls=0)
                if new_window:
                    side = replace(side, timeouts_taken=0)
                state = _set_team(state, name, side)
            return state
        case ShotClockSet(seconds):
            mark = remaining_at(state.clock, at) - seconds_to_ms(float(seconds))
            return replace(state, shot=Shot(mark))
        case PenaltyStarted(team, player, seconds):
            mark = remaining_at(state.clock, at) - seconds * 1000
            penalty = Penalty(event_id, team, player, seconds, mark)
            return replace(state, penalties=(*state.penalties, penalty))
        case PenaltyEnded(penalty_id):
            return replace(state, penalties=tuple(p for p in state.penalties if p.id != penalty_id))
        case PossessionSet(team):
            return replace(state, possession=team)
        case TeamNamed(team, name, color):
            return _set_team(state, team, replace(state.team(team), name=name, color=color))
        case Horn(reason):
            return replace(state, horn=(at, reason))
    if event.type == EventType.SHOT_CLOCK_EXPIRED and state.shot is not None:
        state = replace(state, shot=replace(state.shot, expired=True))
        if rules.shot_clock is not None and rules.shot_clock.stops_game_clock:
            before = state.clock
            state = replace(state, clock=fold_steps([(None, "GAME_PAUSED", at, None)], before))
        return state
    if event.type == EventType.SHOT_CLOCK_EXPIRED:
        return state
    raise ValueError(f"event {event_id}: {event.type} does not belong in a {rules.name} game")


def apply(state: GameState, event: StoredEvent | NewEvent) -> GameState:
    """Fold one event into the game."""
    event_id = event.id if isinstance(event, StoredEvent) else None
    data = event.data
    if isinstance(data, GameConfigured):
        if state.last_event_id or state.rules is not CLOCK:
            raise ValueError(f"event {event_id}: GAME_CONFIGURED after the game began")
        return configured(data.rules, event.created_at, event_id or 0)
    if isinstance(data, EventUndone):
        if not state.undo or state.undo[-1].event_id != data.event_id:
            raise ValueError(f"event {event_id}: undoes {data.event_id}, not the latest")
        after = replace(state.undo[-1].before, undo=state.undo[:-1])
    elif event.type in CLOCK_TYPES:
        after = _clock_step(state, event)
    elif state.rules.is_clock:
        raise ValueError(f"event {event_id}: {event.type} in a plain clock game")
    else:
        after = _game_step(state, event)
    if is_operator_event(event) and not state.rules.is_clock and event_id is not None:
        frames = (*state.undo, UndoFrame(event_id, replace(state, undo=()), data))
        after = replace(after, undo=frames[-UNDO_DEPTH:])
    if event_id is not None:
        after = replace(after, clock=replace(after.clock, last_event_id=event_id))
    return after


def fold(events: Iterable[StoredEvent | NewEvent], start: GameState | None = None) -> GameState:
    """The state a history folds to, from `start` (a new clock game by default)."""
    state = start if start is not None else GameState()
    for event in events:
        state = apply(state, event)
    return state


def undone_ids(events: Iterable[StoredEvent]) -> set[int]:
    """Ids of the events replay skips: each undone event, and what the loop wrote
    after it before the undo (for the replay table; the fold needs no list)."""
    history = list(events)
    skipped: set[int] = set()
    for undo in (e for e in history if isinstance(e.data, EventUndone)):
        assert isinstance(undo.data, EventUndone)
        skipped |= {
            e.id
            for e in history
            if undo.data.event_id <= e.id < undo.id and not isinstance(e.data, EventUndone)
        }
    return skipped
