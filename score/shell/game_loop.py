"""The game loop: what is owed, recorded at its true instant; a broadcast every second.

`run_clock` sleeps to absolute deadlines and to the next instant the core says an
event is owed (a period end, a shot clock or a penalty running out:
score.core.game_clocks), records what is owed stamped with the instant it became
true, and broadcasts at least once a second.
"""

from __future__ import annotations

import trio

from score.core.errors import ScoreError
from score.shell.game import Game


async def run_clock(
    game: Game, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """The game loop: expiry at the exact instant, a broadcast at least every second.

    It sleeps until absolute deadlines (start + k seconds), so it never drifts and
    catches up at once if the clock jumps. A change wakes it early, to recompute the
    expiry deadline.
    """
    await game.settle()  # the clock may have run out while we were down
    async with trio.open_nursery() as nursery:
        nursery.start_soon(game.fanout.run)  # writes the broadcasts to WebSocket viewers
        task_status.started()
        await _tick(game)


async def _tick(game: Game) -> None:
    """The loop of `run_clock`, once the fan-out's writer runs."""
    start = trio.current_time()
    tick = 1
    while True:
        next_tick = start + tick
        expiry = game.expiry_deadline()
        wake_at = next_tick if expiry is None else min(next_tick, expiry)
        with trio.move_on_at(wake_at):
            await game.wait_changed()
            continue
        now = trio.current_time()
        if expiry is not None and now >= expiry:
            try:
                await game.settle()
            except ScoreError:
                # The store is busy; the clock reads 0 meanwhile. Try again shortly.
                await trio.sleep(0.05)
        if now >= next_tick:
            game.broadcast()
            tick = int((now - start) // 1) + 1
