"""Command -> state at N WebSocket viewers, and the server's memory with them.

For each viewer count a fresh `score run` is started as its own process (its own
CPU and event loop); the viewers are raw WebSocket clients in this process, all on
one thread and one epoll (epoll_client.py). One more connection, the operator's,
sends `set` commands; for each command we take the instant it was sent and, for
every viewer, the instant the first state carrying the command's `last_event_id`
reached that viewer's socket (kernel receive timestamp). Two figures per command
follow: each viewer's latency (pooled over all commands), and the latency of the
last viewer to get it (the time until *all* viewers show it). The instant the bench
process had read the frame is kept as well: the gap between the two is the bench
client's own queueing, not the server's.

Commands are spaced by a random gap so they do not lock step with the server's
once-a-second broadcast; the first few are a warm-up and not counted.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import trio
from epoll_client import EpollClient
from server_process import (
    ScoreServer,
    cpu_ms,
    http_get,
    memory_report,
    pyinstrument_wrapper,
    start_score,
)
from stats import ms, summarize

ROUND_TIMEOUT = 30.0


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
            result.update(
                await trio.to_thread.run_sync(
                    partial(_measure, server, first_id, count, rounds, warmup, gap)
                )
            )
            result["server_log_problems"] = server.log_problems()[:20]
        finally:
            await server.stop()
    return result


def _measure(
    server: ScoreServer,
    first_id: int,
    count: int,
    rounds: int,
    warmup: int,
    gap: tuple[float, float],
) -> dict[str, Any]:
    """The client's part, all on this one thread (see epoll_client.py)."""
    result: dict[str, Any] = {}
    client = EpollClient(server.port)
    try:
        started = time.perf_counter()
        client.connect(count)
        client.wait_all(first_id, 60 + count / 50)  # every viewer is subscribed
        result["connect_s"] = time.perf_counter() - started
        result["rss_connected"] = memory_report(server.pid)
        result.update(_rounds(server, client, rounds, warmup, gap))
        result["rss_after"] = memory_report(server.pid)
    finally:
        client.close()
    return result


def _rounds(
    server: ScoreServer,
    client: EpollClient,
    rounds: int,
    warmup: int,
    gap: tuple[float, float],
) -> dict[str, Any]:
    per_viewer: list[float] = []
    per_viewer_parsed: list[float] = []
    last_viewer: list[float] = []
    reply: list[float] = []
    cpu_start = wall_start = client_start = 0.0
    reads_start = multi_start = 0
    for k in range(warmup + rounds):
        if k == warmup:
            cpu_start, wall_start = cpu_ms(server.pid), time.perf_counter()
            client_start = time.thread_time()
            reads_start, multi_start = client.reads, client.multi_frame_reads
        seconds = 600 + k % 600  # every command is a change, and an event
        sent, replied, event_id = client.command(k, seconds, ROUND_TIMEOUT)
        arrived = client.wait_all(event_id, ROUND_TIMEOUT)
        if k >= warmup:
            reply.append(ms(replied - sent))
            per_viewer.extend(ms(a - sent) for a, _ in arrived)
            per_viewer_parsed.extend(ms(p - sent) for _, p in arrived)
            last_viewer.append(ms(max(a for a, _ in arrived) - sent))
        for stale in [seen for seen in client.first_seen if seen < event_id]:
            del client.first_seen[stale]  # keep memory flat over long runs
        client.idle(random.uniform(*gap))
    cpu = cpu_ms(server.pid) - cpu_start
    wall = time.perf_counter() - wall_start
    client_cpu = time.thread_time() - client_start
    # Besides one broadcast per command, the server broadcasts once a second.
    broadcasts = rounds + int(wall)
    return {
        "server_cpu": {
            "ms_per_command": cpu / rounds,
            "share_of_one_core": cpu / 1000 / wall,
            "us_per_message": cpu * 1000 / (broadcasts * (len(client.viewers) + 1)),
            "seconds": wall,
            "bench_client_share_of_one_core": client_cpu / wall,
        },
        "client": {
            "reads": client.reads - reads_start,
            "multi_frame_reads": client.multi_frame_reads - multi_start,
        },
        "per_viewer_ms": summarize(per_viewer),
        "last_viewer_ms": summarize(last_viewer),
        "per_viewer_parsed_ms": summarize(per_viewer_parsed),
        "operator_reply_ms": summarize(reply),
        "samples": {"per_viewer_ms": per_viewer, "last_viewer_ms": last_viewer},
    }
