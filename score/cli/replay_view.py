"""Reading a history back: the table and the `--json` object of `score replay`.

The database is opened read-only, whatever its layout (an original-design file is
read as it is, never migrated). The state is folded by the same core function the
live game uses; with `--until` it is the state at the instant of that event,
otherwise at the current time. Clock values are shown as the display shows them,
m:ss.t (h:mm:ss.t from an hour up), truncated to tenths.

A game (a history that begins with GAME_CONFIGURED) adds its box score (periods
with scores, fouls and timeouts; penalties) and marks the events an undo skipped;
`--json` then carries the game's whole state and `"box_score"`.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from score.core import wire
from score.core.box_score import box_score
from score.core.clock import Clock, fold_steps, remaining_at
from score.core.events import StoredEvent
from score.core.game_clocks import owed, shown_ms
from score.core.game_state import GameState, apply, fold, undone_ids
from score.core.tenths import clock_text
from score.shell.store import Store
from score.shell.wall_clock import system_wall_ms

DELIVERY_LABELS = {None: "not yet", 0: "not yet", 1: "delivered", 2: "failed, retrying"}


def load_replay(db: Path, until: int | None) -> tuple[dict[str, Any], int]:
    """The `--json` object, and the id of the last event in the database."""
    store = Store.open_read_only(db)
    try:
        if store.rules() is not None:
            typed = list(store.events(until=until))
            payloads = list(store.stored_payloads(until))
            last_id = store.last_event_id()
            deliveries = store.delivery_status([e.id for e in typed])
            return _game_replay(typed, payloads, deliveries, until), last_id
        steps = list(store.clock_steps(until=until))
        payloads = list(store.stored_payloads(until))
        last_id = store.last_event_id()
        deliveries = store.delivery_status([step[0] or 0 for step in steps])
    finally:
        store.close()
    events: list[dict[str, Any]] = []
    clock = Clock()
    for step, payload in zip(steps, payloads, strict=True):
        event_id, kind, created_at, _ = step
        clock = fold_steps([step], clock)
        events.append(
            {
                "id": event_id,
                "type": kind,
                "payload": payload,
                "created_at": created_at,
                "deliveries": deliveries.get(event_id or 0, {}),
                "clock_ms": remaining_at(clock, created_at),
                "running": clock.running,
            }
        )
    now = steps[-1][2] if until is not None and steps else system_wall_ms()
    return {"state": wire.state_fields(clock, now), "events": events}, last_id


def _game_replay(
    events: list[StoredEvent],
    payloads: list[dict[str, Any]],
    deliveries: dict[int, dict[str, int | None]],
    until: int | None,
) -> dict[str, Any]:
    """The `--json` object of a game: each event as for a clock, plus `undone`."""
    skipped = undone_ids(events)
    state = GameState()
    rows: list[dict[str, Any]] = []
    for event, payload in zip(events, payloads, strict=True):
        state = apply(state, event)
        rows.append(
            {
                "id": event.id,
                "type": str(event.type),
                "payload": payload,
                "created_at": event.created_at,
                "deliveries": deliveries.get(event.id, {}),
                "clock_ms": shown_ms(state, event.created_at),
                "running": state.clock.running,
                "period": state.period,
                "undone": event.id in skipped,
            }
        )
    now = events[-1].created_at if until is not None and events else system_wall_ms()
    # What the game loop would have recorded by `now` had it been running (a period
    # end, a shot clock): shown as the live game would show it, never written.
    state = fold(owed(state, now), state)
    return {"state": wire.state_fields(state, now), "events": rows, "box_score": box_score(events)}


def _short(destination: str) -> str:
    """`file:/long/path/events.log` -> `events.log`, to fit a terminal's width."""
    return Path(destination.removeprefix("file:")).name or destination


def print_replay(
    console: Console, errors: Console, db: Path, *, json_output: bool, until: int | None
) -> None:
    result, last_id = load_replay(db, until)
    if until is not None and until > last_id:
        errors.print(
            f"[yellow]warning:[/] --until {until} is past the last event ({last_id}):"
            " showing the whole history",
            highlight=False,
        )
    if json_output:
        sys.stdout.write(wire.encode(result) + "\n")
        return
    table = Table(title=f"Events in {db}")
    for column in ("id", "time", "type", "clock", "delivery"):
        table.add_column(column)
    for event in result["events"]:
        stamp = datetime.fromtimestamp(event["created_at"] / 1000)
        delivery = ", ".join(
            f"{_short(name)}: {DELIVERY_LABELS.get(flag, str(flag))}"
            for name, flag in sorted(event["deliveries"].items())
        )
        kind = event["type"]
        if event.get("undone"):
            kind = f"[strike]{kind}[/] (undone)"
        elif event["type"] not in ("GAME_CONFIGURED",) and event["payload"]:
            kind += f" {wire.encode(event['payload'])}"
        table.add_row(
            str(event["id"]),
            stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            kind,
            f"{clock_text(event['clock_ms'])} {'running' if event['running'] else 'stopped'}",
            delivery or "not yet",
        )
    console.print(table)
    state = result["state"]
    if "box_score" in result:
        print_box_score(console, state, result["box_score"])
    console.print(
        f"State: {clock_text(state['remaining_ms'])} remaining,"
        f" {'running' if state['running'] else 'stopped'}"
        f" (after event {state['last_event_id']})",
        highlight=False,
    )


def print_box_score(console: Console, state: dict[str, Any], box: dict[str, Any]) -> None:
    """Periods with each team's points, fouls and timeouts; then the penalties."""
    teams = state["teams"]
    table = Table(title=f"{state['rules']['title']}: period {state['period']}")
    table.add_column("period")
    for side in ("home", "away"):
        table.add_column(f"{teams[side]['name']} pts / fouls / TO")
    for row in box["periods"]:
        table.add_row(
            str(row["period"]),
            *(
                f"{row[s]['points']} / {row[s]['fouls']} / {row[s]['timeouts']}"
                for s in ("home", "away")
            ),
        )
    table.add_row("total", *(str(teams[s]["score"]) for s in ("home", "away")), style="bold")
    console.print(table)
    for penalty in box["penalties"]:
        ended = penalty["ended_by"] or "running"
        console.print(
            f"Penalty {penalty['id']}: {teams[penalty['team']]['name']} #{penalty['player']},"
            f" {clock_text(penalty['seconds'] * 1000)} in period {penalty['period']};"
            f" ended: {ended}",
            highlight=False,
        )
