"""The physical references: what the disk and SQLite cost on this machine, this run.

Score cannot be faster than the disk it makes durable writes to, so its figures are
read against these, taken in the same run on the same file system:

- fsync of one appended line: an `O_APPEND` write of one JSON line, then `os.fsync`
  (what the pusher does per batch);
- one SQLite commit: `BEGIN IMMEDIATE; INSERT; COMMIT` of one row, WAL mode,
  `synchronous = FULL` as the store sets it;
- `Store.append` of one event: the same through Score's own store (the ratio to the
  bare commit is Score's overhead);
- SELECT of N rows: every row of the events table, read through sqlite3.

The per-write samples are interleaved (fsync, commit, append, fsync, ...) so that a
burst of noise from the neighbours hits all three alike.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from stats import ms, summarize

from score.core.events import clock_set
from score.shell.store import Store

LINE = (
    b'{"event_id": 1, "event_type": "CLOCK_SET", "event_payload": {"seconds": 1200},'
    b' "event_timestamp": 1706745600, "event_timestamp_ms": 1706745600000}\n'
)


def measure_writes(folder: Path, samples: int) -> dict[str, Any]:
    """fsync of an appended line, a bare SQLite commit and `Store.append`, interleaved."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("lines.jsonl", "bare.db", "store.db"):
        for suffix in ("", "-wal", "-shm"):
            (folder / (name + suffix)).unlink(missing_ok=True)
    fd = os.open(folder / "lines.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    bare = sqlite3.connect(folder / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode = WAL")
    bare.execute("PRAGMA synchronous = FULL")
    bare.execute(
        "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT,"
        " payload TEXT, created_at INTEGER)"
    )
    store = Store.open(folder / "store.db")
    fsync_ms: list[float] = []
    commit_ms: list[float] = []
    append_ms: list[float] = []
    try:
        for i in range(samples + 3):  # three warm-ups
            start = time.perf_counter_ns()
            os.write(fd, LINE)
            os.fsync(fd)
            fsynced = time.perf_counter_ns()
            bare.execute("BEGIN IMMEDIATE")
            bare.execute(
                "INSERT INTO events(type, payload, created_at) VALUES (?, ?, ?)",
                ("CLOCK_SET", '{"seconds":1200}', 1706745600000 + i),
            )
            bare.execute("COMMIT")
            committed = time.perf_counter_ns()
            store.append([clock_set(1200, 1706745600000 + i)])
            appended = time.perf_counter_ns()
            if i >= 3:
                fsync_ms.append(ms(fsynced - start))
                commit_ms.append(ms(committed - fsynced))
                append_ms.append(ms(appended - committed))
    finally:
        os.close(fd)
        bare.close()
        store.close()
    return {
        "fsync_line_ms": summarize(fsync_ms),
        "sqlite_commit_ms": summarize(commit_ms),
        "store_append_ms": summarize(append_ms),
        "samples": {"fsync_line_ms": fsync_ms, "sqlite_commit_ms": commit_ms},
    }


def measure_select(db: Path, repeats: int) -> dict[str, Any]:
    """Seconds to read every row of the events table (no decoding, no objects)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    times: list[float] = []
    rows = 0
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            rows = 0
            for _row in connection.execute(
                "SELECT id, type, payload, created_at FROM events ORDER BY id"
            ):
                rows += 1
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    return {"rows": rows, "seconds": summarize(times)}
