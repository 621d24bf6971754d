"""One pipelined HTTP/1.1 connection to a webhook: several POSTs on the wire at once.

A receiver answers a connection's requests in the order they came (RFC 9112 9.3.2),
so requests written back to back without waiting for each answer keep their order
and cost one round trip per window instead of one per event: that is what lets a
backlog go at thousands of events a second. h11 writes each request and reads the
answers; no well-kept Python client pipelines (httpx, httpcore and aiohttp all wait
for each answer), so the little loop around h11 is ours. h11 will not let one
connection object have two requests outstanding, so requests are written by a fresh
writer each and answers read by one reader that is walked through a stand-in
request per answer (framing of a POST's answer does not depend on the request).

Every wait has a deadline (connect, write, read) and any trouble closes the
connection: what was not answered is the caller's to send again.
"""

from __future__ import annotations

import base64
import select
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import h11
import trio

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
READ_SIZE = 65536
_PATH_SAFE = "/%:@!$&'()*+,;=~-._"
"""Characters of a path or query that go as they are (RFC 3986 pchar, and "%")."""


class ConnectionLost(Exception):
    """The connection failed or timed out; the message is for the operator (no URL)."""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    retry_after: str | None
    keep_alive: bool
    """False when the receiver closes the connection after this answer: requests
    written after it were not read and must go again on a new connection."""


@dataclass(frozen=True)
class Target:
    """Where a webhook's requests go, parsed once from its URL."""

    tls: bool
    host: str
    port: int
    path: bytes
    fixed: tuple[tuple[bytes, bytes], ...]
    """Headers every request carries: host, content type, credentials from the URL."""

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        if parts.hostname is None:
            raise ValueError("the URL has no host")
        port = parts.port or (443 if tls else 80)
        default = port == (443 if tls else 80)
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        fixed = [
            (b"host", (host if default else f"{host}:{port}").encode("idna")),
            (b"content-type", b"application/json"),
            (b"user-agent", b"score-webhooks"),
        ]
        if parts.username is not None:  # as httpx did: URL credentials are Basic auth
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            fixed.append((b"authorization", b"Basic " + base64.b64encode(pair.encode())))
        # As httpx did: what is not ASCII or not allowed in a request target is
        # percent-encoded; what was encoded already stays as it is.
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
        return cls(tls, parts.hostname, port, path.encode("ascii"), tuple(fixed))

    @property
    def head(self) -> bytes:
        """The request line and fixed headers, checked by h11 (they come from a URL)."""
        h11.Request(method=b"POST", target=self.path, headers=list(self.fixed))  # raises if bad
        lines = b"".join(name + b": " + value + b"\r\n" for name, value in self.fixed)
        return b"POST " + self.path + b" HTTP/1.1\r\n" + lines

    def request(self, head: bytes, headers: Sequence[tuple[bytes, bytes]], body: bytes) -> bytes:
        """The bytes of one POST: `head`, then `headers`, which are ours (ASCII tokens,
        digits, base64; `check` has h11 look at a sample), then the body. Written by
        hand because h11's writer was a third of the cost of a backlog."""
        lines = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        return b"%scontent-length: %d\r\n%s\r\n%s" % (head, len(body), lines, body)

    def check(self, headers: Sequence[tuple[bytes, bytes]]) -> None:
        """Raise h11.LocalProtocolError if `headers` could not go in a request."""
        h11.Request(method=b"POST", target=self.path, headers=[*self.fixed, *headers])


_END = h11.EndOfMessage()
_STAND_IN = h11.Request(
    method=b"POST", target=b"/", headers=[(b"host", b"x"), (b"content-length", b"0")]
)


class Connection:
    """An open connection: `send` requests, then take their `answer`s in order."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self._stream = stream
        self._reader = h11.Connection(h11.CLIENT)

    @classmethod
    async def open(cls, target: Target) -> Connection:
        try:
            with trio.fail_after(CONNECT_TIMEOUT):
                if target.tls:
                    stream: trio.abc.Stream = await trio.open_ssl_over_tcp_stream(
                        target.host,
                        target.port,
                        ssl_context=ssl.create_default_context(),
                        https_compatible=True,
                    )
                else:
                    stream = await trio.open_tcp_stream(target.host, target.port)
        except trio.TooSlowError:
            raise ConnectionLost("no connection in time") from None
        except (OSError, trio.BrokenResourceError, ssl.SSLError) as exc:
            raise ConnectionLost(f"cannot connect: {_reason(exc)}") from None
        return cls(stream)

    async def send(self, data: bytes) -> None:
        try:
            with trio.fail_after(WRITE_TIMEOUT):
                await self._stream.send_all(data)
        except trio.TooSlowError:
            raise self._lost("the request could not be written in time") from None
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise self._lost(f"connection lost: {_reason(exc)}") from None

    async def answer(self) -> Answer:
        """The answer to the oldest request not answered yet (its body is dropped)."""
        reader = self._reader
        reader.send(_STAND_IN)
        reader.send(_END)
        response: h11.Response | None = None
        deadline: float | None = None  # set at the first wait: most answers are read already
        try:
            while True:
                event = reader.next_event()
                if event is h11.NEED_DATA:
                    if deadline is None:
                        deadline = trio.current_time() + READ_TIMEOUT
                    with trio.fail_at(deadline):
                        data = await self._stream.receive_some(READ_SIZE)
                    reader.receive_data(bytes(data))  # b"" = the receiver closed
                elif isinstance(event, h11.Response):
                    response = event
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    raise self._lost("the receiver closed the connection")
        except trio.TooSlowError:
            raise self._lost("no answer in time") from None
        except h11.RemoteProtocolError as exc:
            raise self._lost(f"not an HTTP answer: {exc}") from None
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise self._lost(f"connection lost: {_reason(exc)}") from None
        assert response is not None
        keep_alive = reader.their_state is h11.DONE
        if keep_alive:
            reader.start_next_cycle()
        retry_after = next((v for k, v in response.headers if k == b"retry-after"), None)
        return Answer(
            response.status_code,
            response.reason.decode("latin-1"),
            None if retry_after is None else retry_after.decode("latin-1"),
            keep_alive,
        )

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            await trio.aclose_forcefully(self._stream)

    def _lost(self, message: str) -> ConnectionLost:
        return ConnectionLost(message)

    def is_stale(self) -> bool:
        """True when an idle connection has something to read: the receiver closed it
        (a keep-alive timeout) or sent what nobody asked for. Asked before reusing
        it, as httpcore does, so that a routine close is not a failed attempt."""
        stream = self._stream
        if isinstance(stream, trio.SSLStream):
            stream = stream.transport_stream
        assert isinstance(stream, trio.SocketStream)
        readable, _, _ = select.select([stream.socket.fileno()], [], [], 0)
        return bool(readable)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
