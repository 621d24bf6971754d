"""Destinations handed to a pusher child: over a 0600 file, never its command line.

`encode` writes the checked destinations (secrets included) as JSON for the child's
file; `decode` reads them back unchanged. Nothing here checks anything again: what
reaches `encode` came through `destinations.from_cli`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from score.core.destinations import DEFAULT_PIPELINE, Destination


def encode(destinations: Sequence[Destination]) -> str:
    return json.dumps(
        [
            {
                "kind": d.kind,
                "target": d.target,
                "name": d.name,
                "secrets": list(d.secrets),
                "events": None if d.events is None else sorted(d.events),
                "schedule": list(d.schedule),
                "username": d.username,
                "password": d.password,
                "pipeline": d.pipeline,
            }
            for d in destinations
        ]
    )


def decode(text: str) -> list[Destination]:
    return [
        Destination(
            item["kind"],
            item["target"],
            item["name"],
            tuple(item["secrets"]),
            None if item["events"] is None else frozenset(item["events"]),
            tuple(float(s) for s in item["schedule"]),
            item.get("username", ""),
            item.get("password", ""),
            item.get("pipeline", DEFAULT_PIPELINE),
        )
        for item in json.loads(text)
    ]
