"""`score replay`: the event history as a table, and the state it folds to.

Inspection never writes: the database is opened read-only and any older layout is
read as it is (only `score run` migrates a database).
"""

from __future__ import annotations

from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app, console, errors, fail

EXAMPLES = """Examples:

\b
  score replay --db final.db             every event, and the clock it folds to
  score replay --db final.db --until 12  the clock as it was at event 12
  score replay --db final.db --json      one JSON object (keys: docs/delivery.md)
"""


@app.command(short_help="Show the event history and the state it folds to.", epilog=EXAMPLES)
def replay(
    db: Path = DB_OPTION,
    json_output: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
    until: int | None = typer.Option(
        None, "--until", min=1, metavar="ID", help="Stop at this event id."
    ),
) -> None:
    """Show the event history and the state it folds to. Read-only: the database is
    never changed, whatever program wrote it."""
    from score.cli.replay_view import print_replay
    from score.shell.store import StoreError

    try:
        print_replay(console(), errors(), db, json_output=json_output, until=until)
    except StoreError as error:
        raise fail(str(error)) from None
