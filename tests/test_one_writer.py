"""One writer per database: a second `score run` (or a foreign `score push`) on a
database that is being served is refused at once, and a killed holder blocks nobody.
Real processes on real files."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import trio

from tests.client import post_json
from tests.processes import run_score, start_score, wait_console

pytestmark = pytest.mark.slow

REFUSAL = re.compile(r"score: (\S+) is being served by PID (\d+) at (http://\S+/)")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


async def wait_delivered(db: Path, through: int) -> None:
    """Until the pusher has marked `through` delivered (then the game is idle)."""
    with trio.fail_after(20):
        while True:
            shown = await trio.to_thread.run_sync(
                lambda: run_score("deliveries", "--db", str(db), "--json")
            )
            destinations = json.loads(shown.stdout)["destinations"]
            if destinations and destinations[0]["delivered_through"] >= through:
                return
            await trio.sleep(0.05)


def event_count(db: Path) -> int:
    replay = run_score("replay", "--db", str(db), "--json")
    assert replay.returncode == 0, replay.stderr
    return len(json.loads(replay.stdout)["events"])


async def test_a_second_run_is_refused_naming_the_first(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "game.db"
    first = await start_score(nursery, db)
    assert (await post_json(first.port, "/clock", {"seconds": 100})).status == 200
    await wait_delivered(db, 1)
    files = [db, db.with_name("game.db-wal")]
    before = [digest(path) for path in files]

    second = await trio.to_thread.run_sync(
        lambda: run_score("run", "--db", str(db), "--port", "0", "--no-open", timeout=15)
    )

    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    match = REFUSAL.fullmatch(lines[0])
    assert match, lines[0]
    assert match.group(2) == str(first.process.pid)
    assert match.group(3) == f"http://127.0.0.1:{first.port}/"
    assert "Score is serving" not in second.stdout
    # Nothing changed: the first still serves the same history, the files are as they were.
    assert [digest(path) for path in files] == before
    assert (await post_json(first.port, "/start")).status == 200
    assert await first.stop() == 0
    assert event_count(db) == 2


async def test_a_holder_killed_with_sigkill_never_blocks_the_next_start(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "game.db"
    first = await start_score(nursery, db)
    assert (await post_json(first.port, "/clock", {"seconds": 100})).status == 200
    first.kill()
    await first.process.wait()
    # At once, without waiting for anything: the kernel dropped the dead holder's lock.
    second = await start_score(nursery, db)
    assert (await post_json(second.port, "/start")).status == 200
    refused = await trio.to_thread.run_sync(
        lambda: run_score("run", "--db", str(db), "--port", "0", "--no-open", timeout=15)
    )
    assert f"served by PID {second.process.pid} at" in refused.stderr
    assert await second.stop() == 0
    assert event_count(db) == 2


async def test_a_push_of_another_game_is_refused_and_its_own_pusher_is_not(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "game.db"
    game = await start_score(nursery, db)
    # The game's own pusher child opened the database and delivers.
    assert (await post_json(game.port, "/clock", {"seconds": 42})).status == 200
    await wait_console(game, rb"delivering to .*game\.events\.log after event")
    foreign = await trio.to_thread.run_sync(
        lambda: run_score("push", "--db", str(db), "--events-log", str(tmp_path / "other.log"))
    )
    assert foreign.returncode == 1
    assert f"game.db is being served by PID {game.process.pid} at" in foreign.stderr
    assert not (tmp_path / "other.log").exists()
    assert await game.stop() == 0
