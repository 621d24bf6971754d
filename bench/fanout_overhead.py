"""The fan-out writer's own cost per viewer, with its writes real and with them faked.

    uv run python bench/fanout_overhead.py [--viewers 1000] [--passes 50]

Builds a `Fanout` of N `Outbox`es over Unix socket pairs (no WebSocket handshake: a
wire that is always open, with trio's lock, as tests/test_fanout.py's FakeWire) and
times `Fanout._offer` over the whole list in chunks, as the writer task's pass does:
once with `write_now` replaced by one that writes nothing, which leaves the checks
and the bookkeeping (the Python), and once with real writes, with and without the
second thread. Bench only: it reaches into the writer's private `_offer`, as
fanout_probe.py wraps it, to take the kernel out of the figure.
"""

from __future__ import annotations

import argparse
import socket
import time
from dataclasses import dataclass, field

import trio
from meta import raise_fd_limit
from stats import percentile

from score.shell import fanout as fanout_module
from score.shell.fanout import YIELD_EVERY, Fanout
from score.shell.outbox import Outbox, write_now
from score.shell.ws_wire import frame_text


@dataclass(eq=False)
class OpenWire:
    socket: trio.socket.SocketType
    lock: trio.StrictFIFOLock = field(default_factory=trio.StrictFIFOLock)

    def is_open(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.socket.fileno()


def _write_nothing(fd: int, frame: bytes) -> int:
    return len(frame)


def _drain(pairs: list[tuple[socket.socket, socket.socket]]) -> None:
    for _ours, theirs in pairs:
        try:
            while theirs.recv(65536):
                pass
        except BlockingIOError:
            pass


async def measure(viewers: int, passes: int) -> None:
    pairs = [socket.socketpair() for _ in range(viewers)]
    for ours, theirs in pairs:
        ours.setblocking(False)
        theirs.setblocking(False)
    frame = frame_text('{"state":{"seconds":600,"pad":"' + "x" * 400 + '"}}')
    print(f"{viewers} viewers, a {len(frame)}-byte frame, {passes} passes each (p50)")
    for second in (False, True):
        fanout = Fanout(second_writer=second)
        if fanout._second is not None:
            fanout._second.start()
        for ours, _theirs in pairs:
            wire = OpenWire(trio.socket.from_stdlib_socket(ours))
            fanout.subscribe(Outbox(wire, lambda: None, lambda _outbox: None))
        outboxes = list(fanout._outboxes)
        for fake in (True, False):
            fanout_module.write_now = _write_nothing if fake else write_now
            walls, cpus = [], []
            for _ in range(passes):
                wall, cpu = time.perf_counter(), time.thread_time()
                for start in range(0, viewers, YIELD_EVERY):
                    fanout._offer(outboxes[start : start + YIELD_EVERY], frame)
                walls.append((time.perf_counter() - wall) * 1e6 / viewers)
                cpus.append((time.thread_time() - cpu) * 1e6 / viewers)
                _drain(pairs)
            fanout_module.write_now = write_now
            print(
                f"  second thread {'on ' if second else 'off'}, writes"
                f" {'faked' if fake else 'real '}: {percentile(walls, 50):.2f} us per viewer"
                f" (the writer task's CPU {percentile(cpus, 50):.2f} us)"
            )
        if fanout._second is not None:
            fanout._second.stop()
    for ours, theirs in pairs:
        ours.close()
        theirs.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=50)
    args = parser.parse_args()
    raise_fd_limit(2 * args.viewers + 64)
    trio.run(measure, args.viewers, args.passes)


if __name__ == "__main__":
    main()
