"""A viewer that stops reading for a moment is not dropped and does not get a queue of
stale states: when it reads again it gets what fits its socket, then the newest."""

from __future__ import annotations

import json
import socket
import struct

import pytest
import trio

from score.shell.app import RunningApp
from score.shell.outbox import STALL_SECONDS
from tests.client import RAW_WS_HANDSHAKE, command, open_ws, receive_json

CHANGES = 1000


async def read_states(stream: trio.SocketStream, until_event: int) -> list[dict[str, object]]:
    """Every state message on a raw WebSocket, up to one carrying `until_event`."""
    buffer = b""
    states: list[dict[str, object]] = []
    with trio.fail_after(30):
        while True:
            while len(buffer) < 4 or len(buffer) < 4 + struct.unpack(">H", buffer[2:4])[0]:
                buffer += await stream.receive_some(65536)
            assert buffer[1] == 126, "a state frame carries 126-65535 bytes"
            length = struct.unpack(">H", buffer[2:4])[0]
            message = json.loads(buffer[4 : 4 + length])
            buffer = buffer[4 + length :]
            state = message["state"]
            states.append(state)
            if state["last_event_id"] == until_event:
                return states


async def test_a_paused_viewer_gets_the_newest_state_not_every_one(app: RunningApp) -> None:
    sock = trio.socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    await sock.connect(("127.0.0.1", app.port))
    paused = trio.SocketStream(sock)
    async with paused, open_ws(app.port) as operator:
        await paused.send_all(RAW_WS_HANDSHAKE)
        head = b""
        while b"\r\n\r\n" not in head:
            head += await paused.receive_some(1)
        await receive_json(operator)
        started = trio.current_time()
        for k in range(CHANGES):  # the paused viewer reads none of these meanwhile
            reply = await command(operator, {"command": "set", "seconds": k + 1, "id": k})
        if trio.current_time() - started >= STALL_SECONDS:
            pytest.skip("the machine was too slow to tell a pause from a stall")
        newest = reply["state"]["last_event_id"]
        assert app.game.viewer_count == 2  # slow is not gone
        states = await read_states(paused, until_event=newest)
    assert len(states) < CHANGES / 2  # stale states were skipped, not queued
    assert states[-1]["seconds"] == CHANGES
    ids = [state["last_event_id"] for state in states]
    assert ids == sorted(ids)  # never an older state after a newer one
