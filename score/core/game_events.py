"""The game model's event payloads (DESIGN section 8), each a small frozen value.

Every payload is a flat JSON object whose keys are the dataclass's fields; `SPEC`
says each field's JSON type, so `read` can refuse a stored row that does not fit
(a missing key, a string where a number belongs) instead of folding a default.
`GameConfigured` is the exception: its payload is `{"rules": {...}}`, the whole
rule set. The codec itself is `score.core.events.to_payload` / `from_payload`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from score.core.event_types import EventType
from score.core.rules import Rules

JsonType = type
"""What `SPEC` maps each field to: str, int, or float (any JSON number)."""


@dataclass(frozen=True)
class GameConfigured:
    """The rule set of this game, whole; the first event of a game's database."""

    rules: Rules
    type: ClassVar[EventType] = EventType.GAME_CONFIGURED
    version: ClassVar[int] = 1


@dataclass(frozen=True)
class ClockAdjusted:
    """A nudge: the shown time changed by `delta_ms` (+1000, -100, ...)."""

    delta_ms: int
    type: ClassVar[EventType] = EventType.CLOCK_ADJUSTED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"delta_ms": int}


@dataclass(frozen=True)
class PointsScored:
    team: str
    points: int
    type: ClassVar[EventType] = EventType.POINTS_SCORED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str, "points": int}


@dataclass(frozen=True)
class TeamFoul:
    team: str
    delta: int
    type: ClassVar[EventType] = EventType.TEAM_FOUL
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str, "delta": int}


@dataclass(frozen=True)
class TimeoutTaken:
    team: str
    type: ClassVar[EventType] = EventType.TIMEOUT_TAKEN
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str}


@dataclass(frozen=True)
class PeriodStarted:
    period: int
    type: ClassVar[EventType] = EventType.PERIOD_STARTED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"period": int}


@dataclass(frozen=True)
class ShotClockSet:
    seconds: int | float
    type: ClassVar[EventType] = EventType.SHOT_CLOCK_SET
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"seconds": float}


@dataclass(frozen=True)
class ShotClockExpired:
    type: ClassVar[EventType] = EventType.SHOT_CLOCK_EXPIRED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {}


@dataclass(frozen=True)
class PenaltyStarted:
    team: str
    player: str
    seconds: int
    type: ClassVar[EventType] = EventType.PENALTY_STARTED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str, "player": str, "seconds": int}


@dataclass(frozen=True)
class PenaltyEnded:
    """Penalty `penalty_id` (the id of its PENALTY_STARTED) ran out."""

    penalty_id: int
    type: ClassVar[EventType] = EventType.PENALTY_ENDED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"penalty_id": int}


@dataclass(frozen=True)
class PossessionSet:
    team: str
    type: ClassVar[EventType] = EventType.POSSESSION_SET
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str}


@dataclass(frozen=True)
class TeamNamed:
    team: str
    name: str
    color: str
    type: ClassVar[EventType] = EventType.TEAM_NAMED
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"team": str, "name": str, "color": str}


@dataclass(frozen=True)
class Horn:
    """The horn sounded: `operator` (a button), `period_end` or `shot_clock`."""

    reason: str
    type: ClassVar[EventType] = EventType.HORN
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"reason": str}


@dataclass(frozen=True)
class EventUndone:
    """Operator event `event_id` is reverted (and what the loop wrote after it)."""

    event_id: int
    type: ClassVar[EventType] = EventType.EVENT_UNDONE
    version: ClassVar[int] = 1
    SPEC: ClassVar[dict[str, JsonType]] = {"event_id": int}


FlatEvent = (
    ClockAdjusted
    | PointsScored
    | TeamFoul
    | TimeoutTaken
    | PeriodStarted
    | ShotClockSet
    | ShotClockExpired
    | PenaltyStarted
    | PenaltyEnded
    | PossessionSet
    | TeamNamed
    | Horn
    | EventUndone
)
GameEventData = GameConfigured | FlatEvent

FLAT_TYPES: dict[str, type[FlatEvent]] = {
    str(cls.type): cls
    for cls in (
        ClockAdjusted,
        PointsScored,
        TeamFoul,
        TimeoutTaken,
        PeriodStarted,
        ShotClockSet,
        ShotClockExpired,
        PenaltyStarted,
        PenaltyEnded,
        PossessionSet,
        TeamNamed,
        Horn,
        EventUndone,
    )
}


def flat_payload(data: FlatEvent) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def read_flat(cls: type[FlatEvent], payload: dict[str, Any]) -> FlatEvent:
    """`cls` from its payload, every field present and of its JSON type."""
    values: dict[str, Any] = {}
    for key, kind in cls.SPEC.items():
        value = payload.get(key)
        numeric = kind is float and isinstance(value, int | float)
        if isinstance(value, bool) or not (numeric or isinstance(value, kind)):
            raise ValueError(f"{cls.type} payload without a valid {key!r}: {payload!r:.80}")
        values[key] = value
    return cls(**values)
