"""The HTTP API: one request in, one response out (DESIGN section 3).

`GET /state`, the feeds (`GET /feed.json`, `/feed.vmix.json`: feed_http.py) and the
static pages are open to every viewer; `POST /start`,
`POST /pause`, `POST /clock` and `POST /command` (any WebSocket command as its JSON
body) are control, checked by the access policy, and so is
`GET /join` (the URLs a tablet and a TV open; the operator's carry the token). Errors
use the same `{"error": {...}}` body as the WebSocket, with the status each carries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import trio

from score.core import wire
from score.core.access import AccessPolicy, bearer_token
from score.core.commands import Command, parse_command
from score.core.errors import ScoreError
from score.shell import feed_http, metrics, static_files
from score.shell.feed_hub import FeedHub
from score.shell.game import Game
from score.shell.http import Request, Response

log = logging.getLogger("score.http")

CONTROL = {"/start": "start", "/pause": "pause", "/clock": "set"}
"""Control paths and the command each one is."""


def json_response(message: dict[str, Any], status: int = 200) -> Response:
    return Response(status, wire.encode(message).encode())


def error_response(error: ScoreError) -> Response:
    response = json_response(wire.error_message(error), error.status)
    response.headers.extend(error.headers)
    return response


def method_not_allowed(path: str, allowed: str) -> ScoreError:
    return ScoreError(
        "method_not_allowed",
        f"{path[:80]} accepts {allowed} only",
        405,
        (("allow", allowed),),
    )


JoinUrls = Callable[[], tuple[list[str], list[str]]]
"""(operator URLs with the token, display URLs) other devices open."""


class Api:
    def __init__(self, game: Game, policy: AccessPolicy, static_root: Path) -> None:
        self.game = game
        self.policy = policy
        self.static_root = static_root
        self.feeds = FeedHub(game)
        """The feed for graphics engines; its task runs in the server's nursery."""
        self.join_urls: JoinUrls = lambda: ([], [])
        """Set by the app once the port is bound."""
        self.metrics: Callable[[], Awaitable[bytes]] = partial(metrics.scrape, game)
        """`GET /metrics`; the app adds the pusher's figures when it has one."""

    async def handle(self, request: Request) -> Response:
        try:
            return await self._route(request)
        except ScoreError as error:
            if error.status < 500:  # a 5xx is reported once by what failed, not per request
                log.info(
                    "%s %s refused: %d %s (%s)",
                    request.method[:20],
                    request.path[:80],
                    error.status,
                    error.code,
                    error.message,
                )
            return error_response(error)

    async def _route(self, request: Request) -> Response:
        if request.path == "/command":
            if request.method != "POST":
                raise method_not_allowed(request.path, "POST")
            self.check_control(request)
            message = wire.decode(request.body)
            command = parse_command(message)
            await self.game.execute(command)
            return json_response(self.game.state_message(wire.request_id_of(message)))
        if request.path in CONTROL:
            if request.method != "POST":
                raise method_not_allowed(request.path, "POST")
            self.check_control(request)
            await self.game.execute(self._command(request))
            return json_response(self.game.state_message())
        if request.method not in ("GET", "HEAD"):
            if not self._exists(request.path):
                raise ScoreError("not_found", "no such page", 404)
            raise method_not_allowed(request.path, "GET, HEAD")
        if request.path == "/ws":
            raise ScoreError(
                "upgrade_required",
                "/ws is the WebSocket endpoint: connect with a WebSocket client",
                426,
                (("upgrade", "websocket"), ("connection", "Upgrade")),
            )
        if request.path == "/state":
            # What the start restored, for the operator page to say once.
            return json_response(self.game.state_message() | {"restored": self.game.restored})
        if request.path in feed_http.PATHS:
            return feed_http.feed_response(self.feeds, request.path)
        if request.path == "/metrics":
            return Response(200, await self.metrics(), metrics.CONTENT_TYPE)
        if request.path == "/join":
            # The operator URL carries the token: only for those who may control.
            self.check_control(request)
            operator, display = self.join_urls()
            return json_response({"operator_urls": operator, "display_urls": display})
        return await self._static(request.path)

    def check_control(self, request: Request) -> None:
        token = bearer_token(request.header("authorization")) or request.query.get("token")
        self.policy.check_control(request.header("host"), request.header("origin"), token)

    def _command(self, request: Request) -> Command:
        """The command of a control request, validated by the same `parse_command`
        as a WebSocket message: `/clock` takes `{"seconds": N}` as its body."""
        name = CONTROL[request.path]
        if name != "set":
            return parse_command({"command": name})
        body = wire.decode(request.body)
        if not isinstance(body, dict):
            raise ScoreError("bad_command", 'the body must be {"seconds": N}')
        return parse_command({**body, "command": name})

    def _exists(self, path: str) -> bool:
        """Whether GET has something at `path` (so that another method is a 405)."""
        known = path in ("/state", "/join", "/ws", "/metrics", "/command", *feed_http.PATHS)
        return known or static_files.resolve(self.static_root, path) is not None

    async def _static(self, path: str) -> Response:
        file = static_files.resolve(self.static_root, path)
        if file is None:
            raise ScoreError("not_found", "no such page", 404)
        body = await trio.Path(file).read_bytes()
        return Response(200, body, static_files.content_type(file))
