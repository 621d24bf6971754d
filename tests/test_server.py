"""The real server on port 0, driven over real sockets by HTTP and WebSocket clients."""

from __future__ import annotations

import json
import socket
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import trio
from trio_websocket import ConnectionClosed, wrap_client_stream

from score.shell.app import Config, RunningApp, run_app
from score.shell.store import Store
from tests.client import RAW_WS_HANDSHAKE, command, http, open_ws, post_json, receive_json


def stored_count(db_path: Path) -> int:
    store = Store.open(db_path, create=False)
    try:
        return store.last_event_id()
    finally:
        store.close()


async def test_http_commands(app: RunningApp) -> None:
    reply = await post_json(app.port, "/clock", {"seconds": 90})
    assert reply.status == 200
    assert reply.json()["state"]["seconds"] == 90
    assert reply.json()["state"]["running"] is False
    assert reply.json()["state"]["pusher_status"] in ("unknown", "healthy", "pending", "dead")
    reply = await post_json(app.port, "/start")
    assert reply.json()["state"]["running"] is True
    await trio.sleep(0.3)
    reply = await post_json(app.port, "/pause")
    state = reply.json()["state"]
    assert state["running"] is False
    assert 89.5 <= state["seconds"] <= 89.8
    got = await http(app.port, "GET", "/state")
    assert got.status == 200
    assert got.json()["state"]["remaining_ms"] == state["remaining_ms"]


async def test_websocket_commands_and_ids(app: RunningApp) -> None:
    async with open_ws(app.port) as ws:
        first = await receive_json(ws)
        assert set(first["state"]) >= {"seconds", "running", "pusher_status"}
        reply = await command(ws, {"command": "set", "seconds": 12.5, "id": 1})
        assert reply["state"]["seconds"] == 12.5
        reply = await command(ws, {"command": "start", "id": "two"})
        assert reply["state"]["running"] is True
        reply = await command(ws, {"command": "start", "id": 3})  # a no-op, no event
        assert reply["state"]["running"] is True
        reply = await command(ws, {"command": "pause", "id": 4})
        assert reply["state"]["running"] is False
    assert app.game.clock.last_event_id == 3


async def test_a_change_reaches_every_viewer(app: RunningApp) -> None:
    async with (
        open_ws(app.port) as one,
        open_ws(app.port) as two,
    ):
        await receive_json(one)
        await receive_json(two)
        await post_json(app.port, "/clock", {"seconds": 77})
        for ws in (one, two):
            # Before it, at most the once-a-second ticks of the state before it.
            with trio.fail_after(3):
                while (message := await receive_json(ws))["state"]["last_event_id"] == 0:
                    assert message["state"]["seconds"] == 0
            assert message["state"]["seconds"] == 77
            assert message["state"]["last_event_id"] == 1


BAD_WS_MESSAGES: list[tuple[str | bytes, str]] = [
    ("not json", "bad_json"),
    ("", "bad_json"),
    ('{"command": "set", "seconds": NaN}', "bad_json"),
    ("[1, 2]", "bad_command"),
    ('{"cmd": "start"}', "bad_command"),
    ('{"command": "explode"}', "unknown_command"),
    ('{"command": "set"}', "bad_seconds"),
    ('{"command": "set", "seconds": -1}', "bad_seconds"),
    ('{"command": "set", "seconds": 360000}', "bad_seconds"),
    ('{"command": "set", "seconds": "90"}', "bad_seconds"),
    ('{"command": "set", "seconds": 1e999}', "bad_seconds"),
    ('{"command": "set", "seconds": 0.05}', "bad_seconds"),
    (b"\x00\x01binary", "bad_json"),
]


async def test_bad_websocket_commands_change_nothing(app: RunningApp, db_path: Path) -> None:
    await post_json(app.port, "/clock", {"seconds": 30})
    before = stored_count(db_path)
    async with open_ws(app.port) as ws:
        await receive_json(ws)
        for message, code in BAD_WS_MESSAGES:
            await ws.send_message(message)
            while "error" not in (reply := await receive_json(ws)):
                pass
            assert reply["error"]["code"] == code, message
            assert reply["error"]["message"]
        # The connection is still open and still works.
        reply = await command(ws, {"command": "set", "seconds": 31, "id": 9})
        assert reply["state"]["seconds"] == 31
    assert stored_count(db_path) == before + 1


async def test_error_answer_echoes_the_id(app: RunningApp) -> None:
    async with open_ws(app.port) as ws:
        await receive_json(ws)
        reply = await command(ws, {"command": "set", "seconds": -5, "id": 41})
        assert reply == {"id": 41, "error": reply["error"]}
        assert reply["error"]["code"] == "bad_seconds"


BAD_HTTP: list[tuple[str, str, bytes | None, int, str]] = [
    ("POST", "/clock", b"not json", 400, "bad_json"),
    ("POST", "/clock", b"{}", 400, "bad_seconds"),
    ("POST", "/clock", b'{"seconds": -3}', 400, "bad_seconds"),
    ("POST", "/clock", b'{"seconds": Infinity}', 400, "bad_json"),
    ("POST", "/clock", b"[90]", 400, "bad_command"),
    ("GET", "/start", None, 405, "method_not_allowed"),
    ("DELETE", "/state", None, 405, "method_not_allowed"),
    ("GET", "/nope.html", None, 404, "not_found"),
    ("POST", "/commands", b"{}", 404, "not_found"),  # nothing there: not a 405
    ("POST", "/command", b"{}", 400, "bad_command"),
    ("POST", "/command", b'{"command": "score", "team": "home", "points": 2}', 409, "not_a_game"),
    ("POST", "/command", b'{"command": "undo"}', 409, "not_a_game"),
    ("GET", "/command", None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "target", "body", "status", "code"), BAD_HTTP)
async def test_bad_http_requests_change_nothing(
    app: RunningApp,
    db_path: Path,
    method: str,
    target: str,
    body: bytes | None,
    status: int,
    code: str,
) -> None:
    reply = await http(app.port, method, target, body)
    assert reply.status == status
    assert reply.json()["error"]["code"] == code
    assert stored_count(db_path) == 0


async def test_http_body_over_the_limit_gets_413(app: RunningApp, db_path: Path) -> None:
    body = json.dumps({"seconds": 10, "pad": "x" * 70_000}).encode()
    reply = await http(app.port, "POST", "/clock", body)
    assert reply.status == 413
    assert stored_count(db_path) == 0


async def test_websocket_message_over_the_limit_closes_with_1009(app: RunningApp) -> None:
    # We own the TCP stream: trio-websocket's client leaves it open after a 1009.
    stream = await trio.open_tcp_stream("127.0.0.1", app.port)
    async with stream, trio.open_nursery() as nursery:
        ws = await wrap_client_stream(nursery, stream, "127.0.0.1", "/ws")
        await receive_json(ws)
        await ws.send_message(json.dumps({"command": "set", "seconds": 1, "pad": "x" * 70_000}))
        with pytest.raises(ConnectionClosed) as closed:  # noqa: PT012
            while True:
                await receive_json(ws)
        assert closed.value.reason.code == 1009
        nursery.cancel_scope.cancel()
    # Everyone else is still served.
    assert (await http(app.port, "GET", "/state")).status == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
async def test_foreign_origin_cannot_control(app: RunningApp, db_path: Path, origin: str) -> None:
    reply = await post_json(app.port, "/start", headers={"origin": origin})
    assert reply.status == 403
    async with open_ws(app.port, headers=[(b"Origin", origin.encode())]) as ws:
        state = await receive_json(ws)  # viewing is allowed
        assert "state" in state
        reply_ws = await command(ws, {"command": "set", "seconds": 5, "id": 1})
        assert reply_ws["error"]["code"] == "forbidden"
    assert stored_count(db_path) == 0


async def test_same_origin_can_control(app: RunningApp) -> None:
    origin = f"http://127.0.0.1:{app.port}"
    reply = await post_json(app.port, "/clock", {"seconds": 5}, headers={"origin": origin})
    assert reply.status == 200


async def test_dns_rebinding_host_cannot_control(app: RunningApp, db_path: Path) -> None:
    reply = await post_json(
        app.port, "/start", headers={"host": "rebind.example", "origin": "http://rebind.example"}
    )
    assert reply.status == 403
    assert stored_count(db_path) == 0


@pytest.mark.parametrize(
    "target",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/static/../../etc/passwd",
        "/..%2fpyproject.toml",
        "/%2e%2e%5cpyproject.toml",
        "//etc/passwd",
        "/%00index.html",
        "//[",  # urlsplit read "//" as a host name and raised: found by test_hostile
        "http://[bad/pyproject.toml",
    ],
)
async def test_path_traversal_is_refused(app: RunningApp, target: str) -> None:
    reply = await http(app.port, "GET", target)
    assert reply.status in (400, 404)
    assert b"[project]" not in reply.body
    assert b"root:" not in reply.body


async def test_pages_are_served(app: RunningApp) -> None:
    for target in ("/", "/display"):
        reply = await http(app.port, "GET", target)
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("text/html")
        assert b"<html" in reply.body.lower()


async def test_shutdown_sends_going_away(app: RunningApp) -> None:
    async with open_ws(app.port) as ws:
        await receive_json(ws)
        await app.stop()
        with pytest.raises(ConnectionClosed) as closed:  # noqa: PT012
            while True:
                await receive_json(ws)
        assert closed.value.reason.code == 1001


@pytest.mark.slow  # fills a viewer's buffers: seconds
async def test_a_slow_viewer_is_dropped_and_others_keep_going(app: RunningApp) -> None:
    """A client that never reads fills its own queue and is dropped."""
    sock = trio.socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await sock.connect(("127.0.0.1", app.port))
    stuck = trio.SocketStream(sock)
    async with stuck, open_ws(app.port) as ws:
        await stuck.send_all(RAW_WS_HANDSHAKE)
        await receive_json(ws)
        with trio.fail_after(5):
            while app.game.viewer_count < 2:
                await trio.sleep(0.01)
        with trio.fail_after(30):
            sent = 0
            while app.game.viewer_count == 2:
                sent += 1
                await command(ws, {"command": "set", "seconds": sent % 3000, "id": sent})
        assert app.game.viewer_count == 1
        assert sent > 32  # it took a full queue, not a hiccup
        reply = await command(ws, {"command": "set", "seconds": 7, "id": "last"})
        assert reply["state"]["seconds"] == 7


async def test_garbage_on_the_socket_does_not_hurt_others(app: RunningApp) -> None:
    for garbage in (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,
        b"HELLO\r\n\r\n",
    ):
        stream = await trio.open_tcp_stream("127.0.0.1", app.port)
        await stream.send_all(garbage)
        with trio.fail_after(5):
            data: Any = await stream.receive_some(4096)
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data
        await stream.aclose()
    assert (await http(app.port, "GET", "/state")).status == 200


async def raw_exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes: the whole answer, unparsed."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(request)
        answer = b""
        with trio.fail_after(5):
            while chunk := await stream.receive_some(65536):
                answer += chunk
    return answer


@pytest.mark.parametrize(
    "target",
    ["/", "/display", "/state", "/clock", "/ws", "/nope", "/%ff%fe", "/%2e%2e/x", "/a?b=%ff"],
)
async def test_head_always_gets_a_status_line_and_no_body(app: RunningApp, target: str) -> None:
    """HEAD answers exactly what GET would, without a body: pages, the API, errors
    (405, 404, 426) and paths that are not UTF-8 (issue 10: `HEAD /%ff%fe` used to
    drop the connection)."""
    head = b"HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answer = await raw_exchange(app.port, b"HEAD " + target.encode() + b" " + head)
    status_line, _, rest = answer.partition(b"\r\n")
    headers, separator, body = rest.partition(b"\r\n\r\n")
    assert separator and body == b"", answer
    got = await http(app.port, "GET", target)
    version, status, reason = status_line.decode().split(" ", 2)
    assert (version, int(status)) == ("HTTP/1.1", got.status)
    assert reason == HTTPStatus(got.status).phrase
    length = [line for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length")]
    assert length == [f"content-length: {len(got.body)}".encode()]


@pytest.mark.parametrize(
    ("method", "target", "allow"),
    [
        ("GET", "/start", "POST"),
        ("PUT", "/clock", "POST"),
        ("DELETE", "/state", "GET, HEAD"),
        ("POST", "/display", "GET, HEAD"),
        ("PATCH", "/ws", "GET, HEAD"),
    ],
)
async def test_405_says_which_methods_are_allowed(
    app: RunningApp, method: str, target: str, allow: str
) -> None:
    reply = await http(app.port, method, target, b"" if method != "GET" else None)
    assert reply.status == 405
    assert reply.headers["allow"] == allow
    assert allow in reply.json()["error"]["message"]


async def test_ws_without_an_upgrade_gets_426(app: RunningApp) -> None:
    reply = await http(app.port, "GET", "/ws")
    assert reply.status == 426
    assert reply.headers["upgrade"] == "websocket"
    assert reply.json()["error"]["code"] == "upgrade_required"
    assert "WebSocket" in reply.json()["error"]["message"]


async def test_status_lines_carry_reason_phrases(app: RunningApp) -> None:
    for target, line in (
        ("/state", b"HTTP/1.1 200 OK\r\n"),
        ("/nope", b"HTTP/1.1 404 Not Found\r\n"),
    ):
        answer = await raw_exchange(
            app.port,
            b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        assert answer.startswith(line), answer[:40]


async def test_a_wildcard_ipv6_bind_prints_an_address_that_answers(
    db_path: Path, nursery: trio.Nursery
) -> None:
    """Trio binds `::` IPv6-only: the URL printed for this machine must be [::1]."""
    running: RunningApp = await nursery.start(
        run_app, Config(db=db_path, host="::", port=0, token="t" * 16, pusher=False)
    )
    assert running.url == f"http://[::1]:{running.port}/"
    assert (await http(running.port, "GET", "/state", host="::1")).status == 200
    await running.stop()
