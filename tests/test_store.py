"""Store contract tests, run once against `:memory:` and once against a file."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from score.core.events import ClockSet, EventType, clock_set, game_paused, game_started
from score.shell.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    DatabaseMissing,
    NotAScoreDatabase,
    Store,
    StoreBusy,
    StoreError,
)
from tests.layouts import (
    DESTINATION,
    LAYOUTS,
    PAUSED_AT_MS,
    REMAINING_MS,
    SET_AT_MS,
    make_database,
)
from tests.stores import STORE_KINDS, open_store


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(request.param, tmp_path)
    yield opened
    opened.close()


def test_append_gives_increasing_ids_and_keeps_everything(store: Store) -> None:
    stored = store.append([clock_set(90, 1_000), game_started(2_000)])
    stored += store.append([game_paused(3_500)])
    assert [event.id for event in stored] == [1, 2, 3]
    assert list(store.events()) == stored
    assert stored[0].data == ClockSet(90)
    assert stored[2].type is EventType.GAME_PAUSED
    assert store.last_event_id() == 3
    assert store.last_created_at() == 3_500


def test_events_after_and_until(store: Store) -> None:
    store.append([clock_set(s, s) for s in range(1, 11)])
    assert [e.id for e in store.events(after=3, until=6)] == [4, 5, 6]
    assert [e.id for e in store.events(until=2)] == [1, 2]


def test_milliseconds_and_tenths_survive(store: Store) -> None:
    store.append([clock_set(12.3, 1_706_745_600_123)])
    (event,) = store.events()
    assert event.created_at == 1_706_745_600_123
    assert event.data == ClockSet(12.3)


def test_empty_store(store: Store) -> None:
    assert list(store.events()) == []
    assert store.last_event_id() == 0


def test_schema_version_and_mark(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.db").close()
    raw = sqlite3.connect(tmp_path / "a.db")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_reopen_keeps_events(tmp_path: Path) -> None:
    first = Store.open(tmp_path / "a.db")
    first.append([clock_set(5, 5)])
    first.close()
    second = Store.open(tmp_path / "a.db")
    assert [e.data for e in second.events()] == [ClockSet(5)]
    second.close()


def test_missing_database_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing):
        Store.open(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"shopping list\n" * 100)
    with pytest.raises(NotAScoreDatabase):
        Store.open(path)
    assert path.read_bytes() == b"shopping list\n" * 100


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers(id INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(NotAScoreDatabase):
        Store.open(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    raw.close()


def test_original_design_database_is_migrated_to_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(
        """
        CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, payload TEXT,
                            created_at INTEGER);
        CREATE TABLE deliveries(event_id INTEGER REFERENCES events(id), destination TEXT,
                                delivered INTEGER, delivered_at INTEGER,
                                PRIMARY KEY(event_id, destination));
        INSERT INTO events(type, payload, created_at)
            VALUES ('CLOCK_SET', '{"seconds": 1200}', 1706745600);
        """
    )
    raw.commit()
    raw.close()
    store = Store.open(path)
    (event,) = store.events()
    assert event.created_at == 1_706_745_600_000
    store.close()


def test_a_write_lock_held_elsewhere_is_reported_as_busy(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store.open(path, busy_timeout_ms=100)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy):
            store.append([clock_set(1, 1)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert list(store.events()) == []
    store.append([clock_set(1, 1)])
    assert store.last_event_id() == 1
    store.close()


# -- older layouts: read without writing, migrated only by the writer ------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_an_older_layout_is_read_only_as_it_is(tmp_path: Path, layout: str) -> None:
    path = make_database(tmp_path / "old.db", layout)
    before = path.read_bytes()
    store = Store.open_read_only(path)
    try:
        events = list(store.events())
        assert [e.created_at for e in events][0] == SET_AT_MS
        assert store.last_created_at() == PAUSED_AT_MS
        assert store.load_clock().remaining_ms == REMAINING_MS
        assert store.latest_snapshot() is None
        assert store.delivery_status([1, 2, 3]) == {1: {DESTINATION: 1}, 2: {DESTINATION: 2}}
        (summary,) = store.summary()
        assert (summary.delivered_through, summary.pending, summary.failed) == (1, 2, 1)
        assert summary.last_delivered_at == SET_AT_MS + 1_000
        with pytest.raises(StoreError):
            store.append([clock_set(1, PAUSED_AT_MS + 1)])
    finally:
        store.close()
    assert path.read_bytes() == before


def test_read_only_refuses_what_it_cannot_read_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing):
        Store.open_read_only(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(NotAScoreDatabase):
        Store.open_read_only(empty)
    assert empty.read_bytes() == b""


def contents(path: Path) -> tuple[list[str], int, int]:
    """Every row and the schema (SQL text), and the file's version and mark."""
    raw = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        dump = list(raw.iterdump())
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        mark = raw.execute("PRAGMA application_id").fetchone()[0]
    finally:
        raw.close()
    return dump, version, mark


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_only_the_writer_migrates_and_keeps_a_copy_first(
    tmp_path: Path, layout: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = make_database(tmp_path / "old.db", layout)
    before = path.read_bytes()
    with pytest.raises(NotAScoreDatabase, match="older layout"):
        Store.open(path, create=False)  # the pusher never migrates
    assert path.read_bytes() == before
    version = 0 if layout == "original" else 1
    with caplog.at_level(logging.INFO, logger="score.store"):
        store = Store.open(path)
    copy = tmp_path / f"old.db.bak-v{version}"
    original = tmp_path / "as-it-was.db"
    original.write_bytes(before)
    assert contents(copy) == contents(original)  # a page copy: same rows, same marks
    [line] = [r.getMessage() for r in caplog.records if r.name == "score.store"]
    assert line == (
        f"migrated {path} from schema {version} to {SCHEMA_VERSION};"
        f" the file as it was is kept as {copy}"
    )
    assert store.load_clock().remaining_ms == REMAINING_MS
    assert store.summary()[0].last_delivered_at == SET_AT_MS + 1_000
    store.close()
    # Up to date now: opening again neither migrates nor copies.
    Store.open(path).close()
    assert sorted(p.name for p in tmp_path.glob("old.db.bak*")) == [copy.name]
