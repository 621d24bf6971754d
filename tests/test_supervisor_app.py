"""The whole app in-process with its real pusher child: delivery end to end, the
status light seen by a WebSocket client, logs relayed, crashes, a failing disk."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
from trio_websocket import WebSocketConnection

from score.core.delivery import destination_name
from score.shell.app import Config, RunningApp, run_app
from score.shell.store import Store
from tests.client import command, http, open_ws, post_json, receive_json
from tests.crash_hook import crash_after
from tests.pusher_child import assert_exactly_once

pytestmark = pytest.mark.slow


@pytest.fixture
async def pushing_app(
    db_path: Path, nursery: trio.Nursery, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[RunningApp]:
    caplog.set_level(logging.INFO)
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0))
    yield running
    await running.stop()


def child_pids(caplog: pytest.LogCaptureFixture) -> list[int]:
    """Pids of the pushers, in start order, from their own relayed log records."""
    pids: list[int] = []
    for record in caplog.records:
        if record.name == "score.push" and record.process not in pids:
            pids.append(record.process or 0)
    return pids


async def wait_for_child(caplog: pytest.LogCaptureFixture, count: int = 1) -> int:
    with trio.fail_after(20):
        while len(pids := child_pids(caplog)) < count:
            await trio.sleep(0.02)
    return pids[count - 1]


async def wait_status(ws: WebSocketConnection, status: str, timeout: float = 20) -> dict[str, Any]:
    with trio.fail_after(timeout):
        while True:
            message = await receive_json(ws, timeout)
            if message.get("state", {}).get("pusher_status") == status:
                return message


async def wait_delivered(db: Path, log: Path, timeout: float = 20) -> Store:
    store = Store.open(db, create=False)
    name = destination_name(str(log))
    with trio.fail_after(timeout):
        while store.delivered_through(name) < store.last_event_id():
            await trio.sleep(0.02)
    return store


async def test_commands_reach_events_log_exactly_once(
    pushing_app: RunningApp, db_path: Path
) -> None:
    port = pushing_app.port
    assert (await post_json(port, "/clock", {"seconds": 1200})).status == 200
    assert (await post_json(port, "/start")).status == 200
    await trio.sleep(0.05)
    assert (await post_json(port, "/pause")).status == 200
    async with open_ws(port) as ws:
        await receive_json(ws)
        reply = await command(ws, {"command": "set", "seconds": 90.5, "id": 1})
        assert reply["state"]["seconds"] == 90.5
    log = db_path.with_name("score.events.log")
    store = await wait_delivered(db_path, log)
    try:
        assert assert_exactly_once(store, log) == 4
        stored = list(store.events())
    finally:
        store.close()
    assert [event.type for event in stored] == [
        "CLOCK_SET",
        "GAME_STARTED",
        "GAME_PAUSED",
        "CLOCK_SET",
    ]
    first = log.read_text().splitlines()[0]
    assert first == (
        f'{{"event_id": 1, "event_type": "CLOCK_SET", "event_payload": {{"seconds": 1200}},'
        f' "event_timestamp": {stored[0].created_at // 1000},'
        f' "event_timestamp_ms": {stored[0].created_at}}}'
    )
    with trio.fail_after(5):  # delivered: the light turns (or stays) green
        while (await http(port, "GET", "/state")).json()["state"]["pusher_status"] != "healthy":
            await trio.sleep(0.05)


async def test_status_healthy_dead_healthy_over_websocket(
    pushing_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_ws(pushing_app.port) as ws:
        await wait_status(ws, "healthy")
        first = await wait_for_child(caplog)
        os.kill(first, signal.SIGKILL)
        await wait_status(ws, "dead", timeout=5)
        await wait_status(ws, "healthy")
        second = await wait_for_child(caplog, 2)
    assert second != first
    restarts = [r.getMessage() for r in caplog.records if r.name == "score.supervisor"]
    assert any("killed by signal 9; restarting in 0.5 s" in m for m in restarts), restarts


async def test_child_log_lines_carry_the_child_pid(
    pushing_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    pid = await wait_for_child(caplog)
    assert pid != os.getpid()
    started = [r for r in caplog.records if r.getMessage().startswith("pusher started:")]
    assert started and started[0].process == pid and started[0].name == "score.push"
    assert started[0].thread not in (None, 0)
    supervisor = [r.getMessage() for r in caplog.records if r.name == "score.supervisor"]
    assert f"pusher started (pid {pid})" in supervisor


async def test_a_crashing_child_is_shown_whole_and_restarted(
    db_path: Path,
    nursery: trio.Nursery,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    for name, value in crash_after(2).items():
        monkeypatch.setenv(name, value)
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0))
    crashed = await wait_for_child(caplog)
    for seconds in (60, 50, 40):
        await post_json(running.port, "/clock", {"seconds": seconds})
        await trio.sleep(0.05)
    await wait_for_child(caplog, 2)  # restarted
    store = await wait_delivered(db_path, db_path.with_name("score.events.log"))
    try:
        assert assert_exactly_once(store, db_path.with_name("score.events.log")) == 3
    finally:
        store.close()
    await running.stop()
    raw = [
        r.getMessage()
        for r in caplog.records
        if r.process == crashed and r.levelno == logging.WARNING and r.name == "score.push"
    ]
    assert "Traceback (most recent call last):" in raw[0]
    text = "\n".join(raw)
    assert 'score/pusher/worker.py", line' in text
    assert "in deliver_pending" in text
    assert "RuntimeError: SCORE_TEST_CRASH_AFTER=2: crashing on purpose" in text
    assert len(raw) > 20  # every frame, line by line
    restarts = [r.getMessage() for r in caplog.records if r.name == "score.supervisor"]
    assert any("exited with code 1; restarting" in m for m in restarts), restarts


async def test_a_failing_destination_shows_pending_then_recovers(
    db_path: Path, nursery: trio.Nursery
) -> None:
    folder = db_path.parent / "usb-stick"
    log = folder / "events.log"
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0, events_log=log))
    async with open_ws(running.port) as ws:
        await wait_status(ws, "healthy")
        await command(ws, {"command": "set", "seconds": 300, "id": 1})
        await command(ws, {"command": "start", "id": 2})
        await wait_status(ws, "pending", timeout=10)
        store = Store.open(db_path, create=False)
        name = destination_name(str(log))
        try:
            with trio.fail_after(20):  # the child may still be starting
                while [s.get(name) for s in store.delivery_status([1, 2]).values()] != [2, 2]:
                    await trio.sleep(0.02)
            folder.mkdir()  # the drive is back
            await wait_status(ws, "healthy", timeout=20)
            await command(ws, {"command": "pause", "id": 3})
        finally:
            store.close()
    store = await wait_delivered(db_path, log)
    try:
        assert assert_exactly_once(store, log) == 3
    finally:
        store.close()
    await running.stop()


async def test_the_pusher_can_be_turned_off(db_path: Path, nursery: trio.Nursery) -> None:
    running: RunningApp = await nursery.start(run_app, Config(db=db_path, port=0, pusher=False))
    await post_json(running.port, "/clock", {"seconds": 30})
    await trio.sleep(0.3)
    state = (await http(running.port, "GET", "/state")).json()["state"]
    assert state["pusher_status"] == "unknown"
    assert not (db_path.with_name("score.events.log")).exists()
    await running.stop()


async def test_the_state_lists_each_destination(pushing_app: RunningApp, db_path: Path) -> None:
    port = pushing_app.port
    await post_json(port, "/clock", {"seconds": 30})
    log = db_path.with_name("score.events.log").absolute()
    expected = [
        {
            "name": destination_name(str(log)),
            "status": "healthy",
            "behind": 0,
            "dead_letters": 0,
            "last_error": None,
        }
    ]
    with trio.fail_after(10):
        while (await http(port, "GET", "/state")).json()["state"].get("destinations") != expected:
            await trio.sleep(0.05)
    async with open_ws(port) as ws:  # the same list reaches every viewer
        assert (await receive_json(ws))["state"]["destinations"] == expected
