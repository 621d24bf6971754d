"""`score run`: the clock, its pages, its API and event delivery, until a signal.

Ctrl+C and SIGTERM shut it down cleanly (WebSockets closed with 1001) with exit 0.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
import webbrowser
from pathlib import Path

import trio
import typer

from score.cli.app import DB_OPTION, app, console, errors, fail
from score.shell.app import Config, RunningApp, run_app
from score.shell.logs import quiet, setup_logging
from score.shell.store import StoreError

log = logging.getLogger("score.cli")


@app.command()
def run(
    db: Path = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port; 0 picks a free one."),
    events_log: Path | None = typer.Option(
        None, "--events-log", help="JSON Lines destination (default: events.log beside the db)."
    ),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the operator page."),
    token: str | None = typer.Option(
        None, "--token", envvar="SCORE_TOKEN", help="Operator token for a non-loopback bind."
    ),
) -> None:
    """Run the clock: operator page, displays, API and event delivery on one port."""
    setup_logging(errors)
    quiet(["trio-websocket"])
    config = Config(db=db, host=host, port=port, events_log=events_log, token=token)
    try:
        trio.run(_serve, config, open_browser)
    except* StoreError as group:
        raise fail(str(_first(group))) from None
    except* OSError as group:
        error = _first(group)
        if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
            raise fail(f"port {port} on {host} is already in use; try --port 0") from None
        raise fail(f"cannot serve on {host}:{port}: {error}") from None


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first leaf exception of a (nested) exception group."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def _serve(config: Config, open_browser: bool) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            running: RunningApp = await nursery.start(run_app, config)
            _announce(running)
            if open_browser and _has_display():
                nursery.start_soon(_open_browser, running.url)
            async for signum in signals:
                log.info("%s received, shutting down", signal.Signals(signum).name)
                break
            await running.stop()
            nursery.cancel_scope.cancel()


async def _open_browser(url: str) -> None:
    await trio.to_thread.run_sync(webbrowser.open, url)


def _announce(running: RunningApp) -> None:
    console.print(f"Score is serving on {running.url}", highlight=False)
    console.print(f"  displays and overlays: {running.url}display", highlight=False)
    if running.token is not None:
        console.print(f"  operator page: {running.url}?token={running.token}", highlight=False)
        console.print(f"  operator token: {running.token}", highlight=False)


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
