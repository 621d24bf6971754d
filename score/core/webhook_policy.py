"""What a webhook's answer means, and how each destination's light is decided (DESIGN 7).

After each POST: 2xx delivers; 410 Gone disables the destination; 429 and 503 wait
as long as `Retry-After` asks (capped); anything else, or no answer, is a failed
attempt retried on the destination's schedule with jitter; once the schedule is used
up the event is dead-lettered and the next one goes. The random number behind the
jitter and the current instant are passed in, so every rule is tested synchronously.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from score.core.delivery import ProcessState, pusher_status

JITTER = 0.2
"""A retry waits its scheduled delay times a random factor in [0.8, 1.2)."""
RETRY_AFTER_CAP = 3600.0
"""The longest `Retry-After` honoured, in seconds."""
MAX_ERROR = 200
"""Characters of an error kept for the operator."""


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    delay: float = 0.0
    """Seconds before the next attempt (RETRY only)."""
    error: str = ""


def webhook_id(game_id: str, event_id: int) -> str:
    """Stable for a (database, event) forever: the database's own id plus the event id."""
    return f"msg_{game_id}_{event_id}"


def parse_retry_after(value: str | None, now_s: float) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now_s)


def jittered(delay: float, random: float) -> float:
    """`delay` spread by ±JITTER; `random` is uniform in [0, 1)."""
    return delay * (1.0 + JITTER * (2.0 * random - 1.0))


def after_attempt(
    status: int | None,
    error: str,
    attempts: int,
    schedule: tuple[float, ...],
    retry_after: float | None,
    random: float,
) -> Outcome:
    """What follows attempt number `attempts` (1 = the first) of one event.

    `status` is the HTTP status, None when there was no answer (`error` says why).
    `schedule[k]` is the wait before attempt k + 1; attempt len(schedule) is the last.
    """
    if status is not None and 200 <= status < 300:
        return Outcome(Verdict.DELIVERED)
    reason = error if status is None else f"HTTP {status}" + (f": {error}" if error else "")
    reason = reason[:MAX_ERROR]
    if status == 410:
        return Outcome(Verdict.DISABLED, error=f"{reason} (the receiver is gone: disabled)")
    if attempts >= len(schedule):
        return Outcome(Verdict.DEAD_LETTER, error=reason)
    delay = jittered(schedule[attempts], random)
    if status in (429, 503) and retry_after is not None:
        delay = min(max(retry_after, 0.0), RETRY_AFTER_CAP)
    return Outcome(Verdict.RETRY, delay, reason)


# -- the light of one destination, and of them all --------------------------------

ORDER = ["healthy", "pending", "failing", "disabled", "dead"]
"""Destination statuses, best first."""


def destination_status(
    running: bool,
    disabled: bool,
    failing: bool,
    oldest_pending_at: int | None,
    now: int,
    grace_ms: int,
) -> str:
    """healthy / pending / failing / disabled / dead for one destination."""
    if not running:
        return "dead"
    if disabled:
        return "disabled"
    if oldest_pending_at is None:
        return "healthy"
    if failing:
        return "failing"
    return "pending" if now - oldest_pending_at >= grace_ms else "healthy"


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=ORDER.index, default="healthy")


@dataclass(frozen=True)
class Light:
    """The status light, and what went wrong last."""

    status: str
    problem: str | None
    """Remembered across calls: cleared only once everything is delivered."""
    detail: str | None
    """What the light says: the problem while it is pending or dead."""


def light(
    process: ProcessState,
    oldest_undelivered_at: int | None,
    now: int,
    destinations: Sequence[Mapping[str, Any]],
    problem: str | None,
) -> Light:
    """The light from the child's state, the oldest undelivered event and each
    destination's status: a webhook that fails or is disabled makes it pending and
    names itself; whatever went wrong is forgotten only once nothing is waiting (not
    merely when the grace period makes the light green)."""
    status = pusher_status(process, oldest_undelivered_at, now)
    running = process is ProcessState.RUNNING
    unwell = worst(d["status"] for d in destinations)
    if running and unwell in ("failing", "disabled"):
        status = "pending"
        first = next(d for d in destinations if d["status"] == unwell)
        problem = f"{first['name']}: {first['last_error']}"
    if running and oldest_undelivered_at is None and status == "healthy":
        problem = None
    return Light(status, problem, problem if status in ("pending", "dead") else None)
