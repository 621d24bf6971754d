"""Delivery decisions: the pure half of the pusher (DESIGN section 4).

What a delivered event looks like in a JSON Lines file, how the tail of such a file
is read back after a crash (a torn last line is dropped; the last complete line says
how far delivery got), how the deliveries table is reconciled with that file (the file
is the truth), how long to wait before the next attempt or the next restart, and which
`pusher_status` the operator sees. Nothing here reads a clock or touches a file: the
instants and the bytes are passed in, so every rule is tested synchronously.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from score.core.events import StoredEvent, to_payload

DELIVERED = 1
"""deliveries.delivered: the event is durably at the destination."""
FAILED = 2
"""deliveries.delivered: an attempt failed; it will be retried."""
DEAD_LETTER = 3
"""deliveries.delivered: every attempt of the schedule failed; the next event went."""
FILTERED = 4
"""deliveries.delivered: the destination does not want events of this type."""

BATCH_LIMIT = 1000
"""Most events written (and fsynced) at once when there is a backlog."""
RECONCILE_CHUNK = 10_000
"""Most deliveries rows written in one transaction while reconciling."""
POLL_INTERVAL = 0.5
"""Seconds between looks at the database when no wake-up arrives."""
PENDING_GRACE_MS = 1000
"""An event undelivered for less than this is a delivery in progress, not a problem:
the status light does not blink yellow at every button press."""


# -- the line format ------------------------------------------------------------


def destination_name(absolute_path: str) -> str:
    """The name a file destination has in the deliveries table."""
    return f"file:{absolute_path}"


def event_record(event: StoredEvent) -> dict[str, Any]:
    """The object a delivered event becomes (the original design, plus milliseconds)."""
    return {
        "event_id": event.id,
        "event_type": str(event.type),
        "event_payload": to_payload(event.data),
        "event_timestamp": event.created_at // 1000,
        "event_timestamp_ms": event.created_at,
    }


def event_line(event: StoredEvent) -> str:
    """One line of the JSON Lines file, newline included.

    The separators are json's defaults on purpose: the lines are byte for byte those
    of the original design, so consumers that match on them keep working.
    """
    return json.dumps(event_record(event), allow_nan=False) + "\n"


def encode_batch(events: Sequence[StoredEvent]) -> bytes:
    """The bytes of one append: every line of the batch, in id order."""
    return "".join(event_line(event) for event in events).encode()


def line_event_id(line: bytes) -> int | None:
    """The event id of one complete line (without its newline); None if it is not
    an event line."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    event_id = record.get("event_id")
    if isinstance(event_id, bool) or not isinstance(event_id, int) or event_id < 1:
        return None
    return event_id


@dataclass(frozen=True)
class Tail:
    """The end of a file, read back: keep the first `keep` bytes of the window; the
    last complete line is `last_line` (None when the window holds none)."""

    keep: int
    last_line: bytes | None


def scan_tail(window: bytes, at_file_start: bool) -> Tail | None:
    """Find the last complete line in the last bytes of a file.

    `window` is the end of the file; `at_file_start` says it is the whole file. Bytes
    after the last newline are a torn write (a crash between write and fsync) and
    are not kept. Returns None when the window is too short to tell where the last
    complete line starts: read a bigger window.
    """
    keep = window.rfind(b"\n") + 1
    if keep == 0:
        return Tail(0, None) if at_file_start else None
    start = window.rfind(b"\n", 0, keep - 1) + 1
    if start == 0 and not at_file_start:
        return None
    return Tail(keep, window[start : keep - 1])


# -- reconciliation: the file is the truth --------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """What to change in the deliveries table so that it agrees with the file.

    Events `mark_after < id <= mark_through` are in the file but not marked (the
    pusher died between fsync and marking); events marked delivered above
    `unmark_after` are not in the file (it was replaced or cut) and go again.
    `foreign` means the file holds events this database does not have: it belongs
    to another database, and nothing may be appended to it.
    """

    mark_after: int = 0
    mark_through: int = 0
    unmark_after: int | None = None
    foreign: bool = False

    @property
    def changes(self) -> bool:
        return self.mark_through > self.mark_after or self.unmark_after is not None


def reconcile(file_last_id: int, delivered_through: int, last_event_id: int) -> Reconciliation:
    """Compare the file's last event id with the table's last delivered id."""
    if file_last_id > last_event_id:
        return Reconciliation(foreign=True)
    if file_last_id > delivered_through:
        return Reconciliation(mark_after=delivered_through, mark_through=file_last_id)
    if file_last_id < delivered_through:
        return Reconciliation(unmark_after=file_last_id)
    return Reconciliation()


def id_chunks(after: int, through: int, size: int) -> Iterator[tuple[int, int]]:
    """Inclusive id ranges covering `after < id <= through`, at most `size` each."""
    low = after + 1
    while low <= through:
        high = min(through, low + size - 1)
        yield low, high
        low = high + 1


# -- waiting: retries and restarts ----------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `initial` after the first failure, times `factor` after
    each further one, never more than `cap` seconds."""

    initial: float
    cap: float
    factor: float = 2.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        # min() before the power would overflow for a long outage.
        exponent = min(failures - 1, 64)
        return min(self.cap, self.initial * self.factor**exponent)


DELIVERY_RETRY = Backoff(initial=0.25, cap=5.0)
"""Retries of a failing destination: soon at first, then every 5 s at most."""


def next_attempt(failures: int, retry: Backoff = DELIVERY_RETRY) -> tuple[float, bool]:
    """How long a destination waits before its next attempt, and whether a wake-up
    (a new commit) may cut the wait short.

    A healthy destination polls and is woken at once by commits. A failing one
    waits out its backoff: a burst of commits must not hammer a broken disk.
    """
    if failures <= 0:
        return POLL_INTERVAL, True
    return retry.delay(failures), False


@dataclass(frozen=True)
class RestartPolicy:
    """When to restart a pusher that died.

    Restarts back off exponentially up to `backoff.cap` (about 10 s); a child that
    ran for `stable_after` seconds before dying starts the count again, so one crash
    in the middle of a game costs half a second, not the cap.
    """

    backoff: Backoff = Backoff(initial=0.5, cap=10.0)
    stable_after: float = 30.0

    def after_exit(self, failures: int, ran_for: float) -> tuple[int, float]:
        """(failures so far, seconds to wait) after a child that ran `ran_for` died."""
        failures = 1 if ran_for >= self.stable_after else failures + 1
        return failures, self.backoff.delay(failures)


# -- the status light -----------------------------------------------------------


class ProcessState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    EXITED = "exited"


def pusher_status(
    process: ProcessState,
    oldest_undelivered_at: int | None,
    now: int,
    grace_ms: int = PENDING_GRACE_MS,
) -> str:
    """unknown / dead / pending / healthy (DESIGN section 3).

    `oldest_undelivered_at` is the created_at of the oldest event some destination
    still lacks (None when everything is delivered); it counts as pending once it has
    waited `grace_ms`.
    """
    if process is ProcessState.NOT_STARTED:
        return "unknown"
    if process is ProcessState.EXITED:
        return "dead"
    if oldest_undelivered_at is not None and now - oldest_undelivered_at >= grace_ms:
        return "pending"
    return "healthy"
