"""The child's JSON log lines, both ways, and how they look in the parent's console."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime

import pytest
from rich.console import Console

from score.shell.log_lines import (
    MAX_LINE,
    RAW_LOGGER,
    JsonLinesHandler,
    LineSplitter,
    json_record,
    parse_line,
    raw_record,
)
from score.shell.logs import ScoreHandler, setup_logging


def child_line(message: str, exc: bool = False) -> str:
    """What the child's handler writes for one record."""
    stream = io.StringIO()
    handler = JsonLinesHandler(stream)
    record = logging.LogRecord("score.push", logging.INFO, "", 0, message, None, None)
    if exc:
        try:
            raise ValueError("disk on fire")
        except ValueError as error:
            record.exc_info = (ValueError, error, error.__traceback__)
    handler.emit(record)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("chunks", "lines", "rest"),
    [
        ([b"a\nb\n"], ["a", "b"], []),
        ([b"a", b"b\nc"], ["ab"], ["c"]),
        ([b"\n\n"], ["", ""], []),
        ([b"x\r\n", b"\xff\n"], ["x", "\ufffd"], []),
        ([b"no newline at the end"], [], ["no newline at the end"]),
    ],
)
def test_line_splitter(chunks: list[bytes], lines: list[str], rest: list[str]) -> None:
    splitter = LineSplitter()
    got = [line for chunk in chunks for line in splitter.feed(chunk)]
    assert (got, splitter.flush()) == (lines, rest)


def test_a_very_long_line_is_passed_on_in_pieces() -> None:
    splitter = LineSplitter()
    pieces = splitter.feed(b"x" * (MAX_LINE * 2 + 10))
    assert [len(piece) for piece in pieces] == [MAX_LINE, MAX_LINE]
    assert splitter.flush() == ["x" * 10]


def test_a_record_round_trips_with_the_child_identity() -> None:
    line = child_line("delivering 100% of it")
    assert line.endswith("\n") and line.count("\n") == 1
    fields = parse_line(line.rstrip("\n"))
    assert fields is not None
    record = json_record(fields, pid=0, tid=0, now=0.0)
    assert record.name == "score.push"
    assert record.levelno == logging.INFO
    assert record.getMessage() == "delivering 100% of it"
    assert record.process == fields["pid"] and record.thread == fields["tid"]
    assert record.created == fields["time"] > 0


def test_the_exception_text_travels_with_the_record() -> None:
    fields = parse_line(child_line("failed", exc=True).rstrip("\n"))
    assert fields is not None
    assert "ValueError: disk on fire" in fields["exception"]
    record = json_record(fields, pid=1, tid=2, now=0.0)
    formatted = logging.Formatter("%(message)s").format(record)
    assert formatted.startswith("failed\nTraceback (most recent call last):")


@pytest.mark.parametrize(
    "line",
    ["Traceback (most recent call last):", "", "[1, 2]", '{"no": "message"}', "{not json"],
)
def test_other_lines_are_not_records(line: str) -> None:
    assert parse_line(line) is None


def test_a_raw_line_keeps_its_text_and_the_child_pid() -> None:
    record = raw_record('  File "x.py", line 3, in <module> 50%', pid=77, tid=5, now=1.5)
    assert (record.name, record.levelno) == (RAW_LOGGER, logging.WARNING)
    assert record.getMessage() == '  File "x.py", line 3, in <module> 50%'
    assert (record.process, record.thread, record.created) == (77, 5, 1.5)


def test_missing_fields_are_filled_in() -> None:
    record = json_record({"message": "hi", "level": "NOPE"}, pid=9, tid=8, now=3.0)
    assert (record.name, record.levelno, record.process, record.thread) == (
        RAW_LOGGER,
        logging.INFO,
        9,
        8,
    )


def test_rendered_in_the_parent_format() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    output = io.StringIO()
    handler: ScoreHandler = setup_logging(Console(file=output, width=160))
    try:
        fields = {
            "time": 1_706_745_600.5,
            "level": "INFO",
            "logger": "score.push",
            "pid": 12345,
            "tid": 67890,
            "message": "delivering to /srv/events.log after event 41",
        }
        logging.getLogger("score.push").handle(json_record(fields, 0, 0, 0.0))
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
    clock = datetime.fromtimestamp(1_706_745_600.5).strftime("%H:%M:%S")
    first = output.getvalue().splitlines()[0]
    assert re.fullmatch(
        rf"\[{clock}\] \[PID: 12345 TID: 67890\] delivering to /srv/events\.log after"
        r" event 41 +score\.push",
        first.rstrip(),
    ), first
