"""Shared fixtures: the real app started in-process on port 0."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trio
from hypothesis import settings

from score.shell.app import Config, RunningApp, run_app
from score.shell.presets import load_preset

# Hypothesis: random examples locally (finds new failures), the same examples on
# every CI run (a red CI is a change, not luck). A failure prints the example and
# the `@reproduce_failure` blob; pin it with `@example` in the test.
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


class FakeWallClock:
    """A wall clock the test can jump, to show the game ignores its jumps."""

    def __init__(self, start_ms: int = 1_764_460_800_000) -> None:
        self.ms = start_ms

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "score.db"


@pytest.fixture
async def app(db_path: Path, nursery: trio.Nursery) -> AsyncIterator[RunningApp]:
    """The whole app, serving on a free loopback port."""
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0, pusher=False))
    yield running
    await running.stop()


@pytest.fixture
async def game_app(db_path: Path, nursery: trio.Nursery) -> AsyncIterator[RunningApp]:
    """The whole app under basketball-fiba rules, serving on a free loopback port."""
    config = Config(db=db_path, port=0, pusher=False, rules=load_preset("basketball-fiba"))
    running: RunningApp = await nursery.start(run_app, config)
    yield running
    await running.stop()


class ServerThread:
    """The app on its own Trio loop in a background thread, for synchronous tests
    (hypothesis examples each run their own `trio.run` against it)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.app: RunningApp | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=trio.run, args=(self._main,), daemon=True)

    async def _main(self) -> None:
        async with trio.open_nursery() as nursery:
            self.app = await nursery.start(run_app, Config(db=self.db, port=0, pusher=False))
            self._token = trio.lowlevel.current_trio_token()
            self._ready.set()

    def __enter__(self) -> RunningApp:
        self._thread.start()
        assert self._ready.wait(15), "the server thread did not start"
        assert self.app is not None
        return self.app

    def __exit__(self, *exc: object) -> None:
        assert self.app is not None
        trio.from_thread.run(self.app.stop, trio_token=self._token)
        self._thread.join(10)


@pytest.fixture(scope="module")
def server_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with ServerThread(tmp_path_factory.mktemp("server") / "score.db") as running:
        yield running
