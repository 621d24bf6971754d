"""How long a game's start-up fold takes: a basketball history of N events, folded whole.

A game database has no snapshots (an undo may reach back before any), so `score
run` folds a game's whole history at start with `score.core.game_state.fold`. This
builds a plausible basketball history in memory (a basket and a shot clock reset
every 3 s of game time, the shot clock's expiries, period ends, an undo every ten
baskets), checks the fold agrees with the live state, and times the fold.

    uv run python bench/game_fold.py [EVENTS] [REPEATS]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from stats import summarize

from score.core.commands import execute_in_game, parse_command
from score.core.events import NewEvent, StoredEvent
from score.core.game_clocks import next_owed_at, owed
from score.core.game_events import GameConfigured
from score.core.game_state import GameState, fold
from score.shell.presets import load_preset

START = 1_700_000_000_000


def basketball_history(count: int) -> tuple[list[StoredEvent], GameState]:
    log: list[StoredEvent] = []
    state = GameState()
    now = START

    def record(events: list[NewEvent]) -> None:
        nonlocal state
        stored = [StoredEvent(len(log) + i + 1, e.created_at, e.data) for i, e in enumerate(events)]
        log.extend(stored)
        state = fold(stored, state)

    def send(**message: Any) -> None:
        record(execute_in_game(state, parse_command(message), now).events)

    record([NewEvent(now, GameConfigured(load_preset("basketball-fiba")))])
    send(command="start")
    basket = 0
    while len(log) < count:
        basket += 1
        now += 3_000
        while (due := next_owed_at(state)) is not None and due <= now:
            record(owed(state, due))
        if not state.clock.running:
            if state.clock.remaining_ms == 0:
                send(command="period", period=state.period % 4 + 1)
            send(command="shot_clock", seconds=24)
            send(command="start")
        send(command="score", team="home" if basket % 2 else "away", points=2)
        send(command="shot_clock", seconds=24)
        if basket % 10 == 0:
            send(command="undo")
    return log, state


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    log, live = basketball_history(count)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        replayed = fold(log)
        samples.append(time.perf_counter() - start)
        if replayed != live:
            raise RuntimeError("the fold disagrees with the live state")
    print(json.dumps({"events": len(log), "fold_s": summarize(samples)}, indent=1))


if __name__ == "__main__":
    main()
