"""Zero, the low-time warning and command errors, in a real browser (Debian's Chromium via
Playwright) against `score run` as a real process: the end of a period on the operator page
and the display, Start disabled at 0:00, amber digits as time runs low, and the error box and
disk-full banner that clear when a command succeeds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import (
    Opener,
    ScoreServer,
    answer_commands_with,
    clock_text,
    event_types_after,
    wait_server,
    wait_text,
)

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

RED = "rgb(239, 68, 68)"  # --red in style.css
AMBER = "rgb(245, 158, 11)"  # --amber
CLOCK_COLOUR = "getComputedStyle(document.getElementById('clock')).color"


def test_time_up_is_shown_on_both_pages_and_zero_is_held(
    server: ScoreServer, open_: Opener
) -> None:
    server.post("/clock", {"seconds": 1.5})
    operator = open_(server.url)
    display = open_(f"{server.url}display")
    assert operator.is_hidden("#end-mark") and display.is_hidden("#end-mark")

    server.post("/start")

    for page in (operator, display):
        page.wait_for_selector("#clock[data-phase='timeup']", timeout=5000)
        wait_text(page, "0.0")
        assert page.is_visible("#end-mark")
        assert page.evaluate(CLOCK_COLOUR) == RED
    wait_server(server, running=False, seconds=0)
    assert operator.text_content("#run-state") == "Time up"  # not "Paused"
    assert "end of period" in (operator.text_content("#end-mark") or "").lower()
    assert display.is_hidden("#run-status")  # the end mark, not a PAUSED line
    # Held: a state message after the expiry still draws 0.0 in the time-up state.
    for page in (operator, display):
        page.wait_for_function("() => document.getElementById('clock').dataset.running === 'false'")
        assert clock_text(page) == "0.0"
        assert page.get_attribute("#clock", "data-phase") == "timeup"


def test_start_at_zero_is_disabled_with_a_hint_and_sends_nothing(
    server: ScoreServer, open_: Opener
) -> None:
    before = server.post("/clock", {"seconds": 0})["state"]["last_event_id"]
    page = open_(server.url)
    page.wait_for_selector("#toggle:disabled")
    assert page.is_visible("#toggle-hint")
    assert "set a time" in (page.text_content("#toggle-hint") or "")
    assert page.get_attribute("#toggle", "aria-describedby") == "toggle-hint"

    page.keyboard.press("Space")  # the shortcut is blocked as well as the button
    page.click("#toggle", force=True)  # a disabled button ignores the click
    page.fill("#time-input", "5")
    page.press("#time-input", "Enter")

    wait_text(page, "5.0")
    page.wait_for_selector("#toggle:enabled")
    assert page.is_hidden("#toggle-hint")
    assert page.is_hidden("#server-error")  # no raw clock_at_zero error
    assert event_types_after(server, before) == ["CLOCK_SET"]
    page.click("#toggle")
    wait_server(server, running=True)


def test_warning_colour_from_the_threshold_set_on_each_page(
    server: ScoreServer, open_: Opener
) -> None:
    server.post("/clock", {"seconds": 90})
    operator = open_(server.url)
    default = open_(f"{server.url}display")
    early = open_(f"{server.url}display?warn=120")
    never = open_(f"{server.url}display?warn=0")
    assert operator.input_value("#warn-input") == "60"  # the default
    for page in (operator, default, never):
        assert page.get_attribute("#clock", "data-warning") == "false"
        assert page.evaluate(CLOCK_COLOUR) not in (AMBER, RED)
    early.wait_for_selector("#clock[data-warning='true']")
    assert early.evaluate(CLOCK_COLOUR) == AMBER

    server.post("/clock", {"seconds": 45})
    for page in (operator, default, early):
        page.wait_for_selector("#clock[data-warning='true']")
        assert page.evaluate(CLOCK_COLOUR) == AMBER
    wait_text(never, "45.0")
    assert never.get_attribute("#clock", "data-warning") == "false"

    # The operator's own threshold, kept in this browser across a reload.
    operator.fill("#warn-input", "30")
    operator.press("#warn-input", "Enter")
    operator.wait_for_selector("#clock[data-warning='false']")
    operator.reload()
    operator.wait_for_selector("#clock[data-phase='paused']")
    assert operator.input_value("#warn-input") == "30"
    assert operator.get_attribute("#clock", "data-warning") == "false"
    server.post("/clock", {"seconds": 25})
    operator.wait_for_selector("#clock[data-warning='true']")
    operator.fill("#warn-input", "60")  # leave the browser's profile as it was
    operator.press("#warn-input", "Enter")


def test_error_box_clears_after_the_next_successful_command(
    server: ScoreServer, open_: Opener
) -> None:
    server.post("/clock", {"seconds": 90})
    refusals: list[dict[str, Any]] = [{"code": "bad_seconds", "message": "seconds out of range"}]
    page = open_(server.url, setup=answer_commands_with(refusals))

    page.click("#plus1")

    page.wait_for_selector("#server-error", state="visible")
    assert page.text_content("#server-error-text") == "seconds out of range (bad_seconds)"
    assert page.is_hidden("#storage-banner")
    page.click("#plus1")  # this one reaches the server
    wait_server(server, seconds=91)
    page.wait_for_selector("#server-error", state="hidden")


def test_disk_full_banner_stays_until_a_command_succeeds(
    server: ScoreServer, open_: Opener
) -> None:
    server.post("/clock", {"seconds": 90})
    refusals: list[dict[str, Any]] = [
        {"code": "storage_full", "message": "the disk is full; this change was not recorded"},
        {"code": "storage_full", "message": "the disk is still full; this change was not recorded"},
    ]
    page = open_(server.url, setup=answer_commands_with(refusals))

    page.click("#toggle")

    page.wait_for_selector("#storage-banner", state="visible")
    assert "the disk is full" in (page.text_content("#storage-banner") or "")
    colour = page.eval_on_selector("#storage-banner", "el => getComputedStyle(el).backgroundColor")
    assert colour == RED
    assert page.locator("#storage-banner button").count() == 0  # nothing to dismiss it
    assert page.is_hidden("#server-error")
    # News from elsewhere (another operator's change) is not a success of this page's.
    server.post("/clock", {"seconds": 95})
    wait_text(page, "1:35")
    assert page.is_visible("#storage-banner")
    page.click("#plus1")  # refused again: the banner stays
    page.wait_for_selector("#storage-banner:has-text('still full')")
    assert server.state()["seconds"] == 95
    page.click("#plus1")  # this one is recorded

    wait_server(server, seconds=96, running=False)
    page.wait_for_selector("#storage-banner", state="hidden")
    assert not refusals
