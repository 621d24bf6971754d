"""The feed: a game at instant `now` as one flat object of display-ready strings.

Graphics engines (vMix, OBS text sources, Companion, H2R Graphics, Singular) bind a
text field to a key and show its value as it is; they cannot format a number or
read a nested object. `feed(state, now)` is that presentation of the state the
wire sends (`wire.game_fields`, so the feed and the state never disagree on a
bonus or a timeout): every value a string, every key always present whatever the
rules (a field that does not apply is ""), so one template fits every game.
Every clock reads as the pages draw it (static/game-format.js): the game clock
truncated (a time is shown once reached), the shot clock and penalties rounded up.
docs/feeds.md lists the keys.

`next_change_at` is when the feed may next read differently without an event (a
clock's next shown digit, a horn's end), so a feed stream wakes exactly then.
"""

from __future__ import annotations

from typing import Any

from score.core.clock import remaining_at
from score.core.game_clocks import shown_ms
from score.core.game_state import TEAMS, GameState
from score.core.rules import Rules
from score.core.wire import game_fields

PENALTY_SLOTS = 3
"""Penalties shown per team (`home_penalty_1` .. `_3`), soonest to end first."""

HORN_MS = 2000
"""How long `horn` reads "true" after a horn's instant."""

PLAIN_CLOCK_TENTHS_BELOW_MS = 60_000
"""A plain clock shows tenths below a minute, as /display draws it."""

ARROWS = {"home": "\u25c0", "away": "\u25b6"}
"""The possession arrow points at the team on its side: home left, away right."""


def _whole(seconds: int) -> str:
    """Whole seconds as m:ss (h:mm:ss from an hour)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _tenths(ms: int) -> str:
    """ "s.t", "m:ss.t" from a minute; time left never shows as 0.0 ("0.1")."""
    tenths = max(ms // 100, 1)
    seconds, tenth = divmod(tenths, 10)
    if seconds >= 60:
        return f"{_whole(seconds)}.{tenth}"
    return f"{seconds}.{tenth}"


def countdown_text(ms: int, tenths_below_ms: float) -> str:
    """Time left, truncated: tenths below the threshold ("59.9"), else "m:ss"
    ("1:23", "0:45"); "0.0" only at zero (as static/game-format.js)."""
    if ms <= 0:
        return "0.0"
    if ms < tenths_below_ms:
        return _tenths(ms)
    return _whole(ms // 1000)


def elapsed_text(ms: int) -> str:
    """Time played, whole seconds: "12:34" ("0:00" at the start)."""
    return _whole(max(ms, 0) // 1000)


def seconds_text(ms: int, tenths_below_ms: float) -> str:
    """A shot clock: whole seconds rounded up, so "24" shows for its whole first
    second and "1" for its last; tenths below its threshold ("4.9"); "0" at zero."""
    if ms <= 0:
        return "0"
    if ms < tenths_below_ms:
        return _tenths(ms)
    return str(-(-ms // 1000))


def penalty_text(ms: int) -> str:
    """A penalty's time left, m:ss rounded up ("2:00" for its whole first second),
    as penalty clocks are read."""
    return _whole(-(-max(ms, 0) // 1000))


def period_text(rules: Rules, period: int) -> str:
    """ "Q1".."Q4" (four periods), "1st half"/"2nd half" (two), "P1".. (any other
    number), "OT1", "OT2".. for overtimes; "" for a plain clock."""
    if rules.is_clock or period < 1:
        return ""
    if period > rules.periods:
        return f"OT{period - rules.periods}"
    if rules.periods == 4:
        return f"Q{period}"
    if rules.periods == 2:
        return ("1st half", "2nd half")[period - 1]
    return f"P{period}"


def clock_text(state: GameState, now: int) -> str:
    """The game clock as shown: time left, or time played if it counts up."""
    rules = state.rules
    if rules.counts_up:
        return elapsed_text(shown_ms(state, now))
    threshold = PLAIN_CLOCK_TENTHS_BELOW_MS if rules.is_clock else rules.tenths_below * 1000
    return countdown_text(shown_ms(state, now), threshold)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def feed(state: GameState, now: int) -> dict[str, str]:
    """The flat feed at `now` (see the module docstring)."""
    rules = state.rules
    fields: dict[str, str] = {
        "rules": rules.name,
        "clock": clock_text(state, now),
        "running": _flag(state.clock.running),
        "period": period_text(rules, state.period),
    }
    game: dict[str, Any] | None = None if rules.is_clock else game_fields(state, now)
    for name in TEAMS:
        fields |= _team(name, game)
    shot = None if game is None else game["shot_clock"]
    fields["shot_clock"] = (
        ""
        if shot is None or rules.shot_clock is None
        else seconds_text(shot["remaining_ms"], rules.shot_clock.tenths_below * 1000)
    )
    possession = "" if game is None else game["possession"] or ""
    fields["possession"] = possession
    fields["possession_arrow"] = ARROWS.get(possession, "")
    for name in TEAMS:
        fields |= _penalties(name, game)
    sounding = state.horn is not None and state.horn[0] <= now < state.horn[0] + HORN_MS
    fields["horn"] = _flag(sounding)
    fields["horn_reason"] = state.horn[1] if sounding and state.horn is not None else ""
    return fields


def _team(name: str, game: dict[str, Any] | None) -> dict[str, str]:
    if game is None:
        keys = ("name", "color", "score", "fouls", "bonus", "timeouts")
        return {f"{name}_{key}": "" for key in keys}
    team = game["teams"][name]
    return {
        f"{name}_name": team["name"],
        f"{name}_color": team["color"],
        f"{name}_score": str(team["score"]),
        f"{name}_fouls": str(team["fouls"]),
        f"{name}_bonus": "BONUS" if team["bonus"] else "",
        f"{name}_timeouts": str(team["timeouts_left"]),
    }


def _penalties(name: str, game: dict[str, Any] | None) -> dict[str, str]:
    serving = [] if game is None else [p for p in game["penalties"] if p["team"] == name]
    serving.sort(key=lambda p: (p["remaining_ms"], p["id"]))
    fields: dict[str, str] = {f"{name}_penalties": str(len(serving)) if game else ""}
    for slot in range(1, PENALTY_SLOTS + 1):
        key = f"{name}_penalty_{slot}"
        if slot <= len(serving):
            penalty = serving[slot - 1]
            time = penalty_text(penalty["remaining_ms"])
            fields |= {
                key: f"{penalty['player']} {time}",
                f"{key}_player": penalty["player"],
                f"{key}_time": time,
            }
        else:
            fields |= {key: "", f"{key}_player": "", f"{key}_time": ""}
    return fields


def keys(state: GameState) -> list[str]:
    """Every key of the feed, in order (the same for every rule set)."""
    return list(feed(state, state.clock.anchor))


def _next_step(value_ms: int, unit: int, rising: bool, ceil: bool = False) -> int:
    """Ms from now until a value shown in `unit`s (truncated, or rounded up when
    `ceil`) next changes, as it rises or falls by 1 ms a ms."""
    if rising:
        return unit - value_ms % unit
    if ceil:
        return (value_ms - 1) % unit + 1
    return value_ms % unit + 1


def next_change_at(state: GameState, now: int) -> int | None:
    """The next instant after `now` at which `feed` may read differently with no
    event in between (None: not before the next event). Above a threshold a clock
    changes once a second, below it once a tenth."""
    candidates: list[int] = []
    if state.horn is not None:
        at = state.horn[0]
        if now < at:
            candidates.append(at)
        elif now < at + HORN_MS:
            candidates.append(at + HORN_MS)
    if not state.clock.running:
        return min(candidates, default=None)
    rules = state.rules
    remaining = remaining_at(state.clock, now)
    if rules.counts_up:
        candidates.append(now + _next_step(shown_ms(state, now), 1000, rising=True))
    elif remaining > 0:
        threshold = PLAIN_CLOCK_TENTHS_BELOW_MS if rules.is_clock else rules.tenths_below * 1000
        candidates.append(now + _falling_step(remaining, threshold))
    shot = state.shot
    if shot is not None and not shot.expired and shot.mark >= 0 and rules.shot_clock:
        left = remaining - shot.mark
        if left > 0:
            candidates.append(now + _next_step(left, 1000, rising=False, ceil=True))
            if left < rules.shot_clock.tenths_below * 1000 + 1000:
                candidates.append(now + _next_step(left, 100, rising=False))
    for penalty in state.penalties:
        if remaining - penalty.mark > 0:
            step = _next_step(remaining - penalty.mark, 1000, rising=False, ceil=True)
            candidates.append(now + step)
    return min(candidates, default=None)


def _falling_step(value_ms: int, tenths_below_ms: float) -> int:
    """Ms until a falling clock shown in seconds, then tenths, next changes."""
    unit = 1000 if value_ms >= tenths_below_ms + 1000 else 100
    return _next_step(value_ms, unit, rising=False)
