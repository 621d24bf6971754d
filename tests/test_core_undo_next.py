"""`undo_next` in a game's state: what the console's Undo button names ("Undo: Hawks +3"),
read from the latest undo frame, for every kind of operator event."""

from __future__ import annotations

from typing import Any

import pytest

from score.shell.presets import load_preset
from tests.game_driver import Driver

CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = [
    (
        "basketball-fiba",
        [{"command": "score", "team": "home", "points": 3}],
        {"kind": "score", "team": "home", "points": 3},
    ),
    (
        "basketball-fiba",
        [
            {"command": "score", "team": "away", "points": 2},
            {"command": "score", "team": "away", "points": -1},
        ],
        {"kind": "score", "team": "away", "points": -1},
    ),
    (
        "basketball-fiba",
        [{"command": "foul", "team": "away"}],
        {"kind": "foul", "team": "away", "delta": 1},
    ),
    (
        "basketball-fiba",
        [{"command": "timeout", "team": "home"}],
        {"kind": "timeout", "team": "home"},
    ),
    (
        "basketball-fiba",
        [{"command": "team", "team": "home", "name": "Hawks", "color": "#000000"}],
        {"kind": "team", "team": "home"},
    ),
    ("basketball-fiba", [{"command": "period", "period": 2}], {"kind": "period", "period": 2}),
    (
        "basketball-fiba",
        [
            {"command": "foul", "team": "home"},
            {"command": "timeout", "team": "away"},
            {"command": "period", "period": 3},
        ],
        {"kind": "period", "period": 3},
    ),  # not the fouls and timeouts it resets
    (
        "ice-hockey",
        [{"command": "penalty", "team": "away", "player": "17", "seconds": 120}],
        {"kind": "penalty", "team": "away", "player": "17"},
    ),
    (
        "basketball-fiba",
        [{"command": "possession", "team": "away"}],
        {"kind": "possession", "team": "away"},
    ),
    ("basketball-fiba", [{"command": "horn"}], {"kind": "horn"}),
    ("basketball-fiba", [{"command": "start"}], {"kind": "start"}),
    ("basketball-fiba", [{"command": "start"}, {"command": "pause"}], {"kind": "pause"}),
    ("basketball-fiba", [{"command": "shot_clock", "seconds": 14}], {"kind": "shot_clock"}),
    ("basketball-fiba", [{"command": "set", "seconds": 90}], {"kind": "clock"}),
]


@pytest.mark.parametrize(("preset", "commands", "expected"), CASES)
def test_undo_next_names_the_latest_operator_event(
    preset: str, commands: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    game = Driver(load_preset(preset))
    for command in commands:
        state = game.send(**command)
        game.advance(1000)
    assert state["undo_next"] == {"event_id": len(game.log), **expected}


def test_undo_next_walks_back_with_undo_and_is_null_at_the_start() -> None:
    game = Driver(load_preset("basketball-fiba"))
    assert game.view()["undo_next"] is None
    game.send(command="score", team="home", points=2)
    game.send(command="foul", team="home")
    assert game.send(command="undo")["undo_next"] == {
        "event_id": 2,
        "kind": "score",
        "team": "home",
        "points": 2,
    }
    assert game.send(command="undo")["undo_next"] is None


def test_a_plain_clock_has_no_undo_next() -> None:
    assert "undo_next" not in Driver().send(command="set", seconds=60)
