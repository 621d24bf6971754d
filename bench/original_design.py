"""The original design, rebuilt for comparison: FastAPI + uvicorn, one SQLite file.

What the seed describes and the issue measured: an asyncio app whose WebSocket
endpoint keeps a set of connections; a command is written to SQLite (WAL, the
default synchronous=FULL, on the event loop), the state is updated, the sender gets
its answer, and the state is sent to every connection in turn with `send_json`.
Only what the bench needs is here (set/start/pause over WebSocket, GET /state); no
pusher, so it does strictly less work per command than `score run`.

    python bench/original_design.py --db PATH --port 0

prints the same "Score is serving on http://HOST:PORT/" line as `score run`, so
server_process.py starts both the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sqlite3
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect


class Game:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " type TEXT, payload TEXT, created_at INTEGER)"
        )
        self.seconds = 1200.0
        self.running = False
        self.last_event_id = 0
        self.clients: set[WebSocket] = set()

    def state(self, request_id: Any = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "state": {
                "seconds": self.seconds,
                "running": self.running,
                "pusher_status": "unknown",
                "server_time_ms": time.time_ns() // 1_000_000,
                "last_event_id": self.last_event_id,
            }
        }
        if request_id is not None:
            message["id"] = request_id
        return message

    def apply(self, command: dict[str, Any]) -> None:
        kind = {"set": "CLOCK_SET", "start": "GAME_STARTED", "pause": "GAME_PAUSED"}[
            command["command"]
        ]
        seconds = float(command.get("seconds", 0))
        payload = json.dumps({"seconds": seconds}) if kind == "CLOCK_SET" else "{}"
        cursor = self.db.execute(
            "INSERT INTO events(type, payload, created_at) VALUES (?, ?, ?)",
            (kind, payload, time.time_ns() // 1_000_000),
        )
        self.last_event_id = int(cursor.lastrowid or 0)
        if kind == "CLOCK_SET":
            self.seconds = seconds
        self.running = kind == "GAME_STARTED" or (self.running and kind == "CLOCK_SET")

    async def broadcast(self) -> None:
        message = self.state()
        for client in list(self.clients):
            try:
                await client.send_json(message)
            except Exception:
                self.clients.discard(client)


def make_app(game: Game) -> FastAPI:
    app = FastAPI()

    @app.get("/state")
    async def state() -> dict[str, Any]:
        return game.state()

    @app.websocket("/ws")
    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        game.clients.add(ws)
        try:
            await ws.send_json(game.state())
            while True:
                command = await ws.receive_json()
                game.apply(command)
                await ws.send_json(game.state(command.get("id")))
                await game.broadcast()
        except WebSocketDisconnect:
            pass
        finally:
            game.clients.discard(ws)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(4096)  # before the URL line: whoever reads it may connect at once
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(Game(args.db)), log_level="warning", backlog=4096)
    server = uvicorn.Server(config)
    print(f"Score is serving on http://127.0.0.1:{port}/", flush=True)
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
