"""Thousands of MQTT subscribers from one thread: the remote viewers of bench_mqtt.py.

Each viewer is one TCP connection that sends CONNECT (MQTT 3.1.1, clean session, no
keep-alive) and SUBSCRIBE (QoS 0) and then only reads; one `selectors` loop (epoll)
serves them all and notes, per connection, when the first PUBLISH whose payload holds
a marker arrived: the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME, as
wsclient.py does), not the moment this one thread got round to that socket.
Written by hand because the point is to be small: paho-mqtt would want a thread (or
a loop object) per client, and 5,000 of them would measure the load client rather
than the broker. Only what subscribing needs is parsed: CONNACK, SUBACK and PUBLISH;
everything else is skipped by its length.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
import time

from wsclient import ANCILLARY_BYTES, SO_TIMESTAMPNS, _kernel_ns

CONNACK, PUBLISH, SUBACK = 2, 3, 9
WAVE = 250
"""Connections opened at once (the broker's listen backlog is finite)."""


def _length(value: int) -> bytes:
    """MQTT's variable-length integer."""
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def connect_packet(client_id: str) -> bytes:
    body = _string("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 0) + _string(client_id)
    return bytes([0x10]) + _length(len(body)) + body


def subscribe_packet(topic: str, packet_id: int = 1) -> bytes:
    body = struct.pack("!H", packet_id) + _string(topic) + bytes([0])
    return bytes([0x82]) + _length(len(body)) + body


class _Viewer:
    __slots__ = ("buffer", "index", "sock", "subscribed")

    def __init__(self, index: int, sock: socket.socket) -> None:
        self.index = index
        self.sock = sock
        self.buffer = bytearray()
        self.subscribed = False


class LoadClients:
    """`count` subscribers of `topic`; `start` runs the reading loop in a thread."""

    def __init__(self, port: int, topic: str, count: int) -> None:
        self.port = port
        self.topic = topic
        self.count = count
        self.selector = selectors.DefaultSelector()
        self.viewers: list[_Viewer] = []
        self.subscribed = 0
        self.messages = 0
        self.marker: bytes | None = None
        self.arrived: dict[int, float] = {}
        """Viewer index -> wall-clock seconds (time.time()'s clock) of the arrival."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def connect_all(self, timeout: float = 120) -> None:
        """Open every connection (in waves) and return once all are subscribed."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        for first in range(0, self.count, WAVE):
            for index in range(first, min(first + WAVE, self.count)):
                sock = socket.create_connection(("127.0.0.1", self.port))
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                sock.setblocking(False)
                sock.sendall(connect_packet(f"viewer-{index}") + subscribe_packet(self.topic))
                viewer = _Viewer(index, sock)
                self.viewers.append(viewer)
                self.selector.register(sock, selectors.EVENT_READ, viewer)
            while self.subscribed < len(self.viewers):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.subscribed} of {self.count} subscribed")
                time.sleep(0.01)

    def expect(self, marker: bytes) -> None:
        """From now on, note each viewer's first PUBLISH that holds `marker`."""
        self.arrived = {}
        self.marker = marker

    def wait_all(self, timeout: float = 30) -> dict[int, float]:
        deadline = time.monotonic() + timeout
        while len(self.arrived) < self.count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.arrived)} of {self.count} viewers got it")
            time.sleep(0.001)
        return dict(self.arrived)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for viewer in self.viewers:
            viewer.sock.close()
        self.selector.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(0.05):
                viewer: _Viewer = key.data
                try:
                    data, ancillary, _flags, _address = viewer.sock.recvmsg(65536, ANCILLARY_BYTES)
                except BlockingIOError:
                    continue
                if not data:
                    self.selector.unregister(viewer.sock)
                    continue
                viewer.buffer += data
                arrival = _kernel_ns(ancillary)
                self._parse(viewer, time.time() if arrival is None else arrival / 1e9)

    def _parse(self, viewer: _Viewer, now: float) -> None:
        buffer = viewer.buffer
        while len(buffer) >= 2:
            size, shift, at = 0, 0, 1
            while True:
                if at >= len(buffer):
                    return
                digit = buffer[at]
                size |= (digit & 0x7F) << shift
                shift += 7
                at += 1
                if not digit & 0x80:
                    break
            if len(buffer) < at + size:
                return
            kind = buffer[0] >> 4
            if kind == SUBACK and not viewer.subscribed:
                viewer.subscribed = True
                self.subscribed += 1
            elif kind == PUBLISH:
                self.messages += 1
                marker = self.marker
                if (
                    marker is not None
                    and viewer.index not in self.arrived
                    and buffer.find(marker, at, at + size) >= 0
                ):
                    self.arrived[viewer.index] = now
            del buffer[: at + size]
