"""Screenshots of the pages for the README.

Runs a real `score run` on a scratch database, starts a 20:00 clock, and saves
docs/screenshots/operator.png and docs/screenshots/display.png with Debian's Chromium
(the same browser setup as the browser tests). Then a basketball game
(`--rules basketball-fiba`) played a little: the console on a tablet and on a phone
(console.png, console-phone.png), the scoreboard (board.png), the shot-clock unit
(shot.png) and the scorebug on a transparent canvas (overlay.png). Usage:

    uv run python docs/screenshots/take.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # for tests.browser: one place knows how to drive Chromium

from playwright.sync_api import BrowserContext, sync_playwright  # noqa: E402

from tests.browser import ScoreServer, bring_to_front, launch_chromium, open_page  # noqa: E402

GAME = [
    {"command": "team", "team": "home", "name": "Hawks", "color": "#1d4ed8"},
    {"command": "team", "team": "away", "name": "Owls", "color": "#b91c1c"},
    {"command": "period", "period": 3},
    {"command": "set", "seconds": 372.4},
    {"command": "score", "team": "home", "points": 3},
    {"command": "score", "team": "home", "points": 2},
    {"command": "score", "team": "away", "points": 2},
    {"command": "foul", "team": "home"},
    {"command": "foul", "team": "away"},
    {"command": "foul", "team": "away"},
    {"command": "foul", "team": "away"},
    {"command": "foul", "team": "away"},
    {"command": "timeout", "team": "away"},
    {"command": "possession", "team": "home"},
    {"command": "shot_clock", "seconds": 14},
]


def plain(context: BrowserContext, scratch: Path) -> None:
    server = ScoreServer(scratch / "score.db")
    try:
        server.post("/clock", {"seconds": 20 * 60})
        operator = open_page(context, server.url)
        display = open_page(context, f"{server.url}display")
        display.set_viewport_size({"width": 1280, "height": 720})
        server.post("/start")
        time.sleep(2.5)  # a moment of play: the clock reads 19:57
        for page, name in ((operator, "operator.png"), (display, "display.png")):
            bring_to_front(page)
            page.screenshot(path=HERE / name)
            page.close()
    finally:
        server.stop()


def game(context: BrowserContext, scratch: Path) -> None:
    server = ScoreServer(scratch / "game.db", args=["--rules", "basketball-fiba"])
    try:
        for command in GAME:
            server.post("/command", command)
        shots = [
            ("", (1024, 768), "console.png"),
            ("", (390, 844), "console-phone.png"),
            ("display", (1280, 720), "board.png"),
            ("display?show=shot", (800, 600), "shot.png"),
            ("overlay", (1280, 720), "overlay.png"),
        ]
        pages = []
        for path, (width, height), name in shots:
            page = open_page(context, f"{server.url}{path}")
            page.set_viewport_size({"width": width, "height": height})
            pages.append((page, name))
        server.post("/start")
        time.sleep(1.5)
        server.post("/pause")
        time.sleep(0.3)
        for page, name in pages:
            bring_to_front(page)
            page.screenshot(path=HERE / name, omit_background=name == "overlay.png")
    finally:
        server.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        context = launch_chromium(playwright, Path(scratch) / "profile", (1280, 800))
        try:
            plain(context, Path(scratch))
            game(context, Path(scratch))
        finally:
            context.close()
    print(f"saved the screenshots in {HERE}")


if __name__ == "__main__":
    main()
