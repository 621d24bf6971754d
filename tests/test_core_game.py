"""The game model in the pure core, rule set by rule set: synchronous, in virtual
time (tests/game_driver.py), each script a table of commands, waits and what the
state must say; every game must fold the same live and in replay."""

from __future__ import annotations

from typing import Any

import pytest

from score.core.rules import CLOCK
from score.shell.presets import load_preset
from tests.game_driver import Driver

Step = tuple[Any, ...]
"""("send", {command}) | ("wait", ms) | ("is", "dotted.path", value) | ("no", {command}, code)"""

S = 1000
MIN = 60 * S

SCRIPTS: dict[str, list[tuple[str, list[Step]]]] = {
    "basketball-fiba": [
        (
            "a new game is period 1 at 10:00 with a full shot clock",
            [
                ("is", "period", 1),
                ("is", "seconds", 600),
                ("is", "shot_clock.seconds", 24),
                ("is", "teams.home.timeouts_left", 2),
                ("is", "running", False),
            ],
        ),
        (
            "the shot clock runs only with the game clock",
            [
                ("send", {"command": "start"}),
                ("wait", 10 * S),
                ("is", "shot_clock.seconds", 14),
                ("send", {"command": "pause"}),
                ("wait", 60 * S),
                ("is", "shot_clock.seconds", 14),
                ("is", "seconds", 590),
                ("send", {"command": "shot_clock", "seconds": 14}),
                ("is", "shot_clock.seconds", 14),
            ],
        ),
        (
            "the shot clock expires with a horn and stops the game clock",
            [
                ("send", {"command": "start"}),
                ("wait", 30 * S),
                ("is", "shot_clock.seconds", 0),
                ("is", "running", False),
                ("is", "seconds", 576),
                ("is", "horn.reason", "shot_clock"),
            ],
        ),
        (
            "the shot clock is off when the game clock shows less",
            [
                ("send", {"command": "set", "seconds": 20}),
                ("send", {"command": "shot_clock", "seconds": 24}),
                ("is", "shot_clock", None),
                ("send", {"command": "shot_clock", "seconds": 14}),
                ("is", "shot_clock.seconds", 14),
            ],
        ),
        (
            "team fouls: the bonus from the 5th, reset each period, kept into overtime",
            [
                *[("send", {"command": "foul", "team": "away"})] * 3,
                ("is", "teams.away.bonus", False),
                ("send", {"command": "foul", "team": "away"}),
                ("is", "teams.away.bonus", True),
                ("is", "teams.away.fouls", 4),
                ("send", {"command": "foul", "team": "away", "delta": -1}),
                ("is", "teams.away.bonus", False),
                ("send", {"command": "period", "period": 4}),
                ("is", "teams.away.fouls", 0),
                ("send", {"command": "foul", "team": "home"}),
                ("send", {"command": "period", "period": 5}),
                ("is", "teams.home.fouls", 1),
                ("is", "seconds", 300),
            ],
        ),
        (
            "timeouts: 2 in the first half, 3 in the second, 1 per overtime",
            [
                ("send", {"command": "timeout", "team": "home"}),
                ("send", {"command": "period", "period": 2}),
                ("send", {"command": "timeout", "team": "home"}),
                ("is", "teams.home.timeouts_left", 0),
                ("no", {"command": "timeout", "team": "home"}, "no_timeouts_left"),
                ("send", {"command": "period", "period": 3}),
                ("is", "teams.home.timeouts_left", 3),
                ("send", {"command": "period", "period": 5}),
                ("is", "teams.home.timeouts_left", 1),
            ],
        ),
        (
            "scores, possession, names; what basketball has not is refused",
            [
                ("send", {"command": "score", "team": "home", "points": 3}),
                ("send", {"command": "score", "team": "home", "points": -1}),
                ("is", "teams.home.score", 2),
                ("no", {"command": "score", "team": "away", "points": -1}, "bad_points"),
                ("send", {"command": "possession", "team": "away"}),
                ("is", "possession", "away"),
                ("send", {"command": "team", "team": "away", "name": "Owls", "color": "#ff0000"}),
                ("is", "teams.away.name", "Owls"),
                (
                    "no",
                    {"command": "penalty", "team": "home", "player": "4", "seconds": 120},
                    "no_penalties",
                ),
                ("no", {"command": "period", "period": 14}, "bad_period"),
                ("no", {"command": "shot_clock", "seconds": 25}, "bad_seconds"),
            ],
        ),
    ],
    "ice-hockey": [
        (
            "a penalty runs with the game clock, across a period end",
            [
                ("send", {"command": "set", "seconds": 60}),
                ("send", {"command": "penalty", "team": "away", "player": "17", "seconds": 120}),
                ("send", {"command": "start"}),
                ("wait", 30 * S),
                ("send", {"command": "pause"}),
                ("wait", 5 * MIN),
                ("is", "penalties.0.remaining", 90),
                ("send", {"command": "start"}),
                ("wait", 2 * MIN),
                ("is", "seconds", 0),
                ("is", "horn.reason", "period_end"),
                ("is", "penalties.0.remaining", 60),
                ("send", {"command": "period", "period": 2}),
                ("is", "penalties.0.remaining", 60),
                ("send", {"command": "start"}),
                ("wait", 60 * S),
                ("is", "penalties", []),
                ("is", "seconds", 1140),
            ],
        ),
        (
            "a goal ends the scored-on team's minor, not a major",
            [
                ("send", {"command": "penalty", "team": "away", "player": "4", "seconds": 300}),
                ("send", {"command": "penalty", "team": "away", "player": "9", "seconds": 120}),
                ("send", {"command": "start"}),
                ("wait", 10 * S),
                ("send", {"command": "score", "team": "away", "points": 1}),
                ("is", "penalties.1.player", "9"),
                ("send", {"command": "score", "team": "home", "points": 1}),
                ("is", "penalties.0.player", "4"),
                ("is", "penalties.0.remaining", 290),
                ("is", "penalties.1", None),
            ],
        ),
        (
            "penalty lengths and no shot clock",
            [
                (
                    "no",
                    {"command": "penalty", "team": "away", "player": "4", "seconds": 90},
                    "bad_penalty",
                ),
                ("no", {"command": "shot_clock", "seconds": 24}, "no_shot_clock"),
                ("no", {"command": "possession", "team": "home"}, "no_possession_arrow"),
                ("send", {"command": "timeout", "team": "away"}),
                ("no", {"command": "timeout", "team": "away"}, "no_timeouts_left"),
                ("send", {"command": "period", "period": 3}),
                ("is", "teams.away.timeouts_left", 0),
            ],
        ),
    ],
    "futsal": [
        (
            "accumulated fouls: the bonus from the 6th, reset at half time",
            [
                *[("send", {"command": "foul", "team": "home"})] * 4,
                ("is", "teams.home.bonus", False),
                ("send", {"command": "foul", "team": "home"}),
                ("is", "teams.home.bonus", True),
                ("send", {"command": "period", "period": 2}),
                ("is", "teams.home.fouls", 0),
                ("is", "seconds", 1200),
            ],
        ),
        (
            "one timeout per half, none in extra time",
            [
                ("send", {"command": "timeout", "team": "away"}),
                ("no", {"command": "timeout", "team": "away"}, "no_timeouts_left"),
                ("send", {"command": "period", "period": 2}),
                ("is", "teams.away.timeouts_left", 1),
                ("send", {"command": "period", "period": 3}),
                ("is", "teams.away.timeouts_left", 0),
                ("is", "seconds", 300),
            ],
        ),
        (
            "a team playing short is whole again when it concedes",
            [
                ("send", {"command": "penalty", "team": "home", "player": "5", "seconds": 120}),
                ("send", {"command": "start"}),
                ("wait", 20 * S),
                ("send", {"command": "score", "team": "away", "points": 1}),
                ("is", "penalties", []),
            ],
        ),
    ],
    "handball": [
        (
            "the clock counts up and stops at 30:00",
            [
                ("is", "seconds", 0),
                ("send", {"command": "start"}),
                ("wait", 90 * S),
                ("is", "seconds", 90),
                ("send", {"command": "adjust", "delta_ms": 1000}),
                ("is", "seconds", 91),
                ("wait", 40 * MIN),
                ("is", "seconds", 1800),
                ("is", "running", False),
                ("is", "horn.reason", "period_end"),
                ("no", {"command": "set", "seconds": 1801}, "bad_seconds"),
                ("send", {"command": "set", "seconds": 600}),
                ("is", "seconds", 600),
            ],
        ),
        (
            "a 2-minute suspension runs with the clock; a goal does not end it",
            [
                ("send", {"command": "penalty", "team": "home", "player": "7", "seconds": 120}),
                ("send", {"command": "start"}),
                ("wait", 30 * S),
                ("send", {"command": "score", "team": "away", "points": 1}),
                ("is", "penalties.0.remaining", 90),
                ("wait", 90 * S),
                ("is", "penalties", []),
                ("is", "seconds", 120),
            ],
        ),
        (
            "three team timeouts a match",
            [
                *[("send", {"command": "timeout", "team": "home"})] * 2,
                ("send", {"command": "period", "period": 2}),
                ("send", {"command": "timeout", "team": "home"}),
                ("no", {"command": "timeout", "team": "home"}, "no_timeouts_left"),
            ],
        ),
    ],
    "clock": [
        (
            "the plain clock has no game: its commands are refused, nudges are not",
            [
                ("no", {"command": "score", "team": "home", "points": 2}, "not_a_game"),
                ("no", {"command": "undo"}, "not_a_game"),
                ("send", {"command": "set", "seconds": 90}),
                ("send", {"command": "adjust", "delta_ms": -100}),
                ("is", "seconds", 89.9),
                ("no", {"command": "adjust", "delta_ms": 50}, "bad_delta_ms"),
                ("send", {"command": "start"}),
                ("wait", 100 * S),
                ("is", "seconds", 0),
                ("is", "teams", None),
            ],
        ),
    ],
}

CASES = [
    pytest.param(rules, script, id=f"{rules}: {title}")
    for rules, scripts in SCRIPTS.items()
    for title, script in scripts
]


def lookup(view: dict[str, Any], path: str) -> Any:
    value: Any = view
    for part in path.split("."):
        if isinstance(value, list):
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


@pytest.mark.parametrize(("rules", "script"), CASES)
def test_rules_play_as_the_rulebook_says(rules: str, script: list[Step]) -> None:
    driver = Driver(load_preset(rules))
    for number, step in enumerate(script):
        match step:
            case ("send", message):
                driver.send(**message)
            case ("wait", ms):
                driver.advance(ms)
            case ("is", path, expected):
                actual = lookup(driver.view(), path)
                assert actual == expected, f"step {number}: {path} is {actual!r}"
            case ("no", message, code):
                assert driver.refused(**message) == code, f"step {number}"
    assert driver.replayed() == driver.state
    if rules == "clock":
        assert set(driver.types()) <= {
            "CLOCK_SET",
            "GAME_STARTED",
            "CLOCK_EXPIRED",
            "CLOCK_ADJUSTED",
        }


def test_the_clock_preset_file_is_the_built_in_default() -> None:
    assert load_preset("clock") == CLOCK
