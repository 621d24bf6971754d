"""Screenshots of the operator page and the display for the README.

Runs a real `score run` on a scratch database, starts a 20:00 clock, and saves
docs/screenshots/operator.png and docs/screenshots/display.png with Debian's Chromium
(the same browser setup as the browser tests). Usage:

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

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import ScoreServer, bring_to_front, launch_chromium, open_page  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        server = ScoreServer(Path(scratch) / "score.db")
        try:
            server.post("/clock", {"seconds": 20 * 60})
            context = launch_chromium(playwright, Path(scratch) / "profile", (1280, 800))
            try:
                operator = open_page(context, server.url)
                display = open_page(context, f"{server.url}display")
                display.set_viewport_size({"width": 1280, "height": 720})
                server.post("/start")
                time.sleep(2.5)  # a moment of play: the clock reads 19:57
                for page, name in ((operator, "operator.png"), (display, "display.png")):
                    bring_to_front(page)
                    page.screenshot(path=HERE / name)
            finally:
                context.close()
        finally:
            server.stop()
    print(f"saved {HERE / 'operator.png'} and {HERE / 'display.png'}")


if __name__ == "__main__":
    main()
