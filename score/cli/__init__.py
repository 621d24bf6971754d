"""The `score` command line: `run`, `replay`, `rules`, `deliveries`, and the hidden `push`.

Each command lives in the module of its name; `app` holds the typer application.
"""

from score.cli import deliveries, push, replay, rules, run
from score.cli.app import app

__all__ = ["app", "deliveries", "main", "push", "replay", "rules", "run"]


def main() -> None:
    app(prog_name="score")
