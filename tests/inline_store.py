"""An AsyncStore that calls the store on the Trio thread, for virtual-time tests.

Under trio's MockClock with autojump, a call on a worker thread leaves the Trio
thread idle, so virtual time jumps ahead while SQLite works; a game loop test would
then see time pass during a commit. Running the call inline (after a checkpoint, as
the real one has) keeps virtual time still while the store works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import trio

from score.shell.async_store import AsyncStore
from score.shell.store import Store

T = TypeVar("T")


class InlineStore(AsyncStore):
    """The real store's named methods, each run inline on the Trio thread."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.sync = store
        """The store behind it, for the test's own reading of the log."""

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        await trio.lowlevel.checkpoint()
        return fn(*args)
