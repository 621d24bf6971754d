"""One WebSocket viewer's outgoing frames: answers in order, then the newest state.

An `Outbox` holds a viewer's command answers in order and at most one state waiting
behind them; a newer state replaces a waiting one (latest wins), but never
overtakes an answer queued before it. It is changed only by the fan-out's writer
task (fanout.py). Frames go out with plain non-blocking writes (a broadcast to an
idle viewer maybe from the fan-out's second thread, while the writer task waits); a
frame cut short is finished under trio-websocket's send lock from its first byte to
its last (ws_wire.py says what that relies on). When the socket is full, the
viewer's own task (`serve_waits`, started the first time it is needed) waits for
room and hands the outbox back; a viewer that takes no byte at all for STALL_SECONDS
is dropped.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Callable
from typing import Protocol

import trio

STALL_SECONDS = 5.0
"""How long a viewer may take nothing at all before it is dropped."""

NOT_TRIED = -1
"""For `Outbox.after_write`: the viewer was not idle; nothing was written."""

FAILED = -2
"""From `write_now`: the write failed (the peer is gone)."""


def write_now(fd: int, frame: bytes) -> int:
    """One non-blocking write: the bytes the kernel took (0 if none), or FAILED.
    No Trio call, so the fan-out's second thread may make it (second_writer.py)."""
    try:
        return os.write(fd, frame)
    except BlockingIOError:
        return 0
    except OSError:  # reset by the peer: trio-websocket sees it too
        return FAILED


MAX_QUEUED = 64
"""Answers a viewer may have waiting before its session stops reading commands."""


class Writable(Protocol):
    """A connection as the outbox writes it (ws_wire.Wire, or a test's socket)."""

    @property
    def socket(self) -> trio.socket.SocketType: ...
    @property
    def lock(self) -> trio.StrictFIFOLock: ...
    def is_open(self) -> bool: ...  # no close frame sent or being sent
    def fileno(self) -> int: ...  # -1 once closed


class Outbox:
    """One viewer's frames; written only by the fan-out's writer task."""

    # Slots: a broadcast reads a few fields of every viewer's outbox; kept in the
    # object itself they are one or two cache lines, not a dictionary's.
    __slots__ = (
        "wire",
        "on_drop",
        "_start_waiter",
        "closed",
        "_queue",
        "_tail_is_state",
        "_head",
        "_head_replaceable",
        "_blocked",
        "_wait_for_room",
        "_need_wait",
        "_room",
    )

    def __init__(
        self,
        wire: Writable,
        on_drop: Callable[[], None],
        start_waiter: Callable[[Outbox], None],
    ) -> None:
        """`start_waiter(outbox)` starts `outbox.serve_waits` in the viewer's own
        nursery; it is called the first time the socket is found full, so the many
        viewers that never fill theirs cost no task for it."""
        self.wire = wire
        self.on_drop = on_drop
        self._start_waiter: Callable[[Outbox], None] | None = start_waiter
        self.closed = False
        self._queue: deque[bytes] = deque()
        self._tail_is_state = False
        # The frame being written: the writer holds the send lock while there is one.
        self._head: memoryview | None = None
        self._head_replaceable = False  # a state of which no byte is written yet
        self._blocked = False  # serve_waits is waiting; the writer leaves it alone
        self._wait_for_room = True  # else for the send lock
        self._need_wait = trio.Event()
        self._room: trio.Event | None = None

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def idle_fd(self) -> int:
        """The socket to write a broadcast to at once, or -1 if the viewer is not
        idle (something queued or being written, the send lock taken, closing).

        With nothing queued and the send lock free, nobody else can write to this
        socket before `after_write` as long as no task runs in between (no
        checkpoint), so a frame the kernel takes whole needs no lock."""
        wire = self.wire
        if (
            self._queue
            or self._head is not None
            or self._blocked
            or self.closed
            or wire.lock.locked()
            or not wire.is_open()
        ):
            return -1
        return wire.fileno()

    def after_write(self, frame: bytes, sent: int) -> None:
        """After `write_now` to `idle_fd` (or NOT_TRIED): a frame cut short goes on
        under the send lock, taken before any other task can run. Writer task only."""
        if sent == len(frame):
            return
        if sent == NOT_TRIED:
            self.put_state(frame)
            self.flush()
            return
        if sent == FAILED:
            self._fail()
            return
        self.wire.lock.acquire_nowait()
        self._head = memoryview(frame)[sent:]
        self._head_replaceable = sent == 0
        self._write()

    def put_state(self, frame: bytes) -> None:
        """The newest state: replaces a state still waiting, never an answer."""
        if self._head_replaceable and not self._queue:
            self._head = memoryview(frame)
        elif self._queue and self._tail_is_state:
            self._queue[-1] = frame
        else:
            self._queue.append(frame)
            self._tail_is_state = True

    def put_reply(self, frame: bytes) -> None:
        """An answer to a command: kept, in order, whatever comes after it."""
        self._queue.append(frame)
        self._tail_is_state = False

    async def wait_room(self) -> None:
        """Until fewer than MAX_QUEUED frames wait (answers stop piling up)."""
        while len(self._queue) >= MAX_QUEUED and not self.closed:
            self._room = self._room or trio.Event()
            await self._room.wait()

    def flush(self) -> None:
        """Write what the socket takes now. Writer task only."""
        if self._blocked or self.closed:
            return
        if self._head is None:
            if not self._queue:
                return
            if not self.wire.is_open():  # trio-websocket is closing: no data after it
                self._clear()
                return
            try:
                self.wire.lock.acquire_nowait()
            except trio.WouldBlock:
                self._block(for_room=False)
                return
            self._take_queued()
        self._write()

    def _take_queued(self) -> None:
        frames = self._queue
        self._head_replaceable = len(frames) == 1 and self._tail_is_state
        self._head = memoryview(frames[0] if len(frames) == 1 else b"".join(frames))
        self._clear()

    def _clear(self) -> None:
        self._queue.clear()
        self._tail_is_state = False
        if self._room is not None:
            self._room.set()
            self._room = None

    def _write(self) -> None:
        assert self._head is not None
        while True:
            fd = self.wire.fileno()
            if fd < 0:
                self._fail()
                return
            try:
                sent = os.write(fd, self._head)
            except BlockingIOError:
                self._block(for_room=True)
                return
            except OSError:  # reset by the peer: trio-websocket sees it too
                self._fail()
                return
            self._head_replaceable = False
            self._head = self._head[sent:]
            if self._head:
                continue
            if self._queue and self.wire.is_open():
                self._take_queued()
                continue
            self._head = None
            self.wire.lock.release()
            return

    def _block(self, *, for_room: bool) -> None:
        self._blocked = True
        self._wait_for_room = for_room
        self._need_wait.set()
        if self._start_waiter is not None:
            start, self._start_waiter = self._start_waiter, None
            start(self)

    def _fail(self) -> None:
        self.closed = True
        self._clear()
        self.release()
        self.on_drop()

    def release(self) -> None:
        """Give the send lock back after the viewer left. Writer task only.

        A frame cut short must not be followed by trio-websocket's close frame: the
        socket is shut down first, so the client sees the connection end, not a
        garbled frame."""
        if self._head is None:
            return
        if not self._head_replaceable:
            try:
                self.wire.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._head = None
        self.wire.lock.release()

    async def serve_waits(self, ready: Callable[[Outbox], None]) -> None:
        """The viewer's own task: wait for what blocked the writer, then hand the
        outbox back; drop the viewer if it takes nothing for STALL_SECONDS."""
        while True:
            await self._need_wait.wait()
            self._need_wait = trio.Event()
            with trio.move_on_after(STALL_SECONDS) as stalled:
                try:
                    if self._wait_for_room:
                        await trio.lowlevel.wait_writable(self.wire.socket)
                    else:
                        await self.wire.lock.acquire()
                        self.wire.lock.release()
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    stalled.cancel()
            if stalled.cancel_called:
                self.on_drop()
                return
            self._blocked = False
            ready(self)
