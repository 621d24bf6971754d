"""The floor under a broadcast: one frame written to N loopback sockets, nothing else.

    uv run python bench/loopback_floor.py [--viewers 1000] [--passes 60]

No WebSocket library, no event loop, no checks: `os.write` of one 600-byte frame to
every socket in a plain loop, from one thread and from two (CPython lets go of the
GIL for each write, as the fan-out's second thread relies on), the two placed by the
scheduler or, with `--pin`, pinned to two cores. Each pass is timed
twice: with the reader (another process) reading only after the pass, and with it
reading on the other core while the writes happen, as the fan-out bench's client
does. On loopback the writer's system call also delivers the segment to the reader's
socket, so this is what the kernel alone costs a server per viewer here.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import select
import socket
import threading
import time
from multiprocessing.synchronize import Event

from meta import raise_fd_limit
from stats import percentile

FRAME = b"\x81\x7e" + (600).to_bytes(2, "big") + b"x" * 600


def reader(
    port: int, count: int, connected: Event, eager: Event, drain: Event, drained: Event
) -> None:
    """Connects `count` sockets. While `eager` is set it reads whatever lands as the
    bench's client does (epoll_client.py: at once, then every millisecond); else it
    reads only when `drain` asks, after a pass, one frame per socket."""
    sockets = {}
    poller = select.epoll()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setblocking(False)
        poller.register(sock.fileno(), select.EPOLLIN)
        sockets[sock.fileno()] = sock
    connected.set()
    while True:
        if eager.is_set():
            ready = poller.poll(0.05)
            for fd, _events in ready:
                if not sockets[fd].recv(65536):
                    return
            if ready:
                time.sleep(0.001)
        elif drain.wait(0.05):
            left = count
            while left:
                for fd, _events in poller.poll(1):
                    sockets[fd].recv(65536)
                    left -= 1
            drain.clear()
            drained.set()


def one_pass(fds: list[int], threads: int, cpus: list[int] | None) -> float:
    """One frame to every socket; with `cpus`, the two threads are pinned to the
    first two of them (the main thread's affinity is given back after)."""

    def write(part: list[int], cpu: int | None) -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})  # 0: the calling thread
        for fd in part:
            os.write(fd, FRAME)

    allowed = os.sched_getaffinity(0)
    started = time.perf_counter()
    if threads == 1:
        write(fds, None)
    else:
        other = threading.Thread(target=write, args=(fds[1::2], cpus[1] if cpus else None))
        other.start()
        write(fds[0::2], cpus[0] if cpus else None)
        other.join()
    elapsed = (time.perf_counter() - started) * 1000
    os.sched_setaffinity(0, allowed)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=60)
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin the two writing threads to two different cores (else the scheduler"
        " places them, and here it often keeps both on one)",
    )
    args = parser.parse_args()
    raise_fd_limit(2 * args.viewers + 64)
    listener = socket.create_server(("127.0.0.1", 0), backlog=args.viewers)
    connected, eager, drain, drained = (multiprocessing.Event() for _ in range(4))
    process = multiprocessing.Process(
        target=reader,
        args=(listener.getsockname()[1], args.viewers, connected, eager, drain, drained),
    )
    process.start()
    conns = [listener.accept()[0] for _ in range(args.viewers)]
    for conn in conns:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    connected.wait()
    fds = [conn.fileno() for conn in conns]
    cpus = sorted(os.sched_getaffinity(0))[:2] if args.pin else None
    if cpus is not None and len(cpus) < 2:
        raise SystemExit("--pin needs two cores")
    pinned = f", two threads pinned to cores {cpus}" if cpus else ""
    print(f"{args.viewers} sockets, {len(FRAME)}-byte frame, {args.passes} passes each{pinned}")
    for concurrent in (False, True):
        if concurrent:
            eager.set()
        for threads in (1, 2):
            passes = []
            for _ in range(args.passes):
                passes.append(one_pass(fds, threads, cpus))
                if concurrent:
                    time.sleep(0.04)  # the reader drains meanwhile
                else:
                    drain.set()
                    if not drained.wait(30):
                        raise TimeoutError("the reader did not drain the pass")
                    drained.clear()
            p50 = percentile(passes, 50)
            when = "reading meanwhile" if concurrent else "after the pass"
            print(
                f"  {threads} thread(s), reader {when}: pass p50 {p50:.2f} /"
                f" p90 {percentile(passes, 90):.2f} ms ({p50 * 1000 / args.viewers:.1f} us"
                " per write at p50)"
            )
    for conn in conns:
        conn.close()
    process.join(10)


if __name__ == "__main__":
    main()
