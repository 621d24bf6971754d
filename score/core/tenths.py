"""Clock times in tenths of a second: the one place that knows the rule.

An operator sets whole tenths (90, 12.5; never 0.05), from 0 to 99:59:59.9. The
number is kept as given, as JSON has it (an int stays an int: `{"seconds": 90}`,
byte for byte what the original design wrote), counted in milliseconds by the fold,
and shown truncated to tenths, so a display never shows a tenth that has not begun.
"""

from __future__ import annotations

import math
from typing import Any

from score.core.errors import ScoreError

MAX_SECONDS = 359_999.9
"""The largest time the clock holds: 99:59:59.9."""


def parse_seconds(value: Any) -> int | float:
    """A valid clock time in seconds (tenths at most), or ScoreError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoreError("bad_seconds", "seconds must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScoreError("bad_seconds", "seconds must be a finite number")
    if not 0 <= value <= MAX_SECONDS:
        raise ScoreError("bad_seconds", f"seconds must be between 0 and {MAX_SECONDS}")
    tenths = value * 10
    if abs(tenths - round(tenths)) > 1e-6:
        raise ScoreError("bad_seconds", "seconds must be a whole number of tenths")
    return int(value) if isinstance(value, int) else round(value, 1)


def seconds_to_ms(seconds: float) -> int:
    """Whole tenths of a second, in milliseconds (90.5 -> 90500)."""
    return round(seconds * 10) * 100


def display_seconds(remaining_ms: int) -> int | float:
    """Remaining time in seconds truncated to tenths: 1199634 -> 1199.6, 90000 -> 90."""
    tenths = remaining_ms // 100
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def clock_text(ms: int) -> str:
    """Milliseconds as a clock shows them: 1199634 -> "19:59.6", 3600000 -> "1:00:00.0"."""
    tenths = ms // 100
    hours, rest = divmod(tenths, 36_000)
    minutes, rest = divmod(rest, 600)
    seconds, tenth = divmod(rest, 10)
    if hours:
        return f"{hours}:{minutes:02}:{seconds:02}.{tenth}"
    return f"{minutes}:{seconds:02}.{tenth}"
