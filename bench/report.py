"""The bench's output: the Rich table, results.json and latency.png.

The plot is a set of empirical CDFs on a log time axis, one panel per group of
samples, which shows medians and tails at once; where only a summary exists (p50,
p99, max) it is drawn as points on the same axes.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rows import Row

STATUS_STYLE = {"met": "green", "MISSED": "bold red", "error": "bold red"}


def print_table(console: Console, rows: list[Row], title: str) -> None:
    table = Table(title=title, show_lines=False)
    for column in ("section", "measure", "figure", "goal", "status", "notes"):
        table.add_column(column, overflow="fold")
    previous = ""
    for row in rows:
        style = STATUS_STYLE.get(row.status, "")
        table.add_row(
            row.section if row.section != previous else "",
            row.measure,
            row.figure,
            row.goal,
            f"[{style}]{row.status}[/]" if style else row.status,
            row.notes,
            end_section=False,
        )
        previous = row.section
    console.print(table)


def write_json(path: Path, results: dict[str, Any], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**results, "table": [asdict(row) for row in rows]}, indent=1))


Markers = dict[str, dict[str, list[tuple[float, float]]]]


def plot(
    path: Path,
    samples: dict[str, dict[str, list[float]]],
    goals: dict[str, float],
    markers: Markers | None = None,
) -> str:
    """Empirical CDFs of each group of samples, one panel per group; returns a note.

    `markers` adds known quantiles (value, fraction) where only a summary exists;
    `goals` draws vertical lines, keyed "panel name:label"."""
    try:
        import matplotlib
    except ImportError:
        return "matplotlib is not installed (uv run --group bench ...): no plot"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    markers = markers or {}
    names = [
        name
        for name in {**samples, **markers}
        if any(samples.get(name, {}).values()) or markers.get(name)
    ]
    panels = [(name, samples.get(name, {})) for name in names]
    figure, axes = plt.subplots(
        1, max(1, len(panels)), figsize=(6 * max(1, len(panels)), 4.8), squeeze=False
    )
    for axis, (name, series) in zip(axes[0], panels, strict=False):
        for label, values in series.items():
            ordered = sorted(v for v in values if v > 0)
            if not ordered:
                continue
            fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
            axis.step(
                ordered,
                fractions,
                where="post",
                label=f"{label} (n={len(ordered):,})",
                linestyle="--" if "last" in label or "poll" in label else "-",
            )
        for label, points in markers.get(name, {}).items():
            axis.plot(
                [x for x, _ in points],
                [y for _, y in points],
                marker="o",
                linestyle="--" if "poll" in label else "-",
                label=label,
            )
        for goal_label, limit in goals.items():
            if goal_label.startswith(name + ":"):
                axis.axvline(limit, color="grey", linestyle=":", linewidth=1)
                axis.text(
                    limit,
                    0.02,
                    " " + goal_label[len(name) + 1 :],
                    rotation=90,
                    color="grey",
                    fontsize=8,
                    va="bottom",
                )
        axis.set_xscale("log")
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_ylim(0, 1.01)
        axis.axhline(0.99, color="lightgrey", linewidth=0.8)
        axis.set_title(name)
        axis.set_xlabel("milliseconds (log scale)")
        axis.set_ylabel("fraction of samples at or below")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"plot written to {path}"
