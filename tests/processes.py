"""Running `score` as a real child process, the way an operator does."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import trio

URL_LINE = re.compile(rb"Score is serving on http://(?:\[[^\]]+\]|[^:/]+):(\d+)/")
"""The line `score run` prints once it serves; group 1 is the port."""


def served_port(output: bytes | str) -> int | None:
    """The port `score run` printed in `output`, once it has."""
    data = output.encode() if isinstance(output, str) else bytes(output)
    match = URL_LINE.search(data)
    return None if match is None else int(match.group(1))


STARTED = re.compile(rb"pusher started \(pid (\d+)\)")


def score_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "score", *args]


@dataclass
class ScoreProcess:
    process: trio.Process
    port: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self, signum: int = signal.SIGINT, timeout: float = 10) -> int:
        self.process.send_signal(signum)
        with trio.fail_after(timeout):
            return await self.process.wait()


async def _drain(stream: trio.abc.ReceiveStream, into: bytearray) -> None:
    async for chunk in stream:
        into.extend(chunk)


async def start_score(
    nursery: trio.Nursery, db: Path, *extra: str, timeout: float = 15
) -> ScoreProcess:
    """Spawn `score run --port 0` and wait until it prints its URL."""
    process = await trio.lowlevel.open_process(
        score_command("run", "--db", str(db), "--port", "0", "--no-open", *extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    running = ScoreProcess(process, 0)
    nursery.start_soon(_drain, process.stdout, running.stdout)
    nursery.start_soon(_drain, process.stderr, running.stderr)
    with trio.fail_after(timeout):
        while (port := served_port(running.stdout)) is None:
            if process.poll() is not None:
                raise AssertionError(f"score exited early: {bytes(running.stderr).decode()}")
            await trio.sleep(0.02)
    running.port = port
    return running


def run_score(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run a short `score` command to completion."""
    return subprocess.run(
        score_command(*args), capture_output=True, text=True, timeout=timeout, check=False
    )


def is_running(pid: int) -> bool:
    """True while `pid` runs; a zombie (exited, not yet reaped) does not count."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


async def child_pid(score: ScoreProcess, nth: int = 1, timeout: float = 20) -> int:
    with trio.fail_after(timeout):
        while len(found := STARTED.findall(score.stderr)) < nth:
            await trio.sleep(0.02)
    return int(found[nth - 1])


async def wait_console(score: ScoreProcess, pattern: bytes, timeout: float = 20) -> re.Match[bytes]:
    with trio.fail_after(timeout):
        while not (match := re.search(pattern, score.stderr, re.MULTILINE)):
            await trio.sleep(0.02)
    return match


async def wait_gone(pid: int, timeout: float = 10) -> None:
    with trio.fail_after(timeout):
        while is_running(pid):
            await trio.sleep(0.02)


def run_on_a_terminal(
    args: list[str],
    until: bytes,
    *,
    env: dict[str, str],
    size: tuple[int, int] | None = None,
    with_stderr: bool = False,
    timeout: float = 20,
) -> bytes:
    """Run `score ARGS` with a pseudo-terminal as stdout (and stderr if asked), of
    `size` (rows, columns) if given; read until `until` has come and a line ended;
    then Ctrl+C, which must end it cleanly. Returns what the terminal received."""
    primary, replica = os.openpty()
    if size is not None:
        fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
    process = subprocess.Popen(
        score_command(*args),
        stdin=subprocess.DEVNULL,
        stdout=replica,
        stderr=replica if with_stderr else subprocess.DEVNULL,
        env=env,
    )
    os.close(replica)
    output = b""
    try:
        deadline = time.monotonic() + timeout
        while until not in output or not output.endswith(b"\n"):
            assert time.monotonic() < deadline, output.decode(errors="replace")
            if select.select([primary], [], [], 0.5)[0]:
                output += os.read(primary, 65536)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        os.close(primary)
    return output
