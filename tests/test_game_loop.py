"""The game loop under trio's virtual clock: no drift, expiry exactly once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
import trio.testing

from score.core.clock import fold, remaining_at
from score.core.commands import Pause, SetClock, Start
from score.core.errors import ScoreError
from score.core.events import EventType
from score.shell.game import Game
from score.shell.game_loop import run_clock
from score.shell.store import Store
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore


@pytest.fixture
async def game() -> AsyncIterator[Game]:
    store = InlineStore(Store.open(":memory:"))
    loaded = await Game.load(store, FakeWallClock())
    async with trio.open_nursery() as nursery:
        await nursery.start(run_clock, loaded)
        yield loaded
        nursery.cancel_scope.cancel()
    await store.aclose()


def store_of(game: Game) -> Store:
    """The synchronous store behind a game made by the fixture."""
    assert isinstance(game.store, InlineStore)
    return game.store.sync


class Recorder:
    """Every broadcast a viewer receives, with the trio time it arrived."""

    def __init__(self, game: Game) -> None:
        self.viewer = game.subscribe(on_drop=lambda: None, capacity=100_000)
        self.messages: list[tuple[float, dict[str, Any]]] = []

    async def run(self) -> None:
        async for text in self.viewer.receive:
            self.messages.append((trio.current_time(), json.loads(text)["state"]))


async def test_one_virtual_hour_without_drift(
    game: Game, nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    recorder = Recorder(game)
    nursery.start_soon(recorder.run)
    await game.execute(SetClock(3600))
    await game.execute(Start())
    started = game.clock.anchor
    await trio.sleep(3599.5)
    # The live clock is exactly where the arithmetic says, to the millisecond.
    assert remaining_at(game.clock, game.time.now()) == 3_600_000 - (game.time.now() - started)
    await trio.sleep(10)
    assert not game.clock.running
    ticks = [(at, state) for at, state in recorder.messages if state["running"]]
    assert len(ticks) >= 3599
    for _, state in ticks:
        elapsed = state["server_time_ms"] - started
        assert state["remaining_ms"] == 3_600_000 - elapsed
    # Periodic broadcasts land on whole seconds after the loop started: drift 0.
    periodic = [at for at, state in ticks[2:] if state["remaining_ms"] > 0]
    first = periodic[0]
    drift = max(abs((at - first) - round(at - first)) for at in periodic)
    assert drift == 0
    assert periodic[-1] - first >= 3590


async def test_expiry_recorded_once_at_the_instant_of_zero(
    game: Game, autojump_clock: trio.testing.MockClock
) -> None:
    await game.execute(SetClock(10.5))
    await game.execute(Start())
    started = game.clock.anchor
    await trio.sleep(60)
    events = list(store_of(game).events())
    expired = [event for event in events if event.type is EventType.CLOCK_EXPIRED]
    assert len(expired) == 1
    assert expired[0].created_at == started + 10_500
    assert remaining_at(game.clock, game.time.now()) == 0
    assert game.clock.running is False
    # Starting again at zero is refused and records nothing.
    with pytest.raises(ScoreError):
        await game.execute(Start())
    assert len(list(store_of(game).events())) == len(events)


async def test_broadcast_at_least_once_a_second_while_stopped(
    game: Game, nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    recorder = Recorder(game)
    nursery.start_soon(recorder.run)
    await trio.sleep(30.5)
    times = [at for at, _ in recorder.messages]
    assert len(times) >= 30
    assert all(b - a <= 1.0 + 1e-9 for a, b in zip(times, times[1:], strict=False))


async def test_a_wall_clock_jump_does_not_move_a_running_clock(
    autojump_clock: trio.testing.MockClock,
) -> None:
    wall = FakeWallClock()
    store = InlineStore(Store.open(":memory:"))
    game = await Game.load(store, wall)
    async with trio.open_nursery() as nursery:
        await nursery.start(run_clock, game)
        await game.execute(SetClock(600))
        await game.execute(Start())
        await trio.sleep(10)
        wall.ms += 3_600_000  # the system clock jumps an hour ahead...
        await trio.sleep(10)
        wall.ms -= 7_200_000  # ...and two hours back
        await trio.sleep(10)
        assert remaining_at(game.clock, game.time.now()) == 570_000
        await game.execute(Pause())
        nursery.cancel_scope.cancel()
    assert fold(store.sync.events()).remaining_ms == 570_000
    await store.aclose()


async def test_every_change_is_broadcast_at_once(
    game: Game, nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    recorder = Recorder(game)
    nursery.start_soon(recorder.run)
    await trio.sleep(0.25)
    before = len(recorder.messages)
    await game.execute(SetClock(42))
    await trio.sleep(0.001)
    assert len(recorder.messages) == before + 1
    assert recorder.messages[-1][1]["seconds"] == 42
