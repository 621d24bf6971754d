"""Displays through a broker, in a real Chromium: `/display?mqtt=...` follows one court
and `/courts?mqtt=...&topic=score/+` every court, over Mosquitto's WebSockets listener,
with two real `score run` processes publishing to it (no page talks to Score's /ws)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import Opener, ScoreServer, clock_seconds, clock_text, wait_until
from tests.mosquitto import Broker

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.mqtt, pytest.mark.timeout(90)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    running = Broker(tmp_path_factory.mktemp("broker"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def courts(
    broker: Broker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ScoreServer]]:
    folder = tmp_path_factory.mktemp("courts")
    servers = {
        name: ScoreServer(folder / f"{name}.db", args=["--to", f"{broker.url}/score/{name}"])
        for name in ("court1", "court2")
    }
    yield servers
    for server in servers.values():
        server.stop()


def test_a_display_follows_its_court_through_the_broker_and_survives_a_restart(
    broker: Broker, courts: dict[str, ScoreServer], open_: Opener
) -> None:
    court = courts["court1"]
    court.post("/pause")
    court.post("/clock", {"seconds": 42})
    opened: list[str] = []
    page = open_(
        f"{court.url}display?mqtt={broker.ws_url}&topic=score/court1",
        setup=lambda page: page.on("websocket", lambda socket: opened.append(socket.url)),
    )
    wait_until(lambda: clock_seconds(clock_text(page)) == 42, describe=lambda: clock_text(page))
    court.post("/start")

    # Tenths drawn between the states, counting down.
    def counting() -> str | None:
        text = clock_text(page)
        return text if "." in text and clock_seconds(text) < 42 else None

    first = wait_until(counting)
    wait_until(lambda: clock_seconds(clock_text(page)) < clock_seconds(first))
    court.post("/pause")
    broker.kill()
    page.wait_for_function("() => document.body.dataset.connected === 'false'", timeout=10_000)
    assert page.is_visible("#conn")
    court.post("/clock", {"seconds": 17})
    broker.start()
    # Back by itself (jittered backoff), with what happened meanwhile.
    wait_until(lambda: clock_seconds(clock_text(page)) == 17, timeout=20)
    assert page.evaluate("() => document.body.dataset.connected") == "true"
    assert opened and all(url.startswith(broker.ws_url) for url in opened), opened


def test_the_courts_page_shows_every_court_live(
    broker: Broker, courts: dict[str, ScoreServer], open_: Opener
) -> None:
    for seconds, court in zip((65, 125), courts.values(), strict=True):
        court.post("/pause")
        court.post("/clock", {"seconds": seconds})
    url = next(iter(courts.values())).url
    page = open_(f"{url}courts?mqtt={broker.ws_url}&topic=score/+", connected=False)
    page.wait_for_function("() => document.querySelectorAll('.court').length === 2")

    def shown() -> dict[str, str]:
        texts: dict[str, str] = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('.court')]"
            ".map(c => [c.dataset.court, c.querySelector('.clock').textContent]))"
        )
        return texts

    wait_until(lambda: shown() == {"score/court1": "1:05", "score/court2": "2:05"}, describe=shown)
    assert [c for c in shown()] == ["score/court1", "score/court2"]  # in name order
    courts["court2"].post("/start")
    wait_until(lambda: clock_seconds(shown()["score/court2"]) < 125, describe=shown)
    assert shown()["score/court1"] == "1:05"
    courts["court2"].post("/pause")
