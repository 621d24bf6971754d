"""Browser-test helpers: Debian's Chromium driven by Playwright, and `score run` as a
real child process that a test can kill with SIGKILL and restart on the same port.

Everything here is synchronous on purpose. Playwright's async API needs asyncio, and
pytest runs this project's async tests under Trio; the sync API runs its own event loop
on a greenlet, so browser tests are plain synchronous tests, and the server they drive
is a separate process (exactly what an operator runs), talked to over plain HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from playwright.sync_api import BrowserContext, Page, Playwright, WebSocketRoute

from tests.processes import score_command, served_port

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: browsers cannot be downloaded here, so never `playwright install`."""

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(
    playwright: Playwright,
    user_data_dir: Path,
    viewport: tuple[int, int] = (1280, 800),
    device_scale_factor: float = 1,
) -> BrowserContext:
    """Chromium with a fresh profile in `user_data_dir` (the caller owns the folder)."""
    width, height = viewport
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": width, "height": height},
        device_scale_factor=device_scale_factor,
    )


class ScoreServer:
    """`score run --no-open [args]` as a child process, its output collected by two threads."""

    def __init__(
        self, db: Path, port: int = 0, timeout: float = 20, args: Sequence[str] = ()
    ) -> None:
        self.db = db
        self.output: list[str] = []
        self._lines = threading.Condition()
        self.process = subprocess.Popen(
            score_command("run", "--db", str(db), "--port", str(port), "--no-open", *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._collect, args=(stream,), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for reader in self._readers:
            reader.start()
        self.port = self._wait_for_port(timeout)
        self.url = f"http://127.0.0.1:{self.port}/"

    def _collect(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                with self._lines:
                    self.output.append(line)
                    self._lines.notify_all()

    def _wait_for_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self._lines:
            while True:
                for line in self.output:
                    if (found := served_port(line)) is not None:
                        return found
                if self.process.poll() is not None:
                    self._reap()
                    raise AssertionError(f"score run exited early:\n{''.join(self.output)}")
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise AssertionError(f"score run printed no URL:\n{''.join(self.output)}")
                self._lines.wait(min(left, 0.1))

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as in a crash or a pulled plug."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self, timeout: float = 10) -> None:
        """Ctrl+C, the way an operator stops it; SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap()

    def _reap(self) -> None:
        self.process.wait(10)
        for reader in self._readers:
            reader.join(5)

    def get(self, path: str) -> Any:
        return request_json("GET", f"{self.url}{path.lstrip('/')}")

    def post(self, path: str, payload: Any = None) -> Any:
        return request_json("POST", f"{self.url}{path.lstrip('/')}", payload)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.get("/state")["state"]
        return state


def request_json(method: str, url: str, payload: Any = None, timeout: float = 5) -> Any:
    """One HTTP request; the decoded JSON answer (raises AssertionError on a 4xx/5xx)."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            raise AssertionError(f"{method} {url}: {error.code} {error.read()!r}") from None


def replay_json(db: Path) -> dict[str, Any]:
    """`score replay --json`: the stored history and the state it folds to."""
    result = subprocess.run(
        [sys.executable, "-m", "score", "replay", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    decoded: dict[str, Any] = json.loads(result.stdout)
    return decoded


def clock_seconds(text: str) -> float:
    """What a page shows, back to seconds: "1:23:45", "12:34" or "59.9"."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def wait_until(
    condition: Callable[[], Any],
    timeout: float = 5,
    interval: float = 0.02,
    describe: Callable[[], object] | None = None,
) -> Any:
    """Poll `condition` until it returns something truthy; that value is returned.
    On timeout the AssertionError shows `describe()`, if given."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; {describe()}" if describe is not None else ""
            raise AssertionError(f"condition not met within {timeout} s{seen}")
        time.sleep(interval)


def open_page(context: BrowserContext, url: str, timeout: float = 10) -> Page:
    """Open `url` and wait until the page's WebSocket is up and it has drawn a state."""
    page = context.new_page()
    page.goto(url)
    wait_connected(page, timeout)
    return page


def wait_connected(page: Page, timeout: float = 10) -> None:
    page.wait_for_function(
        "() => document.body.dataset.connected === 'true'"
        " && document.getElementById('clock').textContent !== '--:--'",
        timeout=timeout * 1000,
    )


def clock_text(page: Page) -> str:
    text: str = page.eval_on_selector("#clock", "el => el.textContent")
    return text


def bring_to_front(page: Page) -> None:
    """Make `page` the front tab and wait two frames: Chromium draws only the front tab of
    a window at full frame rate, so a page behind another shows a clock drawn late."""
    page.bring_to_front()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


class Opener(Protocol):
    def __call__(
        self, url: str, setup: Callable[[Page], None] | None = None, connected: bool = True
    ) -> Page: ...


def wait_text(page: Page, text: str, timeout: float = 5) -> None:
    page.wait_for_function(
        "text => document.getElementById('clock').textContent === text",
        arg=text,
        timeout=timeout * 1000,
    )


def wait_server(server: ScoreServer, **expected: object) -> None:
    wait_until(
        lambda: all(server.state()[k] == v for k, v in expected.items()),
        describe=lambda: f"expected {expected}, server state {server.state()}",
    )


def event_types_after(server: ScoreServer, last_event_id: int) -> list[str]:
    """Types of the events stored after `last_event_id`, from `score replay --json`."""
    history = replay_json(server.db)["events"]
    return [event["type"] for event in history if event["id"] > last_event_id]


def answer_commands_with(errors: list[dict[str, Any]]) -> Callable[[Page], None]:
    """A page setup: the page's WebSocket goes to the real server, except that while
    `errors` is not empty, the next command is answered with the first of them instead
    (as the server would answer, with the command's id) and never reaches the server."""

    def handle(ws: WebSocketRoute) -> None:
        real = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if not errors:
                real.send(message)
                return
            command = json.loads(message)
            ws.send(json.dumps({"error": errors.pop(0), "id": command.get("id")}))

        ws.on_message(from_page)

    return lambda page: page.route_web_socket("**/ws", handle)
