"""The fan-out's second thread: both threads write, every item once, the writer task
never returns while the thread still writes, a failure in the thread is raised in
the writer task; and a broadcast shared with it reaches every viewer whole, with
the same frames as one writer (busy viewers, frames cut short and all)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
import trio
import trio.testing

from score.shell.fanout import Fanout
from score.shell.outbox import Outbox
from score.shell.second_writer import MIN_SHARED, SecondWriter
from score.shell.ws_wire import frame_text
from tests.test_fanout import FakeWire, drain, fill, peek, read


@pytest.fixture
def writer() -> Iterator[SecondWriter]:
    second = SecondWriter()
    second.start()
    yield second
    second.stop()


def in_turn(taken: threading.Event) -> bool:
    """For an item being written: True in the second thread (which says it took
    one); in the caller, wait until it has, so that it must take part."""
    if threading.current_thread() is threading.main_thread():
        assert taken.wait(10), "the second thread took no item"
        return False
    taken.set()
    return True


def test_both_threads_write_and_every_item_is_written_once(writer: SecondWriter) -> None:
    taken = threading.Event()
    done: list[tuple[int, str]] = []

    def each(item: int) -> None:
        in_turn(taken)
        done.append((item, threading.current_thread().name))

    writer.share(iter(range(200)), each)
    assert sorted(item for item, _ in done) == list(range(200))
    assert {name for _, name in done} == {"MainThread", "score-fanout"}


def test_share_returns_only_once_the_thread_is_done(writer: SecondWriter) -> None:
    taken = threading.Event()
    finished: list[int] = []

    def each(item: int) -> None:
        if in_turn(taken):
            time.sleep(0.05)  # the thread's item outlasts every item of the caller
        finished.append(item)

    writer.share(iter(range(3)), each)
    assert sorted(finished) == [0, 1, 2]


def test_a_failure_in_the_thread_is_raised_in_the_caller(writer: SecondWriter) -> None:
    taken = threading.Event()

    def each(item: int) -> None:
        if in_turn(taken):
            raise ValueError(f"item {item}")

    with pytest.raises(ValueError, match="item"):
        writer.share(iter(range(100)), each)
    # The thread survives it and takes part in the next share.
    taken_again = threading.Event()
    names: set[str] = set()

    def record(item: int) -> None:
        in_turn(taken_again)
        names.add(threading.current_thread().name)

    writer.share(iter(range(50)), record)
    assert names == {"MainThread", "score-fanout"}


def test_without_the_thread_the_caller_writes_alone() -> None:
    names: list[str] = []
    SecondWriter().share(iter(range(5)), lambda item: names.append(threading.current_thread().name))
    assert names == ["MainThread"] * 5


@pytest.mark.parametrize("second_writer", [True, False])
async def test_a_shared_broadcast_reaches_every_viewer_whole(
    nursery: trio.Nursery, second_writer: bool
) -> None:
    """Idle viewers, one whose socket is full (its frame is cut short, then finished
    by the writer task) and one whose send lock is taken: each ends up with every
    byte of the state once, whichever thread wrote it."""
    count = MIN_SHARED * 2
    fanout = Fanout(second_writer=second_writer)
    pairs = [trio.socket.socketpair() for _ in range(count)]
    wires = [FakeWire(ours) for ours, _peer in pairs]
    try:
        for wire in wires:
            fanout.subscribe(
                Outbox(
                    wire,
                    lambda: None,
                    lambda box: nursery.start_soon(box.serve_waits, fanout.mark_ready),
                )
            )
        nursery.start_soon(fanout.run)
        await trio.testing.wait_all_tasks_blocked()
        junk = fill(wires[0].socket)
        await wires[1].lock.acquire()
        state = frame_text("x" * 5000)
        fanout.broadcast("x" * 5000)
        await trio.testing.wait_all_tasks_blocked()
        for _ours, peer in pairs[2:]:
            assert os.read(peer.fileno(), 1 << 16) == state
        assert not peek(pairs[1][1])  # its send lock is someone else's
        wires[1].lock.release()
        assert await read(pairs[1][1], len(state)) == state
        assert (await read(pairs[0][1], junk + len(state)))[junk:] == state
        drain(pairs[0][1])
    finally:
        for ours, peer in pairs:
            ours.close()
            peer.close()
