"""`score run`: the clock, its pages, its API and event delivery, until a signal.

The command only declares its options; the Trio side lives in `score.cli.serving`,
imported when the command runs, so `score --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from score.cli.app import DB_OPTION, app, fail

if TYPE_CHECKING:
    from score.core.rules import Rules

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
  score run --rules basketball-fiba  a basketball game (`score rules` lists them)
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
        help="Also deliver every event to URL (repeatable): file:///path, a path, an"
        " http(s):// webhook signed with $SCORE_WEBHOOK_SECRET (Standard Webhooks), or an"
        " mqtt(s)://host:port/PREFIX broker (docs/mqtt.md).",
    ),
    config_file: Path | None = typer.Option(
        None,
        "--config",
        metavar="TOML",
        help="Destinations as [[destinations]] tables: url, name, secret or secret_env,"
        " events, retry (see docs/delivery.md); a broker's username, password or"
        " password_env (docs/mqtt.md).",
    ),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open the operator page."),
    rules: str | None = typer.Option(
        None,
        "--rules",
        metavar="NAME",
        help="The game's rules (`score rules` lists them), recorded as the first event of"
        " a new database.  [default: the database's own; a new one is a plain clock]",
    ),
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
    try:
        chosen = None if rules is None else _rules_for(db, rules)
    except BaseException:
        lock.release()
        raise
    from score.cli.serving import serve
    from score.shell.app import Config

    config = Config(
        db=db,
        host=host,
        port=port,
        events_log=events_log,
        token=token,
        targets=targets,
        rules=chosen,
    )
    serve(config, open_browser, lock)


def _rules_for(db: Path, name: str) -> Rules:
    """The preset `name`, if the database may be run with it; else exit 2 with why."""
    from score.core.errors import ScoreError
    from score.core.rules import rules_refusal
    from score.shell.presets import load_preset
    from score.shell.store import Store, StoreError

    try:
        wanted = load_preset(name)
    except ScoreError as error:
        raise fail(error.message, 2) from None
    if not db.exists():
        return wanted
    try:
        store = Store.open_read_only(db)
    except StoreError:
        return wanted  # an empty file or none at all; `serve` says what is wrong with it
    try:
        refusal = rules_refusal(store.rules(), store.last_event_id() > 0, wanted)
    except StoreError as error:
        raise fail(str(error)) from None
    finally:
        store.close()
    if refusal is not None:
        raise fail(f"--rules {name}: {refusal}", 2)
    return wanted
