"""Test clients over real sockets: a tiny HTTP/1.1 client built on h11, and
WebSocket helpers built on trio-websocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import h11
import trio
from trio_websocket import WebSocketConnection, wrap_client_stream

RAW_WS_HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
"""A WebSocket upgrade written by hand, for tests that own the raw socket."""


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def http(
    port: int,
    method: str,
    target: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> HttpResult:
    """One request on a fresh connection; returns status, headers and body."""
    all_headers = {"host": f"{host}:{port}", "connection": "close"}
    if body is not None:
        all_headers["content-length"] = str(len(body))
        all_headers["content-type"] = "application/json"
    all_headers.update(headers or {})
    conn = h11.Connection(h11.CLIENT)
    stream = await trio.open_tcp_stream(host, port)
    async with stream:
        data = conn.send(
            h11.Request(method=method, target=target, headers=list(all_headers.items()))
        )
        if body:
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        await stream.send_all(data)
        status = 0
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                response_headers = {k.decode(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                break
        return HttpResult(status, response_headers, b"".join(chunks))


async def post_json(port: int, target: str, payload: Any = None, **kw: Any) -> HttpResult:
    body = b"" if payload is None else json.dumps(payload).encode()
    return await http(port, "POST", target, body, **kw)


async def post_command(port: int, **message: Any) -> dict[str, Any]:
    """POST /command and the state it answers (failing the test on an error)."""
    reply = await post_json(port, "/command", message)
    body: dict[str, Any] = reply.json()
    assert reply.status == 200, body
    return body


async def receive_json(ws: WebSocketConnection, timeout: float = 5) -> dict[str, Any]:
    with trio.fail_after(timeout):
        message = await ws.get_message()
    decoded: dict[str, Any] = json.loads(message)
    return decoded


async def command(
    ws: WebSocketConnection, message: dict[str, Any], timeout: float = 5
) -> dict[str, Any]:
    """Send a command with an id and return the answer carrying that id."""
    await ws.send_message(json.dumps(message))
    with trio.fail_after(timeout):
        while True:
            reply = await receive_json(ws, timeout)
            if "id" in reply and reply["id"] == message.get("id"):
                return reply


@asynccontextmanager
async def open_ws(
    port: int, path: str = "/ws", headers: list[tuple[bytes, bytes]] | None = None
) -> AsyncIterator[WebSocketConnection]:
    """A WebSocket client whose TCP stream we own and always close.

    (trio-websocket's own client leaves the socket open when the server closes
    first, which pytest then reports as an unclosed resource.)
    """
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream, trio.open_nursery() as nursery:
        ws = await wrap_client_stream(
            nursery, stream, "127.0.0.1", path, extra_headers=headers or []
        )
        try:
            yield ws
        finally:
            with trio.move_on_after(1) as cleanup:
                cleanup.shield = True
                await ws.aclose()
            nursery.cancel_scope.cancel()
