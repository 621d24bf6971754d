"""The scoreboard through a broker, in a real Chromium: `/display?mqtt=...` under a game's
rules draws the board from the broker's state (no page talks to Score's /ws), with a
real `score run --rules basketball-fiba` publishing to Mosquitto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import Opener, ScoreServer, wait_until
from tests.mosquitto import Broker

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.mqtt, pytest.mark.timeout(90)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    running = Broker(tmp_path_factory.mktemp("broker"))
    yield running
    running.stop()


def test_the_board_draws_from_the_broker(
    broker: Broker, open_: Opener, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = tmp_path_factory.mktemp("court") / "game.db"
    court = ScoreServer(db, args=["--rules", "basketball-fiba", "--to", f"{broker.url}/score/c1"])
    try:
        opened: list[str] = []
        page = open_(
            f"{court.url}display?mqtt={broker.ws_url}&topic=score/c1",
            setup=lambda page: page.on("websocket", lambda socket: opened.append(socket.url)),
        )
        owls = {"command": "team", "team": "away", "name": "Owls", "color": "#b91c1c"}
        court.post("/command", owls)
        court.post("/command", {"command": "score", "team": "away", "points": 3})
        court.post("/command", {"command": "possession", "team": "home"})

        def board() -> list[str]:
            shown: list[str] = page.evaluate(
                "() => [document.body.dataset.mode, document.body.dataset.possession,"
                " ...['away-name', 'away-score', 'period', 'shot'].map(f =>"
                " document.querySelector(`[data-field='${f}']`).textContent)]"
            )
            return shown

        want = ["board", "home", "Owls", "3", "Q1", "24"]
        wait_until(lambda: board() == want, describe=board)
        assert opened and all(url.startswith(broker.ws_url) for url in opened), opened
    finally:
        court.stop()
