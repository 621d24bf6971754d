"""Table rows for the fan-out and the command path, judged against issue 17's goals.

Command -> the last of N viewers (p99 < 10 ms at 100, < 30 ms at 1,000), RSS with
1,000 viewers (< 100 MiB) and 10,000 (< 400 MiB), and commands per second from one
connection with 5 viewers (>= 3,000). Where the original design (FastAPI + uvicorn,
original_design.py) was measured in the same run, a ratio row compares the two.
"""

from __future__ import annotations

from typing import Any

from rows import Row, error_row, judged, spread
from stats import ratio

VIEWER_GOALS_MS = {100: 10.0, 1000: 30.0}
"""p99 of command -> the last viewer."""
RSS_VIEWERS_GOALS_MIB = {1000: 100.0, 10000: 400.0}
RSS_IDLE_GOAL_MIB = 60.0
COMMANDS_GOAL_PER_S = 3000.0


def _latency_rows(case: dict[str, Any], original: bool) -> list[Row]:
    n = case["viewers"]
    limit = None if original else VIEWER_GOALS_MS.get(n)
    goal = f"p99 < {limit:.0f} ms" if limit else "-"
    last, each = case["last_viewer_ms"], case["per_viewer_ms"]
    cpu = case["server_cpu"]
    who = "original design: " if original else ""
    rows = [
        Row(
            "viewers",
            f"{who}command -> state at all {n:,} (the last one)",
            spread(last),
            goal,
            judged(last.get("p99"), limit),
            f"per command, the slowest viewer; {case['rounds']} commands",
        ),
        Row(
            "viewers",
            f"  {who}each viewer ({n:,})",
            spread(each),
            notes=f"{each['n']:,} arrivals (kernel receive time)",
        ),
        Row(
            "viewers",
            f"  {who}server CPU per message ({n:,})",
            f"{cpu['us_per_message']:.1f} us",
            notes=f"{cpu['ms_per_command']:.1f} ms per command;"
            f" {cpu['share_of_one_core']:.0%} of a core"
            f" (bench client: {cpu['bench_client_share_of_one_core']:.0%})",
        ),
    ]
    if not original:
        rows.append(
            Row(
                "viewers",
                f"  operator command -> its answer ({n:,})",
                spread(case["operator_reply_ms"]),
            )
        )
    return rows


def viewer_rows(cases: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    originals = {c["viewers"]: c for c in cases if c.get("design") == "original" and "rounds" in c}
    for case in cases:
        if (error := error_row("viewers", case)) is not None:
            rows.append(error)
            continue
        original = case.get("design") == "original"
        rows += _latency_rows(case, original)
        other = originals.get(case["viewers"])
        if not original and other is not None:
            ours, theirs = case["last_viewer_ms"], other["last_viewer_ms"]
            p50 = ratio(theirs.get("p50"), ours.get("p50"))
            p99 = ratio(theirs.get("p99"), ours.get("p99"))
            if p50 and p99:
                rows.append(
                    Row(
                        "viewers",
                        f"  original design / Score, the last of {case['viewers']:,}",
                        f"p50 {p50:.2f}x / p99 {p99:.2f}x",
                        notes="same run, same client; > 1 means Score is faster",
                    )
                )
    return rows


def memory_rows(cases: list[dict[str, Any]]) -> list[Row]:
    good = [c for c in cases if "rss_idle" in c and c.get("design", "score") == "score"]
    if not good:
        return []
    idle = min(case["rss_idle"]["rss_mib"] for case in good)
    rows = [
        Row(
            "memory",
            "RSS idle (score run, new db)",
            f"{idle:.1f} MiB",
            f"< {RSS_IDLE_GOAL_MIB:.0f} MiB",
            judged(idle, RSS_IDLE_GOAL_MIB),
            f"pusher child: {good[0]['rss_idle']['pusher_rss_mib']:.1f} MiB more",
        )
    ]
    for case in good:
        if "rss_after" not in case:
            continue
        n = case["viewers"]
        rss = max(case["rss_connected"]["rss_mib"], case["rss_after"]["rss_mib"])
        limit = RSS_VIEWERS_GOALS_MIB.get(n)
        rows.append(
            Row(
                "memory",
                f"RSS with {n:,} viewers",
                f"{rss:.1f} MiB",
                f"< {limit:.0f} MiB" if limit else "-",
                judged(rss, limit),
                f"peak {case['rss_after']['peak_rss_mib']:.1f} MiB;"
                f" connecting took {case['connect_s']:.2f} s",
            )
        )
    return rows


def command_rows(commands: dict[str, Any], quick: bool) -> list[Row]:
    """Judged on a full run only (a quick pass sends too few to say)."""
    if (error := error_row("commands", commands)) is not None:
        return [error]
    rows = []
    for run in commands.get("runs", []):
        window = run["window"]
        pipelined = window > 1
        limit = COMMANDS_GOAL_PER_S if pipelined and not quick else None
        how = f"up to {window} unanswered" if pipelined else "each answer awaited"
        rows.append(
            Row(
                "commands",
                f"commands/s, one connection, {commands['viewers']} viewers ({how})",
                f"{run['per_second']:,.0f} /s",
                f">= {limit:,.0f} /s" if limit else "-",
                judged(run["per_second"], limit, at_least=True),
                f"{run['answered']:,} answered, each durable first;"
                f" server CPU {run['server_cpu_ms_per_command']:.2f} ms per command",
            )
        )
    if "all_answered_stored" in commands:
        rows.append(
            Row(
                "commands",
                "  every answered command is in the events table",
                "yes" if commands["all_answered_stored"] else "NO",
                "yes",
                "met" if commands["all_answered_stored"] else "MISSED",
                f"{commands['events_stored']:,} events read back after the run",
            )
        )
    return rows
