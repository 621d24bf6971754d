"""Typed events and their one codec: what is stored is what is read back."""

from __future__ import annotations

import math
from typing import Any

import pytest

from score.core.events import (
    ClockExpired,
    ClockSet,
    EventData,
    GamePaused,
    GameStarted,
    from_payload,
    to_payload,
)


@pytest.mark.parametrize(
    "data", [ClockSet(90), ClockSet(12.5), ClockSet(0), GameStarted(), GamePaused(), ClockExpired()]
)
def test_a_payload_reads_back_as_the_same_typed_event(data: EventData) -> None:
    assert from_payload(str(data.type), to_payload(data)) == data


def test_payloads_are_those_of_the_original_design() -> None:
    assert to_payload(ClockSet(1200)) == {"seconds": 1200}
    assert to_payload(GameStarted()) == {}


def test_what_an_older_version_stored_is_read_as_it_is() -> None:
    # The original design took any number; the fold keeps whole tenths of it.
    assert from_payload("CLOCK_SET", {"seconds": 12.34}) == ClockSet(12.34)
    assert from_payload("GAME_PAUSED", {"unused": 1}) == GamePaused()


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("CLOCK_SET", {}),
        ("CLOCK_SET", {"seconds": "90"}),
        ("CLOCK_SET", {"seconds": True}),
        ("CLOCK_SET", {"seconds": -1}),
        ("CLOCK_SET", {"seconds": math.inf}),
        ("CLOCK_SET", [90]),
        ("GOAL_SCORED", {}),
    ],
)
def test_a_row_that_is_not_an_event_is_refused(kind: str, payload: Any) -> None:
    with pytest.raises(ValueError, match=r"CLOCK_SET|unknown event type"):
        from_payload(kind, payload)
