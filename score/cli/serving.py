"""Serving `score run`: the Trio side of the command, imported only when it runs.

Ctrl+C and SIGTERM shut it down cleanly (WebSockets closed with 1001) with exit 0;
a database or port problem ends in one clear line.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
import webbrowser

import trio

from score.cli.app import console, errors, fail, first_error
from score.cli.join import announce
from score.cli.preflight import preflight
from score.shell.app import Config, RunningApp, run_app
from score.shell.db_lock import DatabaseLock
from score.shell.logs import quiet, setup_logging
from score.shell.store import StoreError

log = logging.getLogger("score.cli")


def serve(config: Config, open_browser: bool, lock: DatabaseLock) -> None:
    """Run the app (its database's `lock` held) until a signal; raise typer.Exit with
    one clear line on failure. The lock is released however it ends."""
    try:
        setup_logging(errors())
        quiet(["trio-websocket"])
        preflight(config)
        trio.run(_serve, config, open_browser, lock)
    except* StoreError as group:
        raise fail(str(first_error(group))) from None
    except* OSError as group:
        error = first_error(group)
        where = f"{config.host}:{config.port}"
        if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
            raise fail(
                f"port {config.port} on {config.host} is already in use; try --port 0"
            ) from None
        raise fail(f"cannot serve on {where}: {error}") from None
    finally:
        lock.release()


async def _serve(config: Config, open_browser: bool, lock: DatabaseLock) -> None:
    # One Ctrl+C can arrive twice: in the one-file executable the terminal signals
    # both the bootloader and this process, and the bootloader forwards its copy.
    # Trio re-raises a copy still queued when the receiver closes, which would turn
    # a clean shutdown into KeyboardInterrupt (exit 130) or death by SIGTERM; with
    # the handlers set to "ignore" underneath the receiver, spare copies vanish.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.SIG_IGN)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            running: RunningApp = await nursery.start(run_app, config)
            lock.announce(running.url)
            _announce(running)
            if open_browser and _has_display():
                nursery.start_soon(_open_browser, running.url)
            async for signum in signals:
                log.info("%s received, shutting down", signal.Signals(signum).name)
                break
            await running.stop()
            nursery.cancel_scope.cancel()


async def _open_browser(url: str) -> None:
    await trio.to_thread.run_sync(_open_in_browser, url)


def _open_in_browser(url: str) -> None:
    """`webbrowser.open`, with the user's own library path for the browser.

    The one-file executable points LD_LIBRARY_PATH at its unpacked libraries (its
    own loader and the pusher, the same executable, need them); a system browser
    started with that path could load our SQLite, zlib or OpenSSL instead of its own
    and fail to start. The first pusher is already running when this is called.
    """
    bundled = os.environ.get("LD_LIBRARY_PATH")
    if not getattr(sys, "frozen", False) or bundled is None:
        webbrowser.open(url)
        return
    original = os.environ.get("LD_LIBRARY_PATH_ORIG")
    if original is None:
        del os.environ["LD_LIBRARY_PATH"]
    else:
        os.environ["LD_LIBRARY_PATH"] = original
    try:
        webbrowser.open(url)
    finally:
        os.environ["LD_LIBRARY_PATH"] = bundled


def _announce(running: RunningApp) -> None:
    announce(console(), running.url, running.host, running.port, running.token)


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
