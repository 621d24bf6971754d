"""A webhook's side of the wire: its signed requests and its one connection.

Each request carries the Standard Webhooks headers: `webhook-id` (stable for a
(database, event)), `webhook-timestamp` (the send time), `webhook-signature` (one
`v1,` signature per secret, by the `standardwebhooks` library). The connection is
pipelined (`pipeline.py`); any trouble closes it, and the next write opens a new one.
An idle connection the receiver has closed is noticed before it is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from standardwebhooks import Webhook

from score.core import delivery, webhook_policy
from score.core.destinations import Destination
from score.core.events import StoredEvent
from score.pusher.pipeline import Answer, Connection, ConnectionLost, Target
from score.pusher.webhook_attempts import Sent


class WebhookLink:
    def __init__(self, destination: Destination, wall_s: Callable[[], float] = time.time) -> None:
        self.wall_s = wall_s
        self.game_id = ""
        """The database's id, the first half of every `webhook-id`."""
        self.target = Target.parse(destination.target)
        self._head = self.target.head
        self._checked = False
        self._signers = [Webhook(secret) for secret in destination.secrets]
        self.connection: Connection | None = None
        self.broken = False
        """The connection failed a write: only its answers are still read."""

    def request(self, event: StoredEvent) -> bytes:
        body = delivery.event_line(event).rstrip("\n").encode()
        msg_id = webhook_policy.webhook_id(self.game_id, event.id)
        timestamp = int(self.wall_s())
        when = datetime.fromtimestamp(timestamp, UTC)
        signature = " ".join(signer.sign(msg_id, when, body) for signer in self._signers)
        headers = [
            (b"webhook-id", msg_id.encode()),
            (b"webhook-timestamp", str(timestamp).encode()),
            (b"webhook-signature", signature.encode()),
        ]
        if not self._checked:  # the id carries the database's game id: h11 looks once
            self.target.check(headers)
            self._checked = True
        return self.target.request(self._head, headers, body)

    async def send(self, data: bytes, idle: bool) -> ConnectionLost | None:
        """Write `data` (nothing if empty); `idle`: no answer is outstanding."""
        if not data:
            return None
        if idle and self.connection is not None and (self.broken or self.connection.is_stale()):
            await self.disconnect()
        try:
            if self.connection is None:
                self.connection = await Connection.open(self.target)
            await self.connection.send(data)
        except ConnectionLost as lost:
            if idle:
                await self.disconnect()
            else:  # answers to what was written before may still be read
                self.broken = True
            return lost
        return None

    async def next_answer(self) -> Answer | ConnectionLost:
        assert self.connection is not None
        try:
            return await self.connection.answer()
        except ConnectionLost as lost:
            await self.disconnect()
            return lost

    async def post_one(self, event: StoredEvent) -> Sent:
        """One attempt, alone on the connection (a retry)."""
        lost = await self.send(self.request(event), idle=True)
        if lost is None:
            answer = await self.next_answer()
            if isinstance(answer, Answer) and not answer.keep_alive:
                await self.disconnect()
            return self.as_sent(answer)
        return Sent(None, str(lost))

    def as_sent(self, answer: Answer | ConnectionLost) -> Sent:
        if isinstance(answer, ConnectionLost):
            return Sent(None, str(answer))
        retry_after = webhook_policy.parse_retry_after(answer.retry_after, self.wall_s())
        return Sent(answer.status, answer.reason, retry_after)

    async def disconnect(self) -> None:
        connection, self.connection = self.connection, None
        self.broken = False
        if connection is not None:
            await connection.aclose()
