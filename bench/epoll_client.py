"""Viewers and an operator in one thread on one epoll: the fan-out bench's client.

The figure wanted is the server's: command sent -> the state on the last viewer's
socket. The client shares the machine's two cores with the server, so it must cost
as little as it can, and it must not add its own queueing to the figure:

- one thread, one `select.epoll`, no event loop library and no task per viewer: a
  broadcast to N viewers costs N `recvmsg` calls and one regular-expression search
  each, nothing more;
- each viewer socket asks the kernel for receive timestamps (`SO_TIMESTAMPNS`,
  CLOCK_REALTIME), so the instant recorded is when the frame reached the socket,
  not when this thread got round to it;
- so it need not read each frame the moment it lands, and does not: woken by the
  first frame of a broadcast, it reads what has landed every millisecond
  (`BATCH_S`). Woken once per frame instead, it would cost the server a wake-up
  per write (on loopback the writer's system call wakes the reader), a cost that
  displays on their own machines never put on the server, and the client would
  spend more of the two cores on epoll_wait.

On TCP the timestamp `recvmsg` returns is that of the last segment it read. A viewer
is read as soon as it is readable, so one read normally holds one frame; a read that
completed more than one frame is counted (`multi_frame_reads`): its timestamp belongs
to the later frame, which can only make a latency look longer, never shorter.

Only what the bench needs of RFC 6455: the opening handshake, unmasked text frames
from the server, masked text frames (commands) to it. Frames come whole (the server
sends small messages); no fragmentation, no extensions.
"""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from wsclient import (
    ANCILLARY_BYTES,
    SO_TIMESTAMPNS,
    TEXT,
    HandshakeError,
    after_upgrade,
    masked_frame,
    upgrade_request,
)

LAST_EVENT_ID = re.compile(rb'"last_event_id":(\d+)')
TIMESPEC = struct.Struct("qq")
"""SO_TIMESTAMPNS's data: a struct timespec (the only ancillary data asked for)."""


BATCH_S = 0.001
"""While a broadcast is landing, read what arrived in the last millisecond at once."""
DRAIN_EVERY = 100
"""While connecting, read what the connected viewers were sent every this many."""


@dataclass(eq=False, slots=True)
class _Peer:
    sock: socket.socket
    index: int
    """0.. for viewers, -1 for the operator."""
    buffer: bytearray = field(default_factory=bytearray)
    last_id: int = -1
    """The newest last_event_id this viewer has had."""


def _lone_text_frame(data: bytes) -> int:
    """Where the payload starts if `data` is exactly one whole unmasked text frame
    shorter than 64 KiB; else 0."""
    if data[0] != 0x81 or len(data) < 2:
        return 0
    length, start = data[1], 2
    if length == 126 and len(data) >= 4:
        length, start = (data[2] << 8) | data[3], 4
    elif length >= 126:
        return 0
    return start if len(data) == start + length else 0


class EpollClient:
    """`connect` viewers, then `command` and `wait_all` on the same thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.epoll = select.epoll()
        self.peers: dict[int, _Peer] = {}
        self.viewers: list[_Peer] = []
        self.operator: _Peer | None = None
        self.first_seen: dict[int, list[tuple[int, int]]] = {}
        """event id -> (arrival_ns, parsed_ns) of the first state carrying it, per viewer
        (in arrival order; a viewer skipping an id never happens at the bench's pace and
        would show up as a wait that times out)."""
        self.replies: dict[int, tuple[dict[str, Any], int]] = {}
        """request id -> (the answer, its arrival_ns)."""
        self.multi_frame_reads = 0
        self.reads = 0

    def _open(self, index: int) -> _Peer:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(upgrade_request(self.port))
            response = bytearray()
            while b"\r\n\r\n" not in response:
                chunk = sock.recv(4096)
                if not chunk:
                    raise HandshakeError("connection closed during the handshake")
                response += chunk
            rest = after_upgrade(bytes(response))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        peer = _Peer(sock, index, bytearray(rest))
        self.peers[sock.fileno()] = peer
        self.epoll.register(sock.fileno(), select.EPOLLIN)
        if rest:
            now = time.time_ns()  # came with the handshake: no timestamp
            self._frames(peer, now, now)
        return peer

    def connect(self, count: int) -> None:
        """Open `count` viewers one after another, as displays join a game, and the
        operator's connection."""
        for index in range(count):
            self.viewers.append(self._open(index))
            if index % DRAIN_EVERY == DRAIN_EVERY - 1:
                self.poll(0)
        self.operator = self._open(-1)

    def poll(self, timeout: float) -> int:
        """Read every peer that is readable within `timeout` seconds (0: only now);
        how many were. The loop is the client's whole cost per viewer, so it is
        written flat: one `recvmsg`, the timestamp, and for a lone text frame (the
        usual case) one search, with no copy."""
        ready = self.epoll.poll(timeout)
        peers, search, first_seen = self.peers, LAST_EVENT_ID.search, self.first_seen
        for fd, _events in ready:
            peer = peers[fd]
            try:
                data, ancillary, _flags, _address = peer.sock.recvmsg(65536, ANCILLARY_BYTES)
            except BlockingIOError:
                continue
            parsed = time.time_ns()
            if not data:
                raise EOFError(f"viewer {peer.index}: the server closed the connection")
            if ancillary:
                seconds, nanoseconds = TIMESPEC.unpack_from(ancillary[0][2])
                arrival = seconds * 1_000_000_000 + nanoseconds
            else:
                arrival = parsed
            if peer.index >= 0 and not peer.buffer and (start := _lone_text_frame(data)):
                match = search(data, start)
                if match is not None and (event_id := int(match.group(1))) > peer.last_id:
                    peer.last_id = event_id
                    first_seen.setdefault(event_id, []).append((arrival, parsed))
                continue
            peer.buffer += data
            if self._frames(peer, arrival, parsed) > 1:
                self.multi_frame_reads += 1
        self.reads += len(ready)
        return len(ready)

    def _frames(self, peer: _Peer, arrival: int, parsed: int) -> int:
        """Take every whole frame out of the peer's buffer; how many there were."""
        buffer = peer.buffer
        taken = 0
        while len(buffer) >= 2:
            length = buffer[1] & 0x7F
            if buffer[1] & 0x80:
                raise ValueError("masked frame from the server")
            start = 2 + {126: 2, 127: 8}.get(length, 0)
            if len(buffer) < start:
                break
            if length >= 126:
                length = int.from_bytes(buffer[2:start], "big")
            if len(buffer) < start + length:
                break
            opcode, payload = buffer[0] & 0x0F, bytes(buffer[start : start + length])
            del buffer[: start + length]
            taken += 1
            if opcode == TEXT:
                self._text(peer, payload, arrival, parsed)
        return taken

    def _text(self, peer: _Peer, payload: bytes, arrival: int, parsed: int) -> None:
        if peer.index < 0:
            message = json.loads(payload)
            if "id" in message:
                self.replies[int(message["id"])] = (message, arrival)
            return
        match = LAST_EVENT_ID.search(payload)
        if match is not None and (event_id := int(match.group(1))) > peer.last_id:
            peer.last_id = event_id
            self.first_seen.setdefault(event_id, []).append((arrival, parsed))

    def command(self, request_id: int, seconds: float, timeout: float) -> tuple[int, int, int]:
        """Send `set` and read until it is answered: (sent_ns, the answer's arrival_ns,
        the answer's last_event_id)."""
        assert self.operator is not None
        frame = masked_frame(
            TEXT, json.dumps({"command": "set", "seconds": seconds, "id": request_id}).encode()
        )
        sent = time.time_ns()
        self.operator.sock.setblocking(True)
        self.operator.sock.sendall(frame)
        self.operator.sock.setblocking(False)
        deadline = time.monotonic() + timeout
        while request_id not in self.replies:
            if not self._read_some(deadline):
                raise TimeoutError(f"no answer to command {request_id}")
        reply, arrival = self.replies.pop(request_id)
        if "error" in reply:
            raise RuntimeError(f"command refused: {reply['error']}")
        return sent, arrival, int(reply["state"]["last_event_id"])

    def wait_all(self, event_id: int, timeout: float) -> list[tuple[int, int]]:
        """Read until every viewer has had `event_id`; their (arrival_ns, parsed_ns)."""
        deadline = time.monotonic() + timeout
        while len(self.first_seen.get(event_id, ())) < len(self.viewers):
            if not self._read_some(deadline):
                seen = sum(1 for viewer in self.viewers if viewer.last_id >= event_id)
                raise TimeoutError(f"{seen} of {len(self.viewers)} viewers had event {event_id}")
        return self.first_seen.pop(event_id)

    def idle(self, seconds: float) -> None:
        """Keep reading for `seconds` (the gap between commands)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.poll(left)

    def _read_some(self, deadline: float) -> bool:
        """Wait for the first readable peer, then let the rest of a broadcast land for
        `BATCH_S` before reading on (see the module's docstring); False once past
        `deadline`."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if self.poll(left):
            time.sleep(BATCH_S)
        return True

    def close(self) -> None:
        for peer in self.peers.values():
            peer.sock.close()
        self.epoll.close()
