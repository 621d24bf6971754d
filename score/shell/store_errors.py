"""What can go wrong with the database, as errors fit to show the operator.

Every error the store raises is a `StoreError`; its kinds say what the operator can
do about it (nothing there, not ours, busy).
"""

from __future__ import annotations


class StoreError(Exception):
    """A problem with the database, with a message fit for the operator."""


class DatabaseMissing(StoreError):
    pass


class NotAScoreDatabase(StoreError):
    pass


class StoreBusy(StoreError):
    pass
