"""`score deliveries`: where each destination stands; `retry` and `resend` for webhooks.

Per destination the deliveries table knows: the highest event id delivered, how many
events it still lacks (pending), how many of those failed at least once, its dead
letters, failed attempts and last error, and when the last delivery was. Showing
opens the database read-only, whatever its layout. `retry NAME` puts a webhook's dead
letters back in line (and enables it again after a 410); `resend NAME --from ID`
sends every event from ID again. Both work while `score run` serves: the pusher sees
the change at its next pass. A file cannot be resent: the file is its own truth.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from score.cli.app import DB_OPTION, app, console, fail

if TYPE_CHECKING:
    from score.shell.store import Store as StoreType

EXAMPLES = """Examples:

\b
  score deliveries --db final.db         a table: delivered, pending, dead letters
  score deliveries --db final.db --json  the same, for scripts
  score deliveries retry league --db final.db
                                         the dead letters of "league" go again
  score deliveries resend league --from 40 --db final.db
                                         events 40 and on go to "league" again
"""

deliveries_app = typer.Typer(
    help="Show, per destination, what is delivered, pending and dead-lettered.",
    epilog=EXAMPLES,
    no_args_is_help=False,
)
app.add_typer(
    deliveries_app,
    name="deliveries",
    short_help="Show, per destination, what is delivered, pending and failed.",
)


@deliveries_app.callback(invoke_without_command=True)
def deliveries(
    context: typer.Context,
    db: Path = DB_OPTION,
    json_output: bool = typer.Option(False, "--json", help="One JSON object, for scripts."),
) -> None:
    """Show, per destination, what is delivered, pending, failed and dead-lettered."""
    if context.invoked_subcommand is not None:
        return
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
    for column in ("delivered through", "pending", "failed", "dead letters", "last delivery"):
        table.add_column(column)
    table.add_column("last error", overflow="fold")
    for summary in summaries:
        last = summary.last_delivered_at
        when = "never" if last is None else datetime.fromtimestamp(last / 1000)
        table.add_row(
            summary.destination + (" (disabled)" if summary.disabled else ""),
            str(summary.delivered_through),
            str(summary.pending),
            str(summary.failed),
            str(summary.dead_letters),
            when if isinstance(when, str) else when.isoformat(" ", "seconds"),
            summary.last_error or "",
        )
    console().print(table)


NAME = typer.Argument(..., metavar="NAME", help="The destination, as `score deliveries` shows it.")


@deliveries_app.command()
def retry(name: str = NAME, db: Path = DB_OPTION) -> None:
    """Put a webhook's dead letters back in line (and enable it again after a 410)."""
    count = _change(db, name, lambda store: store.retry_dead_letters(name))
    console().print(f"{count} dead letters of {name} are back in line.")


@deliveries_app.command()
def resend(
    name: str = NAME,
    from_id: int = typer.Option(..., "--from", min=1, metavar="ID", help="The first event."),
    db: Path = DB_OPTION,
) -> None:
    """Send a webhook every event from ID on again (not a file: the file is the truth)."""
    count = _change(db, name, lambda store: store.resend_from(name, from_id))
    console().print(f"{count} events from {from_id} on will be sent to {name} again.")


def _change(db: Path, name: str, change: Callable[[StoreType], int]) -> int:
    from score.shell.destination_table import UnknownDestination
    from score.shell.store import Store, StoreError

    try:
        store = Store.open(db, create=False)
    except StoreError as error:
        raise fail(str(error)) from None
    try:
        if name.startswith("file:") or name not in store.webhook_names():
            known = ", ".join(store.webhook_names()) or "none yet"
            if name in {s.destination for s in store.summary()}:
                raise fail(
                    f"{name} is a file: the file is the truth; to write it again from event 1,"
                    " move it away while Score runs",
                    2,
                )
            raise fail(f"no webhook named {name} in {db} (webhooks: {known})", 2)
        return change(store)
    except (StoreError, UnknownDestination) as error:
        raise fail(str(error)) from None
    finally:
        store.close()
