"""One WebSocket session: the live state stream, and commands if allowed.

The session subscribes an `Outbox` (outbox.py) to the game's fan-out (fanout.py):
states and answers are written by the fan-out's one writer task, newest state
first, answers always, in order. The session's own tasks are the reader, and two
started only when needed: the answerer (at the first command) and the waiter (the
first time the socket is full: it waits for room, and drops a viewer that takes
nothing for seconds; then the session's cancel scope ends it).

Commands are pipelined: the reader submits each command to the game in arrival
order and reads on; the answerer waits for each in that order and answers it once
it is durable. Commands that queue up meanwhile are committed together (group
commit, see game.py), so a client that sends faster than one fsync per command is
not held to one. At most MAX_IN_FLIGHT commands wait; then the reader waits too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

from score.core import wire
from score.core.commands import parse_command
from score.core.errors import ScoreError
from score.shell.game import Game, Pending
from score.shell.outbox import Outbox
from score.shell.ws_wire import wire_of

log = logging.getLogger("score.ws")

MAX_IN_FLIGHT = 64
"""Commands of one connection read but not yet answered."""


@dataclass
class Ticket:
    """One message read, in order: a command in the game's hands, or a refusal."""

    request_id: Any
    pending: Pending | None = None
    refusal: ScoreError | None = None


class Session:
    def __init__(
        self,
        game: Game,
        ws: WebSocketConnection,
        control: ScoreError | None,
        socket: trio.socket.SocketType,
    ) -> None:
        """`control` is None when this client may drive the clock, else why not;
        `socket` is the one under `ws` (the fan-out writes to it)."""
        self.game = game
        self.ws = ws
        self.control = control
        self.socket = socket

    async def run(self) -> None:
        """Serve the client until it leaves or is dropped."""
        fanout = self.game.fanout
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:

                def start_waiter(outbox: Outbox) -> None:
                    nursery.start_soon(outbox.serve_waits, fanout.mark_ready)

                outbox = Outbox(wire_of(self.ws, self.socket), scope.cancel, start_waiter)
                fanout.subscribe(outbox)
                try:
                    fanout.send_state(outbox, wire.encode(self.game.state_message()))
                    await self._read_loop(outbox, nursery)
                finally:
                    # Before the nursery closes: a closed outbox starts no waiter.
                    fanout.unsubscribe(outbox)
                nursery.cancel_scope.cancel()

    async def _read_loop(self, outbox: Outbox, nursery: trio.Nursery) -> None:
        """Read and submit commands; the answerer starts with the first one (most
        viewers never send any, and 10,000 idle answerers would cost memory)."""
        send: trio.MemorySendChannel[Ticket] | None = None
        answered = trio.Event()
        in_flight: list[Ticket] = []
        try:
            while True:
                try:
                    message = await self.ws.get_message()
                except ConnectionClosed:
                    break
                if send is None:
                    send, receive = trio.open_memory_channel[Ticket](MAX_IN_FLIGHT)
                    nursery.start_soon(self._answer_in_order, receive, outbox, in_flight, answered)
                ticket = self.submit(message)
                in_flight.append(ticket)
                await send.send(ticket)
            if send is not None:  # the client left: what it sent is still carried out
                await send.aclose()
                await answered.wait()
        finally:
            for ticket in in_flight:  # dropped: nobody waits for these
                if ticket.pending is not None:
                    self.game.withdraw(ticket.pending)

    async def _answer_in_order(
        self,
        receive: trio.MemoryReceiveChannel[Ticket],
        outbox: Outbox,
        in_flight: list[Ticket],
        answered: trio.Event,
    ) -> None:
        try:
            async with receive:
                async for ticket in receive:
                    reply = await self.answer(ticket)
                    in_flight.remove(ticket)
                    self.game.fanout.send_reply(outbox, wire.encode(reply))
                    await outbox.wait_room()
        finally:
            answered.set()

    def submit(self, message: str | bytes) -> Ticket:
        """Read one message: a command goes to the game at once, in arrival order."""
        request_id = None
        try:
            if isinstance(message, bytes):
                raise ScoreError("bad_json", "binary frames are not supported; send JSON text")
            decoded = wire.decode(message)
            request_id = wire.request_id_of(decoded)
            command = parse_command(decoded)
            if self.control is not None:
                raise self.control
        except ScoreError as error:
            return Ticket(request_id, refusal=error)
        return Ticket(request_id, pending=self.game.submit(command))

    async def answer(self, ticket: Ticket) -> dict[str, Any]:
        """The answer to one message, once its command is durable."""
        try:
            if ticket.refusal is not None:
                raise ticket.refusal
            assert ticket.pending is not None
            await self.game.complete(ticket.pending)
        except ScoreError as error:
            log.info("WebSocket command refused: %s (%s)", error.code, error.message)
            return wire.error_message(error, ticket.request_id)
        return self.game.state_message(ticket.request_id)
