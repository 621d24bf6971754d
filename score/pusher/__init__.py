"""The pusher: the child process that delivers every stored event to its destinations.

`score push` (a hidden command, started and supervised by `score run`) reads events
from the shared SQLite database in id order and appends them to JSON Lines files,
each event exactly once and in order whatever process is killed at whatever moment:
`jsonl_file` is the destination (lock, torn-line repair, durable append), `worker`
the delivery loop of one destination, and `main` the process (wake-ups on stdin, end
of stdin = shut down). Its log lines go to stderr in the format of
`score.shell.log_lines`, which the parent's supervisor reads back.
"""
