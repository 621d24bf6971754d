"""A database and events log written by the Score of before the game model
(tests/data/clock-today.*, made by commit 753eec3's `score run`: set 90, start,
pause, set 1.5, start, expiry) still open, replay and deliver exactly as they did,
and the `clock` preset (the default) writes the same JSON Lines bytes today."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import trio

from score.cli.replay_view import load_replay
from score.core.clock import fold_steps
from score.core.delivery import event_line
from score.shell.app import Config, run_app
from score.shell.store import Store
from tests.client import http, post_json
from tests.processes import start_score

DATA = Path(__file__).parent / "data"
OLD_STATE_KEYS = {
    "seconds", "running", "pusher_status", "pusher_detail", "remaining_ms",
    "server_time_ms", "last_event_id",
}  # fmt: skip


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "clock-today.db"
    shutil.copyfile(DATA / "clock-today.db", path)
    return path


def without_now(replay: dict[str, object]) -> dict[str, object]:
    state = dict(replay["state"])  # type: ignore[call-overload]
    state.pop("server_time_ms")
    return {**replay, "state": state}


def test_the_old_database_replays_unchanged_and_untouched(old_db: Path) -> None:
    before = old_db.read_bytes()
    replayed, last_id = load_replay(old_db, None)
    expected = json.loads((DATA / "clock-today.replay.json").read_text())
    assert without_now(replayed) == without_now(expected)
    assert last_id == 6
    assert old_db.read_bytes() == before  # inspection never writes


def test_its_events_encode_to_the_very_lines_of_its_events_log(old_db: Path) -> None:
    store = Store.open_read_only(old_db)
    try:
        lines = "".join(event_line(event) for event in store.events())
    finally:
        store.close()
    assert lines.encode() == (DATA / "clock-today.events.log").read_bytes()


async def test_score_run_opens_it_as_a_clock_game_with_a_copy_kept(
    old_db: Path, nursery: trio.Nursery
) -> None:
    running = await nursery.start(run_app, Config(db=old_db, port=0, pusher=False))
    state = (await http(running.port, "GET", "/state")).json()["state"]
    assert set(state) == OLD_STATE_KEYS
    assert (state["seconds"], state["running"], state["last_event_id"]) == (0, False, 6)
    set_reply = (await post_json(running.port, "/clock", {"seconds": 90})).json()["state"]
    assert set(set_reply) == OLD_STATE_KEYS
    await running.stop()
    kept, _ = load_replay(Path(f"{old_db}.bak-v3"), None)  # the file as it was: schema 3
    assert without_now(kept) == without_now(load_replay(DATA / "clock-today.db", None)[0])
    store = Store.open(old_db, create=False)
    try:
        assert store.rules() is None
        game = store.load_game()
        assert game.rules.is_clock and game.clock == fold_steps(store.clock_steps())
        assert [e.data.version for e in store.events()] == [1] * 7
    finally:
        store.close()


def normalised(log: bytes) -> list[str]:
    """The lines with their instants taken out (only those can differ)."""
    text = log.decode()
    text = re.sub(r'"event_timestamp": \d+', '"event_timestamp": T', text)
    return re.sub(r'"event_timestamp_ms": \d+', '"event_timestamp_ms": T', text).splitlines()


@pytest.mark.slow
async def test_the_clock_preset_writes_the_same_json_lines(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "today.db"
    score = await start_score(nursery, db, "--rules", "clock")
    for target, body in [("/clock", {"seconds": 90}), ("/start", None), ("/pause", None),
                         ("/clock", {"seconds": 1.5}), ("/start", None)]:  # fmt: skip
        assert (await post_json(score.port, target, body)).status == 200
    log = tmp_path / "today.events.log"
    expected = normalised((DATA / "clock-today.events.log").read_bytes())
    with trio.fail_after(10):
        while not log.exists() or normalised(log.read_bytes()) != expected:
            await trio.sleep(0.05)
    assert await score.stop() == 0
