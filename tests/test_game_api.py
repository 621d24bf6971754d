"""The game over the real server on port 0: POST /command and the WebSocket take
section 8's commands, answer the state, refuse bad ones changing nothing; the live
state equals the replay of the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio

from score.core import wire
from score.shell.app import RunningApp
from score.shell.store import Store
from tests.client import command, http, open_ws, post_command, post_json, receive_json


async def post(app: RunningApp, **message: Any) -> dict[str, Any]:
    return await post_command(app.port, **message)


async def test_a_game_over_post_command(game_app: RunningApp, db_path: Path) -> None:
    state = (await post(game_app, command="team", team="home", name="Hawks", color="#1d4ed8"))[
        "state"
    ]
    assert state["rules"]["name"] == "basketball-fiba" and state["teams"]["home"]["name"] == "Hawks"
    await post(game_app, command="start")
    await post(game_app, command="score", team="home", points=3)
    await post(game_app, command="foul", team="away")
    await post(game_app, command="shot_clock", seconds=14)
    reply = await post(game_app, command="undo", id="u1")
    assert reply["id"] == "u1" and reply["state"]["shot_clock"]["seconds"] > 14
    await post(game_app, command="pause")
    await post(game_app, command="timeout", team="away")
    state = (await post(game_app, command="possession", team="home"))["state"]
    assert state["teams"]["home"]["score"] == 3 and state["teams"]["away"]["fouls"] == 1
    assert state["teams"]["away"]["timeouts_left"] == 1 and state["possession"] == "home"
    store = Store.open_read_only(db_path)
    try:
        replayed = store.load_game()
        first = next(store.events())
    finally:
        store.close()
    assert str(first.type) == "GAME_CONFIGURED"
    assert replayed == game_app.game.state
    now = game_app.game.time.now()
    assert wire.state_fields(replayed, now) == wire.state_fields(game_app.game.state, now)


REFUSED: list[tuple[dict[str, Any], int, str]] = [
    ({"command": "score", "team": "visitors", "points": 2}, 400, "bad_team"),
    ({"command": "score", "team": "home", "points": 4}, 400, "bad_points"),
    ({"command": "score", "team": "home", "points": -1}, 409, "bad_points"),
    ({"command": "foul", "team": "home", "delta": 2}, 400, "bad_delta"),
    ({"command": "penalty", "team": "home", "player": "4", "seconds": 120}, 409, "no_penalties"),
    ({"command": "team", "team": "home", "name": "", "color": "#000000"}, 400, "bad_name"),
    ({"command": "team", "team": "home", "name": "X", "color": "red"}, 400, "bad_color"),
    ({"command": "period", "period": 0}, 400, "bad_period"),
    ({"command": "shot_clock", "seconds": 30}, 400, "bad_seconds"),
    ({"command": "adjust", "delta_ms": 150}, 400, "bad_delta_ms"),
    ({"command": "undo"}, 409, "nothing_to_undo"),
]


@pytest.mark.parametrize(("message", "status", "code"), REFUSED)
async def test_bad_commands_are_refused_and_record_nothing(
    game_app: RunningApp, message: dict[str, Any], status: int, code: str
) -> None:
    before = game_app.game.state
    reply = await post_json(game_app.port, "/command", message)
    assert (reply.status, reply.json()["error"]["code"]) == (status, code)
    assert game_app.game.state == before


async def test_the_websocket_takes_game_commands(game_app: RunningApp) -> None:
    async with open_ws(game_app.port) as ws:
        first = await receive_json(ws)
        assert first["state"]["period"] == 1
        reply = await command(ws, {"command": "score", "team": "away", "points": 2, "id": 1})
        assert reply["state"]["teams"]["away"]["score"] == 2
        refused = await command(ws, {"command": "possession", "team": "nobody", "id": 2})
        assert refused["error"]["code"] == "bad_team"  # and the connection stays open
        reply = await command(ws, {"command": "horn", "id": 3})
        assert reply["state"]["horn"]["reason"] == "operator"
        reply = await command(ws, {"command": "undo", "id": 4})
        assert reply["state"]["horn"] is None


async def test_old_control_paths_still_work_in_a_game(game_app: RunningApp) -> None:
    assert (await post_json(game_app.port, "/clock", {"seconds": 42})).json()["state"][
        "seconds"
    ] == 42
    assert (await post_json(game_app.port, "/start")).json()["state"]["running"] is True
    state = (await http(game_app.port, "GET", "/state")).json()["state"]
    assert state["shot_clock"]["running"] is True and state["period"] == 1


async def test_an_undo_pipelined_behind_other_commands_reverts_the_right_one(
    game_app: RunningApp,
) -> None:
    """Commands sent back to back are committed together (group commit); an undo
    among them still names the event just before it, once that one has its id."""
    async with open_ws(game_app.port) as ws:
        await receive_json(ws)
        messages = [
            {"command": "score", "team": "home", "points": 2, "id": 1},
            {"command": "score", "team": "home", "points": 3, "id": 2},
            {"command": "undo", "id": 3},
            {"command": "score", "team": "home", "points": 1, "id": 4},
            {"command": "undo", "id": 5},
            {"command": "undo", "id": 6},
        ]
        for message in messages:
            await ws.send_message(wire.encode(message))
        answers: dict[int, dict[str, Any]] = {}
        with trio.fail_after(5):
            while len(answers) < len(messages):
                reply = await receive_json(ws)
                if "id" in reply:
                    answers[reply["id"]] = reply
    assert all("state" in answer for answer in answers.values()), answers
    assert game_app.game.state.home.score == 0
    assert game_app.game.state.undo == ()
