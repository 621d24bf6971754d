"""The destinations table: each webhook's cursor and health, dead letters, reports.

A webhook receives events in id order; its `cursor` is the id through which every
event is settled (delivered 1, dead-lettered 3, filtered out 4). The pusher moves it
with a compare-and-set, so that `score deliveries retry` or `resend`, which move it
back, are never undone by a pusher that was in the middle of an event. A file keeps
no row here: the file itself is its truth (see `deliveries.py`). Status per (event,
destination): NULL not attempted, 1 delivered, 2 failed (will retry), 3 dead letter,
4 filtered out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from score.core import webhook_policy
from score.core.delivery import DEAD_LETTER, DELIVERED, FAILED, PENDING_GRACE_MS
from score.core.events import StoredEvent
from score.shell.database import Database, _event


@dataclass(frozen=True)
class DestinationReport:
    """Where one destination stands, for the light, `score deliveries` and /metrics."""

    name: str
    position: int
    """Every event through this id is settled."""
    behind: int
    oldest_pending_at: int | None
    delivered: int
    dead_letters: int
    failed_attempts: int
    failing: bool
    disabled: bool
    last_error: str | None

    def state(self, running: bool, now: int) -> dict[str, Any]:
        """The destination as the state message lists it (DESIGN section 7)."""
        status = webhook_policy.destination_status(
            running, self.disabled, self.failing, self.oldest_pending_at, now, PENDING_GRACE_MS
        )
        return {
            "name": self.name,
            "status": status,
            "behind": self.behind,
            "dead_letters": self.dead_letters,
            "last_error": self.last_error,
        }


class UnknownDestination(LookupError):
    """No webhook of that name is known to the database."""


class DestinationTable(Database):
    """Queries on `destinations` and the webhook side of `deliveries`."""

    def mark_without_fsync(self) -> None:
        """This connection's commits skip the fsync (WAL + synchronous NORMAL): for a
        webhook's marks, whose loss in a power cut only means a resend with the same
        webhook-id (at least once), while an fsync per mark would queue behind, and
        before, the file destination's own fsync on the same disk."""
        self._db.execute("PRAGMA synchronous = NORMAL")

    def game_id(self) -> str:
        return str(self._scalar("SELECT value FROM game WHERE key = 'id'"))

    def events_by_type(self) -> dict[str, int]:
        rows = self._db.execute("SELECT type, count(*) FROM events GROUP BY type")
        return {str(kind): int(count) for kind, count in rows}

    def delivery_latency(self, bounds_ms: Sequence[int]) -> dict[str, tuple[list[int], int, int]]:
        """Per destination, commit -> delivered latency of every delivered event:
        (how many took at most each bound, how many in all, their sum in ms)."""
        columns = "".join(f", sum(lat <= {int(bound)})" for bound in bounds_ms)
        rows = self._db.execute(
            f"SELECT destination, count(*), coalesce(sum(lat), 0){columns} FROM ("
            " SELECT d.destination, max(0, d.delivered_at - e.created_at) AS lat"
            " FROM deliveries d JOIN events e ON e.id = d.event_id"
            f" WHERE d.delivered = {DELIVERED} AND d.delivered_at IS NOT NULL"
            ") GROUP BY destination"
        )
        return {
            str(row[0]): ([int(n or 0) for n in row[3:]], int(row[1]), int(row[2])) for row in rows
        }

    def webhook_names(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT name FROM destinations ORDER BY name")]

    def webhook_cursor(self, name: str) -> tuple[int, bool]:
        """(cursor, disabled) of a webhook; a new one starts before event 1. A plain
        read, asked at every pass: the write lock only for a webhook seen first."""
        sql = "SELECT cursor, disabled FROM destinations WHERE name = ?"
        row = self._db.execute(sql, (name,)).fetchone()
        if row is None:
            with self.transaction() as db:
                db.execute("INSERT OR IGNORE INTO destinations(name) VALUES (?)", (name,))
                row = db.execute(sql, (name,)).fetchone()
        return int(row[0]), bool(row[1])

    def webhook_pass(
        self, name: str, limit: int
    ) -> tuple[int, bool, list[tuple[StoredEvent, int | None]]]:
        """(cursor, disabled, first batch after the cursor) for one pass."""
        cursor, disabled = self.webhook_cursor(name)
        return cursor, disabled, [] if disabled else self.webhook_batch(name, cursor, limit)

    def webhook_batch(
        self, name: str, after: int, limit: int
    ) -> list[tuple[StoredEvent, int | None]]:
        """The events after `after`, each with its status for `name`."""
        rows = self._db.execute(
            "SELECT e.id, e.type, e.payload, e.created_at, e.version, d.delivered FROM events e"
            " LEFT JOIN deliveries d ON d.event_id = e.id AND d.destination = ?"
            " WHERE e.id > ? ORDER BY e.id LIMIT ?",
            (name, after, limit),
        )
        return [(_event(*row[:5]), row[5]) for row in rows]

    def settle(
        self, name: str, marks: Sequence[tuple[int, int]], at: int, old: int, new: int
    ) -> bool:
        """Mark events (id, status) and move the cursor from `old` to `new`; False if
        the cursor was moved meanwhile (a retry or resend): then reread it."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(event_id, destination) DO UPDATE"
                " SET delivered = excluded.delivered, delivered_at = excluded.delivered_at",
                [(event_id, name, status, at) for event_id, status in marks],
            )
            moved = db.execute(
                "UPDATE destinations SET cursor = ?, failing = 0 WHERE name = ? AND cursor = ?",
                (new, name, old),
            ).rowcount
        return moved == 1

    def record_failure(self, name: str, event_id: int, error: str, disable: bool) -> None:
        """One failed attempt at `event_id` (marked 2 unless settled meanwhile)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries(event_id, destination, delivered) VALUES (?, ?, ?)"
                " ON CONFLICT(event_id, destination) DO UPDATE SET delivered = excluded.delivered"
                " WHERE delivered IS NULL OR delivered = 0",
                (event_id, name, FAILED),
            )
            db.execute(
                "UPDATE destinations SET failed_attempts = failed_attempts + 1, failing = 1,"
                " last_error = ?, disabled = max(disabled, ?) WHERE name = ?",
                (error, int(disable), name),
            )

    def retry_dead_letters(self, name: str) -> int:
        """Put the dead letters of `name` back in line (and enable it); how many."""
        with self.transaction() as db:
            self._require_webhook(name)
            first, count = db.execute(
                "SELECT min(event_id), count(*) FROM deliveries"
                f" WHERE destination = ? AND delivered = {DEAD_LETTER}",
                (name,),
            ).fetchone()
            db.execute(
                f"UPDATE deliveries SET delivered = {FAILED}, delivered_at = NULL"
                f" WHERE destination = ? AND delivered = {DEAD_LETTER}",
                (name,),
            )
            self._rewind(name, None if first is None else first - 1)
        return int(count)

    def resend_from(self, name: str, event_id: int) -> int:
        """Send every event from `event_id` on again; how many there are."""
        with self.transaction() as db:
            self._require_webhook(name)
            db.execute(
                "DELETE FROM deliveries WHERE destination = ? AND event_id >= ?",
                (name, event_id),
            )
            self._rewind(name, max(0, event_id - 1))
            count = db.execute("SELECT count(*) FROM events WHERE id >= ?", (event_id,))
            return int(count.fetchone()[0])

    def _require_webhook(self, name: str) -> None:
        if self._scalar("SELECT 1 FROM destinations WHERE name = ?", (name,)) is None:
            raise UnknownDestination(name)

    def _rewind(self, name: str, to: int | None) -> None:
        self._db.execute(
            "UPDATE destinations SET cursor = min(cursor, coalesce(?, cursor)), disabled = 0,"
            " failing = 0 WHERE name = ?",
            (to, name),
        )

    def reports(self, files: Sequence[str], webhooks: Sequence[str]) -> list[DestinationReport]:
        """A report per destination: files (by delivered-through) then webhooks."""
        last = int(self._scalar("SELECT coalesce(max(id), 0) FROM events"))
        found: list[DestinationReport] = []
        for name in [*files, *webhooks]:
            row = self._db.execute(
                "SELECT cursor, failed_attempts, failing, disabled, last_error"
                " FROM destinations WHERE name = ?",
                (name,),
            ).fetchone()
            if name in files or row is None:
                position = int(
                    self._scalar(
                        "SELECT coalesce(max(event_id), 0) FROM deliveries"
                        f" WHERE destination = ? AND delivered = {DELIVERED}",
                        (name,),
                    )
                )
                row = (position, 0, 0, 0, None)
            position = int(row[0])
            oldest = self._scalar(
                "SELECT created_at FROM events WHERE id > ? ORDER BY id LIMIT 1", (position,)
            )
            delivered = self._scalar(
                "SELECT count(*) FROM deliveries"
                f" WHERE destination = ? AND delivered = {DELIVERED}",
                (name,),
            )
            dead = self._scalar(
                "SELECT count(*) FROM deliveries"
                f" WHERE destination = ? AND delivered = {DEAD_LETTER}",
                (name,),
            )
            found.append(
                DestinationReport(
                    name,
                    position,
                    last - position,
                    None if oldest is None else int(oldest),
                    int(delivered or 0),
                    int(dead or 0),
                    int(row[1]),
                    bool(row[2]),
                    bool(row[3]),
                    row[4],
                )
            )
        return found
