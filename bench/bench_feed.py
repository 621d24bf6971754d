"""How fast the feed answers: GET /feed.json against a real `score run` child.

Starts `score run --rules basketball-fiba` (pusher included, as an operator runs it),
names the teams, scores and starts the clock, then times REQUESTS requests of each of
`/feed.json`, `/feed.vmix.json` and `/state` (the state for comparison, in the same
run), interleaved, one at a time on one keep-alive connection (as a graphics
engine polling the feed does), from sending the request to the last byte of the
answer. Then the WebSocket feed (`/ws?feed=1`): messages in every 1 s window while
the clock runs in tenths (the most in any window, and the mean rate), and how long
a command takes to show there: from sending `POST /command` (a basket, the clock
paused, one every 0.2 s) to the feed message with the new score. It also times the
pure formatting (`score.core.feed.feed`) in-process. Figures are milliseconds (the
core's: microseconds), from one run. Last, whether feed viewers slow the plain
state stream: command -> state on a plain `/ws` viewer while the clock runs in
tenths, with no feed viewer and with FEED_VIEWERS of them.

    uv run python bench/bench_feed.py [REQUESTS]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import h11
import trio
from server_process import start_score
from stats import ratio, summarize

from score.core.feed import feed
from score.shell.presets import load_preset
from tests.client import RAW_WS_HANDSHAKE, open_ws
from tests.game_driver import Driver

PATHS = ("/feed.json", "/feed.vmix.json", "/state")
FEED_VIEWERS = 20


class KeepAlive:
    """One HTTP/1.1 connection, one request at a time (h11)."""

    def __init__(self, stream: trio.SocketStream, port: int) -> None:
        self.stream = stream
        self.port = port
        self.conn = h11.Connection(h11.CLIENT)
        self.last_event_id = 0

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        headers = [("host", f"127.0.0.1:{self.port}"), ("content-length", str(len(body)))]
        data = self.conn.send(h11.Request(method=method, target=target, headers=headers))
        data += self.conn.send(h11.Data(data=body)) if body else b""
        data += self.conn.send(h11.EndOfMessage())
        await self.stream.send_all(data)
        status, chunks = 0, []
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(await self.stream.receive_some(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self.conn.start_next_cycle()
                return status, b"".join(chunks)

    async def command(self, **message: Any) -> None:
        status, body = await self.request("POST", "/command", json.dumps(message).encode())
        if status != 200:
            raise RuntimeError(f"{message} answered {status}: {body[:200]!r}")
        self.last_event_id = json.loads(body)["state"]["last_event_id"]


def core_feed_us(repeats: int) -> dict[str, float]:
    """The formatting alone: one feed of a running game with a penalty-free FIBA state."""
    driver = Driver(load_preset("basketball-fiba"))
    driver.send(command="start")
    driver.advance(65_432)
    samples = []
    for k in range(repeats):
        start = time.perf_counter_ns()
        feed(driver.state, driver.now + k)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return summarize(samples)


async def main(requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with trio.open_nursery() as nursery:
            server = await start_score(nursery, Path(tmp) / "feed.db", "--rules", "basketball-fiba")
            try:
                stream = await trio.open_tcp_stream("127.0.0.1", server.port)
                async with stream:
                    client = KeepAlive(stream, server.port)
                    await client.command(command="team", team="home", name="Hawks", color="#1d4ed8")
                    await client.command(command="score", team="home", points=3)
                    await client.command(command="start")
                    websocket = await websocket_feed(client, server.port, min(requests, 100))
                    beside = await with_feed_viewers(client, server.port, min(requests, 200))
                    samples: dict[str, list[float]] = {path: [] for path in PATHS}
                    for _ in range(requests):
                        for path in PATHS:
                            start = time.perf_counter_ns()
                            status, _ = await client.request("GET", path)
                            samples[path].append((time.perf_counter_ns() - start) / 1e6)
                            if status != 200:
                                raise RuntimeError(f"GET {path} answered {status}")
            finally:
                await server.stop()
            nursery.cancel_scope.cancel()
    results: dict[str, Any] = {path: summarize(s) for path, s in samples.items()}
    results["feed_p50_over_state_p50"] = ratio(
        results["/feed.json"]["p50"], results["/state"]["p50"]
    )
    results["websocket_feed"] = websocket
    results["state_command_to_plain_viewer_ms"] = beside
    results["core_feed_us"] = core_feed_us(requests * 5)
    return results


async def websocket_feed(client: KeepAlive, port: int, commands: int) -> dict[str, Any]:
    async with open_ws(port, "/ws?feed=1") as ws:
        await ws.get_message()
        await client.command(command="pause")
        await client.command(command="set", seconds=50)
        await client.command(command="start")
        arrivals: list[float] = []
        with trio.move_on_after(5):
            while True:
                await ws.get_message()
                arrivals.append(time.perf_counter())
        await client.command(command="pause")
        with trio.move_on_after(0.3):
            while True:
                await ws.get_message()
        windows = [sum(1 for t in arrivals if a <= t < a + 1) for a in arrivals]
        latencies = []
        for k in range(commands):
            await trio.sleep(0.2)
            start = time.perf_counter_ns()
            await client.command(command="score", team="away", points=1)
            while json.loads(await ws.get_message())["away_score"] != str(k + 1):
                pass
            latencies.append((time.perf_counter_ns() - start) / 1e6)
    return {
        "messages_in_5_s": len(arrivals),
        "most_in_any_1_s": max(windows),
        "per_second": (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]),
        "command_to_feed_ms": summarize(latencies),
    }


async def state_latency(client: KeepAlive, port: int, commands: int) -> dict[str, float]:
    """Command -> its state on a plain /ws viewer, the clock running in tenths."""
    async with open_ws(port) as ws:
        await client.command(command="set", seconds=50)
        await client.command(command="start")
        latencies = []
        for _ in range(commands):
            await trio.sleep(0.03)
            start = time.perf_counter_ns()
            await client.command(command="foul", team="home")
            wanted = client.last_event_id
            while json.loads(await ws.get_message())["state"]["last_event_id"] < wanted:
                pass
            latencies.append((time.perf_counter_ns() - start) / 1e6)
        await client.command(command="pause")
    return summarize(latencies)


async def with_feed_viewers(client: KeepAlive, port: int, commands: int) -> dict[str, Any]:
    alone = await state_latency(client, port, commands)
    async with trio.open_nursery() as nursery:

        async def feed_viewer(task_status: trio.TaskStatus[None]) -> None:
            # A raw socket that only drains: the load client costs next to nothing,
            # so what changes is the server's work, not this process's.
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            async with stream:
                await stream.send_all(RAW_WS_HANDSHAKE.replace(b"/ws", b"/ws?feed=1", 1))
                await stream.receive_some(65536)
                task_status.started()
                while await stream.receive_some(65536):
                    pass

        for _ in range(FEED_VIEWERS):
            await nursery.start(feed_viewer)
        beside = await state_latency(client, port, commands)
        nursery.cancel_scope.cancel()
    return {
        "no_feed_viewer": alone,
        f"{FEED_VIEWERS}_feed_viewers": beside,
        "p50_ratio": ratio(beside["p50"], alone["p50"]),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(json.dumps({"requests_each": count, **trio.run(main, count)}, indent=1))
