"""Group commit: commands that queue up while a commit is on disk share the next one,
each is decided on the result of the one before, and each is answered only once its
event is stored. One connection that pipelines its commands gets its answers in order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

import pytest
import trio

from score.core.commands import Command, SetClock, Start
from score.core.errors import ScoreError
from score.core.events import EventType, NewEvent, StoredEvent
from score.shell.app import RunningApp
from score.shell.game import Game
from score.shell.store import Store
from score.shell.store_errors import StoreFull
from tests.client import open_ws
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore


class CountingStore(InlineStore):
    """The real store, inline, remembering the size of each append (one transaction)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.appends: list[int] = []
        self.full = False

    async def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        if self.full:
            raise StoreFull("no room")
        self.appends.append(len(events))
        return await super().append(events)


@pytest.fixture
async def game() -> AsyncIterator[Game]:
    store = CountingStore(Store.open(":memory:"))
    yield await Game.load(store, FakeWallClock())
    await store.aclose()


def store_of(game: Game) -> CountingStore:
    assert isinstance(game.store, CountingStore)
    return game.store


async def run_all(game: Game, commands: list[Command]) -> list[ScoreError | None]:
    """Submit in order, then wait for every one at once, as pipelined clients do."""
    pending = [game.submit(command) for command in commands]
    errors: list[ScoreError | None] = [None] * len(pending)

    async def wait(index: int) -> None:
        try:
            await game.complete(pending[index])
        except ScoreError as error:
            errors[index] = error
        # Answered: so its event, if it had one, is in the store already.
        stored = [event.id for event in store_of(game).sync.events()]
        assert game.clock.last_event_id in [0, *stored]

    async with trio.open_nursery() as nursery:
        for index in range(len(pending)):
            nursery.start_soon(wait, index)
    return errors


async def test_queued_commands_share_one_transaction(game: Game) -> None:
    errors = await run_all(game, [SetClock(k) for k in range(1, 51)])
    assert errors == [None] * 50
    assert store_of(game).appends == [50]
    stored = list(store_of(game).sync.events())
    assert [event.data.seconds for event in stored] == list(range(1, 51))  # type: ignore[union-attr]
    assert game.clock.last_event_id == stored[-1].id


async def test_each_command_is_decided_on_the_one_before(game: Game) -> None:
    errors = await run_all(game, [SetClock(0), Start(), SetClock(5), Start(), Start()])
    assert [error.code if error else None for error in errors] == [
        None,
        "clock_at_zero",  # refused: the clock was at zero after the first
        None,
        None,
        None,  # a repeated start is a no-op, not an event
    ]
    stored = list(store_of(game).sync.events())
    assert [event.type for event in stored] == [
        EventType.CLOCK_SET,
        EventType.CLOCK_SET,
        EventType.GAME_STARTED,
    ]
    assert store_of(game).appends == [3]
    assert game.clock.running


async def test_a_failed_commit_fails_every_command_of_the_group(game: Game) -> None:
    store_of(game).full = True
    errors = await run_all(game, [SetClock(k) for k in range(1, 6)])
    assert [error.code if error else None for error in errors] == ["storage_full"] * 5
    assert list(store_of(game).sync.events()) == []
    assert game.clock.last_event_id == 0


async def test_a_withdrawn_command_is_never_recorded(game: Game) -> None:
    first, second = game.submit(SetClock(1)), game.submit(SetClock(2))
    game.withdraw(second)
    await game.complete(first)
    assert [event.data.seconds for event in store_of(game).sync.events()] == [1]  # type: ignore[union-attr]


async def test_one_connection_pipelining_gets_every_answer_in_order(app: RunningApp) -> None:
    count = 200
    async with open_ws(app.port) as ws:
        for k in range(count):
            await ws.send_message(json.dumps({"command": "set", "seconds": k + 1, "id": k}))
        answers: list[dict[str, object]] = []
        with trio.fail_after(30):
            while len(answers) < count:
                message = json.loads(await ws.get_message())
                if "id" in message:
                    answers.append(message)
    assert [answer["id"] for answer in answers] == list(range(count))
    ids = [answer["state"]["last_event_id"] for answer in answers]  # type: ignore[index]
    assert ids == sorted(ids)  # an answer never shows an older state than the one before
    assert answers[-1]["state"]["seconds"] == count  # type: ignore[index]
    assert app.game.clock.last_event_id == ids[-1]
