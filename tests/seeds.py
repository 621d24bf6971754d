"""Seeds for the randomised suites: taken from the environment to replay a run,
made up otherwise, and always printed, so that a failure says how to repeat it
(pytest shows a failing test's printed output)."""

from __future__ import annotations

import os
import random

SEED_VARIABLE = "SCORE_FAULT_SEED"


def seeded_random() -> random.Random:
    given = os.environ.get(SEED_VARIABLE)
    seed = int(given) if given else random.SystemRandom().randrange(1, 2**32)
    print(f"{SEED_VARIABLE}={seed}  (set it to replay this run's choices)")
    return random.Random(seed)
