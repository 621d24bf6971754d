"""The `score` typer application, and how a command fails.

Every failure an operator can cause (a bad argument, a missing database, a file that
is not a Score database, a port in use) ends in one clear line and a non-zero exit,
never a traceback.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from score import __version__

if TYPE_CHECKING:
    from rich.console import Console

EXAMPLES = """Examples:

\b
  score run                          the clock on http://127.0.0.1:8000/
  score run --db final.db            one database (and events log) per game
  score run --host 0.0.0.0           let a tablet and TVs on the network join
  score run --rules ice-hockey --db final.db   a hockey game (`score rules`)
  score replay --db final.db         what happened, event by event
  score COMMAND --help               every option of a command, with examples
"""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    # Plain click help: rich-formatted help imports markdown-it and more, which
    # costs about 70 ms on every `score --help` of the frozen executable.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Score: a game clock for the scorer's table.",
    epilog=EXAMPLES,
)


@cache
def console() -> Console:
    """Rich's console for output, made on first use (`--help` needs none)."""
    from rich.console import Console

    return Console()


@cache
def errors() -> Console:
    """Rich's console on stderr, for logs and failures."""
    from rich.console import Console

    # Sized to the terminal; into a file or a pipe, log lines and failures are
    # printed unwrapped and unpadded (see score.shell.logs and `fail`).
    return Console(stderr=True)


DB_OPTION = typer.Option(
    Path("score.db"),
    "--db",
    metavar="PATH",
    help="The game's event database (SQLite); `score run` creates it if missing.",
)


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first leaf exception of a (nested) exception group from trio.run."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr; raise the returned Exit."""
    errors().print(f"[bold red]score:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        console().print(f"score {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Score: a game clock for the scorer's table."""
