"""Shared fixtures: the real app started in-process on port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from score.shell.app import Config, RunningApp, run_app


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
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0))
    yield running
    await running.stop()
