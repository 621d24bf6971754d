"""The one place that reaches inside trio-websocket (0.12) and wsproto (1.x).

trio-websocket has no public way to write bytes framed elsewhere: `send_message`
frames each message again for each connection and takes a lock and a checkpoint per
call, which at 1,000 viewers is most of a broadcast's cost. The fan-out
(fanout.py) frames a state once and writes it itself, working with trio-websocket's
structures rather than around them. Exactly what it relies on:

1. `WebSocketConnection._stream_lock`, a `trio.StrictFIFOLock`: trio-websocket
   writes every frame of its own (the handshake answer, pongs, close frames) in
   `_send`, holding this lock from before its `send_all` until after. The fan-out
   holds the same lock from the first byte of a frame to the last, so frames never
   interleave, and trio-websocket's own frames wait their turn as they would behind
   another `send_message`.
2. `WebSocketConnection._wsproto`, wsproto's `WSConnection`, whose public
   `connection` (a `Connection`, set once the handshake is done) has the public
   `state`: `ConnectionState.OPEN` until a close frame is made. trio-websocket makes
   every frame it sends with `self._wsproto.send(event)` before it waits for the lock
   above, so a close frame sent, being sent or waiting for the lock has already moved
   that state off OPEN: checking it before each frame means nothing is written after a
   close frame. The `Connection` is kept (one object to look at per write, not four:
   at 1,000 viewers the walk from the connection down to it was about a quarter
   of a broadcast's CPU time, bench/fanout_probe.py).
3. A server connection of trio-websocket negotiates no extension (its `_accept`
   passes none to wsproto, whatever the client offers), so a text message is framed
   by wsproto's own `FrameProtocol` without extensions exactly as `send_message`
   would frame it; framing once is then the same bytes for every viewer.
4. The socket under the connection is the one the server upgraded; writes go to
   its file descriptor only while it is open (`fileno() >= 0`), non-blocking, as
   trio's own `send_all` would, and waiting for room uses `trio.lowlevel.wait_writable`
   only while the lock above is held (trio allows one writer-waiter per socket).

tests/test_ws_wire.py pins each point against the installed versions, so an upgrade
that changes one of them fails there, loudly, before it can garble a stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio
from trio_websocket import WebSocketConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.frame_protocol import FrameProtocol

# Framing a whole message keeps no state in FrameProtocol (fin=True resets it), so
# one instance frames every broadcast.
_SERVER_FRAMES = FrameProtocol(client=False, extensions=[])


def frame_text(text: str) -> bytes:
    """One whole text message as a server sends it (unmasked, no extension)."""
    return bytes(_SERVER_FRAMES.send_data(text, fin=True))


@dataclass(eq=False, slots=True)
class Wire:
    """A WebSocket connection's socket, send lock and wsproto connection, as the
    fan-out writes them."""

    ws: WebSocketConnection
    socket: trio.socket.SocketType
    lock: trio.StrictFIFOLock
    connection: Connection

    def is_open(self) -> bool:
        """Data frames may still be sent (no close frame made, sent or being sent)."""
        return self.connection.state is ConnectionState.OPEN

    def fileno(self) -> int:
        """The socket's descriptor; -1 once it is closed."""
        return self.socket.fileno()


def wire_of(ws: WebSocketConnection, socket: trio.socket.SocketType) -> Wire:
    """The wire under an accepted `ws`; fails at once if trio-websocket no longer has
    its lock or wsproto its connection."""
    lock = getattr(ws, "_stream_lock", None)
    if not isinstance(lock, trio.StrictFIFOLock):
        raise TypeError(
            "trio-websocket has no _stream_lock (a trio.StrictFIFOLock) any more:"
            " see score/shell/ws_wire.py before upgrading it"
        )
    connection = getattr(getattr(ws, "_wsproto", None), "connection", None)
    if not isinstance(connection, Connection):
        raise TypeError(
            "trio-websocket's _wsproto has no wsproto Connection after the handshake:"
            " see score/shell/ws_wire.py before upgrading it"
        )
    return Wire(ws, socket, lock, connection)
