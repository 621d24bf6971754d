"""A restart, as the operator sees it (Debian's Chromium via Playwright, `score run` as a
real process): the console and the operator page say what was restored, so a clock that
kept running while Score was off surprises nobody."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import Opener, ScoreServer, wait_server

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def test_a_restart_says_what_it_restored(tmp_path: Path, open_: Opener) -> None:
    db = tmp_path / "game.db"
    first = ScoreServer(db)
    try:
        first.post("/clock", {"seconds": 600})
        first.post("/start")
    finally:
        first.kill()  # a crash while running
    again = ScoreServer(db)
    try:
        wait_server(again, running=True)
        said = re.compile(
            r"resumed 9:5\d\.\d, running; the clock kept running while Score was off,"
            r" as the stored start says \(after event 2\)",
            re.IGNORECASE,  # the page starts the sentence with a capital
        )
        assert any(said.search(line) for line in again.output), "".join(again.output)
        page = open_(again.url)
        note = page.locator("#restored-note")
        note.wait_for(state="visible")
        assert said.search(page.locator("#restored-text").inner_text())
        page.locator("#restored-close").click()
        note.wait_for(state="hidden")
    finally:
        again.stop()


def test_a_new_game_says_nothing_on_the_page(server: ScoreServer, open_: Opener) -> None:
    """The shared server started on an empty database."""
    assert server.get("/state")["restored"] == "new game: nothing stored yet"
    page = open_(server.url)
    page.wait_for_function("document.getElementById('restored-note').hidden === true")
    assert page.locator("#restored-note").is_hidden()
