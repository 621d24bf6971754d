"""Commands and the decisions they lead to.

A command is what an operator asks for: start, pause, set, and the game's own
(score, foul, ..., undo: score.core.game_commands). `parse_command` validates
a decoded JSON object into a command or raises `ScoreError` with a stable code;
`decide` turns a valid command, the current clock and `now` into the events to record
(none for a repeated start or pause), and `execute` adds the rule around it: an
expiry already due is recorded even when the command is refused. Validation never
records anything: the shell stores only what `execute` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from score.core.clock import Clock, apply, expiry_due, fold, remaining_at
from score.core.errors import ScoreError
from score.core.events import NewEvent, clock_set, game_paused, game_started
from score.core.game_clocks import owed
from score.core.game_commands import Adjust, GameCommand, Undo, decide_game, parse_game_command
from score.core.game_state import GameState
from score.core.game_state import fold as fold_game
from score.core.tenths import parse_seconds, seconds_to_ms


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class SetClock:
    seconds: int | float


ClockCommand = Start | Pause | SetClock
Command = Start | Pause | SetClock | Adjust | GameCommand | Undo


def parse_command(message: Any) -> Command:
    """Validate a decoded JSON message into a command."""
    if not isinstance(message, dict):
        raise ScoreError("bad_command", "a command must be a JSON object")
    name = message.get("command")
    if not isinstance(name, str):
        raise ScoreError("bad_command", 'missing "command" (start, pause or set)')
    match name:
        case "start":
            return Start()
        case "pause":
            return Pause()
        case "set":
            if "seconds" not in message:
                raise ScoreError("bad_seconds", 'missing "seconds"')
            return SetClock(parse_seconds(message["seconds"]))
    game_command = parse_game_command(name, message)
    if game_command is not None:
        return game_command
    raise ScoreError("unknown_command", f"unknown command {name[:40]!r}")


def decide(clock: Clock, command: ClockCommand, now: int) -> list[NewEvent]:
    """The events `command` leads to at instant `now`.

    The caller records any expiry already due (`expiry_due`) before deciding, so
    `clock` is never a running clock past its zero here.
    """
    decided = decide_clock(clock, command, now)
    # Setting a running clock to zero expires it in the same breath.
    after = clock
    for event in decided:
        after = apply(after, event)
    return decided + expiry_due(after, now)


def decide_clock(clock: Clock, command: ClockCommand, now: int) -> list[NewEvent]:
    """Start, pause or set alone (what expires with it is the caller's)."""
    match command:
        case Start():
            if clock.running:
                return []
            if remaining_at(clock, now) == 0:
                raise ScoreError("clock_at_zero", "set a time before starting the clock", 409)
            decided = [game_started(now)]
        case Pause():
            if not clock.running:
                return []
            decided = [game_paused(now)]
        case SetClock(seconds):
            decided = [clock_set(seconds, now)]
    return decided


@dataclass(frozen=True)
class Outcome:
    """What carrying out a command records, and the refusal to answer with."""

    events: list[NewEvent]
    error: ScoreError | None = None


def execute(clock: Clock, command: ClockCommand, now: int) -> Outcome:
    """The whole rule for one command at instant `now`.

    An expiry already due happened, whether or not the command is accepted: it is
    recorded first, at the instant the clock reached zero, and the command is
    decided on the clock after it. A refused command adds nothing else, and its
    error is returned for the caller to raise once the expiry is stored.
    """
    due = expiry_due(clock, now)
    try:
        decided = decide(fold(due, clock), command, now)
    except ScoreError as error:
        return Outcome(due, error)
    return Outcome(due + decided)


def decide_in_game(state: GameState, command: Command, now: int) -> list[NewEvent]:
    """The events any command leads to in `state` at `now` (nothing owed yet)."""
    if isinstance(command, Start | Pause | SetClock):
        rules = state.rules
        if isinstance(command, SetClock) and rules.counts_up:
            if seconds_to_ms(float(command.seconds)) > rules.period_ms(state.period):
                raise ScoreError("bad_seconds", "a counting-up clock is set within its period")
        return decide_clock(state.clock, command, now)
    return [NewEvent(now, decide_game(state, command, now))]


def execute_in_game(state: GameState, command: Command, now: int) -> Outcome:
    """`execute` for the game: what the loop owes at `now` first (recorded even if
    the command is refused), then the command's events, then what they make owed
    at once (a clock nudged to zero while running expires in the same breath)."""
    due = owed(state, now)
    current = fold_game(due, state)
    try:
        decided = decide_in_game(current, command, now)
    except ScoreError as error:
        return Outcome(due, error)
    return Outcome(due + decided + owed(fold_game(decided, current), now))
