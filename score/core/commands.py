"""Commands and the decisions they lead to.

A command is what an operator asks for: start, pause, set. `parse_command` validates
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
from score.core.tenths import parse_seconds


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class SetClock:
    seconds: int | float


Command = Start | Pause | SetClock


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
    raise ScoreError("unknown_command", f"unknown command {name[:40]!r}")


def decide(clock: Clock, command: Command, now: int) -> list[NewEvent]:
    """The events `command` leads to at instant `now`.

    The caller records any expiry already due (`expiry_due`) before deciding, so
    `clock` is never a running clock past its zero here.
    """
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
    # Setting a running clock to zero expires it in the same breath.
    after = clock
    for event in decided:
        after = apply(after, event)
    return decided + expiry_due(after, now)


@dataclass(frozen=True)
class Outcome:
    """What carrying out a command records, and the refusal to answer with."""

    events: list[NewEvent]
    error: ScoreError | None = None


def execute(clock: Clock, command: Command, now: int) -> Outcome:
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
