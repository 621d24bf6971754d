"""Who may drive the clock: Origin, Host and operator-token checks (DESIGN section 6).

Viewing is open to anyone who can reach the server. Control (POST and WebSocket
commands) must come from the operator: from the same origin as the server (so a page
on another site cannot press Start), addressed by a loopback name when the server is
bound to loopback (so a DNS-rebinding page cannot either), and, when the server is
reachable from the network, carrying the operator token, compared in constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from score.core.errors import ScoreError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback_host(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    name = host.strip("[]").lower()
    return name in LOOPBACK_NAMES or name.startswith("127.") or name.endswith(".localhost")


def host_name(host_header: str) -> str:
    """The name part of a Host header: "[::1]:8000" -> "::1", "a:80" -> "a"."""
    parsed = urlsplit("//" + host_header)
    return (parsed.hostname or "").lower()


@dataclass(frozen=True)
class AccessPolicy:
    """The server's control rules; `token` is None when bound to loopback."""

    loopback: bool
    token: str | None = None

    def check_control(
        self, host: str | None, origin: str | None, presented_token: str | None
    ) -> None:
        """Raise ScoreError unless a request with these headers may control."""
        if self.token is not None and not (
            presented_token is not None
            and hmac.compare_digest(presented_token.encode(), self.token.encode())
        ):
            raise ScoreError("unauthorized", "control needs the operator token", 401)
        if host is None:
            raise ScoreError("forbidden", "missing Host header", 403)
        if self.loopback and not is_loopback_host(host_name(host)):
            raise ScoreError("forbidden", f"control refused for host {host[:80]!r}", 403)
        if origin is not None:
            parsed = urlsplit(origin)
            if parsed.scheme not in ("http", "https") or parsed.netloc.lower() != host.lower():
                raise ScoreError("forbidden", f"control refused from origin {origin[:80]!r}", 403)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
