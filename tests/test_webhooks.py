"""Webhooks end to end: `score run --config` with a real receiver on loopback that
checks every signature with the `standardwebhooks` library, and answers as told:
failures, 410, 429 with Retry-After, hangs. Real processes, real sockets."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
import trio

from tests.client import http, post_json
from tests.mosquitto import free_port
from tests.processes import (
    ScoreProcess,
    child_pid,
    is_running,
    run_score,
    start_score,
    wait_console,
    wait_gone,
)
from tests.webhook_receiver import (
    HANG,
    OLD_SECRET,
    SECRET,
    running_receiver,
    wait_until,
)

pytestmark = pytest.mark.slow  # real `score` processes: seconds each


def config(tmp_path: Path, *hooks: tuple[str, str, str]) -> str:
    """A score.toml with one webhook per (name, url, extra lines)."""
    text = "".join(
        f'[[destinations]]\nname = "{name}"\nurl = "{url}"\nsecret = "{SECRET}"\n{extra}\n'
        for name, url, extra in hooks
    )
    path = tmp_path / "score.toml"
    path.write_text(text)
    return str(path)


async def events(port: int, *seconds: int) -> None:
    for value in seconds:
        assert (await post_json(port, "/clock", {"seconds": value})).status == 200


async def pusher_of(game: ScoreProcess, name: str) -> int:
    """The pid of the pusher child that delivers to destination `name` (each
    destination has its own child, which names it when it starts)."""
    pattern = rb"\[PID: (\d+) TID: \d+\] pusher started: .* -> %s" % re.escape(name.encode())
    line = await wait_console(game, pattern)
    return int(line.group(1))


def file_lines(path: Path) -> list[dict[str, object]]:
    """The file's events; none while its own pusher has not created it yet."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_every_event_arrives_signed_in_order_with_the_file_s_body(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    with running_receiver() as hook:
        toml = config(tmp_path, ("hook", hook.url, ""))
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        await events(game.port, 10, 20, 30)
        await wait_until(lambda: hook.delivered() == [1, 2, 3])
        assert all(r.verified is not None for r in hook.received)
        # The default file too (its own pusher: it may come a moment after the webhook).
        await wait_until(lambda: len(file_lines(tmp_path / "g.events.log")) == 3)
        lines = (tmp_path / "g.events.log").read_text().splitlines()
        assert [r.body.decode() for r in hook.received] == lines
        ids = hook.ids()
        assert len(set(ids)) == 3 and ids[0].endswith("_1")
        assert await game.stop() == 0
        # Restarted, the same database gives the same ids: stable per (database, event).
        resent = run_score(
            "deliveries", "resend", "hook", "--from", "1", "--db", str(tmp_path / "g.db")
        )
        assert resent.returncode == 0, resent.stderr
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        await wait_until(lambda: len(hook.received) == 6)
        assert hook.ids()[3:] == ids
        assert await game.stop() == 0


async def test_a_rotating_secret_signs_twice_and_either_verifies(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    with running_receiver(OLD_SECRET) as old:
        path = tmp_path / "score.toml"
        path.write_text(f'[[destinations]]\nurl = "{old.url}"\nsecret = "{SECRET} {OLD_SECRET}"\n')
        game = await start_score(nursery, tmp_path / "g.db", "--config", str(path))
        await events(game.port, 5)
        await wait_until(lambda: old.delivered() == [1])
        assert old.received[0].headers["webhook-signature"].count("v1,") == 2
        assert await game.stop() == 0


async def test_failures_are_retried_then_dead_lettered_and_retry_sends_them_again(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "g.db"
    with running_receiver() as hook:
        hook.answer((500, {}), (500, {}), (500, {}))  # event 1: every attempt fails
        toml = config(tmp_path, ("hook", hook.url, 'retry = ["0s", "50ms", "50ms"]'))
        game = await start_score(nursery, db, "--config", toml)
        await events(game.port, 10, 20)
        await wait_until(lambda: hook.delivered() == [2])  # the next event went
        assert [r.answered for r in hook.received] == [500, 500, 500, 200]
        state = (await http(game.port, "GET", "/state")).json()["state"]
        assert state["pusher_status"] in ("healthy", "pending")
        shown = json.loads(run_score("deliveries", "--db", str(db), "--json").stdout)
        webhook = next(d for d in shown["destinations"] if d["destination"] == "hook")
        assert webhook["dead_letters"] == 1 and webhook["failed_attempts"] == 3
        assert webhook["last_error"].startswith("HTTP 500")
        assert webhook["pending"] == 0
        table = run_score("deliveries", "--db", str(db)).stdout
        assert "500" in table and "Deliveries from" in table
        result = run_score("deliveries", "retry", "hook", "--db", str(db))
        assert result.returncode == 0 and "1 dead letters" in result.stdout
        await wait_until(lambda: hook.delivered() == [2, 1])
        assert hook.received[-1].headers["webhook-id"] == hook.received[0].headers["webhook-id"]
        assert await game.stop() == 0


async def test_gone_disables_and_too_many_requests_waits_as_asked(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "g.db"
    with running_receiver() as gone, running_receiver() as busy:
        gone.answer((410, {}))
        busy.answer((429, {"retry-after": "1"}))
        toml = config(tmp_path, ("gone", gone.url, ""), ("busy", busy.url, ""))
        game = await start_score(nursery, db, "--config", toml)
        started = trio.current_time()
        await events(game.port, 10)
        await wait_until(lambda: busy.delivered() == [1])
        assert (
            trio.current_time() - started >= 0.95
        )  # Retry-After: 1, not the schedule's 1 s ± 20 %
        await events(game.port, 20)
        await wait_until(lambda: busy.delivered() == [1, 2])
        assert len(gone.received) == 1  # disabled after its 410: nothing more was sent
        with trio.fail_after(10):
            while True:
                state = (await http(game.port, "GET", "/state")).json()["state"]
                if state["pusher_status"] == "pending":
                    break
                await trio.sleep(0.05)
        assert "gone" in state["pusher_detail"] and "410" in state["pusher_detail"]
        assert run_score("deliveries", "retry", "gone", "--db", str(db)).returncode == 0
        await wait_until(lambda: gone.delivered() == [1, 2])
        assert await game.stop() == 0


async def test_a_hung_webhook_delays_neither_the_file_nor_another_webhook(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    with running_receiver() as hung, running_receiver() as fine:
        hung.default = HANG
        toml = config(tmp_path, ("hung", hung.url, ""), ("fine", fine.url, ""))
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        log = tmp_path / "g.events.log"
        await events(game.port, 10)  # the first waits for the pusher to start (a second)
        await wait_until(lambda: fine.delivered() == [1] and len(file_lines(log)) == 1)
        await wait_until(lambda: len(hung.received) == 1)  # and now hangs there
        for count in range(2, 7):
            started = trio.current_time()
            await events(game.port, count * 10)
            await wait_until(lambda c=count: fine.delivered() == list(range(1, c + 1)), 5)
            await wait_until(lambda c=count: len(file_lines(log)) == c, 5)
            # Far below the hung POST's 10 s read timeout: nobody waited for it.
            assert trio.current_time() - started < 1.0
        assert len(hung.received) == 1  # still waiting on event 1, in order
        assert await game.stop() == 0  # and a hung receiver does not hold up the stop


async def test_a_pusher_killed_mid_post_sends_the_event_again_with_the_same_id(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    with running_receiver() as hook:
        hook.answer(HANG)
        toml = config(tmp_path, ("hook", hook.url, ""))
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        pusher = await pusher_of(game, "hook")
        await events(game.port, 10)
        await wait_until(lambda: len(hook.received) == 1)  # the POST is in flight
        os.kill(pusher, signal.SIGKILL)
        await wait_gone(pusher)
        await child_pid(game, 3)  # the file's, the webhook's, the webhook's again
        await wait_until(lambda: hook.delivered() == [1])
        first, again = hook.received
        assert first.headers["webhook-id"] == again.headers["webhook-id"]
        assert first.body == again.body
        assert await game.stop() == 0


async def test_each_destination_has_its_own_pusher_and_the_light_is_the_worst(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    with running_receiver() as hook:
        toml = config(tmp_path, ("hook", hook.url, ""))
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        pusher = await pusher_of(game, "hook")
        file_pusher = await pusher_of(game, "file:")
        assert pusher != file_pusher
        await events(game.port, 10)
        await wait_until(lambda: hook.delivered() == [1])
        os.kill(pusher, signal.SIGKILL)
        # Down: the light is dead, the webhook is dead, the file is not.
        with trio.fail_after(10):
            while (state := (await http(game.port, "GET", "/state")).json()["state"])[
                "pusher_status"
            ] != "dead":
                await trio.sleep(0.01)
        statuses = {d["name"]: d["status"] for d in state["destinations"]}
        assert statuses["hook"] == "dead"
        assert [s for name, s in statuses.items() if name != "hook"] == ["healthy"]
        await events(game.port, 20)  # the file's pusher never stopped
        await wait_until(lambda: len(file_lines(tmp_path / "g.events.log")) == 2)
        # Restarted, it catches up (event 1 again too if the kill came between its
        # answer and its mark: at least once, with the same webhook-id).
        await wait_until(lambda: hook.delivered()[-1:] == [2])
        assert set(hook.delivered()) == {1, 2}
        assert is_running(file_pusher)
        assert await game.stop() == 0
        await wait_gone(file_pusher)  # no pusher outlives its game


@pytest.mark.parametrize(
    ("arguments", "config_text", "message"),
    [
        (["--to", "amqp://broker/x"], None, "unknown destination scheme 'amqp'"),
        (["--to", "https://user:pw@h/x"], None, "SCORE_WEBHOOK_SECRET, which is not set"),
        (["--config", "missing.toml"], None, "cannot read the config"),
        (["--to", "same.log", "--events-log", "same.log"], None, "same.log is named twice"),
        ([], '[[destinations]]\nurl = "https://h/x"\n', "a webhook needs a secret"),
        (
            [],
            f'[[destinations]]\nurl = "https://h/x"\nsecret = "{SECRET}"\n' * 2,
            "two destinations are named https://h/x",
        ),
    ],
)
def test_bad_destinations_stop_score_run_with_one_line_and_exit_2(
    tmp_path: Path, arguments: list[str], config_text: str | None, message: str
) -> None:
    if config_text is not None:
        (tmp_path / "score.toml").write_text(config_text)
        arguments = ["--config", str(tmp_path / "score.toml")]
    elif "--config" in arguments:
        arguments = ["--config", str(tmp_path / "missing.toml")]
    result = run_score("run", "--db", str(tmp_path / "g.db"), "--no-open", *arguments)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and "pw" not in result.stderr
    assert not (tmp_path / "g.db").exists()


def test_a_file_cannot_be_resent_and_an_unknown_name_is_refused(tmp_path: Path) -> None:
    from score.core.events import ClockSet, NewEvent
    from score.shell.store import Store

    db = tmp_path / "g.db"
    store = Store.open(db)
    store.append([NewEvent(1_000, ClockSet(60))])
    store.mark_delivered("file:/srv/g.events.log", 1, 1, 2_000)
    store.close()
    result = run_score(
        "deliveries", "resend", "file:/srv/g.events.log", "--from", "1", "--db", str(db)
    )
    assert result.returncode == 2 and "is a file: the file is the truth" in result.stderr
    result = run_score("deliveries", "retry", "league", "--db", str(db))
    assert result.returncode == 2 and "no webhook named league" in result.stderr
    assert "Traceback" not in result.stderr


async def test_metrics_parse_with_prometheus_client_s_own_parser(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    with running_receiver() as hook:
        hook.answer((500, {}))  # event 1 fails its only attempt: a dead letter
        toml = config(tmp_path, ("hook", hook.url, 'retry = ["0s"]'))
        game = await start_score(nursery, tmp_path / "g.db", "--config", toml)
        await events(game.port, 10, 20, 30)
        await post_json(game.port, "/start")
        await wait_until(lambda: hook.delivered() == [2, 3, 4])
        file_name = f"file:{tmp_path / 'g.events.log'}"

        async def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            response = await http(game.port, "GET", "/metrics")
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
            return {
                (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(response.body.decode())
                for sample in family.samples
            }

        with trio.fail_after(10):
            while (found := await scrape()).get(
                ("score_delivered_events_total", (("name", "hook"),))
            ) != 3:
                await trio.sleep(0.05)
        assert found[("score_events_total", (("type", "CLOCK_SET"),))] == 3
        assert found[("score_events_total", (("type", "GAME_STARTED"),))] == 1
        assert found[("score_dead_letters", (("name", "hook"),))] == 1
        assert found[("score_delivery_failed_attempts_total", (("name", "hook"),))] == 1
        assert found[("score_pending_events", (("name", "hook"),))] == 0
        assert found[("score_oldest_pending_age_seconds", (("name", "hook"),))] == 0
        assert found[("score_delivered_events_total", (("name", file_name),))] == 4
        assert found[("score_viewers", ())] == 0
        assert found[("score_pusher_restarts_total", ())] == 0
        latency = "score_delivery_latency_seconds"
        assert found[(f"{latency}_count", (("name", "hook"),))] == 3
        for le in ("+Inf", "60.0"):  # every delivery took under a minute
            assert found[(f"{latency}_bucket", (("le", le), ("name", "hook")))] == 3
        assert await game.stop() == 0


async def test_an_app_killed_mid_post_leaves_the_event_to_be_sent_again_at_the_next_start(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "g.db"
    with running_receiver() as hook:
        hook.answer(HANG)
        toml = config(tmp_path, ("hook", hook.url, ""))
        game = await start_score(nursery, db, "--config", toml)
        pusher = await child_pid(game)
        await events(game.port, 10)
        await wait_until(lambda: len(hook.received) == 1)  # the POST is in flight
        game.kill()
        await game.process.wait()
        await wait_gone(pusher)  # its stdin closed: it follows its parent
        assert hook.delivered() == []
        game = await start_score(nursery, db, "--config", toml)
        await wait_until(lambda: hook.delivered() == [1])
        assert len(set(hook.ids())) == 1  # the same webhook-id both times
        assert await game.stop() == 0


async def test_secrets_and_url_credentials_show_nowhere(
    tmp_path: Path, nursery: trio.Nursery
) -> None:
    db = tmp_path / "g.db"
    with running_receiver() as closed:
        url = closed.url.replace("http://", "http://scorer:pa55word@") + "?token=t0ken"
    # The receiver is closed now: every attempt is refused.
    path = tmp_path / "score.toml"
    path.write_text(
        f'[[destinations]]\nurl = "{url}"\nsecret = "{SECRET}"\nretry = ["0s", "5s"]\n'
        # A broker's password too (issue 14); nothing listens there either.
        f'[[destinations]]\nurl = "mqtt://127.0.0.1:{free_port()}/court"\nusername = "u"\n'
        'password = "mqtt-pa55"\n'
    )
    game = await start_score(nursery, db, "--config", str(path))
    pusher = await child_pid(game)
    command_line = (await trio.Path(f"/proc/{pusher}/cmdline").read_bytes()).decode()
    await events(game.port, 10)
    with trio.fail_after(10):
        while (state := (await http(game.port, "GET", "/state")).json()["state"])[
            "pusher_detail"
        ] is None:
            await trio.sleep(0.05)
    shown = [
        command_line,
        json.dumps(state),
        run_score("deliveries", "--db", str(db), "--json").stdout,
        (await http(game.port, "GET", "/metrics")).body.decode(),
    ]
    assert await game.stop() == 0
    shown.append(bytes(game.stderr).decode())
    redacted = closed.url  # scheme, host, port and path only
    assert redacted in shown[1] and redacted in shown[2] and redacted in shown[3]
    for text in shown:
        for secret in ("pa55word", "t0ken", SECRET.removeprefix("whsec_"), "mqtt-pa55"):
            assert secret not in text
