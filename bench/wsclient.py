"""A minimal WebSocket client, on Trio, that knows when each frame reached its socket.

For the benches with a few connections (commands.py): the fan-out bench's thousands
of viewers are read by epoll_client.py instead, one thread and no task per viewer.
Every socket asks the kernel for receive timestamps (`SO_TIMESTAMPNS`,
CLOCK_REALTIME), and a frame is read header first, a few bytes at a time, so the
timestamp that comes back is the one of the segment in which that frame starts: the
moment a display on its own machine would have had it. The time the bench process
got round to parsing it is kept too. Reading is done in bursts: one wait for the
socket to be readable, then every whole frame it holds is read synchronously.

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
from collections import deque

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


def upgrade_request(port: int, path: str = "/ws") -> bytes:
    """The opening handshake's request (RFC 6455 section 4.1)."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def after_upgrade(response: bytes) -> bytes:
    """What came after the server's whole answer to `upgrade_request` (frames it sent
    along); HandshakeError with its status line if it did not switch protocols."""
    head, _, rest = response.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise HandshakeError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    return rest


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


Frame = tuple[int, bytes, int, int]
"""(opcode, payload, arrival_ns, parsed_ns)"""


def _frame_size(head: bytes | bytearray) -> int:
    """Bytes of the frame starting with `head` (at least 2 bytes); 0 if more of its
    header is needed to tell."""
    length = head[1] & 0x7F
    extra = {126: 2, 127: 8}.get(length, 0)
    if len(head) < 2 + extra:
        return 0
    if extra:
        length = int.from_bytes(head[2 : 2 + extra], "big")
    return 2 + extra + length


class RawWebSocket:
    """One client connection; frames come back with the kernel's arrival time."""

    def __init__(self, raw: socket.socket, pending: bytes) -> None:
        self.raw = raw
        """The socket, read synchronously in bursts (non-blocking)."""
        self.sock = trio.socket.from_stdlib_socket(raw)
        """The same socket, for trio's waits, connect and sends."""
        self._pending = bytearray(pending)
        self._frames: deque[Frame] = deque()
        self._frame = bytearray()
        self._arrival: int | None = None

    @classmethod
    async def connect(cls, port: int, path: str = "/ws") -> RawWebSocket:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setblocking(False)
        sock = trio.socket.from_stdlib_socket(raw)
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await sock.connect(("127.0.0.1", port))
            await _send_all(sock, upgrade_request(port, path))
            response = bytearray()
            while b"\r\n\r\n" not in response:
                chunk = await sock.recv(4096)
                if not chunk:
                    raise HandshakeError("connection closed during the handshake")
                response += chunk
            rest = after_upgrade(bytes(response))
        except BaseException:
            sock.close()
            raise
        return cls(raw, rest)

    def _needed(self) -> int:
        """Bytes still missing from the frame being read."""
        if len(self._frame) < 2:
            return 2 - len(self._frame)
        size = _frame_size(self._frame)
        if size == 0:
            return 2 + {126: 2, 127: 8}[self._frame[1] & 0x7F] - len(self._frame)
        return size - len(self._frame)

    def _read_available(self) -> None:
        """Every whole frame the socket holds now, each with the arrival time of the
        segment its header came in (raises EOFError at the end of the stream)."""
        while True:
            if self._pending:  # read along with the handshake: no timestamp
                take = self._needed()
                data, arrival = bytes(self._pending[:take]), None
                del self._pending[:take]
            else:
                try:
                    data, ancillary, _flags, _address = self.raw.recvmsg(
                        self._needed(), ANCILLARY_BYTES
                    )
                except BlockingIOError:
                    return
                if not data:
                    raise EOFError("connection closed")
                arrival = _kernel_ns(ancillary)
            if not self._frame:
                self._arrival = arrival
            self._frame += data
            if len(self._frame) >= 2 and _frame_size(self._frame) == len(self._frame):
                self._complete()

    def _complete(self) -> None:
        frame, self._frame = self._frame, bytearray()
        if frame[1] & 0x80:  # a masked frame from a server is a protocol error
            raise ValueError("masked frame from the server")
        header = 2 + {126: 2, 127: 8}.get(frame[1] & 0x7F, 0)
        parsed = time.time_ns()
        self._frames.append(
            (frame[0] & 0x0F, bytes(frame[header:]), self._arrival or parsed, parsed)
        )

    async def receive_frame(self) -> Frame:
        """(opcode, payload, arrival_ns, parsed_ns), both instants CLOCK_REALTIME:
        when the frame's first byte reached the socket, and when we had all of it."""
        while not self._frames:
            if not self._pending:
                await trio.lowlevel.wait_readable(self.sock)
            self._read_available()
        return self._frames.popleft()

    async def send_text(self, text: str) -> int:
        """Send one text frame; return the instant (CLOCK_REALTIME ns) just before
        the system call that wrote it, the frame built first, so nothing of the
        client's (a task switch, a garbage collection) falls between the two."""
        frame = masked_frame(TEXT, text.encode())
        sent_ns = time.time_ns()
        try:
            written = self.raw.send(frame)
        except BlockingIOError:
            written = 0
        await _send_all(self.sock, frame[written:])
        return sent_ns

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
