"""`GET /metrics`: Prometheus text format, made with prometheus-client at each scrape.

Nothing is counted in memory: each scrape reads what the database and the supervisor
already know (events by type, and per destination what is delivered, failed,
dead-lettered and pending), so the figures survive restarts and agree with
`score deliveries`. A registry per app (not prometheus-client's global one), so two
apps in one process never mix their figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from score.shell.destination_table import DestinationReport

if TYPE_CHECKING:
    from score.shell.game import Game
    from score.shell.supervisor import PusherSupervisor

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BOUNDS_MS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)
"""Buckets of the commit -> delivered histogram."""


@dataclass(frozen=True)
class Snapshot:
    events_by_type: dict[str, int]
    destinations: Sequence[DestinationReport]
    viewers: int
    pusher_restarts: int
    now_ms: int
    latency: dict[str, tuple[list[int], int, int]]
    """Per destination: (count at most each of LATENCY_BOUNDS_MS, count, sum ms)."""


class _SnapshotCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        events = CounterMetricFamily("score_events", "Events stored, by type.", labels=["type"])
        for kind, count in sorted(snap.events_by_type.items()):
            events.add_metric([kind], count)
        yield events
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {
            "delivered": CounterMetricFamily(
                "score_delivered_events", "Events delivered, per destination.", labels=["name"]
            ),
            "failed": CounterMetricFamily(
                "score_delivery_failed_attempts",
                "Failed delivery attempts, per webhook.",
                labels=["name"],
            ),
            "dead": GaugeMetricFamily(
                "score_dead_letters", "Events dead-lettered, per webhook.", labels=["name"]
            ),
            "pending": GaugeMetricFamily(
                "score_pending_events", "Events not delivered yet.", labels=["name"]
            ),
            "age": GaugeMetricFamily(
                "score_oldest_pending_age_seconds",
                "Age of the oldest event not delivered yet (0: none).",
                labels=["name"],
            ),
        }
        for report in snap.destinations:
            labels = [report.name]
            families["delivered"].add_metric(labels, report.delivered)
            families["failed"].add_metric(labels, report.failed_attempts)
            families["dead"].add_metric(labels, report.dead_letters)
            families["pending"].add_metric(labels, report.behind)
            oldest = report.oldest_pending_at
            age = 0.0 if oldest is None else max(0, snap.now_ms - oldest) / 1000
            families["age"].add_metric(labels, age)
        yield from families.values()
        latency = HistogramMetricFamily(
            "score_delivery_latency_seconds",
            "From the event's commit to its delivery being marked, per destination.",
            labels=["name"],
        )
        for name, (within, count, total_ms) in sorted(snap.latency.items()):
            bounds = [_bucket_bound(bound) for bound in LATENCY_BOUNDS_MS]
            buckets = list(zip(bounds, within, strict=True))
            latency.add_metric([name], buckets + [("+Inf", count)], total_ms / 1000)
        yield latency
        yield GaugeMetricFamily("score_viewers", "Viewers connected.", value=snap.viewers)
        yield CounterMetricFamily(
            "score_pusher_restarts", "Times the pusher was restarted.", value=snap.pusher_restarts
        )


def _bucket_bound(ms: int) -> str:
    """A bucket's `le` as prometheus-client writes its own (1000 ms -> "1.0")."""
    return repr(ms / 1000)


def render(snapshot: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snapshot))
    return generate_latest(registry)


async def scrape(game: Game, supervisor: PusherSupervisor | None = None) -> bytes:
    """The metrics text now: the database's counts and the supervisor's last reports
    (refreshed every second)."""
    snapshot = Snapshot(
        events_by_type=await game.store.events_by_type(),
        destinations=[] if supervisor is None else list(supervisor.reports),
        viewers=game.viewer_count,
        pusher_restarts=0 if supervisor is None else supervisor.restarts,
        now_ms=game.time.now(),
        latency=await game.store.delivery_latency(LATENCY_BOUNDS_MS),
    )
    return render(snapshot)
