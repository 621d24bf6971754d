"""The operator page in a real browser (Debian's Chromium via Playwright), against
`score run` as a real process: what an operator actually sees and presses. The display is
in test_browser_display.py; zero, warnings and errors in test_browser_zero.py; layout and
joining from a tablet in test_browser_layout.py."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from tests.browser import (
    Opener,
    ScoreServer,
    bring_to_front,
    clock_seconds,
    clock_text,
    event_types_after,
    wait_connected,
    wait_server,
    wait_text,
    wait_until,
)

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

STATUS_COLOURS = {  # grey, green, yellow, red (status-bar.css)
    "unknown": "rgb(107, 114, 128)",
    "healthy": "rgb(34, 197, 94)",
    "pending": "rgb(250, 204, 21)",
    "dead": "rgb(239, 68, 68)",
}
STATUSES = tuple(STATUS_COLOURS)


# ---------------------------------------------------------------------------------------
# Operator page


def test_start_button_runs_the_clock(server: ScoreServer, open_: Opener) -> None:
    server.post("/clock", {"seconds": 30})
    page = open_(server.url)
    wait_text(page, "30.0")
    assert page.text_content("#toggle") == "Start"
    assert page.get_attribute("#clock", "data-running") == "false"

    page.click("#toggle")

    page.wait_for_selector("#toggle:text-is('Pause')")
    assert page.get_attribute("#clock", "data-running") == "true"
    assert server.state()["running"] is True
    readings = []
    started = time.monotonic()
    for _ in range(12):
        readings.append(clock_text(page))
        time.sleep(0.1)
    readings.append(clock_text(page))
    elapsed = time.monotonic() - started
    seconds = [clock_seconds(text) for text in readings]
    assert all(len(text.split(".")[-1]) == 1 for text in readings), readings  # tenths
    assert seconds == sorted(seconds, reverse=True), readings  # never goes back up
    assert seconds[0] < 30
    # It runs at the rate of real time (a busy machine may hold a frame back a little).
    assert abs((seconds[0] - seconds[-1]) - elapsed) < 0.4, (readings, elapsed)
    assert page.get_attribute("#clock", "data-stale") == "false"


def test_space_toggles_start_and_pause(server: ScoreServer, open_: Opener) -> None:
    start_id = server.post("/clock", {"seconds": 600})["state"]["last_event_id"]
    page = open_(server.url)

    page.keyboard.press("Space")
    wait_server(server, running=True)
    page.wait_for_selector("#clock[data-running='true']")
    assert page.text_content("#toggle") == "Pause"

    page.keyboard.press("Space")
    wait_server(server, running=False)
    page.wait_for_selector("#clock[data-running='false']")
    assert page.text_content("#toggle") == "Start"

    # Space on the focused toggle button toggles once, not twice (keydown + click).
    page.click("#toggle")
    wait_server(server, running=True)
    page.wait_for_selector("#clock[data-running='true']")
    page.keyboard.press("Space")
    wait_server(server, running=False)
    page.wait_for_selector("#clock[data-running='false']")

    # Two presses faster than the server answers (here: in one go) mean start, then
    # pause: the second press toggles what the first asked for, not what was last shown.
    page.evaluate(
        """() => {
            for (let i = 0; i < 2; i++) {
                document.body.dispatchEvent(new KeyboardEvent('keydown',
                    {key: ' ', code: 'Space', bubbles: true, cancelable: true}));
            }
        }"""
    )
    wait_until(
        lambda: len(event_types_after(server, start_id)) >= 6,
        timeout=10,
        describe=lambda: event_types_after(server, start_id),
    )

    # A space typed into the time field is text, not a command.
    page.click("#time-input")
    page.keyboard.press("Space")
    time.sleep(0.3)
    assert server.state()["running"] is False
    assert page.input_value("#time-input") == " "
    assert event_types_after(server, start_id) == ["GAME_STARTED", "GAME_PAUSED"] * 3


def test_typing_a_time_sets_the_clock(server: ScoreServer, open_: Opener) -> None:
    server.post("/clock", {"seconds": 20})
    page = open_(server.url)
    wait_text(page, "20.0")

    page.fill("#time-input", "1:30")
    page.press("#time-input", "Enter")

    wait_text(page, "1:30")
    assert server.state()["seconds"] == 90
    assert page.input_value("#time-input") == ""  # done: the field is emptied
    assert page.text_content("#input-error") == ""
    # ... and left, so Space starts the clock straight away.
    page.keyboard.press("Space")
    wait_server(server, running=True)
    page.wait_for_selector("#clock[data-running='true']")
    page.keyboard.press("Space")
    wait_server(server, running=False)

    page.fill("#time-input", "45.5")
    page.click("#set")
    wait_text(page, "45.5")
    assert server.state()["seconds"] == 45.5


@pytest.mark.parametrize("typed", ["abc", "1:75", "-5", "12.34", "100:00:00"])
def test_invalid_time_is_explained_and_records_nothing(
    server: ScoreServer, open_: Opener, typed: str
) -> None:
    before = server.post("/clock", {"seconds": 90})["state"]["last_event_id"]
    page = open_(server.url)
    wait_text(page, "1:30")

    page.fill("#time-input", typed)
    page.press("#time-input", "Enter")

    page.wait_for_function("() => document.getElementById('input-error').textContent !== ''")
    assert page.get_attribute("#time-input", "aria-invalid") == "true"
    assert page.input_value("#time-input") == typed  # kept, so the operator can fix it
    assert page.is_hidden("#server-error")
    time.sleep(0.2)
    assert clock_text(page) == "1:30"
    assert server.state()["last_event_id"] == before  # nothing recorded

    # Typing again clears the explanation.
    page.fill("#time-input", "1:")
    assert page.text_content("#input-error") == ""


def test_adjust_buttons_and_arrow_keys(server: ScoreServer, open_: Opener) -> None:
    server.post("/clock", {"seconds": 90})
    page = open_(server.url)
    wait_text(page, "1:30")

    page.click("#plus1")
    wait_server(server, seconds=91)
    wait_text(page, "1:31")

    # Two quick presses add up: each builds on the one still in flight.
    page.click("#minus1")
    page.click("#minus1")
    wait_server(server, seconds=89)
    wait_text(page, "1:29")

    page.click("#plus01")
    wait_server(server, seconds=89.1)
    page.click("#minus01")
    page.click("#minus01")
    wait_server(server, seconds=88.9)
    wait_text(page, "1:28")

    page.keyboard.press("ArrowUp")
    wait_server(server, seconds=89.9)
    page.keyboard.press("Shift+ArrowUp")
    wait_server(server, seconds=90)
    wait_text(page, "1:30")
    assert server.state()["running"] is False


def test_status_light_shows_the_pusher_status(server: ScoreServer, open_: Opener) -> None:
    page = open_(server.url)

    def page_status() -> str | None:
        status = page.get_attribute("#status-light", "data-status")
        label = page.text_content("#status-label") or ""
        # Label and light agree: the status is in words, not colour alone.
        return status if status in STATUSES and status in label else None

    # The status may move on (unknown -> pending -> healthy) while we look: wait until
    # the page and the server agree on one.
    wait_until(
        lambda: page_status() == server.state()["pusher_status"],
        describe=lambda: (page_status(), server.state()["pusher_status"]),
    )
    status, colour = page.eval_on_selector(
        "#status-light", "el => [el.dataset.status, getComputedStyle(el).backgroundColor]"
    )
    assert colour == STATUS_COLOURS[status]


def test_banner_while_the_server_is_down_then_reconnects_with_the_right_time(
    tmp_path: Path, open_: Opener
) -> None:
    server = ScoreServer(tmp_path / "score.db")
    try:
        server.post("/clock", {"seconds": 50})
        server.post("/start")
        page = open_(server.url)
        display = open_(f"{server.url}display")
        assert page.is_hidden("#banner")
        assert display.is_hidden("#conn")

        server.kill()

        page.wait_for_selector("#banner", state="visible", timeout=5000)
        assert page.get_attribute("body", "data-connected") == "false"
        display.wait_for_selector("#conn", state="visible", timeout=5000)
        assert display.get_attribute("body", "data-connected") == "false"
        # A command while down is not swallowed: the operator is told it was not sent.
        page.click("#toggle")
        page.wait_for_selector("#server-error", state="visible")
        assert "unreachable" in (page.text_content("#server-error-text") or "")
        # No news for a while: the clock is marked stale.
        page.wait_for_selector("#clock[data-stale='true']", timeout=6000)
        assert page.is_visible("#stale-badge")

        server = ScoreServer(tmp_path / "score.db", port=server.port)

        wait_connected(page, timeout=20)
        page.wait_for_selector("#banner", state="hidden")
        wait_connected(display, timeout=20)
        display.wait_for_selector("#conn", state="hidden")
        page.wait_for_selector("#clock[data-stale='false']")
        assert page.get_attribute("#clock", "data-running") == "true"
        # The clock ran on through the outage, and the page shows the server's time again.
        # Shown minus the server's remaining time, several times: the text is truncated to
        # tenths (so -0.1..0), and on a busy machine a frame may be drawn a little late.
        bring_to_front(page)
        differences = []
        for _ in range(7):
            before = server.state()["remaining_ms"] / 1000
            shown = clock_seconds(clock_text(page))
            after = server.state()["remaining_ms"] / 1000
            differences.append(round(shown - (before + after) / 2, 3))
            time.sleep(0.1)
        assert -0.2 <= statistics.median(differences) <= 0.1, differences
        assert max(map(abs, differences)) < 1, differences
        assert clock_seconds(clock_text(page)) < 47  # at least the ~3 s outage went by
        bring_to_front(display)
        before = server.state()["remaining_ms"] / 1000
        shown = clock_seconds(clock_text(display))
        assert before - 0.5 < shown <= before + 0.1, (before, shown)
        # The pause that could not be sent was not recorded either.
        assert event_types_after(server, 0) == ["CLOCK_SET", "GAME_STARTED"]
    finally:
        server.stop()
