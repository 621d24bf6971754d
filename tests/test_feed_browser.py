"""docs/feeds.md's OBS browser-source page, run as written (only its address
changed) from a local file in Chromium, against `score run --rules basketball-fiba`
as a real process: it fills in from the WebSocket feed and follows the game."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import Opener, ScoreServer, clock_seconds, wait_until

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

DOCS = Path(__file__).parent.parent / "docs" / "feeds.md"


@pytest.fixture(scope="module")
def game_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScoreServer]:
    running = ScoreServer(
        tmp_path_factory.mktemp("feed") / "game.db", args=("--rules", "basketball-fiba")
    )
    yield running
    running.stop()


def texts(page: Page, keys: list[str]) -> dict[str, str]:
    return {key: page.inner_text(f"[data-feed={key}]") for key in keys}


def test_the_documented_browser_source_follows_the_game(
    game_server: ScoreServer, open_: Opener, tmp_path: Path
) -> None:
    blocks = re.findall(r"```html\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert len(blocks) == 1
    page_file = tmp_path / "scorebug.html"
    page_file.write_text(blocks[0].replace("localhost:8000", f"127.0.0.1:{game_server.port}"))
    server = game_server
    server.post(
        "/command", {"command": "team", "team": "home", "name": "Hawks", "color": "#123456"}
    )
    server.post("/command", {"command": "set", "seconds": 65})
    page = open_(page_file.as_uri(), connected=False)
    keys = ["home_name", "home_score", "period", "clock", "shot_clock"]
    wait_until(
        lambda: (
            texts(page, keys)
            == {
                "home_name": "Hawks",
                "home_score": "0",
                "period": "Q1",
                "clock": "1:05",
                "shot_clock": "24",
            }
        ),
        describe=lambda: texts(page, keys),
    )
    server.post("/command", {"command": "score", "team": "home", "points": 3})
    server.post("/command", {"command": "start"})
    wait_until(lambda: texts(page, ["home_score"])["home_score"] == "3")
    wait_until(lambda: "." in texts(page, ["clock"])["clock"], timeout=10)  # tenths below 1:00
    seen = clock_seconds(texts(page, ["clock"])["clock"])
    wait_until(lambda: clock_seconds(texts(page, ["clock"])["clock"]) <= seen - 0.3)
    server.post("/command", {"command": "pause"})
