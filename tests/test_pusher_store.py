"""The store's delivery methods: batches, marks, reconciliation, the pending check."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from score.core.events import ClockSet, clock_set, game_paused, game_started
from score.shell.deliveries import DestinationSummary
from score.shell.store import Store
from tests.stores import STORE_KINDS, open_store

DEST = "file:/srv/events.log"
OTHER = "file:/mnt/usb/events.log"


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(request.param, tmp_path)
    yield opened
    opened.close()


def fill(store: Store, count: int, start_ms: int = 1_000_000) -> None:
    store.append([clock_set(i % 600, start_ms + i) for i in range(count)])


def test_next_batch_is_in_id_order_after_the_cursor(store: Store) -> None:
    store.append([clock_set(90, 1000), game_started(2000), game_paused(3000)])
    assert [event.id for event in store.next_batch(0, 10)] == [1, 2, 3]
    assert [event.id for event in store.next_batch(1, 1)] == [2]
    assert store.next_batch(3, 10) == []
    assert store.next_batch(0, 1)[0].data == ClockSet(90)


def test_marks_follow_the_prefix(store: Store) -> None:
    fill(store, 5)
    assert store.delivered_through(DEST) == 0
    assert store.oldest_undelivered_at([DEST]) == 1_000_000
    store.mark_delivered(DEST, 1, 3, at=42)
    assert store.delivered_through(DEST) == 3
    assert store.oldest_undelivered_at([DEST]) == 1_000_003
    assert store.delivery_status([1, 4]) == {1: {DEST: 1}, 2: {DEST: 1}, 3: {DEST: 1}}
    store.mark_delivered(DEST, 4, 5, at=43)
    assert store.oldest_undelivered_at([DEST]) is None
    # Another destination lags behind: the oldest event it lacks counts.
    assert store.oldest_undelivered_at([DEST, OTHER]) == 1_000_000


def test_mark_failed_never_undoes_a_delivery(store: Store) -> None:
    fill(store, 4)
    store.mark_delivered(DEST, 1, 2, at=1)
    store.mark_failed(DEST, 1, 4)
    assert {i: s[DEST] for i, s in store.delivery_status([1, 2, 3, 4]).items()} == {
        1: 1,
        2: 1,
        3: 2,
        4: 2,
    }
    store.mark_delivered(DEST, 3, 4, at=2)
    assert {s[DEST] for s in store.delivery_status([1, 4]).values()} == {1}


def test_failed_marks_stop_at_the_last_event(store: Store) -> None:
    fill(store, 2)
    store.mark_failed(DEST, 1, 1000)
    assert sorted(store.delivery_status([1, 1000])) == [1, 2]


def test_reconcile_marks_what_the_file_holds(store: Store) -> None:
    fill(store, 6)
    store.mark_delivered(DEST, 1, 2, at=1)
    plan = store.reconcile_deliveries(DEST, file_last_id=5, at=9)
    assert (plan.mark_after, plan.mark_through) == (2, 5)
    assert store.delivered_through(DEST) == 5
    assert 6 not in store.delivery_status([6])


def test_reconcile_unmarks_what_the_file_lost(store: Store) -> None:
    fill(store, 6)
    store.mark_delivered(DEST, 1, 6, at=1)
    store.mark_delivered(OTHER, 1, 6, at=1)
    plan = store.reconcile_deliveries(DEST, file_last_id=2, at=9)
    assert plan.unmark_after == 2
    assert store.delivered_through(DEST) == 2
    assert store.delivered_through(OTHER) == 6  # other destinations are left alone
    assert store.delivery_status([3])[3][DEST] is None


def test_reconcile_refuses_a_foreign_file(store: Store) -> None:
    fill(store, 3)
    store.mark_delivered(DEST, 1, 1, at=1)
    plan = store.reconcile_deliveries(DEST, file_last_id=500, at=9)
    assert plan.foreign
    assert store.delivered_through(DEST) == 1


def test_reconcile_in_chunks(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("score.core.delivery.RECONCILE_CHUNK", 7)
    fill(store, 50)
    store.reconcile_deliveries(DEST, file_last_id=45, at=9)
    assert store.delivered_through(DEST) == 45
    assert len(store.delivery_status(list(range(1, 51)))) == 45


def test_the_pending_check_is_backed_by_an_index(store: Store) -> None:
    """Tens of thousands of deliveries: the status light's question stays in
    microseconds. (Without the partial index it scans the other destination's rows:
    milliseconds.)"""
    count = 60_000
    fill(store, count)
    store.mark_delivered(OTHER, 1, count, at=1)
    store.mark_delivered(DEST, 1, count // 2, at=1)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        assert store.oldest_undelivered_at([DEST]) == 1_000_000 + count // 2
    per_check = (time.perf_counter() - started) / rounds
    assert per_check < 0.001, f"{per_check * 1e6:.0f} µs per check"


def test_the_summary_per_destination(store: Store) -> None:
    assert store.summary() == []
    fill(store, 6)
    store.mark_delivered(DEST, 1, 4, at=1_700_000_000_500)
    store.mark_failed(DEST, 5, 6)
    store.mark_delivered(OTHER, 1, 6, at=1_700_000_000_900)
    assert store.summary() == [
        DestinationSummary(OTHER, 6, 0, 0, 1_700_000_000_900),
        DestinationSummary(DEST, 4, 2, 2, 1_700_000_000_500, oldest_pending_at=1_000_004),
    ]
