"""The rule presets, as TOML data files read by `score.core.rules` (no code here)."""
