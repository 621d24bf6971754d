"""The package floors hold: imports only go down (core <- shell <- pusher <- cli),
and the core stays pure (no clock, file, socket, thread or event loop)."""

from __future__ import annotations

import ast
from pathlib import Path

import score

PACKAGE = Path(score.__file__).parent
FLOORS = {"core": 0, "shell": 1, "pusher": 2, "cli": 3}
IMPURE = {"time", "datetime", "os", "socket", "pathlib", "io", "sqlite3", "random"}
IMPURE |= {"threading", "subprocess", "trio", "trio_websocket", "h11", "logging", "sys"}


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def modules(floor: str) -> list[Path]:
    found = sorted((PACKAGE / floor).glob("*.py"))
    assert found, floor
    return found


def test_imports_only_go_down() -> None:
    upward = []
    for floor, level in FLOORS.items():
        for path in modules(floor):
            for name in imports(path):
                parts = name.split(".")
                if parts[0] == "score" and len(parts) > 1 and parts[1] in FLOORS:
                    other = parts[1]
                    if other != floor and FLOORS[other] >= level:
                        upward.append(f"{floor}/{path.name} imports {name}")
    assert upward == []


def test_the_core_reads_no_clock_and_touches_no_file_or_socket() -> None:
    impure = [
        f"core/{path.name} imports {name}"
        for path in modules("core")
        for name in imports(path)
        if name.split(".")[0] in IMPURE
    ]
    assert impure == []
