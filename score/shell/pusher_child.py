"""One `score push` child and its lifeline: spawn, feed, relay its logs, restart it.

The child runs under `trio.run_process` started with `nursery.start`, its stdin and
stderr piped. Each wake-up is a line written on its stdin at once, by the caller
(no task in between, so the order of the wake-ups is the caller's: the file's
child first). Every line it writes on stderr is rendered through our own logging with
its time and pid; the reader is shielded from cancellation and drains to end of
file, so the last words of a dying child are never lost. If it dies it is restarted
after a backoff (core `RestartPolicy`). Stopping (when the nursery is cancelled) is:
close stdin, wait; SIGTERM, wait; SIGKILL. Trio waits for the child to exit before
the nursery ends, so no pusher is orphaned. Destinations with secrets reach it in a
0600 file, never on its command line.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import trio

from score.core import delivery
from score.core.delivery import ProcessState, RestartPolicy
from score.core.destinations import Destination
from score.core.destinations_handoff import encode as encode_destinations
from score.shell.log_lines import LineSplitter, json_record, parse_line, raw_record
from score.shell.pusher_launch import pusher_command, write_private

log = logging.getLogger("score.supervisor")

WAKE_LINE = b"commit\n"
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


class PusherChild:
    def __init__(
        self,
        db: Path,
        destinations: Sequence[Destination],
        policy: RestartPolicy,
        on_change: Callable[[], None],
        on_problem: Callable[[str], None],
    ) -> None:
        """`on_change` hears every start and exit; `on_problem` each warning."""
        self.db = db
        self.names = [d.name for d in destinations]
        self.policy = policy
        self.on_change = on_change
        self.on_problem = on_problem
        plain = all(
            d.kind == "file" and d.name == delivery.destination_name(d.target) for d in destinations
        )
        self.command = pusher_command(db, [Path(d.target) for d in destinations] if plain else [])
        self._private = None if plain else encode_destinations(destinations)
        """The destinations with their secrets, for a 0600 file (None: all on the
        command line, as plain files)."""
        self.process: trio.Process | None = None
        self.restarts = 0
        self._stdin: trio.lowlevel.FdStream | None = None
        """The running child's stdin while `wake` may write to it: None before it
        starts and from the moment it is being stopped (its end of input is the
        order to stop, and a closed fd's number may already belong to another file)."""

    @property
    def state(self) -> ProcessState:
        if self.process is None:
            return ProcessState.NOT_STARTED
        if self.process.returncode is None:
            return ProcessState.RUNNING
        return ProcessState.EXITED

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run and restart until cancelled; ready once the first child was spawned (or
        failed to be: the app runs without delivery rather than not at all)."""
        reported = False

        def ready() -> None:
            nonlocal reported
            if not reported:
                reported = True
                task_status.started()

        failures = 0
        while True:
            started_at = trio.current_time()
            code = await self._run_child(ready)
            ready()
            ran_for = trio.current_time() - started_at
            failures, delay = self.policy.after_exit(failures, ran_for)
            self.restarts += 1
            log.warning("pusher %s; restarting in %.1f s", _describe(code), delay)
            self.on_problem(f"the pusher {_describe(code)}; restarting")
            self.on_change()
            await trio.sleep(delay)

    def wake(self) -> None:
        """Write a wake-up on the child's stdin now; never blocks the caller.

        The write is synchronous (the pipe is non-blocking, and a line is shorter than
        PIPE_BUF, so it is written whole or not at all): the child is woken before the
        caller goes on to answer its client, in the order the caller chose. A full pipe
        means the child has wake-ups it has not read yet, and one is enough; a broken
        pipe means it is gone, and the next one starts with a full pass.
        """
        fd = -1 if self._stdin is None else self._stdin.fileno()  # -1 once closed
        if fd < 0:
            return
        try:
            os.write(fd, WAKE_LINE)
        except BlockingIOError:
            pass
        except OSError as error:  # EPIPE: it has exited, and we have not seen it yet
            log.debug("wake-up not written: %s", error)

    async def _run_child(self, ready: Callable[[], None]) -> int | None:
        """Run one child until it exits; its exit code (None if it could not start)."""
        relaying = trio.CancelScope(shield=True)
        process: trio.Process | None = None
        try:
            async with trio.open_nursery() as nursery:
                process = await nursery.start(self._spawn, relaying)
                self.process = process
                if isinstance(process.stdin, trio.lowlevel.FdStream):  # always, on POSIX
                    self._stdin = process.stdin
                self.on_change()
                log.info("pusher started (pid %d)", process.pid)  # it names its destinations
                ready()
                nursery.start_soon(self._relay_stderr, process, relaying)
        except* OSError as group:
            log.error("cannot start the pusher: %s", group.exceptions[0])
        finally:
            self._stdin = None
            if process is not None:
                # It has exited (run_process waited for that): close our pipe ends.
                with trio.CancelScope(shield=True):
                    for stream in (process.stdin, process.stderr):
                        if stream is not None:
                            await stream.aclose()
        return None if process is None else process.returncode

    async def _spawn(
        self,
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
                deliver_cancel=self._stop,
                task_status=task_status,
            )
        finally:
            # The child has exited (run_process always waits for that): stop writing
            # to it, give the stderr reader a moment to drain, and show `dead` now.
            self._stdin = None
            if private is not None:
                private.unlink(missing_ok=True)
            relaying.deadline = trio.current_time() + DRAIN_GRACE
            self.on_change()

    async def _stop(self, process: trio.Process) -> None:
        """`deliver_cancel`: no wake-up is written once stdin is about to close."""
        self._stdin = None
        await stop_gracefully(process)

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
            self.on_problem(record.getMessage().splitlines()[0][:MAX_PROBLEM])
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
        return record.thread or tid


def _describe(code: int | None) -> str:
    if code is None:
        return "could not start"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with code {code}"
