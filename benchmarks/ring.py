"""Message throughput between two Python processes: shm-signal's message ring (spec 15,
draft) against multiprocessing.Queue and multiprocessing.Pipe, in the same run.

    python benchmarks/ring.py [--sizes 8,64,4096,65536] [--repeat 3] [--json]

A child process sends N messages of one size; the parent receives them all.  The
time is from the child's first send to the parent's last receive (the child waits
for the parent's "go" on the transport itself, so start-up is not counted); the
table gives the median over ``--repeat`` runs of messages per second, and the
ring's ratio to each alternative.  faster-fifo and iceoryx2 are not measured yet
(issue 18 asks for them; they are not installed here).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abi import Channel  # noqa: E402
from abi.engine import ring  # noqa: E402

CAPACITY = 1 << 20
OFFSET = 4096


def _count(size: int) -> int:
    return {8: 200_000, 64: 200_000, 4096: 40_000}.get(size, 4_000)


def _send_all(send: Callable[[bytes], Any], n: int, size: int) -> None:
    """The producer's side of every transport: "ready", then ``n`` messages."""
    msg = bytes(size)
    send(b"ready")
    for _ in range(n):
        send(msg)


def _receive_all(target: Callable[..., None], args: Tuple[Any, ...], recv: Callable[[], Any],
                 n: int) -> float:
    """Start the producer ``target(*args)`` in a process of its own, wait for its
    "ready", then time ``n`` receives: messages per second."""
    child = mp.get_context("spawn").Process(target=target, args=args)
    child.start()
    assert recv() == b"ready"
    start = time.perf_counter()
    for _ in range(n):
        recv()
    elapsed = time.perf_counter() - start
    child.join(30)
    return n / elapsed


def _ring_producer(path: str, n: int, size: int) -> None:
    ch = Channel.attach(path, timeout=10)
    tx = ring.RingSender(ch, OFFSET)
    _send_all(tx.send, n, size)
    tx.close()
    ch.close()


def run_ring(n: int, size: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ring.shm")
        ch = Channel.create(path, size=OFFSET + ring.region_size(CAPACITY))
        ring.create(ch.buffer, OFFSET, CAPACITY, 1 << 16)
        rx = ring.RingReceiver(ch, OFFSET)
        try:
            return _receive_all(_ring_producer, (path, n, size), lambda: rx.recv(timeout=30), n)
        finally:
            rx.close()
            ch.close()


def _queue_producer(q: Any, n: int, size: int) -> None:
    _send_all(q.put, n, size)


def run_queue(n: int, size: int) -> float:
    q = mp.get_context("spawn").Queue()
    return _receive_all(_queue_producer, (q, n, size), lambda: q.get(timeout=30), n)


def _pipe_producer(conn: Any, n: int, size: int) -> None:
    _send_all(conn.send_bytes, n, size)


def run_pipe(n: int, size: int) -> float:
    rx, tx = mp.get_context("spawn").Pipe(duplex=False)
    return _receive_all(_pipe_producer, (tx, n, size), rx.recv_bytes, n)


def _ff_producer(q: Any, n: int, size: int) -> None:
    _send_all(lambda m: q.put(m, timeout=30), n, size)


def run_faster_fifo(n: int, size: int) -> float:
    from faster_fifo import Queue  # (pip install 'shm-signal[bench]': the benchmark's only)

    q = Queue(max_size_bytes=CAPACITY)  # the ring's capacity
    return _receive_all(_ff_producer, (q, n, size), lambda: q.get(timeout=30), n)


TRANSPORTS: Dict[str, Callable[[int, int], float]] = {
    "shm-signal ring": run_ring, "mp.Queue": run_queue, "mp.Pipe": run_pipe}
try:
    import faster_fifo  # noqa: F401

    TRANSPORTS["faster-fifo"] = run_faster_fifo
except ImportError:
    pass


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,64,4096,65536", help="message sizes in bytes")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell (the median is shown)")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the default message counts")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    results: Dict[str, Dict[str, float]] = {}
    for size in sizes:
        n = max(100, int(_count(size) * a.scale))
        row = {}
        for name, run in TRANSPORTS.items():  # interleaved: the machine's noise hits all alike
            row[name] = statistics.median(run(n, size) for _ in range(a.repeat))
        results[str(size)] = row
    if a.json:
        print(json.dumps({"messages_per_second": results, "repeat": a.repeat, "scale": a.scale}, indent=2))
        return 0
    names = list(TRANSPORTS)
    print(f"{'size':>7}  " + "  ".join(f"{n:>16}" for n in names) + "".join(
        f"  ring/{n.split('.')[-1]:<6}" for n in names[1:]))
    for size, row in results.items():
        cells = "  ".join(f"{row[n]:>12,.0f} m/s" for n in names)
        ratios = "".join(f"  {row[names[0]] / row[n]:>10.2f}x" for n in names[1:])
        print(f"{size:>7}  {cells}{ratios}")
    if "faster-fifo" not in TRANSPORTS:
        print("faster-fifo: not installed (pip install 'shm-signal[bench]'); iceoryx2: not measured yet")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
