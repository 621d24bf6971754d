"""The pure delivery rules: line format, tail scanning, reconciliation, backoff,
restart policy and the status light. Synchronous and table-driven."""

from __future__ import annotations

import json

import pytest

from score.core import delivery
from score.core.delivery import (
    Backoff,
    ProcessState,
    Reconciliation,
    RestartPolicy,
    Tail,
    encode_batch,
    event_line,
    id_chunks,
    line_event_id,
    next_attempt,
    pusher_status,
    reconcile,
    scan_tail,
)
from score.core.events import ClockSet, GamePaused, GameStarted, StoredEvent


def test_event_line_is_the_documented_format() -> None:
    event = StoredEvent(1, 1706745600123, ClockSet(1200))
    assert event_line(event) == (
        '{"event_id": 1, "event_type": "CLOCK_SET", "event_payload": {"seconds": 1200},'
        ' "event_timestamp": 1706745600, "event_timestamp_ms": 1706745600123}\n'
    )


@pytest.mark.parametrize(
    ("created_at", "seconds"),
    [(0, 0), (999, 0), (1000, 1), (1706745600999, 1706745600)],
)
def test_event_timestamp_is_whole_seconds_rounded_down(created_at: int, seconds: int) -> None:
    record = json.loads(event_line(StoredEvent(7, created_at, GameStarted())))
    assert record["event_timestamp"] == seconds
    assert record["event_timestamp_ms"] == created_at
    assert record["event_payload"] == {}


def test_a_batch_is_its_lines_in_order() -> None:
    events = [StoredEvent(i, 1000 * i, GamePaused()) for i in (3, 4, 5)]
    lines = encode_batch(events).decode().splitlines(keepends=True)
    assert lines == [event_line(event) for event in events]
    assert [line_event_id(line.rstrip("\n").encode()) for line in lines] == [3, 4, 5]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"event_id": 12, "event_type": "GAME_STARTED"}', 12),
        (b'{"event_id": 0}', None),
        (b'{"event_id": -3}', None),
        (b'{"event_id": true}', None),
        (b'{"event_id": "12"}', None),
        (b'{"event_type": "GAME_STARTED"}', None),
        (b"[12]", None),
        (b'{"event_id": 12', None),
        (b"", None),
        (b"\x00\x00\x00", None),
    ],
)
def test_line_event_id(line: bytes, expected: int | None) -> None:
    assert line_event_id(line) == expected


LINE_1 = b'{"event_id": 1}\n'
LINE_2 = b'{"event_id": 2}\n'


@pytest.mark.parametrize(
    ("window", "at_start", "expected"),
    [
        # whole files
        (b"", True, Tail(0, None)),
        (LINE_1, True, Tail(len(LINE_1), LINE_1[:-1])),
        (LINE_1 + LINE_2, True, Tail(len(LINE_1 + LINE_2), LINE_2[:-1])),
        (LINE_1 + b'{"event_id": 2', True, Tail(len(LINE_1), LINE_1[:-1])),
        (b'{"event_id": 1', True, Tail(0, None)),
        (LINE_1 + b"\x00\x00\x00", True, Tail(len(LINE_1), LINE_1[:-1])),
        # the end of a longer file
        (b'nt_id": 1}\n' + LINE_2, False, Tail(len(b'nt_id": 1}\n' + LINE_2), LINE_2[:-1])),
        (b'nt_id": 2}\n', False, None),  # where does this line start? read more
        (b'nt_id": 2}', False, None),
    ],
)
def test_scan_tail(window: bytes, at_start: bool, expected: Tail | None) -> None:
    assert scan_tail(window, at_start) == expected


@pytest.mark.parametrize(
    ("file_last", "through", "last_event", "expected"),
    [
        (0, 0, 0, Reconciliation()),
        (5, 5, 9, Reconciliation()),
        # died between fsync and marking: the file is ahead of the table
        (7, 5, 9, Reconciliation(mark_after=5, mark_through=7)),
        (9, 0, 9, Reconciliation(mark_after=0, mark_through=9)),
        # the file was replaced or cut: what it lacks goes again
        (3, 5, 9, Reconciliation(unmark_after=3)),
        (0, 5, 9, Reconciliation(unmark_after=0)),
        # a file from another database: never append to it
        (12, 5, 9, Reconciliation(foreign=True)),
        (1, 0, 0, Reconciliation(foreign=True)),
    ],
)
def test_reconcile(file_last: int, through: int, last_event: int, expected: Reconciliation) -> None:
    assert reconcile(file_last, through, last_event) == expected


def test_reconciliation_changes() -> None:
    assert not Reconciliation().changes
    assert Reconciliation(mark_after=1, mark_through=2).changes
    assert Reconciliation(unmark_after=0).changes


@pytest.mark.parametrize(
    ("after", "through", "size", "expected"),
    [
        (0, 0, 10, []),
        (5, 5, 10, []),
        (0, 3, 10, [(1, 3)]),
        (0, 10, 5, [(1, 5), (6, 10)]),
        (2, 13, 5, [(3, 7), (8, 12), (13, 13)]),
    ],
)
def test_id_chunks(after: int, through: int, size: int, expected: list[tuple[int, int]]) -> None:
    assert list(id_chunks(after, through, size)) == expected


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, 0.0), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 10.0), (50, 10.0)],
)
def test_backoff(failures: int, expected: float) -> None:
    assert Backoff(initial=0.5, cap=10.0).delay(failures) == expected


def test_backoff_survives_a_very_long_outage() -> None:
    assert Backoff(initial=0.25, cap=5.0).delay(10**9) == 5.0


@pytest.mark.parametrize(
    ("failures", "expected"),
    [
        (0, (delivery.POLL_INTERVAL, True)),  # healthy: poll, and wake at once
        (1, (0.25, False)),  # failing: wait out the backoff, commits or not
        (2, (0.5, False)),
        (10, (5.0, False)),
    ],
)
def test_next_attempt(failures: int, expected: tuple[float, bool]) -> None:
    assert next_attempt(failures) == expected


@pytest.mark.parametrize(
    ("failures", "ran_for", "expected"),
    [
        (0, 0.1, (1, 0.5)),  # first crash
        (1, 0.1, (2, 1.0)),  # crashing on start: back off
        (4, 0.1, (5, 8.0)),
        (5, 0.1, (6, 10.0)),  # capped at about 10 s
        (9, 0.1, (10, 10.0)),
        (9, 30.0, (1, 0.5)),  # it had been running fine: start the count again
    ],
)
def test_restart_policy(failures: int, ran_for: float, expected: tuple[int, float]) -> None:
    assert RestartPolicy().after_exit(failures, ran_for) == expected


NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    ("process", "oldest", "expected"),
    [
        (ProcessState.NOT_STARTED, None, "unknown"),
        (ProcessState.NOT_STARTED, NOW - 60_000, "unknown"),
        (ProcessState.EXITED, None, "dead"),
        (ProcessState.EXITED, NOW - 60_000, "dead"),
        (ProcessState.RUNNING, None, "healthy"),
        (ProcessState.RUNNING, NOW - 10, "healthy"),  # being delivered right now
        (ProcessState.RUNNING, NOW - 999, "healthy"),
        (ProcessState.RUNNING, NOW - 1000, "pending"),
        (ProcessState.RUNNING, NOW - 60_000, "pending"),
    ],
)
def test_pusher_status(process: ProcessState, oldest: int | None, expected: str) -> None:
    assert pusher_status(process, oldest, NOW) == expected


def test_destination_name() -> None:
    assert delivery.destination_name("/srv/game/events.log") == "file:/srv/game/events.log"
