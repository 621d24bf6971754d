"""Delivering to one webhook: signed POSTs, in order, retried, dead-lettered.

One Trio task per webhook, each with its own database connection, so a receiver that
hangs or refuses holds up nobody else. The loop: read the events after the cursor,
skip those already settled (after a `retry` or `resend` moved the cursor back) and
those the filter does not want (marked 4), POST the rest in order, mark them after
their answers (core `webhook_policy` decides), move the cursor (marks of a backlog go
in groups). An event is marked only after its answer, so a pusher killed mid-POST
sends it again after restarting, with the same `webhook-id`: at least once, never
lost. Signing is the `standardwebhooks` library's.

A backlog goes pipelined (`pipeline.py`): up to the destination's `pipeline`
requests (WINDOW unless configured; 1 turns pipelining off) on one connection
before their answers, which the receiver gives in order. Once an answer is not a
2xx, nothing new is sent: the connection is closed, the events written after the
failed one are put back in line (their answers, if any, are ignored), and the failed
one is retried alone on its schedule; then the others go again, in order, with the
same `webhook-id`s. So the receiver's last copy of each event comes in order, and
while the oldest undelivered event is retried later ones wait. The window opens only
on a connection that has answered a 2xx and kept alive, and shuts to one after any
failure.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import trio

from score.core import delivery
from score.core.delivery import DEAD_LETTER, DELIVERED, FILTERED
from score.core.destinations import DEFAULT_PIPELINE, Destination
from score.core.events import StoredEvent
from score.pusher.pipeline import Answer, ConnectionLost
from score.pusher.progress import Progress, Rewound
from score.pusher.webhook_attempts import Attempts, Sent
from score.pusher.webhook_link import WebhookLink
from score.pusher.worker import Wakeup
from score.shell.store import Store
from score.shell.store_errors import StoreError

log = logging.getLogger("score.push")

T = TypeVar("T")
STORE_RETRY = 1.0
"""Seconds before trying again when the database refused a read or a mark."""
SETTLED = (DELIVERED, DEAD_LETTER, FILTERED)
WINDOW = DEFAULT_PIPELINE
"""Most requests on the wire at once by default (a backlog); one while anything fails."""


class WebhookWorker:
    def __init__(
        self,
        db: Path,
        destination: Destination,
        random: Callable[[], float],
        wall_s: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.destination = destination
        self.name = destination.name
        self.wall_s = wall_s
        self.link = WebhookLink(destination, wall_s)
        self.attempts = Attempts(destination, random, self.link.post_one, log)
        self._window = 1
        self._limiter = trio.CapacityLimiter(1)
        self._store: Store | None = None
        self.progress = Progress(self.name, self._call)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def run(self, wake: Wakeup) -> None:
        """Deliver until `wake` is closed (after one last pass)."""
        try:
            while True:
                seen = wake.generation
                final = wake.closed
                try:
                    await self.deliver_pending()
                except (StoreError, sqlite3.Error) as exc:
                    log.warning("delivery to %s: the database refused: %s", self.name, exc)
                    await trio.sleep(STORE_RETRY)
                    continue
                if final:
                    return
                with trio.move_on_after(delivery.POLL_INTERVAL):
                    await wake.wait_after(seen)
        finally:
            await self.link.disconnect()
            if self._store is not None:
                with trio.CancelScope(shield=True):
                    # Stopped between two groups of marks: mark what was answered, so
                    # the next start does not send it again.
                    with contextlib.suppress(Rewound, StoreError, sqlite3.Error):
                        await self._flush()
                    store, self._store = self._store, None
                    await self._call(store.close)

    async def deliver_pending(self) -> None:
        if self._store is None:
            self._store = await self._call(lambda: Store.open(self.db, create=False))
            await self._call(self._store.mark_without_fsync)
            self.link.game_id = await self._call(self._store.game_id)
        store = self._store
        # The cursor is reread at every pass (`retry` and `resend` move it back), in
        # the same worker-thread call as the first batch: one hop, not two.
        cursor, disabled, batch = await self._call(
            store.webhook_pass, self.name, delivery.BATCH_LIMIT
        )
        self.progress.restart(cursor)
        if disabled:
            return
        try:
            while batch:
                if not await self._deliver_batch(deque(batch)):
                    await self._flush()
                    return  # disabled (410): nothing more until `retry`
                await self._flush()
                batch = await self._call(
                    store.webhook_batch, self.name, self.progress.cursor, delivery.BATCH_LIMIT
                )
        except Rewound:
            return  # `retry` or `resend` moved the cursor back: the next pass rereads it

    async def _deliver_batch(self, waiting: deque[tuple[StoredEvent, int | None]]) -> bool:
        """Settle every event of `waiting`, in order; False once disabled."""
        sent: deque[tuple[StoredEvent, int | None]] = deque()
        """Taken from `waiting`, answers not read yet, oldest first (skipped events
        ride along, so that their marks keep their place)."""
        try:
            while waiting or sent:
                # Top the window up once half of it is answered, in one write.
                idle, requests, added = not sent, [], 0
                if idle or (len(sent) <= self._window // 2 and not self.link.broken):
                    while waiting and len(sent) < self._window:
                        event, status = waiting.popleft()
                        if not self._skipped(event, status):
                            requests.append(self.link.request(event))
                        sent.append((event, status))
                        added += 1
                lost = await self.link.send(b"".join(requests), idle)
                if lost is not None and not idle:
                    # The receiver closed while answers were due (after its last one):
                    # this write goes again later; the answers before it may be in.
                    waiting.extendleft(sent.pop() for _ in range(added))
                    lost = None
                while sent and self._skipped(*sent[0]):
                    event, status = sent.popleft()
                    self._advance(event.id, None if status in SETTLED else FILTERED)
                if not sent:
                    continue
                event = sent.popleft()[0]
                answer = lost or await self.link.next_answer()
                if isinstance(answer, Answer) and 200 <= answer.status < 300:
                    self._advance(event.id, DELIVERED)
                    self.attempts.recovered()
                    if answer.keep_alive:
                        self._window = self.destination.pipeline
                    else:  # the receiver read nothing after this one
                        await self._put_back(sent, waiting)
                    await self._flush_if_due()
                    continue
                # Not delivered: nothing more goes until this one is settled.
                await self._put_back(sent, waiting, drain=isinstance(answer, Answer))
                if not await self._retry(event, self.link.as_sent(answer)):
                    return False
            return True
        finally:
            if sent:  # left with answers unread: they must not be taken for others'
                await self.link.disconnect()

    def _skipped(self, event: StoredEvent, status: int | None) -> bool:
        """Settled already (a retry or resend moved the cursor back) or filtered out."""
        return status in SETTLED or not self.destination.wants(str(event.type))

    async def _retry(self, event: StoredEvent, first: Sent) -> bool:
        """Retry `event` alone until settled; False if the destination got disabled."""
        self._window = 1
        assert self._store is not None
        store = self._store

        async def record(error: str, disable: bool) -> None:
            with trio.CancelScope(shield=True):
                await self._call(store.record_failure, self.name, event.id, error, disable)

        verdict = await self.attempts.settle(event, first, record, self._flush)
        if verdict is None:
            return False
        self._advance(event.id, verdict)
        await self._flush_if_due()
        return True

    async def _put_back(
        self,
        sent: deque[tuple[StoredEvent, int | None]],
        waiting: deque[tuple[StoredEvent, int | None]],
        drain: bool = False,
    ) -> None:
        """Requests written after the current one go again (same ids) on a new
        connection; their answers do not count. With `drain`, those answers are read
        (and dropped) first: the receiver has then finished with every one of them
        before the retry arrives, even if it serves connections in parallel."""
        for event, status in sent if drain else ():
            if self.link.connection is None:
                break
            if not self._skipped(event, status):
                answer = await self.link.next_answer()
                if isinstance(answer, ConnectionLost) or not answer.keep_alive:
                    break
        waiting.extendleft(reversed(sent))
        sent.clear()
        await self.link.disconnect()

    def _advance(self, event_id: int, status: int | None) -> None:
        self.progress.done(event_id, status)

    async def _flush_if_due(self) -> None:
        if self.progress.due:
            await self._flush()

    async def _flush(self) -> None:
        """Mark what was answered and move the cursor (see progress.py)."""
        assert self._store is not None
        await self.progress.flush(self._store, lambda: int(self.wall_s() * 1000))
