"""The pusher process (`score push`): wake-ups on stdin, one worker per destination.

Each destination is one Trio task (a file, webhook or broker worker). `score run`
starts one pusher per destination (see `shell/supervisor.py`), so that a busy or
hung webhook does not even share a core's event loop with the file; a pusher given
several destinations by hand runs them side by side, each in its own task.

The main process writes a line on our stdin after each commit; any bytes wake every
worker at once, and the workers also poll every 0.5 s, so a lost wake-up costs at
most that. End of stdin means "shut down": when the parent exits, even by SIGKILL,
its end of the pipe closes and we follow it, so no pusher outlives its game. Before
leaving, each worker makes one last pass (at most FINAL_PASS_SECONDS), so an event
committed just before the stop is delivered now, not at the next start. SIGTERM
is a shutdown too; SIGINT is ignored (set by the command), because Ctrl+C at the
terminal reaches the whole process group and it is the parent's job to stop us.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import stat
from dataclasses import dataclass
from pathlib import Path

import trio

from score.core.destinations import Destination
from score.pusher.mqtt import MqttWorker
from score.pusher.webhook import WebhookWorker
from score.pusher.worker import DestinationWorker, Wakeup
from score.shell.async_store import AsyncStore
from score.shell.db_lock import check_not_served_elsewhere
from score.shell.store import Store

log = logging.getLogger("score.push")

READ_SIZE = 4096
FINAL_PASS_SECONDS = 2.0
"""How long the last pass may take once told to stop (the parent's grace is 3 s);
what it cannot deliver in time stays in the database for the next start."""


@dataclass(frozen=True)
class PusherConfig:
    db: Path
    destinations: tuple[Destination, ...]
    stdin_fd: int = 0


async def run_pusher(config: PusherConfig) -> None:
    """Deliver until stdin ends or SIGTERM arrives."""
    check_not_served_elsewhere(config.db)
    store = AsyncStore(
        await trio.to_thread.run_sync(lambda: Store.open(config.db, create=False)),
        report_full=False,  # each worker reports its own failures, with the reason
    )
    try:
        jitter = random.Random()
        workers = [
            DestinationWorker(store, Path(d.target), d.name)
            if d.kind == "file"
            else MqttWorker(config.db, d)
            if d.kind == "mqtt"
            else WebhookWorker(config.db, d, jitter.random)
            for d in config.destinations
        ]
        log.info(
            "pusher started: %s -> %s",
            config.db,
            ", ".join(d.name for d in config.destinations),
        )
        wake = Wakeup()
        async with trio.open_nursery() as delivering:
            for worker in workers:
                delivering.start_soon(worker.run, wake)
            async with trio.open_nursery() as listening:
                listening.start_soon(_stop_on_sigterm, listening.cancel_scope)
                await _read_wakeups(config.stdin_fd, wake)
                log.info("stdin closed: shutting down")
                listening.cancel_scope.cancel()
            # Told to stop: one last pass delivers what was committed before that.
            wake.close()
            delivering.cancel_scope.deadline = trio.current_time() + FINAL_PASS_SECONDS
    finally:
        await store.aclose()


async def _read_wakeups(fd: int, wake: Wakeup) -> None:
    """Wake the workers for every chunk read from `fd`; return at end of input."""
    if stat.S_ISFIFO(os.fstat(fd).st_mode):
        # A pipe (the normal case): read it the Trio way. Only we use this pipe, so
        # putting it in non-blocking mode surprises nobody.
        async with trio.lowlevel.FdStream(os.dup(fd)) as stream:
            async for _chunk in stream:
                wake.notify()
        return
    # A terminal or a file (someone running `score push` by hand): non-blocking mode
    # would leak to the terminal's other streams, so block in a worker thread instead.
    while await trio.to_thread.run_sync(os.read, fd, READ_SIZE, abandon_on_cancel=True):
        wake.notify()


async def _stop_on_sigterm(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGTERM) as signals:
        async for _ in signals:
            log.info("SIGTERM received: shutting down")
            scope.cancel()
            return
