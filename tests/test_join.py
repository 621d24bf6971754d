"""Joining from a tablet: the network addresses, the token and the terminal QR code
that `score run --host 0.0.0.0` prints, read from a real process (on a pipe and on
a pseudo-terminal)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import trio
from rich.console import Console

from score.cli.join import qr_code, qr_matrix
from score.shell.network import join_urls, lan_addresses
from tests.client import http, post_json
from tests.processes import run_on_a_terminal, start_score

pytestmark = pytest.mark.slow  # real `score` processes: seconds each

TOP = {" ": False, "▀": True, "▄": False, "█": True}
BOTTOM = {" ": False, "▀": False, "▄": True, "█": True}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_matrix(rows: list[str]) -> list[list[bool]]:
    """The modules drawn in half blocks: each character is a top and a bottom module."""
    matrix: list[list[bool]] = []
    for row in rows:
        matrix.append([TOP[char] for char in row])
        matrix.append([BOTTOM[char] for char in row])
    return matrix


def test_the_qr_code_draws_every_module_black_on_white() -> None:
    url = "http://192.168.1.20:8000/?token=s3cret-token-value"
    text = qr_code(url)
    rows = [line.removeprefix("  ") for line in text.plain.split("\n")]
    assert len({len(row) for row in rows}) == 1
    assert read_matrix(rows) == qr_matrix(url)
    assert all(str(span.style) == "#000000 on #ffffff" for span in text.spans)
    console = Console(force_terminal=True, color_system="truecolor", width=120)
    with console.capture() as captured:
        console.print(text)
    assert "\x1b[38;2;0;0;0;48;2;255;255;255m" in captured.get()


async def test_a_network_bind_prints_every_lan_url_with_the_token(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    score = await start_score(nursery, tmp_path / "s.db", "--host", "0.0.0.0")
    await trio.sleep(0.2)
    out = bytes(score.stdout).decode()
    token = re.search(r"operator token: (\S+)", out)
    assert token is not None
    operator, display = join_urls("0.0.0.0", score.port, token.group(1))
    assert operator == [url for url in operator if f"operator page: {url}\n" in out]
    assert display == [url for url in display if f"display:       {url}\n" in out]
    assert len(operator) == len([a for a in lan_addresses() if ":" not in a])
    assert "Scan to open" not in out  # no QR code into a pipe
    bearer = {"authorization": f"Bearer {token.group(1)}"}
    for url in display:  # each printed address reaches this server, and drives it
        host = url.split("//")[1].split(":")[0]
        assert (await http(score.port, "GET", "/state", host=host)).status == 200
        reply = await post_json(score.port, "/clock", {"seconds": 90}, host=host, headers=bearer)
        assert reply.status == 200
    assert await score.stop() == 0


def test_a_terminal_gets_a_qr_code_of_the_operator_url(tmp_path: Path) -> None:
    if not [address for address in lan_addresses() if ":" not in address]:
        pytest.skip("this machine has no IPv4 network address to join")
    args = ["--db", str(tmp_path / "s.db"), "--host", "0.0.0.0", "--port", "0", "--no-open"]
    output = run_on_a_terminal(
        ["run", *args, "--token", "tablet-token"],
        b"Scan to open",
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"},
    )
    lines = ANSI.sub("", output.decode()).replace("\r", "").split("\n")
    scan = next(line for line in lines if "Scan to open" in line)
    url = scan.split("Scan to open ")[1].strip()
    assert url.endswith("/?token=tablet-token")
    assert f"  operator page: {url}" in lines
    drawn = lines[lines.index(scan) - len(qr_matrix(url)) // 2 : lines.index(scan)]
    assert read_matrix([line.removeprefix("  ") for line in drawn]) == qr_matrix(url)
