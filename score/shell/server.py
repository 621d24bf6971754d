"""The one-port server: HTTP by h11, WebSocket upgrades handed to trio-websocket.

Each TCP connection is read with h11. Plain requests go to the `Api`; an upgrade on
`/ws` is replayed into trio-websocket's `wrap_server_stream`. Every connection runs
in its own nursery and its own error boundary: whatever one client does, the others
keep being served. On shutdown every open WebSocket gets a close frame (1001, going
away) before the connections are cancelled.
"""

from __future__ import annotations

import logging
import socket
from functools import partial
from pathlib import Path

import h11
import trio
import trio_websocket

from score.core import wire
from score.core.access import AccessPolicy
from score.core.errors import ScoreError
from score.shell.api import Api, error_response
from score.shell.feed_session import serve_feed
from score.shell.game import Game
from score.shell.http import (
    Limits,
    PrefixedStream,
    Request,
    read_request,
    replay_request,
    send_response,
)
from score.shell.websocket import Session

log = logging.getLogger("score.server")

CLOSE_TIMEOUT = 2.0
GOING_AWAY = 1001
VIEWER_SEND_BUFFER = 32 * 1024


class Server:
    def __init__(
        self, game: Game, policy: AccessPolicy, static_root: Path, limits: Limits | None = None
    ) -> None:
        self.game = game
        self.limits = limits or Limits()
        self.api = Api(game, policy, static_root)
        # Open WebSocket sessions, each with the cancel scope that ends it.
        self.websockets: dict[trio_websocket.WebSocketConnection, trio.CancelScope] = {}
        self._closing = False
        self._all_closed = trio.Event()

    async def serve(
        self,
        host: str,
        port: int,
        *,
        task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on host:port; reports the bound listeners once ready.

        `trio.serve_listeners` accepts (riding out a lack of file descriptors with
        short pauses) and runs each connection in the handler nursery.
        """
        listeners = await trio.open_tcp_listeners(port, host=host)
        async with trio.open_nursery() as nursery:
            await nursery.start(
                partial(trio.serve_listeners, self.handle_connection, listeners),
            )
            nursery.start_soon(self.api.feeds.run)
            task_status.started(listeners)

    async def close_all(self) -> None:
        """End every WebSocket session with a close frame (1001, going away).

        Each session closes itself, so its reader is still there to complete the
        close handshake; we wait for them all, at most CLOSE_TIMEOUT.
        """
        self._closing = True
        for scope in self.websockets.values():
            scope.cancel()
        with trio.move_on_after(CLOSE_TIMEOUT):
            if self.websockets:
                await self._all_closed.wait()

    async def handle_connection(self, stream: trio.SocketStream) -> None:
        try:
            await self._serve_connection(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError):
            pass
        except Exception:
            log.exception("connection failed")
        finally:
            await trio.aclose_forcefully(stream)

    async def _serve_connection(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head)
        while True:
            try:
                request = await read_request(conn, stream, self.limits)
            except ScoreError as error:  # no request head: answer if we still can
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await send_response(conn, stream, error_response(error), self.limits, None)
                return
            if request is None:
                return
            if request.problem is not None:
                response = error_response(request.problem)
                response.headers.append(("connection", "close"))
                await send_response(conn, stream, response, self.limits, request.method)
                return
            if request.is_websocket_upgrade:
                await self._upgrade(conn, stream, request)
                return
            response = await self.api.handle(request)
            await send_response(conn, stream, response, self.limits, request.method)
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _upgrade(
        self, conn: h11.Connection, stream: trio.SocketStream, request: Request
    ) -> None:
        if request.path != "/ws":
            # Declining a protocol switch is an ordinary response (h11 allows it).
            response = error_response(ScoreError("not_found", "WebSocket endpoint is /ws", 404))
            await send_response(conn, stream, response, self.limits, request.method)
            return
        # A small kernel send buffer per viewer: a client that stops reading fills
        # its queue (and is dropped) within seconds, and 1,000 viewers cost little.
        stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, VIEWER_SEND_BUFFER)
        trailing, _ = conn.trailing_data
        replayed = PrefixedStream(replay_request(request.raw, trailing), stream)
        control = self._control_error(request)
        async with trio.open_nursery() as nursery:
            with trio.move_on_after(self.limits.head_timeout) as handshake:
                ws_request = await trio_websocket.wrap_server_stream(
                    nursery, replayed, max_message_size=wire.MAX_MESSAGE_BYTES
                )
                ws = await ws_request.accept()
            if handshake.cancelled_caught:
                nursery.cancel_scope.cancel()
                return
            code = 1000
            try:
                with trio.CancelScope() as session:
                    self.websockets[ws] = session
                    if request.query.get("feed") == "1":  # the feed for graphics engines
                        await serve_feed(self.api.feeds, ws, stream.socket)
                    else:
                        await Session(self.game, ws, control, stream.socket).run()
                if self._closing:
                    code = GOING_AWAY
            except trio.Cancelled:
                code = GOING_AWAY
                raise
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT / 4):
                    await ws.aclose(code, "server shutting down" if code == GOING_AWAY else None)
                self.websockets.pop(ws, None)
                if self._closing and not self.websockets:
                    self._all_closed.set()
                nursery.cancel_scope.cancel()

    def _control_error(self, request: Request) -> ScoreError | None:
        """Why this WebSocket may not drive the clock; None when it may."""
        try:
            self.api.check_control(request)
        except ScoreError as error:
            return error
        return None
