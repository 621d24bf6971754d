"""The console of `score run`: log lines in the `[HH:MM:SS] [PID: N TID: N] message
logger` layout, sized to a terminal, and one unpadded line each into a pipe or a file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import trio

from tests.processes import run_on_a_terminal, start_score

pytestmark = pytest.mark.slow  # real `score` processes: seconds each

LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] \[PID: \d+ TID: \d+\] \S.*\S  score\.[a-z_.]+$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


async def test_into_a_pipe_each_record_is_one_unpadded_line(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    # A deep folder: the pusher's lines name the database and the events log in full.
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4) / "season-2026" / "final"
    folder.mkdir(parents=True)
    score = await start_score(nursery, folder / "final.db")
    with trio.fail_after(10):
        while b"delivering to" not in score.stderr:
            await trio.sleep(0.05)
    assert await score.stop() == 0
    lines = bytes(score.stderr).decode().splitlines()
    assert len(lines) >= 4
    for line in lines:
        assert LINE.match(line), line
    delivering = next(line for line in lines if "delivering to" in line)
    assert str(folder / "final.events.log") in delivering
    assert len(delivering) > 200  # longer than the old padded width, and not wrapped


def test_on_a_terminal_lines_fit_its_width(tmp_path: Path) -> None:
    output = run_on_a_terminal(
        ["run", "--db", str(tmp_path / "s.db"), "--port", "0", "--no-open"],
        b"score.push",
        env={k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")},
        size=(40, 100),
        with_stderr=True,
    )
    lines = ANSI.sub("", output.decode()).replace("\r", "").split("\n")
    logged = [line for line in lines if line.startswith("[") and "[PID: " in line]
    assert logged
    for line in logged:
        assert len(line.rstrip()) <= 100, line
        # The logger's name sits at the right edge of the terminal, as Rich lays it out.
        assert re.search(r"  score\.[a-z_.]+ *$", line), line
        assert len(line) == 100, line
