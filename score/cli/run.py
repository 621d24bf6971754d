"""`score run`: the clock, its pages, its API and event delivery, until a signal.

The command only declares its options; the Trio side lives in `score.cli.serving`,
imported when the command runs, so `score --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app


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
    from score.cli.serving import serve
    from score.shell.app import Config

    serve(Config(db=db, host=host, port=port, events_log=events_log, token=token), open_browser)
