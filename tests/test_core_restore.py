"""The restart sentence, for each way a game can be found."""

from __future__ import annotations

import pytest

from score.core.clock import Clock
from score.core.restore import restore_summary
from score.core.tenths import clock_text


@pytest.mark.parametrize(
    ("stored", "now", "summary"),
    [
        (Clock(), 5_000, "new game: nothing stored yet"),
        (Clock(720_000, False, 0, 3), 99_000, "resumed 12:00.0, paused (after event 3)"),
        (
            Clock(600_000, True, 1_000, 2),
            12_900,
            "resumed 9:48.1, running; the clock kept running while Score was off,"
            " as the stored start says (after event 2)",
        ),
        (
            Clock(60_000, True, 0, 2),
            61_000,
            "resumed at 0.0: the clock ran out while Score was off, as the stored start"
            " says (after event 2); its expiry is recorded now",
        ),
    ],
)
def test_restore_summary(stored: Clock, now: int, summary: str) -> None:
    assert restore_summary(stored, now) == summary


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0:00.0"), (99, "0:00.0"), (1_199_634, "19:59.6"), (3_600_000, "1:00:00.0")],
)
def test_clock_text_truncates_to_tenths(ms: int, text: str) -> None:
    assert clock_text(ms) == text
