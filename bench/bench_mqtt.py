"""MQTT figures against issue 14's goals, on loopback, with a real Mosquitto.

    uv run python bench/bench_mqtt.py [--quick] [--viewers 5000] [--out FILE]

- event: from the answer to `POST /clock` until a paho subscriber of PREFIX/events
  has the event; goal p50 < 3 ms (negative when the event overtakes the answer);
- fan-out: --viewers subscribers of PREFIX/state (bench/mqtt_load.py, one thread),
  from the answer to `POST /clock` until the last of them has the new state, p50/p99
  over the rounds; and Score's own CPU (server + pusher, per second) and RSS while
  it changes its clock every 0.25 s, with those viewers and with none (the point:
  it does not grow, since the broker does the fan-out);
- courts: three `score run` (three courts) on one broker, one /courts page in
  Chromium; from the answer to `POST /clock` on one court until the page shows the
  new time (a MutationObserver notes it); goal within 50 ms.

`score run` runs as child processes (not the frozen executable); the broker is
Debian's /usr/sbin/mosquitto started here (tests/mosquitto.py). Every figure is wall
time on this shared machine: one run, percentiles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from meta import raise_fd_limit  # noqa: E402
from mqtt_load import LoadClients  # noqa: E402
from stats import summarize  # noqa: E402

from tests.browser import ScoreServer, launch_chromium  # noqa: E402
from tests.mosquitto import Broker, subscribed  # noqa: E402

PUSHER = re.compile(r"pusher started \(pid (\d+)\)")
TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


class Game:
    """One `score run --to mqtt://...` and a kept-alive HTTP connection to it."""

    def __init__(self, folder: Path, broker: Broker, court: str, under: str = "score") -> None:
        self.prefix = f"{under}/{court}"
        self.server = ScoreServer(
            folder / f"{court}.db", args=["--to", f"{broker.url}/{self.prefix}"]
        )
        self.http = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        self.seconds = 600

    def set_clock(self) -> tuple[float, int]:
        """A new time on the clock: (perf_counter at the answer, its event id)."""
        self.seconds = self.seconds - 1 if self.seconds > 60 else 600
        body = json.dumps({"seconds": self.seconds})
        headers = {"content-type": "application/json"}
        try:
            self.http.request("POST", "/clock", body, headers)
            response = self.http.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed the kept-alive connection while we were busy elsewhere.
            self.http.close()
            self.http.request("POST", "/clock", body, headers)
            response = self.http.getresponse()
        payload = response.read()
        answered = time.perf_counter()
        assert response.status == 200, payload
        return answered, int(json.loads(payload)["state"]["last_event_id"])

    def pids(self) -> list[int]:
        """The server and every pusher child alive now (one per destination)."""
        found = {int(pid) for pid in PUSHER.findall("".join(self.server.output))}
        alive = [pid for pid in sorted(found) if Path(f"/proc/{pid}").exists()]
        return [self.server.process.pid, *alive]

    def stop(self) -> None:
        self.http.close()
        self.server.stop()


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def measure_event(game: Game, broker: Broker, rounds: int) -> dict[str, Any]:
    samples: list[float] = []
    with subscribed(broker, f"{game.prefix}/events") as subscriber:
        for round_ in range(-3, rounds):  # three untimed: the pusher may still connect
            answered, event_id = game.set_clock()
            marker = f'"event_id": {event_id},'.encode()
            subscriber.wait_for(lambda got, m=marker: any(m in r.payload for r in got[-3:]))
            arrived = next(r.at for r in reversed(subscriber.messages) if marker in r.payload)
            if round_ >= 0:
                samples.append((arrived - answered) * 1000)
            time.sleep(0.02)
    return {"answer_to_subscriber_ms": summarize(samples), "goal_p50_ms": 3.0}


def measure_load(game: Game, seconds: float) -> dict[str, float]:
    """Score's CPU (% of one core) and RSS while its clock changes every 0.25 s."""
    pids = game.pids()
    before, started = cpu_seconds(pids), time.perf_counter()
    while time.perf_counter() - started < seconds:
        game.set_clock()
        time.sleep(0.25)
    used = cpu_seconds(pids) - before
    return {
        "cpu_percent": round(100 * used / (time.perf_counter() - started), 1),
        "rss_mib": round(rss_mib(pids), 1),
        "processes": len(pids),
    }


def measure_fanout(game: Game, broker: Broker, viewers: int, rounds: int) -> dict[str, Any]:
    load_seconds = 5.0 if rounds < 10 else 15.0
    idle = measure_load(game, load_seconds)
    clients = LoadClients(broker.port, f"{game.prefix}/state", viewers)
    try:
        connect_started = time.perf_counter()
        clients.connect_all()
        connected_s = time.perf_counter() - connect_started
        last: list[float] = []
        median: list[float] = []
        for _ in range(rounds):
            time.sleep(0.3)
            clients.expect(b"")  # cleared; the real marker follows the answer's id
            answered, event_id = game.set_clock()
            answered = time.time() - (time.perf_counter() - answered)  # the kernel's clock
            clients.expect(f'"last_event_id":{event_id}}}'.encode())
            arrived = sorted(clients.wait_all().values())
            last.append((arrived[-1] - answered) * 1000)
            median.append((arrived[len(arrived) // 2] - answered) * 1000)
        loaded = measure_load(game, load_seconds)
    finally:
        clients.close()
    return {
        "viewers": viewers,
        "connect_seconds": round(connected_s, 1),
        "answer_to_last_viewer_ms": summarize(last),
        "answer_to_median_viewer_ms": summarize(median),
        "score_with_0_viewers": idle,
        f"score_with_{viewers}_viewers": loaded,
    }


COURTS_PAGE_OBSERVER = """() => {
    window.seen = [];
    new MutationObserver(records => {
        const at = performance.timeOrigin + performance.now();
        for (const record of records) {
            const card = record.target.parentElement?.closest?.('.court')
                || record.target.closest?.('.court');
            if (!card) continue;
            window.seen.push([card.dataset.court, card.querySelector('.clock').textContent, at]);
        }
    }).observe(document.getElementById('grid'),
               {subtree: true, childList: true, characterData: true});
}"""


def measure_courts(folder: Path, broker: Broker, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    games = [Game(folder, broker, f"court{n}", under="tournament") for n in (1, 2, 3)]
    samples: list[float] = []
    try:
        for game in games:
            game.set_clock()
        with sync_playwright() as playwright:
            context = launch_chromium(playwright, folder / "chromium")
            page = context.new_page()
            page.goto(f"{games[0].server.url}courts?mqtt={broker.ws_url}&topic=tournament/+")
            page.wait_for_function("() => document.querySelectorAll('.court').length === 3")
            page.evaluate(COURTS_PAGE_OBSERVER)
            for index in range(rounds):
                game = games[index % 3]
                time.sleep(0.2)
                page.evaluate("() => { window.seen = []; }")
                answered_perf, _ = game.set_clock()
                # The page's instants are wall-clock ms (the same clock on one machine).
                answered_wall = time.time() * 1000 - (time.perf_counter() - answered_perf) * 1000
                minutes, seconds = divmod(game.seconds, 60)
                text = f"{minutes}:{seconds:02d}"
                found = None
                deadline = time.monotonic() + 5
                while found is None and time.monotonic() < deadline:
                    seen = page.evaluate("() => window.seen")
                    found = next(
                        (at for court, shown, at in seen if court == game.prefix and shown == text),
                        None,
                    )
                    time.sleep(0.01)
                if found is None:
                    raise TimeoutError(f"{game.prefix} never showed {text}")
                samples.append(found - answered_wall)
            context.close()
    finally:
        for game in games:
            game.stop()
    return {"answer_to_page_ms": summarize(samples), "goal_ms": 50.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small pass (CI)")
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    viewers = 500 if args.quick else args.viewers
    raise_fd_limit(viewers + 1024)  # us, and the broker we start (it inherits it)
    results: dict[str, Any] = {"command": " ".join(["python bench/bench_mqtt.py", *sys.argv[1:]])}
    with tempfile.TemporaryDirectory(prefix="score-bench-mqtt-") as scratch:
        folder = Path(scratch)
        broker = Broker(folder / "broker")
        try:
            game = Game(folder, broker, "main")
            try:
                game.set_clock()
                results["event"] = measure_event(game, broker, 30 if args.quick else 300)
                print(json.dumps(results["event"]), flush=True)
                results["fanout"] = measure_fanout(game, broker, viewers, 5 if args.quick else 30)
                print(json.dumps(results["fanout"]), flush=True)
            finally:
                game.stop()
            results["courts"] = measure_courts(folder, broker, 15 if args.quick else 90)
            print(json.dumps(results["courts"]), flush=True)
        finally:
            broker.stop()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
