"""The SQLite event store: opening a database, appending events, snapshots.

The database is the source of truth (DESIGN section 2). The store is split by job:
`schema` (layouts and migrations), `database` (the connection, transactions and
reading the log), `deliveries` (the pusher's table), this module (opening, appending,
snapshots and the folded game) and `async_store` (how the Trio shell calls it). WAL
mode lets the pusher read while the main process writes.

`Store.load_game` is the one answer to "what state does the stored history fold
to": the server starts from it, and so may anything else that shows the state.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from score.core import wire
from score.core.clock import Clock, Step, fold_steps
from score.core.event_types import EventType
from score.core.events import NewEvent, StoredEvent, to_payload
from score.core.game_events import GameConfigured
from score.core.game_state import GameState, fold
from score.core.rules import Rules
from score.shell.deliveries import Deliveries
from score.shell.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    keep_copy,
    migrate,
    present_as_current,
    read_layout,
)
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

log = logging.getLogger("score.store")

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
        """Open a database to write to it: `score run` (create=True) creates it or
        brings an older layout up to date, keeping a copy of the file first; the
        pusher (create=False) only opens a database that is up to date already."""
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
            store.set_busy_timeout(busy_timeout_ms)
            # Before WAL mode is set: the copy kept before a migration is the file
            # exactly as the original program left it.
            store._bring_up_to_date(may_migrate=create)
            store._configure(in_memory)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"{name} is locked by another process") from None
            raise NotAScoreDatabase(f"{name} is not a Score database ({exc})") from None
        except StoreError:
            connection.close()
            raise
        return store

    @classmethod
    def open_read_only(cls, path: str | Path) -> Store:
        """Open a database only to read it, whatever its layout, changing nothing:
        SQLite is asked for a read-only connection, and an older layout is read
        through views (see `schema.present_as_current`)."""
        file = Path(path)
        if not file.is_file():
            raise DatabaseMissing(f"no database at {path}")
        try:
            connection = sqlite3.connect(
                f"{file.absolute().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}")
            layout = read_layout(connection, str(path))
            if layout.empty:
                raise NotAScoreDatabase(f"{path} is not a Score database (it is empty)")
            present_as_current(connection, layout)
        except sqlite3.Error as exc:
            connection.close()
            raise NotAScoreDatabase(f"{path} is not a Score database ({exc})") from None
        except BaseException:
            connection.close()
            raise
        return cls(connection, str(path))

    def _bring_up_to_date(self, *, may_migrate: bool) -> None:
        with self.transaction() as db:
            layout = read_layout(db, self.path)
            if layout.current or layout.empty:
                migrate(db, layout)  # creates the tables of a new database
                return
            if not may_migrate:
                raise NotAScoreDatabase(
                    f"{self.path} has an older layout (schema {layout.version});"
                    " `score run` brings it up to date"
                )
        # Outside the transaction: the copy reads the file as it is now.
        copy = keep_copy(self._db, self.path, layout.version)
        with self.transaction() as db:
            layout = read_layout(db, self.path)  # as it is under the write lock
            migrate(db, layout)
        log.warning(
            "migrated %s from schema %d to %d; the file as it was is kept as %s",
            self.path,
            layout.version,
            SCHEMA_VERSION,
            copy,
        )

    def _configure(self, in_memory: bool) -> None:
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
                    "INSERT INTO events(type, payload, created_at, version) VALUES (?, ?, ?, ?)",
                    (
                        str(event.type),
                        wire.encode(to_payload(event.data)),
                        event.created_at,
                        event.data.version,
                    ),
                )
                assert cursor.lastrowid is not None
                stored.append(StoredEvent(cursor.lastrowid, event.created_at, event.data))
        return stored

    def clock_steps(self, after: int = 0, until: int | None = None) -> Iterator[Step]:
        """Events with `after < id <= until` as the fold needs them; SQLite extracts
        `seconds`, so no JSON is decoded in Python (a million events fold in well
        under 1 s)."""
        return self._db.execute(
            "SELECT id, type, created_at,"
            " CASE WHEN type = 'CLOCK_SET' THEN json_extract(payload, '$.seconds')"
            " WHEN type = 'CLOCK_ADJUSTED' THEN json_extract(payload, '$.delta_ms') END"
            " FROM events WHERE id > ? AND id <= ? ORDER BY id",
            (after, until if until is not None else 2**63 - 1),
        )

    # -- snapshots ------------------------------------------------------------------

    def save_snapshot(self, state: GameState | Clock) -> None:
        """Remember the folded clock after event `clock.last_event_id`. Only a plain
        clock's: a game is a few thousand events, replayed whole at start (so an
        undo reaching back before any snapshot is always folded right)."""
        if isinstance(state, GameState):
            if not state.rules.is_clock:
                return
            state = state.clock
        clock = state
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

    def rules(self) -> Rules | None:
        """The rules of a game (its first event, GAME_CONFIGURED); None for a clock."""
        first = next(self.events(limit=1), None)
        if first is not None and isinstance(first.data, GameConfigured):
            return first.data.rules
        return None

    def load_game(self, until: int | None = None) -> GameState:
        """The state the stored history folds to (through event `until`): a plain
        clock from its newest snapshot and the tail, a game replayed whole."""
        row = self._db.execute("SELECT type FROM events ORDER BY id LIMIT 1").fetchone()
        if row is not None and row[0] == EventType.GAME_CONFIGURED:
            return fold(self.events(until=until))
        if until is not None:
            return GameState(clock=fold_steps(self.clock_steps(until=until)))
        return GameState(clock=self.load_clock())
