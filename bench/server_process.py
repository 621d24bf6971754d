"""`score run` as a real child process, timed from spawn to serving, and its memory.

The server under test runs in its own process (its own CPU and event loop), exactly
as an operator starts it: `python -m score run --db ... --port 0 --no-open`, pusher
included. `start_score` returns once the URL line has been printed and `GET /state`
has answered, and records both instants, so start-up time comes for free. Memory is
read from /proc/PID/status (VmRSS, VmHWM), for the server and for its pusher child.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trio

from tests.processes import served_port

WARNING_LINE = re.compile(rb"\b(WARNING|ERROR|CRITICAL|Traceback)\b")


def score_command(*args: str, wrapper: Sequence[str] = ()) -> list[str]:
    """`python -m score ...`, or `python <wrapper> -m score ...` (a profiler, say)."""
    return [sys.executable, *wrapper, "-m", "score", *args]


def pyinstrument_wrapper(out: Path) -> list[str]:
    """Run the server under pyinstrument, its text report written to `out` at exit."""
    return ["-m", "pyinstrument", "-i", "0.001", "-r", "text", "-o", str(out)]


@dataclass
class ScoreServer:
    process: trio.Process
    spawned_ns: int
    port: int = 0
    url_ns: int = 0
    """perf_counter_ns when the URL line was read from the child's stdout."""
    ready_ns: int = 0
    """perf_counter_ns when `GET /state` had answered."""
    ready_cpu_ms: float = 0.0
    """CPU time (user + system) the server had used by then: less noisy than wall time."""
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    url_seen: trio.Event = field(default_factory=trio.Event)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url_ms(self) -> float:
        return (self.url_ns - self.spawned_ns) / 1e6

    @property
    def ready_ms(self) -> float:
        return (self.ready_ns - self.spawned_ns) / 1e6

    def log_problems(self) -> list[str]:
        """Lines of the server's stderr that report a warning, an error or a crash."""
        return [
            line.decode(errors="replace").rstrip()
            for line in bytes(self.stderr).splitlines()
            if WARNING_LINE.search(line)
        ]

    async def stop(self, timeout: float = 15) -> int:
        """SIGINT (the operator's Ctrl+C), then SIGKILL if it hangs."""
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGINT)
        with trio.move_on_after(timeout):
            return await self.process.wait()
        self.process.kill()
        return await self.process.wait()


async def _drain(stream: trio.abc.ReceiveStream, into: bytearray, server: ScoreServer) -> None:
    async for chunk in stream:
        into.extend(chunk)
        if not server.url_seen.is_set() and (port := served_port(into)) is not None:
            server.url_ns = time.perf_counter_ns()
            server.port = port
            server.url_seen.set()


async def http_get(port: int, target: str, timeout: float = 10) -> tuple[int, bytes]:
    """One `GET` on a fresh connection; returns the status code and the body."""
    request = (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    ).encode()
    with trio.fail_after(timeout):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            await stream.send_all(request)
            response = bytearray()
            async for chunk in stream:
                response.extend(chunk)
    head, _, body = bytes(response).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, body


def original_command(db: Path) -> list[str]:
    """The original design (FastAPI + uvicorn, bench/original_design.py) on `db`."""
    script = Path(__file__).with_name("original_design.py")
    return [sys.executable, str(script), "--db", str(db), "--port", "0"]


async def start_score(
    nursery: trio.Nursery,
    db: Path,
    *extra: str,
    timeout: float = 120,
    wrapper: Sequence[str] = (),
    original: bool = False,
) -> ScoreServer:
    """Spawn `score run` on `db` (or, with `original`, the original design) and
    return once it is serving (URL printed, /state 200)."""
    spawned = time.perf_counter_ns()
    argv = (
        original_command(db)
        if original
        else score_command(
            "run", "--db", str(db), "--port", "0", "--no-open", *extra, wrapper=wrapper
        )
    )
    # `python -m score` imports the package of its working directory first: a
    # checkout named by SCORE_BENCH_FROM (run.py --score-from) is measured instead.
    process = await trio.lowlevel.open_process(
        argv,
        cwd=os.environ.get("SCORE_BENCH_FROM") if not original else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    server = ScoreServer(process, spawned)
    nursery.start_soon(_drain, process.stdout, server.stdout, server)
    nursery.start_soon(_drain, process.stderr, server.stderr, server)
    with trio.fail_after(timeout):
        while not server.url_seen.is_set():
            with trio.move_on_after(0.05):
                await server.url_seen.wait()
            if process.poll() is not None:
                raise RuntimeError(f"score exited early: {bytes(server.stderr).decode()[-2000:]}")
        status, body = await http_get(server.port, "/state")
    server.ready_ns = time.perf_counter_ns()
    server.ready_cpu_ms = cpu_ms(server.pid)
    if status != 200:
        raise RuntimeError(f"GET /state answered {status}: {body[:200]!r}")
    return server


# -- memory and CPU -------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in ms (at the kernel's tick)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB; empty if it is gone."""
    found: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (the pusher, for `score run`)."""
    children: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            children.extend(int(part) for part in text.split())
    except OSError:
        pass
    return children


def memory_report(pid: int) -> dict[str, float]:
    """RSS and peak RSS of the server and of its children (the pusher), in MiB."""
    server = memory_kib(pid)
    children = [memory_kib(child) for child in child_pids(pid)]
    return {
        "rss_mib": server.get("VmRSS", 0) / 1024,
        "peak_rss_mib": server.get("VmHWM", 0) / 1024,
        "pusher_rss_mib": sum(child.get("VmRSS", 0) for child in children) / 1024,
    }
