"""HTTP/1.1 over a Trio stream, parsed by h11, with time and size limits.

`read_request` returns the next request head and body from a connection. A request
whose head was read but that cannot be served (a path that is not UTF-8, a body too
large or too slow) comes back with its `problem`, so that the answer still knows the
method; with no head at all it raises `ScoreError` (400 malformed, 408 too slow, 431
head too large). `send_response` is the one way a response is written: the status
line with its reason phrase, and never a body after HEAD. `replay_request`
turns a parsed upgrade request back into bytes, so the WebSocket library can read
the handshake as if it had been first on the socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

import h11
import trio

from score.core.errors import ScoreError
from score.core.wire import MAX_MESSAGE_BYTES

RECEIVE_CHUNK = 16 * 1024


@dataclass(frozen=True)
class Limits:
    """How long and how much a client may take, per request."""

    max_head: int = 16 * 1024
    max_body: int = MAX_MESSAGE_BYTES
    head_timeout: float = 10.0
    body_timeout: float = 10.0
    send_timeout: float = 10.0


@dataclass
class Request:
    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: h11.Request
    body: bytes = b""
    problem: ScoreError | None = None
    """Why this request cannot be served, found while reading it."""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def is_websocket_upgrade(self) -> bool:
        return (self.headers.get("upgrade") or "").lower() == "websocket"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """Percent-decoded path and the last value of each query parameter.

    A browser sends the origin form (`/path?query`), split here as it is: given to
    `urlsplit`, a path starting `//` would be read as a host name (and `//[` raise).
    Only the absolute form (`http://host/path?query`) goes through `urlsplit`; a
    ValueError means the target is not a URL at all."""
    if target.startswith("/"):
        path, _, rest = target.partition("?")
        query_text = rest.partition("#")[0]
        path = path.partition("#")[0]
    else:
        split = urlsplit(target)
        path, query_text = split.path, split.query
    query = {key: values[-1] for key, values in parse_qs(query_text).items()}
    return unquote(path, errors="strict"), query


async def _next_event(
    conn: h11.Connection, stream: trio.abc.Stream
) -> h11.Event | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event  # type: ignore[return-value]
        data = await stream.receive_some(RECEIVE_CHUNK)
        conn.receive_data(bytes(data))


async def read_request(
    conn: h11.Connection, stream: trio.abc.Stream, limits: Limits
) -> Request | None:
    """The next request on the connection, or None when the client has gone."""
    max_body = limits.max_body
    try:
        with trio.fail_after(limits.head_timeout):
            event = await _next_event(conn, stream)
    except trio.TooSlowError:
        raise ScoreError("timeout", "request head not received in time", 408) from None
    except h11.RemoteProtocolError as exc:
        if "too large" in str(exc).lower() or "too long" in str(exc).lower():
            raise ScoreError("head_too_large", "request head too large", 431) from None
        raise ScoreError("bad_request", "malformed HTTP request", exc.error_status_hint) from None
    if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
        return None
    if not isinstance(event, h11.Request):
        raise ScoreError("bad_request", "malformed HTTP request")
    target = event.target.decode("latin-1")
    headers: dict[str, str] = {}
    for name, value in event.headers:
        headers[name.decode("latin-1")] = value.decode("latin-1")
    request = Request(event.method.decode("latin-1"), target, "", {}, headers, event)
    try:
        request.path, request.query = parse_target(target)
    except UnicodeDecodeError:
        request.problem = ScoreError("bad_request", "request path is not valid UTF-8")
        return request
    except ValueError:
        request.problem = ScoreError("bad_request", "request target is not a valid URL")
        return request
    if request.is_websocket_upgrade:
        return request
    length = headers.get("content-length")
    try:
        if length is not None and length.isdigit() and int(length) > max_body:
            raise ScoreError("too_large", f"request body over {max_body} bytes", 413)
        request.body = await _read_body(conn, stream, limits)
    except ScoreError as problem:
        request.problem = problem
    return request


async def _read_body(conn: h11.Connection, stream: trio.abc.Stream, limits: Limits) -> bytes:
    chunks: list[bytes] = []
    size = 0
    max_body = limits.max_body
    try:
        with trio.fail_after(limits.body_timeout):
            while True:
                event = await _next_event(conn, stream)
                if isinstance(event, h11.Data):
                    size += len(event.data)
                    if size > max_body:
                        raise ScoreError("too_large", f"request body over {max_body} bytes", 413)
                    chunks.append(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    return b"".join(chunks)
                else:
                    raise ScoreError("bad_request", "incomplete request body")
    except trio.TooSlowError:
        raise ScoreError("timeout", "request body not received in time", 408) from None
    except h11.RemoteProtocolError:
        raise ScoreError("bad_request", "malformed request body") from None


async def send_response(
    conn: h11.Connection,
    stream: trio.abc.Stream,
    response: Response,
    limits: Limits,
    method: str | None,
) -> None:
    """Write `response` to the request made with `method` (None: no request head
    was read). A HEAD answer has the headers a GET would have, and no body."""
    headers = [
        ("content-type", response.content_type),
        ("content-length", str(len(response.body))),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        *response.headers,
    ]
    reason = HTTPStatus(response.status).phrase.encode()
    data = conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
    if method != "HEAD":
        data += conn.send(h11.Data(data=response.body))
    data += conn.send(h11.EndOfMessage())
    with trio.fail_after(limits.send_timeout):
        await stream.send_all(data)


def replay_request(request: h11.Request, trailing: bytes) -> bytes:
    """The bytes of `request` (and what followed it), as a client would send them."""
    client = h11.Connection(h11.CLIENT)
    return bytes(client.send(request) or b"") + trailing


class PrefixedStream(trio.abc.Stream):
    """A stream that first yields `prefix`, then whatever `stream` receives."""

    def __init__(self, prefix: bytes, stream: trio.abc.Stream) -> None:
        self._prefix = prefix
        self._stream = stream

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if self._prefix:
            size = len(self._prefix) if max_bytes is None else max_bytes
            chunk, self._prefix = self._prefix[:size], self._prefix[size:]
            await trio.lowlevel.checkpoint()
            return chunk
        return bytes(await self._stream.receive_some(max_bytes))

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self._stream.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self._stream.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        if isinstance(self._stream, trio.abc.HalfCloseableStream):
            await self._stream.send_eof()

    async def aclose(self) -> None:
        await self._stream.aclose()
