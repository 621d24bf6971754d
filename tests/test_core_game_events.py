"""The game's events through the one codec, the rules as data, and the loop's
owed events: round trips, refusals, owed once."""

from __future__ import annotations

from typing import Any

import pytest

from score.core import wire
from score.core.errors import ScoreError
from score.core.events import EventData, from_payload, to_payload
from score.core.game_clocks import next_owed_at, owed
from score.core.game_events import (
    ClockAdjusted,
    EventUndone,
    GameConfigured,
    Horn,
    PenaltyEnded,
    PenaltyStarted,
    PeriodStarted,
    PointsScored,
    PossessionSet,
    ShotClockExpired,
    ShotClockSet,
    TeamFoul,
    TeamNamed,
    TimeoutTaken,
)
from score.core.rules import parse_rules, rules_refusal, to_mapping
from score.shell.presets import load_preset, preset_names
from tests.game_driver import Driver

EVENTS: list[EventData] = [
    GameConfigured(load_preset("ice-hockey")),
    ClockAdjusted(-100),
    PointsScored("home", 3),
    TeamFoul("away", -1),
    TimeoutTaken("home"),
    PeriodStarted(2),
    ShotClockSet(14),
    ShotClockSet(4.5),
    ShotClockExpired(),
    PenaltyStarted("away", "17", 120),
    PenaltyEnded(12),
    PossessionSet("away"),
    TeamNamed("home", "Hawks", "#1d4ed8"),
    Horn("period_end"),
    EventUndone(7),
]


@pytest.mark.parametrize("data", EVENTS, ids=lambda d: str(d.type))
def test_every_game_event_round_trips_through_json(data: EventData) -> None:
    stored = wire.decode(wire.encode(to_payload(data)))
    assert from_payload(str(data.type), stored) == data
    assert data.version == 1


BAD_ROWS: list[tuple[str, Any, str]] = [
    ("POINTS_SCORED", {"team": "home"}, "valid 'points'"),
    ("POINTS_SCORED", {"team": "home", "points": "2"}, "valid 'points'"),
    ("TEAM_FOUL", {"team": 1, "delta": 1}, "valid 'team'"),
    ("PENALTY_ENDED", {"penalty_id": True}, "valid 'penalty_id'"),
    ("EVENT_UNDONE", [], "not a JSON object"),
    ("GAME_CONFIGURED", {"rules": {"name": "x"}}, "bad rules"),
    ("GOAL_SCORED", {}, "unknown event type"),
]


@pytest.mark.parametrize(("kind", "payload", "says"), BAD_ROWS)
def test_a_row_that_does_not_fit_its_type_is_refused(kind: str, payload: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        from_payload(kind, payload)


def test_a_newer_payload_version_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="version 2"):
        from_payload("POINTS_SCORED", {"team": "home", "points": 1}, version=2)


@pytest.mark.parametrize("name", preset_names())
def test_each_preset_is_recorded_whole_and_read_back_equal(name: str) -> None:
    rules = load_preset(name)
    assert parse_rules(wire.decode(wire.encode(to_mapping(rules)))) == rules


def test_five_presets_with_the_rulebooks_numbers() -> None:
    assert preset_names() == ["clock", "basketball-fiba", "futsal", "handball", "ice-hockey"]
    fiba = load_preset("basketball-fiba")
    assert (fiba.periods, fiba.period_seconds, fiba.overtime_seconds) == (4, 600, 300)
    assert fiba.shot_clock is not None and (fiba.shot_clock.full, fiba.shot_clock.short) == (24, 14)
    assert (fiba.bonus_from, fiba.timeout_counts, fiba.overtime_timeouts) == (5, (2, 3), 1)
    hockey = load_preset("ice-hockey")
    assert (hockey.periods, hockey.period_seconds, hockey.penalty_seconds) == (
        3,
        1200,
        (120, 300, 600),
    )
    futsal = load_preset("futsal")
    assert (futsal.periods, futsal.period_seconds, futsal.bonus_from) == (2, 1200, 6)
    handball = load_preset("handball")
    assert (handball.periods, handball.period_seconds, handball.count) == (2, 1800, "up")
    assert handball.timeout_counts == (3,)


BAD_RULES: list[tuple[dict[str, Any], str]] = [
    ({"periods": 4, "period_seconds": 600}, "name is missing"),
    ({"name": "x", "periods": 0, "period_seconds": 600}, "periods must be 1 to 20"),
    ({"name": "x", "periods": 2, "period_seconds": 600, "count": "sideways"}, "count"),
    ({"name": "x", "periods": 2, "period_seconds": -1}, "period_seconds"),
    (
        {"name": "x", "periods": 2, "period_seconds": 60, "shot_clock": {"full": 24, "short": 30}},
        "short <= full",
    ),
    (
        {
            "name": "x",
            "periods": 2,
            "period_seconds": 60,
            "timeouts": {"windows": [[1]], "counts": []},
        },
        "differ in length",
    ),
    (
        {
            "name": "x",
            "periods": 2,
            "period_seconds": 60,
            "penalties": {"seconds": [120], "end_on_goal": [300]},
        },
        "end_on_goal",
    ),
    ({"name": "x", "periods": True, "period_seconds": 60}, "must be a number"),
]


@pytest.mark.parametrize(("mapping", "says"), BAD_RULES)
def test_bad_rules_are_refused_naming_the_field(mapping: dict[str, Any], says: str) -> None:
    with pytest.raises(ScoreError, match=says) as refused:
        parse_rules(mapping)
    assert refused.value.code == "bad_rules"


def test_unknown_preset_names_the_ones_there_are() -> None:
    with pytest.raises(ScoreError, match="there are: clock, basketball-fiba"):
        load_preset("curling")


def test_which_databases_a_preset_may_run() -> None:
    fiba, hockey, clock = (load_preset(n) for n in ("basketball-fiba", "ice-hockey", "clock"))
    assert rules_refusal(None, False, fiba) is None  # a new database
    assert rules_refusal(fiba, True, fiba) is None  # the same game again
    assert rules_refusal(None, True, clock) is None
    assert "ice-hockey game" in (rules_refusal(hockey, True, fiba) or "")
    assert "plain clock's history" in (rules_refusal(None, True, fiba) or "")


def test_owed_events_are_stamped_true_and_owed_once() -> None:
    game = Driver(load_preset("ice-hockey"))
    game.send(command="penalty", team="home", player="2", seconds=120)
    game.send(command="set", seconds=100)
    game.send(command="start")
    started = game.now
    assert next_owed_at(game.state) == started + 100_000
    late = started + 500_000  # the loop (or the process) was away for a while
    due = owed(game.state, late)
    assert [(str(e.type), e.created_at - started) for e in due] == [
        ("CLOCK_EXPIRED", 100_000),
        ("HORN", 100_000),
    ]
    game.record(due)
    assert owed(game.state, late) == []
    assert next_owed_at(game.state) is None
    game.send(command="period", period=2)
    game.send(command="start")
    game.advance(30_000)  # the penalty had 20 s left at the period's end
    assert game.types()[-1] == "PENALTY_ENDED"
    assert game.log[-1].created_at == game.now - 10_000
