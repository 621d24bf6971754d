"""The pusher's log lines: one JSON object per line on the child's stderr.

The child writes each log record as `{"time", "level", "logger", "pid", "tid",
"message", "exception"}`; the parent splits its stderr into lines, turns each JSON
line back into a `logging.LogRecord` carrying the child's own time, pid, thread and
logger name, and renders it through its own handler, so the two processes share one
console and one format. A line that is not such an object (a traceback printed by a
dying interpreter, a message from the C runtime) becomes a record of its own, text
untouched: nothing the child writes is dropped. This module is the one place that
knows the format, on both sides of the pipe.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from typing import IO, Any

RAW_LOGGER = "score.push"
"""The logger name given to a line that is not a JSON record."""
MAX_LINE = 64 * 1024
"""A line longer than this is passed on in pieces rather than buffered forever."""


# -- the child's side -------------------------------------------------------------


def encode_record(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    """One JSON line (newline included) for a log record."""
    fields: dict[str, Any] = {
        "time": record.created,
        "level": record.levelname,
        "logger": record.name,
        "pid": record.process if record.process is not None else os.getpid(),
        "tid": record.thread if record.thread is not None else threading.get_ident(),
        "message": record.getMessage(),
    }
    if record.exc_info:
        fields["exception"] = formatter.formatException(record.exc_info)
    return json.dumps(fields, ensure_ascii=False) + "\n"


class JsonLinesHandler(logging.Handler):
    """Writes each record as one JSON line and flushes, so the parent sees it now."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(encode_record(record, self._formatter))
            self.stream.flush()
        except Exception:
            self.handleError(record)


def setup_json_logging(level: int = logging.INFO) -> None:
    """Route every log record of this process to stderr as JSON lines."""
    logging.basicConfig(handlers=[JsonLinesHandler()], level=level, force=True)


# -- the parent's side ------------------------------------------------------------


class LineSplitter:
    """Bytes from a pipe in, complete lines (as text) out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes | bytearray) -> list[str]:
        self._buffer += chunk
        lines: list[str] = []
        while (end := self._buffer.find(b"\n")) >= 0 or len(self._buffer) > MAX_LINE:
            cut = end + 1 if end >= 0 else MAX_LINE
            lines.append(self._buffer[:cut].decode(errors="replace").rstrip("\r\n"))
            del self._buffer[:cut]
        return lines

    def flush(self) -> list[str]:
        """The last, unterminated line (a dying process may not finish its line)."""
        rest = self._buffer.decode(errors="replace").rstrip("\r\n")
        self._buffer.clear()
        return [rest] if rest else []


def parse_line(line: str) -> dict[str, Any] | None:
    """The fields of a JSON log line; None when the line is anything else."""
    if not line.startswith("{"):
        return None
    try:
        fields = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(fields, dict) or not isinstance(fields.get("message"), str):
        return None
    return fields


def raw_record(line: str, pid: int, tid: int, now: float) -> logging.LogRecord:
    """A line that is not a JSON record, shown as it is: under RAW_LOGGER, at
    WARNING (the child writes such lines only when something went wrong), stamped
    with the parent's `now`."""
    record = logging.LogRecord(RAW_LOGGER, logging.WARNING, "", 0, line, None, None)
    _stamp(record, now, pid, tid)
    return record


def json_record(fields: dict[str, Any], pid: int, tid: int, now: float) -> logging.LogRecord:
    """The record a JSON line describes, with the child's time, pid, thread, level
    and logger; `pid`, `tid` and `now` fill in what the line lacks."""
    level = logging.getLevelName(str(fields.get("level", "INFO")))
    record = logging.LogRecord(
        str(fields.get("logger") or RAW_LOGGER),
        level if isinstance(level, int) else logging.INFO,
        "",
        0,
        fields["message"],
        None,
        None,
    )
    _stamp(
        record,
        _number(fields.get("time"), now),
        int(_number(fields.get("pid"), pid)),
        int(_number(fields.get("tid"), tid)),
    )
    exception = fields.get("exception")
    if isinstance(exception, str) and exception:
        # Formatter.format appends exc_text after the message, as for a local record.
        record.exc_text = exception
    return record


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return value


def _stamp(record: logging.LogRecord, created: float, pid: int, tid: int) -> None:
    record.created = created
    record.msecs = (created - int(created)) * 1000
    record.process = pid
    record.thread = tid
    record.processName = "score push"
    record.threadName = str(tid)
