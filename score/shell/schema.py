"""The layout of a Score database, and how an older layout is brought up to date.

The schema is versioned with `PRAGMA user_version`; the file is marked with an
`application_id` so that a stranger's database is refused instead of modified.
Schema 0 is the original design (no mark, `created_at` in whole seconds), schema 1
added the mark and milliseconds, schema 2 the snapshots of the folded clock, schema 3
the game's own id (webhook ids) and the state of each destination (webhooks, dead
letters), schema 4 each event's payload version (rows from before read as 1).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from score.shell.store_errors import NotAScoreDatabase

APPLICATION_ID = 0x53434F52  # "SCOR"
SCHEMA_VERSION = 4

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

# v3: the database's own id, which no copy of the events can take along (webhook-id
# is that id plus the event id), each destination's cursor and health, and an index
# that counts dead letters (deliveries.delivered = 3) without a scan.
_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS game(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO game(key, value) VALUES ('id', lower(hex(randomblob(16))));
CREATE TABLE IF NOT EXISTS destinations(
    name TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    failing INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_dead
    ON deliveries(destination, event_id) WHERE delivered = 3;
"""

# v4: the version of each event's payload shape (score.core.events), so a payload
# whose shape changes later is still read as it was written.
_SCHEMA_V4 = """
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
"""

MIGRATIONS = [_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4]
"""MIGRATIONS[n] takes a database from schema n to schema n + 1."""


@dataclass(frozen=True)
class Layout:
    """What a database holds, as found on opening it."""

    version: int
    tables: frozenset[str]

    @property
    def empty(self) -> bool:
        """A new (or zero-length) file: nothing to read, nothing to migrate."""
        return not self.tables

    @property
    def current(self) -> bool:
        return self.version == SCHEMA_VERSION

    @property
    def in_seconds(self) -> bool:
        """The original design: unmarked, with stamps in whole seconds."""
        return self.version == 0 and not self.empty


def _scalar(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def read_layout(db: sqlite3.Connection, path: str) -> Layout:
    """The layout of a database; NotAScoreDatabase if it is not one Score can read."""
    application_id = _scalar(db, "PRAGMA application_id")
    version = _scalar(db, "PRAGMA user_version")
    tables = frozenset(
        row[0]
        for row in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    if application_id not in (0, APPLICATION_ID):
        raise NotAScoreDatabase(f"{path} is not a Score database")
    if version > SCHEMA_VERSION:
        raise NotAScoreDatabase(f"{path} was written by a newer Score (schema {version})")
    layout = Layout(version, tables)
    if layout.in_seconds and not {"events", "deliveries"} <= tables:
        raise NotAScoreDatabase(f"{path} is not a Score database")
    return layout


def migrate(db: sqlite3.Connection, layout: Layout) -> None:
    """Bring the schema up to date; the caller holds a write transaction."""
    if layout.in_seconds:
        # The original design stored its instants in whole seconds.
        db.execute("UPDATE events SET created_at = created_at * 1000")
        db.execute("UPDATE deliveries SET delivered_at = delivered_at * 1000")
    for migration in MIGRATIONS[layout.version :]:
        for statement in migration.split(";"):
            if statement.strip():
                db.execute(statement)
    if not layout.current:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def present_as_current(db: sqlite3.Connection, layout: Layout) -> None:
    """Make an older layout read as the current one, without writing to the file.

    On a read-only connection, TEMP views and tables (which live in the connection's
    own temporary database, never in the file) shadow the stored tables: stamps in
    seconds read as milliseconds, a missing snapshots table reads as empty.
    """
    if layout.in_seconds:
        db.execute(
            "CREATE TEMP VIEW events AS SELECT id, type, payload,"
            " created_at * 1000 AS created_at, 1 AS version FROM main.events"
        )
        db.execute(
            "CREATE TEMP VIEW deliveries AS SELECT event_id, destination, delivered,"
            " delivered_at * 1000 AS delivered_at FROM main.deliveries"
        )
    elif layout.version < 4:
        db.execute(
            "CREATE TEMP VIEW events AS SELECT id, type, payload, created_at,"
            " 1 AS version FROM main.events"
        )
    if "snapshots" not in layout.tables:
        db.executescript(_SCHEMA_V2.replace("CREATE TABLE", "CREATE TEMP TABLE"))
    if "destinations" not in layout.tables:
        db.executescript(
            _SCHEMA_V3.replace("CREATE TABLE", "CREATE TEMP TABLE").split("CREATE INDEX")[0]
        )


def keep_copy(db: sqlite3.Connection, path: str, version: int) -> str:
    """Copy the database beside itself (`game.db.bak-v0`) before a migration, with
    SQLite's backup API, so the copy is consistent; never overwrite an older copy."""
    target = Path(f"{path}.bak-v{version}")
    number = 1
    while target.exists():
        number += 1
        target = Path(f"{path}.bak-v{version}-{number}")
    copy = sqlite3.connect(target)
    try:
        db.backup(copy)
    finally:
        copy.close()
    return str(target)
