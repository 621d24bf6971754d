"""A network destination's progress: its cursor in the database and the marks of
what was answered (a webhook) or acknowledged (a broker) but not yet written.

Both kinds settle in groups: at most SETTLE_EVERY events, at most SETTLE_AFTER
seconds after the first of them, in one transaction that marks them and moves the
cursor (a backlog is not one fsync per event; a crash resends at most a group).
`Rewound` says `score deliveries retry` or `resend` moved the cursor meanwhile: the
worker drops its pass and the next one rereads the cursor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import trio

from score.shell.store import Store

SETTLE_EVERY = 200
SETTLE_AFTER = 0.05


class Rewound(Exception):
    """The cursor was moved back by `score deliveries retry` or `resend`."""


class Progress:
    def __init__(self, name: str, call: Callable[..., Awaitable[Any]]) -> None:
        self.name = name
        self._call = call
        """Runs a store method in the worker's database thread."""
        self.cursor = 0
        """Every event through this id is marked (in the database)."""
        self.new = 0
        """Every event through this id is done; its marks are in `marks`."""
        self.marks: list[tuple[int, int]] = []
        self._since = 0.0

    def restart(self, cursor: int) -> None:
        """A new pass from the cursor as the database holds it."""
        self.cursor = self.new = cursor
        self.marks = []

    def done(self, event_id: int, mark: int | None) -> None:
        """`event_id` is settled (with `mark`, or None for an event that needs none)."""
        if not self.marks:
            self._since = trio.current_time()
        if mark is not None:
            self.marks.append((event_id, mark))
        self.new = event_id

    @property
    def due(self) -> bool:
        return len(self.marks) >= SETTLE_EVERY or trio.current_time() - self._since >= SETTLE_AFTER

    async def flush(self, store: Store, wall_ms: Callable[[], int]) -> None:
        """Mark what is done and move the cursor, in one transaction; raises
        Rewound when the cursor was moved meanwhile."""
        if self.new == self.cursor:
            return
        marks, self.marks = self.marks, []
        with trio.CancelScope(shield=True):  # what was answered is marked, even at shutdown
            moved = await self._call(
                store.settle, self.name, marks, wall_ms(), self.cursor, self.new
            )
        if not moved:
            raise Rewound
        self.cursor = self.new
