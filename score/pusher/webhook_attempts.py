"""Retrying one webhook event on its schedule until it is delivered, dead-lettered or
the destination is disabled (core `webhook_policy` decides), and telling the operator
why, once per outage."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio

from score.core import webhook_policy
from score.core.delivery import DEAD_LETTER, DELIVERED
from score.core.destinations import Destination
from score.core.events import StoredEvent
from score.core.webhook_policy import Verdict


@dataclass(frozen=True)
class Sent:
    """How one attempt went: the HTTP status (None: no answer), the reason, and how
    long a 429 or 503 asked us to wait."""

    status: int | None
    error: str
    retry_after: float | None = None


class Attempts:
    def __init__(
        self,
        destination: Destination,
        random: Callable[[], float],
        post: Callable[[StoredEvent], Awaitable[Sent]],
        log: logging.Logger,
    ) -> None:
        self.destination = destination
        self.random = random
        self.post = post
        self.log = log
        self._failure = ""

    def recovered(self) -> None:
        if self._failure:
            self.log.info("delivery to %s recovered", self.destination.name)
            self._failure = ""

    async def settle(
        self,
        event: StoredEvent,
        first: Sent,
        record: Callable[[str, bool], Awaitable[None]],
        flush: Callable[[], Awaitable[None]],
    ) -> int | None:
        """From the first attempt's result `first`, attempt again until the event is
        delivered (1), dead-lettered (3) or the destination disabled (None). Each
        failure is `record`ed; `flush` shows what was delivered before, while this
        one waits."""
        attempts, sent = 1, first
        while True:
            outcome = webhook_policy.after_attempt(
                sent.status,
                sent.error,
                attempts,
                self.destination.schedule,
                sent.retry_after,
                self.random(),
            )
            if outcome.verdict is Verdict.DELIVERED:
                self.recovered()
                return DELIVERED
            disable = outcome.verdict is Verdict.DISABLED
            await record(outcome.error, disable)
            self._report(event.id, outcome)
            if disable:
                return None
            if outcome.verdict is Verdict.DEAD_LETTER:
                return DEAD_LETTER
            await flush()
            await trio.sleep(outcome.delay)
            attempts += 1
            sent = await self.post(event)

    def _report(self, event_id: int, outcome: webhook_policy.Outcome) -> None:
        # The reason once per outage (again if it changes), not at every retry.
        name = self.destination.name
        level = logging.DEBUG if outcome.error == self._failure else logging.WARNING
        self._failure = outcome.error
        if outcome.verdict is Verdict.DISABLED:
            self.log.warning("delivery to %s: %s", name, outcome.error)
        elif outcome.verdict is Verdict.DEAD_LETTER:
            self.log.warning(
                "delivery to %s: event %d dead-lettered after its last attempt (%s)",
                name,
                event_id,
                outcome.error,
            )
        else:
            self.log.log(
                level,
                "delivery to %s failed: %s; retrying in %.2g s",
                name,
                outcome.error,
                outcome.delay,
            )
