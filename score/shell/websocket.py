"""One WebSocket session: the live state stream, and commands if allowed.

The session subscribes to the game with a bounded queue and runs two tasks: a sender
that drains the queue onto the socket, and a reader that answers each command. Every
message to the client goes through the queue, so the two never interleave and a
client that stops reading fills only its own queue; then the game drops it and the
session's cancel scope ends it.
"""

from __future__ import annotations

import logging
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

from score.core import wire
from score.core.commands import parse_command
from score.core.errors import ScoreError
from score.shell.game import Game, Viewer

log = logging.getLogger("score.ws")


class Session:
    def __init__(self, game: Game, ws: WebSocketConnection, control: ScoreError | None) -> None:
        """`control` is None when this client may drive the clock, else why not."""
        self.game = game
        self.ws = ws
        self.control = control

    async def run(self) -> None:
        """Serve the client until it leaves or is dropped."""
        with trio.CancelScope() as scope:
            viewer = self.game.subscribe(on_drop=scope.cancel)
            try:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._send_loop, viewer)
                    self.game.offer(viewer, wire.encode(self.game.state_message()))
                    await self._read_loop(viewer)
                    nursery.cancel_scope.cancel()
            finally:
                self.game.unsubscribe(viewer)

    async def _send_loop(self, viewer: Viewer) -> None:
        try:
            async for text in viewer.receive:
                await self.ws.send_message(text)
        except ConnectionClosed:
            pass

    async def _read_loop(self, viewer: Viewer) -> None:
        while True:
            try:
                message = await self.ws.get_message()
            except ConnectionClosed:
                return
            reply = await self.answer(message)
            self.game.offer(viewer, wire.encode(reply))

    async def answer(self, message: str | bytes) -> dict[str, Any]:
        request_id = None
        try:
            if isinstance(message, bytes):
                raise ScoreError("bad_json", "binary frames are not supported; send JSON text")
            decoded = wire.decode(message)
            request_id = wire.request_id_of(decoded)
            command = parse_command(decoded)
            if self.control is not None:
                raise self.control
            await self.game.execute(command)
        except ScoreError as error:
            log.info("WebSocket command refused: %s (%s)", error.code, error.message)
            return wire.error_message(error, request_id)
        return self.game.state_message(request_id)
