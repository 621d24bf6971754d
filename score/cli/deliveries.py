"""`score deliveries`: where each destination stands, read without writing.

Per destination the deliveries table knows: the highest event id delivered, how many
events it still lacks (pending), how many of those failed at least once, and when the
last delivery was. The database is opened read-only, whatever its layout.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app, console, fail

EXAMPLES = """Examples:

\b
  score deliveries --db final.db         a table: delivered through, pending, failed
  score deliveries --db final.db --json  the same, for scripts
"""


@app.command(
    short_help="Show, per destination, what is delivered, pending and failed.",
    epilog=EXAMPLES,
)
def deliveries(
    db: Path = DB_OPTION,
    json_output: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
) -> None:
    """Show, per destination, what is delivered, pending and failed."""
    from rich.table import Table

    from score.core import wire
    from score.shell.store import Store, StoreError

    try:
        store = Store.open_read_only(db)
        try:
            summaries = store.summary()
            last_id = store.last_event_id()
        finally:
            store.close()
    except StoreError as error:
        raise fail(str(error)) from None
    if json_output:
        result = {"last_event_id": last_id, "destinations": [asdict(s) for s in summaries]}
        sys.stdout.write(wire.encode(result) + "\n")
        return
    if not summaries:
        console().print(f"No deliveries recorded in {db} yet ({last_id} events).")
        return
    table = Table(title=f"Deliveries from {db} (last event {last_id})")
    table.add_column("destination", overflow="fold")
    for column in ("delivered through", "pending", "failed", "last delivery"):
        table.add_column(column)
    for summary in summaries:
        last = summary.last_delivered_at
        when = "never" if last is None else datetime.fromtimestamp(last / 1000)
        table.add_row(
            summary.destination,
            str(summary.delivered_through),
            str(summary.pending),
            str(summary.failed),
            when if isinstance(when, str) else when.isoformat(" ", "seconds"),
        )
    console().print(table)
