"""Delivery benchmark: commit -> durable line latency, and backlog throughput.

Runs the real `score push` child against a scratch database and events.log:

- latency: events are committed one at a time at a steady pace (one every 10 ms);
  each is timed from the moment its commit returns to the moment the pusher has
  fsynced its line and marked it delivered (a watcher thread polls the mark every
  0.2 ms). Once with a wake-up written on the child's stdin after each commit (as
  `score run` does), once with no wake-ups, so only the 0.5 s poll delivers.
- throughput: a backlog is stored first, then a pusher is started and timed until
  everything is delivered (batches of `BATCH_LIMIT`, one write and one fsync each).

    uv run python bench/bench_delivery.py            # 1,000 events, 100,000 backlog
    uv run python bench/bench_delivery.py --quick    # a tiny pass, for CI
    uv run python bench/bench_delivery.py --json out.json   # also every sample, as JSON
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import trio
from rich.console import Console
from rich.table import Table

from score.core.delivery import BATCH_LIMIT, destination_name
from score.core.events import clock_set
from score.shell.log_lines import LineSplitter, parse_line
from score.shell.store import Store
from score.shell.supervisor import WAKE_LINE, pusher_command

SPACING = 0.010
"""Seconds between commits in the latency runs."""


class DeliveryWatcher:
    """A thread that notes when each event id is first seen marked delivered."""

    def __init__(self, db: Path, name: str) -> None:
        self.store = Store.open(db, create=False)
        self.name = name
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> DeliveryWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.store.close()

    def _watch(self) -> None:
        through = 0
        while not self._stop.is_set():
            now_through = self.store.delivered_through(self.name)
            if now_through > through:
                stamp = time.perf_counter()
                for event_id in range(through + 1, now_through + 1):
                    self.seen[event_id] = stamp
                through = now_through
            time.sleep(0.0002)


async def start_pusher(
    nursery: trio.Nursery, db: Path, log: Path
) -> tuple[trio.Process, LineSplitter]:
    """Spawn `score push` and wait until it is ready to deliver."""
    process: trio.Process = await nursery.start(
        partial(
            trio.run_process,
            pusher_command(db, [log]),
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
    )
    assert process.stderr is not None
    lines = LineSplitter()
    with trio.fail_after(60):
        async for chunk in process.stderr:
            messages = [parse_line(line) for line in lines.feed(chunk)]
            if any(m and m["message"].startswith("delivering to") for m in messages):
                break
    nursery.start_soon(_drain, process.stderr)
    return process, lines


async def _drain(stream: trio.abc.ReceiveStream) -> None:
    async with stream:
        async for _ in stream:
            pass


async def stop_pusher(process: trio.Process) -> None:
    assert process.stdin is not None
    await process.stdin.aclose()
    with trio.fail_after(30):
        await process.wait()


async def latency_run(folder: Path, count: int, wake: bool) -> list[float]:
    """Milliseconds from commit to durable, acknowledged line, per event."""
    db, log = folder / "score.db", folder / "events.log"
    store = Store.open(db)
    committed: dict[int, float] = {}
    async with trio.open_nursery() as nursery:
        process, _ = await start_pusher(nursery, db, log)
        assert process.stdin is not None
        with DeliveryWatcher(db, destination_name(str(log.absolute()))) as watcher:
            start = trio.current_time()
            for i in range(count):
                await trio.sleep_until(start + i * SPACING)
                (event,) = await trio.to_thread.run_sync(store.append, [clock_set(i % 600, i)])
                committed[event.id] = time.perf_counter()
                if wake:
                    await process.stdin.send_all(WAKE_LINE)
            with trio.fail_after(30):
                while len(watcher.seen) < count:
                    await trio.sleep(0.01)
            delivered = dict(watcher.seen)
        await stop_pusher(process)
    store.close()
    return [(delivered[i] - committed[i]) * 1000 for i in committed]


async def throughput_run(folder: Path, count: int) -> tuple[float, float]:
    """(seconds from spawn, seconds from ready) to deliver a backlog of `count`."""
    db, log = folder / "score.db", folder / "events.log"
    store = Store.open(db)
    for first in range(0, count, 50_000):
        store.append([clock_set(i % 600, i) for i in range(first, min(count, first + 50_000))])
    name = destination_name(str(log.absolute()))
    async with trio.open_nursery() as nursery:
        spawned = time.perf_counter()
        process, _ = await start_pusher(nursery, db, log)
        ready = time.perf_counter()
        with trio.fail_after(600):
            while store.delivered_through(name) < count:
                await trio.sleep(0.005)
        done = time.perf_counter()
        await stop_pusher(process)
    store.close()
    assert len(log.read_bytes().splitlines()) == count
    return done - spawned, done - ready


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(values, 0.5),
        "p99_ms": percentile(values, 0.99),
        "max_ms": max(values),
        "mean_ms": statistics.fmean(values),
    }


async def main(events: int, backlog: int) -> dict[str, dict[str, object]]:
    console = Console()
    results: dict[str, dict[str, object]] = {"latency": {}, "backlog": {}}
    latency = Table(
        title=f"commit -> durable line, {events} events, one every {SPACING * 1000:.0f} ms"
    )
    for column in ("mode", "p50 ms", "p99 ms", "max ms", "mean ms"):
        latency.add_column(column, justify="right")
    modes = (("wake", "stdin wake-up + 0.5 s poll", True), ("poll", "0.5 s poll only", False))
    for key, label, wake in modes:
        with tempfile.TemporaryDirectory() as folder:
            values = await latency_run(Path(folder), events, wake)
        figures = summary(values)
        results["latency"][key] = {"label": label, **figures, "samples_ms": values}
        latency.add_row(label, *(f"{figures[name]:.2f}" for name in figures))
    console.print(latency)
    with tempfile.TemporaryDirectory() as folder:
        total, delivering = await throughput_run(Path(folder), backlog)
    results["backlog"] = {
        "events": backlog,
        "batch_limit": BATCH_LIMIT,
        "seconds_from_spawn": total,
        "seconds_from_ready": delivering,
        "events_per_s_from_ready": backlog / delivering,
    }
    table = Table(title=f"backlog of {backlog:,} events (batches of {BATCH_LIMIT})")
    for column in ("measured from", "seconds", "events/s"):
        table.add_column(column, justify="right")
    table.add_row("pusher spawned", f"{total:.2f}", f"{backlog / total:,.0f}")
    table.add_row("pusher ready", f"{delivering:.2f}", f"{backlog / delivering:,.0f}")
    console.print(table)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny pass (CI)")
    parser.add_argument("--events", type=int, default=None, help="latency events (1000)")
    parser.add_argument("--backlog", type=int, default=None, help="backlog events (100000)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write results")
    args = parser.parse_args()
    events = args.events or (50 if args.quick else 1000)
    backlog = args.backlog or (2000 if args.quick else 100_000)
    results = trio.run(main, events, backlog)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
