"""The MQTT destination end to end: `score run --to mqtt://...` with a real Mosquitto.

Events arrive QoS 1 on PREFIX/events in order, each the events log's line; the state
is retained on PREFIX/state for a late subscriber; a broker killed mid-stream and
restarted loses nothing (compared with the database); refused credentials show on
the light and in `score deliveries`. Real processes, real sockets on loopback."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ScoreServer
from tests.mosquitto import Received, running_broker, subscribed
from tests.processes import run_score

# Real `score` and `mosquitto` processes: seconds each.
pytestmark = [pytest.mark.slow, pytest.mark.mqtt]

PREFIX = "score/court1"


def event_ids(messages: list[Received]) -> list[int]:
    return [json.loads(m.payload)["event_id"] for m in messages if m.topic.endswith("/events")]


def first_seen(ids: list[int]) -> list[int]:
    """The ids in the order each first arrived (QoS 1 is at least once)."""
    seen: dict[int, None] = {}
    for event_id in ids:
        seen.setdefault(event_id)
    return list(seen)


def database_ids(db: Path) -> list[int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM events ORDER BY id")]


def wait_until(test: Callable[[], bool], timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def deliveries(db: Path) -> dict[str, Any]:
    shown = run_score("deliveries", "--db", str(db), "--json")
    assert shown.returncode == 0, shown.stderr
    found: dict[str, Any] = {d["destination"]: d for d in json.loads(shown.stdout)["destinations"]}
    return found


def test_events_arrive_in_order_as_the_log_s_lines_and_the_state_is_retained(
    tmp_path: Path,
) -> None:
    with running_broker(tmp_path / "broker") as broker:
        url = f"{broker.url}/{PREFIX}"
        with subscribed(broker, f"{PREFIX}/events") as early:
            game = ScoreServer(tmp_path / "g.db", args=["--to", url])
            try:
                for seconds in (10, 20, 30):
                    game.post("/clock", {"seconds": seconds})
                game.post("/start")
                early.wait_for(lambda got: len(event_ids(got)) >= 4)
                log = tmp_path / "g.events.log"  # another destination: it may lag
                wait_until(lambda: log.exists() and len(log.read_text().splitlines()) == 4)
                lines = log.read_text().splitlines()
                assert [m.payload.decode() for m in early.on(f"{PREFIX}/events")] == lines
                assert event_ids(early.messages) == [1, 2, 3, 4]
                # A display that arrives now gets the current state at once (retained),
                # the WebSocket's message, with the server's time for the tenths.
                with subscribed(broker, f"{PREFIX}/state") as late:
                    late.wait_for(lambda got: bool(got))
                    first = late.messages[0]
                    assert first.retain
                    state = json.loads(first.payload)["state"]
                    assert state["running"] is True and state["last_event_id"] == 4
                    assert abs(state["server_time_ms"] - time.time() * 1000) < 3000
                    assert 25_000 < state["remaining_ms"] <= 30_000
                    # ... and a fresh one every second while nothing happens.
                    late.wait_for(lambda got: len(got) >= 3, timeout=5)
                wait_until(
                    lambda: deliveries(tmp_path / "g.db")[url]["pending"] == 0, what="marked"
                )
                assert game.state()["pusher_status"] == "healthy"
            finally:
                game.stop()


def test_a_game_s_state_is_the_websocket_s(tmp_path: Path) -> None:
    """A game with rules publishes the state /state answers (but the light's fields)."""
    with running_broker(tmp_path / "broker") as broker:
        game = ScoreServer(
            tmp_path / "g.db", args=["--rules", "basketball-fiba", "--to", f"{broker.url}/{PREFIX}"]
        )
        try:
            game.post("/clock", {"seconds": 90})
            with subscribed(broker, f"{PREFIX}/state") as displays:
                displays.wait_for(
                    lambda got: any(json.loads(m.payload)["state"]["seconds"] == 90 for m in got)
                )
                published = json.loads(displays.messages[-1].payload)["state"]
            served = game.state()
            light = {"pusher_status", "pusher_detail", "destinations"}
            assert set(published) - light == set(served) - light
            assert published["last_event_id"] == served["last_event_id"]
        finally:
            game.stop()
        assert "cannot be published" not in "".join(game.output)


def test_a_broker_killed_mid_stream_loses_nothing_and_delivery_resumes_by_itself(
    tmp_path: Path,
) -> None:
    db = tmp_path / "g.db"
    with running_broker(tmp_path / "broker", persistent=True) as broker:
        url = f"{broker.url}/{PREFIX}"
        # A subscriber whose session the broker keeps: what it missed while away is
        # queued for it, so it can compare the whole stream with the database.
        with subscribed(broker, f"{PREFIX}/events", client_id="checker") as checker:
            game = ScoreServer(db, args=["--to", url])
            posting = threading.Event()

            def post_events() -> None:
                for seconds in range(1, 81):
                    game.post("/clock", {"seconds": seconds})
                    time.sleep(0.02)
                posting.set()

            try:
                poster = threading.Thread(target=post_events)
                poster.start()
                checker.wait_for(lambda got: len(event_ids(got)) >= 20)
                broker.kill()
                wait_until(
                    lambda: game.state()["pusher_status"] == "pending", what="the light is yellow"
                )
                detail = game.state()["pusher_detail"]
                assert f"127.0.0.1:{broker.port}" in detail, detail
                assert deliveries(db)[url]["pending"] > 0
                assert deliveries(db)[url]["last_error"]
                poster.join()
                broker.start()
                checker.wait_for(lambda got: first_seen(event_ids(got)) == database_ids(db))
                assert len(database_ids(db)) == 80
                wait_until(lambda: deliveries(db)[url]["pending"] == 0, what="all marked")
                wait_until(lambda: game.state()["pusher_status"] == "healthy", what="green")
            finally:
                game.stop()


def test_refused_credentials_show_on_the_light_and_in_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "g.db"
    password = "correct horse battery"
    with running_broker(tmp_path / "broker", users={"court1": password}) as broker:
        url = f"{broker.url}/{PREFIX}"
        config = tmp_path / "score.toml"
        config.write_text(
            f'[[destinations]]\nurl = "{url}"\nname = "broker"\nusername = "court1"\n'
            'password_env = "COURT_PASSWORD"\n'
        )
        monkeypatch.setenv("COURT_PASSWORD", "wrong password")
        game = ScoreServer(db, args=["--config", str(config)])
        try:
            game.post("/clock", {"seconds": 5})
            wait_until(lambda: game.state()["pusher_status"] == "pending", what="yellow")
            detail = game.state()["pusher_detail"]
            assert "broker" in detail and "refused" in detail, detail
            shown = deliveries(db)["broker"]
            assert shown["pending"] == 1 and "refused" in shown["last_error"]
        finally:
            game.stop()
        output = "".join(game.output)
        assert "wrong password" not in output and "refused" in output
        # The right password: delivered.
        monkeypatch.setenv("COURT_PASSWORD", password)
        game = ScoreServer(db, args=["--config", str(config)])
        try:
            wait_until(lambda: deliveries(db)["broker"]["pending"] == 0, what="delivered")
        finally:
            game.stop()
        assert password not in "".join(game.output)


def test_mqtts_verifies_the_broker_and_delivers_over_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "g.db"
    with running_broker(tmp_path / "broker", tls=True) as broker:
        url = f"mqtts://127.0.0.1:{broker.tls_port}/{PREFIX}"
        # Not trusted: the system's authorities do not know our CA. Refused, and said.
        game = ScoreServer(db, args=["--to", url])
        try:
            game.post("/clock", {"seconds": 5})
            wait_until(lambda: game.state()["pusher_status"] == "pending", what="yellow")
            assert "CERTIFICATE_VERIFY_FAILED" in deliveries(db)[url]["last_error"]
        finally:
            game.stop()
        # Trusted (the environment names our CA, as OpenSSL reads it): delivered.
        monkeypatch.setenv("SSL_CERT_FILE", str(broker.ca_file))
        with subscribed(broker, f"{PREFIX}/events") as subscriber:
            game = ScoreServer(db, args=["--to", url])
            try:
                for seconds in range(1, 40):
                    game.post("/clock", {"seconds": seconds})
                subscriber.wait_for(lambda got: first_seen(event_ids(got)) == database_ids(db))
                wait_until(lambda: deliveries(db)[url]["pending"] == 0, what="all marked")
            finally:
                game.stop()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mqtt://127.0.0.1:1883", "needs a topic prefix"),
        ("mqtt://127.0.0.1:99999/score", "bad port"),
        ("mqtt://127.0.0.1:http/score", "bad port"),
        ("mqtt://court:s3cret@127.0.0.1:1883/score", "no credentials in an MQTT URL"),
        ("mqtt://127.0.0.1/score/+/x", "may not hold +"),
        ("mqttx://127.0.0.1/score", "unknown destination scheme 'mqttx'"),
    ],
)
def test_a_bad_url_is_one_line_and_exit_2(tmp_path: Path, url: str, says: str) -> None:
    result = run_score("run", "--db", str(tmp_path / "g.db"), "--no-open", "--to", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert not (tmp_path / "g.db").exists()
