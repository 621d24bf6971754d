"""Score's benchmarks, side by side in one run: the one command.

    uv run --group bench python bench/run.py            # the full run (a few minutes)
    uv run --group bench python bench/run.py --quick    # a small pass (< 1 min, for CI)

Measures, against the goals of issues 6 and 17 and the physical limits of this
machine: command -> state at 100, 1,000 and 10,000 WebSocket viewers of a real
`score run` process, and at 100 and 1,000 of the original design (FastAPI + uvicorn,
bench/original_design.py) in the same run with the same client; commands per second
from one connection with 5 viewers (bench/commands.py); the server's memory idle
and with those viewers; fsync of a line, one SQLite commit
and a SELECT of every row; the replay of a 1,000,000-event history (with
pyinstrument profiles) and `score run` start-up on it; and the delivery bench
(bench/bench_delivery.py) run as it is. Prints one table, writes
bench/results/results.json (summaries and the table), samples.json (raw samples),
latency.png (latency distributions) and replay_profile_{steps,events}.{txt,html};
with --profile-server, server_profile.txt (the server under 1,000 viewers).

A part that fails is reported as an error row and the others still run; the exit
code is 1 if any part failed (a missed goal is not a failure: this is a bench, not a
timed test).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import trio
from commands import measure_commands
from delivery_runner import run_delivery_bench
from fanout_rows import VIEWER_GOALS_MS
from goals import goal_rows
from meta import git_revision, machine, raise_fd_limit
from physical import measure_select, measure_writes
from replay import measure_replay, measure_snapshot_load, profile_replay
from replay_db import cached_history, fresh_copy, startup_folder
from report import plot, print_table, write_json
from rich.console import Console
from rows import Row
from samples import collect_samples, delivery_markers
from startup import measure_app_start, measure_startup
from viewers import measure_viewers

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Settings:
    viewer_rounds: dict[int, int]
    """Viewer count -> commands sent (after 5 warm-up commands)."""
    original_counts: tuple[int, ...]
    """Viewer counts measured on the original design too."""
    commands: int
    """Commands sent from one connection, each way of sending."""
    write_samples: int
    replay_events: int
    replay_repeats: int
    startup_samples: int
    delivery_timeout: float


FULL = Settings({100: 300, 1000: 300, 10000: 30}, (100, 1000), 5000, 300, 1_000_000, 3, 3, 1800)
QUICK = Settings({20: 20}, (20,), 300, 30, 10_000, 3, 1, 120)


class Parts:
    """Runs each part of the bench in its own error boundary."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.failed: list[str] = []

    def run(self, name: str, function: Callable[[], Any]) -> Any:
        self.console.print(f"[bold]-- {name}[/]")
        started = time.perf_counter()
        try:
            value = function()
        except Exception as exc:  # a broken part must not hide the others
            self.failed.append(name)
            self.console.print(f"[bold red]{name} failed:[/] {exc!r}")
            self.console.print(traceback.format_exc(), highlight=False, markup=False)
            return {"error": f"{type(exc).__name__}: {exc}"}
        self.console.print(f"   {time.perf_counter() - started:.1f} s")
        return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast pass (CI)")
    parser.add_argument("--no-delivery", action="store_true", help="skip bench_delivery.py")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument(
        "--profile-server",
        action="store_true",
        help="also run the largest viewer case with the server under pyinstrument"
        " (server_profile.txt; its figures are not reported)",
    )
    parser.add_argument(
        "--score-from",
        type=Path,
        help="measure the `score run` of another checkout (say, a `git worktree` of an"
        " older commit): only the parts that spawn the server are meaningful then",
    )
    parser.add_argument(
        "--viewers", help="viewer counts to measure, comma-separated (default: all)"
    )
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    if args.viewers:
        wanted = {int(count) for count in args.viewers.split(",")}
        rounds = {n: r for n, r in settings.viewer_rounds.items() if n in wanted}
        settings = dataclasses.replace(settings, viewer_rounds=rounds)
    if args.score_from:
        os.environ["SCORE_BENCH_FROM"] = str(args.score_from.resolve())
    out: Path = args.out
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    console = Console(width=None if sys.stdout.isatty() else 170)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["uv run --group bench python bench/run.py", *sys.argv[1:]]),
            "score_from": str(args.score_from or ""),
            "quick": args.quick,
            "machine": machine(),
            "git": git_revision(),
            "fd_limit": raise_fd_limit(max(settings.viewer_rounds) + 512),
            "load_average_start": os.getloadavg(),
        }
    }
    parts = Parts(console)

    results["physical"] = {
        "writes": parts.run(
            "physical: fsync, SQLite commit, Store.append",
            lambda: measure_writes(work / "physical", settings.write_samples),
        )
    }

    def viewers() -> list[dict[str, Any]]:
        cases = []
        for count, rounds in settings.viewer_rounds.items():
            console.print(f"   {count} viewers, {rounds} commands")
            cases.append(trio.run(measure_viewers, work, count, rounds))
            if count in settings.original_counts:
                console.print(f"   {count} viewers of the original design, {rounds} commands")
                cases.append(trio.run(partial(measure_viewers, work, count, rounds, original=True)))
        if args.profile_server:
            count = max(settings.viewer_rounds)
            console.print(f"   {count} viewers, server under pyinstrument")
            profiled = work / "profiled"
            profiled.mkdir(exist_ok=True)
            trio.run(
                partial(measure_viewers, profiled, count, 30, profile_to=out / "server_profile.txt")
            )
        return cases

    results["viewers"] = parts.run("viewers: command -> state, memory", viewers)
    results["commands"] = parts.run(
        "commands/s from one connection",
        lambda: trio.run(measure_commands, work, settings.commands),
    )

    count = settings.replay_events
    cache = out / "cache"
    history = parts.run(
        f"history of {count:,} events (cached)", lambda: cached_history(cache, count)
    )
    if isinstance(history, tuple):
        db = fresh_copy(*history, work / "replay")
        results["physical"]["select"] = parts.run(
            "physical: SELECT of every row", lambda: measure_select(db, settings.replay_repeats)
        )
        results["replay"] = parts.run(
            "replay: fold(store.events())",
            lambda: measure_replay(db, count, settings.replay_repeats),
        )
        results["snapshot_load"] = parts.run(
            "replay: snapshot + tail",
            lambda: measure_snapshot_load(db, work, count, settings.replay_repeats),
        )
        results["replay_profile"] = parts.run(
            "replay: pyinstrument profile", lambda: profile_replay(db, out)
        )
        results["app_start"] = parts.run(
            "start-up in-process: run_app -> running",
            lambda: trio.run(measure_app_start, *history, work),
        )
        results["startup"] = parts.run(
            "start-up: spawn -> serving",
            lambda: trio.run(
                measure_startup,
                *history,
                startup_folder(cache, count),
                work,
                settings.startup_samples,
            ),
        )
    else:
        results["replay"] = history

    if args.no_delivery:
        results["delivery"] = {"available": False, "reason": "skipped (--no-delivery)"}
    else:
        results["delivery"] = parts.run(
            "delivery: bench/bench_delivery.py",
            lambda: run_delivery_bench(args.quick, out, settings.delivery_timeout),
        )

    results["meta"]["load_average_end"] = os.getloadavg()
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    rows = goal_rows(results)
    samples = collect_samples(results)
    meta = results["meta"]
    title = (
        f"Score bench{' (quick)' if args.quick else ''}, {meta['date']}, git {meta['git']},"
        f" {meta['machine']['cores']} cores, {meta['machine']['memory_gib']} GiB,"
        f" load {meta['load_average_start'][0]:.1f} -> {meta['load_average_end'][0]:.1f}"
    )
    console.print()
    print_table(console, rows, title)
    print_profile(console, results.get("replay_profile", {}))
    write_json(out / "results.json", results, rows)
    (out / "samples.json").write_text(json.dumps(samples))
    note = plot(
        out / "latency.png",
        samples,
        {
            "viewers: command -> state:p99 goal 100": VIEWER_GOALS_MS[100],
            "viewers: command -> state:p99 goal 1,000": VIEWER_GOALS_MS[1000],
            "delivery: commit -> durable line:p99 goal": 10.0,
        },
        delivery_markers(results.get("delivery", {}), samples),
    )
    console.print(note)
    console.print(f"results: {out / 'results.json'}  ({meta['seconds']} s)")
    summary = status_counts(rows)
    console.print(f"goals: {summary}")
    if parts.failed:
        console.print(f"[bold red]failed parts:[/] {', '.join(parts.failed)}")
        console.print(f"scratch files kept for a look: {work}")
        return 1
    # The copies of the history take hundreds of MB; the cached original stays.
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(startup_folder(cache, count), ignore_errors=True)
    return 0


def print_profile(console: Console, profile: dict[str, Any]) -> None:
    if "error" in profile:
        console.print(f"replay profile: {profile['error']}")
    for key, title in (
        ("steps_tree", "fold_steps(store.clock_steps())"),
        ("events_tree", "fold(store.events())"),
    ):
        if key in profile:
            console.print(f"\n[bold]replay profile, {title} (pyinstrument):[/]")
            console.print("\n".join(profile[key]), highlight=False, markup=False)


def status_counts(rows: list[Row]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        if row.status != "-":
            counts[row.status] = counts.get(row.status, 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "none"


if __name__ == "__main__":
    sys.exit(main())
