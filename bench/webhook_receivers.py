"""The webhook receivers of bench/bench_webhooks.py.

- `Receiver`: a stdlib `ThreadingHTTPServer` in this process that notes the arrival
  instant of each event id (for latencies); `hang=True` never answers;
- `ReceiverProcess`: the same in a child process (this file run as a script), so that
  its threads do not take the GIL from the loop that watches the file;
- `NodeReceiver`: Node's http (`webhook_receiver.js`), fast enough that a backlog
  measures the sender; it checks the order, and its sampled requests are verified
  here with the `standardwebhooks` library;
- `LineCounter`: the file destination's side, the lines in the JSON Lines file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

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
            [sys.executable, __file__],
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


class NodeReceiver:
    """`webhook_receiver.js`: a fast receiver that checks order, prints samples."""

    def __init__(self, expected: int, sample: int = 1000) -> None:
        self.process = subprocess.Popen(
            [
                "node",
                str(Path(__file__).with_name("webhook_receiver.js")),
                str(expected),
                str(sample),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().split()[1]}/hook"
        self.samples: list[dict[str, Any]] = []
        self.done: dict[str, Any] | None = None
        self.finished = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            kind, _, data = line.partition(" ")
            if kind == "sample":
                self.samples.append(json.loads(data))
            elif kind == "done":
                self.done = json.loads(data)
                self.finished.set()

    def verified(self) -> int:
        """How many samples the `standardwebhooks` library verifies (it raises if not)."""
        from standardwebhooks import Webhook

        webhook = Webhook(SECRET)
        for sample in self.samples:
            webhook.verify(sample["body"], sample["headers"])
        return len(self.samples)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


class LineCounter:
    """The lines of a file that only grows, reading only what was added since the last
    call: the file is watched every 0.2 ms, and reading all of it each time (30 kB by
    the end of a round) cost twice the CPU of the watch itself, on the two cores the
    pushers and the receivers share."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0
        self._file: BinaryIO | None = None

    def count(self) -> int:
        if self._file is None:
            try:
                self._file = self.path.open("rb", buffering=0)
            except FileNotFoundError:
                return 0
        self.lines += self._file.read().count(b"\n")
        return self.lines

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


if __name__ == "__main__":
    serve_receiver()
