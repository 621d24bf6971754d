"""A thousand viewers: each receives every change, and nobody is dropped."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
import trio
from trio_websocket import WebSocketConnection, wrap_client_stream

from score.shell.app import Config, RunningApp, run_app
from tests.client import post_json

VIEWERS = 1000
CHANGES = 5


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_a_thousand_viewers_each_receive_every_change(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    _raise_fd_limit(4 * VIEWERS + 256)
    app: RunningApp = await nursery.start(
        run_app, Config(db=tmp_path / "s.db", port=0, pusher=False)
    )
    seen: list[set[float]] = [set() for _ in range(VIEWERS)]
    connected = trio.Semaphore(0)

    async def viewer(index: int) -> None:
        stream = await trio.open_tcp_stream("127.0.0.1", app.port)
        async with stream, trio.open_nursery() as inner:
            ws: WebSocketConnection = await wrap_client_stream(inner, stream, "127.0.0.1", "/ws")
            connected.release()
            while len(seen[index]) < CHANGES:
                state = json.loads(await ws.get_message())["state"]
                if state["seconds"] >= 1000:
                    seen[index].add(state["seconds"])
            inner.cancel_scope.cancel()

    counts: list[int] = []
    async with trio.open_nursery() as clients:
        with trio.fail_after(120):
            for index in range(VIEWERS):
                clients.start_soon(viewer, index)
            for _ in range(VIEWERS):
                await connected.acquire()
            for change in range(CHANGES):
                counts.append(app.game.viewer_count)
                await post_json(app.port, "/clock", {"seconds": 1000 + change})
                await trio.sleep(0.2)
    assert counts == [VIEWERS] * CHANGES  # nobody was dropped
    assert all(len(values) == CHANGES for values in seen)
    await app.stop()
