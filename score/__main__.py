"""`python -m score`: the same command line as the `score` executable."""

from score.cli import main

main()
