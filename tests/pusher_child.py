"""A `score push` child started by a test, and the checks of what it delivered."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio

from score.core.delivery import destination_name, encode_batch
from score.shell.log_lines import parse_line
from score.shell.store import Store
from score.shell.supervisor import WAKE_LINE, pusher_command

pytestmark = pytest.mark.slow


@dataclass
class Pusher:
    """A `score push` child started by the test, its stderr collected."""

    process: trio.Process
    stderr: bytearray = field(default_factory=bytearray)

    def records(self) -> list[dict[str, Any]]:
        text = self.stderr.decode(errors="replace")
        return [r for line in text.splitlines() if (r := parse_line(line)) is not None]

    def messages(self) -> list[str]:
        return [record["message"] for record in self.records()]

    async def wait_for(self, text: str, timeout: float = 20) -> None:
        with trio.fail_after(timeout):
            while not any(text in message for message in self.messages()):
                if self.process.returncode is not None:
                    raise AssertionError(f"pusher exited: {self.stderr.decode()}")
                await trio.sleep(0.01)

    async def wake(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send_all(WAKE_LINE)

    async def close_stdin(self) -> None:
        if self.process.stdin is not None:
            await self.process.stdin.aclose()

    async def kill(self) -> None:
        self.process.kill()
        await self.process.wait()
        await self.close_stdin()

    async def stop(self, timeout: float = 10) -> int:
        await self.close_stdin()
        with trio.fail_after(timeout):
            return await self.process.wait()


async def _collect(stream: trio.abc.ReceiveStream, into: bytearray) -> None:
    async with stream:
        async for chunk in stream:
            into.extend(chunk)


async def start_pusher(
    nursery: trio.Nursery, db: Path, *destinations: Path, env: Mapping[str, str] | None = None
) -> Pusher:
    process: trio.Process = await nursery.start(
        partial(
            trio.run_process,
            pusher_command(db, destinations),
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
            env={**os.environ, **(env or {})},
        )
    )
    pusher = Pusher(process)
    assert process.stderr is not None
    nursery.start_soon(_collect, process.stderr, pusher.stderr)
    return pusher


def file_ids(path: Path) -> list[int]:
    """The event ids in a JSON Lines file; every line must be complete JSON."""
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "torn last line"
    return [json.loads(line)["event_id"] for line in data.decode().splitlines()]


async def wait_delivered(store: Store, name: str, timeout: float = 20) -> None:
    with trio.fail_after(timeout):
        while store.delivered_through(name) < store.last_event_id():
            await trio.sleep(0.02)


def assert_exactly_once(store: Store, path: Path) -> int:
    """The file holds every stored event once, in order, byte for byte, and the
    deliveries table says so too."""
    stored = list(store.events())
    # Ids first, so that a failure says which events differ, not only that bytes do.
    assert file_ids(path) == [event.id for event in stored]
    assert path.read_bytes() == encode_batch(stored)
    name = destination_name(str(path))
    assert store.delivered_through(name) == len(stored)
    statuses = store.delivery_status([event.id for event in stored])
    assert all(statuses[event.id][name] == 1 for event in stored)
    return len(stored)
