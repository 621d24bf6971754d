"""The wake-up after a commit: written by `wake()` itself, the files' children first.

The children here are stand-ins that never read their stdin (they wait for its end,
then exit), so whatever `wake()` wrote is still in each pipe to be counted: the line
must be there when `wake()` returns, with no checkpoint in between. The order is the
supervisor's, seen by recording each child's `wake`; a dead child's broken pipe and
full pipes cost nothing but a skipped line, and the caller is never blocked.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import termios
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from score.core.destinations import Destination
from score.shell import pusher_child
from score.shell.async_store import AsyncStore
from score.shell.store import Store
from score.shell.supervisor import WAKE_LINE, PusherSupervisor

pytestmark = pytest.mark.slow

STAND_IN = [
    sys.executable,
    "-c",
    # Wait for stdin's end (POLLHUP is reported even when no event is asked for),
    # reading nothing: the wake-up lines stay in the pipe.
    "import select; p = select.poll(); p.register(0, 0); p.poll()",
]


def hook(name: str) -> Destination:
    return Destination("webhook", "http://127.0.0.1:9/hook", name)


def pending_bytes(child: pusher_child.PusherChild) -> int:
    """Bytes written to the child's stdin that it has not read (FIONREAD on a pipe
    counts them from either end)."""
    stdin = child.process.stdin if child.process else None
    assert isinstance(stdin, trio.lowlevel.FdStream)
    count = bytearray(4)
    fcntl.ioctl(stdin.fileno(), termios.FIONREAD, count)
    return int.from_bytes(count, sys.byteorder)


@pytest.fixture
async def supervisor(tmp_path: Path, nursery: trio.Nursery) -> AsyncIterator[PusherSupervisor]:
    """A webhook, a file, another webhook (files are not first in the configuration),
    each child a stand-in; running until the test ends."""
    db = tmp_path / "score.db"
    store = AsyncStore(Store.open(db))
    targets: list[Path | Destination] = [hook("first"), tmp_path / "game.events.log", hook("last")]
    running = PusherSupervisor(store, db, targets, lambda: 0, lambda *_: None)
    for child in running.children:
        child.command, child._private = STAND_IN, None
    scope, stopped = trio.CancelScope(), trio.Event()

    async def run(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            with scope:
                await running.run(task_status=task_status)
        finally:
            stopped.set()

    await nursery.start(run)
    yield running
    scope.cancel()  # each stand-in exits at the end of its stdin
    with trio.fail_after(10):
        await stopped.wait()
    await store.aclose()


async def test_wake_has_written_every_line_when_it_returns_files_first(
    supervisor: PusherSupervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    woken: list[str] = []
    for child in supervisor.children:

        def recording(child: Any = child, wake: Any = child.wake) -> None:
            woken.append(child.names[0])
            wake()

        monkeypatch.setattr(child, "wake", recording)
    supervisor.wake()  # no checkpoint from here to the counts
    assert [pending_bytes(child) for child in supervisor.children] == [len(WAKE_LINE)] * 3
    assert woken == [supervisor.files[0], "first", "last"]


async def test_wake_never_blocks_and_outlives_a_dead_child(supervisor: PusherSupervisor) -> None:
    dead, *alive = supervisor.children
    assert dead.process is not None
    os.kill(dead.process.pid, signal.SIGKILL)
    # Dead but not reaped (WNOWAIT), and the supervisor has had no checkpoint to see
    # it: its pipe is broken, and its stream still open. Blocking on purpose: an
    # await would let the supervisor reap it first.
    os.waitid(os.P_PID, dead.process.pid, os.WEXITED | os.WNOWAIT)  # noqa: ASYNC222
    started = trio.current_time()
    for _ in range(20_000):  # far more than a pipe holds: the others fill up
        supervisor.wake()
    assert trio.current_time() - started < 5
    full = [pending_bytes(child) for child in alive]
    assert full[0] == full[1] > 60_000  # as much as each pipe took, all whole lines
    assert full[0] % len(WAKE_LINE) == 0
    with trio.fail_after(10):  # it is restarted, and woken like the others again
        while dead.restarts == 0 or dead.process is None or dead.process.returncode is not None:
            supervisor.wake()
            await trio.sleep(0.01)
    supervisor.wake()
    assert pending_bytes(dead) >= len(WAKE_LINE)
