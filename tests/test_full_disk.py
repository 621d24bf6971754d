"""A full disk, on a real 600 KiB tmpfs: every refused command gets a clear 507, no
change is applied that was not recorded, the console says it once (and once when it
is over), and everything recovers by itself when the disk grows. The same for the
events file's disk: failed marks, a pending light, the reason logged once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from tests.client import http, post_json
from tests.processes import ScoreProcess, run_score, start_score, wait_console
from tests.small_disk import SmallDisk, small_disk

pytestmark = pytest.mark.slow

FULL_BODY = {
    "error": {"code": "storage_full", "message": "the disk is full; this change was not recorded"}
}
FULL_LINE = re.compile(rb"the disk holding \S+ is full: changes are refused until there is room")
ROOM_LINE = re.compile(rb"the disk holding \S+ has room again: changes are recorded")
MAX_COMMANDS = 3_000
"""Far more than 600 KiB holds (each commit adds a page or two to the WAL)."""
REFUSALS_WANTED = 25


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "small") as mounted:
        yield mounted


async def state(game: ScoreProcess) -> dict[str, object]:
    reply = await http(game.port, "GET", "/state")
    assert reply.status == 200
    state: dict[str, object] = reply.json()["state"]
    return state


async def test_commands_on_a_full_disk_are_refused_clearly_and_recover(
    disk: SmallDisk, tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = disk.path / "game.db"
    game = await start_score(nursery, db, "--events-log", str(tmp_path / "game.events.log"))
    recorded = refused = 0
    for n in range(MAX_COMMANDS):
        reply = await post_json(game.port, "/clock", {"seconds": n % 600})
        if reply.status == 200:
            assert refused == 0, "a command was recorded after the disk was full"
            recorded += 1
            continue
        assert (reply.status, reply.json()) == (507, FULL_BODY)
        refused += 1
        if refused == REFUSALS_WANTED:
            break
    assert recorded > 0 and refused == REFUSALS_WANTED
    # Nothing was applied that was not recorded: the live clock is the last recorded set.
    live = await state(game)
    assert live["last_event_id"] == recorded
    assert live["seconds"] == (recorded - 1) % 600
    console = bytes(game.stderr)
    assert len(FULL_LINE.findall(console)) == 1, console.decode()
    assert b"Traceback" not in console

    disk.resize("4m")
    reply = await post_json(game.port, "/clock", {"seconds": 7})
    assert reply.status == 200
    assert (await state(game))["last_event_id"] == recorded + 1
    await wait_console(game, ROOM_LINE.pattern)
    assert await game.stop() == 0
    console = bytes(game.stderr)
    assert len(FULL_LINE.findall(console)) == 1
    assert len(ROOM_LINE.findall(console)) == 1
    replay = json.loads(run_score("replay", "--db", str(db), "--json").stdout)
    assert len(replay["events"]) == recorded + 1
    assert replay["state"]["seconds"] == 7


async def test_a_full_disk_under_the_events_file_shows_pending_with_the_reason_once(
    disk: SmallDisk, tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "game.db"
    events_log = disk.path / "game.events.log"
    disk.fill()
    game = await start_score(nursery, db, "--events-log", str(events_log))
    for seconds in (100, 200, 300):
        assert (await post_json(game.port, "/clock", {"seconds": seconds})).status == 200
    with trio.fail_after(20):
        while (await state(game))["pusher_status"] != "pending":
            await trio.sleep(0.05)
    # The light says why, in the pusher's words.
    assert "No space left on device" in (await state(game))["pusher_detail"]
    shown = json.loads(run_score("deliveries", "--db", str(db), "--json").stdout)
    (destination,) = shown["destinations"]
    assert destination["delivered_through"] == 0
    assert destination["pending"] == 3 and destination["failed"] == 3

    disk.free()
    recovered = await wait_console(game, rb"recovered after (\d+) failures")
    assert int(recovered.group(1)) >= 2  # it retried, and said why only once
    console = bytes(game.stderr)
    assert console.count(b"No space left on device") == 1, console.decode()
    with trio.fail_after(20):
        while (await state(game))["pusher_status"] != "healthy":
            await trio.sleep(0.05)
    assert (await state(game))["pusher_detail"] is None
    assert await game.stop() == 0
    lines = events_log.read_text().splitlines()
    assert [json.loads(line)["event_payload"]["seconds"] for line in lines] == [100, 200, 300]
