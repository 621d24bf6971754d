"""What can go wrong with the database, as errors fit to show the operator.

Every error the store raises is a `StoreError`; its kinds say what the operator can
do about it (nothing there, not ours, busy, no room left). `translate` turns an
error SQLite raised during a write into its kind.
"""

from __future__ import annotations

import sqlite3


class StoreError(Exception):
    """A problem with the database, with a message fit for the operator."""


class DatabaseMissing(StoreError):
    pass


class NotAScoreDatabase(StoreError):
    pass


class StoreBusy(StoreError):
    pass


class StoreFull(StoreError):
    """The disk holding the database is full: the write was not recorded."""


FULL_MESSAGE = "the disk is full; this change was not recorded"


def translate(exc: sqlite3.Error) -> StoreError:
    """The StoreError kind for an error SQLite raised during a write."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return StoreFull(FULL_MESSAGE)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
        return StoreBusy(f"the database is busy: {exc}")
    return StoreError(f"the database failed: {exc}")
