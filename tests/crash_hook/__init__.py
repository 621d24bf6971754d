"""The environment that makes a `score push` child crash (see sitecustomize.py)."""

from __future__ import annotations

import os
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def crash_after(events: int) -> dict[str, str]:
    """Environment variables for a child whose pusher crashes after `events`."""
    path = os.pathsep.join(filter(None, [str(FOLDER), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "SCORE_TEST_CRASH_AFTER": str(events)}
