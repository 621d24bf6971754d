"""The operator page and the display in a real browser (Debian's Chromium via Playwright),
against `score run` as a real process: what an operator and a crowd actually see."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.browser import (
    CHROMIUM,
    ScoreServer,
    bring_to_front,
    clock_seconds,
    clock_text,
    launch_chromium,
    replay_json,
    wait_connected,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

STATUS_COLOURS = {  # grey, green, yellow, red (style.css)
    "unknown": "rgb(107, 114, 128)",
    "healthy": "rgb(34, 197, 94)",
    "pending": "rgb(250, 204, 21)",
    "dead": "rgb(239, 68, 68)",
}
STATUSES = tuple(STATUS_COLOURS)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One Chromium for this module, with a fresh profile; each test opens its own pages."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path_factory.mktemp("chromium-profile"))
        context.set_default_timeout(10_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScoreServer]:
    # One server for the tests that do not kill it: `score run` takes seconds to start
    # and stop on a busy machine. Each test sets the clock it needs first.
    running = ScoreServer(tmp_path_factory.mktemp("score") / "score.db")
    yield running
    running.stop()


@pytest.fixture
def server(shared_server: ScoreServer) -> ScoreServer:
    """The shared server with its clock paused (no event if it already was)."""
    shared_server.post("/pause")
    return shared_server


@pytest.fixture
def open_(browser: BrowserContext) -> Iterator[Callable[[str], Page]]:
    """Open a page and wait until it is connected; every page is closed after the test,
    which fails if a page threw an uncaught exception."""
    pages: list[Page] = []
    errors: list[str] = []

    def opener(url: str) -> Page:
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(f"{url}: {error}"))
        page.goto(url)
        wait_connected(page)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()
    assert not errors, errors


def wait_text(page: Page, text: str, timeout: float = 5) -> None:
    page.wait_for_function(
        "text => document.getElementById('clock').textContent === text",
        arg=text,
        timeout=timeout * 1000,
    )


def wait_server(server: ScoreServer, **expected: object) -> None:
    wait_until(
        lambda: all(server.state()[k] == v for k, v in expected.items()),
        describe=lambda: f"expected {expected}, server state {server.state()}",
    )


def event_types_after(server: ScoreServer, last_event_id: int) -> list[str]:
    """Types of the events stored after `last_event_id`, from `score replay --json`."""
    history = replay_json(server.db)["events"]
    return [event["type"] for event in history if event["id"] > last_event_id]


# ---------------------------------------------------------------------------------------
# Operator page


def test_start_button_runs_the_clock(server: ScoreServer, open_: Callable[[str], Page]) -> None:
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


def test_space_toggles_start_and_pause(server: ScoreServer, open_: Callable[[str], Page]) -> None:
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


def test_typing_a_time_sets_the_clock(server: ScoreServer, open_: Callable[[str], Page]) -> None:
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
    server: ScoreServer, open_: Callable[[str], Page], typed: str
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


def test_adjust_buttons_and_arrow_keys(server: ScoreServer, open_: Callable[[str], Page]) -> None:
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


def test_status_light_shows_the_pusher_status(
    server: ScoreServer, open_: Callable[[str], Page]
) -> None:
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
    tmp_path: Path, open_: Callable[[str], Page]
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


@pytest.mark.parametrize("viewport", [(390, 844), (768, 1024), (1280, 800)])
def test_clock_fits_and_the_controls_stay_put_whatever_the_format(
    server: ScoreServer, open_: Callable[[str], Page], viewport: tuple[int, int]
) -> None:
    """Going under a minute (tenths) or over an hour must not move the buttons under the
    operator's finger, nor push the clock out of its box, on either page."""
    width, height = viewport
    operator = open_(server.url)
    display = open_(f"{server.url}display")
    for page in (operator, display):
        page.set_viewport_size({"width": width, "height": height})
    layouts = []
    for seconds, text in [(359999.9, "99:59:59"), (60, "1:00"), (59.9, "59.9"), (5, "5.0")]:
        server.post("/clock", {"seconds": seconds})
        for page in (operator, display):
            wait_text(page, text)
            fits = page.evaluate(
                """() => {
                    const clock = document.getElementById('clock');
                    const box = clock.getBoundingClientRect();
                    const root = document.documentElement;
                    return clock.scrollWidth <= clock.clientWidth
                        && box.left >= 0 && box.right <= innerWidth
                        && root.scrollWidth <= innerWidth;
                }"""
            )
            assert fits, (viewport, text, page.url)
        layouts.append(
            operator.evaluate(
                """() => ['toggle', 'minus1', 'plus01', 'time-input'].map(id => {
                    const box = document.getElementById(id).getBoundingClientRect();
                    return [box.left, box.top, box.width, box.height];
                })"""
            )
        )
    assert all(layout == layouts[0] for layout in layouts), layouts


# ---------------------------------------------------------------------------------------
# Display


def test_display_draws_tenths_smoothly_and_never_back_up(
    server: ScoreServer, open_: Callable[[str], Page]
) -> None:
    server.post("/clock", {"seconds": 40})
    page = open_(f"{server.url}display")
    bring_to_front(page)
    server.post("/start")
    page.wait_for_selector("#clock[data-running='true']")
    # Every frame's text for 2.5 s: long enough to cross two or more server messages.
    shown: list[str] = page.evaluate(
        """() => new Promise(resolve => {
            const seen = [];
            const end = performance.now() + 2500;
            const step = () => {
                seen.push(document.getElementById('clock').textContent);
                if (performance.now() < end) requestAnimationFrame(step);
                else resolve(seen);
            };
            requestAnimationFrame(step);
        })"""
    )
    seconds = [clock_seconds(text) for text in shown]
    assert seconds == sorted(seconds, reverse=True), shown
    assert len(set(seconds)) >= 18, shown  # tenths drawn between messages (25 expected)


def test_display_follows_an_http_change_within_100_ms(
    server: ScoreServer, open_: Callable[[str], Page]
) -> None:
    server.post("/clock", {"seconds": 30})
    page = open_(f"{server.url}display")
    bring_to_front(page)
    wait_text(page, "30.0")

    latencies = []
    for i in range(5):
        seconds = 40.5 + i
        t0 = time.perf_counter()
        server.post("/clock", {"seconds": seconds})
        wait_text(page, f"{seconds:.1f}", timeout=5)
        latencies.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.15)

    median = statistics.median(latencies)
    print(  # shown with -s or -rP: the numbers behind the assertion
        "display latency ms: "
        + ", ".join(f"{ms:.1f}" for ms in latencies)
        + f" (median {median:.1f}, best {min(latencies):.1f})"
    )
    assert median < 100, latencies


def test_display_has_no_controls_and_a_dark_background(
    server: ScoreServer, open_: Callable[[str], Page]
) -> None:
    page = open_(f"{server.url}display")
    assert page.locator("button, input, a, form").count() == 0
    assert page.is_hidden("#conn")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"


def test_display_transparent_background_for_overlays(
    server: ScoreServer, open_: Callable[[str], Page]
) -> None:
    page = open_(f"{server.url}display?bg=transparent")
    backgrounds = page.evaluate(
        "[document.documentElement, document.body].map(el => getComputedStyle(el).backgroundColor)"
    )
    assert backgrounds == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]


def test_pages_fetch_nothing_from_elsewhere(server: ScoreServer, browser: BrowserContext) -> None:
    """Venues are offline: every request goes to the Score server itself."""
    requested: list[str] = []
    for path in ("", "display", "display?bg=transparent"):
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda ws: requested.append(ws.url))
        try:
            page.goto(f"{server.url}{path}")
            wait_connected(page)
        finally:
            page.close()
    origin = server.url.removeprefix("http://")
    elsewhere = [
        url
        for url in requested
        if not url.startswith((f"http://{origin}", f"ws://{origin}", "data:"))
    ]
    assert requested and not elsewhere, elsewhere
