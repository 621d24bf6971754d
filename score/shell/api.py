"""The HTTP API: one request in, one response out (DESIGN section 3).

`GET /state` and the static pages are open to every viewer; `POST /start`,
`POST /pause` and `POST /clock` are control, checked by the access policy. Errors
use the same `{"error": {...}}` body as the WebSocket, with a 4xx status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from score.core import wire
from score.core.access import AccessPolicy, bearer_token
from score.core.commands import Command, CommandError, Pause, SetClock, Start, parse_seconds
from score.shell import static_files
from score.shell.game import Game
from score.shell.http import Request, Response

STATUS_FOR_CODE = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "clock_at_zero": 409,
    "too_large": 413,
    "store_unavailable": 503,
}


def json_response(message: dict[str, Any], status: int = 200) -> Response:
    return Response(status, wire.encode(message).encode())


def error_response(error: CommandError) -> Response:
    return json_response(wire.error_message(error), STATUS_FOR_CODE.get(error.code, 400))


class Api:
    def __init__(self, game: Game, policy: AccessPolicy, static_root: Path) -> None:
        self.game = game
        self.policy = policy
        self.static_root = static_root

    async def handle(self, request: Request) -> Response:
        try:
            return await self._route(request)
        except CommandError as error:
            return error_response(error)

    async def _route(self, request: Request) -> Response:
        control = {"/start": Start, "/pause": Pause, "/clock": SetClock}
        if request.path in control:
            if request.method != "POST":
                raise CommandError("method_not_allowed", f"use POST for {request.path}")
            self.check_control(request)
            command = self._command(request)
            await self.game.execute(command)
            return json_response(self.game.state_message())
        if request.method not in ("GET", "HEAD"):
            raise CommandError("method_not_allowed", f"{request.method[:20]} is not allowed here")
        if request.path == "/state":
            return json_response(self.game.state_message())
        return await self._static(request.path)

    def check_control(self, request: Request) -> None:
        token = bearer_token(request.header("authorization")) or request.query.get("token")
        self.policy.check_control(request.header("host"), request.header("origin"), token)

    def _command(self, request: Request) -> Command:
        match request.path:
            case "/start":
                return Start()
            case "/pause":
                return Pause()
        body = wire.decode(request.body)
        if not isinstance(body, dict):
            raise CommandError("bad_command", 'the body must be {"seconds": N}')
        if "seconds" not in body:
            raise CommandError("bad_seconds", 'missing "seconds"')
        return SetClock(parse_seconds(body["seconds"]))

    async def _static(self, path: str) -> Response:
        file = static_files.resolve(self.static_root, path)
        if file is None:
            raise CommandError("not_found", "no such page")
        body = await trio.Path(file).read_bytes()
        return Response(200, body, static_files.content_type(file))
