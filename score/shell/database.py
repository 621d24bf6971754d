"""A connection to one Score database: transactions, and reading the event log.

Every write (and every read-then-write) runs in a `BEGIN IMMEDIATE` transaction, so
a busy database is waited for (`busy_timeout`) at the start of the transaction,
never half-way through. Reads are plain statements: in WAL mode they never wait for
the writer and never block it. `Database` is the base of `Store`; it knows the
`events` table, which every other part of the store reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from score.core import wire
from score.core.events import StoredEvent, from_payload
from score.shell.store_errors import StoreBusy, StoreError, translate


def _event(event_id: int, kind: str, payload: str, created_at: int, version: int) -> StoredEvent:
    """A row of `events` as a typed event (most payloads are `{}`: no need to parse)."""
    decoded = {} if payload == "{}" else wire.decode(payload)
    try:
        return StoredEvent(event_id, created_at, from_payload(kind, decoded, version))
    except ValueError as error:
        raise StoreError(f"event {event_id} cannot be read: {error}") from None


class Database:
    """An open connection to a Score database."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._db = connection
        self.path = path

    def close(self) -> None:
        self._db.close()

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another writer before StoreBusy."""
        self._db.execute(f"PRAGMA busy_timeout = {int(ms)}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(f"the database is busy: {exc}") from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            # A failed COMMIT (a full disk) may leave the transaction open, or SQLite
            # may have rolled it back already: either way nothing was recorded.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise translate(exc) from None
            raise

    def _scalar(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        row = self._db.execute(sql, parameters).fetchone()
        return None if row is None else row[0]

    # -- the event log ----------------------------------------------------------------

    def events(
        self, after: int = 0, until: int | None = None, limit: int = -1
    ) -> Iterator[StoredEvent]:
        """Stored events in id order, with `after < id <= until`, at most `limit`
        of them (-1: all)."""
        cursor = self._db.execute(
            "SELECT id, type, payload, created_at, version FROM events"
            " WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (after, until if until is not None else 2**63 - 1, limit),
        )
        for row in cursor:
            yield _event(*row)

    def stored_payloads(self, until: int | None = None) -> Iterator[dict[str, Any]]:
        """Each event's payload as the file holds it, in id order: for inspection,
        which shows what is stored rather than what Score makes of it."""
        cursor = self._db.execute(
            "SELECT payload FROM events WHERE id <= ? ORDER BY id",
            (until if until is not None else 2**63 - 1,),
        )
        for (payload,) in cursor:
            yield wire.decode(payload)

    def last_event_id(self) -> int:
        return int(self._scalar("SELECT coalesce(max(id), 0) FROM events"))

    def last_created_at(self) -> int:
        """The stamp of the newest event: one primary-key seek, not a scan (Score
        never stamps an event earlier than the one before it)."""
        value = self._scalar("SELECT created_at FROM events ORDER BY id DESC LIMIT 1")
        return 0 if value is None else int(value)
