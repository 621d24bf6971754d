"""The deliveries table: which events each destination holds (the pusher's part).

A destination receives events strictly in id order, so what it has is always a
prefix: "delivered through id N". The pusher keeps N from its destination (the file
is the truth) and the rows here follow it. Status per (event, destination): missing
or NULL not attempted, 1 delivered, 2 failed (will retry); a webhook's dead letters
(3) and filtered events (4) are in `destination_table.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from score.core import delivery
from score.core.delivery import DEAD_LETTER, DELIVERED, FAILED, FILTERED
from score.core.events import StoredEvent
from score.shell.destination_table import DestinationTable

# DELIVERED and FAILED are written into the SQL text, not bound as parameters: SQLite
# uses the partial index `deliveries_done` (WHERE delivered = 1, schema.py) only for a
# query that spells the same literal.


@dataclass(frozen=True)
class DestinationSummary:
    """Where one destination stands, for `score deliveries`."""

    destination: str
    delivered_through: int
    pending: int
    failed: int
    last_delivered_at: int | None
    dead_letters: int = 0
    """A webhook's events whose every attempt failed (3); `retry` puts them back."""
    failed_attempts: int = 0
    last_error: str | None = None
    disabled: bool = False
    """A webhook that answered 410 Gone; `retry` enables it again."""
    oldest_pending_at: int | None = None
    """created_at of the oldest event still to deliver (None: nothing pending)."""


class Deliveries(DestinationTable):
    """The delivery queries of a Score database."""

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
            "SELECT max(event_id) FROM deliveries"
            f" WHERE destination = ? AND delivered = {DELIVERED}",
            (destination,),
        )
        return 0 if value is None else int(value)

    def mark_delivered(self, destination: str, first_id: int, last_id: int, at: int) -> None:
        """Mark events `first_id..last_id` delivered (1) at instant `at`."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
                f" SELECT id, ?, {DELIVERED}, ? FROM events WHERE id BETWEEN ? AND ?"
                " ON CONFLICT(event_id, destination)"
                f" DO UPDATE SET delivered = {DELIVERED}, delivered_at = excluded.delivered_at",
                (destination, at, first_id, last_id),
            )

    def mark_failed(self, destination: str, first_id: int, last_id: int) -> None:
        """Mark events `first_id..last_id` failed (2), unless already delivered."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
                f" SELECT id, ?, {FAILED}, NULL FROM events WHERE id BETWEEN ? AND ?"
                " ON CONFLICT(event_id, destination)"
                f" DO UPDATE SET delivered = {FAILED} WHERE delivered IS NOT {DELIVERED}",
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
                    f" WHERE destination = ? AND delivered = {DELIVERED} AND event_id > ?",
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

    def summary(self) -> list[DestinationSummary]:
        """Every destination the table knows, in name order: the highest id marked
        delivered, events not delivered yet (pending), of them failed at least once,
        and the instant of the last delivery."""
        total = int(self._scalar("SELECT count(*) FROM events"))
        rows = self._db.execute(
            "SELECT d.destination,"
            f" coalesce(max(CASE WHEN d.delivered = {DELIVERED} THEN d.event_id END), 0),"
            f" sum(d.delivered IN ({DELIVERED}, {DEAD_LETTER}, {FILTERED})),"
            f" sum(d.delivered = {FAILED}), sum(d.delivered = {DEAD_LETTER}),"
            f" max(CASE WHEN d.delivered = {DELIVERED} THEN d.delivered_at END),"
            " min(CASE WHEN d.delivered IS NOT 1 AND d.delivered IS NOT 3"
            " AND d.delivered IS NOT 4 THEN d.event_id END),"
            " s.failed_attempts, s.last_error, s.disabled, s.cursor"
            " FROM deliveries d LEFT JOIN destinations s ON s.name = d.destination"
            " GROUP BY d.destination ORDER BY d.destination"
        )
        found: list[DestinationSummary] = []
        for name, through, settled, failed, dead, last_at, hole, attempts, error, off, cur in rows:
            first = through if cur is None else cur
            if hole is not None:
                first = min(first, hole - 1)
            oldest = self._scalar(
                "SELECT created_at FROM events WHERE id > ? ORDER BY id LIMIT 1", (first,)
            )
            found.append(
                DestinationSummary(
                    name,
                    through,
                    total - int(settled or 0),
                    int(failed or 0),
                    last_at,
                    int(dead or 0),
                    int(attempts or 0),
                    error,
                    bool(off),
                    None if oldest is None else int(oldest),
                )
            )
        # A webhook that has had no event yet (nothing to send, or every attempt at
        # the first one is still failing): listed all the same.
        listed = {summary.destination for summary in found}
        for name, attempts, error, off in self._db.execute(
            "SELECT name, failed_attempts, last_error, disabled FROM destinations"
        ):
            if name not in listed:
                first = self._scalar("SELECT created_at FROM events ORDER BY id LIMIT 1")
                found.append(
                    DestinationSummary(
                        name, 0, total, 0, None, 0, int(attempts), error, bool(off), first
                    )
                )
        return sorted(found, key=lambda summary: summary.destination)
