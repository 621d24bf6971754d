"""The game as an operator runs it: `score rules`, `score run --rules` and its
refusals (exit 2, one line), and a real `score run` killed with SIGKILL while a
period and a penalty run: it resumes exactly, and writes nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trio

from score.shell.store import Store
from tests.client import http, post_json
from tests.processes import child_pid, run_score, start_score, wait_gone


def test_score_rules_lists_the_presets() -> None:
    result = run_score("rules")
    assert result.returncode == 0, result.stderr
    for name in ("clock", "basketball-fiba", "ice-hockey", "futsal", "handball"):
        assert name in result.stdout
    assert "24/14" in result.stdout and "4x10:00" in result.stdout


@pytest.mark.slow
async def test_run_refuses_rules_the_database_cannot_take(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    unknown = run_score("run", "--db", str(tmp_path / "x.db"), "--rules", "curling")
    assert unknown.returncode == 2 and "no rules named 'curling'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    clock_db = tmp_path / "clock.db"
    score = await start_score(nursery, clock_db)
    await post_json(score.port, "/clock", {"seconds": 60})
    assert await score.stop() == 0
    refused = run_score("run", "--db", str(clock_db), "--rules", "futsal", "--no-open")
    assert refused.returncode == 2, refused.stderr
    assert "plain clock's history" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    hockey_db = tmp_path / "hockey.db"
    score = await start_score(nursery, hockey_db, "--rules", "ice-hockey")
    assert await score.stop() == 0
    other = run_score("run", "--db", str(hockey_db), "--rules", "handball", "--no-open")
    assert other.returncode == 2 and "is a ice-hockey game" in other.stderr


@pytest.mark.slow
async def test_sigkill_mid_period_with_a_penalty_resumes_exactly(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "hockey.db"
    score = await start_score(nursery, db, "--rules", "ice-hockey")
    for message in (
        {"command": "penalty", "team": "away", "player": "17", "seconds": 120},
        {"command": "start"},
    ):
        assert (await post_json(score.port, "/command", message)).status == 200
    await trio.sleep(0.7)
    before = (await http(score.port, "GET", "/state")).json()["state"]
    (penalty,) = before["penalties"]
    mark = before["remaining_ms"] - penalty["remaining_ms"]  # fixed while both run
    pusher = await child_pid(score)
    score.kill()
    await score.process.wait()
    await wait_gone(pusher)
    await trio.sleep(0.5)  # the clock and the penalty run on while Score is down

    again = await start_score(nursery, db, "--rules", "ice-hockey")
    after = (await http(again.port, "GET", "/state")).json()["state"]
    (resumed,) = after["penalties"]
    assert after["running"] is True and after["last_event_id"] == before["last_event_id"]
    assert after["remaining_ms"] <= before["remaining_ms"] - 500
    assert after["remaining_ms"] - resumed["remaining_ms"] == mark
    assert resumed["id"] == penalty["id"] and after["period"] == 1
    paused = (await post_json(again.port, "/command", {"command": "pause"})).json()["state"]
    assert await again.stop() == 0

    replayed = json.loads(run_score("replay", "--db", str(db), "--json").stdout)["state"]
    for key in ("remaining_ms", "running", "penalties", "period", "teams", "last_event_id"):
        assert replayed[key] == paused[key], key
    store = Store.open_read_only(db)
    try:
        types = [str(e.type) for e in store.events()]
    finally:
        store.close()
    assert types == ["GAME_CONFIGURED", "PENALTY_STARTED", "GAME_STARTED", "GAME_PAUSED"]
