"""Undo in the pure core: EVENT_UNDONE reverts the latest operator event not yet
undone, walking back; nothing is deleted and replay takes the same steps; an undone
start puts the clock back where it was; the loop's own events are never a target."""

from __future__ import annotations

import pytest

from score.core.clock import remaining_at
from score.core.errors import ScoreError
from score.core.game_state import fold, undone_ids
from score.shell.presets import load_preset
from tests.game_driver import Driver

S = 1000


@pytest.fixture
def game() -> Driver:
    return Driver(load_preset("basketball-fiba"))


def test_undo_walks_back_one_operator_event_at_a_time(game: Driver) -> None:
    game.send(command="score", team="home", points=2)
    game.send(command="score", team="home", points=3)
    game.send(command="foul", team="away")
    assert game.send(command="undo")["teams"]["away"]["fouls"] == 0
    assert game.send(command="undo")["teams"]["home"]["score"] == 2
    assert game.send(command="undo")["teams"]["home"]["score"] == 0
    assert game.refused(command="undo") == "nothing_to_undo"  # the rules are not undoable
    assert game.types().count("EVENT_UNDONE") == 3
    assert [e.data.event_id for e in game.log if e.type == "EVENT_UNDONE"] == [4, 3, 2]  # type: ignore[union-attr]
    assert undone_ids(game.log) == {2, 3, 4}
    assert game.replayed() == game.state


def test_undoing_a_start_puts_the_clock_back_where_it_was(game: Driver) -> None:
    game.send(command="set", seconds=300)
    game.send(command="start")
    game.advance(7_250)
    view = game.send(command="undo")
    assert view["running"] is False and view["remaining_ms"] == 300_000
    assert view["shot_clock"]["seconds"] == 24
    assert game.replayed() == game.state


def test_undo_reverts_what_the_loop_wrote_after_the_undone_event(game: Driver) -> None:
    game.send(command="start")
    game.advance(30 * S)  # the shot clock expired (and stopped the clock) at 24 s
    assert game.types()[-2:] == ["SHOT_CLOCK_EXPIRED", "HORN"]
    game.send(command="undo")  # the start: the expiry after it goes too
    assert game.view()["shot_clock"]["seconds"] == 24
    assert game.view()["horn"] is None
    assert undone_ids(game.log) == {2, 3, 4}
    assert game.replayed() == game.state


def test_undoing_a_pause_lets_the_clock_run_on_from_its_start(game: Driver) -> None:
    game.send(command="start")
    game.advance(5 * S)
    game.send(command="pause")
    game.advance(5 * S)
    game.send(command="undo")
    assert game.state.clock.running
    assert remaining_at(game.state.clock, game.now) == 590_000


def test_undo_of_a_period_restores_fouls_timeouts_and_clock(game: Driver) -> None:
    game.send(command="foul", team="home")
    game.send(command="timeout", team="home")
    game.send(command="set", seconds=12.5)
    game.send(command="period", period=2)
    view = game.send(command="undo")
    assert (view["period"], view["seconds"]) == (1, 12.5)
    assert view["teams"]["home"]["fouls"] == 1
    assert view["teams"]["home"]["timeouts_left"] == 1


def test_an_undo_naming_another_event_is_not_a_valid_history(game: Driver) -> None:
    game.send(command="score", team="home", points=2)
    game.send(command="undo")
    forged = game.log[:2] + [game.log[2].__class__(3, game.now, type(game.log[2].data)(1))]
    with pytest.raises(ValueError, match="not the latest"):
        fold(forged)


def test_a_refused_command_after_a_due_expiry_records_only_the_expiry(game: Driver) -> None:
    game.send(command="set", seconds=1)
    game.send(command="start")
    game.now += 5 * S  # the loop has not run: the expiry is owed
    with pytest.raises(ScoreError):
        game.send(command="start")
    assert game.types()[-2:] == ["CLOCK_EXPIRED", "HORN"]
    assert game.log[-1].created_at == game.log[-3].created_at + 1_000
