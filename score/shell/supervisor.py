"""The pusher's supervisor: spawn `score push`, feed it, relay its logs, restart it.

The child runs under `trio.run_process` started with `nursery.start`, its stdin and
stderr piped. After every commit the supervisor writes a line on the child's stdin
(a wake-up; commits in quick succession share one). Every line the child writes on
stderr is rendered through our own logging with the child's time and pid; the reader
is shielded from cancellation and drains to end of file, so the last words of a
dying child are never lost. If the child dies, the status turns `dead` at once and
it is restarted after a backoff (core `RestartPolicy`). `pusher_status` is
recomputed every second and whenever the child starts or stops. Stopping (when the
app's nursery is cancelled) is: close stdin, wait; SIGTERM, wait; SIGKILL. Trio
waits for the child to exit before the nursery ends, so no pusher is orphaned.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import trio

from score.core import delivery, webhook_policy
from score.core.delivery import ProcessState, RestartPolicy
from score.core.destinations import Destination
from score.core.destinations import encode as encode_destinations
from score.shell.async_store import AsyncStore
from score.shell.destination_table import DestinationReport
from score.shell.log_lines import LineSplitter, json_record, parse_line, raw_record
from score.shell.pusher_launch import as_destination, pusher_command, write_private
from score.shell.store_errors import StoreError

log = logging.getLogger("score.supervisor")

WAKE_LINE = b"commit\n"
STATUS_INTERVAL = 1.0
PENDING_INTERVAL = 0.25
STOP_GRACE = 3.0
"""Seconds a child has to finish its batch and exit once its stdin is closed."""
TERM_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL."""
MAX_PROBLEM = 300
"""Characters of the child's last warning that the status light carries."""
DRAIN_GRACE = 1.0
"""Seconds to read what is left in the child's stderr after it has exited."""


async def stop_gracefully(process: trio.Process) -> None:
    """`deliver_cancel` for the child; Trio cancels it as soon as the child exits."""
    if process.stdin is not None:
        await process.stdin.aclose()  # end of input means "shut down"
    await trio.sleep(STOP_GRACE)
    log.warning("pusher (pid %d) still running after stdin closed: SIGTERM", process.pid)
    process.terminate()
    await trio.sleep(TERM_GRACE)
    log.warning("pusher (pid %d) ignored SIGTERM: SIGKILL", process.pid)
    process.kill()


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
        plain = all(
            d.kind == "file" and d.name == delivery.destination_name(d.target)
            for d in self.targets
        )
        self.command = pusher_command(self.db, [Path(d.target) for d in self.targets])
        self._private = None if plain else encode_destinations(self.targets)
        """The destinations with their secrets, for a 0600 file (None: all on the
        command line, as plain files)."""
        self.reports: list[DestinationReport] = []
        self.destination_states: list[dict[str, Any]] = []
        """Per destination, for the state message: name, status, behind, dead_letters,
        last_error."""
        self.restarts = 0
        self.policy = policy or RestartPolicy()
        self.process: trio.Process | None = None
        self._changed = trio.Event()
        self._oldest_undelivered: int | None = None
        self._wake_send, self._wake_receive = trio.open_memory_channel[None](1)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Supervise until cancelled; ready once the first child was spawned (or
        failed to be: the app runs without delivery rather than not at all)."""
        reported = False

        def ready() -> None:
            nonlocal reported
            if not reported:
                reported = True
                task_status.started()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._report_status)
            failures = 0
            while True:
                started_at = trio.current_time()
                code = await self._run_child(ready)
                ready()
                ran_for = trio.current_time() - started_at
                failures, delay = self.policy.after_exit(failures, ran_for)
                self.restarts += 1
                log.warning("pusher %s; restarting in %.1f s", _describe(code), delay)
                self.problem = f"the pusher {_describe(code)}; restarting"
                self._changed.set()
                await trio.sleep(delay)

    def wake(self) -> None:
        """Tell the child there is something new (called right after each commit).

        Never blocks the caller: a full channel already holds a wake-up the child
        has not had yet, and one is enough."""
        try:
            self._wake_send.send_nowait(None)
        except (trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    # -- one child ------------------------------------------------------------------

    async def _run_child(self, ready: Callable[[], None]) -> int | None:
        """Run one child until it exits; its exit code (None if it could not start)."""
        feeding = trio.CancelScope()
        relaying = trio.CancelScope(shield=True)
        process: trio.Process | None = None
        try:
            async with trio.open_nursery() as nursery:
                process = await nursery.start(self._spawn, feeding, relaying)
                self.process = process
                self._changed.set()
                log.info("pusher started (pid %d)", process.pid)
                ready()
                nursery.start_soon(self._feed_stdin, process, feeding)
                nursery.start_soon(self._relay_stderr, process, relaying)
        except* OSError as group:
            log.error("cannot start the pusher: %s", group.exceptions[0])
        finally:
            if process is not None:
                # It has exited (run_process waited for that): close our pipe ends.
                with trio.CancelScope(shield=True):
                    for stream in (process.stdin, process.stderr):
                        if stream is not None:
                            await stream.aclose()
        return None if process is None else process.returncode

    async def _spawn(
        self,
        feeding: trio.CancelScope,
        relaying: trio.CancelScope,
        *,
        task_status: trio.TaskStatus[trio.Process],
    ) -> None:
        command, private = self.command, None
        if self._private is not None:
            private = write_private(self._private)  # the child reads it once, then removes it
            command = pusher_command(self.db, [], private)
        try:
            await trio.run_process(
                command,
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
                check=False,
                deliver_cancel=stop_gracefully,
                task_status=task_status,
            )
        finally:
            # The child has exited (run_process always waits for that): stop writing
            # to it, give the stderr reader a moment to drain, and show `dead` now.
            if private is not None:
                private.unlink(missing_ok=True)
            feeding.cancel()
            relaying.deadline = trio.current_time() + DRAIN_GRACE
            self._changed.set()

    async def _feed_stdin(self, process: trio.Process, scope: trio.CancelScope) -> None:
        assert process.stdin is not None
        with scope:
            try:
                async for _ in self._wake_receive:
                    await process.stdin.send_all(WAKE_LINE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass  # the child is gone or going; a new one starts with a full pass

    async def _relay_stderr(self, process: trio.Process, scope: trio.CancelScope) -> None:
        # Shielded (by `scope`) from the app's cancellation, so that what a child
        # writes while it is being stopped is read too; the deadline set on `scope`
        # once the child has exited bounds the drain.
        assert process.stderr is not None
        lines = LineSplitter()
        tid = 0
        try:
            with scope:
                async for chunk in process.stderr:
                    for line in lines.feed(chunk):
                        tid = self._emit(line, process.pid, tid)
        finally:
            for line in lines.flush():
                self._emit(line, process.pid, tid)

    def _emit(self, line: str, pid: int, tid: int) -> int:
        """Log one line of the child's stderr; returns the child's last thread id."""
        fields = parse_line(line)
        if fields is None:
            # Not a record (a traceback, a crash message): shown whatever our level.
            record = raw_record(line, pid, tid, time.time())
            logging.getLogger(record.name).handle(record)
            return tid
        record = json_record(fields, pid, tid, time.time())
        if record.levelno >= logging.WARNING:
            # The child says why delivery stalls (once per outage): the light shows it.
            self.problem = record.getMessage().splitlines()[0][:MAX_PROBLEM]
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
        return record.thread or tid

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

    async def _refresh_status(self) -> None:
        process = self.process
        if process is None:
            state = ProcessState.NOT_STARTED
        elif process.returncode is None:
            state = ProcessState.RUNNING
        else:
            state = ProcessState.EXITED
        if state is ProcessState.RUNNING:
            try:
                self.reports = await self.store.destination_reports(self.files, self.webhooks)
            except (StoreError, sqlite3.Error) as exc:  # busy or broken: keep the last answer
                log.debug("pending check failed: %s", exc)
            pending = [r.oldest_pending_at for r in self.reports if r.oldest_pending_at]
            self._oldest_undelivered = min(pending, default=None)
        now = self.now()
        running = state is ProcessState.RUNNING
        self.destination_states = [report.state(running, now) for report in self.reports]
        shown = webhook_policy.light(
            state, self._oldest_undelivered, now, self.destination_states, self.problem
        )
        self.status, self.problem = shown.status, shown.problem
        self.on_status(shown.status, shown.detail, self.destination_states)


def _describe(code: int | None) -> str:
    if code is None:
        return "could not start"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with code {code}"
