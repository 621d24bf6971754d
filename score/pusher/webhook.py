"""Delivering to one webhook: signed POSTs, in order, retried, dead-lettered.

One Trio task per webhook, each with its own database connection, so a receiver that
hangs or refuses holds up nobody else. The loop: read the events after the cursor,
skip those already settled (after a `retry` or `resend` moved the cursor back) and
those the filter does not want (marked 4), POST the next one until an answer decides
(core `webhook_policy`), mark it, move the cursor (marks of a backlog go in groups).
An event is marked only after its answer, so a pusher killed mid-POST sends
it again after restarting, with the same `webhook-id`: at least once, never
lost. Signing is the `standardwebhooks` library's.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import trio
from standardwebhooks import Webhook

from score.core import delivery, webhook_policy
from score.core.delivery import DEAD_LETTER, DELIVERED, FILTERED
from score.core.destinations import Destination
from score.core.events import StoredEvent
from score.core.webhook_policy import Verdict
from score.pusher.worker import Wakeup
from score.shell.store import Store
from score.shell.store_errors import StoreError

log = logging.getLogger("score.push")

T = TypeVar("T")
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
STORE_RETRY = 1.0
"""Seconds before trying again when the database refused a read or a mark."""
SETTLED = (DELIVERED, DEAD_LETTER, FILTERED)
SETTLE_EVERY = 200
SETTLE_AFTER = 0.05
"""Answered events are marked in groups of at most SETTLE_EVERY, at most SETTLE_AFTER
seconds after the first of them was answered: a crash resends at most that many."""


class _Rewound(Exception):
    """The cursor was moved back by `score deliveries retry` or `resend`."""


def new_client() -> httpx.AsyncClient:
    """One client per webhook task: its own keep-alive connection pool."""
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=1),
        trust_env=False,  # a venue's proxy variables must not reroute the game's events
        follow_redirects=False,
    )


def signature(secrets: tuple[str, ...], msg_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: one `v1,` signature per secret (several while rotating)."""
    when = datetime.fromtimestamp(timestamp, UTC)
    return " ".join(Webhook(secret).sign(msg_id, when, body) for secret in secrets)


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
        self.random = random
        self.wall_s = wall_s
        self._limiter = trio.CapacityLimiter(1)
        self._store: Store | None = None
        self._game_id = ""
        self._failure = ""
        self._cursor = 0
        """Every event through this id is marked (in the database)."""
        self._new = 0
        """Every event through this id is answered; marks in `_marks`."""
        self._marks: list[tuple[int, int]] = []
        self._since = 0.0

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def run(self, wake: Wakeup) -> None:
        """Deliver until `wake` is closed (after one last pass)."""
        try:
            async with new_client() as client:
                while True:
                    seen = wake.generation
                    final = wake.closed
                    try:
                        await self.deliver_pending(client)
                    except (StoreError, sqlite3.Error) as exc:
                        log.warning("delivery to %s: the database refused: %s", self.name, exc)
                        await trio.sleep(STORE_RETRY)
                        continue
                    if final:
                        return
                    with trio.move_on_after(delivery.POLL_INTERVAL):
                        await wake.wait_after(seen)
        finally:
            if self._store is not None:
                with trio.CancelScope(shield=True):
                    # Stopped between two groups of marks: mark what was answered, so
                    # the next start does not send it again.
                    with contextlib.suppress(_Rewound, StoreError, sqlite3.Error):
                        await self._flush()
                    store, self._store = self._store, None
                    await self._call(store.close)

    async def deliver_pending(self, client: httpx.AsyncClient) -> None:
        if self._store is None:
            self._store = await self._call(lambda: Store.open(self.db, create=False))
            await self._call(self._store.mark_without_fsync)
            self._game_id = await self._call(self._store.game_id)
        store = self._store
        # The cursor is reread at every pass (`retry` and `resend` move it back), in
        # the same worker-thread call as the first batch: one hop, not two.
        self._cursor, disabled, batch = await self._call(
            store.webhook_pass, self.name, delivery.BATCH_LIMIT
        )
        self._new, self._marks = self._cursor, []
        if disabled:
            return
        try:
            while True:
                if not batch:
                    return
                for event, status in batch:
                    if status in SETTLED:  # after a retry or resend moved the cursor back
                        self._advance(event.id, None)
                        continue
                    if not self.destination.wants(str(event.type)):
                        self._advance(event.id, FILTERED)
                        continue
                    verdict = await self._deliver(client, event)
                    if verdict is None:  # disabled (410): nothing more until `retry`
                        await self._flush()
                        return
                    self._advance(event.id, verdict)
                    if len(self._marks) >= SETTLE_EVERY or (
                        trio.current_time() - self._since >= SETTLE_AFTER
                    ):
                        await self._flush()
                await self._flush()
                batch = await self._call(
                    store.webhook_batch, self.name, self._cursor, delivery.BATCH_LIMIT
                )
        except _Rewound:
            return  # `retry` or `resend` moved the cursor back: the next pass rereads it

    def _advance(self, event_id: int, status: int | None) -> None:
        if not self._marks:
            self._since = trio.current_time()
        if status is not None:
            self._marks.append((event_id, status))
        self._new = event_id

    async def _flush(self) -> None:
        """Mark what was answered and move the cursor (one transaction for many
        events: a backlog is not one fsync per event). Raises _Rewound when the
        cursor was moved meanwhile."""
        if self._new == self._cursor:
            return
        assert self._store is not None
        marks, self._marks = self._marks, []
        with trio.CancelScope(shield=True):  # an answered POST is marked, even at shutdown
            at = int(self.wall_s() * 1000)
            moved = await self._call(
                self._store.settle, self.name, marks, at, self._cursor, self._new
            )
        if not moved:
            raise _Rewound
        self._cursor = self._new

    async def _deliver(self, client: httpx.AsyncClient, event: StoredEvent) -> int | None:
        """POST one event until it is delivered (1), dead-lettered (3) or the
        destination is disabled (None)."""
        assert self._store is not None
        body = delivery.event_line(event).rstrip("\n").encode()
        msg_id = webhook_policy.webhook_id(self._game_id, event.id)
        attempts = 0
        while True:
            attempts += 1
            status, error, retry_after = await self._post(client, msg_id, body)
            outcome = webhook_policy.after_attempt(
                status, error, attempts, self.destination.schedule, retry_after, self.random()
            )
            if outcome.verdict is Verdict.DELIVERED:
                if self._failure:
                    log.info("delivery to %s recovered", self.name)
                    self._failure = ""
                return DELIVERED
            disable = outcome.verdict is Verdict.DISABLED
            with trio.CancelScope(shield=True):
                await self._call(
                    self._store.record_failure, self.name, event.id, outcome.error, disable
                )
            self._report(event.id, outcome)
            if disable:
                return None
            if outcome.verdict is Verdict.DEAD_LETTER:
                return DEAD_LETTER
            await self._flush()  # what was delivered before shows while this one waits
            await trio.sleep(outcome.delay)

    async def _post(
        self, client: httpx.AsyncClient, msg_id: str, body: bytes
    ) -> tuple[int | None, str, float | None]:
        """(status or None, error, Retry-After seconds) of one signed POST."""
        timestamp = int(self.wall_s())
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(self.destination.secrets, msg_id, timestamp, body),
        }
        try:
            response = await client.post(self.destination.target, content=body, headers=headers)
        except httpx.TimeoutException:
            return None, "no answer in time", None
        except httpx.HTTPError as exc:
            # The message never carries the URL (it could hold credentials).
            message = f"{type(exc).__name__}: {exc}".split(" for url")[0]
            return None, message.replace(self.destination.target, self.name), None
        retry_after = webhook_policy.parse_retry_after(
            response.headers.get("retry-after"), self.wall_s()
        )
        return response.status_code, response.reason_phrase, retry_after

    def _report(self, event_id: int, outcome: webhook_policy.Outcome) -> None:
        # The reason once per outage (again if it changes), not at every retry.
        level = logging.DEBUG if outcome.error == self._failure else logging.WARNING
        self._failure = outcome.error
        if outcome.verdict is Verdict.DISABLED:
            log.warning("delivery to %s: %s", self.name, outcome.error)
        elif outcome.verdict is Verdict.DEAD_LETTER:
            log.warning(
                "delivery to %s: event %d dead-lettered after its last attempt (%s)",
                self.name,
                event_id,
                outcome.error,
            )
        else:
            log.log(
                level,
                "delivery to %s failed: %s; retrying in %.2g s",
                self.name,
                outcome.error,
                outcome.delay,
            )
