"""Command validation and decisions: synchronous and table-driven."""

from __future__ import annotations

import math
from typing import Any

import pytest

from score.core.clock import Clock, fold
from score.core.commands import (
    CommandError,
    Pause,
    SetClock,
    Start,
    decide,
    parse_command,
)
from score.core.events import EventType, StoredEvent


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ({"command": "start"}, Start()),
        ({"command": "pause", "id": 3}, Pause()),
        ({"command": "set", "seconds": 90}, SetClock(90)),
        ({"command": "set", "seconds": 12.5}, SetClock(12.5)),
        ({"command": "set", "seconds": 0}, SetClock(0)),
        ({"command": "set", "seconds": 359999.9}, SetClock(359999.9)),
        ({"command": "set", "seconds": 0.30000000000000004}, SetClock(0.3)),
    ],
)
def test_valid_commands(message: dict[str, Any], command: object) -> None:
    assert parse_command(message) == command


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ([], "bad_command"),
        ("start", "bad_command"),
        (None, "bad_command"),
        ({}, "bad_command"),
        ({"command": 1}, "bad_command"),
        ({"command": "launch"}, "unknown_command"),
        ({"command": "set"}, "bad_seconds"),
        ({"command": "set", "seconds": "90"}, "bad_seconds"),
        ({"command": "set", "seconds": None}, "bad_seconds"),
        ({"command": "set", "seconds": True}, "bad_seconds"),
        ({"command": "set", "seconds": -1}, "bad_seconds"),
        ({"command": "set", "seconds": 360000}, "bad_seconds"),
        ({"command": "set", "seconds": 10**100}, "bad_seconds"),
        ({"command": "set", "seconds": math.nan}, "bad_seconds"),
        ({"command": "set", "seconds": math.inf}, "bad_seconds"),
        ({"command": "set", "seconds": 1.25}, "bad_seconds"),
        ({"command": "set", "seconds": [90]}, "bad_seconds"),
    ],
)
def test_invalid_commands(message: Any, code: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(message)
    assert caught.value.code == code
    assert caught.value.message


def _history(*kinds: tuple[EventType, int, dict[str, Any]]) -> Clock:
    return fold(StoredEvent(i, kind, at, payload) for i, (kind, at, payload) in enumerate(kinds, 1))


RUNNING = _history((EventType.CLOCK_SET, 0, {"seconds": 60}), (EventType.GAME_STARTED, 0, {}))
STOPPED = _history((EventType.CLOCK_SET, 0, {"seconds": 60}))


@pytest.mark.parametrize(
    ("clock", "command", "types"),
    [
        (STOPPED, Start(), [EventType.GAME_STARTED]),
        (RUNNING, Start(), []),
        (RUNNING, Pause(), [EventType.GAME_PAUSED]),
        (STOPPED, Pause(), []),
        (STOPPED, SetClock(30), [EventType.CLOCK_SET]),
        (RUNNING, SetClock(30), [EventType.CLOCK_SET]),
        # setting a running clock to zero expires it at once
        (RUNNING, SetClock(0), [EventType.CLOCK_SET, EventType.CLOCK_EXPIRED]),
    ],
)
def test_decide(clock: Clock, command: Any, types: list[EventType]) -> None:
    events = decide(clock, command, 1_000)
    assert [event.type for event in events] == types
    assert all(event.created_at == 1_000 for event in events)


def test_start_at_zero_is_refused() -> None:
    with pytest.raises(CommandError) as caught:
        decide(Clock(), Start(), 5)
    assert caught.value.code == "clock_at_zero"
