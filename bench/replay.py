"""Replay of a long history, each way Score folds it, where the time goes, and profiles.

Side by side on the same database, in the same run:

- `fold(store.events())`: the general path (SQL, JSON payloads, `EventType` and
  `StoredEvent` objects, then the fold);
- `fold_steps(store.clock_steps())`: the full replay as start-up runs it when there
  is no snapshot (SQLite hands over plain tuples, `seconds` extracted in SQL);
- `store.load_clock()` with a snapshot `SNAPSHOT_EVERY` events before the end: the
  worst case between two periodic snapshots (a crash just before the next one);

and their parts, once each (they only say where the time goes): draining
`store.events()`, draining `store.clock_steps()`, and `fold_steps` over steps already
in memory. `Store.last_created_at`, the other query `Game.load` makes, is timed too.
pyinstrument profiles of both full replays (call trees, wall time; the CPU time is in
their header) are saved beside the results as text and HTML.
"""

from __future__ import annotations

import collections
import itertools
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stats import summarize

from score.core.clock import fold, fold_steps
from score.shell.game import SNAPSHOT_EVERY
from score.shell.store import Store


def _timed(function: Callable[[], Any], repeats: int) -> tuple[list[float], list[float], Any]:
    """Wall seconds, CPU seconds (this process: less hurt by busy neighbours), last value."""
    wall: list[float] = []
    cpu: list[float] = []
    value: Any = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu, value


def measure_replay(db: Path, count: int, repeats: int) -> dict[str, Any]:
    """Seconds for each full replay (`repeats` times) and its parts; checks that every
    way reaches the same clock."""
    store = Store.open(db, create=False)
    try:
        general, general_cpu, clock = _timed(lambda: fold(store.events()), repeats)
        fast, fast_cpu, fast_clock = _timed(lambda: fold_steps(store.clock_steps()), repeats)
        if clock.last_event_id != count or fast_clock != clock:
            raise RuntimeError(f"replays disagree: {clock} and {fast_clock} ({count} events)")
        decode, _, _ = _timed(lambda: collections.deque(store.events(), maxlen=0), 1)
        steps, _, _ = _timed(lambda: collections.deque(store.clock_steps(), maxlen=0), 1)
        last_stamp, _, _ = _timed(store.last_created_at, repeats)
        sample = list(itertools.islice(store.clock_steps(), 99 * 100))
    finally:
        store.close()
    fold_only, _, _ = _timed(
        lambda: fold_steps(itertools.islice(itertools.cycle(sample), count)), 1
    )
    return {
        "events": count,
        "events_fold_s": summarize(general),
        "events_fold_cpu_s": summarize(general_cpu),
        "steps_fold_s": summarize(fast),
        "steps_fold_cpu_s": summarize(fast_cpu),
        "read_decode_s": summarize(decode),
        "read_steps_s": summarize(steps),
        "fold_only_s": summarize(fold_only),
        "last_created_at_s": summarize(last_stamp),
        "final_state": {"remaining_ms": clock.remaining_ms, "running": clock.running},
    }


def measure_snapshot_load(db: Path, work: Path, count: int, repeats: int) -> dict[str, Any]:
    """`store.load_clock()` on a copy of `db` whose newest snapshot is SNAPSHOT_EVERY
    events before the end."""
    copy = work / "snapshot.db"
    shutil.copyfile(db, copy)
    store = Store.open(copy, create=False)
    try:
        at = max(0, count - SNAPSHOT_EVERY)
        store.save_snapshot(fold(store.events(until=at)))
        times, cpu, clock = _timed(store.load_clock, repeats)
        if clock != fold_steps(store.clock_steps()):
            raise RuntimeError("snapshot + tail differs from the full replay")
    finally:
        store.close()
    return {"tail_events": count - at, "load_clock_s": summarize(times), "cpu_s": summarize(cpu)}


def profile_replay(db: Path, out: Path, top: int = 30) -> dict[str, Any]:
    """Both full replays under pyinstrument; returns the top of each call tree."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"error": "pyinstrument is not installed (uv run --group bench ...)"}
    store = Store.open(db, create=False)
    trees: dict[str, str] = {}
    html: dict[str, str] = {}
    try:
        for name, replay in (
            ("steps", lambda: fold_steps(store.clock_steps())),
            ("events", lambda: fold(store.events())),
        ):
            profiler = Profiler(interval=0.0005)
            profiler.start()
            replay()
            profiler.stop()
            trees[name] = profiler.output_text(unicode=False, color=False)
            html[name] = profiler.output_html()
    finally:
        store.close()
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name in trees:
        (out / f"replay_profile_{name}.txt").write_text(trees[name])
        (out / f"replay_profile_{name}.html").write_text(html[name])
        files += [str(out / f"replay_profile_{name}.{kind}") for kind in ("txt", "html")]
    return {
        "steps_tree": _tree_lines(trees["steps"])[:top],
        "events_tree": _tree_lines(trees["events"])[:top],
        "files": files,
    }


def _tree_lines(text: str) -> list[str]:
    """pyinstrument's call tree, with the Duration / CPU time line of its banner."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    timing = [line[line.index("Duration:") :] for line in lines if "Duration:" in line]
    start = next((i for i, line in enumerate(lines) if line.startswith("Profile at")), -1)
    body = [line for line in lines[start + 1 :] if not line.lstrip().startswith("To view")]
    return timing + body
