"""The replay fold and clock arithmetic: synchronous and table-driven."""

from __future__ import annotations

import pytest

from score.core.clock import Clock, apply, expires_at, expiry_due, fold, remaining_at
from score.core.events import (
    EventType,
    NewEvent,
    StoredEvent,
    clock_expired,
    clock_set,
    game_paused,
    game_started,
)
from score.core.tenths import seconds_to_ms


def stored(*events: NewEvent) -> list[StoredEvent]:
    """Give decided events ids, as the store would."""
    return [StoredEvent(i, event.created_at, event.data) for i, event in enumerate(events, 1)]


@pytest.mark.parametrize(
    ("history", "now", "remaining", "running"),
    [
        ([], 0, 0, False),
        ([clock_set(90, 1_000)], 50_000, 90_000, False),
        ([clock_set(90, 1_000), game_started(2_000)], 12_000, 80_000, True),
        ([clock_set(90, 0), game_started(0), game_paused(30_500)], 99_000, 59_500, False),
        # repeated start: the second one is a no-op, the anchor stays put
        ([clock_set(90, 0), game_started(0), game_started(10_000)], 20_000, 70_000, True),
        # repeated pause: no-op
        (
            [clock_set(90, 0), game_started(0), game_paused(10_000), game_paused(50_000)],
            60_000,
            80_000,
            False,
        ),
        # set while running re-anchors at the event's time and keeps running
        ([clock_set(90, 0), game_started(0), clock_set(30, 40_000)], 45_000, 25_000, True),
        # set while paused
        (
            [clock_set(90, 0), game_started(0), game_paused(5_000), clock_set(12.5, 9_000)],
            20_000,
            12_500,
            False,
        ),
        # never below zero, even long after
        ([clock_set(10, 0), game_started(0)], 3_600_000, 0, True),
        # expiry stops at zero
        ([clock_set(10, 0), game_started(0), clock_expired(10_000)], 20_000, 0, False),
        # a stamp earlier than the anchor (clock stepped back) never adds time
        ([clock_set(10, 5_000), game_started(5_000), game_paused(4_000)], 9_000, 10_000, False),
        # tenths
        ([clock_set(0.3, 0), game_started(0)], 100, 200, True),
    ],
)
def test_fold(history: list[object], now: int, remaining: int, running: bool) -> None:
    clock = fold(stored(*history))
    assert remaining_at(clock, now) == remaining
    assert clock.running is running
    assert clock.last_event_id == len(history)


@pytest.mark.parametrize(
    ("seconds", "ms"), [(0, 0), (90, 90_000), (12.5, 12_500), (0.1, 100), (359_999.9, 359_999_900)]
)
def test_seconds_to_ms(seconds: float, ms: int) -> None:
    assert seconds_to_ms(seconds) == ms


def test_expiry_is_stamped_at_the_instant_of_zero() -> None:
    clock = fold(stored(clock_set(10, 1_000), game_started(2_000)))
    assert expires_at(clock) == 12_000
    assert expiry_due(clock, 11_999) == []
    due = expiry_due(clock, 15_432)
    assert [(event.type, event.created_at) for event in due] == [(EventType.CLOCK_EXPIRED, 12_000)]


def test_expiry_happens_once() -> None:
    clock = fold(stored(clock_set(10, 0), game_started(0)))
    (expiry,) = expiry_due(clock, 10_000)
    after = apply(clock, expiry)
    assert expiry_due(after, 99_000) == []
    assert expires_at(after) is None


def test_stopped_clock_never_expires() -> None:
    assert expiry_due(Clock(remaining_ms=0, running=False), 10**12) == []
