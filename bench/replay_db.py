"""A long game history, built once and cached: N events, all delivered.

The history is a plausible game: the clock is set (every 99 events), then started
and paused alternately, one second apart, and it ends stopped, so a server started
on it has no expiry to record. Rows go in with `executemany` in one transaction
(synchronous off while building: this is a fixture, not a game). Every event is
marked delivered to the events.log of the start-up folder, and that events.log holds
the last 1,000 lines (a rotated log: the pusher reads only the tail to find where
delivery stands), so `score run` on a copy finds nothing to deliver and is measured
doing what it does on a restart after a long game.

The history has no snapshot: a start on it is the worst case (a database from before
snapshots, or one whose snapshots were lost), and the start after that one finds the
snapshot written at shutdown. The cache lives in bench/results/cache (gitignored);
its file names carry the event count, the generator and schema versions and the
destination, so a stale one is never reused.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from score.core import delivery, wire
from score.core.events import EventType, StoredEvent, from_payload
from score.shell.store import SCHEMA_VERSION, Store

GENERATOR_VERSION = 1
FIRST_STAMP = 1_700_000_000_000
CYCLE = 99
LOG_TAIL = 1_000
SET_PAYLOAD = wire.encode({"seconds": 1200})
EMPTY_PAYLOAD = wire.encode({})


def event_type(index: int, count: int) -> EventType:
    phase = index % CYCLE
    if phase == 0:
        return EventType.CLOCK_SET
    if phase % 2 == 1:
        # A start as the very last event would leave the clock running (and long
        # expired); end with a set instead, so the history ends stopped.
        return EventType.GAME_STARTED if index < count - 1 else EventType.CLOCK_SET
    return EventType.GAME_PAUSED


def row(index: int, count: int) -> tuple[int, str, str, int]:
    """The (id, type, payload, created_at) row of event number `index` (from 0)."""
    kind = event_type(index, count)
    payload = SET_PAYLOAD if kind is EventType.CLOCK_SET else EMPTY_PAYLOAD
    return index + 1, str(kind), payload, FIRST_STAMP + index * 1000


def history(count: int) -> Iterator[tuple[int, str, str, int]]:
    """Every row, ids from 1."""
    return (row(index, count) for index in range(count))


def startup_folder(cache: Path, count: int) -> Path:
    return (cache / f"startup-{count}").absolute()


def cached_history(cache: Path, count: int) -> tuple[Path, Path]:
    """(database, events.log) with `count` events; built on first use."""
    destination = delivery.destination_name(str(startup_folder(cache, count) / "events.log"))
    identity = f"{GENERATOR_VERSION}:{SCHEMA_VERSION}:{count}:{destination}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:10]
    db = cache / f"history-{count}-{key}.db"
    log = cache / f"history-{count}-{key}.events.log"
    if db.exists() and log.exists():
        return db, log
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"history-{count}-*"):
        stale.unlink()
    building = db.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    Store.open(building).close()  # the schema, exactly as Score creates it
    connection = sqlite3.connect(building, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO events(id, type, payload, created_at) VALUES (?, ?, ?, ?)",
            history(count),
        )
        connection.executemany(
            "INSERT INTO deliveries(event_id, destination, delivered, delivered_at)"
            " VALUES (?, ?, 1, ?)",
            ((event_id, destination, at + 5) for event_id, _, _, at in history(count)),
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    tail = [
        delivery.event_line(StoredEvent(event_id, at, from_payload(kind, wire.decode(payload))))
        for event_id, kind, payload, at in (
            row(index, count) for index in range(max(0, count - LOG_TAIL), count)
        )
    ]
    log.write_text("".join(tail))
    building.rename(db)
    return db, log


def fresh_copy(db: Path, log: Path, folder: Path) -> Path:
    """Copy the cached history into `folder` (as score.db + events.log); returns the db."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "score.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, target)
    shutil.copyfile(log, folder / "events.log")
    return target
