"""The wire format and the access policy: synchronous and table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from score.core import wire
from score.core.access import AccessPolicy, bearer_token, host_name, is_loopback_host
from score.core.clock import Clock
from score.core.errors import ScoreError
from score.core.tenths import display_seconds


@pytest.mark.parametrize(
    ("remaining_ms", "seconds"),
    [(0, 0), (99, 0), (100, 0.1), (1_199_634, 1199.6), (90_000, 90), (59_999, 59.9)],
)
def test_display_seconds_truncates_to_tenths(remaining_ms: int, seconds: float) -> None:
    assert display_seconds(remaining_ms) == seconds


def test_state_message_has_the_fixed_fields_first() -> None:
    clock = Clock(remaining_ms=10_000, running=True, anchor=1_000, last_event_id=4)
    message = wire.state_message(clock, 3_500, "unknown", request_id=7)
    assert message["id"] == 7
    state = message["state"]
    assert list(state)[:3] == ["seconds", "running", "pusher_status"]
    assert state == {
        "seconds": 7.5,
        "running": True,
        "pusher_status": "unknown",
        "pusher_detail": None,
        "remaining_ms": 7_500,
        "server_time_ms": 3_500,
        "last_event_id": 4,
    }
    why = wire.state_message(clock, 3_500, "pending", pusher_detail="disk full")["state"]
    assert (why["pusher_status"], why["pusher_detail"]) == ("pending", "disk full")


@pytest.mark.parametrize(
    "text", ["", "{", "NaN", '{"seconds": NaN}', '{"a": Infinity}', "-Infinity", b"\xff\xfe"]
)
def test_decode_refuses_what_is_not_json(text: str | bytes) -> None:
    with pytest.raises(ScoreError) as caught:
        wire.decode(text)
    assert caught.value.code == "bad_json"


def test_decode_survives_deep_nesting() -> None:
    with pytest.raises(ScoreError):
        wire.decode("[" * 100_000)


@pytest.mark.parametrize(
    ("message", "request_id"),
    [({"id": 5}, 5), ({"id": "a"}, "a"), ({"id": True}, None), ({"id": [1]}, None), ([], None)],
)
def test_request_id_of(message: Any, request_id: Any) -> None:
    assert wire.request_id_of(message) == request_id


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("evil.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("header", "name"), [("localhost:8000", "localhost"), ("[::1]:80", "::1"), ("a.b", "a.b")]
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


LOOPBACK = AccessPolicy(loopback=True)
LAN = AccessPolicy(loopback=False, token="s3cret")


@pytest.mark.parametrize(
    ("policy", "host", "origin", "token", "code"),
    [
        (LOOPBACK, "127.0.0.1:8000", None, None, None),
        (LOOPBACK, "localhost:8000", "http://localhost:8000", None, None),
        (LOOPBACK, "127.0.0.1:8000", "http://evil.example", None, "forbidden"),
        (LOOPBACK, "127.0.0.1:8000", "null", None, "forbidden"),
        (LOOPBACK, "127.0.0.1:8000", "http://127.0.0.1:9999", None, "forbidden"),
        # DNS rebinding: the page's own origin, but a name that is not loopback
        (LOOPBACK, "rebind.example:8000", "http://rebind.example:8000", None, "forbidden"),
        (LOOPBACK, None, None, None, "forbidden"),
        (LAN, "192.168.1.5:8000", None, "s3cret", None),
        (LAN, "192.168.1.5:8000", "http://192.168.1.5:8000", "s3cret", None),
        (LAN, "192.168.1.5:8000", None, None, "unauthorized"),
        (LAN, "192.168.1.5:8000", None, "wrong", "unauthorized"),
        (LAN, "192.168.1.5:8000", "http://evil.example", "s3cret", "forbidden"),
    ],
)
def test_control_policy(
    policy: AccessPolicy, host: str | None, origin: str | None, token: str | None, code: str | None
) -> None:
    if code is None:
        policy.check_control(host, origin, token)
        return
    with pytest.raises(ScoreError) as caught:
        policy.check_control(host, origin, token)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("Bearer abc", "abc"),
        ("bearer abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token
