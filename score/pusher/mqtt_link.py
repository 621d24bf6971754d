"""One connection to an MQTT broker: paho-mqtt's client, its socket driven by Trio.

paho-mqtt 2.x does the protocol (packets, keep-alive, packet ids, TLS); we do the
waiting, with its external-loop API: a reader task waits until the socket is
readable and calls `loop_read` (which runs our callbacks, here, on the Trio thread),
a writer waits until it is writable while paho has bytes queued and calls
`loop_write`, and `loop_misc` runs every second for keep-alive. No second thread
holds the connection, so cancellation is Trio's own and the callbacks need no locks.
Only `connect` (name lookup, TCP and TLS handshakes, bounded by CONNECT_TIMEOUT)
runs on a worker thread, before the socket is ours.

A link is one connection: when it drops, `run` raises BrokerLost and the caller
opens a new one (paho's own reconnect and its queue of unacknowledged messages are
not used: the database says what is still to send). Error messages name the broker
by its address, never by anything holding credentials.
"""

from __future__ import annotations

import socket as _socket
import ssl
from typing import Any

import paho.mqtt.client as paho
import trio
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from score.core.mqtt_address import MqttAddress

CONNECT_TIMEOUT = 5.0
"""Seconds for the TCP (and TLS) connection and, again, for the broker's CONNACK."""
KEEPALIVE = 10
"""Seconds between pings when nothing else is said: a silent broker is noticed."""
MISC_INTERVAL = 1.0
MAX_INFLIGHT = 1000
"""Publishes awaiting their PUBACK at once (a backlog goes out in one stream)."""


class BrokerLost(Exception):
    """The broker cannot be reached, or the connection dropped: try again later."""


class BrokerRefused(BrokerLost):
    """The broker answered CONNECT with a refusal (bad credentials, not authorised)."""


class MqttLink:
    """A connected client: `publish`, and hear of each PUBACK through `on_ack`."""

    def __init__(self, address: MqttAddress, client_id: str, username: str, password: str) -> None:
        self.address = address
        self.on_ack: Any = lambda mid: None
        """Called with the packet id of each acknowledged QoS 1 publish."""
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        self.client.connect_timeout = CONNECT_TIMEOUT
        self.client.max_inflight_messages_set(MAX_INFLIGHT)
        self.client.max_queued_messages_set(0)  # no limit: the caller bounds its batches
        if username:
            self.client.username_pw_set(username, password or None)
        if address.tls:
            self.client.tls_set_context(ssl.create_default_context())
        self.client.on_connect = self._on_connect
        self.client.on_publish = self._on_publish
        self._connack: ReasonCode | None = None
        self._connected = trio.Event()
        self._writable = trio.Event()

    def where(self) -> str:
        scheme = "mqtts" if self.address.tls else "mqtt"
        return f"{scheme}://{self.address.host}:{self.address.port}"

    async def run(
        self, *, task_status: trio.TaskStatus[MqttLink] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Connect, report the link once the broker has accepted it, then drive the
        socket until cancelled; raises BrokerLost (or BrokerRefused) otherwise."""
        try:
            await trio.to_thread.run_sync(
                self.client.connect,
                self.address.host,
                self.address.port,
                KEEPALIVE,
                abandon_on_cancel=True,
            )
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise BrokerLost(f"cannot connect to {self.where()}: {_reason(exc)}") from None
        socket = self.client.socket()
        if socket is None:
            raise BrokerLost(f"cannot connect to {self.where()}")
        # Each event is a small write: Nagle's algorithm would hold one back until the
        # previous one's TCP ACK (tens of ms with delayed ACKs); paho does not turn it off.
        if isinstance(socket, _socket.socket):
            socket.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._read, socket)
                nursery.start_soon(self._write, socket)
                nursery.start_soon(self._misc)
                self.wake_writer()  # CONNECT may still be queued
                with trio.move_on_after(CONNECT_TIMEOUT):
                    await self._connected.wait()
                code = self._connack
                if code is None:
                    raise BrokerLost(f"{self.where()} did not answer CONNECT in time")
                if code.is_failure:
                    raise BrokerRefused(f"{self.where()} refused the connection: {code}")
                task_status.started(self)
        finally:
            self.client.on_connect = self.client.on_publish = None
            socket.close()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> int:
        """Queue one message (written at once if the socket takes it); its packet id."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_QUEUE_SIZE):
            raise BrokerLost(f"{self.where()}: {paho.error_string(info.rc)}")
        self.wake_writer()
        return info.mid

    def wake_writer(self) -> None:
        if self.client.want_write():
            self._writable.set()

    # -- the loop --------------------------------------------------------------------

    async def _read(self, socket: Any) -> None:
        while True:
            await trio.lowlevel.wait_readable(socket)
            self._check(self.client.loop_read())
            # TLS may hold decrypted bytes the socket no longer signals: read them too.
            while isinstance(socket, ssl.SSLSocket) and socket.pending():
                self._check(self.client.loop_read())
            self.wake_writer()

    async def _write(self, socket: Any) -> None:
        while True:
            await self._writable.wait()
            self._writable = trio.Event()
            while self.client.want_write():
                await trio.lowlevel.wait_writable(socket)
                self._check(self.client.loop_write())

    async def _misc(self) -> None:
        deadline = trio.current_time()
        while True:
            deadline += MISC_INTERVAL
            await trio.sleep_until(deadline)
            self._check(self.client.loop_misc())
            self.wake_writer()

    def _check(self, rc: MQTTErrorCode) -> None:
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            if self._connack is not None and self._connack.is_failure:
                raise BrokerRefused(f"{self.where()} refused the connection: {self._connack}")
            raise BrokerLost(f"connection to {self.where()} lost: {paho.error_string(rc)}")

    def _on_connect(
        self, client: Any, userdata: Any, flags: Any, code: ReasonCode, props: Any
    ) -> None:
        self._connack = code
        self._connected.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, code: Any, props: Any) -> None:
        self.on_ack(mid)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
