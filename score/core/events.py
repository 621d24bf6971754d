"""Events: what happened to the clock and the game, as typed values, and their one codec.

An event is a typed payload (`ClockSet`, `GameStarted`, ...) stamped with the
wall-clock instant (Unix milliseconds) it happened at. `NewEvent` is one the core
has decided on but that is not stored yet; `StoredEvent` is one the store has given
an id. `to_payload` and `from_payload` are the only way between a payload and the JSON object
stored (and delivered) for it: the store calls them at its boundary, so everything
above it works with typed values, and a row that does not fit its type is refused
there, loudly, not read as a default somewhere later.

Each payload type has a `version`: a change to its JSON shape bumps it and teaches
`from_payload` to read the older shape, because stored history is never rewritten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from score.core.errors import ScoreError
from score.core.event_types import EventType as EventType
from score.core.game_events import (
    FLAT_TYPES,
    GameConfigured,
    GameEventData,
    flat_payload,
    read_flat,
)
from score.core.rules import parse_rules, to_mapping


@dataclass(frozen=True)
class ClockSet:
    """The operator set the clock to `seconds` (whole tenths, as given)."""

    seconds: int | float
    type: ClassVar[EventType] = EventType.CLOCK_SET
    version: ClassVar[int] = 1


@dataclass(frozen=True)
class GameStarted:
    type: ClassVar[EventType] = EventType.GAME_STARTED
    version: ClassVar[int] = 1


@dataclass(frozen=True)
class GamePaused:
    type: ClassVar[EventType] = EventType.GAME_PAUSED
    version: ClassVar[int] = 1


@dataclass(frozen=True)
class ClockExpired:
    """The running clock reached zero; stamped with that instant."""

    type: ClassVar[EventType] = EventType.CLOCK_EXPIRED
    version: ClassVar[int] = 1


EventData = ClockSet | GameStarted | GamePaused | ClockExpired | GameEventData


@dataclass(frozen=True)
class NewEvent:
    """An event decided by the core, not stored yet."""

    created_at: int
    data: EventData

    @property
    def type(self) -> EventType:
        return self.data.type


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store holds it: with its id, in the order of the log."""

    id: int
    created_at: int
    data: EventData

    @property
    def type(self) -> EventType:
        return self.data.type


# -- the codec (JSON objects, as stored and as delivered) ---------------------------


def to_payload(data: EventData) -> dict[str, Any]:
    """The payload object stored for `data` (`{}` for the events without fields)."""
    if isinstance(data, ClockSet):
        return {"seconds": data.seconds}
    if isinstance(data, GameConfigured):
        return {"rules": to_mapping(data.rules)}
    if isinstance(data, GameStarted | GamePaused | ClockExpired):
        return {}
    return flat_payload(data)


_NO_FIELDS: dict[EventType, EventData] = {
    EventType.GAME_STARTED: GameStarted(),
    EventType.GAME_PAUSED: GamePaused(),
    EventType.CLOCK_EXPIRED: ClockExpired(),
}


def from_payload(kind: str, payload: Any, version: int = 1) -> EventData:
    """The typed payload of a stored `kind` and JSON `payload` written at schema
    `version` (every type is at version 1 so far; rows from before versions were
    stored read as 1); ValueError if the row is not a valid event (an unknown type
    or version, a missing or bad field)."""
    if version != 1:
        raise ValueError(f"{kind} version {version} is newer than this Score reads")
    if not isinstance(payload, dict):
        raise ValueError(f"{kind} payload is not a JSON object: {payload!r:.80}")
    if kind == EventType.CLOCK_SET:
        # Read what an older version accepted as it is (the fold keeps whole tenths):
        # any finite, non-negative number.
        seconds = payload.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"CLOCK_SET payload without a number of seconds: {payload!r:.80}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"CLOCK_SET payload with bad seconds: {payload!r:.80}")
        return ClockSet(seconds)
    if kind in FLAT_TYPES:
        return read_flat(FLAT_TYPES[kind], payload)
    if kind == EventType.GAME_CONFIGURED:
        try:
            return GameConfigured(parse_rules(payload.get("rules")))
        except ScoreError as error:
            raise ValueError(f"GAME_CONFIGURED with bad rules: {error.message}") from None
    try:
        return _NO_FIELDS[EventType(kind)]
    except ValueError:
        raise ValueError(f"unknown event type {kind!r:.40}") from None


# -- constructors, as the core and the tests write them ------------------------------


def clock_set(seconds: int | float, created_at: int) -> NewEvent:
    return NewEvent(created_at, ClockSet(seconds))


def game_started(created_at: int) -> NewEvent:
    return NewEvent(created_at, GameStarted())


def game_paused(created_at: int) -> NewEvent:
    return NewEvent(created_at, GamePaused())


def clock_expired(created_at: int) -> NewEvent:
    return NewEvent(created_at, ClockExpired())
