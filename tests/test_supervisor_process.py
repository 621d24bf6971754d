"""`score run` as a real process with its real pusher: the console shows the child's
lines with the child's pid, a crash is shown whole, and the child never outlives
its parent, whether the parent stops cleanly or is SIGKILLed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import trio

from score.core.delivery import destination_name
from score.shell import pusher_child as supervisor
from score.shell.store import Store
from tests.client import post_json
from tests.crash_hook import crash_after
from tests.processes import (
    child_pid,
    start_score,
    wait_console,
    wait_gone,
)
from tests.pusher_child import assert_exactly_once, start_pusher, wait_delivered

pytestmark = pytest.mark.slow


async def test_the_child_exits_by_itself_when_the_parent_is_killed(
    db_path: Path, nursery: trio.Nursery
) -> None:
    score = await start_score(nursery, db_path)
    pid = await child_pid(score)
    await wait_console(score, rb"delivering to")
    for seconds in (90, 80, 70):
        await post_json(score.port, "/clock", {"seconds": seconds})
    score.kill()
    with trio.fail_after(10):
        assert await score.process.wait() == -signal.SIGKILL
    await wait_gone(pid)  # end of stdin: it shut down on its own
    # Whatever it had not delivered, its successor delivers, once.
    log = db_path.with_name("score.events.log")
    store = Store.open(db_path, create=False)
    try:
        async with trio.open_nursery() as successors:
            successor = await start_pusher(successors, db_path, log)
            await wait_delivered(store, destination_name(str(log)))
            assert await successor.stop() == 0
        assert assert_exactly_once(store, log) == 3
    finally:
        store.close()


async def test_the_console_shows_the_child_lines_and_its_crash(
    db_path: Path, nursery: trio.Nursery, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in crash_after(1).items():
        monkeypatch.setenv(name, value)
    score = await start_score(nursery, db_path)
    pid = await child_pid(score)
    # The child's own line, in the parent's console, in the parent's format.
    await wait_console(
        score,
        rb"^\[\d\d:\d\d:\d\d\] \[PID: %d TID: \d+\] pusher started: .*score\.push$" % pid,
    )
    await post_json(score.port, "/clock", {"seconds": 60})
    await wait_console(score, rb"RuntimeError: SCORE_TEST_CRASH_AFTER=1")
    await child_pid(score, 2)  # and it was restarted
    assert await score.stop() == 0
    console = score.stderr.decode()
    crash = [line for line in console.splitlines() if f"[PID: {pid} " in line]
    start = next(i for i, line in enumerate(crash) if "Traceback (most recent call last):" in line)
    traceback = crash[start:]
    assert any('score/pusher/worker.py", line' in line for line in traceback)
    assert any("RuntimeError: SCORE_TEST_CRASH_AFTER=1" in line for line in traceback)
    assert re.search(r"pusher exited with code 1; restarting in \d", console)


async def test_ctrl_c_stops_the_child_too(db_path: Path, nursery: trio.Nursery) -> None:
    score = await start_score(nursery, db_path)
    pid = await child_pid(score)
    await wait_console(score, rb"delivering to")
    # Ctrl+C at a terminal reaches the whole process group: the child ignores it
    # and leaves when the parent closes its stdin.
    os.kill(pid, signal.SIGINT)
    assert await score.stop(signal.SIGINT) == 0
    await wait_gone(pid, timeout=5)
    assert b"stdin closed: shutting down" in score.stderr


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import sys; sys.stdin.read()", 0),  # a well-behaved child: end of stdin
        ("import time; time.sleep(60)", -signal.SIGTERM),  # deaf to stdin
        (
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
            -signal.SIGKILL,
        ),
    ],
)
async def test_stopping_escalates_until_the_child_is_gone(
    script: str, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor, "STOP_GRACE", 0.3)
    monkeypatch.setattr(supervisor, "TERM_GRACE", 0.3)
    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            process: trio.Process = await nursery.start(
                partial(
                    trio.run_process,
                    [sys.executable, "-c", f"print('ready', flush=True); {script}"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    check=False,
                    deliver_cancel=supervisor.stop_gracefully,
                )
            )
            assert process.stdout is not None
            assert (await process.stdout.receive_some()).startswith(b"ready")
            nursery.cancel_scope.cancel()
        await process.stdout.aclose()
    assert process.returncode == expected
