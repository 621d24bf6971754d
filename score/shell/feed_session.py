"""One feed WebSocket (`/ws?feed=1`): the flat feed object, and nothing else.

For H2R Graphics, Singular and other consumers that bind a WebSocket's JSON keys to
text fields: each message is the feed itself (docs/feeds.md), not a `{"state"}`
message. The session's outbox joins the feed hub (feed_hub.py decides when it gets
a feed; the game's fan-out writer writes it, latest wins). A feed connection only
reads: each message the client sends is answered with a `read_only` error, and
changes nothing; commands go on a plain `/ws`.
"""

from __future__ import annotations

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

from score.core import wire
from score.core.errors import ScoreError
from score.shell.feed_hub import FeedHub
from score.shell.outbox import Outbox
from score.shell.ws_wire import wire_of

READ_ONLY = ScoreError("read_only", "a feed connection only reads; send commands on /ws")


async def serve_feed(hub: FeedHub, ws: WebSocketConnection, socket: trio.socket.SocketType) -> None:
    """Serve one feed viewer until it leaves or is dropped (it takes nothing for
    seconds: the outbox's rule, as for every viewer)."""
    fanout = hub.game.fanout
    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:

            def start_waiter(outbox: Outbox) -> None:
                nursery.start_soon(outbox.serve_waits, fanout.mark_ready)

            outbox = Outbox(wire_of(ws, socket), scope.cancel, start_waiter)
            hub.join(outbox)
            try:
                while True:
                    try:
                        await ws.get_message()
                    except ConnectionClosed:
                        break
                    fanout.send_reply(outbox, wire.encode(wire.error_message(READ_ONLY)))
                    await outbox.wait_room()
            finally:
                hub.leave(outbox)  # before the nursery closes: a closed outbox starts no waiter
            nursery.cancel_scope.cancel()
