"""Webhook delivery figures against issue 13's goals, on loopback.

    uv run python bench/bench_webhooks.py [--commands 300] [--backlog 100000]

- latency: from the answer to `POST /clock` until the webhook receiver has the
  event, with a second webhook that never answers (hung) configured beside it;
  goal p50 < 2 ms, p99 < 10 ms;
- backlog: a database of --backlog events served to one receiver from scratch,
  events per second until the last one is in; goal >= 5,000 events/s;
- file: the same latency to the JSON Lines file (the line is in the file), with and
  without three webhooks configured, one of them down; goal p50 within 10 %; and
  beside one hung webhook alone (what isolation alone costs).

The receivers are stdlib `ThreadingHTTPServer`s in this process that answer 204
without checking signatures (the tests check those); every figure is wall time on
this machine, with `score run` as a child process (not the frozen executable).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL_LINE = re.compile(rb"Score is serving on http://[\d.]+:(\d+)/")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver:
    """Records the arrival instant (perf_counter) of each event id; `hang` never answers."""

    def __init__(self, hang: bool = False) -> None:
        self.arrived: dict[int, float] = {}
        self.hang = hang
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.hang:
                    receiver.release.wait(60)
                    return
                receiver.arrived.setdefault(json.loads(body)["event_id"], time.perf_counter())
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class ReceiverProcess:
    """A 204 receiver in a child process (`--receiver`): its URL, and `close`."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--receiver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def serve_receiver() -> None:
    receiver = Receiver()
    print(receiver.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    receiver.close()


def write_config(folder: Path, urls: list[str]) -> Path:
    path = folder / "score.toml"
    path.write_text(
        "".join(
            f'[[destinations]]\nname = "hook{i}"\nurl = "{url}"\nsecret = "{SECRET}"\n'
            for i, url in enumerate(urls)
        )
    )
    return path


class Score:
    def __init__(self, db: Path, *extra: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "score", "run", "--db", str(db), "--port", "0", "--no-open"]
            + list(extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        output = b""
        while (match := URL_LINE.search(output)) is None:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("score run ended before serving")
            output += line
        self.port = int(match.group(1))
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port)

    def set_clock(self, seconds: int) -> int:
        """POST /clock; the event id it recorded."""
        self.connection.request(
            "POST", "/clock", json.dumps({"seconds": seconds}), {"content-type": "application/json"}
        )
        response = self.connection.getresponse()
        state = json.loads(response.read())["state"]
        return int(state["last_event_id"])

    def stop(self) -> None:
        self.connection.close()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(20)


def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for delivery")
        time.sleep(0.0002)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def webhook_latency(folder: Path, commands: int) -> list[float]:
    fast, hung = Receiver(), Receiver(hang=True)
    score = Score(
        folder / "latency.db", "--config", str(write_config(folder, [fast.url, hung.url]))
    )
    samples = []
    try:
        for i in range(commands + 10):
            event_id = score.set_clock(100 + i % 500)
            answered = time.perf_counter()
            wait_for(lambda e=event_id: e in fast.arrived, 10)
            if i >= 10:  # warm-up: the first connection, the first imports
                samples.append(max(0.0, fast.arrived[event_id] - answered) * 1000)
            time.sleep(0.01)
    finally:
        score.stop()
        fast.close()
        hung.close()
    return samples


def file_latency(folder: Path, commands: int, hooks: list[str]) -> list[float]:
    name = f"file{len(hooks)}"
    log = folder / f"{name}.events.log"
    extra = ["--config", str(write_config(folder, hooks))] if hooks else []
    score = Score(folder / f"{name}.db", *extra)
    samples = []
    try:
        for i in range(commands + 10):
            score.set_clock(100 + i % 500)
            answered = time.perf_counter()
            wait_for(lambda c=i + 1: log.exists() and log.read_bytes().count(b"\n") >= c, 10)
            if i >= 10:
                samples.append((time.perf_counter() - answered) * 1000)
            time.sleep(0.01)
    finally:
        score.stop()
    return samples


def backlog(folder: Path, count: int) -> float:
    from score.core.events import clock_set
    from score.shell.store import Store

    db = folder / "backlog.db"
    store = Store.open(db)
    for start in range(0, count, 10_000):
        store.append(
            [clock_set(i % 600, 1_000_000 + i) for i in range(start, min(count, start + 10_000))]
        )
    store.close()
    receiver = Receiver()
    began = time.perf_counter()
    score = Score(db, "--events-log", str(folder / "backlog.events.log"), "--to", receiver.url)
    try:
        wait_for(lambda: len(receiver.arrived) >= count, 3600)
        elapsed = time.perf_counter() - began
    finally:
        score.stop()
        receiver.close()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver()
        return
    os.environ["SCORE_WEBHOOK_SECRET"] = SECRET
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as temp:
        folder = Path(temp)
        hook = webhook_latency(folder, args.commands)
        print(
            f"webhook latency, a second webhook hung: p50 {percentile(hook, 0.5):.2f} ms,"
            f" p99 {percentile(hook, 0.99):.2f} ms (goal < 2, < 10; n={len(hook)})"
        )
        alone = file_latency(folder, args.commands, [])
        down = Receiver(hang=True)
        # The live receivers in processes of their own: in this one, their threads
        # would take the GIL from the loop that watches the file, and slow the watch.
        up = [ReceiverProcess(), ReceiverProcess()]
        try:
            beside = file_latency(folder, args.commands, [down.url] + [r.url for r in up])
        finally:
            for receiver in [down, *up]:
                receiver.close()
        hung = Receiver(hang=True)
        try:
            only_hung = file_latency(folder, args.commands, [hung.url])
        finally:
            hung.close()
        a, b = statistics.median(alone), statistics.median(beside)
        c = statistics.median(only_hung)
        print(
            f"file latency p50: alone {a:.2f} ms, with 3 webhooks (1 down) {b:.2f} ms"
            f" ({(b - a) / a * 100:+.0f} %, goal within 10 %),"
            f" beside one hung webhook only {c:.2f} ms ({(c - a) / a * 100:+.0f} %)"
        )
        rate = backlog(folder, args.backlog)
        print(
            f"backlog of {args.backlog} events to one webhook: {rate:,.0f} events/s (goal >= 5,000)"
        )


if __name__ == "__main__":
    main()
