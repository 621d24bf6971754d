"""Property: any sequence of commands (undo among them) and waits, under any rule
set, folds to the same state live (one event at a time, as the game does) as in a
replay of the stored file, through the store's codec and SQL; a refused command
records nothing."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from score.core.errors import ScoreError
from score.core.events import NewEvent
from score.core.game_state import fold
from score.shell.presets import load_preset, preset_names
from score.shell.store import Store
from tests.game_driver import Driver

teams = st.sampled_from(["home", "away"])
commands = st.one_of(
    st.just({"command": "start"}),
    st.just({"command": "pause"}),
    st.just({"command": "undo"}),
    st.just({"command": "horn"}),
    st.builds(lambda s: {"command": "set", "seconds": s / 10}, st.integers(0, 12_000)),
    st.builds(
        lambda d: {"command": "adjust", "delta_ms": d * 100}, st.sampled_from([-10, -1, 1, 10])
    ),
    st.builds(lambda t, p: {"command": "score", "team": t, "points": p}, teams, st.integers(-3, 3)),
    st.builds(
        lambda t, d: {"command": "foul", "team": t, "delta": d}, teams, st.sampled_from([1, -1])
    ),
    st.builds(lambda t: {"command": "timeout", "team": t}, teams),
    st.builds(lambda p: {"command": "period", "period": p}, st.integers(1, 7)),
    st.builds(lambda s: {"command": "shot_clock", "seconds": s}, st.sampled_from([24, 14, 5.5])),
    st.builds(
        lambda t, s, n: {"command": "penalty", "team": t, "player": str(n), "seconds": s},
        teams,
        st.sampled_from([120, 300, 600]),
        st.integers(1, 99),
    ),
    st.builds(lambda t: {"command": "possession", "team": t}, teams),
    st.builds(lambda t: {"command": "team", "team": t, "name": "Hawks", "color": "#123abc"}, teams),
)
steps = st.lists(st.tuples(commands, st.integers(0, 200_000)), min_size=10, max_size=80)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(preset_names()), steps)
def test_live_equals_replay_whatever_the_commands(
    name: str, script: list[tuple[dict[str, Any], int]]
) -> None:
    game = Driver(load_preset(name))
    for message, wait in script:
        with contextlib.suppress(ScoreError):  # a refusal records nothing (Driver checks)
            game.send(**message)
        game.advance(wait)
    undos = sum(e.type == "EVENT_UNDONE" for e in game.log)
    event(f"{len(game.log) // 25 * 25}+ events, {min(undos, 3)}+ undos")
    store = Store.open(":memory:")
    try:
        stored = store.append([NewEvent(e.created_at, e.data) for e in game.log])
        assert [e.id for e in stored] == [e.id for e in game.log]
        assert store.load_game() == game.state == fold(game.log)
    finally:
        store.close()
