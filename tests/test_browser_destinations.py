"""The operator page lists each destination under the light when there is more than
the one file (Debian's Chromium via Playwright, `score run` as a real process with a
webhook that cannot be reached)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import Opener, ScoreServer

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # a test secret, base64


def test_the_page_lists_the_destinations_and_the_failing_one(
    tmp_path: Path, open_: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORE_WEBHOOK_SECRET", SECRET)
    # Port 9 on loopback: nothing listens, every attempt is refused at once.
    server = ScoreServer(tmp_path / "game.db", args=["--to", "http://127.0.0.1:9/hook"])
    try:
        server.post("/clock", {"seconds": 60})
        page = open_(server.url)
        listed = page.locator("#status-destinations li")
        page.wait_for_function(
            "document.querySelectorAll('#status-destinations li').length === 2"
            " && !document.getElementById('status-destinations').hidden"
        )
        texts = [listed.nth(i).inner_text() for i in range(2)]
        assert any("game.events.log: healthy" in text for text in texts), texts
        page.wait_for_function(
            "[...document.querySelectorAll('#status-destinations li')]"
            ".some(li => li.textContent.includes('http://127.0.0.1:9/hook: failing'))",
            timeout=15_000,
        )
        assert os.environ["SCORE_WEBHOOK_SECRET"] not in page.content()
    finally:
        server.stop()
