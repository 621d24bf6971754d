"""How the pusher child is started: its command line and its private destinations file.

Plain files go on the command line (`--events-log`); anything else, webhooks and
their secrets above all, goes in a file only this user can read (0600), which the
child reads once and removes: a secret is never on a command line, where every
user of the machine could read it in `ps`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from score.core import delivery
from score.core.destinations import Destination


def pusher_command(
    db: Path, files: Sequence[Path], destinations_file: Path | None = None
) -> list[str]:
    """The command line of the child: this same program, frozen or not. Webhooks
    (and their secrets) go in `destinations_file`, never on the command line."""
    if getattr(sys, "frozen", False):
        program = [sys.executable]
    else:
        program = [sys.executable, "-m", "score"]
    arguments = ["push", "--db", str(db)]
    for path in files:
        arguments += ["--events-log", str(path)]
    if destinations_file is not None:
        arguments += ["--destinations-file", str(destinations_file)]
    return program + arguments


def as_destination(item: Path | Destination) -> Destination:
    if isinstance(item, Destination):
        return item
    path = str(Path(item).absolute())
    return Destination("file", path, delivery.destination_name(path))


def write_private(text: str) -> Path:
    """A new file only we may read (mkstemp makes it 0600) holding `text`."""
    fd, name = tempfile.mkstemp(prefix="score-push-", suffix=".json")
    with os.fdopen(fd, "w") as file:
        file.write(text)
    return Path(name)
