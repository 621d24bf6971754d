"""Databases in every layout Score has to read: the original design's (schema 0,
stamps in whole seconds) and schema 1 (marked, milliseconds, no snapshots)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DESTINATION = "file:/srv/events.log"

ORIGINAL_DESIGN = """
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, payload TEXT,
                    created_at INTEGER);
CREATE TABLE deliveries(event_id INTEGER REFERENCES events(id), destination TEXT,
                        delivered INTEGER, delivered_at INTEGER,
                        PRIMARY KEY(event_id, destination));
INSERT INTO events(type, payload, created_at) VALUES ('CLOCK_SET', '{"seconds": 1200}', 1706745600);
INSERT INTO events(type, payload, created_at) VALUES ('GAME_STARTED', '{}', 1706745610);
INSERT INTO events(type, payload, created_at) VALUES ('GAME_PAUSED', '{}', 1706745700);
INSERT INTO deliveries VALUES (1, 'file:/srv/events.log', 1, 1706745601);
INSERT INTO deliveries VALUES (2, 'file:/srv/events.log', 2, NULL);
"""
"""Three events: set 20:00, start 10 s later, pause 90 s after that (18:30 left)."""

SCHEMA_1 = """
CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
                    payload TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE deliveries(event_id INTEGER NOT NULL REFERENCES events(id),
                        destination TEXT NOT NULL, delivered INTEGER,
                        delivered_at INTEGER, PRIMARY KEY(event_id, destination));
INSERT INTO events(type, payload, created_at)
    VALUES ('CLOCK_SET', '{"seconds": 1200}', 1706745600000);
INSERT INTO events(type, payload, created_at) VALUES ('GAME_STARTED', '{}', 1706745610000);
INSERT INTO events(type, payload, created_at) VALUES ('GAME_PAUSED', '{}', 1706745700000);
INSERT INTO deliveries VALUES (1, 'file:/srv/events.log', 1, 1706745601000);
INSERT INTO deliveries VALUES (2, 'file:/srv/events.log', 2, NULL);
PRAGMA application_id = 1396920146;
PRAGMA user_version = 1;
"""

LAYOUTS = {"original": ORIGINAL_DESIGN, "schema1": SCHEMA_1}

SET_AT_MS = 1_706_745_600_000
PAUSED_AT_MS = 1_706_745_700_000
REMAINING_MS = 1_110_000


def make_database(path: Path, layout: str) -> Path:
    raw = sqlite3.connect(path)
    raw.executescript(LAYOUTS[layout])
    raw.commit()
    raw.close()
    return path
