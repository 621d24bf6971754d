"""`score push`: the event pusher, a hidden command that `score run` starts as a child.

It is not meant to be run by hand: its stdin is the parent's wake-up pipe (end of
input = shut down), its stderr carries JSON log lines for the parent to render, and
it ignores Ctrl+C, which the parent coordinates.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app, first_error

log = logging.getLogger("score.push")

NETWORK_NICENESS = 10
"""How much lower a pusher for network destinations only runs (`nice`)."""


@app.command(hidden=True)
def push(
    db: Path = DB_OPTION,
    events_log: list[Path] = typer.Option(
        [], "--events-log", metavar="PATH", help="A JSON Lines destination (repeatable)."
    ),
    destinations_file: Path | None = typer.Option(
        None,
        "--destinations-file",
        metavar="PATH",
        help="The parent's destinations, secrets included, in a 0600 file read once and"
        " removed (secrets never go on a command line).",
    ),
) -> None:
    """Deliver stored events to their destinations (started by `score run`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Imported here, not at the top: `score --help` and `score run` need none of it.
    import trio

    from score.pusher.main import PusherConfig, run_pusher
    from score.shell.log_lines import setup_json_logging
    from score.shell.store import StoreError

    setup_json_logging()
    from score.core import delivery, destinations, destinations_handoff

    chosen = [
        destinations.Destination(
            "file", str(path.absolute()), delivery.destination_name(str(path.absolute()))
        )
        for path in events_log
    ]
    if destinations_file is not None:
        try:
            text = destinations_file.read_text()
        except OSError as error:
            log.error("cannot read the destinations: %s", error)
            raise typer.Exit(1) from None
        destinations_file.unlink(missing_ok=True)
        chosen += destinations_handoff.decode(text)
    if chosen and all(d.kind != "file" for d in chosen):
        # Over the network, a millisecond is nothing and at least once is the rule; the
        # file is the truth the operator watches: when both are ready to run, the
        # file's pusher goes first (each destination has its own process).
        os.nice(NETWORK_NICENESS)
    config = PusherConfig(db=db, destinations=tuple(chosen))
    try:
        trio.run(run_pusher, config)
    except* StoreError as group:
        # The database is missing or is not a Score database: nothing to deliver from.
        # The supervisor logs the exit and tries again later, with backoff.
        log.error("cannot deliver: %s", first_error(group))
        raise typer.Exit(1) from None
