"""Score: a game clock for the scorer's table.

The package is layered: `score.core` is the pure, sans-I/O heart (events, the replay
fold, clock arithmetic on an explicit `now`, command validation, the wire format);
`score.shell` is the thin Trio shell around it (SQLite, sockets, the game loop, child
processes); `score.cli` is the typer command line on top.
"""

__version__ = "0.1.0"
