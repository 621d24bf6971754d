"""Webhook delivery figures against issue 13's goals, on loopback.

    uv run python bench/bench_webhooks.py [--commands 300] [--backlog 100000]
        [--before TREE] [--rounds 3] [--file-only]

- latency: from the answer to `POST /clock` until the webhook receiver has the event,
  a second webhook that never answers (hung) beside it; goal p50 < 2, p99 < 10 ms;
- backlog: a database of --backlog events served to one receiver from scratch,
  events per second until the last one is in (from `score run`'s start, and the
  receiver's own first-to-last rate); goal >= 5,000 events/s. The receiver is
  Node's http (`webhook_receiver.js`): the Python ones answer a few thousand
  requests a second here and would be what is measured. It checks the order, and
  one request in 1,000 is checked here with the `standardwebhooks` library;
- file: the same latency to the JSON Lines file (the line is in the file), with and
  without three webhooks configured, one of them down; goal p50 within 10 %; and
  beside one hung webhook alone (what isolation alone costs). Also from the request:
  pushers are woken before the answer is sent (which helps the webhook's too).

`--file-only` measures the file figures alone (a shorter run, for A/B rounds).
`--before TREE` (repeatable) runs every figure again with the `score` package of
another checkout (e.g. `git archive HEAD~3 score | tar -x -C TREE`), so
that before and after come from the same run on the same load.

The latency receivers are stdlib `ThreadingHTTPServer`s (the live ones beside the
file in processes of their own); every figure is wall time on this machine, with
`score run` as a child process (not the frozen executable).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from webhook_receivers import SECRET, LineCounter, NodeReceiver, Receiver, ReceiverProcess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
URL_LINE = re.compile(rb"Score is serving on http://[\d.]+:(\d+)/")


def write_config(folder: Path, urls: list[str]) -> Path:
    path = folder / "score.toml"
    path.write_text(
        "".join(
            f'[[destinations]]\nname = "hook{i}"\nurl = "{url}"\nsecret = "{SECRET}"\n'
            for i, url in enumerate(urls)
        )
    )
    return path


class Score:
    def __init__(self, db: Path, *extra: str, tree: Path = ROOT) -> None:
        """`score run` from the `score` package in `tree` (this checkout by default)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "score", "run", "--db", str(db), "--port", "0", "--no-open"]
            + list(extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=tree,
        )
        assert self.process.stdout is not None
        output = b""
        while (match := URL_LINE.search(output)) is None:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("score run ended before serving")
            output += line
        self.port = int(match.group(1))
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port)

    def set_clock(self, seconds: int) -> int:
        """POST /clock; the event id it recorded."""
        self.connection.request(
            "POST", "/clock", json.dumps({"seconds": seconds}), {"content-type": "application/json"}
        )
        response = self.connection.getresponse()
        state = json.loads(response.read())["state"]
        return int(state["last_event_id"])

    def stop(self) -> None:
        self.connection.close()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(20)


def wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for delivery")
        time.sleep(0.0002)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def webhook_latency(folder: Path, commands: int, tree: Path) -> list[float]:
    fast, hung = Receiver(), Receiver(hang=True)
    config = str(write_config(folder, [fast.url, hung.url]))
    db = folder / f"latency-{len(list(folder.iterdir()))}.db"
    score = Score(db, "--config", config, tree=tree)
    samples = []
    try:
        for i in range(commands + 10):
            event_id = score.set_clock(100 + i % 500)
            answered = time.perf_counter()
            wait_for(lambda e=event_id: e in fast.arrived, 10)
            if i >= 10:  # warm-up: the first connection, the first imports
                samples.append(max(0.0, fast.arrived[event_id] - answered) * 1000)
            time.sleep(0.01)
    finally:
        score.stop()
        fast.close()
        hung.close()
    return samples


def file_latency(
    folder: Path, commands: int, hooks: list[str], tree: Path
) -> list[tuple[float, float]]:
    """Per command (ms): from the answer to the line in the file, and from the request."""
    name = f"file{len(hooks)}-{len(list(folder.iterdir()))}"
    log = folder / f"{name}.events.log"
    extra = ["--config", str(write_config(folder, hooks))] if hooks else []
    score = Score(folder / f"{name}.db", *extra, tree=tree)
    lines = LineCounter(log)
    samples = []
    try:
        for i in range(commands + 10):
            sent = time.perf_counter()
            score.set_clock(100 + i % 500)
            answered = time.perf_counter()
            wait_for(lambda c=i + 1: lines.count() >= c, 10)
            if i >= 10:
                arrived = time.perf_counter()
                samples.append(((arrived - answered) * 1000, (arrived - sent) * 1000))
            time.sleep(0.01)
    finally:
        score.stop()
        lines.close()
    return samples


def backlog_db(folder: Path, count: int) -> Path:
    from score.core.events import clock_set
    from score.shell.store import Store

    db = folder / "backlog.db"
    store = Store.open(db)
    for start in range(0, count, 10_000):
        store.append(
            [clock_set(i % 600, 1_000_000 + i) for i in range(start, min(count, start + 10_000))]
        )
    store.close()
    return db


def backlog(folder: Path, source: Path, count: int, tree: Path) -> str:
    """Deliver a copy of the `source` backlog; a line of figures."""
    work = folder / f"backlog-{len(list(folder.iterdir()))}"
    work.mkdir()
    db = work / "backlog.db"
    shutil.copy(source, db)
    receiver = NodeReceiver(count)
    began = time.perf_counter()
    score = Score(
        db, "--events-log", str(work / "backlog.events.log"), "--to", receiver.url, tree=tree
    )
    try:
        if not receiver.finished.wait(3600):
            raise SystemExit("timed out waiting for the backlog")
        elapsed = time.perf_counter() - began
    finally:
        score.stop()
        receiver.close()
    done = receiver.done
    assert done is not None
    steady = count / max(1e-9, (done["last_ms"] - done["first_ms"]) / 1000)
    return (
        f"{count / elapsed:,.0f} events/s from start ({elapsed:.1f} s), {steady:,.0f}/s first"
        f" to last; {done['requests']:,} requests, in order: {done['in_order']},"
        f" {receiver.verified()} sampled signatures verified"
    )


Samples = list[tuple[float, float]]


def file_round(folder: Path, commands: int, tree: Path) -> tuple[Samples, Samples, Samples]:
    """One round of the file's three settings: alone, beside three webhooks (one down),
    beside one hung webhook only (what isolation alone costs)."""
    alone = file_latency(folder, commands, [], tree)
    down = Receiver(hang=True)
    # The live receivers in processes of their own: in this one, their threads
    # would take the GIL from the loop that watches the file, and slow the watch.
    up = [ReceiverProcess(), ReceiverProcess()]
    try:
        beside = file_latency(folder, commands, [down.url] + [r.url for r in up], tree)
    finally:
        for receiver in [down, *up]:
            receiver.close()
    hung = Receiver(hang=True)
    try:
        only_hung = file_latency(folder, commands, [hung.url], tree)
    finally:
        hung.close()
    return alone, beside, only_hung


def file_figures(folder: Path, commands: int, trees: list[Path], rounds: int) -> list[str]:
    """Each tree's file figures from `rounds` rounds, trees and settings alternating
    within each round: a shared machine's load drifts, alternating spreads it out.

    Two clocks: from the answer (issue 13's figure), and from the request. The
    pusher is woken before the answer is sent, so a line is often in the file by
    the time the answer is read: "from the answer" is then what was left of the
    file's work, not how long it took; "from the request" is all of it."""
    runs: list[tuple[Samples, Samples, Samples]] = [([], [], []) for _ in trees]
    per_round = max(1, commands // rounds)
    for _ in range(rounds):
        for tree, run in zip(trees, runs, strict=True):
            for samples, more in zip(run, file_round(folder, per_round, tree), strict=True):
                samples += more
    return [describe_file(*run) + f"\n    n={len(run[0])} each in {rounds} rounds" for run in runs]


def describe_file(alone: Samples, beside: Samples, only_hung: Samples) -> str:
    lines = []
    for clock, column in (("from the answer", 0), ("from the request", 1)):
        a, b, c = ([sample[column] for sample in x] for x in (alone, beside, only_hung))
        pa, pb, pc = (statistics.median(x) for x in (a, b, c))
        lines.append(
            f"{clock}: alone p50 {pa:.2f} ms p99 {percentile(a, 0.99):.2f}; with 3 webhooks"
            f" (1 down) p50 {pb:.2f} ms p99 {percentile(b, 0.99):.2f} ({(pb - pa) / pa * 100:+.0f}"
            f" %, goal within 10 %); beside one hung webhook only p50 {pc:.2f} ms"
            f" ({(pc - pa) / pa * 100:+.0f} %)"
        )
    answer = " / ".join(
        f"{statistics.median(r - a for a, r in x):.2f}" for x in (alone, beside, only_hung)
    )
    return "\n    ".join([*lines, f"the answer itself (request -> answer) p50: {answer} ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument(
        "--before", type=Path, action="append", default=[], help="another checkout (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating file rounds")
    parser.add_argument(
        "--file-only", action="store_true", help="only the file figures (no webhook, no backlog)"
    )
    args = parser.parse_args()
    if not args.file_only and shutil.which("node") is None:
        raise SystemExit("the backlog's receiver needs Node.js (`node` on the PATH)")
    os.environ["SCORE_WEBHOOK_SECRET"] = SECRET
    trees = [(f"before: {tree}", tree.resolve()) for tree in args.before]
    trees.append(("now", ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as temp:
        folder = Path(temp)
        for label, tree in [] if args.file_only else trees:
            hook = webhook_latency(folder, args.commands, tree)
            print(
                f"webhook latency ({label}), a second webhook hung: p50"
                f" {percentile(hook, 0.5):.2f} ms, p99 {percentile(hook, 0.99):.2f} ms"
                f" (goal < 2, < 10; n={len(hook)})"
            )
        files = file_figures(folder, args.commands, [tree for _, tree in trees], args.rounds)
        for (label, _), figures in zip(trees, files, strict=True):
            print(f"file latency ({label}):\n    {figures}", flush=True)
        if args.file_only:
            return
        source = backlog_db(folder, args.backlog)
        for label, tree in trees:
            figures = backlog(folder, source, args.backlog, tree)
            print(f"backlog of {args.backlog:,} events, one webhook ({label}): {figures}")


if __name__ == "__main__":
    main()
