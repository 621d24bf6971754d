"""A crashing pusher, for tests only: a Python started with this folder on its
PYTHONPATH imports this file at start-up (the `site` module's sitecustomize hook).

With SCORE_TEST_CRASH_AFTER=N in its environment, `score push` raises RuntimeError
once it has delivered N events, to show that a pusher dying of an unexpected error
is reported whole (traceback and all) and restarted. The product has no such hook:
this wraps its delivery step from outside.
"""

from __future__ import annotations

import os

CRASH_AFTER = os.environ.get("SCORE_TEST_CRASH_AFTER")

if CRASH_AFTER:
    from score.pusher.worker import DestinationWorker

    _deliver_batch = DestinationWorker._deliver_batch
    _delivered = [0]

    async def _crashing_deliver_batch(self: DestinationWorker) -> bool:
        before = self._file.last_id if self._file is not None else 0
        delivered = await _deliver_batch(self)
        after = self._file.last_id if self._file is not None else before
        _delivered[0] += after - before
        if _delivered[0] >= int(CRASH_AFTER):
            raise RuntimeError(
                f"SCORE_TEST_CRASH_AFTER={CRASH_AFTER}: crashing on purpose"
                f" after {_delivered[0]} events"
            )
        return delivered

    DestinationWorker._deliver_batch = _crashing_deliver_batch  # type: ignore[method-assign]
