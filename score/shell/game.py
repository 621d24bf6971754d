"""The live game: the current state, the commands that change it, and its viewers.

`Game` is where the one-way data flow happens: a command is decided by the core,
appended to the store, folded into the live state (score.core.game_state.fold, the
same fold replay uses), then broadcast to every viewer
and announced to commit listeners (the pusher's wake-up). Commands are serialised
by a lock so decide-append-apply is atomic, and committed in groups: commands that
queue up while a commit is on disk are decided one after another and appended in
the next single transaction (one fsync for all), each answered only once it is
durable. A broadcast is encoded once; WebSocket viewers get it through the fan-out
(fanout.py, latest state wins); in-process viewers each own a bounded queue and are
dropped when it is full, so nobody slow can hold up the game.

The game loop that drives it between commands is `game_loop.run_clock`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio

from score.core import wire
from score.core.clock import Clock
from score.core.commands import Command, execute_in_game
from score.core.errors import ScoreError
from score.core.events import NewEvent, StoredEvent
from score.core.game_clocks import next_owed_at, owed
from score.core.game_commands import Undo
from score.core.game_events import GameConfigured
from score.core.game_state import GameState, fold
from score.core.restore import game_summary, restore_summary
from score.core.rules import Rules
from score.shell.async_store import AsyncStore
from score.shell.console_events import log_recorded
from score.shell.fanout import Fanout
from score.shell.store_errors import StoreError, StoreFull
from score.shell.wall_clock import TimeSource, system_wall_ms

log = logging.getLogger("score.game")

SNAPSHOT_EVERY = 1000
"""Events between two snapshots of a plain clock (a game is replayed whole)."""

VIEWER_QUEUE = 32
"""Messages an in-process viewer may fall behind by before it is dropped."""


@dataclass(eq=False)
class Pending:
    """A command submitted to the game, and once `done`, how it went."""

    command: Command
    done: bool = False
    error: ScoreError | None = None


@dataclass(eq=False)
class Viewer:
    """One subscriber to the state stream, with its own bounded queue."""

    send: trio.MemorySendChannel[str]
    receive: trio.MemoryReceiveChannel[str]
    on_drop: Callable[[], None] = field(default=lambda: None)


class Game:
    def __init__(
        self, store: AsyncStore, state: GameState | Clock, time_source: TimeSource
    ) -> None:
        self.store = store
        self.state = state if isinstance(state, GameState) else GameState(clock=state)
        self.time = time_source
        self.pusher_status = "unknown"
        self.pusher_detail: str | None = None
        self.destinations: list[dict[str, Any]] | None = None
        """Each destination's status (None: no pusher, nothing to list)."""
        self.restored = "new game: nothing stored yet"
        """What the start found in the database, in words (see core.restore)."""
        self._lock = trio.Lock()
        self._viewers: set[Viewer] = set()
        self.fanout = Fanout()
        self._queue: list[Pending] = []
        self._changed = trio.Event()
        self._commit_listeners: list[Callable[[list[StoredEvent]], None]] = []

    @classmethod
    async def load(cls, store: AsyncStore, wall_ms: Callable[[], int] = system_wall_ms) -> Game:
        """The game as the stored history left it (after a restart or a crash)."""
        state, last_stamp = await store.load_game(), await store.last_created_at()
        game = cls(store, state, TimeSource(wall_ms, not_before=last_stamp))
        game.restored = restore_summary(state.clock, game.time.now())
        if not state.rules.is_clock:
            game.restored += f"; {game_summary(state)}"
        return game

    @property
    def clock(self) -> Clock:
        return self.state.clock

    async def configure(self, rules: Rules) -> None:
        """Record `rules` as the first event of a new database (GAME_CONFIGURED)."""
        async with self._lock:
            if self.state.last_event_id or not self.state.rules.is_clock:
                raise ScoreError("already_configured", "this database already has a game")
            await self._record([NewEvent(self.time.now(), GameConfigured(rules))])

    # -- commands -----------------------------------------------------------------

    async def execute(self, command: Command) -> None:
        """Carry out a command; raises ScoreError (recording nothing for it)."""
        await self.complete(self.submit(command))

    def submit(self, command: Command) -> Pending:
        """Queue a command in arrival order; `complete` carries it out."""
        pending = Pending(command)
        self._queue.append(pending)
        return pending

    def withdraw(self, pending: Pending) -> None:
        """Take back a command nobody will wait for (its client left)."""
        if pending in self._queue:
            self._queue.remove(pending)

    async def complete(self, pending: Pending) -> None:
        """Return once `pending` is durable (or raise why it was refused).

        Group commit: whoever gets the lock commits every command queued so far, in
        one transaction; the others find theirs done when their turn comes.
        """
        if not pending.done:
            async with self._lock:
                if not pending.done:
                    await self._commit_queued()
        if pending.error is not None:
            raise pending.error

    async def _commit_queued(self) -> None:
        batch, self._queue = self._queue, []
        # An undo names the event it reverts by its id: what the batch decided
        # before it is recorded first, so that it has one.
        cut = next((i for i, p in enumerate(batch) if isinstance(p.command, Undo)), len(batch))
        if 0 < cut < len(batch):
            batch, self._queue = batch[:cut], batch[cut:] + self._queue
        elif cut == 0 and len(batch) > 1:
            batch, self._queue = batch[:1], batch[1:] + self._queue
        now, state = self.time.now(), self.state
        events: list[NewEvent] = []
        for pending in batch:
            outcome = execute_in_game(state, pending.command, now)
            state = fold(outcome.events, state)  # decides the next on this one's result
            events += outcome.events
            pending.error = outcome.error
        try:
            await self._record(events)
        except ScoreError as error:  # nothing of the batch was recorded
            for pending in batch:
                pending.error = error
        except BaseException:
            for pending in batch:
                pending.error = ScoreError("internal", "the command was not recorded", 500)
            raise
        finally:
            for pending in batch:
                pending.done = True
        if self._queue:  # the rest of a batch cut at an undo
            await self._commit_queued()

    async def settle(self) -> None:
        """Record whatever the loop owes by now (an expiry, a shot clock, a penalty)."""
        async with self._lock:
            await self._record(owed(self.state, self.time.now()))

    async def _record(self, events: list[NewEvent]) -> None:
        if not events:
            return
        try:
            stored = await self.store.append(events)
        except StoreFull as exc:
            raise ScoreError("storage_full", str(exc), 507) from None
        except StoreError as exc:
            raise ScoreError("store_unavailable", str(exc), 503) from None
        self.state = fold(stored, self.state)
        log_recorded(stored)
        for listener in self._commit_listeners:
            listener(stored)
        self._changed.set()
        self._changed = trio.Event()
        self.broadcast()
        if any(event.id % SNAPSHOT_EVERY == 0 for event in stored):
            # Shielded: once the events are stored, nothing here may be cancelled, so
            # a cancelled commit is always one that recorded nothing (its waiters are
            # told so in _commit_queued, which must never say it of stored events).
            with trio.CancelScope(shield=True):
                await self.save_snapshot()

    async def save_snapshot(self) -> None:
        """Remember a plain clock, so the next start replays only the tail.

        A snapshot is only a shortcut: if it cannot be written now, the next one
        (or a full replay) will do.
        """
        try:
            await self.store.save_snapshot(self.state)
        except StoreError as exc:
            log.warning("snapshot not written: %s", exc)

    def add_commit_listener(self, listener: Callable[[list[StoredEvent]], None]) -> None:
        self._commit_listeners.append(listener)

    # -- state --------------------------------------------------------------------

    def state_message(self, request_id: Any = None) -> dict[str, Any]:
        return wire.state_message(
            self.state,
            self.time.now(),
            self.pusher_status,
            request_id,
            self.pusher_detail,
            self.destinations,
        )

    def set_pusher_status(
        self,
        status: str,
        detail: str | None = None,
        destinations: list[dict[str, Any]] | None = None,
    ) -> None:
        new = (status, detail, destinations)
        if new != (self.pusher_status, self.pusher_detail, self.destinations):
            self.pusher_status, self.pusher_detail, self.destinations = new
            self.broadcast()

    def expiry_deadline(self) -> float | None:
        """The trio time the loop next owes an event (None while the clock stops)."""
        at = next_owed_at(self.state)
        return None if at is None else self.time.deadline_for(at)

    async def wait_changed(self) -> None:
        await self._changed.wait()

    # -- viewers ------------------------------------------------------------------

    def subscribe(self, on_drop: Callable[[], None], capacity: int = VIEWER_QUEUE) -> Viewer:
        send, receive = trio.open_memory_channel[str](capacity)
        viewer = Viewer(send, receive, on_drop)
        self._viewers.add(viewer)
        return viewer

    def unsubscribe(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)
        viewer.send.close()

    @property
    def viewer_count(self) -> int:
        return len(self._viewers) + self.fanout.viewer_count

    def broadcast(self) -> None:
        """The current state, encoded once, to every viewer."""
        text = wire.encode(self.state_message())
        for viewer in list(self._viewers):
            self.offer(viewer, text)
        self.fanout.broadcast(text)

    def offer(self, viewer: Viewer, text: str) -> None:
        try:
            viewer.send.send_nowait(text)
        except (trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError):
            self.unsubscribe(viewer)
            viewer.on_drop()
