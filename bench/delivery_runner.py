"""The delivery bench (bench/bench_delivery.py, a colleague's), run as a subprocess.

It is run as its own program so that its figures are exactly the ones it prints on
its own. Its flags are read from its `--help`: `--quick` is passed in quick mode,
and if it offers `--json PATH` (or `--json-out PATH`) its JSON is read back and
kept whole; otherwise its printed tables are parsed, row by row, into figures (label
and numbers), and the raw text is kept too. Sample lists found in its JSON (lists of
ten numbers or more) are handed to the plot.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "bench_delivery.py"
JSON_FLAG = re.compile(r"(--json(?:-out)?)\s+[A-Z_]+")
NUMBER = re.compile(r"^-?[\d,]*\.?\d+$")


def run_delivery_bench(quick: bool, out: Path, timeout: float) -> dict[str, Any]:
    if not SCRIPT.exists():
        return {"available": False, "reason": f"{SCRIPT.name} is not there yet"}
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    helped = subprocess.run(
        [sys.executable, str(SCRIPT), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    command = [sys.executable, str(SCRIPT)]
    if quick and "--quick" in helped.stdout:
        command.append("--quick")
    json_path: Path | None = None
    if match := JSON_FLAG.search(helped.stdout):
        json_path = out / "delivery.json"
        json_path.unlink(missing_ok=True)
        command += [match.group(1), str(json_path)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {"available": True, "command": command, "error": f"timed out after {timeout} s"}
    result: dict[str, Any] = {
        "available": True,
        "command": [Path(part).name if part == sys.executable else part for part in command],
        "seconds": time.perf_counter() - started,
        "exit_code": done.returncode,
        "stdout": done.stdout,
        "stderr_tail": done.stderr[-3000:],
        "rows": parse_table_rows(done.stdout),
    }
    if json_path is not None and json_path.exists():
        result["json"] = json.loads(json_path.read_text())
    if done.returncode != 0:
        result["error"] = f"exit code {done.returncode}"
    return result


def parse_table_rows(text: str) -> list[dict[str, Any]]:
    """Rows of Rich tables in `text`: a label, then numbers, under the table's title
    and column headers."""
    rows: list[dict[str, Any]] = []
    title = ""
    headers: list[str] = []
    in_title = False
    for line in text.splitlines():
        if not re.search(r"[│┃|]", line):
            stripped = line.strip()
            if stripped and not set(stripped) <= set("━─┏┓┗┛┡┩└┘┌┐╇╈┳┻┴┬+-=|"):
                # A title wrapped over several lines reads as one.
                title = f"{title} {stripped}" if in_title else stripped
                in_title = True
            else:
                in_title = False
            continue
        in_title = False
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line)[1:-1]]
        if not cells:
            continue
        values = [cell.replace(",", "") for cell in cells[1:]]
        if values and all(NUMBER.match(value) for value in values):
            rows.append(
                {
                    "table": title,
                    "label": cells[0],
                    "values": dict(zip(headers[1:], map(float, values), strict=False)),
                }
            )
        else:
            headers = cells
    return rows


def _is_samples(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 10
        and all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)
    )


def sample_lists(data: Any, path: str = "") -> dict[str, list[float]]:
    """Every list of ten numbers or more in `data`, by its key path."""
    if _is_samples(data):
        return {path: [float(value) for value in data]}
    found: dict[str, list[float]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            found |= sample_lists(value, f"{path}.{key}" if path else str(key))
    return found


def strip_sample_lists(data: Any) -> None:
    """Remove, in place, the lists `sample_lists` finds (they go to samples.json)."""
    if isinstance(data, dict):
        for key in [key for key, value in data.items() if _is_samples(value)]:
            del data[key]
        for value in data.values():
            strip_sample_lists(value)
