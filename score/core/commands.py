"""Commands and the decisions they lead to.

A command is what an operator asks for: start, pause, set. `parse_command` validates
a decoded JSON object into a command or raises `CommandError` with a stable code;
`decide` turns a valid command, the current clock and `now` into the events to record
(none for a repeated start or pause). Validation never records anything: the shell
stores only what `decide` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from score.core.clock import Clock, apply, expiry_due, remaining_at
from score.core.events import (
    MAX_SECONDS,
    NewEvent,
    clock_set,
    game_paused,
    game_started,
)


class CommandError(Exception):
    """A command that cannot be carried out; nothing was recorded."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class SetClock:
    seconds: float


Command = Start | Pause | SetClock

COMMAND_NAMES = ("start", "pause", "set")


def parse_seconds(value: Any) -> float:
    """A valid clock time in seconds (tenths at most), or CommandError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError("bad_seconds", "seconds must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise CommandError("bad_seconds", "seconds must be a finite number")
    if not 0 <= value <= MAX_SECONDS:
        raise CommandError("bad_seconds", f"seconds must be between 0 and {MAX_SECONDS}")
    tenths = value * 10
    if abs(tenths - round(tenths)) > 1e-6:
        raise CommandError("bad_seconds", "seconds must be a whole number of tenths")
    return int(value) if isinstance(value, int) else round(value, 1)


def parse_command(message: Any) -> Command:
    """Validate a decoded JSON message into a command."""
    if not isinstance(message, dict):
        raise CommandError("bad_command", "a command must be a JSON object")
    name = message.get("command")
    if not isinstance(name, str):
        raise CommandError("bad_command", 'missing "command" (start, pause or set)')
    match name:
        case "start":
            return Start()
        case "pause":
            return Pause()
        case "set":
            if "seconds" not in message:
                raise CommandError("bad_seconds", 'missing "seconds"')
            return SetClock(parse_seconds(message["seconds"]))
    raise CommandError("unknown_command", f"unknown command {name[:40]!r}")


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
                raise CommandError("clock_at_zero", "set a time before starting the clock")
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
