"""Destinations and webhook decisions, pure: config text in, destinations or one
clear error out; an answer in, a verdict out."""

from __future__ import annotations

import pytest

from score.core import destinations, destinations_handoff, webhook_policy
from score.core.delivery import ProcessState
from score.core.destinations import ConfigError, Destination, from_cli
from score.core.webhook_policy import Verdict, after_attempt, light

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENV = {"HOOK_SECRET": SECRET, "SCORE_WEBHOOK_SECRET": SECRET}


def toml(*tables: str) -> str:
    return "".join(f"[[destinations]]\n{table}\n" for table in tables)


@pytest.mark.parametrize(
    ("url", "kind", "target", "name"),
    [
        ("file:///srv/final.log", "file", "/srv/final.log", "file:/srv/final.log"),
        ("final.log", "file", "/games/final.log", "file:/games/final.log"),
        ("/abs/x.log", "file", "/abs/x.log", "file:/abs/x.log"),
        (
            "https://user:pw@example.org:8443/hook?token=abc",
            "webhook",
            "https://user:pw@example.org:8443/hook?token=abc",
            "https://example.org:8443/hook",
        ),
        ("http://[::1]:9000/h", "webhook", "http://[::1]:9000/h", "http://[::1]:9000/h"),
    ],
)
def test_urls_name_their_kind_and_names_never_carry_credentials(
    url: str, kind: str, target: str, name: str
) -> None:
    (found,) = from_cli([url], None, "/games", ENV)
    assert (found.kind, found.target, found.name) == (kind, target, name)
    assert "pw" not in found.name and "token" not in found.name


@pytest.mark.parametrize(
    ("urls", "text", "message"),
    [
        (["amqp://broker/x"], None, "unknown destination scheme 'amqp'"),
        (["ftp://h/x"], None, "unknown destination scheme 'ftp'"),
        ([], toml('url = "https://h/x"'), "a webhook needs a secret"),
        ([], toml('url = "https://h/x"\nsecret_env = "MISSING"'), "MISSING, which is not set"),
        ([], toml('url = "https://h/x"\nsecret = "nope"'), "must be whsec_"),
        ([], toml('url = "https://h/x"\nsecret = "whsec_!!!"'), "not valid base64"),
        ([], toml('url = "https://h/x"\nsecret = "whsec_YWJj"'), "too short"),
        (
            [],
            toml(
                f'url = "https://a/x"\nsecret = "{SECRET}"',
                f'url = "https://a/x"\nsecret = "{SECRET}"',
            ),
            "two destinations are named https://a/x",
        ),
        (
            ["/x.log"],
            toml('url = "file:///x.log"'),
            "two destinations are named file:/x.log",
        ),
        ([], "[[destinations]\nurl=", "not valid TOML"),
        ([], toml('url = "https://h/x"\nsecret_env = "HOOK_SECRET"\nevents = ["GOAL"]'), "'GOAL'"),
        (
            [],
            toml('url = "https://h/x"\nsecret_env = "HOOK_SECRET"\nretry = ["soon"]'),
            "bad duration",
        ),
        ([], toml('url = "x.log"\nevents = ["CLOCK_SET"]'), "a file gets every event"),
        ([], toml('url = "https://h/x"\nsecert = "typo"'), "unknown key 'secert'"),
        (["http://h:99999/x"], None, "the port must be a number up to 65535"),
        (
            [],
            toml('url = "https://h/x"\nsecret_env = "HOOK_SECRET"\npipeline = 0'),
            "pipeline must be a whole number from 1 to 64",
        ),
        ([], toml('url = "x.log"\npipeline = 1'), "a file gets every event"),
        ([], toml('name = "a"'), "url is missing"),
    ],
)
def test_bad_config_is_one_clear_line_that_shows_no_secret(
    urls: list[str], text: str | None, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        from_cli(urls, text, "/games", {"HOOK_SECRET": SECRET})
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert SECRET.removeprefix("whsec_") not in str(error.value)


def test_a_config_file_gives_names_filters_schedules_and_rotating_secrets() -> None:
    text = toml(
        'name = "league"\nurl = "https://league.example/hook"\nsecret_env = "HOOK_SECRET"\n'
        'events = ["CLOCK_EXPIRED"]\nretry = ["0s", "250ms", "2m", "1h"]\npipeline = 1',
        f'url = "http://127.0.0.1:9/h"\nsecret = "{SECRET} whsec_c2Vjb25kLXNlY3JldC1rZXktMTI="',
    )
    league, local = from_cli([], text, "/games", ENV)
    assert league.name == "league" and league.secrets == (SECRET,)
    assert league.events == frozenset({"CLOCK_EXPIRED"})
    assert league.wants("CLOCK_EXPIRED") and not league.wants("GAME_STARTED")
    assert league.schedule == (0.0, 0.25, 120.0, 3600.0)
    assert league.pipeline == 1 and local.pipeline == destinations.DEFAULT_PIPELINE
    assert len(local.secrets) == 2 and local.schedule == destinations.DEFAULT_SCHEDULE
    handed = destinations_handoff.decode(destinations_handoff.encode([league, local]))
    assert handed == [league, local]


def test_a_webhook_named_with_to_takes_its_secret_from_the_environment() -> None:
    (hook,) = from_cli(["https://h/x"], None, "/", ENV)
    assert hook == Destination("webhook", "https://h/x", "https://h/x", (SECRET,))


SCHEDULE = (0.0, 1.0, 5.0)


@pytest.mark.parametrize(
    ("status", "attempts", "retry_after", "verdict", "delay"),
    [
        (200, 1, None, Verdict.DELIVERED, 0.0),
        (204, 3, None, Verdict.DELIVERED, 0.0),
        (500, 1, None, Verdict.RETRY, 1.0),
        (None, 2, None, Verdict.RETRY, 5.0),
        (500, 3, None, Verdict.DEAD_LETTER, 0.0),
        (410, 1, None, Verdict.DISABLED, 0.0),
        (429, 1, 7.0, Verdict.RETRY, 7.0),
        (503, 2, 30.0, Verdict.RETRY, 30.0),
        (503, 2, 1e9, Verdict.RETRY, webhook_policy.RETRY_AFTER_CAP),
        (500, 1, 7.0, Verdict.RETRY, 1.0),  # Retry-After counts only on 429 and 503
        (301, 1, None, Verdict.RETRY, 1.0),  # a redirect is not followed: a failure
    ],
)
def test_answers_decide_the_next_step(
    status: int | None, attempts: int, retry_after: float | None, verdict: Verdict, delay: float
) -> None:
    outcome = after_attempt(status, "boom", attempts, SCHEDULE, retry_after, 0.5)
    assert outcome.verdict is verdict
    assert outcome.delay == pytest.approx(delay)


def test_jitter_spreads_retries_by_a_fifth_either_way() -> None:
    low = after_attempt(500, "", 1, SCHEDULE, None, 0.0).delay
    high = after_attempt(500, "", 1, SCHEDULE, None, 0.999999).delay
    assert low == pytest.approx(0.8) and high == pytest.approx(1.2, abs=1e-5)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert webhook_policy.parse_retry_after("120", 0.0) == 120.0
    now = 1_700_000_000.0
    assert webhook_policy.parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now) == 30.0
    assert webhook_policy.parse_retry_after("soon", now) is None
    assert webhook_policy.parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("running", "disabled", "failing", "oldest", "status"),
    [
        (False, False, False, None, "dead"),
        (True, True, False, None, "disabled"),
        (True, False, False, None, "healthy"),
        (True, False, False, 9_500, "healthy"),  # within the grace
        (True, False, False, 8_000, "pending"),
        (True, False, True, 9_900, "failing"),
    ],
)
def test_each_destination_has_a_light_and_the_worst_one_wins(
    running: bool, disabled: bool, failing: bool, oldest: int | None, status: str
) -> None:
    assert webhook_policy.destination_status(running, disabled, failing, oldest, 10_000, 1000) == (
        status
    )
    assert webhook_policy.worst(["healthy", status, "pending"]) == max(
        ["pending", status], key=webhook_policy.ORDER.index
    )


def test_webhook_ids_are_stable_per_database_and_event() -> None:
    assert webhook_policy.webhook_id("ab12", 7) == webhook_policy.webhook_id("ab12", 7)
    assert webhook_policy.webhook_id("ab12", 7) != webhook_policy.webhook_id("cd34", 7)


def test_the_state_lists_destinations_as_a_new_key_and_keeps_the_others() -> None:
    from score.core import wire
    from score.core.clock import Clock

    clock = Clock(remaining_ms=60_000, running=False, anchor=0, last_event_id=3)
    plain = wire.state_message(clock, 1_000, "pending", pusher_detail="hook: HTTP 500")
    listed = [{"name": "hook", "status": "failing", "behind": 2, "dead_letters": 1,
               "last_error": "HTTP 500"}]  # fmt: skip
    with_list = wire.state_message(
        clock, 1_000, "pending", pusher_detail="hook: HTTP 500", destinations=listed
    )
    assert "destinations" not in plain["state"]
    assert with_list["state"].pop("destinations") == listed
    assert with_list == plain


# -- the light: the supervisor's rule, decided in the core ------------------------

RUNNING = ProcessState.RUNNING
FILE_OK = {"name": "file:/srv/g.events.log", "status": "healthy", "last_error": None}
HOOK_DOWN = {"name": "https://x.example/h", "status": "failing", "last_error": "HTTP 500"}


def test_a_failing_webhook_makes_the_light_pending_and_names_itself() -> None:
    shown = light(RUNNING, None, 5_000, [FILE_OK, HOOK_DOWN], None)
    assert (shown.status, shown.detail) == ("pending", "https://x.example/h: HTTP 500")


def test_the_problem_is_kept_through_the_grace_and_forgotten_once_all_is_delivered() -> None:
    # Undelivered for less than the grace: green, but what went wrong is remembered.
    kept = light(RUNNING, 4_500, 5_000, [FILE_OK], "disk full")
    assert (kept.status, kept.problem, kept.detail) == ("healthy", "disk full", None)
    late = light(RUNNING, 1_000, 5_000, [FILE_OK], kept.problem)
    assert (late.status, late.detail) == ("pending", "disk full")
    done = light(RUNNING, None, 5_000, [FILE_OK], late.problem)
    assert (done.status, done.problem, done.detail) == ("healthy", None, None)


def test_a_dead_pusher_says_how_it_died() -> None:
    shown = light(ProcessState.EXITED, None, 5_000, [], "the pusher was killed by signal 9")
    assert (shown.status, shown.detail) == ("dead", "the pusher was killed by signal 9")
