"""The game's pages in a real browser: how long a console key press takes to reach every
screen, and how close together two displays sound the horn.

One `score run --rules basketball-fiba` on a scratch database, Debian's Chromium (the
browser tests' set-up, tests/browser.py) with the console, two scoreboards, a shot-clock
unit and a scorebug open.

- Command -> all screens: the console's key press ("Q", home +1), timed in the console by
  a capturing keydown listener, to the moment the last of the four screens wrote the new
  score into its page (a MutationObserver on each). One command at a time, N of them. All
  instants are performance.timeOrigin + performance.now(), one clock for every page of the
  one browser.
- Horn: K clock expiries; each display's horn log (window.__hornLog) gives the wall-clock
  instant its sound was scheduled to be heard, compared with the instant the server
  recorded (same machine, so the same wall clock). Spread = latest - earliest display.

Usage: uv run python bench/bench_pages.py [--commands 200] [--horns 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.browser: one place knows how to drive Chromium

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.stats import summarize  # noqa: E402
from tests.browser import ScoreServer, launch_chromium, wait_connected, wait_until  # noqa: E402

SCREENS = ["display", "display", "display?show=shot", "overlay"]
WATCH = """() => {
    window.__seen = [];
    const now = () => performance.timeOrigin + performance.now();
    const observer = new MutationObserver(() => {
        const el = document.querySelector("[data-field='home-score']");
        window.__seen.push([el.textContent, now()]);
    });
    observer.observe(document.querySelector("[data-field='home-score']"),
                     {childList: true, characterData: true, subtree: true});
}"""
PRESSES = """() => {
    window.__pressed = [];
    document.addEventListener('keydown',
        () => window.__pressed.push(performance.timeOrigin + performance.now()), true);
}"""


def line(name: str, samples: list[float]) -> str:
    s = summarize(samples)
    return (
        f"{name}: n={int(s['n'])} p50 {s['p50']:.1f} ms, p90 {s['p90']:.1f}, "
        f"p99 {s['p99']:.1f}, max {s['max']:.1f}"
    )


def latencies(server: ScoreServer, console: Page, screens: list[Page], n: int) -> list[float]:
    console.evaluate(PRESSES)
    for screen in screens:
        screen.evaluate(WATCH)
    start = server.state()["teams"]["home"]["score"]
    for i in range(n):
        console.keyboard.press("q")
        want = str(start + i + 1)
        wait_until(
            lambda want=want: all(
                s.evaluate("w => window.__seen.some(([t]) => t === w)", want) for s in screens
            )
        )
    pressed: list[float] = console.evaluate("() => window.__pressed")
    seen: list[dict[str, float]] = [
        {text: at for text, at in s.evaluate("() => window.__seen")} for s in screens
    ]
    return [max(screen[str(start + i + 1)] for screen in seen) - pressed[i] for i in range(n)]


def horns(server: ScoreServer, displays: list[Page], k: int) -> tuple[list[float], list[float]]:
    errors: list[float] = []
    spreads: list[float] = []
    for _ in range(k):
        server.post("/pause")
        server.post("/command", {"command": "shot_clock", "seconds": 24})
        server.post("/clock", {"seconds": 1.5})
        before = [len(d.evaluate("() => window.__hornLog")) for d in displays]
        server.post("/start")

        def sounded(before: list[int] = before) -> list[dict[str, Any]] | None:
            found = []
            for display, skip in zip(displays, before, strict=True):
                log = display.evaluate("() => window.__hornLog.map(e => ({...e}))")[skip:]
                done = [e for e in log if e["reason"] == "period_end" and e["wall_ms"]]
                if not done:
                    return None
                found.append(done[-1])
            return found

        entries: list[dict[str, Any]] = wait_until(sounded, timeout=6)
        at = server.state()["horn"]["at_ms"]
        walls = [e["wall_ms"] for e in entries]
        errors += [abs(w - at) for w in walls]
        spreads.append(max(walls) - min(walls))
    return errors, spreads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--horns", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        server = ScoreServer(Path(scratch) / "game.db", args=["--rules", "basketball-fiba"])
        context = launch_chromium(playwright, Path(scratch) / "profile", (1280, 720))
        try:
            console = context.new_page()
            console.goto(server.url)
            wait_connected(console)
            console.wait_for_function("() => document.body.classList.contains('game')")
            screens = []
            for path in SCREENS:
                page = context.new_page()
                page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}horn=1")
                wait_connected(page)
                page.mouse.click(5, 5)  # the gesture for sound (on the scorebug: any click)
                screens.append(page)
            console.bring_to_front()
            print(
                line(
                    f"command -> all {len(screens)} screens",
                    latencies(server, console, screens, args.commands),
                )
            )
            errors, spreads = horns(server, screens[:2], args.horns)
            print(line("horn: |display - true zero|", errors))
            print(line("horn: spread between two displays", spreads))
        finally:
            context.close()
            server.stop()


if __name__ == "__main__":
    main()
