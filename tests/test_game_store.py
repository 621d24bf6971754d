"""The store and a game: each event's payload version is written, the rules are
the first event, `load_game` folds through any event, and a game never gets a
snapshot (an undo may reach back before it), while a plain clock still does."""

from __future__ import annotations

from score.core.clock import Clock
from score.core.events import NewEvent, clock_set, game_started
from score.core.game_events import EventUndone, GameConfigured, PointsScored
from score.core.game_state import GameState, fold
from score.shell.presets import load_preset
from score.shell.store import Store

AT = 1_764_460_800_000


def test_a_game_is_folded_whole_and_never_snapshotted() -> None:
    store = Store.open(":memory:")
    try:
        fiba = load_preset("basketball-fiba")
        stored = store.append(
            [
                NewEvent(AT, GameConfigured(fiba)),
                NewEvent(AT + 1, PointsScored("home", 2)),
                NewEvent(AT + 2, PointsScored("home", 3)),
                NewEvent(AT + 3, EventUndone(3)),
            ]
        )
        assert store.rules() == fiba
        game = store.load_game()
        assert game == fold(stored) and game.home.score == 2
        assert store.load_game(until=3).home.score == 5
        store.save_snapshot(game)
        assert store.latest_snapshot() is None
        versions = store._db.execute("SELECT DISTINCT version FROM events").fetchall()
        assert versions == [(1,)]
    finally:
        store.close()


def test_a_plain_clock_keeps_its_snapshots() -> None:
    store = Store.open(":memory:")
    try:
        store.append([clock_set(90, AT), game_started(AT + 10)])
        assert store.rules() is None
        game = store.load_game()
        assert game == GameState(clock=Clock(90_000, True, AT + 10, 2))
        store.save_snapshot(game)
        assert store.latest_snapshot() == game.clock
    finally:
        store.close()


def test_a_restarted_game_says_its_period_and_score() -> None:
    from score.core.restore import game_summary

    state = fold(
        [NewEvent(AT, GameConfigured(load_preset("futsal"))), NewEvent(AT, PointsScored("away", 1))]
    )
    assert game_summary(state) == "futsal, period 1: Home 0 - 1 Away"
