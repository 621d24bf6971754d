"""The feed in the pure core: display-ready strings per rule set, played in virtual
time (tests/game_driver.py); tables of instants and what each key must read."""

from __future__ import annotations

from typing import Any

import pytest

from score.core.feed import (
    countdown_text,
    elapsed_text,
    feed,
    keys,
    next_change_at,
    penalty_text,
    period_text,
    seconds_text,
)
from score.core.game_clocks import next_owed_at
from score.core.game_state import GameState
from score.core.rules import CLOCK
from score.shell.presets import load_preset, preset_names
from tests.game_driver import Driver
from tests.seeds import seeded_random

S = 1000
MIN = 60 * S


@pytest.mark.parametrize(
    ("ms", "tenths_below", "text"),
    [
        (600 * S, 60 * S, "10:00"),
        (600 * S - 1, 60 * S, "9:59"),
        (83_400, 60 * S, "1:23"),
        (60 * S, 60 * S, "1:00"),
        (59_999, 60 * S, "59.9"),
        (5_050, 60 * S, "5.0"),
        (99, 60 * S, "0.1"),  # time is left: never 0.0 early
        (0, 60 * S, "0.0"),
        (3_600 * S, 60 * S, "1:00:00"),
        (3_599_999, 60 * S, "59:59"),
        (45_500, 0, "0:45"),
        (45_500, 30 * S, "0:45"),
        (500, 0, "0:00"),
        (0, 0, "0.0"),
        (65_300, 120 * S, "1:05.3"),
    ],
)
def test_countdown_text(ms: int, tenths_below: float, text: str) -> None:
    assert countdown_text(ms, tenths_below) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0:00"),
        (999, "0:00"),
        (45_900, "0:45"),
        (754_321, "12:34"),
        (1800 * S, "30:00"),
        (3_725 * S, "1:02:05"),
    ],
)
def test_elapsed_text(ms: int, text: str) -> None:
    assert elapsed_text(ms) == text


@pytest.mark.parametrize(
    ("ms", "tenths_below", "text"),
    [
        (24 * S, 5 * S, "24"),
        (23_001, 5 * S, "24"),  # rounded up: 24 shows for its whole first second
        (23 * S, 5 * S, "23"),
        (5_001, 5 * S, "6"),
        (5 * S, 5 * S, "5"),
        (4_999, 5 * S, "4.9"),
        (50, 5 * S, "0.1"),
        (0, 5 * S, "0"),
        (0, 0, "0"),
        (400, 0, "1"),
    ],
)
def test_shot_clock_text(ms: int, tenths_below: float, text: str) -> None:
    assert seconds_text(ms, tenths_below) == text


@pytest.mark.parametrize(
    ("ms", "text"),
    [(120 * S, "2:00"), (119_001, "2:00"), (119 * S, "1:59"), (1, "0:01"), (0, "0:00")],
)
def test_penalty_text(ms: int, text: str) -> None:
    assert penalty_text(ms) == text


@pytest.mark.parametrize(
    ("rules", "period", "text"),
    [
        ("basketball-fiba", 1, "Q1"),
        ("basketball-fiba", 4, "Q4"),
        ("basketball-fiba", 5, "OT1"),
        ("basketball-fiba", 6, "OT2"),
        ("ice-hockey", 2, "P2"),
        ("ice-hockey", 3, "P3"),
        ("ice-hockey", 4, "OT1"),
        ("futsal", 1, "1st half"),
        ("futsal", 2, "2nd half"),
        ("futsal", 3, "OT1"),
        ("handball", 2, "2nd half"),
        ("handball", 4, "OT2"),
        ("clock", 1, ""),
    ],
)
def test_period_text(rules: str, period: int, text: str) -> None:
    assert period_text(load_preset(rules), period) == text


Step = tuple[Any, ...]
"""("send", {command}) | ("wait", ms) | ("is", {key: text, ...})"""

SCRIPTS: dict[str, list[Step]] = {
    "basketball-fiba": [
        (
            "is",
            {
                "clock": "10:00",
                "period": "Q1",
                "running": "false",
                "shot_clock": "24",
                "home_name": "Home",
                "home_score": "0",
                "home_timeouts": "2",
                "home_bonus": "",
                "possession": "",
                "possession_arrow": "",
                "horn": "false",
            },
        ),
        ("send", {"command": "team", "team": "home", "name": "Hawks", "color": "#1d4ed8"}),
        ("send", {"command": "start"}),
        ("wait", 1),
        (
            "is",
            {
                "home_name": "Hawks",
                "home_color": "#1d4ed8",
                "clock": "9:59",
                "shot_clock": "24",
                "running": "true",
            },
        ),
        ("wait", 19 * S - 1),
        ("is", {"clock": "9:41", "shot_clock": "5"}),
        ("wait", 1),
        ("is", {"shot_clock": "4.9"}),
        ("send", {"command": "score", "team": "home", "points": 3}),
        ("send", {"command": "shot_clock", "seconds": 14}),
        ("is", {"home_score": "3", "shot_clock": "14", "away_score": "0"}),
        ("send", {"command": "foul", "team": "away"}),
        ("send", {"command": "foul", "team": "away"}),
        ("send", {"command": "foul", "team": "away"}),
        ("is", {"away_fouls": "3", "away_bonus": ""}),
        ("send", {"command": "foul", "team": "away"}),
        ("is", {"away_fouls": "4", "away_bonus": "BONUS"}),
        ("send", {"command": "possession", "team": "away"}),
        ("is", {"possession": "away", "possession_arrow": "\u25b6"}),
        ("send", {"command": "pause"}),
        ("send", {"command": "timeout", "team": "away"}),
        ("is", {"away_timeouts": "1", "running": "false"}),
        ("send", {"command": "set", "seconds": 61}),
        ("send", {"command": "shot_clock", "seconds": 24}),
        ("send", {"command": "start"}),
        ("wait", 1 * S),
        ("is", {"clock": "1:00"}),
        ("wait", 1),
        ("is", {"clock": "59.9", "shot_clock": "23"}),
        ("send", {"command": "pause"}),
        ("send", {"command": "set", "seconds": 0.3}),
        ("send", {"command": "start"}),
        ("wait", 150),
        ("is", {"clock": "0.1", "shot_clock": ""}),  # the shot clock outlasts the period: off
        ("wait", 150),
        ("is", {"clock": "0.0", "running": "false", "horn": "true", "horn_reason": "period_end"}),
        ("wait", 2 * S),
        ("is", {"horn": "false", "horn_reason": ""}),
        ("send", {"command": "period", "period": 5}),
        ("is", {"period": "OT1", "clock": "5:00", "away_fouls": "4", "away_timeouts": "1"}),
    ],
    "ice-hockey": [
        (
            "is",
            {
                "period": "P1",
                "clock": "20:00",
                "shot_clock": "",
                "home_penalties": "0",
                "home_penalty_1": "",
                "home_bonus": "",
                "possession_arrow": "",
            },
        ),
        ("send", {"command": "start"}),
        ("send", {"command": "penalty", "team": "home", "player": "17", "seconds": 300}),
        ("wait", 10 * S),
        ("send", {"command": "penalty", "team": "home", "player": "4", "seconds": 120}),
        ("wait", 15 * S),
        (
            "is",
            {
                "clock": "19:35",
                "home_penalties": "2",
                "home_penalty_1": "4 1:45",
                "home_penalty_1_player": "4",
                "home_penalty_1_time": "1:45",
                "home_penalty_2": "17 4:35",
                "home_penalty_3": "",
                "away_penalty_1": "",
            },
        ),
        ("send", {"command": "score", "team": "away", "points": 1}),
        ("is", {"away_score": "1", "home_penalties": "1", "home_penalty_1": "17 4:35"}),
        ("wait", 275 * S - 1),
        ("is", {"home_penalty_1": "17 0:01"}),
        ("wait", 1),
        ("is", {"home_penalties": "0", "home_penalty_1": ""}),
        ("send", {"command": "period", "period": 2}),
        ("is", {"period": "P2"}),
    ],
    "futsal": [
        ("is", {"period": "1st half", "clock": "20:00", "home_timeouts": "1"}),
        ("send", {"command": "foul", "team": "home"}),
        ("send", {"command": "foul", "team": "home"}),
        ("send", {"command": "foul", "team": "home"}),
        ("send", {"command": "foul", "team": "home"}),
        ("is", {"home_fouls": "4", "home_bonus": ""}),
        ("send", {"command": "foul", "team": "home"}),
        ("is", {"home_fouls": "5", "home_bonus": "BONUS"}),
        ("send", {"command": "period", "period": 2}),
        ("is", {"period": "2nd half", "home_fouls": "0", "home_bonus": ""}),
    ],
    "handball": [
        ("is", {"period": "1st half", "clock": "0:00", "shot_clock": "", "home_timeouts": "3"}),
        ("send", {"command": "start"}),
        ("wait", 999),
        ("is", {"clock": "0:00"}),
        ("wait", 1),
        ("is", {"clock": "0:01"}),
        ("wait", 754 * S - 1),
        ("is", {"clock": "12:34"}),  # count-up: time played, never tenths
        ("send", {"command": "penalty", "team": "away", "player": "9", "seconds": 120}),
        ("wait", 30 * S),
        ("is", {"away_penalty_1": "9 1:30", "clock": "13:04"}),
        ("send", {"command": "pause"}),
        ("send", {"command": "set", "seconds": 1799}),
        ("send", {"command": "start"}),
        ("wait", 1 * S),
        ("is", {"clock": "30:00", "running": "false", "horn_reason": "period_end"}),
    ],
    "clock": [
        (
            "is",
            {
                "rules": "clock",
                "clock": "0.0",
                "running": "false",
                "period": "",
                "home_name": "",
                "home_score": "",
                "shot_clock": "",
                "home_penalties": "",
                "horn": "false",
            },
        ),
        ("send", {"command": "set", "seconds": 90}),
        ("is", {"clock": "1:30"}),
        ("send", {"command": "start"}),
        ("wait", 30 * S),
        ("is", {"clock": "1:00", "running": "true"}),
        ("wait", 1),
        ("is", {"clock": "59.9"}),
        ("send", {"command": "set", "seconds": 7200}),
        ("is", {"clock": "2:00:00"}),
    ],
}


@pytest.mark.parametrize("rules", list(SCRIPTS))
def test_a_game_reads_in_the_feed(rules: str) -> None:
    driver = Driver(load_preset(rules))
    for step in SCRIPTS[rules]:
        match step:
            case ("send", message):
                driver.send(**message)
            case ("wait", ms):
                driver.advance(ms)
            case ("is", wanted):
                shown = feed(driver.state, driver.now)
                assert {k: shown[k] for k in wanted} == wanted, (rules, driver.now)


def test_every_preset_has_the_same_keys_and_only_strings() -> None:
    expected = keys(GameState())
    assert expected[:4] == ["rules", "clock", "running", "period"]
    for name in preset_names():
        driver = Driver(load_preset(name))
        assert keys(driver.state) == expected, name
        values = feed(driver.state, driver.now).values()
        assert all(isinstance(v, str) for v in values), name
    assert keys(GameState(rules=CLOCK)) == expected


@pytest.mark.parametrize("rules", ["basketball-fiba", "ice-hockey", "handball", "clock"])
def test_the_feed_changes_only_at_next_change_at(rules: str) -> None:
    """Between two instants `next_change_at` names, the feed reads the same; at each
    it may change, and a running clock's shown digits always do within 1 s."""
    rng = seeded_random()
    driver = Driver(load_preset(rules))
    if rules == "clock":
        driver.send(command="set", seconds=75)
    driver.send(command="start")
    if rules == "ice-hockey":
        driver.send(command="penalty", team="away", player="8", seconds=120)
    driver.advance(rng.randrange(1, 5 * S))
    changes = 0
    for _ in range(300):
        now, state = driver.now, driver.state
        at = next_change_at(state, now)
        assert at is not None and now < at <= now + S
        before = feed(state, now)
        for probe in {now + 1, (now + at) // 2, at - 1}:
            if probe < at and probe < (next_owed_at(state) or at):  # the loop records then
                assert feed(state, probe) == before, (now, probe, at)
        changes += feed(state, at) != before
        driver.advance(at - now + rng.randrange(0, 3))
        if not driver.state.clock.running:
            break
    assert changes > 50


def test_a_stopped_clock_changes_only_when_its_horn_ends() -> None:
    driver = Driver(load_preset("basketball-fiba"))
    assert next_change_at(driver.state, driver.now) is None
    driver.send(command="horn")
    assert next_change_at(driver.state, driver.now) == driver.now + 2 * S
    assert feed(driver.state, driver.now)["horn_reason"] == "operator"
    driver.advance(2 * S)
    assert next_change_at(driver.state, driver.now) is None
