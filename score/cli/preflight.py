"""Checks `score run` makes before it starts serving, each ending in one clear line.

An events log that belongs to another database (it holds event ids beyond the
database's last one) would make the pusher fail and retry forever while the status
light stays yellow; it is refused here instead, before anything is served. Nothing is
written: the file's last complete line is read back as the pusher reads it
(`jsonl_file.read_tail`) and judged by the pusher's own rule (`delivery.reconcile`);
the database is opened read-only by the store.
"""

from __future__ import annotations

import os
from pathlib import Path

from score.cli.app import fail
from score.core import delivery
from score.pusher.jsonl_file import read_tail
from score.shell.app import Config
from score.shell.store import Store, StoreError


class PreflightError(Exception):
    """A reason not to start, in one line for the operator."""


def preflight(config: Config) -> None:
    """Refuse to start, with one clear line and exit 1, when a check fails."""
    try:
        check_destinations(Path(config.db), config.destinations)
    except PreflightError as error:
        raise fail(str(error)) from None


def check_destinations(db: Path, destinations: list[Path]) -> None:
    """Raise PreflightError if a destination file cannot belong to this database."""
    database_last = database_last_event_id(db)
    for path in destinations:
        file_last = file_last_event_id(path)
        if file_last is not None and delivery.reconcile(file_last, 0, database_last).foreign:
            held = f"{db} has none" if database_last == 0 else f"{db} ends at {database_last}"
            raise PreflightError(
                f"{path} holds events up to {file_last} but {held}: it belongs to another"
                " database; move it away or choose another file with --events-log"
            )


def database_last_event_id(db: Path) -> int:
    """The last stored event id, read without writing; 0 for a missing database.

    A file that is not a Score database also gives 0 here: opening the store for
    the game reports that problem in its own words a moment later.
    """
    if str(db) == ":memory:":
        return 0
    try:
        store = Store.open_read_only(db)
    except StoreError:  # missing, or not a Score database
        return 0
    try:
        return store.last_event_id()
    finally:
        store.close()


def file_last_event_id(path: Path) -> int | None:
    """The event id of a JSON Lines file's last complete line.

    None when there is no file or no complete line yet (a torn last line is not read:
    the pusher cuts it). A last line that is not an event line is refused, as the
    pusher would refuse it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PreflightError(f"cannot read {path}: {error.strerror}") from None
    try:
        _, _, tail = read_tail(fd)
    finally:
        os.close(fd)
    if tail.last_line is None:
        return None
    event_id = delivery.line_event_id(tail.last_line)
    if event_id is None:
        raise PreflightError(
            f"{path} does not end with an event line, so it is not a Score events log;"
            " move it away or choose another file with --events-log"
        )
    return event_id
