"""What the console says during a game: one line per recorded event (the expiry
included, so the terminal is not silent at zero) and one per refused request."""

from __future__ import annotations

import logging

import pytest
import trio

from score.shell.app import RunningApp
from tests.client import command, http, open_ws, post_json, receive_json


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


async def test_every_recorded_event_and_every_refusal_is_one_line(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await post_json(app.port, "/clock", {"seconds": 0.3})
    await post_json(app.port, "/start")
    with trio.fail_after(5):
        while app.game.clock.running:
            await trio.sleep(0.05)
    assert lines(caplog, "score.game") == [
        'CLOCK_SET {"seconds":0.3} (event 1)',
        "GAME_STARTED (event 2)",
        "time up: the clock reached 0.0 (event 3)",
    ]
    assert (await post_json(app.port, "/start")).status == 409
    assert (await http(app.port, "GET", "/nope")).status == 404
    assert lines(caplog, "score.http") == [
        "POST /start refused: 409 clock_at_zero (set a time before starting the clock)",
        "GET /nope refused: 404 not_found (no such page)",
    ]
    async with open_ws(app.port) as ws:
        await receive_json(ws)
        await command(ws, {"command": "set", "seconds": -1, "id": 1})
    assert lines(caplog, "score.ws") == [
        "WebSocket command refused: bad_seconds (seconds must be between 0 and 359999.9)"
    ]
