"""How other devices join: the addresses `score run` prints, and a QR code to scan.

On a network bind the operator needs, at a glance, the URL a tablet opens (with its
token) and the one a TV opens. The operator URL is also drawn as a QR code in the
terminal, black on white whatever the terminal's colours, so a tablet joins by
pointing its camera at the screen.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from score.core.access import is_loopback_host
from score.shell.network import join_urls

QR_STYLE = "#000000 on #ffffff"
"""Dark modules as black text on a white background: a QR code must be dark on light,
and a terminal's own colours may be either way round."""
QR_BORDER = 2
"""Light modules around the code (the quiet zone): enough for phone cameras, and
four fewer terminal lines than the standard's four modules."""


def announce(console: Console, url: str, host: str, port: int, token: str | None) -> None:
    """Print where Score serves; on a network bind, the join URLs and a QR code."""

    def say(line: str) -> None:
        # Never wrapped: a URL cut in two cannot be copied, nor read by a script.
        console.print(line, highlight=False, markup=False, soft_wrap=True)

    say(f"Score is serving on {url}")
    say(f"  displays and overlays: {url}display")
    if token is not None:
        say(f"  operator page: {url}?token={token}")
        say(f"  operator token: {token}")
    if is_loopback_host(host):
        return
    operator_urls, display_urls = join_urls(host, port, token)
    if not operator_urls:
        say("  on the network: no network address found; is this computer connected?")
        return
    say("On the network (tablets, TVs, OBS on other computers):")
    for operator_url, display_url in zip(operator_urls, display_urls, strict=True):
        say(f"  operator page: {operator_url}")
        say(f"  display:       {display_url}")
    if console.is_terminal:
        console.print(qr_code(operator_urls[0]), no_wrap=True, crop=False)
        say(f"  Scan to open {operator_urls[0]}")


def qr_matrix(data: str) -> list[list[bool]]:
    """`data` as qrcode's matrix of modules (dark = True), an even number of rows."""
    import qrcode  # imported here: only a network bind on a terminal draws one

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=QR_BORDER)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return matrix


def qr_code(data: str) -> Text:
    """`data` as a QR code in half blocks: two modules a character, top and bottom."""
    matrix = qr_matrix(data)
    rows = [
        "".join(_half_block(up, down) for up, down in zip(top, bottom, strict=True))
        for top, bottom in zip(matrix[::2], matrix[1::2], strict=True)
    ]
    text = Text()
    for number, row in enumerate(rows):
        text.append("\n" if number else "")
        text.append("  ")
        text.append(row, style=QR_STYLE)
    return text


def _half_block(top: bool, bottom: bool) -> str:
    return {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}[
        (top, bottom)
    ]
