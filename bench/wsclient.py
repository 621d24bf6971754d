"""A minimal WebSocket client that knows when each frame reached its socket.

A thousand viewers in one bench process cannot each be read the instant a frame
lands: the client's own event loop would add its queueing to the figure we want,
which is the server's. So every viewer socket asks the kernel for receive
timestamps (`SO_TIMESTAMPNS`, CLOCK_REALTIME), and a frame is read header first, a
few bytes at a time, so the timestamp that comes back is the one of the segment in
which that frame starts. That is the moment a display on its own machine would have
had the state; the time the bench process got round to parsing it is kept too.

Only what the bench needs: the opening handshake, unmasked text frames from the
server, and masked text frames (commands) to it. No fragmentation (the server sends
small whole messages), no extensions.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time

import trio

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux, struct timespec
ANCILLARY_BYTES = socket.CMSG_SPACE(16)
TEXT = 0x1
CLOSE = 0x8


class HandshakeError(Exception):
    pass


def _kernel_ns(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds * 1_000_000_000 + nanoseconds
    return None


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client-to-server frame (clients must mask, RFC 6455 section 5.3)."""
    length = len(payload)
    header = bytearray([0x80 | opcode])
    if length < 126:
        header.append(0x80 | length)
    elif length < 65536:
        header.append(0x80 | 126)
        header += struct.pack(">H", length)
    else:
        header.append(0x80 | 127)
        header += struct.pack(">Q", length)
    mask = os.urandom(4)
    key = (mask * (length // 4 + 1))[:length]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
    return bytes(header) + mask + body


class RawWebSocket:
    """One client connection; frames come back with the kernel's arrival time."""

    def __init__(self, sock: trio.socket.SocketType, pending: bytes) -> None:
        self.sock = sock
        self._pending = bytearray(pending)

    @classmethod
    async def connect(cls, port: int, path: str = "/ws") -> RawWebSocket:
        sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await sock.connect(("127.0.0.1", port))
            key = base64.b64encode(os.urandom(16)).decode()
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
            await _send_all(sock, request)
            response = bytearray()
            while b"\r\n\r\n" not in response:
                chunk = await sock.recv(4096)
                if not chunk:
                    raise HandshakeError("connection closed during the handshake")
                response += chunk
            head, _, rest = bytes(response).partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 101"):
                raise HandshakeError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        except BaseException:
            sock.close()
            raise
        return cls(sock, rest)

    async def _receive_exact(self, count: int) -> tuple[bytes, int | None]:
        """`count` bytes, and the kernel arrival time of the first of them (None
        if they had already been read along with the handshake)."""
        out = bytearray()
        arrival: int | None = None
        if self._pending:
            out += self._pending[:count]
            del self._pending[:count]
        while len(out) < count:
            data, ancillary, _flags, _address = await self.sock.recvmsg(
                count - len(out), ANCILLARY_BYTES
            )
            if not data:
                raise EOFError("connection closed")
            if arrival is None and not out:
                arrival = _kernel_ns(ancillary)
            out += data
        return bytes(out), arrival

    async def receive_frame(self) -> tuple[int, bytes, int, int]:
        """(opcode, payload, arrival_ns, parsed_ns), both instants CLOCK_REALTIME:
        when the frame's first byte reached the socket, and when we had all of it."""
        header, arrival = await self._receive_exact(2)
        length = header[1] & 0x7F
        if length == 126:
            length = struct.unpack(">H", (await self._receive_exact(2))[0])[0]
        elif length == 127:
            length = struct.unpack(">Q", (await self._receive_exact(8))[0])[0]
        if header[1] & 0x80:  # a masked frame from a server is a protocol error
            raise ValueError("masked frame from the server")
        payload = (await self._receive_exact(length))[0] if length else b""
        parsed = time.time_ns()
        return header[0] & 0x0F, payload, arrival or parsed, parsed

    async def send_text(self, text: str) -> None:
        await _send_all(self.sock, masked_frame(TEXT, text.encode()))

    async def aclose(self) -> None:
        """Send a close frame (1000) and close the socket, without waiting for the
        server's answer: the bench is done with this connection."""
        try:
            with trio.move_on_after(0.5):
                await _send_all(self.sock, masked_frame(CLOSE, struct.pack(">H", 1000)))
        except OSError:
            pass
        finally:
            self.sock.close()


async def _send_all(sock: trio.socket.SocketType, data: bytes) -> None:
    view = memoryview(data)
    while view:
        sent = await sock.send(view)
        view = view[sent:]
