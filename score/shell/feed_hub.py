"""The feed on the WebSocket: one task that decides when feed viewers get a new feed.

Feed viewers (`/ws?feed=1`, feed_session.py) are outboxes like every WebSocket
viewer's, written by the game's one fan-out writer (fanout.py: latest wins), but
not subscribed to its state broadcast: the hub gives them the feed through each
outbox's `put_state` and the fan-out's `mark_ready` (what `Fanout.send_state`
does, with the frame made once for all). The feed is computed here, never in
`Game.broadcast`, so the normal state stream costs nothing more for it.

When: at once on every recorded event (a commit listener wakes the hub), at each
instant the core says the feed reads differently (`feed.next_change_at`: a clock's
next shown digit, a horn's end), and to a viewer that just joined; only when the
text changed (a joiner gets it regardless), and never within MIN_GAP of the last
send, so no viewer gets more than 10 messages in any second. A change that falls
inside the gap is sent when it ends, newest first (nothing is queued behind it).
With no feed viewers the hub computes nothing.
"""

from __future__ import annotations

import math

import trio

from score.core import wire
from score.core.events import StoredEvent
from score.core.feed import feed, next_change_at
from score.shell.game import Game
from score.shell.outbox import Outbox
from score.shell.ws_wire import frame_text

MIN_GAP = 0.105
"""Seconds between two feed messages: at most 10 in any second, with 50 ms to spare
for delivery jitter (11 messages span at least 1.05 s)."""


class FeedHub:
    def __init__(self, game: Game) -> None:
        self.game = game
        self._viewers: set[Outbox] = set()
        self._joined: set[Outbox] = set()
        self._poke = trio.Event()
        self._last_text: str | None = None
        self._last_sent = -math.inf
        self.sent = 0
        """Feed messages handed to the fan-out (for tests and the bench)."""
        game.add_commit_listener(self._on_commit)

    @property
    def viewer_count(self) -> int:
        return len(self._viewers)

    def text(self) -> str:
        """The feed now, encoded (what GET /feed.json answers, too)."""
        return wire.encode(feed(self.game.state, self.game.time.now()))

    def join(self, outbox: Outbox) -> None:
        """A new feed viewer: it gets the feed within MIN_GAP, then every change."""
        self._viewers.add(outbox)
        self._joined.add(outbox)
        self._poke.set()

    def leave(self, outbox: Outbox) -> None:
        self._viewers.discard(outbox)
        self._joined.discard(outbox)
        self.game.fanout.unsubscribe(outbox)  # closes it; the writer gives its lock back

    def _on_commit(self, _stored: list[StoredEvent]) -> None:
        self._poke.set()

    async def run(self) -> None:
        """Runs for the life of the server."""
        while True:
            wake_at = self._next_wake()
            with trio.move_on_at(wake_at):
                await self._poke.wait()
            self._poke = trio.Event()
            if not self._viewers:
                self._last_text = None  # a later first viewer gets it fresh
                continue
            # The gap: a change inside it waits for its end; whatever else happens
            # meanwhile is folded into the one message sent then (latest wins). The
            # sleep is a checkpoint even when the gap is over, so the state broadcast
            # woken by the same commit is written before the feed is even computed.
            await trio.sleep_until(self._last_sent + MIN_GAP)
            self._send_due()

    def _next_wake(self) -> float:
        """The trio time the feed next reads differently with no event (inf: never)."""
        if not self._viewers:
            return math.inf
        at = next_change_at(self.game.state, self.game.time.now())
        return math.inf if at is None else self.game.time.deadline_for(at)

    def _send_due(self) -> None:
        text = self.text()
        if text != self._last_text:
            targets = self._viewers
        else:
            targets = self._joined & self._viewers
        self._joined = set()
        if not targets:
            return
        self._last_text = text
        self._last_sent = trio.current_time()
        frame = frame_text(text)  # framed once, as the fan-out frames a broadcast
        for outbox in list(targets):
            outbox.put_state(frame)
            self.game.fanout.mark_ready(outbox)
        self.sent += 1
