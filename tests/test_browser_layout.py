"""Layout and joining, in a real browser (Debian's Chromium via Playwright) against `score
run` as a real process: the clock fits and the controls stay put on phones, tablets and
laptops, the set-time field is reachable, the "Join from a tablet" QR code, and the pure page
modules checked in Chromium on the same cases as under Node."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route

from tests.browser import Opener, ScoreServer, wait_server, wait_text

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


@pytest.mark.parametrize("viewport", [(390, 844), (768, 1024), (1024, 768), (1280, 800)])
def test_clock_fits_and_the_controls_stay_put_whatever_the_format(
    server: ScoreServer, open_: Opener, viewport: tuple[int, int]
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


@pytest.mark.parametrize("viewport", [(1024, 768), (390, 844)])
def test_the_set_time_field_can_be_reached_and_used(
    server: ScoreServer, open_: Opener, viewport: tuple[int, int]
) -> None:
    width, height = viewport
    server.post("/clock", {"seconds": 0})  # the tallest state: hint under Start, end mark
    page = open_(server.url)
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_selector("#toggle-hint", state="visible")
    page.locator("#time-input").scroll_into_view_if_needed()
    reachable = page.evaluate(
        """() => ['time-input', 'set'].every(id => {
            const box = document.getElementById(id).getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const hit = document.elementFromPoint(x, y);
            return box.top >= 0 && box.bottom <= innerHeight && box.width >= 44
                && box.height >= 44 && hit === document.getElementById(id);
        }) && document.documentElement.scrollWidth <= innerWidth"""
    )
    assert reachable, viewport
    if viewport == (1024, 768):  # a laptop or tablet: every control on the first screen
        page.evaluate("scrollTo(0, 0)")
        bottoms = page.evaluate(
            "['toggle', 'plus1', 'time-input', 'set']"
            ".map(id => document.getElementById(id).getBoundingClientRect().bottom)"
        )
        assert max(bottoms) <= height, bottoms
    page.fill("#time-input", "2:00")
    page.press("#time-input", "Enter")
    wait_server(server, seconds=120)


# ---------------------------------------------------------------------------------------
# Joining from a tablet


def join_route(answer: dict[str, Any] | None, seen: list[str | None]) -> Callable[[Page], None]:
    """A page setup: GET /join answers `answer` (None: 404), noting each Authorization."""

    def handle(route: Route) -> None:
        seen.append(route.request.headers.get("authorization"))
        if answer is None:
            route.fulfill(status=404, json={"error": {"code": "not_found", "message": "no"}})
        else:
            route.fulfill(json=answer)

    return lambda page: page.route("**/join", handle)


def test_join_panel_shows_the_operator_url_as_a_qr_code(server: ScoreServer, open_: Opener) -> None:
    url = "http://192.168.1.20:8000/?token=k3y"
    answer = {"operator_urls": [url], "display_urls": ["http://192.168.1.20:8000/display"]}
    seen: list[str | None] = []
    page = open_(f"{server.url}?token=k3y", setup=join_route(answer, seen))

    page.wait_for_selector("#join-panel", state="visible")
    assert page.text_content("#join-url") == url
    assert page.get_attribute("#join-url", "href") == url
    size = page.eval_on_selector(
        "#join-qr", "img => img.complete && [img.naturalWidth, img.naturalHeight]"
    )
    assert size and size[0] == size[1] >= (21 + 8) * 4, size  # a whole QR code, quiet zone
    assert page.get_attribute("#join-qr", "alt")
    assert seen[0] == "Bearer k3y"  # the same auth as control


def test_join_panel_from_the_real_join_endpoint(tmp_path: Path, open_: Opener) -> None:
    """Bound to every address with a token, as for a tablet: the panel shows what the server
    answers (no panel on a machine without a LAN address, where the list is empty)."""
    server = ScoreServer(tmp_path / "score.db", args=["--host", "0.0.0.0", "--token", "k3y"])
    try:
        request = urllib.request.Request(
            f"{server.url}join", headers={"Authorization": "Bearer k3y"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            operator_urls = json.loads(response.read())["operator_urls"]
        page = open_(f"{server.url}?token=k3y")
        page.wait_for_selector("#join-panel[data-state]", state="attached")
        if operator_urls:
            assert page.is_visible("#join-panel")
            assert page.text_content("#join-url") == operator_urls[0]
            assert operator_urls[0].endswith(f":{server.port}/?token=k3y")
        else:
            assert page.is_hidden("#join-panel")
    finally:
        server.stop()


@pytest.mark.parametrize("answer", [None, {"operator_urls": [], "display_urls": []}])
def test_join_panel_hidden_without_an_operator_url(
    server: ScoreServer, open_: Opener, answer: dict[str, Any] | None
) -> None:
    seen: list[str | None] = []
    page = open_(server.url, setup=join_route(answer, seen))
    page.wait_for_selector("#join-panel[data-state='none']", state="attached")
    assert page.is_hidden("#join-panel")
    assert seen == [None]  # asked once, without a token: none in this page's URL


# ---------------------------------------------------------------------------------------
# The pure modules in Chromium, on the cases node --test checks (tests/js/format-cases.json)


def test_the_page_modules_agree_with_the_node_tests_in_chromium(
    server: ScoreServer, open_: Opener
) -> None:
    cases = json.loads((Path(__file__).parent / "js" / "format-cases.json").read_text())
    page = open_(f"{server.url}display")
    results = page.evaluate(
        """async cases => {
            const { formatClock, parseTime } = await import('./format.js');
            return {
                formatClock: cases.formatClock.map(([ms]) => formatClock(ms)),
                parseTime: cases.parseTime.map(([typed]) => {
                    const parsed = parseTime(typed);
                    return parsed.ok ? parsed.seconds : null;
                }),
            };
        }""",
        cases,
    )
    assert results["formatClock"] == [text for _, text in cases["formatClock"]]
    assert results["parseTime"] == [seconds for _, seconds in cases["parseTime"]]
