"""Who may drive the clock, and what a hostile or broken client can do to the server."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
from trio_websocket import ConnectionClosed

from score.shell.app import Config, RunningApp, choose_token, run_app
from score.shell.http import Limits
from score.shell.network import join_urls
from tests.client import RAW_WS_HANDSHAKE, command, http, open_ws, post_json, receive_json

TOKEN = "s3cret-token"


@pytest.fixture
async def guarded(db_path: Path, nursery: trio.Nursery) -> AsyncIterator[RunningApp]:
    """The app with an operator token, as on a LAN bind."""
    running: RunningApp = await nursery.start(
        run_app, Config(db=db_path, port=0, token=TOKEN, pusher=False)
    )
    yield running
    await running.stop()


@pytest.fixture
async def impatient(db_path: Path, nursery: trio.Nursery) -> AsyncIterator[RunningApp]:
    """The app with short request timeouts, to test slow clients quickly."""
    limits = Limits(head_timeout=0.5, body_timeout=0.5, send_timeout=0.5)
    running: RunningApp = await nursery.start(
        run_app, Config(db=db_path, port=0, limits=limits, pusher=False)
    )
    yield running
    await running.stop()


@pytest.mark.parametrize(
    ("host", "given", "required"),
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
        ("127.0.0.1", "mine", True),
        ("0.0.0.0", None, True),
        ("192.168.1.4", "mine", True),
    ],
)
def test_when_a_token_is_required(host: str, given: str | None, required: bool) -> None:
    token = choose_token(Config(db=Path("x"), host=host, token=given))
    assert (token is not None) is required
    if given is not None:
        assert token == given
    if token is not None:
        assert len(token) >= 16 or token == given


async def test_control_needs_the_token(guarded: RunningApp) -> None:
    port = guarded.port
    assert (await post_json(port, "/start")).status == 401
    assert (await post_json(port, "/clock", {"seconds": 5})).json()["error"][
        "code"
    ] == "unauthorized"
    wrong = {"authorization": "Bearer nope"}
    assert (await post_json(port, "/clock", {"seconds": 5}, headers=wrong)).status == 401
    right = {"authorization": f"Bearer {TOKEN}"}
    assert (await post_json(port, "/clock", {"seconds": 5}, headers=right)).status == 200
    assert (await post_json(port, f"/clock?token={TOKEN}", {"seconds": 6})).status == 200
    assert guarded.game.clock.last_event_id == 2


async def test_viewers_never_need_the_token(guarded: RunningApp) -> None:
    for target in ("/state", "/display", "/"):
        assert (await http(guarded.port, "GET", target)).status == 200
    async with open_ws(guarded.port) as ws:
        assert "state" in await receive_json(ws)
        reply = await command(ws, {"command": "start", "id": 1})
        assert reply["error"]["code"] == "unauthorized"
    async with open_ws(guarded.port, f"/ws?token={TOKEN}") as ws:
        reply = await command(ws, {"command": "set", "seconds": 9, "id": 2})
        assert reply["state"]["seconds"] == 9


async def test_a_half_sent_request_does_not_block_anyone(impatient: RunningApp) -> None:
    slow = await trio.open_tcp_stream("127.0.0.1", impatient.port)
    async with slow:
        await slow.send_all(b"GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert (await http(impatient.port, "GET", "/state")).status == 200
        with trio.fail_after(5):
            answer = b""
            while chunk := await slow.receive_some(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")


async def test_a_half_sent_body_times_out(impatient: RunningApp) -> None:
    slow = await trio.open_tcp_stream("127.0.0.1", impatient.port)
    async with slow:
        await slow.send_all(
            b'POST /clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"sec'
        )
        with trio.fail_after(5):
            answer = b""
            while chunk := await slow.receive_some(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
    assert impatient.game.clock.last_event_id == 0


async def test_a_huge_request_head_is_refused(app: RunningApp) -> None:
    reply = await http(app.port, "GET", "/state", headers={"x-junk": "a" * 40_000})
    assert reply.status == 431


async def test_two_megabyte_messages(app: RunningApp) -> None:
    # HTTP: the head announces 2 MB; the answer comes before the body is sent.
    stream = await trio.open_tcp_stream("127.0.0.1", app.port)
    async with stream:
        await stream.send_all(
            b"POST /clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n"
        )
        with trio.fail_after(5):
            assert (await stream.receive_some(4096)).startswith(b"HTTP/1.1 413")
    # WebSocket: the server closes once the message passes 64 KiB; our send of
    # the rest may then fail, which is the point.
    async with open_ws(app.port) as ws:
        await receive_json(ws)
        with pytest.raises((ConnectionClosed, trio.BrokenResourceError)):  # noqa: PT012
            await ws.send_message("x" * 2_000_000)
            while True:
                await receive_json(ws)
    assert app.game.clock.last_event_id == 0
    assert (await http(app.port, "GET", "/state")).status == 200


async def test_invalid_utf8_in_a_text_frame_closes_only_that_connection(app: RunningApp) -> None:
    stream = await trio.open_tcp_stream("127.0.0.1", app.port)
    async with stream:
        await stream.send_all(RAW_WS_HANDSHAKE)
        with trio.fail_after(5):
            assert b" 101 " in await stream.receive_some(4096)
        # A masked text frame (FIN, opcode 1) whose payload is not UTF-8.
        payload = b"\xff\xfe\xfd"
        mask = b"\x01\x02\x03\x04"
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        await stream.send_all(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        with trio.fail_after(5):
            received = b""
            while chunk := await stream.receive_some(4096):
                received += chunk
        # The connection is closed (1007 per RFC 6455; trio-websocket closes the
        # TCP stream without a close frame when wsproto reports the bad frame).
    assert (await http(app.port, "GET", "/state")).status == 200
    assert app.game.clock.last_event_id == 0


@pytest.mark.slow  # holds the write lock for 3 s
async def test_a_locked_database_does_not_stop_the_clock(app: RunningApp, db_path: Path) -> None:
    """Another process holds the write lock for 3 s: broadcasts go on, the command
    waits and then succeeds (busy_timeout is 5 s)."""
    await post_json(app.port, "/clock", {"seconds": 100})
    await post_json(app.port, "/start")
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    async with open_ws(app.port) as ws, trio.open_nursery() as nursery:
        await receive_json(ws)
        nursery.start_soon(trio.to_thread.run_sync, _release_after, other, 3.0)
        results: list[int] = []

        async def pause() -> None:
            results.append((await post_json(app.port, "/pause")).status)

        nursery.start_soon(pause)
        ticks = 0
        with trio.fail_after(2.5):
            while ticks < 2:  # broadcasts keep coming while the command waits
                message = await receive_json(ws)
                if "state" in message and message["state"]["running"]:
                    ticks += 1
        assert (await http(app.port, "GET", "/state")).status == 200
    assert results == [200]
    assert app.game.clock.running is False


def _release_after(connection: sqlite3.Connection, seconds: float) -> None:
    import time

    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


async def test_a_database_locked_too_long_gives_a_clear_error(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "s.db"
    running: RunningApp = await nursery.start(run_app, Config(db=db, port=0, pusher=False))
    await running.game.store.set_busy_timeout(300)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        reply = await post_json(running.port, "/clock", {"seconds": 5})
        assert reply.status == 503
        assert reply.json()["error"]["code"] == "store_unavailable"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert running.game.clock.last_event_id == 0
    assert (await post_json(running.port, "/clock", {"seconds": 5})).status == 200
    await running.stop()


async def test_join_lists_the_urls_for_other_devices_to_operators_only(
    db_path: Path, nursery: trio.Nursery
) -> None:
    config = Config(db=db_path, host="0.0.0.0", port=0, token=TOKEN, pusher=False)
    running: RunningApp = await nursery.start(run_app, config)
    assert (await http(running.port, "GET", "/join")).status == 401
    reply = await http(running.port, "GET", "/join", headers={"authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200
    operator, display = join_urls("0.0.0.0", running.port, TOKEN)
    assert reply.json() == {"operator_urls": operator, "display_urls": display}
    await running.stop()


async def test_join_on_a_loopback_bind_offers_nothing(app: RunningApp) -> None:
    reply = await http(app.port, "GET", "/join")
    assert reply.json() == {"operator_urls": [], "display_urls": []}
