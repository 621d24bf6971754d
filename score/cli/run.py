"""`score run`: the clock, its pages, its API and event delivery, until a signal.

The command only declares its options; the Trio side lives in `score.cli.serving`,
imported when the command runs, so `score --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from score.cli.app import DB_OPTION, app, fail

EXAMPLES = """Examples:

\b
  score run                          this computer only; the game in score.db
  score run --db final.db            a game of its own: final.db, final.events.log
  score run --host 0.0.0.0           tablets and TVs join: prints their URLs,
                                     the token and a QR code to scan
  score run --host 0.0.0.0 --token "a-long-secret"
                                     the same token after every restart
  score run --port 0 --no-open       any free port (printed), no browser
  SCORE_TOKEN=a-long-secret score run --host 0.0.0.0
  score run --config score.toml      webhooks and files named in score.toml
  SCORE_WEBHOOK_SECRET=whsec_... score run --to https://example.org/hook
"""


@app.command(short_help="Run the clock, its pages, its API and event delivery.", epilog=EXAMPLES)
def run(
    db: Path = DB_OPTION,
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        metavar="ADDRESS",
        help="Address to listen on: 127.0.0.1 for this computer only, 0.0.0.0 for the"
        " venue's network (tablets, TVs, OBS on other computers).",
    ),
    port: int = typer.Option(
        8000, "--port", min=0, max=65535, metavar="PORT", help="Port; 0 picks a free one."
    ),
    events_log: Path | None = typer.Option(
        None,
        "--events-log",
        metavar="PATH",
        show_default=False,
        help="JSON Lines file every event is delivered to.  [default: named after the"
        " database, beside it: final.db -> final.events.log]",
    ),
    to: list[str] = typer.Option(
        [],
        "--to",
        metavar="URL",
        help="Also deliver every event to URL (repeatable): file:///path, a path, or an"
        " http(s):// webhook signed with $SCORE_WEBHOOK_SECRET (Standard Webhooks).",
    ),
    config_file: Path | None = typer.Option(
        None,
        "--config",
        metavar="TOML",
        help="Destinations as [[destinations]] tables: url, name, secret or secret_env,"
        " events, retry (see docs/delivery.md).",
    ),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the operator page."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="SCORE_TOKEN",
        metavar="TOKEN",
        help="The operator token that control (start, pause, set) needs. When omitted on a"
        " network bind, one is made up and printed with the operator URL; on 127.0.0.1"
        " none is needed.",
    ),
) -> None:
    """Run the clock: operator page, displays, API and event delivery on one port.

    Serves until Ctrl+C. Every change is stored in the database first, so a restart
    with the same --db resumes exactly where the clock was.
    """
    # Destinations checked and the database's lock taken before the Trio side is
    # imported (about a second): a bad config or a second `score run` on the same game
    # is refused at once.
    from score.cli.destinations_option import resolve_destinations
    from score.shell.db_lock import DatabaseLock
    from score.shell.store_errors import StoreError

    targets = resolve_destinations(to, config_file, events_log)
    try:
        lock = DatabaseLock.acquire(db)
    except StoreError as error:
        raise fail(str(error)) from None
    from score.cli.serving import serve
    from score.shell.app import Config

    config = Config(
        db=db, host=host, port=port, events_log=events_log, token=token, targets=targets
    )
    serve(config, open_browser, lock)
