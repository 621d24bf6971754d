"""Property: any commands at any times, replayed from the store, equal the live state."""

from __future__ import annotations

import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from score.core.clock import fold, remaining_at
from score.core.commands import Command, Pause, SetClock, Start
from score.core.errors import ScoreError
from score.shell.game import Game
from score.shell.game_loop import run_clock
from score.shell.store import Store
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore

commands = st.one_of(
    st.just(Start()),
    st.just(Pause()),
    st.builds(SetClock, st.integers(0, 3_599_999).map(lambda tenths: round(tenths / 10, 1))),
)
steps = st.lists(
    st.tuples(st.floats(0, 120, allow_nan=False).map(lambda s: round(s, 3)), commands),
    max_size=30,
)


async def play(script: list[tuple[float, Command]]) -> None:
    store = InlineStore(Store.open(":memory:"))
    game = await Game.load(store, FakeWallClock())
    async with trio.open_nursery() as nursery:
        await nursery.start(run_clock, game)
        for pause_for, command in script:
            await trio.sleep(pause_for)
            try:
                await game.execute(command)
            except ScoreError as error:
                assert error.code == "clock_at_zero"
            now = game.time.now()
            replayed = fold(store.sync.events())
            assert replayed == game.clock
            assert remaining_at(replayed, now) == remaining_at(game.clock, now)
        await trio.sleep(200)  # let any running clock expire
        nursery.cancel_scope.cancel()
    replayed = fold(store.sync.events())
    assert replayed == game.clock
    # Expiry happens once per run of the clock: never twice without a start between.
    kinds = [e.type for e in store.sync.events() if e.type != "CLOCK_SET"]
    for before, after in zip(kinds, kinds[1:], strict=False):
        assert not (before == after == "CLOCK_EXPIRED")
    stamps = [e.created_at for e in store.sync.events()]
    assert stamps == sorted(stamps)
    await store.aclose()


@settings(max_examples=150, deadline=None)
@given(steps)
def test_replay_equals_live_state(script: list[tuple[float, Command]]) -> None:
    trio.run(play, script, clock=trio.testing.MockClock(autojump_threshold=0))
