"""The display page in a real browser (Debian's Chromium via Playwright), against `score
run` as a real process: what a crowd, a TV and an OBS overlay actually show."""

from __future__ import annotations

import base64
import statistics
import time
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser import (
    Opener,
    ScoreServer,
    bring_to_front,
    clock_seconds,
    wait_connected,
    wait_text,
)

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

DRAWN_ELEMENTS = """() => [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0'
        || box.width === 0 || box.height === 0) return false;
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const paint = style.backgroundColor !== 'rgba(0, 0, 0, 0)' || style.backgroundImage !== 'none'
        || style.borderTopStyle !== 'none' || style.boxShadow !== 'none'
        || style.outlineStyle !== 'none';
    const pseudo = ['::before', '::after'].some(p => getComputedStyle(el, p).content !== 'none');
    return text || paint || pseudo;
}).map(el => el.id || el.tagName.toLowerCase())"""

# Pixels of a transparent-background screenshot that are not fully transparent, inside and
# outside the clock's box (grown by its text shadow).
PIXELS_AROUND_CLOCK = """async png => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + png;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, image.width, image.height);
    const clock = document.getElementById('clock');
    const box = clock.getBoundingClientRect();
    const grow = 0.25 * parseFloat(getComputedStyle(clock).fontSize);
    let inside = 0, outside = 0;
    for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
            if (data[(y * image.width + x) * 4 + 3] === 0) continue;
            const near = x >= box.left - grow && x <= box.right + grow
                && y >= box.top - grow && y <= box.bottom + grow;
            if (near) inside++; else outside++;
        }
    }
    return { inside, outside };
}"""


def drawn_elements(page: Page) -> list[str]:
    drawn: list[str] = page.evaluate(DRAWN_ELEMENTS)
    return drawn


# ---------------------------------------------------------------------------------------
# Display


def test_display_draws_tenths_smoothly_and_never_back_up(
    server: ScoreServer, open_: Opener
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


def test_display_follows_an_http_change_within_100_ms(server: ScoreServer, open_: Opener) -> None:
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


def test_display_has_no_controls_and_a_dark_background(server: ScoreServer, open_: Opener) -> None:
    page = open_(f"{server.url}display")
    assert page.locator("button, input, a, form").count() == 0
    assert page.is_hidden("#conn")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"


def test_display_transparent_background_for_overlays(server: ScoreServer, open_: Opener) -> None:
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


def test_display_shows_paused_and_running_unless_told_not_to(
    server: ScoreServer, open_: Opener
) -> None:
    server.post("/clock", {"seconds": 30})
    tv = open_(f"{server.url}display")
    quiet = open_(f"{server.url}display?status=0")
    overlay = open_(f"{server.url}display?bg=transparent")

    tv.wait_for_selector("#run-status", state="visible")
    assert (tv.text_content("#run-status") or "").strip().upper() == "PAUSED"
    clock_bottom, status_top = tv.evaluate(
        "['clock', 'run-status'].map(id => document.getElementById(id).getBoundingClientRect())"
        ".map((box, i) => i ? box.top : box.bottom)"
    )
    assert clock_bottom <= status_top  # under the digits, not over them
    assert quiet.is_hidden("#run-status")
    assert overlay.locator("#run-status").count() == 0  # never drawn on air

    server.post("/start")
    tv.wait_for_selector("#run-status", state="hidden")
    overlay.wait_for_selector("#clock[data-running='true']")
    assert drawn_elements(overlay) == ["clock"]

    server.post("/pause")
    tv.wait_for_selector("#run-status", state="visible")
    quiet.wait_for_selector("#clock[data-running='false']")
    assert quiet.is_hidden("#run-status")
    overlay.wait_for_selector("#clock[data-running='false']")
    assert drawn_elements(overlay) == ["clock"]


def test_stale_on_air_dims_only_the_digits_and_a_tv_shows_a_large_badge(
    tmp_path: Path, open_: Opener
) -> None:
    server = ScoreServer(tmp_path / "score.db")
    try:
        server.post("/clock", {"seconds": 30})
        server.post("/start")
        overlay = open_(f"{server.url}display?bg=transparent")
        tv = open_(f"{server.url}display")
        opacity = "getComputedStyle(document.getElementById('clock')).opacity"
        # Live: full opacity once the 0.2 s fade-in from the page's first, stale frame is
        # over (reading it at once caught the fade at 0.998 on a busy machine).
        overlay.wait_for_function(f"() => {opacity} === '1'", timeout=2000)

        server.kill()

        for page in (overlay, tv):
            page.wait_for_selector("#clock[data-stale='true']", timeout=8000)
        # On air: still nothing but the digits, dimmed (transition done) but readable.
        overlay.wait_for_function(f"() => parseFloat({opacity}) <= 0.7")
        assert float(overlay.evaluate(opacity)) >= 0.4
        assert drawn_elements(overlay) == ["clock"]
        assert overlay.locator("#conn, #stale-badge, #run-status, #end-mark").count() == 0
        backgrounds = overlay.evaluate(
            "[document.documentElement, document.body, document.querySelector('main')]"
            ".map(el => getComputedStyle(el).backgroundColor)"
        )
        assert backgrounds == ["rgba(0, 0, 0, 0)"] * 3
        png = base64.b64encode(overlay.screenshot(omit_background=True)).decode()
        pixels = overlay.evaluate(PIXELS_AROUND_CLOCK, png)
        assert pixels["inside"] > 0 and pixels["outside"] == 0, pixels
        # On a TV: a badge readable across a gym (9% of the screen's height), and the marker.
        tv.wait_for_selector("#stale-badge", state="visible")
        share = tv.eval_on_selector(
            "#stale-badge", "el => parseFloat(getComputedStyle(el).fontSize) / innerHeight"
        )
        assert share >= 0.08, share
        assert tv.is_visible("#conn")
    finally:
        server.stop()
