"""The one error type: anything Score refuses, with the status that says it.

A `ScoreError` carries a stable machine code (`bad_seconds`, `clock_at_zero`), a
message for people, and the HTTP status an HTTP answer gives it, the way h11's
`error_status_hint` does: whoever raises it knows best what went wrong, so no table
elsewhere has to guess. The WebSocket sends the same code and message without the
status. `headers` are the few an HTTP answer must carry with it (`Allow` on a 405,
`Upgrade` on a 426). Raising one never records anything.
"""

from __future__ import annotations


class ScoreError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers
