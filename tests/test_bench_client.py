"""The fan-out bench's client (bench/epoll_client.py) reads what a server sends right:
frames whole, cut across reads, several in one read, with a 16-bit length, each
state's first arrival per viewer once, and the kernel's receive time for each.

The figures in the README rest on it, so it is tested like product code, against a
plain socket server on loopback that sends frames byte for byte as we choose."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from epoll_client import EpollClient  # noqa: E402


def text_frame(payload: bytes) -> bytes:
    if len(payload) < 126:
        return bytes([0x81, len(payload)]) + payload
    return bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload


def state(event_id: int, padding: int = 0) -> bytes:
    return text_frame(b'{"state":{"pad":"' + b"x" * padding + b'","last_event_id":%d}}' % event_id)


class FakeServer:
    """Accepts WebSocket handshakes; `sockets` are the accepted connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.clients: list[EpollClient] = []
        """Closed with the server, whatever the test's outcome."""
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + state(1))
            self.sockets.append(conn)

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()
        self._thread.join(5)
        for client in self.clients:
            client.close()
        for conn in self.sockets:
            conn.close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


def connected(server: FakeServer, viewers: int) -> EpollClient:
    client = EpollClient(server.port)
    server.clients.append(client)
    client.connect(viewers)
    deadline = time.monotonic() + 5
    while len(server.sockets) < viewers + 1:  # and the operator
        assert time.monotonic() < deadline, "the fake server did not accept everyone"
        time.sleep(0.01)
    client.wait_all(1, 5)
    return client


def test_each_viewer_is_timed_once_per_state_by_the_kernel(server: FakeServer) -> None:
    client = connected(server, 3)
    before = time.time_ns()
    for conn in server.sockets[:3]:
        conn.sendall(state(2, padding=300))  # a 16-bit length
    arrived = client.wait_all(2, 5)
    assert len(arrived) == 3
    for arrival, parsed in arrived:
        assert before <= arrival <= parsed <= time.time_ns()
    for conn in server.sockets[:3]:
        conn.sendall(state(2))  # the same state again (the once-a-second broadcast)
        conn.sendall(state(3))
    assert len(client.wait_all(3, 5)) == 3
    assert 2 not in client.first_seen  # the repeated state was not counted again


def test_a_frame_cut_across_reads_and_frames_sharing_a_read(server: FakeServer) -> None:
    client = connected(server, 2)
    cut, together = server.sockets[0], server.sockets[1]
    frame = state(2, padding=200)
    cut.sendall(frame[:3])  # inside the 16-bit length
    client.poll(0.2)
    assert client.first_seen.get(2) is None
    cut.sendall(frame[3:])
    together.sendall(state(2) + state(3))
    assert len(client.wait_all(2, 5)) == 2
    cut.sendall(state(3))
    assert len(client.wait_all(3, 5)) == 2
    assert client.multi_frame_reads == 1  # the two frames sent together


def test_a_viewer_that_never_gets_the_state_times_out_and_says_how_many_did(
    server: FakeServer,
) -> None:
    client = connected(server, 2)
    server.sockets[0].sendall(state(2))
    with pytest.raises(TimeoutError, match="1 of 2 viewers had event 2"):
        client.wait_all(2, 0.3)
