"""The feed hub's pace under trio's virtual clock, on the real Game, loop and SQLite
file: a joiner gets the feed at once; while the clock runs, one feed per 0.105 s
exactly, each the feed of its instant, never 11 in a second; a change inside the gap
waits only for its end; nothing while stopped; the horn's end is sent on its own."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from score.core.commands import parse_command
from score.core.feed import feed
from score.shell.feed_hub import MIN_GAP, FeedHub
from score.shell.game import Game
from score.shell.game_loop import run_clock
from score.shell.outbox import Outbox
from score.shell.presets import load_preset
from score.shell.store import Store
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore


class Viewer:
    """An outbox as the hub and the fan-out's writer see it, keeping each feed with
    the virtual instant it was handed over."""

    def __init__(self) -> None:
        self.closed = False
        self.got: list[tuple[float, dict[str, str]]] = []

    def put_state(self, frame: bytes) -> None:
        length = frame[1] & 0x7F
        start = 2 if length < 126 else 4
        if length == 126:
            assert struct.unpack(">H", frame[2:4])[0] == len(frame) - 4
        self.got.append((trio.current_time(), json.loads(frame[start:])))

    def flush(self) -> None:
        pass

    def release(self) -> None:
        pass


@pytest.fixture
async def game(tmp_path: Path) -> AsyncIterator[Game]:
    store = InlineStore(Store.open(tmp_path / "game.db"))
    game = await Game.load(store, FakeWallClock())
    await game.configure(load_preset("basketball-fiba"))
    yield game
    await store.aclose()


async def send(game: Game, **message: Any) -> None:
    await game.execute(parse_command(message))


def join(hub: FeedHub, viewer: Viewer) -> None:
    outbox: Any = viewer  # the hub only calls put_state; the writer flush/release
    assert not isinstance(outbox, Outbox)
    hub.join(outbox)


async def test_the_feed_s_pace(game: Game, autojump_clock: trio.testing.MockClock) -> None:
    hub, viewer = FeedHub(game), Viewer()
    async with trio.open_nursery() as nursery:
        await nursery.start(run_clock, game)
        nursery.start_soon(hub.run)
        await send(game, command="set", seconds=30)
        joined = trio.current_time()
        join(hub, viewer)
        await trio.sleep(5)  # stopped: the joiner's feed, then nothing
        assert [at for at, _ in viewer.got] == [joined]
        assert viewer.got[0][1]["clock"] == "30.0"

        await send(game, command="start")
        started = trio.current_time()
        await trio.sleep(10)
        running = [(at, f) for at, f in viewer.got if at >= started]
        times = [at for at, _ in running]
        assert times[0] == started  # the start itself, at once (the gap had long passed)
        assert all(b - a >= MIN_GAP - 1e-9 for a, b in zip(times, times[1:], strict=False))
        assert max(sum(1 for t in times if a <= t < a + 1) for a in times) <= 10
        assert len(times) >= 10 / MIN_GAP - 1  # no tick missed: each as soon as allowed
        wall, now = game.time.now(), trio.current_time()
        for at, sent in running:  # each message is the feed of its own instant (no event since)
            ms = wall - round((now - at) * 1000)  # within a ms: either side of it
            assert sent in [feed(game.state, ms + d) for d in (-1, 0, 1)], (at, sent["clock"])
        clocks = [float(f["clock"]) for _, f in running]
        assert clocks == sorted(clocks, reverse=True) and len(set(clocks)) == len(clocks)

        # A basket right after a message: sent when the gap ends, not later.
        await trio.sleep_until(viewer.got[-1][0] + 0.01)
        await send(game, command="score", team="home", points=2)
        scored = trio.current_time()
        await trio.sleep(0.5)
        first = next(at for at, f in viewer.got if f["home_score"] == "2")
        assert first - scored <= MIN_GAP

        await send(game, command="pause")
        paused = len(viewer.got)
        await trio.sleep(3)
        assert len(viewer.got) == paused + 1  # the pause itself, then nothing

        await send(game, command="horn")
        horn = trio.current_time()
        await trio.sleep(3)
        horn_feeds = [(round(at - horn, 3), f["horn"]) for at, f in viewer.got[paused + 1 :]]
        assert horn_feeds == [(0, "true"), (2.0, "false")]  # its end needs no event

        hub.leave(viewer)  # type: ignore[arg-type]
        assert hub.viewer_count == 0 and viewer.closed
        nursery.cancel_scope.cancel()
