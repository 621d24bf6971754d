"""Delivering to one destination: a loop of claim, append, fsync, mark.

The worker opens its file (lock, torn-line repair), reconciles the deliveries table
with the file's last event id, then repeats: read the next batch of events after the
file's last id, append them in one write and one fsync, mark them delivered. The
database is only read while the file is written, and each mark is one short
transaction, so the main process never waits on the pusher's I/O. Any failure
closes the file; the next attempt reopens and reconciles it, so a half-written batch
is repaired from the file itself, whatever happened. Between passes the worker waits
for a wake-up or the 0.5 s poll; while failing, for its backoff.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import trio

from score.core import delivery
from score.pusher.jsonl_file import DestinationError, DestinationLocked, JsonLinesFile
from score.shell.async_store import AsyncStore
from score.shell.store_errors import StoreError
from score.shell.wall_clock import system_wall_ms

log = logging.getLogger("score.push")


class Wakeup:
    """A nudge for every worker that is never lost: waiters compare generations.

    `close` is the last nudge: shut down after one more full pass, so that every
    event committed before the parent said "stop" is delivered before we exit.
    """

    def __init__(self) -> None:
        self.generation = 0
        self.closed = False
        self._event = trio.Event()

    def notify(self) -> None:
        self.generation += 1
        self._event.set()
        self._event = trio.Event()

    def close(self) -> None:
        self.closed = True
        self.notify()

    async def wait_after(self, seen: int) -> None:
        """Return once `notify` has been called since generation `seen`."""
        if self.generation == seen:
            await self._event.wait()

    async def wait_closed(self) -> None:
        while not self.closed:
            await self.wait_after(self.generation)


class DestinationWorker:
    def __init__(self, store: AsyncStore, path: Path, name: str | None = None) -> None:
        self.store = store
        self.path = path
        self.name = name or delivery.destination_name(str(path))
        self.failures = 0
        self._failure = ""
        self._file: JsonLinesFile | None = None
        self._waiting_for_lock = False

    async def run(self, wake: Wakeup) -> None:
        """Deliver until `wake` is closed: after each pass, wait for a wake-up, the
        poll or backoff. The last pass is one that began after the close, so it sees
        every event committed before it."""
        try:
            while True:
                seen = wake.generation
                final = wake.closed
                await self.deliver_pending()
                if final:
                    return
                delay, wakeable = delivery.next_attempt(self.failures)
                with trio.move_on_after(delay):
                    if wakeable:
                        await wake.wait_after(seen)
                    else:
                        await wake.wait_closed()
        finally:
            self._close()

    async def deliver_pending(self) -> None:
        """One pass: deliver everything there is; a failure is logged and counted."""
        try:
            if self._file is None or not self._file.is_current():
                await self._open()
            while await self._deliver_batch():
                pass
        except DestinationLocked:
            self._close()
            if not self._waiting_for_lock:
                log.info("waiting for another pusher to release %s", self.path)
            self._waiting_for_lock = True
            return
        except (OSError, DestinationError, StoreError, sqlite3.Error) as exc:
            self._close()
            self.failures += 1
            delay, _ = delivery.next_attempt(self.failures)
            # The reason once per outage (again if it changes), not at every retry.
            level = logging.DEBUG if str(exc) == self._failure else logging.WARNING
            self._failure = str(exc)
            log.log(level, "delivery to %s failed: %s; retrying in %.2g s", self.path, exc, delay)
            if isinstance(exc, OSError | DestinationError):
                await self._mark_failed()
            return
        if self.failures:
            log.info("delivery to %s recovered after %d failures", self.path, self.failures)
        self.failures = 0
        self._failure = ""

    async def _open(self) -> None:
        self._close()
        opened = await trio.to_thread.run_sync(JsonLinesFile.open, self.path)
        self._file = opened
        self._waiting_for_lock = False
        if opened.torn_bytes:
            log.warning("dropped a torn last line (%d bytes) from %s", opened.torn_bytes, self.path)
        plan = await self.store.reconcile_deliveries(self.name, opened.last_id, system_wall_ms())
        if plan.foreign:
            raise DestinationError(
                f"{self.path} holds events up to {opened.last_id}, more than the database"
                " has: it belongs to another database; move it away"
            )
        if plan.mark_through > plan.mark_after:
            log.info(
                "events %d..%d were in %s but not marked: marked delivered",
                plan.mark_after + 1,
                plan.mark_through,
                self.path,
            )
        if plan.unmark_after is not None:
            log.warning(
                "%s ends at event %d but more were marked delivered: delivering them again",
                self.path,
                opened.last_id,
            )
        log.info("delivering to %s after event %d", self.path, opened.last_id)

    async def _deliver_batch(self) -> bool:
        """Deliver the next batch; False when there was nothing to deliver."""
        file = self._file
        assert file is not None
        events = await self.store.next_batch(file.last_id, delivery.BATCH_LIMIT)
        if not events:
            return False
        # Once the write has started, finish it and its mark even if we are asked to
        # stop: a shutdown then leaves file and table in agreement.
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(file.append, delivery.encode_batch(events))
            file.last_id = events[-1].id
            await self.store.mark_delivered(self.name, events[0].id, file.last_id, system_wall_ms())
        return True

    async def _mark_failed(self) -> None:
        """Mark the next batch failed (2): the operator sees what is stuck."""
        try:
            through = await self.store.delivered_through(self.name)
            await self.store.mark_failed(self.name, through + 1, through + delivery.BATCH_LIMIT)
        except (StoreError, sqlite3.Error) as exc:
            log.warning("could not mark failed deliveries: %s", exc)

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
