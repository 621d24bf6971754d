"""A row of the results table, and how a figure is judged against its goal.

A row is (section, measure, figure, goal, status, notes); status is "met",
"MISSED", "error" (the part failed) or "-" (no goal, or a quick pass that did not
measure what the goal is about). Figures are written as percentiles (p50 / p99 /
max) or as a median with its minimum, never as a single sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    section: str
    measure: str
    figure: str
    goal: str = "-"
    status: str = "-"
    notes: str = ""


def judged(value: float | None, limit: float | None, *, at_least: bool = False) -> str:
    if limit is None:
        return "-"
    if value is None:
        return "error"
    return "met" if (value >= limit if at_least else value < limit) else "MISSED"


def both(*statuses: str) -> str:
    if "error" in statuses:
        return "error"
    if "MISSED" in statuses:
        return "MISSED"
    return "met" if all(status == "met" for status in statuses) else "-"


def spread(summary: dict[str, float], unit: str = "ms", digits: int = 1) -> str:
    if not summary.get("n"):
        return "no samples"
    return (
        f"p50 {summary['p50']:.{digits}f} / p99 {summary['p99']:.{digits}f}"
        f" / max {summary['max']:.{digits}f} {unit}"
    )


def median(summary: dict[str, float], unit: str, scale: float = 1.0, digits: int = 2) -> str:
    if not summary.get("n"):
        return "no samples"
    return (
        f"{summary['p50'] * scale:.{digits}f} {unit}"
        f" (min {summary['min'] * scale:.{digits}f}, n={summary['n']:.0f})"
    )


def error_row(section: str, part: Any) -> Row | None:
    if isinstance(part, dict) and "error" in part and part.get("available", True):
        return Row(section, "(failed)", str(part["error"])[:120], status="error")
    return None
