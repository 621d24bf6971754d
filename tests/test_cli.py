"""The command line as an operator meets it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest
import trio

from score import __version__
from tests.client import http, post_json
from tests.processes import run_score, score_command, start_score

pytestmark = pytest.mark.slow  # real `score` processes: seconds each


def test_version() -> None:
    result = run_score("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_the_commands_but_not_push() -> None:
    result = run_score("--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "replay" in result.stdout
    assert " push " not in result.stdout


def help_text(*args: str, columns: int = 80) -> str:
    result = subprocess.run(
        score_command(*args, "--help"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", [80, 200])
def test_the_command_list_is_not_cut_off(columns: int) -> None:
    text = help_text(columns=columns)
    commands = text.split("Commands:")[1].split("Examples:")[0]
    assert "..." not in commands  # click's mark of a short help cut to fit
    assert "Run the clock, its pages, its API and event delivery." in " ".join(commands.split())
    assert "Show the event history and the state it folds to." in " ".join(commands.split())


@pytest.mark.parametrize("args", [(), ("run",)])
def test_help_shows_examples_that_are_real_commands(args: tuple[str, ...]) -> None:
    text = help_text(*args)
    examples = text.split("Examples:")[1]
    lines = [line.strip() for line in examples.splitlines() if "score " in line]
    assert len(lines) >= 4
    for line in lines:
        # Each example parses: the same arguments with --help are accepted.
        words = line.split("score ", 1)[1].split("  ")[0].split()
        if "COMMAND" not in words:
            assert run_score(*[w.strip('"') for w in words], "--help").returncode == 0, line


def test_run_help_uses_one_metavar_style_and_explains_the_defaults() -> None:
    text = help_text("run", columns=200)
    for option in ("--db PATH", "--host ADDRESS", "--port PORT", "--events-log PATH"):
        assert option in text
    assert "--token TOKEN" in text
    assert not re.search(r"<[a-z ]+>", text)  # no `<path>`, `<int range>`
    flat = " ".join(text.split())
    assert "one is made up and printed" in flat
    assert "final.db -> final.events.log" in flat


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--port", "notaport"),
        ("run", "--port", "70000"),
        ("replay", "--until", "x"),
        ("frobnicate",),
    ],
)
def test_bad_arguments_fail_cleanly(args: tuple[str, ...]) -> None:
    result = run_score(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout


def test_replay_of_a_missing_database(tmp_path: Path) -> None:
    result = run_score("replay", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 1
    assert "no database" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("command", ["replay", "run"])
def test_a_file_that_is_not_a_score_database(tmp_path: Path, command: str) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 4096)
    result = run_score(
        command, "--db", str(path), *(("--no-open", "--port", "0") if command == "run" else ())
    )
    assert result.returncode == 1
    assert "not a Score database" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes().startswith(b"\xff\xd8\xff\xe0")


def test_a_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE orders(id INTEGER)")
    result = run_score("replay", "--db", str(path))
    assert result.returncode == 1
    assert "not a Score database" in result.stderr


def test_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_score("run", "--db", str(tmp_path / "s.db"), "--port", str(port), "--no-open")
    assert result.returncode == 1
    assert "in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_signals_shut_down_cleanly(
    tmp_path: Path, nursery: trio.Nursery, signum: int
) -> None:
    score = await start_score(nursery, tmp_path / "s.db")
    assert (await http(score.port, "GET", "/state")).status == 200
    assert await score.stop(signum) == 0
    await trio.sleep(0.1)
    assert b"Traceback" not in score.stderr
    assert b"shutting down" in score.stderr


async def test_replay_json_agrees_with_the_live_state(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "s.db"
    score = await start_score(nursery, db)
    await post_json(score.port, "/clock", {"seconds": 300})
    await post_json(score.port, "/start")
    await trio.sleep(0.4)
    live = (await post_json(score.port, "/pause")).json()["state"]
    replayed = json.loads(run_score("replay", "--db", str(db), "--json").stdout)
    assert replayed["state"]["remaining_ms"] == live["remaining_ms"]
    assert replayed["state"]["running"] is False
    assert [e["type"] for e in replayed["events"]] == ["CLOCK_SET", "GAME_STARTED", "GAME_PAUSED"]
    assert all(isinstance(e["created_at"], int) for e in replayed["events"])
    # --until folds the history up to that event, at that event's instant.
    until = json.loads(run_score("replay", "--db", str(db), "--json", "--until", "2").stdout)
    assert until["state"] == until["state"] | {"remaining_ms": 300_000, "running": True}
    table = run_score("replay", "--db", str(db))
    assert table.returncode == 0
    assert "GAME_PAUSED" in table.stdout
    assert await score.stop() == 0


async def test_sigkill_while_running_resumes_from_the_stored_timestamps(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "s.db"
    first = await start_score(nursery, db)
    await post_json(first.port, "/clock", {"seconds": 600})
    started = (await post_json(first.port, "/start")).json()["state"]
    first.kill()
    await first.process.wait()
    outage_began = trio.current_time()
    await trio.sleep(1.0)
    second = await start_score(nursery, db)
    state = (await http(second.port, "GET", "/state")).json()["state"]
    # The truth: the clock kept running through the outage, from its start stamp.
    truth_ms = 600_000 - (state["server_time_ms"] - started["server_time_ms"])
    assert state["running"] is True
    assert abs(state["remaining_ms"] - truth_ms) <= 300
    assert trio.current_time() - outage_began >= 1.0
    assert state["remaining_ms"] <= 599_000
    assert await second.stop() == 0
