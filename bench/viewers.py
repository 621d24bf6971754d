"""Command -> state at N WebSocket viewers, and the server's memory with them.

For each viewer count a fresh `score run` is started as its own process (its own
CPU and event loop); the viewers are raw WebSocket clients in this process, all in
one Trio loop. One more connection, the operator's, sends `set` commands; for each
command we take the instant it was sent and, for every viewer, the instant the
first state carrying the command's `last_event_id` reached that viewer's socket
(kernel receive timestamp, see wsclient.py). Two figures per command follow: each
viewer's latency (pooled over all commands), and the latency of the last viewer to
get it (the time until *all* viewers show it). The instant the bench process had
parsed the frame is kept as well: the gap between the two is the bench client's
own queueing, not the server's.

Commands are spaced by a random gap so they do not lock step with the server's
once-a-second broadcast; the first few are a warm-up and not counted.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio
from server_process import (
    ScoreServer,
    cpu_ms,
    http_get,
    memory_report,
    pyinstrument_wrapper,
    start_score,
)
from stats import ms, summarize
from wsclient import CLOSE, TEXT, RawWebSocket

LAST_EVENT_ID = re.compile(rb'"last_event_id":(\d+)')
ROUND_TIMEOUT = 30.0


class Arrivals:
    """How many viewers have seen each event id; wakes whoever waits for all."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.counts: Counter[int] = Counter()
        self._complete: dict[int, trio.Event] = {}

    def _event(self, event_id: int) -> trio.Event:
        return self._complete.setdefault(event_id, trio.Event())

    def arrived(self, event_id: int) -> None:
        self.counts[event_id] += 1
        if self.counts[event_id] >= self.expected:
            self._event(event_id).set()

    async def wait_all(self, event_id: int) -> None:
        await self._event(event_id).wait()


@dataclass(eq=False)
class Viewer:
    ws: RawWebSocket
    arrivals: Arrivals
    first_seen: dict[int, tuple[int, int]] = field(default_factory=dict)
    """event id -> (arrival_ns, parsed_ns) of the first state that carried it."""

    async def run(self) -> None:
        try:
            while True:
                opcode, payload, arrival, parsed = await self.ws.receive_frame()
                if opcode == CLOSE:
                    return
                if opcode != TEXT:
                    continue
                match = LAST_EVENT_ID.search(payload)
                if match is None:
                    continue
                event_id = int(match.group(1))
                if event_id not in self.first_seen:
                    self.first_seen[event_id] = (arrival, parsed)
                    self.arrivals.arrived(event_id)
        except (EOFError, OSError):
            return
        finally:
            self.ws.sock.close()


async def _connect_viewer(
    port: int,
    arrivals: Arrivals,
    viewers: list[Viewer],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    ws = await RawWebSocket.connect(port)
    viewer = Viewer(ws, arrivals)
    viewers.append(viewer)
    task_status.started()
    await viewer.run()


async def _command(control: RawWebSocket, request_id: int, seconds: float) -> tuple[int, int]:
    """Send `set`; return (sent_ns, last_event_id of the answer)."""
    text = json.dumps({"command": "set", "seconds": seconds, "id": request_id})
    sent = await control.send_text(text)
    while True:
        opcode, payload, _arrival, _parsed = await control.receive_frame()
        if opcode != TEXT:
            continue
        message = json.loads(payload)
        if message.get("id") == request_id:
            if "error" in message:
                raise RuntimeError(f"command refused: {message['error']}")
            return sent, int(message["state"]["last_event_id"])


async def measure_viewers(
    work: Path,
    count: int,
    rounds: int,
    warmup: int = 5,
    gap: tuple[float, float] = (0.02, 0.06),
    profile_to: Path | None = None,
    original: bool = False,
    wrapper: Sequence[str] = (),
) -> dict[str, Any]:
    """Latency of `rounds` commands to `count` viewers of a fresh `score run` (or,
    with `original`, of the original design); with `profile_to`, the server runs
    under pyinstrument (slower: for finding where its time goes, not the figures);
    `wrapper` runs it under another wrapper (fanout_probe.py)."""
    design = "original" if original else "score"
    folder = work / f"viewers-{design}-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    result: dict[str, Any] = {"viewers": count, "rounds": rounds, "design": design}
    async with trio.open_nursery() as nursery:
        wrapper = pyinstrument_wrapper(profile_to) if profile_to else wrapper
        server = await start_score(nursery, folder / "score.db", wrapper=wrapper, original=original)
        try:
            await trio.sleep(1.0)  # let the pusher start and the status light settle
            result["rss_idle"] = memory_report(server.pid)
            _status, body = await http_get(server.port, "/state")
            first_id = int(json.loads(body)["state"]["last_event_id"])
            arrivals = Arrivals(count)
            viewers: list[Viewer] = []
            async with trio.open_nursery() as clients:
                started = time.perf_counter()
                with trio.fail_after(60 + count / 50):
                    for _ in range(count):
                        # One after another, as displays would join a game.
                        await clients.start(_connect_viewer, server.port, arrivals, viewers)
                    await arrivals.wait_all(first_id)  # every viewer is subscribed
                result["connect_s"] = time.perf_counter() - started
                result["rss_connected"] = memory_report(server.pid)
                result.update(await _rounds(server, viewers, arrivals, rounds, warmup, gap))
                result["rss_after"] = memory_report(server.pid)
                clients.cancel_scope.cancel()
            result["server_log_problems"] = server.log_problems()[:20]
        finally:
            await server.stop()
    return result


async def _rounds(
    server: ScoreServer,
    viewers: list[Viewer],
    arrivals: Arrivals,
    rounds: int,
    warmup: int,
    gap: tuple[float, float],
) -> dict[str, Any]:
    per_viewer: list[float] = []
    per_viewer_parsed: list[float] = []
    last_viewer: list[float] = []
    reply: list[float] = []
    control = await RawWebSocket.connect(server.port)
    cpu_start = wall_start = client_start = 0.0
    try:
        for k in range(warmup + rounds):
            if k == warmup:
                cpu_start, wall_start = cpu_ms(server.pid), time.perf_counter()
                client_start = time.process_time()
            seconds = 600 + k % 600  # every command is a change, and an event
            sent, event_id = await _command(control, k, seconds)
            replied = time.time_ns()
            with trio.fail_after(ROUND_TIMEOUT):
                await arrivals.wait_all(event_id)
            if k >= warmup:
                reply.append(ms(replied - sent))
                arrived = [viewer.first_seen[event_id] for viewer in viewers]
                per_viewer.extend(ms(a - sent) for a, _ in arrived)
                per_viewer_parsed.extend(ms(p - sent) for _, p in arrived)
                last_viewer.append(ms(max(a for a, _ in arrived) - sent))
            for viewer in viewers:  # keep memory flat over long runs
                viewer.first_seen.pop(event_id - 2, None)
            await trio.sleep(random.uniform(*gap))
        cpu = cpu_ms(server.pid) - cpu_start
        wall = time.perf_counter() - wall_start
        client = time.process_time() - client_start
    finally:
        await control.aclose()
    # Besides one broadcast per command, the server broadcasts once a second.
    broadcasts = rounds + int(wall)
    return {
        "server_cpu": {
            "ms_per_command": cpu / rounds,
            "share_of_one_core": cpu / 1000 / wall,
            "us_per_message": cpu * 1000 / (broadcasts * (len(viewers) + 1)),
            "seconds": wall,
            "bench_client_share_of_one_core": client / wall,
        },
        "per_viewer_ms": summarize(per_viewer),
        "last_viewer_ms": summarize(last_viewer),
        "per_viewer_parsed_ms": summarize(per_viewer_parsed),
        "operator_reply_ms": summarize(reply),
        "samples": {"per_viewer_ms": per_viewer, "last_viewer_ms": last_viewer},
    }
