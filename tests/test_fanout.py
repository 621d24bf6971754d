"""The fan-out on real sockets: idle viewers written at once, latest state wins for a
full one (a newer state mid-pass goes on from there), answers never lost or
overtaken, frames whole under the send lock, only a viewer that takes nothing for
STALL_SECONDS dropped, and no state goes out before its commit."""

from __future__ import annotations

import os
import select
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
import trio
import trio.testing

from score.core.commands import SetClock
from score.core.events import NewEvent, StoredEvent
from score.shell.fanout import YIELD_EVERY, Fanout
from score.shell.game import Game
from score.shell.outbox import STALL_SECONDS, Outbox
from score.shell.store import Store
from score.shell.ws_wire import frame_text
from tests.conftest import FakeWallClock
from tests.inline_store import InlineStore


@dataclass(eq=False)
class FakeWire:
    """A socket and a send lock, as trio-websocket has them (ws_wire.Wire)."""

    socket: trio.socket.SocketType
    lock: trio.StrictFIFOLock = field(default_factory=trio.StrictFIFOLock)
    open: bool = True

    def is_open(self) -> bool:
        return self.open

    def fileno(self) -> int:
        return self.socket.fileno()


@dataclass
class Viewer:
    fanout: Fanout
    outbox: Outbox
    wire: FakeWire
    peer: trio.socket.SocketType
    dropped: list[bool]


@pytest.fixture
async def viewer(nursery: trio.Nursery) -> AsyncIterator[Viewer]:
    ours, peer = trio.socket.socketpair()
    with ours, peer:
        wire = FakeWire(ours)
        dropped: list[bool] = []
        fanout = Fanout()
        outbox = Outbox(
            wire,
            on_drop=lambda: dropped.append(True),
            start_waiter=lambda box: nursery.start_soon(box.serve_waits, fanout.mark_ready),
        )
        fanout.subscribe(outbox)
        nursery.start_soon(fanout.run)
        yield Viewer(fanout, outbox, wire, peer, dropped)
        nursery.cancel_scope.cancel()


def fill(sock: trio.socket.SocketType) -> int:
    """Write until the socket takes not one byte more; return how much it took."""
    total = 0
    for size in (65536, 4096, 256, 16, 1):
        while True:
            try:
                total += os.write(sock.fileno(), b"\0" * size)
            except BlockingIOError:
                break
    return total


def drain(peer: trio.socket.SocketType) -> None:
    """Read whatever is there, now."""
    try:
        while os.read(peer.fileno(), 1 << 20):
            pass
    except BlockingIOError:
        pass


async def read(peer: trio.socket.SocketType, count: int) -> bytes:
    data = b""
    with trio.fail_after(10):
        while len(data) < count:
            chunk = await peer.recv(1 << 20)
            assert chunk, "closed early"
            data += chunk
    return data


async def test_an_idle_viewer_gets_a_broadcast_at_once(viewer: Viewer) -> None:
    viewer.fanout.broadcast('{"state":1}')
    await trio.testing.wait_all_tasks_blocked()
    assert await read(viewer.peer, len(frame_text('{"state":1}'))) == frame_text('{"state":1}')
    assert not viewer.wire.lock.locked()


async def test_a_full_viewer_gets_the_newest_state_and_every_answer(viewer: Viewer) -> None:
    junk = fill(viewer.wire.socket)
    for text, kind in [
        ("s1", "state"),
        ("s2", "state"),
        ("s3", "state"),
        ("r1", "reply"),
        ("s4", "state"),
        ("r2", "reply"),
        ("s5", "state"),
        ("s6", "state"),
    ]:
        if kind == "state":
            viewer.fanout.broadcast(text)
        else:
            viewer.fanout.send_reply(viewer.outbox, text)
        await trio.testing.wait_all_tasks_blocked()
    expected = b"".join(frame_text(text) for text in ["s3", "r1", "s4", "r2", "s6"])
    assert (await read(viewer.peer, junk + len(expected)))[junk:] == expected
    assert viewer.dropped == []


async def test_a_frame_cut_short_is_finished_before_anything_else(viewer: Viewer) -> None:
    big = "x" * 2_000_000  # more than the socket takes at once
    viewer.fanout.broadcast(big)
    await trio.testing.wait_all_tasks_blocked()
    assert viewer.wire.lock.locked()  # held by the writer, mid-frame

    async def another_sender() -> None:  # as trio-websocket sends a pong
        async with viewer.wire.lock:
            os.write(viewer.wire.fileno(), b"PONG")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(another_sender)
        await trio.testing.wait_all_tasks_blocked()
        assert viewer.wire.lock.statistics().tasks_waiting == 1
        frame = frame_text(big)
        assert await read(viewer.peer, len(frame) + 4) == frame + b"PONG"


async def test_a_viewer_that_takes_nothing_is_dropped_after_the_stall_time(
    viewer: Viewer, autojump_clock: trio.testing.MockClock
) -> None:
    fill(viewer.wire.socket)
    viewer.fanout.broadcast("s1")
    await trio.sleep(STALL_SECONDS - 1)
    assert viewer.dropped == []  # slow is not gone
    await trio.sleep(2)
    assert viewer.dropped == [True]


async def test_a_viewer_that_takes_now_and_then_is_kept(
    viewer: Viewer, autojump_clock: trio.testing.MockClock
) -> None:
    for k in range(5):  # 5 x (STALL_SECONDS - 1) in all: the wait starts anew
        fill(viewer.wire.socket)
        viewer.fanout.broadcast(f"s{k}")
        await trio.sleep(STALL_SECONDS - 1)
        drain(viewer.peer)
        await trio.testing.wait_all_tasks_blocked()
    assert viewer.dropped == []


async def test_leaving_mid_frame_shuts_the_socket_and_frees_the_lock(viewer: Viewer) -> None:
    viewer.fanout.broadcast("x" * 2_000_000)
    await trio.testing.wait_all_tasks_blocked()
    assert viewer.wire.lock.locked()
    viewer.fanout.unsubscribe(viewer.outbox)
    await trio.testing.wait_all_tasks_blocked()
    assert not viewer.wire.lock.locked()  # trio-websocket may close now
    with trio.fail_after(10):
        while await viewer.peer.recv(1 << 20):
            pass  # a cut frame, then the end: never a frame after a cut one
    assert viewer.fanout.viewer_count == 0


async def test_nothing_is_written_once_the_connection_is_closing(viewer: Viewer) -> None:
    viewer.wire.open = False
    viewer.fanout.broadcast("s1")
    viewer.fanout.send_reply(viewer.outbox, "r1")
    await trio.testing.wait_all_tasks_blocked()
    with pytest.raises(BlockingIOError):
        os.read(viewer.peer.fileno(), 100)
    assert not viewer.wire.lock.locked()


async def test_answers_stop_the_reader_while_the_viewer_is_full(viewer: Viewer) -> None:
    junk = fill(viewer.wire.socket)
    room = trio.Event()

    async def answer_many() -> None:
        for k in range(300):
            viewer.fanout.send_reply(viewer.outbox, f"r{k}")
            await viewer.outbox.wait_room()
        room.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(answer_many)
        await trio.testing.wait_all_tasks_blocked()
        assert not room.is_set()
        assert viewer.outbox.backlog == 64  # what waits besides the frame being written
        expected = b"".join(frame_text(f"r{k}") for k in range(300))
        assert (await read(viewer.peer, junk + len(expected)))[junk:] == expected
    assert room.is_set()


async def test_a_newer_state_mid_pass_goes_on_from_there(nursery: trio.Nursery) -> None:
    """A broadcast that comes while a pass is under way (at one of its checkpoints)
    goes to the viewers not served yet at once, then to those served before it: no
    viewer waits for the pass to start again, and none gets the older state after
    the newer one."""
    count = YIELD_EVERY * 3 + YIELD_EVERY // 2
    fanout = Fanout()
    pairs = [trio.socket.socketpair() for _ in range(count)]
    try:
        for ours, _peer in pairs:
            fanout.subscribe(Outbox(FakeWire(ours), lambda: None, lambda box: None))
        nursery.start_soon(fanout.run)
        await trio.testing.wait_all_tasks_blocked()
        fanout.broadcast("old")
        served: list[trio.socket.SocketType] = []
        while not served:  # a checkpoint of the writer's: one or two chunks served
            await trio.lowlevel.checkpoint()
            served = [peer for _ours, peer in pairs if peek(peer)]
        assert len(served) in (YIELD_EVERY, 2 * YIELD_EVERY)
        fanout.broadcast("new")
        await trio.testing.wait_all_tasks_blocked()
        old, new = frame_text("old"), frame_text("new")
        for _ours, peer in pairs:
            got = os.read(peer.fileno(), 1 << 16)
            assert got == (old + new if peer in served else new)
    finally:
        for ours, peer in pairs:
            ours.close()
            peer.close()


def peek(peer: trio.socket.SocketType) -> bool:
    """Something is there to read, now."""
    return bool(select.select([peer.fileno()], [], [], 0)[0])


class SlowStore(InlineStore):
    """The real store, whose appends wait until the test lets them through."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.disk = trio.Event()

    async def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        await self.disk.wait()
        return await super().append(events)


async def test_no_viewer_sees_a_change_before_its_commit(nursery: trio.Nursery) -> None:
    """The state of a command goes out only once its event is durable: while the
    commit is on disk, neither a WebSocket viewer nor an in-process one has it."""
    store = SlowStore(Store.open(":memory:"))
    game = await Game.load(store, FakeWallClock())
    nursery.start_soon(game.fanout.run)
    ours, peer = trio.socket.socketpair()
    with ours, peer:
        game.fanout.subscribe(Outbox(FakeWire(ours), lambda: None, lambda box: None))
        viewer = game.subscribe(on_drop=lambda: None)
        nursery.start_soon(game.execute, SetClock(42))
        game.broadcast()  # as the once-a-second tick would, mid-commit
        await trio.testing.wait_all_tasks_blocked()
        before = os.read(peer.fileno(), 1 << 16)
        assert b'"last_event_id":0' in before and b'"last_event_id":1' not in before
        assert '"last_event_id":1' not in viewer.receive.receive_nowait()
        store.disk.set()
        await trio.testing.wait_all_tasks_blocked()
        assert [event.id for event in store.sync.events()] == [1]
        assert b'"last_event_id":1' in os.read(peer.fileno(), 1 << 16)
        assert '"last_event_id":1' in viewer.receive.receive_nowait()
    await store.aclose()
