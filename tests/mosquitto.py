"""A real Mosquitto for tests and benchmarks, and a subscriber that records what it gets.

`Broker` writes a configuration in a folder of its own (a TCP listener and a WebSockets
listener on free 127.0.0.1 ports; optionally a password file made by mosquitto_passwd,
with anonymous clients refused) and runs Debian's /usr/sbin/mosquitto on it. `kill`
is SIGKILL (a crash) and `start` brings it back on the same ports, so a test can take
the broker away mid-stream. `Subscriber` is paho-mqtt with its own network thread
(a test helper, not the code under test), keeping every message with its arrival time.
"""

from __future__ import annotations

import contextlib
import getpass
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    def __init__(
        self,
        folder: Path,
        users: dict[str, str] | None = None,
        persistent: bool = False,
        tls: bool = False,
    ) -> None:
        """`persistent`: sessions and queued messages are saved at every change, so
        a subscriber's session survives SIGKILL (as a production broker's would).
        `tls`: a third listener, TLS on `tls_port`, with a certificate for 127.0.0.1
        signed by a CA made here (`ca_file`, for the clients to trust)."""
        if not Path(MOSQUITTO).exists():
            raise AssertionError(f"{MOSQUITTO} is missing: apt-get install -y mosquitto")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.ws_port = free_port()
        while self.ws_port == self.port:  # two probes may be handed the same port
            self.ws_port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.ws_port}"
        persistence = [
            "persistence true",
            f"persistence_location {folder}/",
            "autosave_on_changes true",
            "autosave_interval 1",
        ]
        lines = [
            # Started by root (as CI runs), mosquitto would switch to the user
            # `mosquitto`, who cannot read this folder: stay who we are.
            f"user {getpass.getuser()}",
            *(persistence if persistent else ["persistence false"]),
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "max_inflight_messages 0",
            "max_queued_messages 100000",
            f"listener {self.port} 127.0.0.1",
            f"listener {self.ws_port} 127.0.0.1",
            "protocol websockets",
        ]
        if users:
            passwords = folder / "passwords"
            passwords.touch(mode=0o600)
            for user, password in users.items():
                subprocess.run(
                    [MOSQUITTO_PASSWD, "-b", str(passwords), user, password],
                    check=True,
                    capture_output=True,
                )
            lines += [f"password_file {passwords}", "allow_anonymous false"]
        else:
            lines.append("allow_anonymous true")
        self.tls_port = 0
        self.ca_file = folder / "ca.pem"
        if tls:
            self.tls_port = free_port()
            while self.tls_port in (self.port, self.ws_port):
                self.tls_port = free_port()
            make_certificates(folder)
            lines += [
                f"listener {self.tls_port} 127.0.0.1",
                f"cafile {self.ca_file}",
                f"certfile {folder / 'server.pem'}",
                f"keyfile {folder / 'server.key'}",
            ]
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.log = folder / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self, timeout: float = 10) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                with socket.create_connection(("127.0.0.1", self.ws_port)):
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"mosquitto did not start:\n{self.log.read_text()}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: the broker is gone at once, with whatever it held."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def make_certificates(folder: Path) -> None:
    """ca.pem (a CA of our own) and server.pem/.key for 127.0.0.1, with openssl."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Score test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    )


@contextlib.contextmanager
def running_broker(
    folder: Path, users: dict[str, str] | None = None, persistent: bool = False, tls: bool = False
) -> Iterator[Broker]:
    broker = Broker(folder, users, persistent, tls)
    try:
        yield broker
    finally:
        broker.stop()


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float
    """time.perf_counter() when it arrived."""


class Subscriber:
    """A paho client subscribed to `topics`; `messages` fills from its thread."""

    def __init__(
        self, broker: Broker, *topics: str, client_id: str = "", timeout: float = 10
    ) -> None:
        """With a `client_id`, the session is kept by the broker while we are away."""
        self.messages: list[Received] = []
        self._lock = threading.Condition()
        self._subscribed = threading.Event()
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=not client_id,
            protocol=paho.MQTTv311,
        )
        client.reconnect_delay_set(0.05, 0.2)
        client.on_message = self._on_message
        client.on_subscribe = lambda *args: self._subscribed.set()
        client.on_connect = lambda c, *args: c.subscribe([(topic, 1) for topic in topics])
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        self.client = client
        if not self._subscribed.wait(timeout):
            raise AssertionError(f"could not subscribe to {topics}")

    def _on_message(self, client: object, userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(
                Received(message.topic, message.payload, message.retain, time.perf_counter())
            )
            self._lock.notify_all()

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(self, test: Callable[[list[Received]], bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not test(self.messages):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not received in {timeout} s: {self.messages[-5:]}")
                self._lock.wait(left)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextlib.contextmanager
def subscribed(broker: Broker, *topics: str, client_id: str = "") -> Iterator[Subscriber]:
    subscriber = Subscriber(broker, *topics, client_id=client_id)
    try:
        yield subscriber
    finally:
        subscriber.close()
