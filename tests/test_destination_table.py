"""The destinations table: a webhook's cursor, its compare-and-set, dead letters,
retry and resend, and the reports the light and /metrics read. Real SQLite, in
memory and on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from score.core.delivery import DEAD_LETTER, DELIVERED, FAILED, FILTERED
from score.core.events import clock_set
from score.shell.destination_table import UnknownDestination
from score.shell.store import Store
from tests.stores import STORE_KINDS, open_store

HOOK = "league"


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(request.param, tmp_path)
    opened.append([clock_set(10 * i, 1_000 + i) for i in range(1, 6)])
    yield opened
    opened.close()


def statuses(store: Store) -> list[int | None]:
    return [status for _, status in store.webhook_batch(HOOK, 0, 10)]


def test_a_new_webhook_starts_before_event_1_and_the_game_has_one_lasting_id(
    store: Store,
) -> None:
    assert store.webhook_cursor(HOOK) == (0, False)
    assert len(store.game_id()) == 32 and store.game_id() == store.game_id()
    assert statuses(store) == [None] * 5


def test_settling_moves_the_cursor_only_from_where_it_was(store: Store) -> None:
    store.webhook_cursor(HOOK)
    assert store.settle(HOOK, [(1, DELIVERED), (2, FILTERED)], 5_000, 0, 2)
    assert not store.settle(HOOK, [(3, DELIVERED)], 5_000, 0, 3)  # someone moved it
    assert store.webhook_cursor(HOOK) == (2, False)
    assert statuses(store)[:2] == [DELIVERED, FILTERED]


def test_failures_are_counted_and_dead_letters_go_back_in_line_on_retry(store: Store) -> None:
    store.webhook_cursor(HOOK)
    store.record_failure(HOOK, 1, "HTTP 500", disable=False)
    store.record_failure(HOOK, 1, "HTTP 500", disable=False)
    assert store.settle(HOOK, [(1, DEAD_LETTER), (2, DELIVERED)], 5_000, 0, 2)
    (report,) = store.reports([], [HOOK])
    assert (report.dead_letters, report.failed_attempts, report.behind) == (1, 2, 3)
    assert report.last_error == "HTTP 500" and not report.failing
    assert store.retry_dead_letters(HOOK) == 1
    assert store.webhook_cursor(HOOK) == (0, False)
    assert statuses(store)[:2] == [FAILED, DELIVERED]  # 2 is skipped when passed again


def test_a_410_disables_until_retry(store: Store) -> None:
    store.webhook_cursor(HOOK)
    store.record_failure(HOOK, 1, "HTTP 410: Gone", disable=True)
    assert store.webhook_cursor(HOOK) == (0, True)
    (report,) = store.reports([], [HOOK])
    assert report.disabled and report.failing and report.oldest_pending_at == 1_001
    assert store.retry_dead_letters(HOOK) == 0
    assert store.webhook_cursor(HOOK) == (0, False)


def test_resend_forgets_from_an_event_on(store: Store) -> None:
    store.webhook_cursor(HOOK)
    store.settle(HOOK, [(i, DELIVERED) for i in range(1, 6)], 5_000, 0, 5)
    assert store.resend_from(HOOK, 4) == 2
    assert store.webhook_cursor(HOOK) == (3, False)
    assert statuses(store) == [DELIVERED] * 3 + [None, None]


def test_retry_and_resend_refuse_a_name_that_is_no_webhook(store: Store) -> None:
    with pytest.raises(UnknownDestination):
        store.retry_dead_letters("nobody")
    with pytest.raises(UnknownDestination):
        store.resend_from("file:/srv/events.log", 1)


def test_a_file_s_report_follows_its_delivered_marks(store: Store) -> None:
    store.mark_delivered("file:/x.log", 1, 3, 9_000)
    (report,) = store.reports(["file:/x.log"], [])
    assert (report.position, report.behind, report.delivered) == (3, 2, 3)
    assert report.oldest_pending_at == 1_004
    assert store.delivery_latency([8_000])["file:/x.log"] == ([3], 3, 3 * 9_000 - 3_006)


def test_score_deliveries_lists_a_webhook_before_its_first_event_is_settled(
    store: Store,
) -> None:
    store.webhook_cursor(HOOK)
    store.record_failure(HOOK, 1, "HTTP 503", disable=False)
    store.mark_delivered("file:/x.log", 1, 5, 9_000)
    file, hook = store.summary()
    assert (file.destination, file.pending) == ("file:/x.log", 0)
    assert (hook.destination, hook.pending, hook.failed, hook.failed_attempts) == (HOOK, 5, 1, 1)
    assert hook.last_error == "HTTP 503" and hook.oldest_pending_at == 1_001
    store.close()
    store = Store.open(":memory:")
    store.webhook_cursor(HOOK)
    (empty,) = store.summary()  # no deliveries rows at all: listed from its own table
    store.close()
    assert (empty.destination, empty.pending, empty.oldest_pending_at) == (HOOK, 0, None)
