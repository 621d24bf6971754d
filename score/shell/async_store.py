"""The store as the Trio shell sees it: named async methods, one call at a time.

Each method runs the `Store` method of the same name on a worker thread, one call at
a time (a capacity limiter of 1: an SQLite connection is not for two threads at
once), so a lock wait or an fsync never blocks the event loop. Callers name what
they want (`await store.append(events)`) and never reach the `Store` behind it.

A full disk refuses every write for as long as it lasts: the console gets one
warning when the first write is refused and one line when a write succeeds again,
not a line per refused command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import trio

from score.core import delivery
from score.core.clock import Clock
from score.core.events import NewEvent, StoredEvent
from score.core.game_state import GameState
from score.shell.destination_table import DestinationReport
from score.shell.store import Store
from score.shell.store_errors import StoreFull

log = logging.getLogger("score.store")

T = TypeVar("T")


class AsyncStore:
    """A `Store` behind a worker thread."""

    def __init__(self, store: Store, *, report_full: bool = True) -> None:
        self._store = store
        self._report_full = report_full
        self._limiter = trio.CapacityLimiter(1)
        self._full = False
        self._path = store.path

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run one store call; the one place that decides where calls run."""
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        """A call that writes: a full disk is reported once, and so is its end."""
        try:
            result = await self._call(fn, *args)
        except StoreFull:
            if not self._full and self._report_full:
                log.warning(
                    "the disk holding %s is full: changes are refused until there is room",
                    self._path,
                )
            self._full = True
            raise
        if self._full and self._report_full:
            log.warning("the disk holding %s has room again: changes are recorded", self._path)
        self._full = False
        return result

    # -- the game -------------------------------------------------------------------

    async def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        return await self._write(self._store.append, events)

    async def load_clock(self) -> Clock:
        return await self._call(self._store.load_clock)

    async def load_game(self) -> GameState:
        return await self._call(self._store.load_game)

    async def last_created_at(self) -> int:
        return await self._call(self._store.last_created_at)

    async def save_snapshot(self, clock: GameState | Clock) -> None:
        await self._write(self._store.save_snapshot, clock)

    # -- the pusher and its status light ----------------------------------------------

    async def next_batch(self, after: int, limit: int) -> list[StoredEvent]:
        return await self._call(self._store.next_batch, after, limit)

    async def delivered_through(self, destination: str) -> int:
        return await self._call(self._store.delivered_through, destination)

    async def mark_delivered(self, destination: str, first_id: int, last_id: int, at: int) -> None:
        await self._write(self._store.mark_delivered, destination, first_id, last_id, at)

    async def mark_failed(self, destination: str, first_id: int, last_id: int) -> None:
        await self._write(self._store.mark_failed, destination, first_id, last_id)

    async def reconcile_deliveries(
        self, destination: str, file_last_id: int, at: int
    ) -> delivery.Reconciliation:
        return await self._write(self._store.reconcile_deliveries, destination, file_last_id, at)

    async def oldest_undelivered_at(self, destinations: Sequence[str]) -> int | None:
        return await self._call(self._store.oldest_undelivered_at, destinations)

    async def destination_reports(
        self, files: Sequence[str], webhooks: Sequence[str]
    ) -> list[DestinationReport]:
        return await self._call(self._store.reports, files, webhooks)

    async def events_by_type(self) -> dict[str, int]:
        return await self._call(self._store.events_by_type)

    async def delivery_latency(
        self, bounds_ms: Sequence[int]
    ) -> dict[str, tuple[list[int], int, int]]:
        return await self._call(self._store.delivery_latency, bounds_ms)

    async def set_busy_timeout(self, ms: int) -> None:
        await self._call(self._store.set_busy_timeout, ms)

    async def aclose(self) -> None:
        """Close after any call in flight (never under a running worker)."""
        with trio.CancelScope(shield=True):
            await self._call(self._store.close)
