"""Pins what score/shell/ws_wire.py relies on inside trio-websocket and wsproto.

The fan-out writes frames itself, under trio-websocket's send lock. If an upgrade of
trio-websocket or wsproto changes any of the points below, these tests fail before a
stream can be garbled: the lock is still there and still taken by every frame
trio-websocket sends (messages, pongs, close frames); a server connection still
negotiates no extension, so wsproto's framing of a text message is the bytes
`send_message` would write; and a closing connection reports itself closed.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import trio
import trio.testing
from trio_websocket import WebSocketConnection, wrap_server_stream

from score.shell.ws_wire import Wire, frame_text, wire_of

PING, CLOSE, PONG, TEXT = 0x9, 0x8, 0xA, 0x1


@dataclass
class Pair:
    """A trio-websocket server connection and a raw client socket to it."""

    ws: WebSocketConnection
    wire: Wire
    client: trio.socket.SocketType
    response_head: bytes


def masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


async def receive_exact(sock: trio.socket.SocketType, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = await sock.recv(count - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


async def receive_frame(sock: trio.socket.SocketType) -> tuple[int, bytes, bytes]:
    """(opcode, payload, the frame's bytes as they came)."""
    head = await receive_exact(sock, 2)
    length = head[1] & 0x7F
    extended = b""
    if length == 126:
        extended = await receive_exact(sock, 2)
        length = struct.unpack(">H", extended)[0]
    payload = await receive_exact(sock, length)
    return head[0] & 0x0F, payload, head + extended + payload


@asynccontextmanager
async def connected(nursery: trio.Nursery) -> AsyncIterator[Pair]:
    """A server connection accepted by trio-websocket, as Score's server accepts it;
    the client offers permessage-deflate, which the server must not take."""
    listener = (await trio.open_tcp_listeners(0, host="127.0.0.1"))[0]
    port = listener.socket.getsockname()[1]
    client = trio.socket.socket()
    await client.connect(("127.0.0.1", port))
    stream = await listener.accept()
    key = base64.b64encode(os.urandom(16))
    await client.send(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    request = await wrap_server_stream(nursery, stream)
    ws = await request.accept()
    head = b""
    while b"\r\n\r\n" not in head:
        head += await client.recv(1)
    try:
        yield Pair(ws, wire_of(ws, stream.socket), client, head)
    finally:
        client.close()
        await trio.aclose_forcefully(stream)
        await listener.aclose()


async def wait_for_lock_waiter(wire: Wire) -> None:
    with trio.fail_after(5):
        while wire.lock.statistics().tasks_waiting == 0:
            await trio.sleep(0.001)


async def test_the_send_lock_is_a_strict_fifo_lock(nursery: trio.Nursery) -> None:
    async with connected(nursery) as pair:
        assert isinstance(pair.ws._stream_lock, trio.StrictFIFOLock)
        assert pair.wire.lock is pair.ws._stream_lock
        assert pair.wire.connection is pair.ws._wsproto.connection
        assert pair.wire.is_open()


async def test_send_message_waits_for_the_lock(nursery: trio.Nursery) -> None:
    async with connected(nursery) as pair:
        await pair.wire.lock.acquire()
        nursery.start_soon(pair.ws.send_message, "after the lock")
        await wait_for_lock_waiter(pair.wire)
        # While the lock is held, the frame can only be ours: write one.
        os.write(pair.wire.fileno(), frame_text("ours first"))
        pair.wire.lock.release()
        assert (await receive_frame(pair.client))[1] == b"ours first"
        assert (await receive_frame(pair.client))[1] == b"after the lock"


async def test_a_pong_waits_for_the_lock(nursery: trio.Nursery) -> None:
    async with connected(nursery) as pair:
        await pair.wire.lock.acquire()
        await pair.client.send(masked(PING, b"are you there"))
        await wait_for_lock_waiter(pair.wire)  # the reader task answers under the lock
        os.write(pair.wire.fileno(), frame_text("a state"))
        pair.wire.lock.release()
        assert (await receive_frame(pair.client))[:2] == (TEXT, b"a state")
        assert (await receive_frame(pair.client))[:2] == (PONG, b"are you there")


async def test_a_close_frame_waits_for_the_lock_and_closes_the_wire(
    nursery: trio.Nursery,
) -> None:
    async with connected(nursery) as pair:
        await pair.wire.lock.acquire()
        nursery.start_soon(pair.ws.aclose, 1001, "going away")
        await wait_for_lock_waiter(pair.wire)
        assert not pair.wire.is_open()  # no data frame may follow from here on
        pair.wire.lock.release()
        opcode, payload, _ = await receive_frame(pair.client)
        assert opcode == CLOSE
        assert struct.unpack(">H", payload[:2])[0] == 1001


async def test_a_close_from_the_client_closes_the_wire(nursery: trio.Nursery) -> None:
    async with connected(nursery) as pair:
        await pair.client.send(masked(CLOSE, struct.pack(">H", 1000)))
        assert (await receive_frame(pair.client))[0] == CLOSE
        assert not pair.wire.is_open()


@pytest.mark.parametrize("size", [5, 125, 126, 4000, 70_000])
async def test_frames_are_the_bytes_send_message_writes(nursery: trio.Nursery, size: int) -> None:
    async with connected(nursery) as pair:
        assert b"sec-websocket-extensions" not in pair.response_head.lower()
        text = ("é" * size)[:size]
        nursery.start_soon(pair.ws.send_message, text)
        if size >= 65536:
            head = await receive_exact(pair.client, 10)
            length = struct.unpack(">Q", head[2:])[0]
            sent = head + await receive_exact(pair.client, length)
        else:
            sent = (await receive_frame(pair.client))[2]
        assert sent == frame_text(text)


async def test_the_wire_reports_a_closed_socket(nursery: trio.Nursery) -> None:
    async with connected(nursery) as pair:
        pair.wire.socket.close()
        assert pair.wire.fileno() == -1


async def test_wire_of_refuses_a_connection_without_the_lock() -> None:
    class Elsewhere:
        pass

    with trio.socket.socket(socket.AF_INET) as sock, pytest.raises(TypeError, match="_stream_"):
        wire_of(Elsewhere(), sock)  # type: ignore[arg-type]


async def test_wire_of_refuses_a_connection_without_wsproto_s_connection() -> None:
    class Elsewhere:
        _stream_lock = trio.StrictFIFOLock()

    with trio.socket.socket(socket.AF_INET) as sock, pytest.raises(TypeError, match="_wsproto"):
        wire_of(Elsewhere(), sock)  # type: ignore[arg-type]
