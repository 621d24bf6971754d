"""Delivering to an MQTT broker: each event QoS 1 to PREFIX/events, the state retained.

One Trio task per broker, with its own database connection, on the destination
platform's machinery: the cursor, marks, filter and failures of `destination_table`
(as a webhook has), so the status light, `score deliveries`, `retry` and `resend`
work unchanged. A pass reads the events after the cursor and publishes each one the
destination wants, in id order, as its JSON Lines object; an event is marked
delivered only once its PUBACK is in (marks go in groups, as a webhook's do). After
each batch, and every second while connected, the folded state goes to PREFIX/state,
retained: a display that subscribes late has it at once and then a fresh one each
second, as over the WebSocket (server_time_ms for the tenths).

A broker that is down, restarting or refusing our credentials holds nothing up but
this task: the attempt is recorded against the first waiting event (the light turns
yellow and says why), and a new connection is tried with backoff; nothing is
dead-lettered, and on reconnection delivery resumes at the cursor. Events published
but not acknowledged when a connection drops are published again: at least once, in
order; a subscriber drops an `event_id` it has seen.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import zlib
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import trio

from score.core import delivery, wire
from score.core.delivery import DEAD_LETTER, DELIVERED, FILTERED
from score.core.destinations import Destination
from score.core.game_state import GameState, fold
from score.core.mqtt_address import mqtt_address
from score.pusher.mqtt_link import BrokerLost, MqttLink
from score.pusher.progress import Progress, Rewound
from score.pusher.worker import Wakeup
from score.shell.store import Store
from score.shell.store_errors import StoreError
from score.shell.wall_clock import system_wall_ms

log = logging.getLogger("score.push")
T = TypeVar("T")

SETTLED = (DELIVERED, DEAD_LETTER, FILTERED)
STORE_RETRY = 1.0
"""Seconds before trying again when the database refused a read or a mark."""
STATE_INTERVAL = 1.0
"""Seconds between two retained states while nothing happens (displays go stale
after 3 s without one, as over the WebSocket)."""


class PublishedState:
    """The `{"state": {...}}` published to PREFIX/state: the one place that knows
    what it holds. The history is folded whole once (`Store.load_game`); after that
    only the events stored since are folded on, so the once-a-second publication
    costs a query for the new events, not a replay of the game."""

    def __init__(self) -> None:
        self._state: GameState | None = None

    def message(self, store: Store, now: int) -> dict[str, Any]:
        if self._state is None:
            state = store.load_game()
        else:
            state = fold(store.events(after=self._state.last_event_id), self._state)
        self._state = state  # only once folded: a fold that fails is tried again
        return wire.state_message(state, now, "healthy")


class MqttWorker:
    def __init__(self, db: Path, destination: Destination) -> None:
        self.db = db
        self.destination = destination
        self.name = destination.name
        self.address = mqtt_address(destination.target)
        self._limiter = trio.CapacityLimiter(1)
        self._store: Store | None = None
        self._client_id = ""
        self._failures = 0
        self._failure = ""
        self.progress = Progress(self.name, self._call)
        self._queue: deque[tuple[int, int | None, int | None]] = deque()
        """(event id, packet id or None, mark) in publish order, not yet settled."""
        self._unacked: set[int] = set()
        self._acked: set[int] = set()
        """Packet ids published and not yet settled, and those of them acknowledged
        (ids are reused after 65,535: an ack counts only for what is outstanding)."""
        self._acks = trio.Event()
        self._state_failed = False
        self._published = PublishedState()

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def run(self, wake: Wakeup) -> None:
        """Deliver until `wake` is closed (after one last pass)."""
        try:
            while True:
                try:
                    await self._session(wake)
                    return
                except* BrokerLost as group:
                    await self._lost(_first(group))
                    retry = delivery.next_attempt(self._failures)[0]
                except* (StoreError, sqlite3.Error) as group:
                    reason = _first(group)
                    log.warning("delivery to %s: the database refused: %s", self.name, reason)
                    retry = STORE_RETRY
                if wake.closed:
                    return  # told to stop and the broker is away: the next start resumes
                with trio.move_on_after(retry):
                    await wake.wait_closed()
        finally:
            if self._store is not None:
                with trio.CancelScope(shield=True):
                    store, self._store = self._store, None
                    await self._call(store.close)

    async def _session(self, wake: Wakeup) -> None:
        """One connection: deliver pass after pass until the last one is done."""
        if self._store is None:
            self._store = await self._call(lambda: Store.open(self.db, create=False))
            await self._call(self._store.mark_without_fsync)
            game_id = await self._call(self._store.game_id)
            self._client_id = f"score-{game_id}-{zlib.crc32(self.name.encode()):08x}"
        d = self.destination
        link = MqttLink(self.address, self._client_id, d.username, d.password)
        link.on_ack = self._on_ack
        self._queue.clear()
        self._unacked.clear()
        self._acked.clear()
        async with trio.open_nursery() as nursery:
            await nursery.start(link.run)
            log.info("delivering to %s", self.name)
            if self._failures:
                log.info("delivery to %s recovered after %d failures", self.name, self._failures)
            self._failures, self._failure = 0, ""
            await self._publish_state(link)
            nursery.start_soon(self._keep_state_fresh, link)
            while True:
                seen, final = wake.generation, wake.closed
                await self._deliver_pending(link)
                if final:
                    break
                with trio.move_on_after(delivery.POLL_INTERVAL):
                    await wake.wait_after(seen)
            nursery.cancel_scope.cancel()

    async def _lost(self, reason: str) -> None:
        """A connection failed or dropped: mark what was acknowledged, record the
        failure against the first waiting event (the light shows it), log it once."""
        self._failures += 1
        with trio.CancelScope(shield=True):
            with contextlib.suppress(Rewound, StoreError, sqlite3.Error):
                await self._flush()
            store = self._store
            if store is not None:
                with contextlib.suppress(StoreError, sqlite3.Error):
                    cursor, _disabled = await self._call(store.webhook_cursor, self.name)
                    waiting = await self._call(store.webhook_batch, self.name, cursor, 1)
                    if waiting:
                        await self._call(
                            store.record_failure, self.name, waiting[0][0].id, reason, False
                        )
        delay, _ = delivery.next_attempt(self._failures)
        level = logging.DEBUG if reason == self._failure else logging.WARNING
        self._failure = reason
        log.log(level, "delivery to %s failed: %s; retrying in %.2g s", self.name, reason, delay)

    async def _deliver_pending(self, link: MqttLink) -> None:
        store = self._store
        assert store is not None
        cursor, disabled, batch = await self._call(
            store.webhook_pass, self.name, delivery.BATCH_LIMIT
        )
        self.progress.restart(cursor)
        if disabled:
            return
        try:
            while batch:
                for event, status in batch:
                    if status in SETTLED:  # after a retry or resend moved the cursor back
                        self._queue.append((event.id, None, None))
                    elif not self.destination.wants(str(event.type)):
                        self._queue.append((event.id, None, FILTERED))
                    else:
                        body = delivery.event_line(event).rstrip("\n").encode()
                        mid = link.publish(self.address.events_topic, body, qos=1)
                        self._unacked.add(mid)
                        self._queue.append((event.id, mid, DELIVERED))
                    self._settle_acked()
                while self._queue:
                    await self._acks.wait()
                    self._acks = trio.Event()
                    self._settle_acked()
                    if self.progress.due:
                        await self._flush()
                await self._flush()
                await self._publish_state(link)
                batch = await self._call(
                    store.webhook_batch, self.name, self.progress.cursor, delivery.BATCH_LIMIT
                )
        except Rewound:  # the next pass rereads the cursor
            self._queue.clear()
            self._unacked.clear()
            self._acked.clear()

    def _on_ack(self, mid: int) -> None:
        if mid in self._unacked:
            self._unacked.discard(mid)
            self._acked.add(mid)
            self._acks.set()

    def _settle_acked(self) -> None:
        """Move past the acknowledged prefix of what was published (PUBACKs come
        in order, but only a prefix may be marked: the cursor says "all through")."""
        while self._queue:
            event_id, mid, mark = self._queue[0]
            if mid is not None and mid not in self._acked:
                return
            self._queue.popleft()
            if mid is not None:
                self._acked.discard(mid)
            self.progress.done(event_id, mark)

    async def _flush(self) -> None:
        """Mark what was acknowledged and move the cursor (see progress.py)."""
        if self._store is not None:
            await self.progress.flush(self._store, system_wall_ms)

    async def _publish_state(self, link: MqttLink) -> None:
        """Publish the state; one that cannot be computed (a history this version
        cannot fold, a busy database) is said once and skipped: the events still go."""
        assert self._store is not None
        try:
            state = await self._call(self._published.message, self._store, system_wall_ms())
        except (ValueError, StoreError, sqlite3.Error) as exc:
            if not self._state_failed:
                log.warning("%s: the state cannot be published: %s", self.name, exc)
            self._state_failed = True
            return
        self._state_failed = False
        link.publish(self.address.state_topic, wire.encode(state).encode(), qos=0, retain=True)

    async def _keep_state_fresh(self, link: MqttLink) -> None:
        deadline = trio.current_time()
        while True:
            deadline += STATE_INTERVAL
            await trio.sleep_until(deadline)
            await self._publish_state(link)


def _first(group: BaseExceptionGroup[Any]) -> str:
    """The message of the first exception in a (nested) group."""
    found: BaseException = group
    while isinstance(found, BaseExceptionGroup):
        found = found.exceptions[0]
    return str(found)
