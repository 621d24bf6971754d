"""A whole virtual basketball game on the real shell: the Game, its loop and a real
SQLite file, under trio's virtual clock. Four periods with shot clock resets and
expiries, a tie, an overtime; the final state equals a replay of the file, and the
shot clock never drifts from the game clock (measured, must be 0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import trio
import trio.testing

from score.core.clock import remaining_at
from score.core.commands import parse_command
from score.core.event_types import EventType
from score.core.events import StoredEvent
from score.core.game_events import ShotClockSet
from score.core.game_state import GameState, apply
from score.shell.game import Game
from score.shell.game_loop import run_clock
from score.shell.presets import load_preset
from score.shell.store import Store
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore


class Recorder:
    def __init__(self, game: Game) -> None:
        self.viewer = game.subscribe(on_drop=lambda: None, capacity=1_000_000)
        self.states: list[dict[str, Any]] = []

    async def run(self) -> None:
        async for text in self.viewer.receive:
            self.states.append(json.loads(text)["state"])


async def send(game: Game, **message: Any) -> None:
    await game.execute(parse_command(message))


async def play_period(game: Game, period: int, home_first: bool) -> None:
    """Possessions of 14-20 s with a basket and a shot clock reset each, one that
    runs out the 24 s, and 18+ s after a 14 s reset (each violation stops the clock;
    it restarts with a reset), until the horn."""
    await send(game, command="period", period=period)
    await send(game, command="start")
    possession = 0
    while game.state.clock.running or game.state.clock.remaining_ms > 0:
        possession += 1
        team = "home" if (possession % 2 == 0) == home_first else "away"
        if possession % 7 == 0:
            await trio.sleep(25)  # a shot clock violation: the loop stops the clock
            if game.state.clock.remaining_ms == 0:
                break
            assert not game.state.clock.running
            await send(game, command="shot_clock", seconds=24)
            await send(game, command="start")
            continue
        await trio.sleep(14 + possession % 7)
        if game.state.clock.remaining_ms == 0:
            break  # the period ended during this possession
        if not game.state.clock.running:  # a 14 s reset ran out: a violation
            await send(game, command="shot_clock", seconds=24)
            await send(game, command="start")
            continue
        await send(game, command="score", team=team, points=2 + possession % 2)
        await send(game, command="shot_clock", seconds=24 if possession % 3 else 14)
    await trio.sleep(1)
    assert game.state.clock.remaining_ms == 0 and not game.state.clock.running


def shot_drift_ms(events: list[StoredEvent]) -> int:
    """The largest difference, at any SHOT_CLOCK_EXPIRED, between the game clock's
    elapsed time since the shot clock's reset and the seconds it was reset to."""
    state, drift, reset = GameState(), 0, None
    for event in events:
        before = state
        state = apply(state, event)
        if isinstance(event.data, ShotClockSet):
            reset = (remaining_at(before.clock, event.created_at), event.data.seconds)
        if event.type == EventType.SHOT_CLOCK_EXPIRED:
            assert reset is not None
            at_zero = remaining_at(before.clock, event.created_at)
            drift = max(drift, abs(reset[0] - at_zero - round(reset[1] * 1000)))
    return drift


def broadcast_drift_ms(states: list[dict[str, Any]]) -> int:
    """Across every broadcast: between two events, the game clock minus the shot
    clock must not change while both run (any change is drift)."""
    offsets: dict[int, set[int]] = {}
    for state in states:
        shot = state.get("shot_clock")
        if state["running"] and shot and shot["running"] and shot["remaining_ms"] > 0:
            offsets.setdefault(state["last_event_id"], set()).add(
                state["remaining_ms"] - shot["remaining_ms"]
            )
    return max(max(seen) - min(seen) for seen in offsets.values())


async def test_a_whole_basketball_game_with_overtime(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    path = tmp_path / "final.db"
    store = InlineStore(Store.open(path))
    game = await Game.load(store, FakeWallClock())
    await game.configure(load_preset("basketball-fiba"))
    recorder = Recorder(game)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(recorder.run)
        await nursery.start(run_clock, game)
        await send(game, command="team", team="home", name="Hawks", color="#1d4ed8")
        await send(game, command="team", team="away", name="Owls", color="#b45309")
        for period in range(1, 5):
            await play_period(game, period, home_first=period % 2 == 1)
            if period == 2:
                await send(game, command="timeout", team="away")
        # Level the score for overtime, with one basket taken back by undo.
        home, away = game.state.home.score, game.state.away.score
        behind = "away" if home > away else "home"
        for _ in range(abs(home - away)):
            await send(game, command="score", team=behind, points=1)
        await send(game, command="score", team=behind, points=3)
        await send(game, command="undo")
        assert game.state.home.score == game.state.away.score
        await play_period(game, 5, home_first=True)
        nursery.cancel_scope.cancel()
    live = game.state_message()["state"]
    events = list(store.sync.events())
    await store.aclose()

    replayed = Store.open_read_only(path)
    try:
        final = replayed.load_game()
    finally:
        replayed.close()
    assert final == game.state
    types = [str(e.type) for e in events]
    assert types.count("PERIOD_STARTED") == 5 and live["period"] == 5
    assert types.count("CLOCK_EXPIRED") == 5 and types.count("SHOT_CLOCK_EXPIRED") >= 8
    assert types.count("HORN") == 5 + types.count("SHOT_CLOCK_EXPIRED")
    assert live["teams"]["home"]["score"] > 100 or live["teams"]["away"]["score"] > 100
    assert live["teams"]["away"]["timeouts_left"] == 1  # overtime's own
    drift = max(shot_drift_ms(events), broadcast_drift_ms(recorder.states))
    print(f"shot clock drift against the game clock over a virtual game: {drift} ms")
    assert drift == 0
