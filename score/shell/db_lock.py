"""One writer per database: the lock a `score run` holds on its database.

Two `score run` on one database would each fold their own commands into their own
live clock while both append to one log, so neither shows the truth. The first one
holds an exclusive `flock` on a sidecar file (`game.db.lock`) for as long as it
lives; the kernel drops the lock when the process dies, even by SIGKILL or a power
cut, so a dead holder never blocks the next start. The file says who holds it (pid,
URL) so that the one refused can say so. The lock is on the sidecar, never on the
database file: closing any descriptor of a file drops every POSIX lock the process
holds on it, SQLite's included.

The holder's own pusher child must still open the database: the holder puts a
random token in the file and in its environment, which the child inherits; a
`score push` with another token (or none) is refused while the lock is held.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from pathlib import Path

from score.shell.store_errors import StoreError

HOLDER_ENV = "SCORE_DB_HOLDER"
"""The holder's token, inherited by its pusher child."""


class DatabaseInUse(StoreError):
    """Another live process serves this database."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


class DatabaseLock:
    """The exclusive lock of a serving process on one database."""

    def __init__(self, db: Path, fd: int, token: str) -> None:
        self.db = db
        self._fd = fd
        self.token = token

    @classmethod
    def acquire(cls, db: Path) -> DatabaseLock:
        """Take the lock, or raise DatabaseInUse naming the holder."""
        if str(db) == ":memory:":
            return cls(db, -1, "")  # nothing on disk to share
        try:
            fd = os.open(lock_path(db), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise StoreError(f"cannot lock {lock_path(db)}: {error.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DatabaseInUse(_describe(db, holder)) from None
        except BaseException:
            os.close(fd)
            raise
        lock = cls(db, fd, secrets.token_hex(8))
        lock._write(url=None)
        os.environ[HOLDER_ENV] = lock.token
        return lock

    def announce(self, url: str) -> None:
        """Record where the database is served, for anyone refused."""
        self._write(url)

    def release(self) -> None:
        if self._fd < 0:
            return
        os.environ.pop(HOLDER_ENV, None)
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the only descriptor releases the flock
        self._fd = -1

    def _write(self, url: str | None) -> None:
        if self._fd < 0:
            return
        record = {"pid": os.getpid(), "url": url, "token": self.token}
        data = json.dumps(record).encode() + b"\n"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)


def check_not_served_elsewhere(db: Path) -> None:
    """For `score push`: raise DatabaseInUse if a process other than our parent
    game serves `db`. A database nobody serves may be pushed from."""
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        holder = _read_holder(fd)
        if holder.get("token") and holder.get("token") == os.environ.get(HOLDER_ENV):
            return  # our parent holds it
        try:
            # A shared lock only probes: it never stops a holder that comes after.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(_describe(db, holder)) from None
    finally:
        os.close(fd)  # also drops the probe's shared lock


def _read_holder(fd: int) -> dict[str, object]:
    try:
        record = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _describe(db: Path, holder: dict[str, object]) -> str:
    pid = holder.get("pid", "?")
    url = holder.get("url")
    where = f"at {url}" if url else "(still starting)"
    return f"{db} is being served by PID {pid} {where}"
