"""The events log at `score run` start: named after its database, and refused in one
line when it belongs to another database (real processes, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trio

from tests.client import post_json
from tests.processes import run_score, start_score

pytestmark = pytest.mark.slow  # real `score` processes: seconds each


def read_lines(path: Path) -> list[dict[str, object]]:
    """The complete lines of a JSON Lines file (not a torn last one)."""
    if not path.exists():
        return []
    complete = path.read_bytes().rpartition(b"\n")[0]
    return [json.loads(line) for line in complete.splitlines()]


async def wait_lines(path: Path, count: int, timeout: float = 10) -> list[dict[str, object]]:
    with trio.fail_after(timeout):
        while len(lines := read_lines(path)) < count:
            await trio.sleep(0.05)
    return lines


async def play(nursery: trio.Nursery, db: Path, *settings: int, delivered: int) -> None:
    """Run a game on `db`, set the clock to each of `settings`, wait until its
    default events log holds `delivered` events, and stop."""
    score = await start_score(nursery, db)
    for seconds in settings:
        assert (await post_json(score.port, "/clock", {"seconds": seconds})).status == 200
    await wait_lines(db.with_name(f"{db.stem}.events.log"), delivered)
    assert await score.stop() == 0


def refused(*args: str) -> str:
    """Run `score run` expecting a refusal before serving; return its one line."""
    result = run_score("run", "--port", "0", "--no-open", *args, timeout=20)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Score is serving" not in result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


async def test_two_games_in_one_folder_get_a_file_each(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    await play(nursery, tmp_path / "semi.db", 600, 500, 400, delivered=3)
    await play(nursery, tmp_path / "final.db", 1200, delivered=1)
    semi = [line["event_id"] for line in await wait_lines(tmp_path / "semi.events.log", 3)]
    final = await wait_lines(tmp_path / "final.events.log", 1)
    assert semi == [1, 2, 3]
    assert [(line["event_id"], line["event_payload"]) for line in final] == [(1, {"seconds": 1200})]
    assert not (tmp_path / "events.log").exists()


async def test_a_file_of_another_database_is_refused_in_one_line(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    await play(nursery, tmp_path / "semi.db", 600, 500, 400, delivered=3)
    await play(nursery, tmp_path / "final.db", 1200, delivered=1)
    # The semi-final's file copied over the final's: it holds 3 events, the final 1.
    (tmp_path / "final.events.log").write_bytes((tmp_path / "semi.events.log").read_bytes())
    line = refused("--db", str(tmp_path / "final.db"))
    assert "final.events.log holds events up to 3" in line
    assert "final.db ends at 1" in line and "another database" in line
    # A new database beside an old file: the same refusal, and no database is made.
    line = refused(
        "--db", str(tmp_path / "new.db"), "--events-log", str(tmp_path / "semi.events.log")
    )
    assert "semi.events.log holds events up to 3" in line and "new.db has none" in line
    assert not (tmp_path / "new.db").exists()


async def test_the_files_own_database_and_a_torn_last_line_are_accepted(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "final.db"
    await play(nursery, db, 90, 80, delivered=2)
    events_log = tmp_path / "final.events.log"
    # A write cut short by a crash: the last line is torn, the one before is event 2.
    with events_log.open("ab") as file:
        file.write(b'{"event_id": 3, "event_ty')
    await play(nursery, db, 70, delivered=3)
    lines = await wait_lines(events_log, 3)
    assert [line["event_id"] for line in lines] == [1, 2, 3]


def test_a_file_that_is_not_an_events_log_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("buy oranges for half time\n")
    line = refused("--db", str(tmp_path / "game.db"), "--events-log", str(notes))
    assert "notes.txt does not end with an event line" in line
    assert notes.read_text() == "buy oranges for half time\n"
