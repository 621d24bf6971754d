"""Inspection never writes: `score replay` and `score deliveries` leave the database
byte-identical, in every layout, even while a game serves it; only `score run`
migrates, and says so. Real processes on real files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import trio

from score.shell.schema import SCHEMA_VERSION
from tests.client import http, post_json
from tests.layouts import LAYOUTS, PAUSED_AT_MS, REMAINING_MS, SET_AT_MS, make_database
from tests.processes import run_score, start_score

pytestmark = pytest.mark.slow  # real `score` processes: seconds each

INSPECTIONS = [
    ("replay",),
    ("replay", "--json"),
    ("replay", "--until", "2"),
    ("deliveries",),
    ("deliveries", "--json"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect_all(db: Path) -> dict[tuple[str, ...], str]:
    """Run every inspection; each must succeed. Their outputs, by arguments."""
    outputs = {}
    for args in INSPECTIONS:
        result = run_score(*args, "--db", str(db))
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
        outputs[args] = result.stdout
    return outputs


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_inspecting_an_older_layout_changes_nothing(tmp_path: Path, layout: str) -> None:
    db = make_database(tmp_path / "game.db", layout)
    before = digest(db)
    outputs = inspect_all(db)
    assert digest(db) == before
    assert not list(tmp_path.glob("*.bak*"))
    replay = json.loads(outputs[("replay", "--json")])
    assert [e["created_at"] for e in replay["events"]][0] == SET_AT_MS  # seconds read as ms
    assert replay["state"]["remaining_ms"] == REMAINING_MS
    assert replay["events"][-1]["created_at"] == PAUSED_AT_MS
    assert "18:30.0 remaining, stopped" in outputs[("replay",)]
    assert "20:00.0 running" in outputs[("replay", "--until", "2")]
    (destination,) = json.loads(outputs[("deliveries", "--json")])["destinations"]
    assert destination == {
        "destination": "file:/srv/events.log",
        "delivered_through": 1,
        "pending": 2,
        "failed": 1,
        "last_delivered_at": SET_AT_MS + 1_000,
        "dead_letters": 0,
        "failed_attempts": 0,
        "last_error": None,
        "disabled": False,
        "oldest_pending_at": destination["oldest_pending_at"],
    }
    assert destination["oldest_pending_at"] is not None


@pytest.mark.slow
async def test_inspecting_a_current_database_changes_nothing_even_while_served(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "game.db"
    game = await start_score(nursery, db)
    for target, body in [("/clock", {"seconds": 90.5}), ("/start", None), ("/pause", None)]:
        assert (await post_json(game.port, target, body)).status == 200
    live = (await http(game.port, "GET", "/state")).json()["state"]
    # While served: the newest events are seen (they may still be in the WAL).
    replay = json.loads((await trio.to_thread.run_sync(inspect_all, db))[("replay", "--json")])
    assert replay["state"]["remaining_ms"] == live["remaining_ms"]
    assert await game.stop() == 0
    before = digest(db)
    outputs = inspect_all(db)
    assert digest(db) == before
    assert [e["type"] for e in json.loads(outputs[("replay", "--json")])["events"]] == [
        "CLOCK_SET",
        "GAME_STARTED",
        "GAME_PAUSED",
    ]
    (destination,) = json.loads(outputs[("deliveries", "--json")])["destinations"]
    assert destination["delivered_through"] == 3
    assert destination["pending"] == destination["failed"] == 0


@pytest.mark.slow
async def test_only_run_migrates_an_original_design_file_and_says_so_once(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = make_database(tmp_path / "game.db", "original")
    original = db.read_bytes()
    game = await start_score(nursery, db, "--events-log", str(tmp_path / "game.events.log"))
    state = (await http(game.port, "GET", "/state")).json()["state"]
    assert state["remaining_ms"] == REMAINING_MS
    assert await game.stop() == 0
    console = bytes(game.stderr).decode()
    migrated = [line for line in console.splitlines() if "migrated" in line]
    assert len(migrated) == 1, console
    assert f"migrated {db} from schema 0 to {SCHEMA_VERSION};" in migrated[0]
    assert f"kept as {db}.bak-v0" in migrated[0]
    assert (tmp_path / "game.db.bak-v0").stat().st_size == len(original)
    replay = json.loads(run_score("replay", "--db", str(db), "--json").stdout)
    assert replay["events"][0]["created_at"] == SET_AT_MS


def test_until_past_the_last_event_is_warned_about(tmp_path: Path) -> None:
    db = make_database(tmp_path / "game.db", "schema1")
    result = run_score("replay", "--db", str(db), "--until", "9")
    assert result.returncode == 0
    assert "--until 9 is past the last event (3)" in result.stderr
    assert "18:30.0 remaining" in result.stdout
    assert "past the last" not in run_score("replay", "--db", str(db), "--until", "3").stderr


def test_an_empty_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    for command in ("replay", "deliveries"):
        result = run_score(command, "--db", str(db))
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "not a Score database" in result.stderr
    assert db.read_bytes() == b""
