"""`--to` and `--config`: the destinations of `score run`, read and checked up front.

The TOML file is read here (the parsing and every check are core's), relative paths
are taken from the current folder, and secrets from the environment. Any problem is
one line and exit 2, before anything starts, and never shows a secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from score.cli.app import fail
from score.core.destinations import ConfigError, Destination, from_cli


def resolve_destinations(
    urls: list[str], config: Path | None, events_log: Path | None = None
) -> list[Destination]:
    found = _resolve(urls, config)
    if events_log is not None and str(events_log.absolute()) in {d.target for d in found}:
        raise fail(f"{events_log} is named twice (--events-log and a destination)", 2)
    return found


def _resolve(urls: list[str], config: Path | None) -> list[Destination]:
    text: str | None = None
    if config is not None:
        try:
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise fail(f"cannot read the config {config}: {reason}", 2) from None
    try:
        return from_cli(urls, text, os.getcwd(), os.environ)
    except ConfigError as error:
        where = f"{config}: " if config is not None and "--to" not in str(error) else ""
        raise fail(f"{where}{error}", 2) from None
