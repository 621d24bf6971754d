"""The WebSocket fan-out: every viewer's frames written by one task, newest state first.

A broadcast is encoded once (by the game) and framed once here; then one task, the
writer (`Fanout.run`), puts the same bytes on every viewer's socket with a plain
non-blocking write. A broadcast to 1,000 viewers costs one task wake-up and 1,000
system calls, not 1,000 task switches through trio-websocket's send path; on more
than one core a second thread makes half of those calls (second_writer.py), while
the writer task waits for it without letting any other task run.

Each viewer is an `Outbox` (outbox.py): answers in order, newest state wins, a full
viewer keeps its place and is dropped only when it takes nothing for seconds. The
writer is the only task that takes trio-websocket's send lock for the fan-out,
because a trio lock is released by the task that took it.
"""

from __future__ import annotations

from collections import deque

import trio

from score.shell.outbox import NOT_TRIED, Outbox, write_now
from score.shell.second_writer import MIN_SHARED, SecondWriter
from score.shell.ws_wire import frame_text

YIELD_EVERY = 100
"""Viewers written between two checkpoints of the writer."""


class Fanout:
    """Every WebSocket viewer, and the one task that writes to them."""

    def __init__(self, *, second_writer: bool | None = None) -> None:
        """`second_writer`: share the writes of a broadcast with a thread (default:
        when the process may run on more than one core)."""
        if second_writer is None:
            second_writer = SecondWriter.useful()
        self._second = SecondWriter() if second_writer else None
        self._outboxes: set[Outbox] = set()
        self._ready: list[Outbox] = []
        self._state: str | None = None
        self._wake = trio.Event()

    @property
    def viewer_count(self) -> int:
        return len(self._outboxes)

    def subscribe(self, outbox: Outbox) -> None:
        self._outboxes.add(outbox)

    def unsubscribe(self, outbox: Outbox) -> None:
        self._outboxes.discard(outbox)
        outbox.closed = True
        self.mark_ready(outbox)  # the writer gives its lock back, if it holds it

    def broadcast(self, text: str) -> None:
        """A new state for every viewer (framed once, when the writer runs)."""
        if self._outboxes:
            self._state = text
            self._wake.set()

    def send_state(self, outbox: Outbox, text: str) -> None:
        outbox.put_state(frame_text(text))
        self.mark_ready(outbox)

    def send_reply(self, outbox: Outbox, text: str) -> None:
        outbox.put_reply(frame_text(text))
        self.mark_ready(outbox)

    def mark_ready(self, outbox: Outbox) -> None:
        self._ready.append(outbox)
        self._wake.set()

    async def run(self) -> None:
        """The writer: runs for the life of the game."""
        if self._second is not None:
            self._second.start()
        try:
            while True:
                await self._wake.wait()
                self._wake = trio.Event()
                self._flush_ready()
                if self._state is not None:
                    await self._write_state()
        finally:
            if self._second is not None:
                self._second.stop()

    def _flush_ready(self) -> None:
        ready, self._ready = self._ready, []
        for outbox in ready:
            if outbox.closed:
                outbox.release()
            else:
                outbox.flush()

    async def _write_state(self) -> None:
        """The newest state to every viewer. It lets other tasks run every
        YIELD_EVERY viewers, so a command committed meanwhile is not held up behind
        a whole broadcast, and writes the answers that came meanwhile. A newer state
        that came meanwhile goes on from where the pass is: the viewers not served
        yet get it at once, then the others. (Starting the pass again made the last
        viewers wait for one pass and part of another: bench/probe_report.py saw it
        on 7 commands in 100 at 1,000 viewers, the once-a-second broadcast or the
        pusher's status landing inside a command's pass.)"""
        assert self._state is not None
        frame = frame_text(self._state)
        self._state = None
        todo = deque(self._outboxes)
        while todo:
            self._offer([todo.popleft() for _ in range(min(YIELD_EVERY, len(todo)))], frame)
            if not todo:
                return
            await trio.lowlevel.checkpoint()
            self._flush_ready()
            if self._state is not None:
                frame = frame_text(self._state)
                self._state = None
                waiting = set(todo)
                todo.extend(box for box in self._outboxes if box not in waiting)

    def _offer(self, chunk: list[Outbox], frame: bytes) -> None:
        """`frame` to every viewer of `chunk`. The idle ones are picked here and their
        writes shared with the second thread, if there is one; no task runs until all
        are written, so none of them can stop being idle meanwhile. Frames cut short
        and busy viewers are finished here, afterwards."""
        left: list[tuple[Outbox, int]] = []
        idle: list[tuple[Outbox, int]] = []
        for outbox in chunk:
            if not outbox.closed:
                fd = outbox.idle_fd()
                if fd < 0:
                    left.append((outbox, NOT_TRIED))
                else:
                    idle.append((outbox, fd))

        def write(item: tuple[Outbox, int]) -> None:
            outbox, fd = item
            sent = write_now(fd, frame)
            if sent != len(frame):
                left.append((outbox, sent))

        if self._second is not None and len(idle) >= MIN_SHARED:
            self._second.share(iter(idle), write)
        else:
            for item in idle:
                write(item)
        for outbox, sent in left:
            outbox.after_write(frame, sent)
