"""The results as table rows, each judged against its goal (issues 6 and 17).

A goal is judged only where the run measured what it is about: 100, 1,000 and
10,000 viewers (fanout_rows.py), a history of 1,000,000 events (and, in
delivery_runner.py, a 1,000-event latency run and a 100,000-event backlog); a quick
pass shows "-" there.
"""

from __future__ import annotations

from typing import Any

from delivery_runner import delivery_rows
from fanout_rows import command_rows, memory_rows, viewer_rows
from rows import Row, error_row, judged, median, spread
from stats import ratio

REPLAY_GOAL_S = 1.0
STARTUP_GOAL_MS = 100.0
REPLAY_GOAL_EVENTS = 1_000_000


def history_memory_rows(startup: dict[str, Any]) -> list[Row]:
    rss_history = startup.get("rss_after_start_on_history") if startup else None
    if not rss_history:
        return []
    return [
        Row(
            "memory",
            "RSS after start on the long history",
            f"{rss_history['rss_mib']:.1f} MiB",
            notes=f"peak {rss_history['peak_rss_mib']:.1f} MiB",
        )
    ]


def physical_rows(physical: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    writes = physical.get("writes", {})
    if (error := error_row("physical", writes)) is not None:
        rows.append(error)
    elif writes:
        commit = writes["sqlite_commit_ms"]
        append = writes["store_append_ms"]
        overhead = ratio(append.get("p50"), commit.get("p50"))
        rows += [
            Row(
                "physical",
                "fsync of one appended line",
                spread(writes["fsync_line_ms"], digits=2),
                notes="O_APPEND write + os.fsync",
            ),
            Row(
                "physical",
                "one SQLite commit (WAL, synchronous=FULL)",
                spread(commit, digits=2),
                notes="BEGIN IMMEDIATE; INSERT; COMMIT",
            ),
            Row(
                "physical",
                "  Store.append of one event",
                spread(append, digits=2),
                notes=f"{overhead:.2f}x the bare commit (p50)" if overhead else "",
            ),
        ]
    select = physical.get("select", {})
    if (error := error_row("physical", select)) is not None:
        rows.append(error)
    elif select:
        rows.append(
            Row(
                "physical",
                f"SELECT of {select['rows']:,} rows",
                median(select["seconds"], "s", digits=3),
                notes="sqlite3, no decoding",
            )
        )
    return rows


def replay_rows(
    replay: dict[str, Any], snapshot: dict[str, Any], select: dict[str, Any]
) -> list[Row]:
    if (error := error_row("replay", replay)) is not None:
        return [error]
    if not replay:
        return []
    n = replay["events"]
    limit = REPLAY_GOAL_S if n == REPLAY_GOAL_EVENTS else None
    goal = f"< {limit:.0f} s" if limit else "-"
    select_s = select.get("seconds", {}).get("p50")
    rows = []
    for key, measure in (
        ("steps_fold", f"full replay, fold_steps(store.clock_steps()), {n:,} events"),
        ("events_fold", f"full replay, fold(store.events()), {n:,} events"),
    ):
        full, cpu = replay[f"{key}_s"], replay[f"{key}_cpu_s"]
        times_select = ratio(full.get("p50"), select_s)
        rows.append(
            Row(
                "replay",
                measure,
                median(full, "s", digits=3),
                goal,
                judged(full.get("p50"), limit),
                f"CPU {cpu['p50']:.3f} s"
                + (f"; {times_select:.1f}x the bare SELECT" if times_select else ""),
            )
        )
    rows += [
        Row(
            "replay",
            "  of which read: store.clock_steps() drained",
            median(replay["read_steps_s"], "s", digits=3),
            notes="tuples straight from SQLite",
        ),
        Row(
            "replay",
            "  of which fold: fold_steps over steps in memory",
            median(replay["fold_only_s"], "s", digits=3),
        ),
        Row(
            "replay",
            "  read + decode: store.events() drained",
            median(replay["read_decode_s"], "s", digits=3),
            notes="JSON payloads, EventType, StoredEvent",
        ),
        Row(
            "replay",
            "  Store.last_created_at() (newest row)",
            median(replay["last_created_at_s"], "s", digits=3),
            notes="the other query of Game.load",
        ),
    ]
    if (error := error_row("replay", snapshot)) is not None:
        rows.append(error)
    elif snapshot:
        rows.append(
            Row(
                "replay",
                f"store.load_clock(): snapshot + {snapshot['tail_events']:,}-event tail",
                median(snapshot["load_clock_s"], "ms", scale=1000, digits=1),
                notes="worst case between two periodic snapshots",
            )
        )
    return rows


def app_start_rows(app_start: dict[str, Any], events: int | None) -> list[Row]:
    if (error := error_row("start-up", app_start)) is not None:
        return [error]
    if not app_start:
        return []
    size = f"{events:,} events" if events else "the history"
    return [
        Row(
            "start-up",
            "in-process run_app -> running, new empty db",
            median(app_start["empty_ms"], "ms", digits=1),
            notes="no interpreter, no imports: the app's own start",
        ),
        Row(
            "start-up",
            f"in-process run_app -> running, {size}, no snapshot",
            median(app_start["history_ms"], "ms", digits=0),
            notes="what the database costs at start-up, at worst",
        ),
    ]


def startup_rows(startup: dict[str, Any], events: int | None) -> list[Row]:
    if (error := error_row("start-up", startup)) is not None:
        return [error]
    if not startup:
        return []
    limit = STARTUP_GOAL_MS if events == REPLAY_GOAL_EVENTS else None
    goal = f"< {limit:.0f} ms" if limit else "-"
    empty, first = startup["empty_ms"], startup["history_first_ms"]
    restart = startup["history_restart_ms"]
    replay_share = (first["p50"] - empty["p50"]) if first.get("n") and empty.get("n") else None
    size = f"{events:,} events" if events else "the history"
    return [
        Row(
            "start-up",
            "score run -> serving, new empty db",
            median(empty, "ms", digits=0),
            notes=f"CPU {startup['empty_cpu_ms']['p50']:.0f} ms: interpreter + imports (floor)",
        ),
        Row(
            "start-up",
            f"score run -> serving, {size}, no snapshot",
            median(first, "ms", digits=0),
            goal,
            judged(first.get("p50"), limit),
            f"CPU {startup['history_first_cpu_ms']['p50']:.0f} ms; "
            + (f"{replay_share:.0f} ms more than empty" if replay_share is not None else ""),
        ),
        Row(
            "start-up",
            f"score run -> serving, {size}, restart",
            median(restart, "ms", digits=0),
            goal,
            judged(restart.get("p50"), limit),
            "after a clean shutdown of the start before (its snapshot)",
        ),
    ]


def goal_rows(results: dict[str, Any]) -> list[Row]:
    quick = results["meta"]["quick"]
    cases = results.get("viewers", [])
    if isinstance(cases, dict):  # the whole section failed
        cases = [cases]
    physical = results.get("physical", {})
    replay = results.get("replay", {})
    startup = results.get("startup", {})
    return [
        *viewer_rows(cases),
        *command_rows(results.get("commands", {}), quick),
        *memory_rows(cases),
        *history_memory_rows(startup if "error" not in startup else {}),
        *physical_rows(physical),
        *replay_rows(replay, results.get("snapshot_load", {}), physical.get("select", {})),
        *startup_rows(startup, replay.get("events")),
        *app_start_rows(results.get("app_start", {}), replay.get("events")),
        *delivery_rows(results.get("delivery", {}), quick),
    ]
