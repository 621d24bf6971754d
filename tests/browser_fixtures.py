"""Fixtures of the browser test modules (`test_browser*.py`), which load them with
`pytest_plugins = ["tests.browser_fixtures"]` (and never import this module, so pytest can
rewrite its asserts): one Chromium and one `score run` per module, and an opener that closes
its pages and fails the test on a page error. The helpers they use are in tests/browser.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.browser import (
    CHROMIUM,
    Opener,
    ScoreServer,
    launch_chromium,
    wait_connected,
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One Chromium for the module, with a fresh profile; each test opens its own pages."""
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
def open_(browser: BrowserContext) -> Iterator[Opener]:
    """Open a page (after `setup(page)`, e.g. routes) and wait until it is connected;
    every page is closed after the test, which fails if a page threw an uncaught exception."""
    pages: list[Page] = []
    errors: list[str] = []

    def opener(
        url: str, setup: Callable[[Page], None] | None = None, connected: bool = True
    ) -> Page:
        page = browser.new_page()
        pages.append(page)
        page.on("pageerror", lambda error: errors.append(f"{url}: {error}"))
        if setup is not None:
            setup(page)
        page.goto(url)
        if connected:
            wait_connected(page)
        return page

    yield opener
    for page in pages:
        page.close()
    assert not errors, errors
