"""Where a broadcast's time goes inside `score run`: a wrapper the bench starts it under.

    python bench/fanout_probe.py OUT.json -m score run ...      (what viewers.py spawns)
    uv run --group bench python bench/fanout_probe.py --viewers 1000 --rounds 100

The first form runs `score run` in this process after wrapping a few of its methods
(bench only: the product has no hooks), and at exit writes OUT.json with, per
commit, the instants (perf_counter) of: the command read (`Session.submit`), the
store's append sent to its thread and back (the commit and its fsync), the state
broadcast, and the writer's pass over the viewers (its start, each chunk written
between two checkpoints with its wall and thread CPU time, the other tasks that ran
at its checkpoints, a newer state taken up mid-pass, its end); and
every garbage collection (`gc.callbacks`: generation, start, end). Wall time a
stretch spent beyond its own CPU time is time the process was not running (the
machine's other work), since the writes never block.

The second form runs the viewers bench under the probe and prints the breakdown.
"""

from __future__ import annotations

import atexit
import gc
import json
import runpy
import sys
import time
from pathlib import Path
from typing import Any

now = time.perf_counter


def install(out: Path) -> None:
    import trio

    from score.shell import fanout as fanout_module
    from score.shell.async_store import AsyncStore
    from score.shell.fanout import Fanout
    from score.shell.game import Game
    from score.shell.websocket import Session

    record: dict[str, Any] = {"submits": [], "appends": [], "broadcasts": [], "writes": []}
    record["gc"] = gcs = []
    gc_start: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_start[0] = now()
        else:
            gcs.append((info["generation"], gc_start[0], now(), info["collected"]))

    gc.callbacks.append(on_gc)

    submit = Session.submit

    def timed_submit(self: Session, message: str | bytes) -> Any:
        record["submits"].append(now())
        return submit(self, message)

    append = AsyncStore.append

    async def timed_append(self: AsyncStore, events: Any) -> Any:
        started = now()
        stored = await append(self, events)
        record["appends"].append((started, now(), len(stored)))
        return stored

    broadcast = Game.broadcast

    def timed_broadcast(self: Game) -> None:
        started = now()
        broadcast(self)
        record["broadcasts"].append((started, now()))

    # The pass being written (set by timed_write_state), and where the writer task's
    # current step began: each step of the writer is one chunk of viewers.
    current: list[dict[str, Any] | None] = [None]
    resumed = [0.0, 0.0]  # wall, thread CPU
    write_state = Fanout._write_state
    frame_text = fanout_module.frame_text

    async def timed_write_state(self: Fanout) -> None:
        entry: dict[str, Any] = {
            "start": now(),
            "viewers": len(self._outboxes),
            "stretches": [],
            "steps": [],
            "joined": [],
            "frames": 0,
        }
        record["writes"].append(entry)
        resumed[0] = max(resumed[0], entry["start"])
        current[0] = entry
        try:
            await write_state(self)
        finally:
            current[0] = None
            entry["stretches"].append((resumed[0], now(), time.thread_time() - resumed[1]))
        entry["end"] = now()

    def counted_frame_text(text: str) -> bytes:
        if current[0] is not None:
            current[0]["frames"] += 1
            if current[0]["frames"] > 1:  # a newer state taken up mid-pass
                current[0]["joined"].append(now())
        return frame_text(text)

    fanout_module.frame_text = counted_frame_text  # type: ignore[assignment]

    class Steps(trio.abc.Instrument):
        """During a pass: the writer's own steps (the chunks, with their thread CPU
        time), the other tasks that ran at its checkpoints, and the I/O polls."""

        def __init__(self) -> None:
            self.step_start = 0.0
            self.io_start = 0.0

        def before_task_step(self, task: trio.lowlevel.Task) -> None:
            self.step_start = now()
            if task.name.endswith("Fanout.run"):
                resumed[:] = [self.step_start, time.thread_time()]

        def after_task_step(self, task: trio.lowlevel.Task) -> None:
            entry = current[0]
            if entry is None:
                return
            if task.name.endswith("Fanout.run"):
                start = max(resumed[0], entry["start"])
                entry["stretches"].append((start, now(), time.thread_time() - resumed[1]))
            else:
                entry["steps"].append((task.name.rsplit(".", 1)[-1], now() - self.step_start))

        def before_io_wait(self, timeout: float) -> None:
            self.io_start = now()

        def after_io_wait(self, timeout: float) -> None:
            if current[0] is not None:
                current[0]["steps"].append(("<io wait>", now() - self.io_start))

    run = trio.run

    def run_instrumented(*args: Any, **kwargs: Any) -> Any:
        kwargs["instruments"] = [*kwargs.get("instruments", ()), Steps()]
        return run(*args, **kwargs)

    trio.run = run_instrumented  # type: ignore[assignment]
    Session.submit = timed_submit  # type: ignore[method-assign]
    AsyncStore.append = timed_append  # type: ignore[method-assign]
    Game.broadcast = timed_broadcast  # type: ignore[method-assign]
    Fanout._write_state = timed_write_state  # type: ignore[method-assign]
    record["gc_threshold"] = gc.get_threshold()
    record["gc_frozen"] = None

    def dump() -> None:
        record["gc_frozen"] = gc.get_freeze_count()
        out.write_text(json.dumps(record))

    atexit.register(dump)


def run_wrapped(argv: list[str]) -> None:
    out = Path(argv[0])
    if argv[1] != "-m":
        raise SystemExit("usage: fanout_probe.py OUT.json -m MODULE ARGS...")
    install(out)
    sys.argv = [argv[2], *argv[3:]]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "-m":
        run_wrapped(sys.argv[1:])
    else:
        from probe_report import main

        sys.exit(main())
