"""Both kinds of database the store contract tests run against.

Written once, run against every store (as the eventsourcing library does): the
in-memory database (no WAL, no file) and a file database (WAL, a real fsync).
"""

from __future__ import annotations

from pathlib import Path

from score.shell.store import Store

STORE_KINDS = ["memory", "file"]


def open_store(kind: str, tmp_path: Path) -> Store:
    return Store.open(":memory:" if kind == "memory" else tmp_path / "score.db")
