"""The delivery bench (bench/bench_delivery.py), run as a subprocess.

It is run as its own program so that its figures are exactly the ones it prints on
its own; `--quick` is passed in quick mode and its `--json` output is read back whole.
Sample lists found in that JSON (lists of ten numbers or more) are handed to the
plot. `delivery_rows` turns it into rows of the results table, judged against issue
6's goals (p50 < 2 ms and p99 < 10 ms over 1,000 events with wake-ups; >= 20,000
events/s over a 100,000-event backlog).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rows import Row, both, judged
from stats import ratio

SCRIPT = Path(__file__).resolve().parent / "bench_delivery.py"


def run_delivery_bench(quick: bool, out: Path, timeout: float) -> dict[str, Any]:
    json_path = out / "delivery.json"
    json_path.unlink(missing_ok=True)
    command = [sys.executable, str(SCRIPT), "--json", str(json_path)]
    if quick:
        command.append("--quick")
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {"command": command, "error": f"timed out after {timeout} s"}
    result: dict[str, Any] = {
        "command": [Path(part).name if part == sys.executable else part for part in command],
        "seconds": time.perf_counter() - started,
        "exit_code": done.returncode,
        "stdout": done.stdout,
        "stderr_tail": done.stderr[-3000:],
    }
    if json_path.exists():
        result["json"] = json.loads(json_path.read_text())
    if done.returncode != 0:
        result["error"] = f"exit code {done.returncode}"
    return result


def _is_samples(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 10
        and all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)
    )


def sample_lists(data: Any, path: str = "") -> dict[str, list[float]]:
    """Every list of ten numbers or more in `data`, by its key path."""
    if _is_samples(data):
        return {path: [float(value) for value in data]}
    found: dict[str, list[float]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found |= sample_lists(value, f"{path}.{key}" if path else str(key))
    return found


def strip_sample_lists(data: Any) -> None:
    """Remove, in place, the lists `sample_lists` finds (they go to samples.json)."""
    if isinstance(data, dict):
        for key in [key for key, value in data.items() if _is_samples(value)]:
            del data[key]
        for value in data.values():
            strip_sample_lists(value)


# -- its rows in the results table -----------------------------------------------

DELIVERY_P50_GOAL_MS = 2.0
DELIVERY_P99_GOAL_MS = 10.0
THROUGHPUT_GOAL = 20_000.0


def delivery_rows(delivery: dict[str, Any], quick: bool) -> list[Row]:
    if not delivery.get("available", True):  # --no-delivery
        return [Row("delivery", "bench_delivery.py", "not run", notes=delivery.get("reason", ""))]
    rows: list[Row] = []
    if "error" in delivery:
        rows.append(Row("delivery", "bench_delivery.py", str(delivery["error"]), status="error"))
    data = delivery.get("json")
    if isinstance(data, dict) and "latency" in data:
        rows += _delivery_from_json(data, quick)
    if not rows:
        rows.append(
            Row("delivery", "bench_delivery.py", "ran; no figures found", notes="see its stdout")
        )
    return rows


def _latency_row(label: str, p50: float, p99: float, peak: float, status: str, note: str) -> Row:
    figure = f"p50 {p50:.2f} / p99 {p99:.2f} / max {peak:.2f} ms"
    goal = "p50 < 2, p99 < 10 ms" if "wake" in label else "-"
    return Row("delivery", f"commit -> durable line: {label}", figure, goal, status, note)


def _latency_status(p50: float, p99: float) -> str:
    return both(judged(p50, DELIVERY_P50_GOAL_MS), judged(p99, DELIVERY_P99_GOAL_MS))


def _delivery_from_json(data: dict[str, Any], quick: bool) -> list[Row]:
    """Rows from bench_delivery.py's --json: latency.{wake,poll}, backlog."""
    rows: list[Row] = []
    latency = data.get("latency", {})
    wake, poll = latency.get("wake"), latency.get("poll")
    if wake:
        n = len(wake.get("samples_ms", [])) or wake.get("n", 0)
        status = _latency_status(wake["p50_ms"], wake["p99_ms"])
        rows.append(
            _latency_row(
                wake.get("label", "wake"),
                wake["p50_ms"],
                wake["p99_ms"],
                wake["max_ms"],
                status if not quick and n >= 1000 else "-",
                f"{n:,} events",
            )
        )
    if poll:
        times = ratio(poll["p50_ms"], wake["p50_ms"] if wake else None)
        note = "original design" + (f"; {times:.0f}x the p50 with wake-ups" if times else "")
        rows.append(
            _latency_row(
                poll.get("label", "poll"), poll["p50_ms"], poll["p99_ms"], poll["max_ms"], "-", note
            )
        )
    backlog = data.get("backlog", {})
    if backlog.get("events"):
        events = backlog["events"]
        full_size = not quick and events >= 100_000
        for label, seconds in (
            ("pusher spawned", backlog.get("seconds_from_spawn")),
            ("pusher ready", backlog.get("seconds_from_ready")),
        ):
            if not seconds:
                continue
            rate = events / seconds
            rows.append(
                Row(
                    "delivery",
                    f"backlog throughput, from {label}",
                    f"{rate:,.0f} ev/s",
                    ">= 20,000 ev/s",
                    judged(rate, THROUGHPUT_GOAL, at_least=True) if full_size else "-",
                    f"{events:,} events in {seconds:.2f} s",
                )
            )
    return rows
