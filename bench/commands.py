"""Commands per second from one WebSocket connection, every one durable when answered.

A fresh `score run` (pusher included) with 5 viewers reading the state stream; one
operator connection sends `set` commands, each with an id, and counts the answers.
Two ways of sending: one at a time (send, wait for the answer, send the next: the
figure is one over the round trip) and pipelined (up to `window` commands sent and
not yet answered, as a scripted client or a fast operator tool would). The server
acknowledges a command only once its event is committed (SQLite, synchronous=FULL):
commands that arrive while a commit is on disk are committed together.

Afterwards the events table is read back: every answered command must be there.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import trio
from server_process import cpu_ms, start_score
from wsclient import CLOSE, TEXT, RawWebSocket

VIEWERS = 5


async def _drain(ws: RawWebSocket) -> None:
    try:
        while (await ws.receive_frame())[0] != CLOSE:
            pass
    except (EOFError, OSError, trio.ClosedResourceError):
        return


async def _send_commands(control: RawWebSocket, count: int, window: int, first_id: int) -> int:
    """Send `count` commands keeping at most `window` unanswered; return the answers."""
    answered = 0
    sent = 0
    in_flight = trio.Semaphore(window)

    async def sender() -> None:
        nonlocal sent
        for k in range(count):
            await in_flight.acquire()
            seconds = 600 + (first_id + k) % 600
            text = json.dumps({"command": "set", "seconds": seconds, "id": first_id + k})
            await control.send_text(text)
            sent += 1

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sender)
        expected = first_id
        while answered < count:
            opcode, payload, _arrival, _parsed = await control.receive_frame()
            if opcode != TEXT or b'"id"' not in payload:
                continue
            message = json.loads(payload)
            if "error" in message:
                raise RuntimeError(f"command refused: {message['error']}")
            if message["id"] != expected:
                raise RuntimeError(f"answer {message['id']} out of order (expected {expected})")
            expected += 1
            answered += 1
            in_flight.release()
    return answered


async def measure_commands(
    work: Path, count: int, windows: tuple[int, ...] = (1, 32)
) -> dict[str, Any]:
    folder = work / "commands"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "score.db"
    result: dict[str, Any] = {"viewers": VIEWERS, "commands": count, "runs": []}
    async with trio.open_nursery() as nursery:
        server = await start_score(nursery, db)
        try:
            await trio.sleep(1.0)
            viewers = [await RawWebSocket.connect(server.port) for _ in range(VIEWERS)]
            for viewer in viewers:
                nursery.start_soon(_drain, viewer)
            control = await RawWebSocket.connect(server.port)
            next_id = 1
            await _send_commands(control, 20, 1, next_id)  # warm-up
            next_id += 20
            for window in windows:
                cpu, started = cpu_ms(server.pid), time.perf_counter()
                with trio.fail_after(300):
                    answered = await _send_commands(control, count, window, next_id)
                seconds = time.perf_counter() - started
                result["runs"].append(
                    {
                        "window": window,
                        "answered": answered,
                        "seconds": seconds,
                        "per_second": answered / seconds,
                        "server_cpu_ms_per_command": (cpu_ms(server.pid) - cpu) / answered,
                    }
                )
                next_id += count
            await control.aclose()
            for viewer in viewers:
                await viewer.aclose()
            result["server_log_problems"] = server.log_problems()[:20]
        finally:
            await server.stop()
        nursery.cancel_scope.cancel()
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    result["events_stored"] = stored
    result["all_answered_stored"] = stored >= next_id - 1
    return result
