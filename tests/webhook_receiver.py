"""A real webhook receiver on loopback, for tests: it verifies each POST's signature
with the `standardwebhooks` library (a second implementation checking ours), records
it, and answers as told: a status (with headers), or a hang until released."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trio
from standardwebhooks import Webhook, WebhookVerificationError

HANG = "hang"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_c2VjcmV0LXRoYXQtaXMtYmVpbmctcm90YXRlZA=="


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    verified: Any  # the parsed body when the signature checked out, else None
    answered: int | None


class Receiver:
    def __init__(self, secret: str = SECRET) -> None:
        self.webhook = Webhook(secret)
        self.received: list[Received] = []
        self.answers: deque[tuple[int, dict[str, str]] | str] = deque()
        self.default: tuple[int, dict[str, str]] | str = (200, {})
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, *answers: tuple[int, dict[str, str]] | str) -> None:
        """The next answers, in order; then `default`."""
        self.answers.extend(answers)

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]

    def delivered(self) -> list[int]:
        """Event ids answered 2xx, in the order received."""
        return [
            r.verified["event_id"]
            for r in self.received
            if r.verified is not None and r.answered is not None and 200 <= r.answered < 300
        ]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    verified = receiver.webhook.verify(body, headers)
                except WebhookVerificationError:
                    verified = None
                plan = receiver.answers.popleft() if receiver.answers else receiver.default
                if plan == HANG:
                    receiver.received.append(Received(headers, body, verified, None))
                    receiver.release.wait(30)
                    return
                assert not isinstance(plan, str)
                status, extra = plan
                receiver.received.append(Received(headers, body, verified, status))
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextmanager
def running_receiver(secret: str = SECRET) -> Iterator[Receiver]:
    receiver = Receiver(secret)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)


async def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Poll `condition` (set by the receiver's threads) until true or fail."""
    with trio.fail_after(timeout):
        while not condition():
            await trio.sleep(0.01)
