"""The layout of a Score database, and how an older layout is brought up to date.

The schema is versioned with `PRAGMA user_version`; the file is marked with an
`application_id` so that a stranger's database is refused instead of modified.
Schema 0 is the original design (no mark, `created_at` in whole seconds), schema 1
added the mark and milliseconds, schema 2 the snapshots of the folded clock.
"""

from __future__ import annotations

import sqlite3

from score.shell.store_errors import NotAScoreDatabase

APPLICATION_ID = 0x53434F52  # "SCOR"
SCHEMA_VERSION = 2

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


def _scalar(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def migrate(db: sqlite3.Connection, path: str) -> None:
    """Bring the schema up to date; the caller holds a write transaction."""
    application_id = _scalar(db, "PRAGMA application_id")
    version = _scalar(db, "PRAGMA user_version")
    tables = {
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if application_id not in (0, APPLICATION_ID):
        raise NotAScoreDatabase(f"{path} is not a Score database")
    if version > SCHEMA_VERSION:
        raise NotAScoreDatabase(f"{path} was written by a newer Score (schema {version})")
    if version == 0 and application_id == 0 and tables:
        if not {"events", "deliveries"} <= tables:
            raise NotAScoreDatabase(f"{path} is not a Score database")
        # The original design stored created_at in whole seconds.
        db.execute("UPDATE events SET created_at = created_at * 1000")
    for migration in MIGRATIONS[version:]:
        for statement in migration.split(";"):
            if statement.strip():
                db.execute(statement)
    if version < SCHEMA_VERSION:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
