"""The game's pages in a real browser (Debian's Chromium via Playwright) against `score run
--rules basketball-fiba` as a real process: a game driven from the console by keys alone
while the scoreboard, the shot-clock unit and the scorebug follow; Undo naming what it
undoes; keys remapped and kept; every page at tablet and phone size; the plain clock's
page untouched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser import Opener, ScoreServer, wait_until

pytest_plugins = ["tests.browser_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
PAGES = ["", "display", "display?show=shot", "display?show=clock", "overlay"]


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScoreServer]:
    running = ScoreServer(
        tmp_path_factory.mktemp("game") / "game.db", args=["--rules", "basketball-fiba"]
    )
    for team, name, color in (("home", "Hawks", "#1d4ed8"), ("away", "Owls", "#b91c1c")):
        running.post("/command", {"command": "team", "team": team, "name": name, "color": color})
    yield running
    running.stop()


@pytest.fixture
def console(game: ScoreServer, open_: Opener) -> Page:
    """The console on a tablet, with the default keys (the browser profile is the module's)."""
    game.post("/pause")
    page = open_(game.url)
    page.evaluate("() => localStorage.removeItem('score.keys')")
    page.reload()
    page.set_viewport_size(TABLET)
    page.wait_for_function("() => document.body.classList.contains('game')")
    return page


def field(page: Page, name: str) -> str:
    text: str = page.eval_on_selector(f"[data-field='{name}']", "el => el.textContent")
    return text


def wait_field(page: Page, name: str, text: str) -> None:
    wait_until(
        lambda: field(page, name) == text,
        describe=lambda: f"{page.url}: {name} is {field(page, name)!r}, not {text!r}",
    )


def teams(game: ScoreServer) -> dict[str, Any]:
    state: dict[str, Any] = game.state()["teams"]
    return state


def test_a_game_by_keys_alone_while_every_screen_follows(
    game: ScoreServer, console: Page, open_: Opener
) -> None:
    screens = [open_(f"{game.url}{path}") for path in ("display", "display?show=shot", "overlay")]
    before = teams(game)
    home = before["home"]["score"] + 3
    away = before["away"]["score"] + 2
    for key in ("e", "i", "s"):  # home +3, away +2, home foul
        console.keyboard.press(key)
    wait_until(lambda: teams(game)["home"]["fouls"] == before["home"]["fouls"] + 1)
    for screen in screens:
        wait_field(screen, "home-score", str(home))
        wait_field(screen, "away-score", str(away))
    wait_field(screens[0], "home-fouls", str(before["home"]["fouls"] + 1))
    assert field(screens[0], "home-name") == "Hawks"

    console.keyboard.press("m")  # away has the arrow
    wait_until(lambda: screens[0].evaluate("document.body.dataset.possession") == "away")

    console.keyboard.press("Space")  # start: the shot clock runs with the game clock
    wait_until(lambda: game.state()["running"])
    wait_until(lambda: field(screens[1], "shot") not in ("24", ""))
    console.keyboard.press("t")  # short reset: 14
    wait_until(lambda: game.state()["shot_clock"]["remaining_ms"] <= 14_000)
    console.keyboard.press("Space")
    wait_until(lambda: not game.state()["running"])
    shot = game.state()["shot_clock"]["seconds"]
    for screen in screens:
        wait_field(screen, "shot", str(int(-(-shot // 1))))

    period = game.state()["period"]
    console.keyboard.press("p")  # next period
    wait_until(lambda: game.state()["period"] == period + 1)
    label = f"Q{period + 1}" if period + 1 <= 4 else f"OT{period - 3}"
    for screen in screens:
        wait_field(screen, "period", label)
    wait_field(screens[1], "shot", "24")  # a new period resets the shot clock
    console.wait_for_function(
        "label => document.getElementById('undo').textContent.startsWith(label)",
        arg=f"Undo: period {period + 1}",
    )
    console.keyboard.press("Backspace")  # undo the period
    for screen in screens:
        wait_field(screen, "period", f"Q{period}" if period <= 4 else f"OT{period - 4}")
    assert teams(game)["home"]["score"] == home


def test_undo_says_what_it_will_undo_and_walks_back(game: ScoreServer, console: Page) -> None:
    start = teams(game)["home"]["score"]
    console.keyboard.press("e")
    console.wait_for_function(
        "() => document.getElementById('undo').textContent.startsWith('Undo: Hawks +3')"
    )
    console.keyboard.press("k")  # away foul
    console.wait_for_function(
        "() => document.getElementById('undo').textContent.startsWith('Undo: Owls foul +1')"
    )
    console.click("#undo")  # the button does what the key does
    console.wait_for_function(
        "() => document.getElementById('undo').textContent.startsWith('Undo: Hawks +3')"
    )
    console.keyboard.press("Backspace")
    wait_until(lambda: teams(game)["home"]["score"] == start)
    wait_field(console, "home-score", str(start))


def test_keys_are_remapped_on_the_page_and_kept(game: ScoreServer, console: Page) -> None:
    console.click("#keys-panel summary")
    console.click("[data-key-action='horn'] button")
    console.wait_for_selector("[data-key-action='horn'].capturing")
    console.keyboard.press("e")  # E leaves +3 for the horn
    assert console.text_content("[data-action='horn'] kbd") == "E"
    assert console.text_content("[data-action='home_plus3'] kbd") == "—"
    console.reload()
    console.wait_for_function("() => document.body.classList.contains('game')")
    assert console.text_content("[data-action='horn'] kbd") == "E"
    horn = game.state()["horn"]
    score = teams(game)["home"]["score"]
    console.keyboard.press("e")
    wait_until(lambda: game.state()["horn"] != horn)
    assert game.state()["horn"]["reason"] == "operator"
    assert teams(game)["home"]["score"] == score
    console.click("#keys-panel summary")
    console.click("#keys-reset")
    assert console.text_content("[data-action='home_plus3'] kbd") == "E"


def test_keys_do_nothing_while_typing_a_time(game: ScoreServer, console: Page) -> None:
    score = teams(game)["home"]["score"]
    console.keyboard.press("c")  # the time field
    assert console.evaluate("document.activeElement.id") == "time-input"
    console.keyboard.type("e")  # a letter in the field, not home +3
    console.keyboard.press("Backspace")  # nor undo
    console.keyboard.type("5:00")
    console.keyboard.press("Enter")
    wait_until(lambda: game.state()["remaining_ms"] == 300_000)
    assert teams(game)["home"]["score"] == score
    assert game.state()["undo_next"]["kind"] == "clock"
    # The answer empties the field and leaves it; then the nudges are keys again.
    console.wait_for_function("() => document.activeElement.id !== 'time-input'")
    console.keyboard.press("ArrowUp")
    wait_until(lambda: game.state()["remaining_ms"] == 301_000)
    assert console.text_content("[data-key-for='clock_plus1']") == "↑"


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_every_page_fits_the_screen(game: ScoreServer, open_: Opener, size: dict[str, int]) -> None:
    for path in PAGES:
        page = open_(f"{game.url}{path}")
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        problems = page.evaluate(
            """() => {
                const out = [];
                const root = document.documentElement;
                if (root.scrollWidth > innerWidth) out.push('page wider than the screen');
                for (const el of document.querySelectorAll('[data-field], #clock, [data-action]')) {
                    const box = el.getBoundingClientRect();
                    if (box.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
                    const name = el.dataset.field || el.dataset.action || el.id;
                    if (box.left < -1 || box.right > innerWidth + 1) out.push(name);
                    if (el.matches('button') && box.height < 44) out.push('small ' + name);
                }
                return out;
            }"""
        )
        assert problems == [], (path, size, problems)
        if path == "" and size == TABLET:
            # A whole game without scrolling: every action's button is on the screen.
            below = page.evaluate(
                """() => [...document.querySelectorAll('[data-action]')]
                    .filter(b => b.getBoundingClientRect().height > 0
                        && b.getBoundingClientRect().bottom > innerHeight)
                    .map(b => b.dataset.action)"""
            )
            assert below == [], below
        if path.startswith("display") or path == "overlay":
            # A screen shows the whole game without scrolling.
            assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), path


def test_console_drives_every_action_from_its_buttons_on_a_phone(
    game: ScoreServer, console: Page
) -> None:
    console.set_viewport_size(PHONE)
    before = teams(game)
    console.click("[data-action='away_plus1']")
    console.click("[data-action='away_timeout']")
    left = before["away"]["timeouts_left"]
    wait_until(lambda: teams(game)["away"]["timeouts_left"] == left - 1)
    assert teams(game)["away"]["score"] == before["away"]["score"] + 1


def test_overlay_draws_nothing_but_the_scorebug(game: ScoreServer, open_: Opener) -> None:
    page = open_(f"{game.url}overlay?pos=bottom-right&scale=1.5")
    backgrounds = page.evaluate(
        "[document.documentElement, document.body].map(el => getComputedStyle(el).backgroundColor)"
    )
    assert backgrounds == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]
    outside = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(el => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && !document.getElementById('bug').contains(el);
        }).map(el => el.id || el.tagName)"""
    )
    assert outside == []
    box = page.eval_on_selector("#bug", "el => el.getBoundingClientRect().toJSON()")
    width, height = page.evaluate("[innerWidth, innerHeight]")
    assert box["right"] > width * 0.9 and box["bottom"] > height * 0.9  # bottom right
    assert page.locator("button, input, a, form").count() == 0


def test_the_plain_clock_keeps_its_simple_pages(server: ScoreServer, open_: Opener) -> None:
    operator = open_(server.url)
    assert operator.is_hidden("#game")
    assert not operator.evaluate("document.body.classList.contains('game')")
    display = open_(f"{server.url}display")
    assert display.evaluate("document.body.dataset.mode") == "clock"
    assert display.is_hidden("#board")


def test_count_up_penalties_and_names_from_the_console(open_: Opener, tmp_path: Any) -> None:
    """Handball counts up: the board shows the time played; a penalty is keyed in; the
    teams are named from the console's form."""
    handball = ScoreServer(tmp_path / "handball.db", args=["--rules", "handball"])
    try:
        console = open_(handball.url)
        board = open_(f"{handball.url}display")
        wait_until(lambda: board.text_content("#clock") == "0:00")
        handball.post("/clock", {"seconds": 75})  # 1:15 played
        wait_until(lambda: board.text_content("#clock") == "1:15")
        console.keyboard.press("x")  # home penalty: the player field
        assert console.evaluate("document.activeElement.name") == "player"
        console.keyboard.type("7")
        console.keyboard.press("Enter")
        wait_until(lambda: board.text_content("[data-penalties='home']") == "#72:00")
        assert handball.state()["penalties"][0]["player"] == "7"
        console.click("#teams-panel summary")
        console.fill("[name='home-name']", "Lions")
        console.fill("[name='away-color']", "#15803d")
        console.press("[name='home-name']", "Enter")
        wait_field(board, "home-name", "Lions")
        wait_until(
            lambda: handball.state()["teams"]["away"]["color"] == "#15803d",
            describe=lambda: (
                handball.state()["teams"],
                console.evaluate(
                    "() => [...document.querySelectorAll('#teams-form input')].map(i => i.value)"
                ),
            ),
        )
        assert handball.state()["teams"]["away"]["name"] == "Away"
    finally:
        handball.stop()
