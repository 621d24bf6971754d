#!/usr/bin/env bash
# Builds dist/score: Score as one PyInstaller executable, from a clean environment.
#
#   bash build/build.sh            # -> dist/score
#
# The environment is a fresh virtualenv in a temporary folder, synced from uv.lock
# with the runtime dependencies and the `build` group (PyInstaller) only: the `dev`
# group (pytest, hypothesis, ruff, mypy, ...) is never installed there, so it can
# never be bundled. The project itself is not installed either; PyInstaller reads
# the `score` package and static/ straight from this checkout (build/score.spec).
#
# Needs: uv, and on Linux `ldd` (libc-bin) and `objdump` + `strip` (binutils),
# which PyInstaller runs on every shared library it collects.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

fail() { echo "build.sh: $*" >&2; exit 1; }

command -v uv >/dev/null 2>&1 || fail "uv is not installed (curl -LsSf https://astral.sh/uv/install.sh | sh)"
if [ "$(uname -s)" = Linux ]; then
    for tool in ldd objdump strip; do
        command -v "$tool" >/dev/null 2>&1 \
            || fail "'$tool' is missing; on Debian: apt-get install -y binutils libc-bin"
    done
fi
[ -f static/index.html ] || fail "static/index.html is missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/score-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "== build environment (uv.lock: runtime + build group) in $WORK/venv"
# --locked: fail if uv.lock no longer matches pyproject.toml, rather than bundle
# versions nobody reviewed. UV_PROJECT_ENVIRONMENT keeps the project's .venv intact.
UV_PROJECT_ENVIRONMENT="$WORK/venv" uv sync --locked --quiet \
    --no-default-groups --group build --no-install-project
PY="$WORK/venv/bin/python"

installed=$(uv pip list --python "$PY" --format freeze)
leaked=$(grep -iE '^(pytest|_pytest|pytest-[a-z-]+|hypothesis|ruff|mypy|coverage)==' <<<"$installed" || true)
[ -z "$leaked" ] || fail "test-only packages in the build environment: $leaked"

echo "== PyInstaller $("$PY" -m PyInstaller --version)"
rm -f dist/score
"$PY" -m PyInstaller build/score.spec \
    --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$WORK/pyinstaller"

[ -x dist/score ] || fail "PyInstaller did not produce dist/score"

# The bundle must not hold a test tool, whatever imports one by accident.
contents=$("$WORK/venv/bin/pyi-archive_viewer" --list --recursive dist/score)
bundled=$(grep -oiE '(^|[ /.])(pytest|_pytest|hypothesis|mypy|ruff)([ ./]|$)' <<<"$contents" | sort -u || true)
[ -z "$bundled" ] || fail "test-only modules inside dist/score: $bundled"
grep -q 'static/index.html' <<<"$contents" || fail "static/ is not bundled in dist/score"

size=$(stat -c %s dist/score 2>/dev/null || stat -f %z dist/score)
echo "== built dist/score ($(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"

# A Linux executable runs on systems whose glibc is at least the newest version any
# bundled library asks for; say which, for the download page.
if [ "$(uname -s)" = Linux ]; then
    "$PY" - "$WORK/libs" <<'EOF'
import os, re, subprocess, sys
from PyInstaller.archive.readers import CArchiveReader

out, newest = sys.argv[1], (0, 0)
archive = CArchiveReader("dist/score")
for name, entry in archive.toc.items():
    if entry[-1] != "b":
        continue
    path = os.path.join(out, name.replace("/", "_"))
    os.makedirs(out, exist_ok=True)
    with open(path, "wb") as file:
        file.write(archive.extract(name))
    symbols = subprocess.run(["objdump", "-T", path], capture_output=True, text=True).stdout
    for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", symbols):
        newest = max(newest, (int(major), int(minor)))
print(f"== runs on Linux {os.uname().machine} with glibc >= {newest[0]}.{newest[1]}")
EOF
fi
