"""The SQLite event store: opening a database, appending events, snapshots.

The database is the source of truth (DESIGN section 2). The store is split by job:
`schema` (layouts and migrations), `database` (the connection, transactions and
reading the log), `deliveries` (the pusher's table), this module (opening, appending,
snapshots and the folded clock) and `async_store` (how the Trio shell calls it). WAL
mode lets the pusher read while the main process writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from score.core import wire
from score.core.clock import Clock, Step, fold_steps
from score.core.events import NewEvent, StoredEvent, to_payload
from score.shell.deliveries import Deliveries
from score.shell.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate
from score.shell.store_errors import DatabaseMissing, NotAScoreDatabase, StoreBusy, StoreError

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DatabaseMissing",
    "NotAScoreDatabase",
    "Store",
    "StoreBusy",
    "StoreError",
]

SNAPSHOTS_KEPT = 3
DEFAULT_BUSY_TIMEOUT_MS = 5_000


class Store(Deliveries):
    """A connection to one Score database."""

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
            with store.transaction() as db:
                migrate(db, name)
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
        self.set_busy_timeout(busy_timeout_ms)
        if not in_memory:
            self._db.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before the operator sees its effect.
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA foreign_keys = ON")

    # -- events -------------------------------------------------------------------

    def append(self, events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Store events atomically, in order; returns them with their ids."""
        stored: list[StoredEvent] = []
        with self.transaction() as db:
            for event in events:
                cursor = db.execute(
                    "INSERT INTO events(type, payload, created_at) VALUES (?, ?, ?)",
                    (str(event.type), wire.encode(to_payload(event.data)), event.created_at),
                )
                assert cursor.lastrowid is not None
                stored.append(
                    StoredEvent(cursor.lastrowid, event.created_at, event.data)
                )
        return stored

    def clock_steps(self, after: int = 0) -> Iterator[Step]:
        """Events after `after` as the fold needs them; SQLite extracts `seconds`,
        so no JSON is decoded in Python (a million events fold in well under 1 s)."""
        return self._db.execute(
            "SELECT id, type, created_at,"
            " CASE WHEN type = 'CLOCK_SET' THEN json_extract(payload, '$.seconds') END"
            " FROM events WHERE id > ? ORDER BY id",
            (after,),
        )

    # -- snapshots ------------------------------------------------------------------

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
