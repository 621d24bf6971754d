"""The raw samples of a run, by plot panel, and markers for the delivery panel.

The samples leave `results` (they go to samples.json and latency.png, not into
results.json); where the delivery bench gave only its printed table, its p50 / p99
/ max are drawn as markers instead.
"""

from __future__ import annotations

from typing import Any

from delivery_runner import sample_lists, strip_sample_lists
from report import Markers


def collect_samples(results: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """Raw samples by plot panel; removed from `results` (they go to samples.json)."""
    viewers: dict[str, list[float]] = {}
    cases = results.get("viewers")
    for case in cases if isinstance(cases, list) else []:
        found = case.pop("samples", {})
        n = case["viewers"]
        who = "original design, " if case.get("design") == "original" else ""
        viewers[f"{who}{n} viewers, last of each command"] = found.get("last_viewer_ms", [])
    writes = results.get("physical", {}).get("writes", {})
    physical = writes.pop("samples", {}) if isinstance(writes, dict) else {}
    delivery_json = results.get("delivery", {}).get("json", {})
    delivery = {
        _sample_label(delivery_json, path): values
        for path, values in sample_lists(delivery_json).items()
    }
    strip_sample_lists(delivery_json)
    return {
        "viewers: command -> state": viewers,
        "physical: fsync and commit": {
            "fsync of one line": physical.get("fsync_line_ms", []),
            "SQLite commit (WAL, FULL)": physical.get("sqlite_commit_ms", []),
        },
        "delivery: commit -> durable line": delivery,
    }


def _sample_label(data: dict[str, Any], path: str) -> str:
    """The "label" beside a sample list in the delivery JSON, else its key path."""
    parent: Any = data
    for key in path.split(".")[:-1]:
        parent = parent.get(key, {}) if isinstance(parent, dict) else {}
    label = parent.get("label") if isinstance(parent, dict) else None
    return str(label) if label else path


def delivery_markers(
    delivery: dict[str, Any], samples: dict[str, dict[str, list[float]]]
) -> Markers:
    """p50 / p99 / max of the delivery bench's printed table, when it gave no samples."""
    panel = "delivery: commit -> durable line"
    if samples.get(panel):
        return {}
    series: dict[str, list[tuple[float, float]]] = {}
    for row in delivery.get("rows", []):
        values = row["values"]
        if "p50 ms" in values:
            series[f"{row['label']} (p50, p99, max)"] = [
                (values["p50 ms"], 0.5),
                (values.get("p99 ms", 0), 0.99),
                (values.get("max ms", 0), 1.0),
            ]
    return {panel: series} if series else {}
