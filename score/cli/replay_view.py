"""Reading a history back: the table and the `--json` object of `score replay`.

The state is folded by the same core function the live game uses; with `--until` it
is the state at the instant of that event, otherwise at the current time.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from score.core import wire
from score.core.clock import fold
from score.core.events import StoredEvent, to_payload
from score.shell.store import Store
from score.shell.wall_clock import system_wall_ms

DELIVERY_LABELS = {None: "not yet", 0: "not yet", 1: "delivered", 2: "failed, retrying"}


def load_replay(db: Path, until: int | None) -> dict[str, Any]:
    store = Store.open(db, create=False)
    try:
        events = list(store.events(until=until))
        deliveries = store.delivery_status([event.id for event in events])
    finally:
        store.close()
    clock = fold(events)
    now = events[-1].created_at if until is not None and events else system_wall_ms()
    return {
        "state": wire.state_fields(clock, now),
        "events": [_event_json(event, deliveries.get(event.id, {})) for event in events],
    }


def _event_json(event: StoredEvent, deliveries: dict[str, int | None]) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": str(event.type),
        "payload": to_payload(event.data),
        "created_at": event.created_at,
        "deliveries": deliveries,
    }


def _short(destination: str) -> str:
    """`file:/long/path/events.log` -> `events.log`, to fit a terminal's width."""
    return Path(destination.removeprefix("file:")).name or destination


def print_replay(console: Console, db: Path, *, json_output: bool, until: int | None) -> None:
    result = load_replay(db, until)
    if json_output:
        sys.stdout.write(wire.encode(result) + "\n")
        return
    table = Table(title=f"Events in {db}")
    for column in ("id", "time", "type", "payload", "delivery"):
        table.add_column(column)
    for event in result["events"]:
        stamp = datetime.fromtimestamp(event["created_at"] / 1000)
        delivery = ", ".join(
            f"{_short(name)}: {DELIVERY_LABELS.get(flag, str(flag))}"
            for name, flag in sorted(event["deliveries"].items())
        )
        table.add_row(
            str(event["id"]),
            stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            event["type"],
            wire.encode(event["payload"]),
            delivery or "not yet",
        )
    console.print(table)
    state = result["state"]
    console.print(
        f"State: {state['seconds']} s remaining, {'running' if state['running'] else 'stopped'}"
        f" (after event {state['last_event_id']})",
        highlight=False,
    )
