"""The JSON Lines file destination: locked, repaired on open, appended durably.

Opening takes an exclusive advisory lock (`flock`) on the file, so that a pusher
left over from a crashed parent and its successor never write at the same time
(the second waits); then it drops a torn last line (the tail of a write that was
not fsynced when its process died) and reads the last complete line's event id:
that id, not the database, says how far delivery got. Appending is one `O_APPEND`
write of a whole batch followed by one `fsync`; only after that may the events be
marked delivered. The calls block, so the pusher runs them on a worker thread.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from score.core import delivery

FIRST_WINDOW = 4096
"""Bytes read from the end of the file to find its last line (grown if too short)."""


class DestinationError(Exception):
    """The destination cannot be written; the message is for the operator."""


class DestinationLocked(DestinationError):
    """Another pusher holds the destination's lock."""


class JsonLinesFile:
    """One open, locked JSON Lines file."""

    def __init__(self, path: Path, fd: int, last_id: int, torn_bytes: int) -> None:
        self.path = path
        self.last_id = last_id
        """The event id of the last complete line: where delivery resumes."""
        self.torn_bytes = torn_bytes
        """How many bytes of a torn last line were dropped when opening."""
        self._fd: int | None = fd
        self._identity = _identity(os.fstat(fd))

    @classmethod
    def open(cls, path: Path) -> JsonLinesFile:
        """Create or open `path`, lock it, repair its tail and read its last id.

        Raises DestinationLocked if another pusher has it, OSError if it cannot be
        opened (a missing folder is not created: it is more likely an unmounted
        drive or a typo than a place the operator meant), DestinationError if its
        last line is not one of ours.
        """
        existed = path.exists()
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DestinationLocked(f"{path} is locked by another pusher") from None
            if not existed:
                _fsync_folder(path.parent)  # the new file's name must survive a crash too
            last_id, torn = _repair_tail(fd, path)
            return cls(path, fd, last_id, torn)
        except BaseException:
            os.close(fd)
            raise

    def append(self, data: bytes) -> None:
        """Write `data` at the end of the file and make it durable."""
        fd = self._require_open()
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)

    def is_current(self) -> bool:
        """False when the path no longer names the file we hold (it was deleted,
        moved or replaced): appending would go to a file nobody reads."""
        try:
            return _identity(os.stat(self.path)) == self._identity
        except OSError:
            return False

    def close(self) -> None:
        """Close the file, which releases the lock."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _require_open(self) -> int:
        if self._fd is None:
            raise DestinationError(f"{self.path} is closed")
        return self._fd


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_tail(fd: int) -> tuple[int, int, delivery.Tail]:
    """(file size, offset of the window read, its tail): the end of the file, read in
    a window grown until it holds a whole line. Reads only."""
    size = os.fstat(fd).st_size
    window = FIRST_WINDOW
    while True:
        start = max(0, size - window)
        tail = delivery.scan_tail(os.pread(fd, size - start, start), at_file_start=start == 0)
        if tail is not None:
            return size, start, tail
        window *= 4


def _repair_tail(fd: int, path: Path) -> tuple[int, int]:
    """Cut a torn last line; return (last complete line's event id, bytes cut)."""
    size, start, tail = read_tail(fd)
    torn = size - (start + tail.keep)
    if torn:
        os.ftruncate(fd, start + tail.keep)
        os.fsync(fd)
    if tail.last_line is None:
        return 0, torn
    last_id = delivery.line_event_id(tail.last_line)
    if last_id is None:
        raise DestinationError(
            f"{path} does not end with an event line; move it away to start a new one"
        )
    return last_id, torn
