"""The application: one root nursery holding the game loop, the server and the pusher.

`run_app` opens the store, loads the game from the stored history, and starts its
parts with `nursery.start`, so that when it reports `RunningApp` the clock is live
and the port is bound. `RunningApp.stop` is the graceful way out: every WebSocket
gets a close frame, then the nursery is cancelled.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import trio

from score.core.access import AccessPolicy, is_loopback_host
from score.core.destinations import Destination
from score.core.rules import Rules
from score.shell import metrics
from score.shell.async_store import AsyncStore
from score.shell.game import Game
from score.shell.game_loop import run_clock
from score.shell.http import Limits
from score.shell.network import join_urls
from score.shell.server import Server
from score.shell.static_files import static_root
from score.shell.store import Store
from score.shell.supervisor import PusherSupervisor
from score.shell.wall_clock import system_wall_ms

log = logging.getLogger("score.app")


@dataclass
class Config:
    db: Path
    host: str = "127.0.0.1"
    port: int = 8000
    events_log: Path | None = None
    token: str | None = None
    wall_ms: Callable[[], int] = field(default=system_wall_ms)
    limits: Limits = field(default_factory=Limits)
    pusher: bool = True
    """Deliver events with a supervised `score push` child (tests may turn it off)."""
    targets: list[Destination] = field(default_factory=list)
    """Destinations named by `--to` and `--config` (checked, secrets resolved)."""
    rules: Rules | None = None
    """`--rules`: recorded as the first event of a new database (checked by the CLI)."""

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def destinations(self) -> list[Path]:
        """Where events are delivered: `events_log`, else a file beside the database
        named after it (`final.db` -> `final.events.log`), so that two games in one
        folder never share a file."""
        db = Path(self.db)
        named = [Path(d.target) for d in self.targets if d.kind == "file"]
        if self.events_log is not None or not named:  # the local record stays
            named.insert(0, self.events_log or db.with_name(f"{db.stem}.events.log"))
        return named

    @property
    def delivery_targets(self) -> list[Path | Destination]:
        """Every destination: the files above, then the webhooks."""
        named = {d.target: d for d in self.targets}
        files: list[Path | Destination] = [named.get(str(path), path) for path in self.destinations]
        return files + [d for d in self.targets if d.kind != "file"]


@dataclass
class RunningApp:
    game: Game
    server: Server
    host: str
    port: int
    token: str | None
    cancel_scope: trio.CancelScope

    @property
    def url(self) -> str:
        # A wildcard bind is reached on this machine through its loopback address
        # of the same family (Trio binds `::` IPv6-only, so 127.0.0.1 would not answer).
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        """Close every WebSocket with 1001, then cancel everything."""
        await self.server.close_all()
        self.cancel_scope.cancel()


def choose_token(config: Config) -> str | None:
    """The operator token: one given by the operator is always required; on a
    network-facing bind one is required anyway, and made up when none was given."""
    if config.token:
        return config.token
    return None if config.loopback else secrets.token_urlsafe(16)


async def run_app(
    config: Config, *, task_status: trio.TaskStatus[RunningApp] = trio.TASK_STATUS_IGNORED
) -> None:
    store = AsyncStore(await trio.to_thread.run_sync(Store.open, config.db))
    try:
        game = await Game.load(store, config.wall_ms)
        if config.rules is not None and not config.rules.is_clock and not game.clock.last_event_id:
            await game.configure(config.rules)
        log.info("%s", game.restored)
        token = choose_token(config)
        policy = AccessPolicy(loopback=config.loopback, token=token)
        server = Server(game, policy, static_root(), config.limits)
        try:
            await _serve(config, game, server, token, task_status)
        finally:
            with trio.CancelScope(shield=True):
                await game.save_snapshot()  # the next start replays nothing
    finally:
        await store.aclose()


async def _serve(
    config: Config,
    game: Game,
    server: Server,
    token: str | None,
    task_status: trio.TaskStatus[RunningApp],
) -> None:
    """The root nursery: game loop, server, pusher supervisor."""
    async with trio.open_nursery() as nursery:
        await nursery.start(run_clock, game)
        listeners = await nursery.start(server.serve, config.host, config.port)
        if config.pusher and str(config.db) != ":memory:":
            supervisor = PusherSupervisor(
                game.store,
                Path(config.db),
                config.delivery_targets,
                game.time.now,
                game.set_pusher_status,
            )
            game.add_commit_listener(lambda _events: supervisor.wake())
            server.api.metrics = partial(metrics.scrape, game, supervisor)
            await nursery.start(supervisor.run)
        port = listeners[0].socket.getsockname()[1]
        if not config.loopback:  # a loopback bind cannot be joined from a tablet
            server.api.join_urls = partial(join_urls, config.host, port, token)
        task_status.started(
            RunningApp(game, server, config.host, port, token, nursery.cancel_scope)
        )
