"""The pipelined fast path of a webhook: a backlog goes with many requests on the wire
at once, and a failure in the middle of a window keeps the contract (DESIGN 7): in
order, at least once, and while the oldest undelivered event is retried, later ones
wait. The worker runs in this process against a real store and a real receiver on
loopback that checks every signature with the `standardwebhooks` library."""

from __future__ import annotations

import random as stdlib_random
import ssl
import threading
from pathlib import Path

import pytest
import trio

from score.core.delivery import DELIVERED
from score.core.destinations import Destination
from score.core.events import clock_set
from score.pusher import webhook
from score.pusher.pipeline import Target
from score.pusher.webhook import WebhookWorker
from score.pusher.worker import Wakeup
from score.shell.store import Store
from tests.seeds import seeded_random
from tests.webhook_receiver import SECRET, Receiver, running_receiver

pytestmark = pytest.mark.timeout(60)
EVENTS = 600


def backlog(db: Path, count: int) -> None:
    store = Store.open(db)
    store.append([clock_set(i % 600, 1_000_000 + i) for i in range(count)])
    store.close()


async def deliver_all(db: Path, url: str, pipeline: int = webhook.WINDOW) -> None:
    """One full pass of a webhook worker (the last pass of a pusher told to stop)."""
    schedule = (0.0, 0.01, 0.01, 0.01)
    hook = Destination("webhook", url, "hook", (SECRET,), schedule=schedule, pipeline=pipeline)
    wake = Wakeup()
    wake.close()
    await WebhookWorker(db, hook, stdlib_random.random).run(wake)


def assert_the_contract(receiver: Receiver, count: int) -> None:
    """Every request is the event after the one before, or a step back to the event
    whose answer failed (requests already on the wire after it are sent again after
    it); and the last copy of every event was delivered, in order."""
    assert all(r.verified is not None for r in receiver.received)  # every signature
    failed: int | None = None
    """The oldest event the sender holds undelivered after a failed answer."""
    previous = 0
    ids: dict[int, str] = {}
    for request in receiver.received:
        event_id = request.verified["event_id"]
        msg_id = request.headers["webhook-id"]
        assert ids.setdefault(event_id, msg_id) == msg_id  # a resend keeps its webhook-id
        if event_id != failed:
            assert event_id == previous + 1, (previous, event_id, failed)
            assert failed is None or event_id - failed < webhook.WINDOW  # on the wire already
        ok = request.answered is not None and 200 <= request.answered < 300
        if failed is None and not ok:
            failed = event_id
        elif event_id == failed and ok:
            failed = None
        previous = event_id
    last_copy = {event_id: i for i, event_id in enumerate(receiver.delivered())}
    assert sorted(last_copy, key=last_copy.__getitem__) == list(range(1, count + 1))


def assert_all_marked(db: Path, count: int) -> int:
    """Every event is marked delivered; returns the failed attempts counted."""
    store = Store.open(db, create=False)
    try:
        assert store.webhook_cursor("hook") == (count, False)
        statuses = store.delivery_status(list(range(1, count + 1)))
        assert all(statuses[i]["hook"] == DELIVERED for i in range(1, count + 1))
        return store.reports([], ["hook"])[0].failed_attempts
    finally:
        store.close()


async def test_a_backlog_goes_pipelined_in_order(tmp_path: Path) -> None:
    backlog(tmp_path / "g.db", EVENTS)
    with running_receiver() as receiver:
        await deliver_all(tmp_path / "g.db", receiver.url)
    assert [r.verified["event_id"] for r in receiver.received] == list(range(1, EVENTS + 1))
    assert_all_marked(tmp_path / "g.db", EVENTS)


@pytest.mark.parametrize(
    "failure",
    [(500, {}), (503, {"retry-after": "0"}), (200, {"connection": "close"})],
    ids=["500", "503-retry-after", "close-after-answer"],
)
async def test_a_failure_mid_window_resends_the_rest_after_it(
    tmp_path: Path, failure: tuple[int, dict[str, str]]
) -> None:
    rng = seeded_random()
    at = rng.randrange(webhook.WINDOW + 2, EVENTS - webhook.WINDOW)
    backlog(tmp_path / "g.db", EVENTS)
    with running_receiver() as receiver:
        receiver.answer(*[(200, {})] * (at - 1), failure)
        await deliver_all(tmp_path / "g.db", receiver.url)
    ids = [r.verified["event_id"] for r in receiver.received]
    assert ids[at - 1] == at
    if failure[0] != 200:
        # Mid-window: requests after the failed one were already on the wire...
        back = ids.index(at, at)
        assert back > at and all(i > at for i in ids[at:back])
        # ...and once it failed, it went again before anything new.
        assert ids[back : back + 3] == [at, at + 1, at + 2]
    assert_the_contract(receiver, EVENTS)
    # A receiver that closes after an answer failed nothing: what it did not read goes
    # again on a new connection, not counted as a failed attempt.
    assert assert_all_marked(tmp_path / "g.db", EVENTS) == (failure[0] != 200)


async def test_pipeline_1_never_sends_a_later_event_before_a_refused_one(
    tmp_path: Path,
) -> None:
    """`pipeline = 1` in the config: strict order even on failures, each event sent
    only once the one before it is delivered (or dead-lettered)."""
    rng = seeded_random()
    count = 120
    backlog(tmp_path / "g.db", count)
    with running_receiver() as receiver:
        plans: list[tuple[int, dict[str, str]]] = []
        for _ in range(count * 2):  # never two refusals in a row: nothing dead-letters
            refuse = rng.random() < 0.1 and (not plans or plans[-1][0] == 200)
            plans.append((500, {}) if refuse else (200, {}))
        receiver.answer(*plans)
        with trio.fail_after(40):
            await deliver_all(tmp_path / "g.db", receiver.url, pipeline=1)
    delivered = 0
    for request in receiver.received:
        event_id = request.verified["event_id"]
        assert event_id == delivered + 1  # the next one, or the refused one again
        if request.answered is not None and 200 <= request.answered < 300:
            delivered = event_id
    assert delivered == count
    assert_all_marked(tmp_path / "g.db", count)


async def test_random_failures_keep_order_and_lose_nothing(tmp_path: Path) -> None:
    rng = seeded_random()
    backlog(tmp_path / "g.db", EVENTS)
    with running_receiver() as receiver:
        plans: list[tuple[int, dict[str, str]]] = [
            (500, {}) if rng.random() < 0.02 else (200, {}) for _ in range(EVENTS * 2)
        ]
        receiver.answer(*plans)
        with trio.fail_after(40):
            await deliver_all(tmp_path / "g.db", receiver.url)
    assert_the_contract(receiver, EVENTS)
    assert_all_marked(tmp_path / "g.db", EVENTS)


async def test_https_with_the_system_s_trust_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An https:// webhook: TLS checked against the trust store (SSL_CERT_FILE here,
    a certificate made for the test), pipelined like plain HTTP."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = await trio.run_process(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    backlog(tmp_path / "g.db", 200)
    receiver = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        await deliver_all(tmp_path / "g.db", receiver.url.replace("http://", "https://"))
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)
    assert [r.verified["event_id"] for r in receiver.received] == list(range(1, 201))
    assert_all_marked(tmp_path / "g.db", 200)


@pytest.mark.parametrize(
    ("url", "path", "host", "authorization"),
    [
        ("http://127.0.0.1:8080/hooks?a=1&b=%20x", b"/hooks?a=1&b=%20x", b"127.0.0.1:8080", None),
        ("https://h.example/ü path?q=é", b"/%C3%BC%20path?q=%C3%A9", b"h.example", None),
        ("http://user:p%40ss@h:80", b"/", b"h", b"Basic dXNlcjpwQHNz"),  # user:p@ss
        ("http://[::1]:9000/x", b"/x", b"[::1]:9000", None),
    ],
)
def test_a_webhook_url_becomes_a_request_target_and_headers(
    url: str, path: bytes, host: bytes, authorization: bytes | None
) -> None:
    target = Target.parse(url)
    headers = dict(target.fixed)
    assert (target.path, headers[b"host"], headers.get(b"authorization")) == (
        path,
        host,
        authorization,
    )
    assert target.head.startswith(b"POST " + path + b" HTTP/1.1\r\n")
