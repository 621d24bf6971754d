"""The fault suite: random SIGKILLs of the pusher and of the whole app while
commands keep arriving, then a restart. Nothing acknowledged is lost, nothing is
delivered twice, no line is torn, and replay equals the last live state."""

from __future__ import annotations

import json
import os
import random
import re
import signal
from dataclasses import dataclass, field
from pathlib import Path

import h11
import pytest
import trio

from score.core.delivery import destination_name
from score.shell.store import Store
from tests.client import http, post_json
from tests.processes import ScoreProcess, child_pid, is_running, run_score, start_score, wait_gone
from tests.pusher_child import assert_exactly_once
from tests.seeds import seeded_random

pytestmark = pytest.mark.slow

FAULT_SECONDS = float(os.environ.get("SCORE_FAULT_SECONDS", "32"))
"""Total time under fire (issue 5 asks for at least 30 s in CI)."""


@dataclass
class Ledger:
    """What the clients were told: every acknowledged event id and its type."""

    acknowledged: dict[int, str] = field(default_factory=dict)
    last_state: dict[str, object] = field(default_factory=dict)
    commands: int = 0
    refused: int = 0


EXPECTED_TYPE = {"/clock": "CLOCK_SET", "/start": "GAME_STARTED", "/pause": "GAME_PAUSED"}


async def fire_commands(score: ScoreProcess, ledger: Ledger, rng: random.Random) -> None:
    """Commands at random moments until the process dies under us."""
    previous: int | None = None
    while True:
        target = rng.choice(["/clock", "/start", "/pause"])
        payload = {"seconds": rng.randrange(100, 6000) / 10} if target == "/clock" else None
        try:
            reply = await post_json(score.port, target, payload)
        except (OSError, trio.BrokenResourceError, h11.RemoteProtocolError):
            return  # killed: whatever was not answered was never acknowledged
        ledger.commands += 1
        if reply.status != 200:
            ledger.refused += 1
            continue
        state = reply.json()["state"]
        ledger.last_state = state
        event_id = state["last_event_id"]
        # A new id is this command's event (or an expiry the loop recorded just
        # before it); a repeated start or pause records nothing. The first answer
        # of a process only sets the baseline: its id may be an event from before
        # the kill whose answer never arrived.
        if previous is not None and event_id > previous:
            ledger.acknowledged[event_id] = EXPECTED_TYPE[target]
        previous = event_id
        await trio.sleep(rng.uniform(0, 0.03))


@pytest.mark.timeout(240)
async def test_random_kills_lose_and_repeat_nothing(tmp_path: Path, nursery: trio.Nursery) -> None:
    rng = seeded_random()
    db = tmp_path / "score.db"
    log = tmp_path / "score.events.log"  # named after the database
    ledger = Ledger()
    kills = {"pusher": 0, "app": 0}
    deadline = trio.current_time() + FAULT_SECONDS
    while trio.current_time() < deadline:
        score = await start_score(nursery, db)
        async with trio.open_nursery() as inner:
            inner.start_soon(fire_commands, score, ledger, rng)
            # Kill the pusher a few times, then the whole app.
            for nth in range(1, rng.randint(1, 4) + 1):
                pid = await child_pid(score, nth)
                await trio.sleep(rng.uniform(0.05, 1.0))
                if is_running(pid):
                    os.kill(pid, signal.SIGKILL)
                    kills["pusher"] += 1
            await trio.sleep(rng.uniform(0.05, 0.8))
            last_pusher = await child_pid(score, len(pushers_started(score)))
            score.kill()
            kills["app"] += 1
            await score.process.wait()
            # The orphaned pusher sees the end of its stdin and leaves by itself.
            await wait_gone(last_pusher)
            inner.cancel_scope.cancel()

    # A calm restart: the pusher catches up, then a clean stop.
    final = await start_score(nursery, db)
    with trio.fail_after(30):
        while (await http(final.port, "GET", "/state")).json()["state"][
            "pusher_status"
        ] != "healthy":
            await trio.sleep(0.1)
    live = (await post_json(final.port, "/pause")).json()["state"]
    assert await final.stop() == 0

    store = Store.open(db, create=False)
    try:
        stored = {event.id: str(event.type) for event in store.events()}
        # Nothing acknowledged was lost, and each is the event the client asked for.
        for event_id, kind in ledger.acknowledged.items():
            assert stored.get(event_id) in (kind, "CLOCK_EXPIRED"), (event_id, kind)
        # Every id once, in order, no torn line; the deliveries table agrees.
        delivered = assert_exactly_once(store, log)
        ids = [json.loads(line)["event_id"] for line in log.read_text().splitlines()]
        assert ids == list(range(1, delivered + 1))
        assert store.delivered_through(destination_name(str(log))) == delivered
    finally:
        store.close()
    replayed = json.loads(run_score("replay", "--db", str(db), "--json").stdout)["state"]
    assert replayed["remaining_ms"] == live["remaining_ms"]
    assert replayed["running"] is False
    assert replayed["last_event_id"] == live["last_event_id"]
    print(
        f"fault suite: {kills['pusher']} pusher kills, {kills['app']} app kills, "
        f"{ledger.commands} commands ({ledger.refused} refused), "
        f"{len(ledger.acknowledged)} acknowledged events, {delivered} delivered once each"
    )
    assert kills["app"] >= 3
    assert kills["pusher"] >= 3


def pushers_started(score: ScoreProcess) -> list[bytes]:
    return re.findall(rb"pusher started \(pid (\d+)\)", score.stderr)
