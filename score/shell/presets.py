"""The rule presets shipped inside the package (score/rules/*.toml), read and checked.

Reading files is the shell's job; `score.core.rules.parse_rules` checks what they
say. The single executable carries the same files (build/score.spec `datas`).
"""

from __future__ import annotations

import tomllib
from importlib import resources

from score.core.errors import ScoreError
from score.core.rules import Rules, parse_rules

PACKAGE = "score.rules"


def preset_names() -> list[str]:
    """Every preset, `clock` first, then by name."""
    names = sorted(
        entry.name.removesuffix(".toml")
        for entry in resources.files(PACKAGE).iterdir()
        if entry.name.endswith(".toml")
    )
    return sorted(names, key=lambda name: name != "clock")


def load_preset(name: str) -> Rules:
    """The preset `name`; ScoreError("unknown_rules") naming the ones there are."""
    if name not in preset_names():
        known = ", ".join(preset_names())
        raise ScoreError("unknown_rules", f"no rules named {name[:40]!r} (there are: {known})")
    text = resources.files(PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    try:
        rules = parse_rules(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise ScoreError("bad_rules", f"rules {name}: {error}") from None
    if rules.name != name:
        raise ScoreError("bad_rules", f"rules file {name}.toml is named {rules.name!r}")
    return rules
