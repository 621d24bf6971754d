"""`GET /feed.json` and `GET /feed.vmix.json`: the feed over plain HTTP.

`/feed.json` is the flat feed object (score.core.feed, docs/feeds.md);
`/feed.vmix.json` the same object as the one row of an array, the shape vMix's JSON
data source reads. Both are views, open to whoever may watch, with the headers of
every other GET (`send_response`: no-store, HEAD without a body), and
`access-control-allow-origin: *`: a graphics page opened from a file or another
address may read them (they say nothing the scoreboard does not show; control is
not a GET, and stays checked).
"""

from __future__ import annotations

from score.shell.feed_hub import FeedHub
from score.shell.http import Response

PATHS = frozenset({"/feed.json", "/feed.vmix.json"})


def feed_response(hub: FeedHub, path: str) -> Response:
    text = hub.text()
    if path == "/feed.vmix.json":
        text = f"[{text}]"
    return Response(200, text.encode(), headers=[("access-control-allow-origin", "*")])
