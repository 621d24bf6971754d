"""Rules as data: a sport's numbers, parsed and checked into a frozen `Rules`.

A rule set says how many periods a game has and how long they last, whether the
clock counts down or up, when tenths are shown, the shot clock (or none), the
team-foul bonus, timeouts per window of periods and per overtime, penalty lengths
and whether a goal ends them, and the possession arrow. The presets are small TOML
files in `score/rules/` (the shell reads them); `parse_rules` turns the decoded
mapping into a `Rules` or raises `ScoreError("bad_rules", ...)` naming the field.
`to_mapping` is its inverse: `GAME_CONFIGURED` carries the whole rule set as that
mapping, so a replay never depends on a preset file that changed later.

`CLOCK` is the plain clock of before the game model, and the default.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from score.core.errors import ScoreError


@dataclass(frozen=True)
class ShotClock:
    full: float
    short: float
    tenths_below: float
    stops_game_clock: bool = True
    """The game clock stops when the shot clock expires (FIBA art. 49)."""


@dataclass(frozen=True)
class Rules:
    name: str
    title: str
    periods: int
    period_seconds: float
    overtime_seconds: float
    count: str = "down"
    tenths_below: float = 60
    shot_clock: ShotClock | None = None
    bonus_from: int | None = None
    """A team's fouls from this one on are penalised (FIBA 5, futsal 6)."""
    timeout_windows: tuple[tuple[int, ...], ...] = ()
    timeout_counts: tuple[int, ...] = ()
    overtime_timeouts: int = 0
    penalty_seconds: tuple[int, ...] = ()
    penalty_ends_on_goal: tuple[int, ...] = ()
    possession_arrow: bool = False
    max_overtimes: int = field(default=9)

    @property
    def is_clock(self) -> bool:
        """The plain clock: no game around it."""
        return self.name == "clock"

    @property
    def counts_up(self) -> bool:
        return self.count == "up"

    @property
    def last_period(self) -> int:
        return self.periods + (self.max_overtimes if self.overtime_seconds else 0)

    def period_ms(self, period: int) -> int:
        seconds = self.period_seconds if period <= self.periods else self.overtime_seconds
        return round(seconds * 1000)

    def timeout_window(self, period: int) -> int:
        """Which timeout allowance `period` draws on (overtimes: one each)."""
        for index, window in enumerate(self.timeout_windows):
            if period in window:
                return index
        return len(self.timeout_windows) + period

    def timeouts_for(self, period: int) -> int:
        window = self.timeout_window(period)
        if window < len(self.timeout_counts):
            return self.timeout_counts[window]
        return self.overtime_timeouts


CLOCK = Rules(
    name="clock",
    title="Plain clock",
    periods=1,
    period_seconds=0,
    overtime_seconds=0,
    tenths_below=359_999.9,
)


def _get(
    table: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    default: Any = None,
    where: str = "",
) -> Any:
    if key not in table:
        if default is None:
            raise ScoreError("bad_rules", f"rules: {where}{key} is missing")
        return default
    value = table[key]
    if isinstance(value, bool) and kind is not bool:
        raise ScoreError("bad_rules", f"rules: {where}{key} must be a number")
    if not isinstance(value, kind):
        raise ScoreError("bad_rules", f"rules: {where}{key} has the wrong type ({value!r:.40})")
    return value


def _seconds(table: dict[str, Any], key: str, where: str = "", default: Any = None) -> float:
    value = _get(table, key, (int, float), default, where)
    if not math.isfinite(value) or not 0 <= value <= 359_999.9:
        raise ScoreError("bad_rules", f"rules: {where}{key} must be 0 to 359999.9 seconds")
    return float(value) if isinstance(value, float) else int(value)


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
    ):
        raise ScoreError("bad_rules", f"rules: {what} must be a list of whole numbers")
    return tuple(value)


def _table(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    table = mapping.get(key, {})
    if not isinstance(table, dict):
        raise ScoreError("bad_rules", f"rules: [{key}] must be a table")
    return table


def parse_rules(mapping: Any) -> Rules:
    """A checked `Rules` from a decoded TOML (or GAME_CONFIGURED) mapping."""
    if not isinstance(mapping, dict):
        raise ScoreError("bad_rules", "rules must be a table")
    name = _get(mapping, "name", str)
    periods = _get(mapping, "periods", int)
    if not 1 <= periods <= 20:
        raise ScoreError("bad_rules", "rules: periods must be 1 to 20")
    count = _get(mapping, "count", str, "down")
    if count not in ("down", "up"):
        raise ScoreError("bad_rules", 'rules: count must be "down" or "up"')
    shot = _table(mapping, "shot_clock")
    shot_clock = None
    if shot:
        full = _seconds(shot, "full", "shot_clock.")
        shot_clock = ShotClock(
            full=full,
            short=_seconds(shot, "short", "shot_clock.", full),
            tenths_below=_seconds(shot, "tenths_below", "shot_clock.", 0),
            stops_game_clock=_get(shot, "stops_game_clock", bool, True, "shot_clock."),
        )
        if not 0 < shot_clock.short <= full:
            raise ScoreError("bad_rules", "rules: shot_clock needs 0 < short <= full")
    fouls = _table(mapping, "fouls")
    bonus_from = _get(fouls, "bonus_from", int, 0, "fouls.") or None
    timeouts = _table(mapping, "timeouts")
    windows = tuple(_ints(w, "timeouts.windows") for w in _get(timeouts, "windows", list, []))
    counts = _ints(_get(timeouts, "counts", list, []), "timeouts.counts")
    if len(windows) != len(counts):
        raise ScoreError("bad_rules", "rules: timeouts.windows and counts differ in length")
    penalties = _table(mapping, "penalties")
    lengths = _ints(_get(penalties, "seconds", list, []), "penalties.seconds")
    ends = _ints(_get(penalties, "end_on_goal", list, []), "penalties.end_on_goal")
    if not set(ends) <= set(lengths) or 0 in lengths:
        raise ScoreError("bad_rules", "rules: penalties.end_on_goal must be among seconds")
    rules = Rules(
        name=name,
        title=_get(mapping, "title", str, name),
        periods=periods,
        period_seconds=_seconds(mapping, "period_seconds"),
        overtime_seconds=_seconds(mapping, "overtime_seconds", default=0),
        count=count,
        tenths_below=_seconds(mapping, "tenths_below", default=60),
        shot_clock=shot_clock,
        bonus_from=bonus_from,
        timeout_windows=windows,
        timeout_counts=counts,
        overtime_timeouts=_get(timeouts, "overtime", int, 0, "timeouts."),
        penalty_seconds=lengths,
        penalty_ends_on_goal=ends,
        possession_arrow=_get(_table(mapping, "possession"), "arrow", bool, False, "possession."),
    )
    if not rules.is_clock and rules.period_seconds <= 0:
        raise ScoreError("bad_rules", "rules: period_seconds must be above 0")
    return rules


def to_mapping(rules: Rules) -> dict[str, Any]:
    """The mapping `parse_rules` reads back into `rules` (GAME_CONFIGURED's payload)."""
    mapping: dict[str, Any] = {
        "name": rules.name,
        "title": rules.title,
        "periods": rules.periods,
        "period_seconds": rules.period_seconds,
        "overtime_seconds": rules.overtime_seconds,
        "count": rules.count,
        "tenths_below": rules.tenths_below,
    }
    if rules.shot_clock is not None:
        mapping["shot_clock"] = asdict(rules.shot_clock)
    if rules.bonus_from is not None:
        mapping["fouls"] = {"bonus_from": rules.bonus_from}
    if rules.timeout_windows or rules.overtime_timeouts:
        mapping["timeouts"] = {
            "windows": [list(w) for w in rules.timeout_windows],
            "counts": list(rules.timeout_counts),
            "overtime": rules.overtime_timeouts,
        }
    if rules.penalty_seconds:
        mapping["penalties"] = {
            "seconds": list(rules.penalty_seconds),
            "end_on_goal": list(rules.penalty_ends_on_goal),
        }
    if rules.possession_arrow:
        mapping["possession"] = {"arrow": True}
    return mapping


def rules_refusal(stored: Rules | None, has_history: bool, wanted: Rules) -> str | None:
    """Why a database holding `stored` rules (None: a plain clock) cannot be run with
    `wanted`, or None when it can (`score run --rules`)."""
    if stored is not None and stored.name != wanted.name:
        return f"this database is a {stored.name} game; run it without --rules or use a new --db"
    if stored is None and has_history and not wanted.is_clock:
        return (
            f"this database already holds a plain clock's history; {wanted.name} needs a new --db"
        )
    return None
