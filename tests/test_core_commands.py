"""Command validation and decisions: synchronous and table-driven."""

from __future__ import annotations

import math
from typing import Any

import pytest

from score.core.clock import Clock, fold
from score.core.commands import Pause, SetClock, Start, decide, execute, parse_command
from score.core.errors import ScoreError
from score.core.events import EventType, NewEvent, StoredEvent, clock_set, game_started


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
    with pytest.raises(ScoreError) as caught:
        parse_command(message)
    assert caught.value.code == code
    assert caught.value.message


def _history(*events: NewEvent) -> Clock:
    return fold(StoredEvent(i, event.created_at, event.data) for i, event in enumerate(events, 1))


RUNNING = _history(clock_set(60, 0), game_started(0))
STOPPED = _history(clock_set(60, 0))


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
    with pytest.raises(ScoreError) as caught:
        decide(Clock(), Start(), 5)
    assert caught.value.code == "clock_at_zero"


# -- execute: the expiry that is due comes first, even for a refused command --------

EXPIRES_AT = 60_000  # RUNNING started at 0 with 60 s


def test_execute_records_the_due_expiry_before_a_refused_start() -> None:
    outcome = execute(RUNNING, Start(), EXPIRES_AT + 5_000)
    assert [(e.type, e.created_at) for e in outcome.events] == [
        (EventType.CLOCK_EXPIRED, EXPIRES_AT)
    ]
    assert outcome.error is not None
    assert (outcome.error.code, outcome.error.status) == ("clock_at_zero", 409)


def test_execute_records_the_due_expiry_then_the_command() -> None:
    outcome = execute(RUNNING, SetClock(30), EXPIRES_AT + 1)
    assert [(e.type, e.created_at) for e in outcome.events] == [
        (EventType.CLOCK_EXPIRED, EXPIRES_AT),
        (EventType.CLOCK_SET, EXPIRES_AT + 1),
    ]
    assert outcome.error is None
    # A pause after zero: the clock has already stopped, so only the expiry.
    assert [e.type for e in execute(RUNNING, Pause(), EXPIRES_AT).events] == [
        EventType.CLOCK_EXPIRED
    ]


def test_execute_before_zero_is_decide() -> None:
    outcome = execute(RUNNING, Pause(), EXPIRES_AT - 1)
    assert outcome.events == decide(RUNNING, Pause(), EXPIRES_AT - 1)
    assert outcome.error is None
