"""Smoke test of the frozen executable, run the way a scorer runs it.

    python3 tests/binary_smoke.py [--binary dist/score]

Standard library only, so any Python 3.11+ can drive it; the binary itself runs
with a bare environment: PATH is an empty folder (no Python, no venv), HOME and
TMPDIR are private folders, no PYTHON*/VIRTUAL_ENV/UV_* variables. Checks:

1. `score --version` prints the version of pyproject.toml; `score rules` lists the
   five rule presets bundled as data (score/rules/*.toml); operator mistakes (a
   missing database, a file that is not one, a bad or busy port) end in a message
   and a non-zero exit, never a traceback (an excluded module would show here).
2. `score run --db <tmp> --port 0 --no-open` prints its URL and serves `/` and
   `/display` from the bundled static/; a command over the WebSocket (and a bad one,
   which changes nothing and keeps the connection open), then
   `POST /clock {"seconds": 90}`, `POST /start`, `GET /state` over HTTP, and a
   WebSocket pause. The one-file executable unpacks into TMPDIR (`_MEI*`).
3. The events reach `game.events.log` beside the database, once each and in order, when
   the binary has the pusher (`score push`); a binary without it says SKIP.
4. Ctrl+C (SIGINT to every process of the run, as a terminal sends it; the app
   first, the bootloader's forwarded copy last) -> exit 0, no process of the run
   left (no orphan `push`), no `_MEI*` folder left in TMPDIR.
5. `score replay --json --db <tmp>` parses and agrees with the last live state;
   `score replay` prints its table.
6. A second run, with `--open` and a fake `$BROWSER`: the browser is started with
   the URL and the user's own LD_LIBRARY_PATH (not the bundle's); the run resumes
   the stored state; SIGTERM to the executable's pid alone (as `kill PID` or
   `docker stop` sends it) -> exit 0, nothing left behind.

It is not collected by pytest (no `test_` prefix): it needs a built `dist/score`.
Exit status 0 when every check passed; the last line says how many did.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
URL_LINE = re.compile(r"Score is serving on (http://([\d.]+):(\d+)/)")
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
STEP_TIMEOUT = 20.0  # seconds for any one step: start, shutdown, an answer


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- the binary's environment -------------------------------------------------------


def bare_environment(work: Path) -> dict[str, str]:
    """What a scorer's shell has: no Python anywhere on PATH, nothing of ours."""
    for name in ("bin", "home", "tmp"):
        (work / name).mkdir(exist_ok=True)
    env = {
        "PATH": str(work / "bin"),  # empty: the binary must need nothing from PATH
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),  # where the one-file executable unpacks (_MEI*)
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "TERM": "dumb",
    }
    return env


def mei_folders(work: Path) -> list[str]:
    return sorted(p.name for p in (work / "tmp").iterdir() if p.name.startswith("_MEI"))


# --- processes ---------------------------------------------------------------------


def processes_of_run(sid: int, mark: str) -> dict[int, str]:
    """pid -> command line of every live process in session `sid`, or whose command
    line names `mark` (the run's work folder: a child that left the session still
    names its database), from Linux /proc."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        mine = session == sid or (mark in cmdline and int(entry.name) != os.getpid())
        if mine and state != "Z":
            found[int(entry.name)] = cmdline
    return found


def is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


class Run:
    """`score run` in its own session, its stdout read line by line in a thread."""

    def __init__(self, binary: Path, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.cwd = cwd
        self.stderr_path = cwd / f"stderr-{time.monotonic_ns()}.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [str(binary), *args],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,  # its own process group, as a terminal job has
        )
        self.lines: list[str] = []
        self._url_seen = threading.Event()
        self.url = ""
        self.port = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            match = URL_LINE.search(line)
            if match and not self._url_seen.is_set():
                self.url, self.port = match.group(1), int(match.group(3))
                self._url_seen.set()

    def wait_serving(self) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not self._url_seen.wait(0.05):
            if self.process.poll() is not None:
                raise SmokeFailure(
                    f"score run exited with {self.process.returncode} before serving"
                )
            check(time.monotonic() < deadline, "no 'Score is serving on ...' line in time")

    def processes(self) -> dict[int, str]:
        return processes_of_run(self.process.pid, str(self.cwd))

    def stop(self, signum: int, *, whole_group: bool) -> int:
        """Send `signum` to the executable's pid, or to every process of the run as
        a terminal's Ctrl+C does. For the group, the order is made the worst one for
        a one-file executable: the app (and its pusher) first; once the app has
        taken the signal and is shutting down, the bootloader, which forwards a
        second copy to the app."""
        if whole_group:
            app = [pid for pid in self.processes() if pid != self.process.pid]
            for pid in app:
                os.kill(pid, signum)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and "shutting down" not in self.stderr_text():
                time.sleep(0.005)
            # A bootloader signalled after its app has exited dies of it, before it
            # removes its _MEI folder: no terminal produces that order for one Ctrl+C.
            if not any(is_running(pid) for pid in app):
                raise SmokeFailure("the app exited before the bootloader got its Ctrl+C")
        self.process.send_signal(signum)
        try:
            code = self.process.wait(STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"still running {STEP_TIMEOUT:.0f} s after {signum!r}") from None
        return code

    def kill_leftovers(self) -> dict[int, str]:
        left = self.processes()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output(self) -> str:
        return "\n".join(self.lines) + "\n--- stderr ---\n" + self.stderr_text()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.kill_leftovers()
        self._stderr.close()


# --- HTTP and WebSocket clients (stdlib) ---------------------------------------------


def http_json(port: int, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STEP_TIMEOUT)
    try:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def http_page(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STEP_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


class WebSocket:
    """Just enough RFC 6455 for a test: text frames out (masked), frames in."""

    def __init__(self, port: int, path: str = "/ws") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            check(bool(chunk), "WebSocket handshake: connection closed")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        check(b" 101 " in head.split(b"\r\n")[0], f"WebSocket handshake refused: {head[:200]!r}")
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        check(accept in head, "WebSocket handshake: wrong Sec-WebSocket-Accept")

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            check(bool(chunk), "WebSocket: connection closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_json(self, message: Any) -> None:
        self._send_frame(0x1, json.dumps(message).encode())

    def receive_json(self) -> Any:
        parts: list[bytes] = []
        while True:
            first, second = self._exactly(2)
            opcode, n = first & 0x0F, second & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._exactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._exactly(8))
            mask = self._exactly(4) if second & 0x80 else b""
            payload = self._exactly(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise SmokeFailure(f"WebSocket closed by the server (code {code})")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1):
                parts.append(payload)
                if first & 0x80:
                    return json.loads(b"".join(parts))

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a command with an id; skip state broadcasts until the answer to it."""
        self.send_json(message)
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            answer = self.receive_json()
            if isinstance(answer, dict) and answer.get("id") == message["id"]:
                return answer
        raise SmokeFailure(f"no answer to {message}")

    def close(self) -> None:
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


# --- the checks ----------------------------------------------------------------------


class Smoke:
    def __init__(self, binary: Path, work: Path) -> None:
        self.binary = binary
        self.work = work
        self.env = bare_environment(work)
        self.game = work / "game"
        self.game.mkdir()
        self.db = self.game / "game.db"
        self.events_log = self.game / "game.events.log"  # named after the database
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.last: dict[str, Any] | None = None  # the live state before the first stop

    def ok(self, message: str) -> None:
        self.passed += 1
        print(f"  ok    {message}", flush=True)

    def expect(self, condition: bool, message: str) -> bool:
        """A check whose failure does not stop the run: it is counted and shown."""
        if not condition:
            self.failed += 1
            print(f"  FAIL  {message}", flush=True)
        return condition

    def skip(self, message: str) -> None:
        self.skipped += 1
        print(f"  SKIP  {message}", flush=True)

    def score(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            env=self.env,
            cwd=self.work,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT * 3,
        )

    @contextmanager
    def running(self, open_browser: bool = False, **env: str) -> Iterator[Run]:
        run = Run(
            self.binary,
            ["run", "--db", str(self.db), "--port", "0", "--open" if open_browser else "--no-open"],
            self.env | env,
            self.work,
        )
        try:
            yield run
        except BaseException:
            print(run.output(), file=sys.stderr)
            raise
        finally:
            run.close()

    def version(self) -> None:
        expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
        result = self.score("--version")
        check(result.returncode == 0, f"--version exited {result.returncode}: {result.stderr}")
        check(result.stdout.strip() == f"score {expected}", f"--version said {result.stdout!r}")
        self.ok(f"--version: {result.stdout.strip()}")

    def rules(self) -> None:
        """The rule presets are data files: the bundle must carry them."""
        result = self.score("rules")
        check(result.returncode == 0, f"rules exited {result.returncode}: {result.stderr}")
        for name in ("clock", "basketball-fiba", "ice-hockey", "futsal", "handball"):
            check(name in result.stdout, f"score rules does not list {name}: {result.stdout}")
        self.ok("rules: five presets")

    def operator_errors(self) -> None:
        """Mistakes an operator can make: one clear line, non-zero exit, no traceback."""
        missing = self.work / "no-such.db"
        not_a_db = self.work / "notes.txt"
        not_a_db.write_text("not a database\n")
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        try:
            cases = {
                "replay of a missing database": ["replay", "--db", str(missing)],
                "replay of a file that is not a Score database": ["replay", "--db", str(not_a_db)],
                "a bad --port": ["run", "--port", "abc", "--no-open"],
                "a port in use": [
                    "run", "--db", str(self.work / "busy.db"), "--no-open",
                    "--port", str(busy.getsockname()[1]),
                ],
            }  # fmt: skip
            for case, args in cases.items():
                result = self.score(*args)
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                check(result.returncode != 0, f"{case}: exit 0")
                check("Traceback" not in result.stderr, f"{case}: traceback\n{result.stderr}")
                check(bool(lines), f"{case}: nothing on stderr")
        finally:
            busy.close()
        check(not missing.exists(), "replay created the missing database")
        self.ok(f"operator errors ({len(cases)} cases): non-zero exit, a message, no traceback")

    def has_pusher(self) -> bool:
        return self.score("push", "--help").returncode == 0

    def first_run(self, pusher: bool) -> None:
        with self.running() as run:
            run.wait_serving()
            self.ok(f"run: serving on {run.url}")
            status, body = http_json(run.port, "GET", "/state")
            check(status == 200 and "state" in body, f"GET /state: {status} {body}")
            for key in ("seconds", "running", "pusher_status"):
                check(key in body["state"], f"GET /state lacks {key!r}: {body}")
            for page in ("/", "/display"):
                status, kind, html = http_page(run.port, page)
                check(
                    status == 200 and kind.startswith("text/html") and b"<html" in html.lower(),
                    f"GET {page}: {status} {kind} {html[:80]!r}",
                )
            self.ok("pages: / and /display served from the bundled static/")

            ws = WebSocket(run.port)
            try:
                hello = ws.receive_json()
                check("state" in hello, f"first WebSocket message is not a state: {hello}")
                answer = ws.command({"command": "set", "seconds": 600, "id": "smoke-1"})
                check(answer.get("state", {}).get("seconds") == 600, f"ws set 600: {answer}")
                bad = ws.command({"command": "set", "seconds": -5, "id": "smoke-2"})
                check("error" in bad, f"ws bad command was not refused: {bad}")
                self.ok("WebSocket: set 600 applied; a bad command refused, connection kept")

                status, body = http_json(run.port, "POST", "/clock", {"seconds": 90})
                check(status == 200 and body["state"]["seconds"] == 90, f"POST /clock: {body}")
                status, body = http_json(run.port, "POST", "/start")
                check(status == 200 and body["state"]["running"] is True, f"POST /start: {body}")
                time.sleep(0.3)
                status, body = http_json(run.port, "GET", "/state")
                state = body["state"]
                check(
                    state["running"] is True and 85 <= state["seconds"] < 90, f"GET /state: {body}"
                )
                self.ok(
                    f"HTTP: POST /clock 90, POST /start, GET /state -> {state['seconds']} s running"
                )

                paused = ws.command({"command": "pause", "id": "smoke-3"})
                check(paused["state"]["running"] is False, f"ws pause: {paused}")
            finally:
                ws.close()
            status, body = http_json(run.port, "GET", "/state")
            last: dict[str, Any] = body["state"]
            self.last = last
            check(last["running"] is False, f"not paused: {body}")
            self.ok(f"WebSocket: pause -> {last['seconds']} s stopped")

            self.events_in_log(
                pusher, expected=["CLOCK_SET", "CLOCK_SET", "GAME_STARTED", "GAME_PAUSED"]
            )

            unpacked = mei_folders(self.work)
            check(bool(unpacked), "no _MEI* folder in TMPDIR while running: TMPDIR not honoured?")

            tree = run.processes()
            check(len(tree) >= 2, f"expected the bootloader and the app, found {tree}")
            if pusher:
                check(any(" push" in cmd for cmd in tree.values()), f"no push child: {tree}")
            names = ", ".join(f"{pid}: {cmd}" for pid, cmd in sorted(tree.items()))
            print(f"        processes of the run: {names}", flush=True)

            code = run.stop(signal.SIGINT, whole_group=True)
            clean_exit = self.expect(code == 0, f"Ctrl+C: exit code {code}, expected 0")
            time.sleep(0.2)  # let the bootloader's own children finish exiting
            left = run.kill_leftovers()
            check(not left, f"processes left after Ctrl+C (killed now): {left}")
            check(not mei_folders(self.work), f"left in TMPDIR: {mei_folders(self.work)}")
            if clean_exit:
                self.ok("Ctrl+C (SIGINT to every process of the run): exit 0")
            self.ok("Ctrl+C: no process of the run left, no _MEI* left")

    def needs_last(self) -> dict[str, Any]:
        if self.last is None:
            raise SmokeFailure("skipped: the first run left no state to compare with")
        return self.last

    def events_in_log(self, pusher: bool, expected: list[str]) -> None:
        deadline = time.monotonic() + (STEP_TIMEOUT if pusher else 2.0)
        lines: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            if self.events_log.exists():
                text = self.events_log.read_text()
                lines = [json.loads(line) for line in text.splitlines() if line.strip()]
                if len(lines) >= len(expected):
                    break
            time.sleep(0.1)
        if not pusher and not self.events_log.exists():
            self.skip("events.log: this binary has no `score push` (pusher not built in yet)")
            return
        check(self.events_log.exists(), f"{self.events_log} was never written")
        types = [line["event_type"] for line in lines]
        ids = [line["event_id"] for line in lines]
        check(types == expected, f"events.log holds {types}, expected {expected}")
        check(ids == sorted(set(ids)), f"events.log ids not once each in order: {ids}")
        self.ok(f"events.log: {len(lines)} events in order ({', '.join(types)})")

    def replay(self, last: dict[str, Any]) -> None:
        result = self.score("replay", "--json", "--db", str(self.db))
        check(result.returncode == 0, f"replay exited {result.returncode}: {result.stderr}")
        try:
            replayed = json.loads(result.stdout)
        except json.JSONDecodeError as error:
            raise SmokeFailure(
                f"replay --json is not JSON ({error}): {result.stdout[:300]!r}"
            ) from None
        state = replayed["state"]
        keys = {"seconds", "running"} | ({"remaining_ms", "last_event_id"} & last.keys())
        for key in sorted(keys):
            check(
                state.get(key) == last.get(key),
                f"replay {key}={state.get(key)!r}, live {last[key]!r}",
            )
        types = [event["type"] for event in replayed["events"]]
        check(
            types == ["CLOCK_SET", "CLOCK_SET", "GAME_STARTED", "GAME_PAUSED"],
            f"replay events: {types}",
        )
        check(not mei_folders(self.work), f"left in TMPDIR after replay: {mei_folders(self.work)}")
        seconds = state["seconds"]
        self.ok(f"replay --json: {len(types)} events, state agrees with the live one ({seconds} s)")
        table = self.score("replay", "--db", str(self.db))
        check(table.returncode == 0 and "GAME_PAUSED" in table.stdout, f"replay: {table}")
        self.ok("replay (the Rich table): every event shown")

    def fake_browser(self) -> tuple[Path, Path]:
        """A `$BROWSER` that records the URL and library path it was started with."""
        script, record = self.work / "browser.sh", self.work / "browser.txt"
        script.write_text(
            "#!/bin/sh\n"  # shell builtins only: PATH is empty
            f"printf '%s\\n' \"$1\" \"${{LD_LIBRARY_PATH-<unset>}}\" > '{record}'\n"
        )
        script.chmod(0o755)
        return script, record

    def second_run(self, last: dict[str, Any]) -> None:
        browser, record = self.fake_browser()
        user_libs = str(self.work / "user-libs")  # the user's own LD_LIBRARY_PATH
        with self.running(
            open_browser=True, DISPLAY=":0", BROWSER=str(browser), LD_LIBRARY_PATH=user_libs
        ) as run:
            run.wait_serving()
            deadline = time.monotonic() + STEP_TIMEOUT
            while not record.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            check(record.exists(), "--open did not start $BROWSER")
            time.sleep(0.1)  # the script's single write
            url, library_path = record.read_text().splitlines()[:2]
            check(url == run.url, f"browser opened {url!r}, expected {run.url!r}")
            if self.expect(
                library_path == user_libs,
                f"the browser got LD_LIBRARY_PATH={library_path!r}, expected the user's "
                f"{user_libs!r}: the bundle's libraries would shadow the browser's own",
            ):
                self.ok("--open: the browser gets the URL and the user's LD_LIBRARY_PATH")
            status, body = http_json(run.port, "GET", "/state")
            state = body["state"]
            check(
                state["seconds"] == last["seconds"] and state["running"] is False,
                f"restart: state {state}, expected {last['seconds']} s stopped",
            )
            self.ok(f"restart: resumes at {state['seconds']} s stopped")
            code = run.stop(signal.SIGTERM, whole_group=False)
            clean_exit = self.expect(code == 0, f"SIGTERM: exit code {code}, expected 0")
            time.sleep(0.2)
            left = run.kill_leftovers()
            check(not left, f"processes left after SIGTERM (killed now): {left}")
            check(not mei_folders(self.work), f"left in TMPDIR: {mei_folders(self.work)}")
            if clean_exit:
                self.ok("SIGTERM to the executable's pid: exit 0")
            self.ok("SIGTERM: no process of the run left, no _MEI* left")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=ROOT / "dist" / "score")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    binary = args.binary.resolve()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        print(
            f"binary_smoke: {binary} is missing; build it with bash build/build.sh", file=sys.stderr
        )
        return 2
    if not Path("/proc/self/stat").exists():
        print("binary_smoke: needs Linux /proc to find leftover processes", file=sys.stderr)
        return 2
    signal.alarm(300)  # a hung binary must not hang CI

    work = Path(tempfile.mkdtemp(prefix="score-smoke-"))
    smoke = Smoke(binary, work)
    print(f"smoke test of {binary} (work folder {work})", flush=True)
    pusher = smoke.has_pusher()
    print(f"        pusher in this build: {'yes' if pusher else 'no'}", flush=True)
    steps: list[Callable[[], None]] = [
        smoke.version,
        smoke.rules,
        smoke.operator_errors,
        lambda: smoke.first_run(pusher),
        # These two need the state the first run left; a first run that failed
        # before it had one fails them too.
        lambda: smoke.replay(smoke.needs_last()),
        lambda: smoke.second_run(smoke.needs_last()),
    ]
    try:
        for step in steps:
            try:
                step()
            except (
                SmokeFailure,
                OSError,
                subprocess.SubprocessError,
                KeyError,
                ValueError,
            ) as error:
                smoke.failed += 1
                print(f"  FAIL  {type(error).__name__}: {error}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    skipped = f", {smoke.skipped} skipped" if smoke.skipped else ""
    print(f"smoke: {smoke.passed} passed, {smoke.failed} failed{skipped}", flush=True)
    return 1 if smoke.failed else 0


if __name__ == "__main__":
    sys.exit(main())
