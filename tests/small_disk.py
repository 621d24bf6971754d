"""A small real filesystem to fill: a tmpfs of a few hundred KiB.

Mounting needs root (CI runs the tests as root); where it is impossible the test is
skipped, saying why. The filesystem is unmounted in teardown, lazily if a process
that the test started still holds a file on it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class SmallDisk:
    def __init__(self, path: Path) -> None:
        self.path = path

    def resize(self, size: str) -> None:
        """Grow (or shrink) the filesystem in place: `mount -o remount,size=...`."""
        subprocess.run(
            ["mount", "-o", f"remount,size={size}", str(self.path)],
            check=True,
            capture_output=True,
        )

    def fill(self) -> None:
        """Take every free byte with a filler file."""
        with open(self.path / "filler", "wb", buffering=0) as filler:
            chunk = b"\0" * 4096
            try:
                while filler.write(chunk):
                    pass
            except OSError:
                pass

    def free(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)


@contextmanager
def small_disk(path: Path, size: str = "600k") -> Iterator[SmallDisk]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = (mounted.stderr or "").strip() or f"exit {mounted.returncode}"
        pytest.skip(f"cannot mount a {size} tmpfs (needs root; CI runs as root): {reason}")
    try:
        yield SmallDisk(path)
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)
