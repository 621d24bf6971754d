"""Size and start-up times of the frozen executable, against the targets of issue 4.

    python3 bench/bench_binary.py [--binary dist/score] [--runs 21] [--serve-runs 5] [--check]

Measures, on the binary as a scorer runs it (bare environment, private TMPDIR):

- size of `dist/score` in MB (10^6 bytes); target <= 20 MB;
- `score --help`, wall time from spawn to exit, median of --runs; target <= 300 ms
  (its CPU time is shown too: it moves less than wall time on a busy machine);
- start to serving: from spawn of `score run --db <new db> --port 0 --no-open` until
  the `Score is serving on ...` line is printed and `GET /state` has answered,
  median of --serve-runs (each with a fresh database); target <= 1 s.

One warm-up run of each is not counted (it pays for the first read of the file from
disk). Prints a table; with --check, exits 1 when a median misses its target.
Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.processes import served_port

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"size": 20.0, "help": 300.0, "serve": 1000.0}  # MB, ms, ms


def bare_environment(work: Path) -> dict[str, str]:
    for name in ("bin", "home", "tmp"):
        (work / name).mkdir(exist_ok=True)
    return {
        "PATH": str(work / "bin"),
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "TERM": "dumb",
    }


def time_help(binary: Path, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system, bootloader and app together) ms of one --help.

    A blocking wait4, not Popen.wait(timeout=...): the latter polls with sleeps of
    up to 50 ms and would round the wall time up by as much (main() sets an alarm
    so that a hung binary still cannot hang the benchmark)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(binary), "--help"],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"score --help exited with {process.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def state_answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/state")
        response = connection.getresponse()
        return response.status == 200 and "state" in json.loads(response.read())
    except OSError:
        return False
    finally:
        connection.close()


def time_serving(binary: Path, env: dict[str, str], cwd: Path, db: Path) -> float:
    """Spawn -> URL printed and GET /state answered, in ms; then Ctrl+C and wait."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(binary), "run", "--db", str(db), "--port", "0", "--no-open"],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        port = 0
        for line in process.stdout:  # Rich flushes each printed line
            if (found := served_port(line)) is not None:
                port = found
                break
        if not port:
            raise RuntimeError(f"score run exited ({process.wait()}) without serving")
        while not state_answers(port):
            if time.perf_counter() - start > 30:
                raise RuntimeError("GET /state never answered")
            time.sleep(0.005)
        elapsed = (time.perf_counter() - start) * 1000
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return elapsed


def row(name: str, unit: str, values: list[float], target: float) -> tuple[list[str], bool]:
    median = statistics.median(values)
    ok = median <= target
    cells = [
        name,
        f"{median:.1f} {unit}",
        f"{min(values):.1f}",
        f"{max(values):.1f}",
        str(len(values)),
        f"<= {target:g} {unit}",
        "yes" if ok else "NO",
    ]
    return cells, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=ROOT / "dist" / "score")
    parser.add_argument("--runs", type=int, default=21, help="--help runs (median)")
    parser.add_argument("--serve-runs", type=int, default=5, help="start-to-serving runs")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    binary = args.binary.resolve()
    if not binary.is_file():
        print(
            f"bench_binary: {binary} is missing; build it with bash build/build.sh", file=sys.stderr
        )
        return 2

    signal.alarm(600)  # a hung binary must not hang CI
    work = Path(tempfile.mkdtemp(prefix="score-bench-"))
    try:
        env = bare_environment(work)
        size_mb = binary.stat().st_size / 1e6
        time_help(binary, env, work)  # warm-up
        help_runs = [time_help(binary, env, work) for _ in range(args.runs)]
        help_ms = [wall for wall, _ in help_runs]
        help_cpu_ms = [cpu for _, cpu in help_runs]
        time_serving(binary, env, work, work / "warmup.db")
        serve_ms = [
            time_serving(binary, env, work, work / f"game{i}.db") for i in range(args.serve_runs)
        ]
        left = sorted(p.name for p in (work / "tmp").iterdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = [
        row("size", "MB", [size_mb], TARGETS["size"]),
        row("score --help", "ms", help_ms, TARGETS["help"]),
        row("  (its CPU time)", "ms", help_cpu_ms, TARGETS["help"]),
        row("start to serving", "ms", serve_ms, TARGETS["serve"]),
    ]
    header = ["measure", "median", "min", "max", "runs", "target", "met"]
    table = [header] + [cells for cells, _ in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    print(f"{binary} ({binary.stat().st_size:,} bytes)")
    for i, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))
    if left:
        print(f"warning: left in TMPDIR after the runs: {left}")
    missed = [cells[0] for cells, ok in rows if not ok and not cells[0].startswith(" ")]
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 1 if args.check and (missed or left) else 0


if __name__ == "__main__":
    sys.exit(main())
