"""Two-process round trips: the shm-signal Python engine against the usual Python IPC.

    python benchmarks/pingpong.py [--iterations N] [--json]

Every mechanism is measured in the same run, the same way: a parent process sends,
a child echoes, the parent times each round trip with perf_counter_ns; the table
gives the median and the 99th percentile in microseconds.  Also measured: the cost
of an inject that needs no wake-up, and how many kernel wake calls a burst of
10^6 injects to a busy receiver costs.  These machines are shared and noisy: quote
medians and ratios from one run, not absolute numbers across runs.
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
from typing import Any, Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abi import layout  # noqa: E402
from abi.engine import NORTH, Channel  # noqa: E402
from abi.wake import supported_features  # noqa: E402

CTX = mp.get_context("fork")
SPIN_FOREVER = 3600.0  # "both sides active": never park


def _stats(samples_ns: List[int]) -> Dict[str, float]:
    s = sorted(samples_ns)
    return {"median_us": statistics.median(s) / 1e3, "p99_us": s[min(len(s) - 1, int(len(s) * 0.99))] / 1e3}


def _timed(n: int, warmup: int, once: Callable[[], None]) -> List[int]:
    for _ in range(warmup):
        once()
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t = clock()
        once()
        out.append(clock() - t)
    return out


# ---------------------------------------------------------------- shm-signal engine

def _engine_echo(path: str, total: int, spin: float) -> None:
    with Channel.attach(path, timeout=10, spin=spin) as ch:
        owed, done = ch.enable(), 0  # a ping consumed by enable is answered first
        while True:
            while owed:
                ch.inject()
                owed, done = owed - 1, done + 1
            if done >= total:
                break
            owed += ch.poll(10)
        time.sleep(0.1)


def engine_round_trip(n: int, warmup: int, spin: float) -> List[int]:
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "chan")
        ch = Channel.create(path, NORTH, spin=spin)
        child = CTX.Process(target=_engine_echo, args=(path, n + warmup, spin))
        child.start()
        ch.wait_for_peer(10)
        ch.enable()

        def once() -> None:
            ch.inject()
            while ch.poll(10) == 0:
                pass

        try:
            return _timed(n, warmup, once)
        finally:
            child.join(10)
            ch.close()


# ---------------------------------------------------------------- the alternatives

def _pipe_echo(r: int, w: int, total: int) -> None:
    for _ in range(total):
        os.read(r, 1)
        os.write(w, b"x")


def pipe_round_trip(n: int, warmup: int) -> List[int]:
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    child = CTX.Process(target=_pipe_echo, args=(r1, w2, n + warmup))
    child.start()

    def once() -> None:
        os.write(w1, b"x")
        os.read(r2, 1)

    try:
        return _timed(n, warmup, once)
    finally:
        child.join(10)
        for fd in (r1, w1, r2, w2):
            os.close(fd)


def _eventfd_echo(a: int, b: int, total: int) -> None:
    for _ in range(total):
        os.eventfd_read(a)  # type: ignore[attr-defined]
        os.eventfd_write(b, 1)  # type: ignore[attr-defined]


def eventfd_round_trip(n: int, warmup: int) -> List[int]:
    a, b = os.eventfd(0), os.eventfd(0)  # type: ignore[attr-defined]
    child = CTX.Process(target=_eventfd_echo, args=(a, b, n + warmup))
    child.start()

    def once() -> None:
        os.eventfd_write(a, 1)  # type: ignore[attr-defined]
        os.eventfd_read(b)  # type: ignore[attr-defined]

    try:
        return _timed(n, warmup, once)
    finally:
        child.join(10)
        os.close(a)
        os.close(b)


def _event_echo(ping: Any, pong: Any, total: int) -> None:
    for _ in range(total):
        ping.wait()
        ping.clear()
        pong.set()


def mp_event_round_trip(n: int, warmup: int) -> List[int]:
    ping, pong = CTX.Event(), CTX.Event()
    child = CTX.Process(target=_event_echo, args=(ping, pong, n + warmup))
    child.start()

    def once() -> None:
        ping.set()
        pong.wait()
        pong.clear()

    try:
        return _timed(n, warmup, once)
    finally:
        child.join(10)


def _conn_echo(conn: Any, total: int) -> None:
    for _ in range(total):
        conn.send_bytes(conn.recv_bytes())


def mp_pipe_round_trip(n: int, warmup: int) -> List[int]:
    a, b = CTX.Pipe()
    child = CTX.Process(target=_conn_echo, args=(b, n + warmup))
    child.start()

    def once() -> None:
        a.send_bytes(b"x")
        a.recv_bytes()

    try:
        return _timed(n, warmup, once)
    finally:
        child.join(10)


# ---------------------------------------------------------------- injects

def inject_without_wake(n: int) -> List[int]:
    """Per-inject cost when no wake-up is needed (the peer already has one pending):
    timed in batches of 1000 to keep the clock out of it."""
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "chan")
        with Channel.create(path, NORTH) as a, Channel.attach(path) as b:
            b.enable()
            a.inject()  # sets pending: every later inject stays in user space
            batch = 1000
            out = []
            inject = a.inject
            for _ in range(max(1, n // batch)):
                t = time.perf_counter_ns()
                for _ in range(batch):
                    inject()
                out.append((time.perf_counter_ns() - t) // batch)
            assert a.stats["notifications"] <= 1  # 0 with WAITER_FLAG: b never parked
            return out


def _busy_receiver(path: str, stop_after: float) -> None:
    """Busy: each batch of work takes 20 us, and between batches it looks for more
    without parking (it is working, not sleeping)."""
    work = [0]

    def notifier() -> None:
        end = time.perf_counter() + 20e-6
        while time.perf_counter() < end:
            work[0] += 1

    with Channel.attach(path, timeout=10, notifier=notifier, spin=SPIN_FOREVER) as ch:
        ch.enable()
        deadline = time.monotonic() + stop_after
        while time.monotonic() < deadline:
            ch.poll(0.05)


def burst_wake_calls(count: int, features: Optional[int] = None) -> Tuple[int, float]:
    """Kernel wake calls made by ``count`` back-to-back injects to a busy receiver."""
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "chan")
        with Channel.create(path, NORTH, features=features) as ch:
            child = CTX.Process(target=_busy_receiver, args=(path, 60.0))
            child.start()
            ch.wait_for_peer(10)
            time.sleep(0.2)  # let it enable
            t = time.perf_counter()
            inject = ch.inject
            for _ in range(count):
                inject()
            elapsed = time.perf_counter() - t
            wakes = ch.stats["notifications"]
            child.kill()
            child.join(10)
            return wakes, elapsed


def run(n: int, warmup: int) -> Dict[str, Dict[str, float]]:
    results: Dict[str, Dict[str, float]] = {}
    mechanisms: List[Tuple[str, Callable[[], List[int]]]] = [
        ("shm-signal spinning", lambda: engine_round_trip(n, warmup, SPIN_FOREVER)),
        ("shm-signal parked", lambda: engine_round_trip(n, warmup, 0.0)),
        ("os.pipe", lambda: pipe_round_trip(n, warmup)),
        ("multiprocessing.Event", lambda: mp_event_round_trip(n, warmup)),
        ("multiprocessing.Pipe", lambda: mp_pipe_round_trip(n, warmup)),
    ]
    if hasattr(os, "eventfd"):
        mechanisms.insert(3, ("os.eventfd", lambda: eventfd_round_trip(n, warmup)))
    for name, fn in mechanisms:
        print(f"  measuring {name} ...", file=sys.stderr)
        results[name] = _stats(fn())
    results["inject, no wake-up needed"] = _stats(inject_without_wake(n * 10))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--burst", type=int, default=1_000_000, help="injects in the burst test")
    ap.add_argument("--json", action="store_true", help="print {mechanism: {median_us, p99_us}}")
    ap.add_argument("--cpus", default="",
                    help="pin both processes to these CPUs, e.g. 0 (same-CPU hand-offs) or 0,1 "
                         "(Linux): the parked results depend on placement, so compare like with like")
    args = ap.parse_args()
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})  # children inherit it
    results = run(args.iterations, args.warmup)
    bursts = {
        "with WAITER_FLAG": burst_wake_calls(args.burst),
        "pending only (no WAITER_FLAG)": burst_wake_calls(
            args.burst, supported_features() & ~layout.FEATURE_WAITER_FLAG),
    }
    pipe = results["os.pipe"]["median_us"]
    if args.json:
        out: Dict[str, Any] = dict(results)
        out["burst"] = {name: {"injects": args.burst, "kernel_wake_calls": w, "seconds": t}
                        for name, (w, t) in bursts.items()}
        print(json.dumps(out, indent=2))
        return 0
    print(f"{'mechanism (two-process round trip)':<36} {'median us':>10} {'p99 us':>10} {'x os.pipe':>10}")
    for name, r in results.items():
        ratio = f"{r['median_us'] / pipe:.2f}" if "inject" not in name else ""
        print(f"{name:<36} {r['median_us']:>10.2f} {r['p99_us']:>10.2f} {ratio:>10}")
    print()
    for name, (wakes, elapsed) in bursts.items():
        print(f"burst of {args.burst} injects to a busy receiver, {name}: {wakes} kernel wake calls "
              f"({elapsed:.2f} s)")
    print(f"targets: spinning median <= 2 us; parked <= 1.3 x os.pipe "
          f"(here {results['shm-signal parked']['median_us'] / pipe:.2f}); inject without wake-up <= 1 us; "
          "burst < 100 wake calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
