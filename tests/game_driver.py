"""A game played on the pure core alone: commands and the loop's owed events, at
explicit instants, into an in-memory log of stored events (ids 1, 2, ...).

It is what the shell does (execute, append, fold; record what is owed), minus I/O,
so the core's tests can play whole games synchronously in virtual time.
"""

from __future__ import annotations

from typing import Any

from score.core import wire
from score.core.commands import execute_in_game, parse_command
from score.core.errors import ScoreError
from score.core.events import NewEvent, StoredEvent
from score.core.game_clocks import next_owed_at, owed
from score.core.game_events import GameConfigured
from score.core.game_state import GameState, fold
from score.core.rules import Rules

START_MS = 1_764_460_800_000


class Driver:
    def __init__(self, rules: Rules | None = None, at: int = START_MS) -> None:
        self.log: list[StoredEvent] = []
        self.state = GameState()
        self.now = at
        if rules is not None and not rules.is_clock:
            self.record([NewEvent(at, GameConfigured(rules))])

    def record(self, events: list[NewEvent]) -> list[StoredEvent]:
        stored = [
            StoredEvent(len(self.log) + i + 1, e.created_at, e.data) for i, e in enumerate(events)
        ]
        self.log += stored
        self.state = fold(stored, self.state)
        return stored

    def advance(self, ms: int) -> None:
        """Let `ms` pass, the loop recording what falls due on the way."""
        self.run_until(self.now + ms)

    def run_until(self, at: int) -> None:
        while (due := next_owed_at(self.state)) is not None and due <= at:
            self.now = max(self.now, due)
            self.record(owed(self.state, self.now))
        self.now = max(self.now, at)

    def send(self, **message: Any) -> dict[str, Any]:
        """Carry out a command now; its answer's state (ScoreError if refused)."""
        outcome = execute_in_game(self.state, parse_command(message), self.now)
        self.record(outcome.events)
        if outcome.error is not None:
            raise outcome.error
        return self.view()

    def refused(self, **message: Any) -> str:
        """The error code of a command that must be refused; checks nothing changed."""
        before = len(self.log)
        try:
            self.send(**message)
        except ScoreError as error:
            assert len(self.log) == before, "a refused command recorded something"
            return error.code
        raise AssertionError(f"{message} was accepted")

    def view(self) -> dict[str, Any]:
        return wire.state_fields(self.state, self.now)

    def replayed(self) -> GameState:
        return fold(self.log)

    def types(self) -> list[str]:
        return [str(e.type) for e in self.log]
