"""`score replay`: the event history as a table, and the state it folds to."""

from __future__ import annotations

from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app, console, fail


@app.command()
def replay(
    db: Path = DB_OPTION,
    json_output: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
    until: int | None = typer.Option(None, "--until", min=1, help="Stop at this event id."),
) -> None:
    """Show the event history and the state it folds to."""
    from score.cli.replay_view import print_replay
    from score.shell.store import StoreError

    try:
        print_replay(console(), db, json_output=json_output, until=until)
    except StoreError as error:
        raise fail(str(error)) from None
