"""Event types and their payloads: the vocabulary of the event store.

An event is what happened to the clock, stamped with the wall-clock instant (Unix
milliseconds) it happened at. `NewEvent` is an event the core has decided on but that
is not stored yet; `StoredEvent` is one the store has given an id. Payloads are plain
JSON objects; `seconds` is kept as the exact number the operator set (tenths).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_SECONDS = 359_999.9
"""The largest time the clock holds: 99:59:59.9."""


class EventType(StrEnum):
    CLOCK_SET = "CLOCK_SET"
    GAME_STARTED = "GAME_STARTED"
    GAME_PAUSED = "GAME_PAUSED"
    CLOCK_EXPIRED = "CLOCK_EXPIRED"


@dataclass(frozen=True)
class NewEvent:
    """An event decided by the core, not stored yet."""

    type: EventType
    created_at: int
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store holds it: with its id, in the order of the log."""

    id: int
    type: EventType
    created_at: int
    payload: dict[str, Any] = field(default_factory=dict)


def seconds_to_ms(seconds: float) -> int:
    """Whole tenths of a second, in milliseconds (90.5 -> 90500)."""
    return round(seconds * 10) * 100


def clock_set(seconds: float, created_at: int) -> NewEvent:
    return NewEvent(EventType.CLOCK_SET, created_at, {"seconds": seconds})


def game_started(created_at: int) -> NewEvent:
    return NewEvent(EventType.GAME_STARTED, created_at)


def game_paused(created_at: int) -> NewEvent:
    return NewEvent(EventType.GAME_PAUSED, created_at)


def clock_expired(created_at: int) -> NewEvent:
    return NewEvent(EventType.CLOCK_EXPIRED, created_at)
