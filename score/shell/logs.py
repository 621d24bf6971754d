"""Logging through Rich, in Score's line format.

Every line, ours or the pusher child's, is rendered as
`[HH:MM:SS] [PID: 12345 TID: 67890] Message text        logger.name`, with the time,
pid and thread of the process that wrote it: in columns sized to the terminal, or as
one unpadded line when the output is a file or a pipe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from rich.console import Console, ConsoleRenderable
from rich.logging import RichHandler
from rich.text import Text
from rich.traceback import Traceback

LINE_FORMAT = "[PID: %(process)d TID: %(thread)d] %(message)s"


class ScoreHandler(RichHandler):
    """A RichHandler that shows the logger's name where Rich shows the source path.

    On a terminal the columns fit its width, as Rich lays them out. Into a file or a
    pipe each record is one plain line, as long as it needs to be: no padding to a
    made-up width, no wrapping in the middle of a path, so `grep` finds it whole.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if self.console.is_terminal:
            super().emit(record)
            return
        try:
            line = plain_line(record, self.format(record))
            self.console.print(Text(line), soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)

    def render(
        self,
        *,
        record: logging.LogRecord,
        traceback: Traceback | None,
        message_renderable: ConsoleRenderable,
    ) -> ConsoleRenderable:
        renderables: list[ConsoleRenderable] = [message_renderable]
        if traceback is not None:
            renderables.append(traceback)
        return self._log_render(
            self.console,
            renderables,
            log_time=datetime.fromtimestamp(record.created),
            time_format="[%H:%M:%S]",
            level=Text(""),
            path=record.name,
            line_no=None,
            link_path=None,
        )


def plain_line(record: logging.LogRecord, message: str) -> str:
    """`[HH:MM:SS] [PID: N TID: N] message  logger`, for a file or a pipe."""
    stamp = datetime.fromtimestamp(record.created).strftime("[%H:%M:%S]")
    return f"{stamp} {message}  {record.name}"


def setup_logging(console: Console, level: int = logging.INFO) -> ScoreHandler:
    handler = ScoreHandler(
        console=console,
        show_level=False,
        show_path=True,
        omit_repeated_times=False,
        markup=False,
        rich_tracebacks=False,
        log_time_format="[%H:%M:%S]",
    )
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    logging.basicConfig(handlers=[handler], level=level, force=True)
    return handler


def quiet(names: Iterable[str]) -> None:
    """Keep chatty libraries at WARNING."""
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
