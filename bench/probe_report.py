"""The viewers bench under fanout_probe.py, and where each command's time went.

    uv run --group bench python bench/fanout_probe.py --viewers 1000 --rounds 100

For each command: command read -> commit sent to the store's thread -> commit back
(SQLite commit + fsync + thread hops) -> the writer starts on the viewers -> the
writer's last write; the writer's pass split into its chunks' thread CPU time, the
wall time beyond it inside the chunks (the process not running: the machine's other
work; the writes never block), the time between chunks (checkpoints: other tasks
and the I/O poll, or again the process not running), and the garbage collections
that fell inside. Percentiles over all commands, then the slowest
commands (by the client's command -> last viewer) one by one.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from pathlib import Path
from typing import Any

import trio
from meta import raise_fd_limit
from stats import summarize
from viewers import measure_viewers

HERE = Path(__file__).resolve().parent


def _pass_of(writes: list[dict[str, Any]], committed: float) -> dict[str, Any] | None:
    """The pass that took a commit's state to every viewer: the first one started
    after the commit, or one under way that took it up mid-pass."""
    for write in writes:
        if "end" in write and (
            write["start"] >= committed or any(t >= committed for t in write["joined"])
        ):
            return write
    return None


def breakdown(probe: dict[str, Any], warmup: int, client: list[float]) -> list[dict[str, Any]]:
    """One dict per measured command (ms), in order."""
    rows = []
    appends = probe["appends"]
    for k, (submit, (a0, a1, _n)) in enumerate(zip(probe["submits"], appends, strict=False)):
        if k < warmup or k - warmup >= len(client):
            continue
        write = _pass_of(probe["writes"], a1)
        if write is None:
            continue
        end, stretches, steps = write["end"], write["stretches"], write["steps"]
        wall = sum(b - a for a, b, _c in stretches)
        cpu = sum(c for _a, _b, c in stretches)
        inside = [g for g in probe["gc"] if g[2] > submit and g[1] < end]
        others = [d for name, d in steps if not name.startswith("<")]
        rows.append(
            {
                "client_last": client[k - warmup],
                "server_span": (end - submit) * 1e3,
                "read_to_commit": (a0 - submit) * 1e3,
                "commit": (a1 - a0) * 1e3,
                "commit_to_writer": max(0.0, write["start"] - a1) * 1e3,
                "writer": (end - write["start"]) * 1e3,
                "writer_cpu": cpu * 1e3,
                "writer_off_cpu": (wall - cpu) * 1e3,
                "between_chunks": (end - write["start"] - wall) * 1e3,
                "other_tasks": sum(others) * 1e3,
                "io_poll": sum(d for name, d in steps if name == "<io wait>") * 1e3,
                "gc": sum(g[2] - g[1] for g in inside) * 1e3,
                "gc_generations": sorted({g[0] for g in inside}),
                "newer_states_taken_up": len(write["joined"]),
            }
        )
    return rows


def report(rows: list[dict[str, Any]], probe: dict[str, Any], warmup: int) -> None:
    keys = [k for k in rows[0] if isinstance(rows[0][k], float)]
    print(f"{len(rows)} commands; gc threshold {probe['gc_threshold']}")
    for key in keys:
        s = summarize([r[key] for r in rows])
        print(
            f"  {key:18} p50 {s['p50']:7.2f}  p90 {s['p90']:7.2f}"
            f"  p99 {s['p99']:7.2f}  max {s['max']:7.2f}"
        )
    collections = probe["gc"]
    for gen in (0, 1, 2):
        pauses = [(g[2] - g[1]) * 1e3 for g in collections if g[0] == gen]
        if pauses:
            print(
                f"  gc gen{gen} (whole run): {len(pauses)} runs,"
                f" total {sum(pauses):.1f} ms, max {max(pauses):.2f} ms"
            )
    first = probe["submits"][warmup]
    last = max(w.get("end", 0) for w in probe["writes"])
    during = [g for g in collections if first <= g[1] <= last]
    worst = max(((g[2] - g[1]) * 1e3 for g in during), default=0)
    gens = sorted({g[0] for g in during})
    print(f"  during the commands: {len(during)} collections, gens {gens}, max {worst:.2f} ms")
    taken = sum(1 for r in rows if r["newer_states_taken_up"])
    print(f"  commands whose pass took up a newer state: {taken} of {len(rows)}")
    print("slowest commands (by the client's command -> last viewer):")
    for r in sorted(rows, key=lambda r: -r["client_last"])[: max(3, len(rows) // 20)]:
        fields = (f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items())
        print("  " + "  ".join(fields))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "probe")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    raise_fd_limit(args.viewers + 512)
    probe_file = args.out / "probe.json"
    wrapper = [str(HERE / "fanout_probe.py"), str(probe_file)]
    print(f"load {os.getloadavg()[0]:.2f}")
    result = trio.run(
        partial(measure_viewers, args.out / "work", args.viewers, args.rounds, wrapper=wrapper)
    )
    print(f"load {os.getloadavg()[0]:.2f}")
    warmup = 5
    client = result["samples"]["last_viewer_ms"]
    last = result["last_viewer_ms"]
    print("client, command -> last viewer:", {k: round(v, 2) for k, v in last.items()})
    print("server CPU:", {k: round(v, 3) for k, v in result["server_cpu"].items()})
    probe = json.loads(probe_file.read_text())
    report(breakdown(probe, warmup, client), probe, warmup)
    return 0
