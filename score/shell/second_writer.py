"""A thread that shares a broadcast's writes with the fan-out's writer task.

At 1,000 viewers most of a broadcast is the kernel's work in 1,000 `write` calls
(on loopback it even delivers each segment to the reader in the writer's own time),
and CPython lets go of the GIL for each of them. So a second thread doing half the
writes puts a second core to that work, which one Trio task cannot.

The writer task does not await while the thread writes: it works through the same
chunk of viewers in turn with the thread (`share`), and returns only when both are
done. No other Trio task runs in between, so nothing trio-websocket does can come
between a viewer's checks and its write, exactly as with one writer. The thread only
writes (`outbox.write_now`, to sockets the writer task found idle); whatever needs
more (a frame cut short, a viewer gone) is handed back and finished by the writer task.

The two share one iterator over the chunk (taking the next viewer from it is atomic
under the GIL), so a thread that the machine does not run for a while costs the
writer task only the one viewer it holds, not half the chunk.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

MIN_SHARED = 64
"""Below this many viewers, waking the thread costs more than it saves."""


class _Job:
    """One chunk's work for the thread: run at most once, and never after the
    writer task has finished the chunk without it."""

    def __init__(self, work: Callable[[], None]) -> None:
        self.work = work
        self.closed = False
        self.running = threading.Lock()
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.running:
            if not self.closed:
                try:
                    self.work()
                except BaseException as error:  # raised again in the writer task
                    self.error = error


class SecondWriter:
    """A thread started with `start`, ended with `stop`, idle in between."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    @staticmethod
    def useful() -> bool:
        """One core has nothing to share the writes with."""
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0)) > 1
        return (os.cpu_count() or 1) > 1

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="score-fanout", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def share(self, items: Iterator[T], each: Callable[[T], None]) -> None:
        """Call `each` on every item, in this thread and the second one at once;
        return once every call has returned. `each` may run in either thread."""

        def work() -> None:
            for item in items:
                each(item)

        if self._thread is None:
            work()
            return
        job = _Job(work)
        self._jobs.put(job)
        try:
            work()
        finally:  # even if this thread failed: never return while the other writes
            job.closed = True
            with job.running:  # the thread's last item, if it holds one
                pass
        if job.error is not None:
            raise job.error

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job.run()
