"""Snapshots: start-up is snapshot + tail, and that always equals the full replay."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from score.core.clock import Clock, fold, fold_steps
from score.core.events import NewEvent, clock_expired, clock_set, game_paused, game_started
from score.shell.async_store import AsyncStore
from score.shell.game import SNAPSHOT_EVERY, Game
from score.shell.store import SCHEMA_VERSION, Store
from tests.stores import STORE_KINDS, open_store

event_kinds = st.one_of(
    st.builds(lambda s: ("set", s), st.integers(0, 3_599_999).map(lambda t: round(t / 10, 1))),
    st.just(("start", None)),
    st.just(("pause", None)),
    st.just(("expire", None)),
)
histories = st.lists(st.tuples(st.integers(0, 600_000), event_kinds), max_size=60)


def build(history: list[tuple[int, tuple[str, float | None]]]) -> list[NewEvent]:
    """Random events with non-decreasing stamps (stamps may also repeat)."""
    events: list[NewEvent] = []
    at = 1_700_000_000_000
    makers = {"start": game_started, "pause": game_paused, "expire": clock_expired}
    for gap, (kind, seconds) in history:
        at += gap
        if kind == "set":
            assert seconds is not None
            events.append(clock_set(seconds, at))
        else:
            events.append(makers[kind](at))
    return events


@settings(max_examples=200, deadline=None)
@given(histories, st.integers(0, 60))
def test_snapshot_plus_tail_equals_full_replay(
    history: list[tuple[int, tuple[str, float | None]]], cut: int
) -> None:
    store = Store.open(":memory:")
    events = build(history)
    stored = store.append(events)
    cut = min(cut, len(stored))
    store.save_snapshot(fold(stored[:cut]))
    full = fold(store.events())
    assert store.load_clock() == full
    assert fold_steps(store.clock_steps()) == full
    store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(request.param, tmp_path)
    yield opened
    opened.close()


def test_snapshot_ahead_of_the_log_is_ignored(store: Store) -> None:
    store.append([clock_set(10, 1)])
    store.save_snapshot(Clock(remaining_ms=1, running=False, anchor=0, last_event_id=99))
    assert store.load_clock().remaining_ms == 10_000


def test_only_a_few_snapshots_are_kept(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "score.db")
    try:
        for n in range(1, 11):
            stored = store.append([clock_set(n, n)])
            store.save_snapshot(fold(stored, store.load_clock()))
        latest = store.latest_snapshot()
        assert latest is not None
        assert latest.last_event_id == 10
    finally:
        store.close()
    # Counted from outside, as any reader of the file would.
    raw = sqlite3.connect(tmp_path / "score.db")
    try:
        assert raw.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 3
    finally:
        raw.close()


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    raw.executescript(
        """
        CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
                            payload TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE deliveries(event_id INTEGER NOT NULL REFERENCES events(id),
                                destination TEXT NOT NULL, delivered INTEGER,
                                delivered_at INTEGER, PRIMARY KEY(event_id, destination));
        INSERT INTO events(type, payload, created_at) VALUES ('CLOCK_SET', '{"seconds": 5}', 7);
        PRAGMA application_id = 1396920146;
        PRAGMA user_version = 1;
        """
    )
    raw.close()
    store = Store.open(path)
    assert store.load_clock().remaining_ms == 5_000
    store.close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        raw.close()


async def test_the_game_writes_snapshots_and_starts_from_them(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = AsyncStore(Store.open(path))
    game = await Game.load(store)
    for n in range(SNAPSHOT_EVERY + 5):
        await game._record([clock_set(n % 100, 1_700_000_000_000 + n)])
    reader = Store.open(path)
    latest = reader.latest_snapshot()
    reader.close()
    assert latest is not None
    assert latest.last_event_id == SNAPSHOT_EVERY
    await game.save_snapshot()
    await store.aclose()
    reopened = Store.open(path)
    assert reopened.latest_snapshot() == game.clock
    assert reopened.load_clock() == fold(reopened.events()) == game.clock
    reopened.close()
    await trio.lowlevel.checkpoint()
