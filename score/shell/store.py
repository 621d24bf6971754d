"""The SQLite event store: the one place that knows SQL.

The database is the source of truth (DESIGN section 2). The schema is versioned with
`PRAGMA user_version` and migrated on open; the file is marked with an
`application_id` so that a stranger's database is refused instead of modified. WAL
mode lets the pusher read while the main process writes; every write (and every
read-then-write) runs in a `BEGIN IMMEDIATE` transaction, so a busy database is
waited for (`busy_timeout`) at the start of the transaction, never half-way through.

`Store` is synchronous; the Trio shell reaches it through `AsyncStore`, which runs
one call at a time on a worker thread so a lock wait never blocks the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import trio

from score.core import delivery, wire
from score.core.clock import Clock, Step, fold_steps
from score.core.events import EventType, NewEvent, StoredEvent

APPLICATION_ID = 0x53434F52  # "SCOR"
SCHEMA_VERSION = 2
SNAPSHOTS_KEPT = 3
DEFAULT_BUSY_TIMEOUT_MS = 5_000

T = TypeVar("T")


class StoreError(Exception):
    """A problem with the database, with a message fit for the operator."""


class DatabaseMissing(StoreError):
    pass


class NotAScoreDatabase(StoreError):
    pass


class StoreBusy(StoreError):
    pass


_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS events(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries(
    event_id INTEGER NOT NULL REFERENCES events(id),
    destination TEXT NOT NULL,
    delivered INTEGER,
    delivered_at INTEGER,
    PRIMARY KEY(event_id, destination)
);
CREATE INDEX IF NOT EXISTS deliveries_done
    ON deliveries(destination, event_id) WHERE delivered = 1;
"""

# v2: snapshots of the folded clock, so start-up is snapshot + tail, not a full replay.
_SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS snapshots(
    event_id INTEGER PRIMARY KEY,
    remaining_ms INTEGER NOT NULL,
    running INTEGER NOT NULL,
    anchor INTEGER NOT NULL
);
"""

MIGRATIONS = [_SCHEMA_V1, _SCHEMA_V2]
"""MIGRATIONS[n] takes a database from schema n to schema n + 1."""

_EVENT_TYPES = {str(kind): kind for kind in EventType}


def _event(event_id: int, kind: str, payload: str, created_at: int) -> StoredEvent:
    """A row of `events` as an event (most payloads are `{}`: no need to parse)."""
    decoded = {} if payload == "{}" else wire.decode(payload)
    return StoredEvent(event_id, _EVENT_TYPES[kind], created_at, decoded)


class Store:
    """A connection to one Score database."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._db = connection
        self.path = path

    # -- opening ------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> Store:
        """Open (and, if allowed, create) a database and bring its schema up to date."""
        name = str(path)
        in_memory = name == ":memory:"
        if not in_memory and not create and not Path(name).exists():
            raise DatabaseMissing(f"no database at {name}")
        try:
            connection = sqlite3.connect(
                name,
                isolation_level=None,
                check_same_thread=False,
                timeout=busy_timeout_ms / 1000,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {name}: {exc}") from None
        store = cls(connection, name)
        try:
            store._configure(busy_timeout_ms, in_memory)
            store._migrate()
        except sqlite3.DatabaseError as exc:
            connection.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"{name} is locked by another process") from None
            raise NotAScoreDatabase(f"{name} is not a Score database ({exc})") from None
        except StoreError:
            connection.close()
            raise
        return store

    def _configure(self, busy_timeout_ms: int, in_memory: bool) -> None:
        self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not in_memory:
            self._db.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before the operator sees its effect.
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA foreign_keys = ON")

    def _migrate(self) -> None:
        with self.transaction():
            application_id = self._scalar("PRAGMA application_id")
            version = self._scalar("PRAGMA user_version")
            tables = {
                row[0]
                for row in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            }
            if application_id not in (0, APPLICATION_ID):
                raise NotAScoreDatabase(f"{self.path} is not a Score database")
            if version > SCHEMA_VERSION:
                raise NotAScoreDatabase(
                    f"{self.path} was written by a newer Score (schema {version})"
                )
            if version == 0 and application_id == 0 and tables:
                if not {"events", "deliveries"} <= tables:
                    raise NotAScoreDatabase(f"{self.path} is not a Score database")
                # The original design stored created_at in whole seconds.
                self._db.execute("UPDATE events SET created_at = created_at * 1000")
            for migration in MIGRATIONS[version:]:
                for statement in migration.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(f"the database is busy: {exc}") from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _scalar(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        row = self._db.execute(sql, parameters).fetchone()
        return None if row is None else row[0]

    # -- events -------------------------------------------------------------------

    def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Store events atomically, in order; returns them with their ids."""
        stored: list[StoredEvent] = []
        with self.transaction() as db:
            for event in events:
                cursor = db.execute(
                    "INSERT INTO events(type, payload, created_at) VALUES (?, ?, ?)",
                    (str(event.type), wire.encode(event.payload), event.created_at),
                )
                assert cursor.lastrowid is not None
                stored.append(
                    StoredEvent(cursor.lastrowid, event.type, event.created_at, event.payload)
                )
        return stored

    def events(
        self, after: int = 0, until: int | None = None, limit: int = -1
    ) -> Iterator[StoredEvent]:
        """Stored events in id order, with `after < id <= until`, at most `limit`
        of them (-1: all)."""
        cursor = self._db.execute(
            "SELECT id, type, payload, created_at FROM events"
            " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (after, until if until is not None else 2**63 - 1, limit),
        )
        for row in cursor:
            yield _event(*row)

    def clock_steps(self, after: int = 0) -> Iterator[Step]:
        """Events after `after` as the fold needs them; SQLite extracts `seconds`,
        so no JSON is decoded in Python (a million events fold in well under 1 s)."""
        return self._db.execute(
            "SELECT id, type, created_at,"
            " CASE WHEN type = 'CLOCK_SET' THEN json_extract(payload, '$.seconds') END"
            " FROM events WHERE id > ? ORDER BY id",
            (after,),
        )

    def save_snapshot(self, clock: Clock) -> None:
        """Remember the folded clock after event `clock.last_event_id`."""
        if clock.last_event_id == 0:
            return
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO snapshots(event_id, remaining_ms, running, anchor)"
                " VALUES (?, ?, ?, ?)",
                (clock.last_event_id, clock.remaining_ms, int(clock.running), clock.anchor),
            )
            db.execute(
                "DELETE FROM snapshots WHERE event_id NOT IN"
                " (SELECT event_id FROM snapshots ORDER BY event_id DESC LIMIT ?)",
                (SNAPSHOTS_KEPT,),
            )

    def latest_snapshot(self) -> Clock | None:
        """The newest snapshot that the event log still backs (None if there is none)."""
        row = self._db.execute(
            "SELECT event_id, remaining_ms, running, anchor FROM snapshots"
            " WHERE event_id <= (SELECT coalesce(max(id), 0) FROM events)"
            " ORDER BY event_id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        event_id, remaining_ms, running, anchor = row
        return Clock(remaining_ms, bool(running), anchor, event_id)

    def load_clock(self) -> Clock:
        """The current folded clock: the newest snapshot plus the events after it."""
        snapshot = self.latest_snapshot()
        after = snapshot.last_event_id if snapshot is not None else 0
        return fold_steps(self.clock_steps(after), snapshot)

    def last_event_id(self) -> int:
        return int(self._scalar("SELECT coalesce(max(id), 0) FROM events"))

    def last_created_at(self) -> int:
        """The stamp of the newest event: one primary-key seek, not a scan (Score
        never stamps an event earlier than the one before it)."""
        value = self._scalar("SELECT created_at FROM events ORDER BY id DESC LIMIT 1")
        return 0 if value is None else int(value)

    def delivery_status(self, event_ids: Sequence[int]) -> dict[int, dict[str, int | None]]:
        """Per event id: {destination: delivered flag} for the given events."""
        result: dict[int, dict[str, int | None]] = {}
        if not event_ids:
            return result
        cursor = self._db.execute(
            "SELECT event_id, destination, delivered FROM deliveries"
            " WHERE event_id BETWEEN ? AND ?",
            (min(event_ids), max(event_ids)),
        )
        for event_id, destination, delivered in cursor:
            result.setdefault(event_id, {})[destination] = delivered
        return result

    # -- deliveries (the pusher) ----------------------------------------------------
    #
    # A destination receives events strictly in id order, so what it has is always a
    # prefix: "delivered through id N". The pusher keeps N from its destination (the
    # file is the truth) and the rows here follow it.

    def next_batch(self, after: int, limit: int) -> list[StoredEvent]:
        """The next events for a destination that holds everything through `after`.

        A plain read: in WAL mode it never waits for the writer and never blocks it.
        No claim row is needed because the pusher's advisory lock on the destination
        already makes it the only one delivering there.
        """
        return list(self.events(after, limit=limit))

    def delivered_through(self, destination: str) -> int:
        """The highest event id marked delivered to `destination` (0 if none).

        A bare max() over the partial index `deliveries_done`: SQLite answers it with
        one index seek, whatever the size of the table.
        """
        value = self._scalar(
            "SELECT max(event_id) FROM deliveries WHERE destination = ? AND delivered = 1",
            (destination,),
        )
        return 0 if value is None else int(value)

    def mark_delivered(self, destination: str, first_id: int, last_id: int, at: int) -> None:
        """Mark events `first_id..last_id` delivered (1) at instant `at`."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
                " SELECT id, ?, 1, ? FROM events WHERE id BETWEEN ? AND ?"
                " ON CONFLICT(event_id, destination)"
                " DO UPDATE SET delivered = 1, delivered_at = excluded.delivered_at",
                (destination, at, first_id, last_id),
            )

    def mark_failed(self, destination: str, first_id: int, last_id: int) -> None:
        """Mark events `first_id..last_id` failed (2), unless already delivered."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
                " SELECT id, ?, 2, NULL FROM events WHERE id BETWEEN ? AND ?"
                " ON CONFLICT(event_id, destination)"
                " DO UPDATE SET delivered = 2 WHERE delivered IS NOT 1",
                (destination, first_id, last_id),
            )

    def reconcile_deliveries(
        self, destination: str, file_last_id: int, at: int
    ) -> delivery.Reconciliation:
        """Make the table agree with a destination that holds events through
        `file_last_id`: the destination is the truth.

        The decision and the un-marking happen in one transaction; marking a long
        stretch goes in chunks, each its own short transaction, so the main process
        never waits long for the write lock.
        """
        with self.transaction() as db:
            plan = delivery.reconcile(
                file_last_id, self.delivered_through(destination), self.last_event_id()
            )
            if plan.unmark_after is not None:
                db.execute(
                    "UPDATE deliveries SET delivered = NULL, delivered_at = NULL"
                    " WHERE destination = ? AND delivered = 1 AND event_id > ?",
                    (destination, plan.unmark_after),
                )
        for first_id, last_id in delivery.id_chunks(
            plan.mark_after, plan.mark_through, delivery.RECONCILE_CHUNK
        ):
            self.mark_delivered(destination, first_id, last_id, at)
        return plan

    def oldest_undelivered_at(self, destinations: Sequence[str]) -> int | None:
        """created_at of the oldest event some destination lacks; None if none does.

        Two index seeks per destination (the partial index, then the primary key), so
        the status light can ask every second at no cost.
        """
        oldest: int | None = None
        for destination in destinations:
            created_at = self._scalar(
                "SELECT created_at FROM events WHERE id > ? ORDER BY id LIMIT 1",
                (self.delivered_through(destination),),
            )
            if created_at is not None and (oldest is None or created_at < oldest):
                oldest = int(created_at)
        return oldest


class AsyncStore:
    """The store as the Trio shell sees it: one call at a time, on a worker thread.

    `inline=True` runs calls on the Trio thread instead: only for virtual-time
    tests, where a worker thread would let the mock clock jump while SQLite works.
    """

    def __init__(self, store: Store, *, inline: bool = False) -> None:
        self.store = store
        self._inline = inline
        self._limiter = trio.CapacityLimiter(1)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._inline:
            await trio.lowlevel.checkpoint()
            return fn(*args)
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    async def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        return await self.run(self.store.append, events)

    async def aclose(self) -> None:
        """Close after any call in flight (never under a running worker)."""
        with trio.CancelScope(shield=True):
            await self.run(self.store.close)
