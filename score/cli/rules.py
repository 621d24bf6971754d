"""`score rules`: the rule presets `score run --rules NAME` accepts, with their numbers."""

from __future__ import annotations

from score.cli.app import app, console, fail

EXAMPLES = """Examples:

\b
  score rules                                   every preset and its key numbers
  score run --rules basketball-fiba --db final.db   play one
"""


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02}"


@app.command(short_help="List the rule presets (score run --rules NAME).", epilog=EXAMPLES)
def rules() -> None:
    """List the rule presets that `score run --rules NAME` accepts, with their key
    numbers. docs/rules.md says where each number comes from."""
    from rich import box
    from rich.table import Table

    from score.core.errors import ScoreError
    from score.shell.presets import load_preset, preset_names

    table = Table(title="Rule presets", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("name", no_wrap=True)
    for column in ("periods", "OT", "count", "shot", "bonus", "timeouts", "penalties"):
        table.add_column(column, no_wrap=True)
    for name in preset_names():
        try:
            preset = load_preset(name)
        except ScoreError as error:
            raise fail(error.message) from None
        if preset.is_clock:
            table.add_row(name, "-", "-", "down", "-", "-", "-", "-")
            continue
        shot = preset.shot_clock
        timeouts = "+".join(map(str, preset.timeout_counts))
        if preset.overtime_timeouts:
            timeouts += f" +{preset.overtime_timeouts}/OT"
        table.add_row(
            name,
            f"{preset.periods}x{_clock(preset.period_seconds)}",
            _clock(preset.overtime_seconds) if preset.overtime_seconds else "-",
            preset.count,
            "-" if shot is None else f"{shot.full:g}/{shot.short:g}",
            "-" if preset.bonus_from is None else f"{preset.bonus_from}th",
            timeouts or "-",
            "/".join(f"{s // 60}" for s in preset.penalty_seconds) + " min"
            if preset.penalty_seconds
            else "-",
        )
    console().print(table)
