"""The pushers' supervisor: one `score push` child per destination, and the light.

Each destination has a child of its own (`pusher_child.py` spawns, feeds, relays and
restarts it), so a webhook that hangs, refuses or floods its receiver costs the file
nothing, not even a share of one process's event loop: the operating system spreads
them over the cores. After every commit each child gets a wake-up on its stdin,
written before the commit's answer is sent, the files' children first: the file is
the truth the operator watches, and a webhook's millisecond is nothing next to it.
`pusher_status` is the worst of all: `dead` while any child is down (at once, before
it is restarted), and each destination's own status in the state message follows
its own child. It is recomputed every second and whenever a child starts or stops.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import trio

from score.core import webhook_policy
from score.core.delivery import ProcessState, RestartPolicy
from score.core.destinations import Destination
from score.shell.async_store import AsyncStore
from score.shell.destination_table import DestinationReport
from score.shell.pusher_child import WAKE_LINE, PusherChild, stop_gracefully
from score.shell.pusher_launch import as_destination, pusher_command
from score.shell.store_errors import StoreError

log = logging.getLogger("score.supervisor")

STATUS_INTERVAL = 1.0
PENDING_INTERVAL = 0.25

__all__ = ["WAKE_LINE", "PusherSupervisor", "pusher_command", "stop_gracefully"]


class PusherSupervisor:
    def __init__(
        self,
        store: AsyncStore,
        db: Path,
        destinations: Sequence[Path | Destination],
        now: Callable[[], int],
        on_status: Callable[[str, str | None, list[dict[str, Any]]], None],
        policy: RestartPolicy | None = None,
    ) -> None:
        """`now` is the game's time (ms); `on_status` hears every `pusher_status`,
        with the reason when it is not healthy."""
        self.store = store
        self.now = now
        self.on_status = on_status
        self.status = "unknown"
        self.problem: str | None = None
        """The last problem the child reported (or how it ended), for the light."""
        self.targets = [as_destination(item) for item in destinations]
        self.files = [d.name for d in self.targets if d.kind == "file"]
        self.webhooks = [d.name for d in self.targets if d.kind != "file"]  # brokers too
        self.names = self.files + self.webhooks
        self.db = db.absolute()
        self.reports: list[DestinationReport] = []
        self.destination_states: list[dict[str, Any]] = []
        """Per destination, for the state message: name, status, behind, dead_letters,
        last_error."""
        self.policy = policy or RestartPolicy()
        self.children = [
            PusherChild(self.db, [target], self.policy, self._changed_now, self._problem)
            for target in self.targets
        ]
        self._child_of = {name: child for child in self.children for name in child.names}
        self._wake_order = sorted(self.children, key=lambda child: child.names[0] not in self.files)
        """The children, the files' first (a stable sort: otherwise as configured)."""
        self._changed = trio.Event()
        self._oldest_undelivered: int | None = None

    @property
    def restarts(self) -> int:
        return sum(child.restarts for child in self.children)

    def _changed_now(self) -> None:
        self._changed.set()

    def _problem(self, problem: str) -> None:
        self.problem = problem

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Supervise until cancelled; ready once every first child was spawned (or
        failed to be: the app runs without delivery rather than not at all)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._report_status)
            for child in self.children:
                await nursery.start(child.run)
            task_status.started()

    def wake(self) -> None:
        """Tell every child there is something new (called right after each commit);
        never blocks the caller. Each write is done when this returns, the files'
        first, so the file's pusher is already at work while the commit is answered."""
        for child in self._wake_order:
            child.wake()

    # -- the status light ---------------------------------------------------------

    async def _report_status(self) -> None:
        """Recompute every second (absolute deadlines, no drift) and on every change;
        four times a second while pending, so that recovery shows promptly."""
        next_tick = trio.current_time()
        while True:
            await self._refresh_status()
            interval = PENDING_INTERVAL if self.status == "pending" else STATUS_INTERVAL
            now = trio.current_time()
            while next_tick <= now:
                next_tick += interval
            with trio.move_on_at(next_tick):
                await self._changed.wait()
            self._changed = trio.Event()

    def _state(self) -> ProcessState:
        """The worst of the children: one down is `dead`, one not started `unknown`."""
        states = {child.state for child in self.children}
        for state in (ProcessState.EXITED, ProcessState.NOT_STARTED):
            if state in states:
                return state
        return ProcessState.RUNNING

    async def _refresh_status(self) -> None:
        state = self._state()
        if any(child.state is ProcessState.RUNNING for child in self.children):
            try:
                self.reports = await self.store.destination_reports(self.files, self.webhooks)
            except (StoreError, sqlite3.Error) as exc:  # busy or broken: keep the last answer
                log.debug("pending check failed: %s", exc)
            pending = [r.oldest_pending_at for r in self.reports if r.oldest_pending_at]
            self._oldest_undelivered = min(pending, default=None)
        now = self.now()
        self.destination_states = [
            report.state(self._running(report.name), now) for report in self.reports
        ]
        shown = webhook_policy.light(
            state, self._oldest_undelivered, now, self.destination_states, self.problem
        )
        self.status, self.problem = shown.status, shown.problem
        self.on_status(shown.status, shown.detail, self.destination_states)

    def _running(self, name: str) -> bool:
        child = self._child_of.get(name)
        return child is not None and child.state is ProcessState.RUNNING
