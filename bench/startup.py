"""`score run` start-up: spawn -> serving, on an empty database and on a long history.

"Serving" is: the URL line has been printed and `GET /state` has answered. Three
starts per sample, side by side: on a new empty database (the floor: interpreter,
imports, pusher spawn), on a fresh copy of the long history (no snapshot: the worst
case), and again on that same copy after a clean shutdown (a restart: the snapshot
written at shutdown is there to help). The difference between the
empty and the long start is what replaying the history costs.

`measure_app_start` times the same start-up without a new interpreter: `run_app` in
this process, from the call to the `RunningApp` it reports (store opened, history
loaded, port bound). It is the part of start-up that the database decides.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import trio
from replay_db import fresh_copy
from server_process import ScoreServer, memory_report, start_score
from stats import summarize

from score.shell.app import Config, RunningApp, run_app


async def _start_stop(db: Path, settle: float = 0.0) -> tuple[ScoreServer, dict[str, float]]:
    async with trio.open_nursery() as nursery:
        server = await start_score(nursery, db)
        try:
            memory: dict[str, float] = {}
            if settle:
                await trio.sleep(settle)
                memory = memory_report(server.pid)
        finally:
            await server.stop()
    return server, memory


async def _app_start_ms(db: Path) -> float:
    """In-process: `run_app` until it reports the app running (store opened, history
    loaded, port bound), without the interpreter and imports of a new process."""
    async with trio.open_nursery() as nursery:
        started = time.perf_counter()
        running: RunningApp = await nursery.start(run_app, Config(db=db, port=0, pusher=False))
        elapsed = (time.perf_counter() - started) * 1000
        await running.stop()
    return elapsed


async def measure_app_start(history_db: Path, history_log: Path, work: Path) -> dict[str, Any]:
    """`run_app` -> running, in this process: on an empty database (3 times) and on a
    fresh copy of the history (once: it is the same replay as above)."""
    empty_ms: list[float] = []
    for sample in range(3):
        folder = work / f"app-start-empty-{sample}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        empty_ms.append(await _app_start_ms(folder / "score.db"))
    db = fresh_copy(history_db, history_log, work / "app-start-history")
    return {"empty_ms": summarize(empty_ms), "history_ms": summarize([await _app_start_ms(db)])}


async def measure_startup(
    history_db: Path, history_log: Path, folder: Path, work: Path, samples: int
) -> dict[str, Any]:
    empty_ms: list[float] = []
    first_ms: list[float] = []
    restart_ms: list[float] = []
    empty_cpu_ms: list[float] = []
    first_cpu_ms: list[float] = []
    url_first_ms: list[float] = []
    problems: list[str] = []
    memory: dict[str, float] = {}
    for sample in range(samples):
        empty = work / "startup-empty"
        shutil.rmtree(empty, ignore_errors=True)
        empty.mkdir(parents=True)
        server, _ = await _start_stop(empty / "score.db")
        empty_ms.append(server.ready_ms)
        empty_cpu_ms.append(server.ready_cpu_ms)
        db = fresh_copy(history_db, history_log, folder)
        server, settled = await _start_stop(db, settle=1.0 if sample == 0 else 0.0)
        memory = memory or settled
        first_ms.append(server.ready_ms)
        first_cpu_ms.append(server.ready_cpu_ms)
        url_first_ms.append(server.url_ms)
        problems += server.log_problems()
        server, _ = await _start_stop(db)
        restart_ms.append(server.ready_ms)
        problems += server.log_problems()
    log_size = (folder / "events.log").stat().st_size
    return {
        "empty_ms": summarize(empty_ms),
        "history_first_ms": summarize(first_ms),
        "history_first_url_ms": summarize(url_first_ms),
        "history_restart_ms": summarize(restart_ms),
        "empty_cpu_ms": summarize(empty_cpu_ms),
        "history_first_cpu_ms": summarize(first_cpu_ms),
        "rss_after_start_on_history": memory,
        "events_log_bytes_after": log_size,
        "server_log_problems": problems[:20],
    }
