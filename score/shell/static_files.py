"""Finding and serving the web pages in `static/`, and never anything outside it.

The pages live in `static/` at the top of a source checkout, in `score/static` inside
an installed wheel, and in `static/` under the unpacked folder of the frozen
executable. Request paths are resolved against that folder and refused when the
resolved file is not inside it (`..`, `%2e%2e`, symlinks out, absolute paths).
"""

from __future__ import annotations

import mimetypes
import sys
from pathlib import Path

PAGES = {"/": "index.html", "/display": "display.html", "/courts": "courts.html"}
PAGES["/overlay"] = "overlay.html"  # the broadcast scorebug (issue 16)


def static_root() -> Path:
    """The folder that holds the pages in this mode of running."""
    here = Path(__file__).resolve().parent.parent  # the score package
    candidates = [
        Path(getattr(sys, "_MEIPASS", "")) / "static" if hasattr(sys, "_MEIPASS") else None,
        here / "static",
        here.parent / "static",
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "index.html").is_file():
            return candidate
    raise FileNotFoundError("the static/ folder with the web pages is missing")


def resolve(root: Path, path: str) -> Path | None:
    """The file under `root` that a decoded request path names, or None."""
    name = PAGES.get(path, path.lstrip("/"))
    if not name or "\x00" in name or "\\" in name:
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    try:
        candidate = (root / name).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the file system, for one
        return None
    return candidate


def content_type(path: Path) -> str:
    if path.suffix == ".js":
        return "text/javascript; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    kind = guessed or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") else kind
