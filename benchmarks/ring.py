"""Message throughput and round-trip latency between processes: shm-signal's message
ring (spec 15, draft) against multiprocessing.Queue, multiprocessing.Pipe,
faster-fifo and iceoryx2 publish-subscribe, in the same run (issue 18).

    python benchmarks/ring.py [--sizes 8,64,4096,65536] [--repeat 3] [--scale 1] [--json]

Three tables, every cell the median over ``--repeat`` runs, the runs of a size
interleaved across transports (this machine's noise then hits all alike):

* throughput, Python to Python: a child process sends N messages of one size, the
  parent receives them all (each as a ``bytes``).  The time is from the child's
  first send to the parent's last receive: the child sends "ready" first and the
  parent starts the clock on it, so start-up is not counted.  Messages per second,
  and the ring's ratio to each alternative.
* round trip, Python to Python: the parent sends a message, a child sends it back
  (fewer rounds than above; the first 20 are a warm-up).  Median and p99 in
  microseconds.  The ring: two rings on one channel file, one per direction, each
  side blocking on its receive (RingReceiver.recv).
* C (POSIX with fork; skipped elsewhere with the reason): ``benchmarks/ring_c.c``,
  built with the machine's C compiler and the C engine's sources.  C to C: a
  producer and a consumer process (fork) over one MAP_SHARED mapping, each
  busy-polling the C ring on SHM_SIGNAL_E_FULL / _EMPTY; the floor: the same bytes
  copied into a ring-sized buffer and out again (two memcpys per message, as the
  ring does), in one process; the ratio floor / C to C.  Python to C: a RingSender
  in this process, the C program the consumer over the same file (waiting on the
  channel, as RingReceiver does).  Messages per second and payload GB/s, timed by
  the consumer from its start signal to its last message.

Every ring has 1 MiB of data (messages up to 64 KiB), in a file on /dev/shm where
there is one.  faster-fifo's queue holds the same 1 MiB.  iceoryx2 (0.10): a
publish-subscribe service of ``Slice[c_uint8]``, history 0, safe overflow off, the
subscriber's buffer as many samples as the ring holds messages of that size
(1 MiB / (8 + size rounded up to 8), at least 2), and the publisher's backpressure
RetryUntilDelivered: a full buffer makes the publisher wait, never drop.  Blocking
receive as iceoryx2's event examples do it: the publisher notifies an event service
after every send; the subscriber takes samples until there is none, then waits on
its Listener.  RetryUntilDelivered waits only for a subscriber that has connected
(received once): before that a full buffer drops samples, and send() returns 0.  So
the producer waits for the parent's "go" (sent once "ready" came), and every send
must reach the subscriber, else the run fails: no message is lost unnoticed.

The alternatives are not the runtime's dependencies (``pip install
'shm-signal[bench]'``); one that is not installed is reported as missing, with the
reason, in the text and in ``--json``, which prints every table, the targets of
issue 18 (Python to Python at 64 B: the ring at least 3x mp.Queue and at least
faster-fifo; C to C at 64 KiB within 2x of the memcpy floor) and what is missing.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "abi" / "c_reference"
sys.path.insert(0, str(ROOT))

from abi import Channel  # noqa: E402
from abi.engine import ring  # noqa: E402
from abi.engine.native import lib_source_paths  # noqa: E402
from abi.toolchain import NoCompilerError, find_c_compiler  # noqa: E402

CAPACITY = 1 << 20
MAX_MESSAGE = 1 << 16
OFFSET = 4096
BACK = OFFSET + ring.region_size(CAPACITY)  # the round trip's second ring (64-aligned)
WARMUP = 20
TIMEOUT = 30.0
# A tmpfs where there is one: the mapping's pages then never go to a disk.
TMP = "/dev/shm" if os.path.isdir("/dev/shm") else None

MISSING: Dict[str, str] = {}  # an alternative not measured: why
try:
    import faster_fifo
except ImportError as exc:
    faster_fifo = None
    MISSING["faster-fifo"] = f"not importable ({exc}; pip install 'shm-signal[bench]')"
try:
    import iceoryx2 as iox2

    iox2.set_log_level(iox2.LogLevel.Error)  # (else every process says it found no config file)
except ImportError as exc:
    iox2 = None
    MISSING["iceoryx2"] = f"not importable ({exc}; pip install 'shm-signal[bench]')"


def _count(size: int) -> int:
    return {8: 200_000, 64: 200_000, 4096: 40_000}.get(size, 20_000)


def _rounds(size: int) -> int:
    return 2_000 if size >= 65536 else 5_000


def _c_count(size: int) -> int:
    return {8: 4_000_000, 64: 4_000_000, 4096: 400_000}.get(size, 40_000)


def _round8(n: int) -> int:
    return (n + 7) & ~7


# -- each transport's two ends ------------------------------------------------------

def _new_ring_file(d: str, rings: Tuple[int, ...]) -> Tuple[str, Channel]:
    path = os.path.join(d, "ring.shm")
    ch = Channel.create(path, size=rings[-1] + ring.region_size(CAPACITY))
    for at in rings:
        ring.create(ch.buffer, at, CAPACITY, MAX_MESSAGE)
    return path, ch


class _Iox:
    """One process's end of iceoryx2 publish-subscribe: a publisher on service
    ``out`` and a subscriber on ``inp`` (either may be None), each with an event
    service of the same name + "/event" for the blocking receive."""

    def __init__(self, out: Optional[str], inp: Optional[str], size: int) -> None:
        assert iox2 is not None
        self.node = iox2.NodeBuilder.new().create(iox2.ServiceType.Ipc)
        slots = max(2, CAPACITY // (8 + _round8(size)))  # as many as the ring holds
        if out is not None:
            svc = self._service(out, slots)
            self.pub = (svc.publisher_builder().initial_max_slice_len(max(size, 8))
                        .backpressure_strategy(iox2.BackpressureStrategy.RetryUntilDelivered).create())
            self.notifier = self._event(out).notifier_builder().create()
        if inp is not None:
            self.sub = self._service(inp, slots).subscriber_builder().buffer_size(slots).create()
            self.listener = self._event(inp).listener_builder().create()

    def _service(self, name: str, slots: int) -> Any:
        return (self.node.service_builder(iox2.ServiceName.new(name))
                .publish_subscribe(iox2.Slice[ctypes.c_uint8])
                .history_size(0).enable_safe_overflow(False).subscriber_max_buffer_size(slots)
                .open_or_create())

    def _event(self, name: str) -> Any:
        return self.node.service_builder(iox2.ServiceName.new(name + "/event")).event().open_or_create()

    def send(self, data: bytes) -> None:
        sample = self.pub.loan_slice_uninit(len(data))
        ctypes.memmove(sample.payload_ptr, data, len(data))
        if sample.assume_init().send() != 1:
            raise RuntimeError("iceoryx2: a sample reached no subscriber")
        self.notifier.notify()

    def recv(self, timeout: float = TIMEOUT) -> Optional[bytes]:
        deadline = time.monotonic() + timeout
        while True:
            sample = self.sub.receive()
            if sample is not None:
                p = sample.payload()
                data = ctypes.string_at(p.data_ptr, p.number_of_elements)
                sample.delete()
                return data
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.listener.timed_wait(iox2.Duration.from_secs_f64(left))


_names = iter(range(1 << 30))


def _iox_name(what: str) -> str:
    return f"shm-signal-bench/{os.getpid()}/{next(_names)}/{what}"


# -- throughput ---------------------------------------------------------------------

def _send_all(send: Callable[[bytes], Any], n: int, size: int, go: Any = None) -> None:
    """The producer's side of every transport: "ready", then ``n`` messages."""
    msg = bytes(size)
    send(b"ready")
    if go is not None:
        go.wait(TIMEOUT)
    for _ in range(n):
        send(msg)


def _receive_all(target: Callable[..., None], args: Tuple[Any, ...], recv: Callable[[], Any],
                 n: int, go: Any = None, done: Any = None,
                 started: Optional[Callable[[], Any]] = None) -> float:
    """Start the producer ``target(*args)`` in a process of its own, wait for its
    "ready", then time ``n`` receives: messages per second.  ``go`` and ``done``
    (events): set once the clock runs and once every message came; ``started``:
    called once the child runs."""
    child = mp.get_context("spawn").Process(target=target, args=args)
    child.start()
    try:
        if started is not None:
            started()
        if recv() != b"ready":
            raise RuntimeError("the producer did not say ready")
        start = time.perf_counter()
        if go is not None:
            go.set()
        for i in range(n):
            if recv() is None:
                raise RuntimeError(f"message {i} of {n} did not come within {TIMEOUT} s")
        elapsed = time.perf_counter() - start
        if done is not None:
            done.set()
        child.join(TIMEOUT)
        if child.exitcode != 0:
            raise RuntimeError(f"the producer exited with {child.exitcode}")
        return n / elapsed
    finally:
        if child.is_alive():
            child.kill()
            child.join()


def _ring_producer(path: str, n: int, size: int) -> None:
    ch = Channel.attach(path, timeout=10)
    tx = ring.RingSender(ch, OFFSET)

    def send(m: bytes) -> None:
        if not tx.send(m, TIMEOUT):
            sys.exit(f"the ring stayed full for {TIMEOUT} s")

    _send_all(send, n, size)
    tx.close()
    ch.close()


def run_ring(n: int, size: int) -> float:
    with tempfile.TemporaryDirectory(dir=TMP) as d:
        path, ch = _new_ring_file(d, (OFFSET,))
        rx = ring.RingReceiver(ch, OFFSET)
        try:
            return _receive_all(_ring_producer, (path, n, size), lambda: rx.recv(timeout=TIMEOUT), n)
        finally:
            rx.close()
            ch.close()


def _queue_producer(q: Any, n: int, size: int) -> None:
    _send_all(q.put, n, size)


def run_queue(n: int, size: int) -> float:
    q = mp.get_context("spawn").Queue()
    return _receive_all(_queue_producer, (q, n, size), lambda: q.get(timeout=TIMEOUT), n)


def _pipe_producer(conn: Any, n: int, size: int) -> None:
    _send_all(conn.send_bytes, n, size)


def run_pipe(n: int, size: int) -> float:
    rx, tx = mp.get_context("spawn").Pipe(duplex=False)
    # (the child has its own copy of tx: closing ours makes its end an EOF here, so
    # no receive needs a timeout, which would cost a poll per message)
    return _receive_all(_pipe_producer, (tx, n, size), rx.recv_bytes, n, started=tx.close)


def _ff_producer(q: Any, n: int, size: int) -> None:
    _send_all(lambda m: q.put(m, timeout=TIMEOUT), n, size)


def run_faster_fifo(n: int, size: int) -> float:
    q = faster_fifo.Queue(max_size_bytes=CAPACITY)  # the ring's capacity
    return _receive_all(_ff_producer, (q, n, size), lambda: q.get(timeout=TIMEOUT), n)


def _iox_producer(name: str, n: int, size: int, go: Any, done: Any) -> None:
    end = _Iox(name, None, size)
    _send_all(end.send, n, size, go)
    done.wait(TIMEOUT)  # a publisher that goes takes its undelivered samples with it


def run_iceoryx2(n: int, size: int) -> float:
    name = _iox_name("throughput")
    end = _Iox(None, name, size)  # the subscriber first: the producer's samples find it
    ctx = mp.get_context("spawn")
    go, done = ctx.Event(), ctx.Event()
    return _receive_all(_iox_producer, (name, n, size, go, done), end.recv, n, go, done)


# -- round trip ---------------------------------------------------------------------

def _echo(recv: Callable[[], Any], send: Callable[[bytes], Any]) -> None:
    """The child's side of every round trip: "ready", then send back what comes
    until "bye"."""
    send(b"ready")
    while True:
        m = recv()
        if m is None:
            sys.exit("the round trip stalled")
        if m == b"bye":
            return
        send(m)


def _ping(target: Callable[..., None], args: Tuple[Any, ...], send: Callable[[bytes], Any],
          recv: Callable[[], Any], rounds: int, size: int,
          started: Optional[Callable[[], Any]] = None) -> Tuple[float, float]:
    """Start the echo ``target(*args)``, wait for its "ready", then time ``rounds``
    round trips after the warm-up: (median, p99) in microseconds."""
    child = mp.get_context("spawn").Process(target=target, args=args)
    child.start()
    try:
        if started is not None:
            started()
        if recv() != b"ready":
            raise RuntimeError("the echo did not say ready")
        msg, clock, ns = bytes(size), time.perf_counter_ns, []
        for i in range(WARMUP + rounds):
            t0 = clock()
            send(msg)
            if recv() is None:
                raise RuntimeError(f"round {i}: no answer within {TIMEOUT} s")
            ns.append(clock() - t0)
        send(b"bye")
        child.join(TIMEOUT)
        if child.exitcode != 0:
            raise RuntimeError(f"the echo exited with {child.exitcode}")
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    ns = sorted(ns[WARMUP:])
    return statistics.median(ns) / 1000, ns[min(len(ns) - 1, int(len(ns) * 0.99))] / 1000


def _ring_echo(path: str) -> None:
    ch = Channel.attach(path, timeout=10)
    rx, tx = ring.RingReceiver(ch, OFFSET), ring.RingSender(ch, BACK)
    _echo(lambda: rx.recv(timeout=TIMEOUT), lambda m: tx.send(m, TIMEOUT))
    rx.close()
    tx.close()
    ch.close()


def ping_ring(rounds: int, size: int) -> Tuple[float, float]:
    with tempfile.TemporaryDirectory(dir=TMP) as d:
        path, ch = _new_ring_file(d, (OFFSET, BACK))
        tx, rx = ring.RingSender(ch, OFFSET), ring.RingReceiver(ch, BACK)
        try:
            return _ping(_ring_echo, (path,), lambda m: tx.send(m, TIMEOUT),
                         lambda: rx.recv(timeout=TIMEOUT), rounds, size)
        finally:
            tx.close()
            rx.close()
            ch.close()


def _queue_echo(there: Any, back: Any) -> None:
    _echo(lambda: there.get(timeout=TIMEOUT), back.put)


def ping_queue(rounds: int, size: int) -> Tuple[float, float]:
    ctx = mp.get_context("spawn")
    there, back = ctx.Queue(), ctx.Queue()
    return _ping(_queue_echo, (there, back), there.put, lambda: back.get(timeout=TIMEOUT), rounds, size)


def _pipe_echo(conn: Any) -> None:
    _echo(conn.recv_bytes, conn.send_bytes)


def ping_pipe(rounds: int, size: int) -> Tuple[float, float]:
    mine, theirs = mp.get_context("spawn").Pipe()
    return _ping(_pipe_echo, (theirs,), mine.send_bytes, mine.recv_bytes, rounds, size, started=theirs.close)


def _ff_echo(there: Any, back: Any) -> None:
    _echo(lambda: there.get(timeout=TIMEOUT), lambda m: back.put(m, timeout=TIMEOUT))


def ping_faster_fifo(rounds: int, size: int) -> Tuple[float, float]:
    there, back = (faster_fifo.Queue(max_size_bytes=CAPACITY) for _ in range(2))
    return _ping(_ff_echo, (there, back), lambda m: there.put(m, timeout=TIMEOUT),
                 lambda: back.get(timeout=TIMEOUT), rounds, size)


def _iox_echo(there: str, back: str, size: int) -> None:
    end = _Iox(back, there, size)
    _echo(end.recv, end.send)


def ping_iceoryx2(rounds: int, size: int) -> Tuple[float, float]:
    there, back = _iox_name("there"), _iox_name("back")
    end = _Iox(there, back, size)
    return _ping(_iox_echo, (there, back, size), end.send, end.recv, rounds, size)


RING = "shm-signal ring"
# name: (throughput, round trip)
TRANSPORTS: Dict[str, Tuple[Callable[[int, int], float], Callable[[int, int], Tuple[float, float]]]] = {
    RING: (run_ring, ping_ring), "mp.Queue": (run_queue, ping_queue), "mp.Pipe": (run_pipe, ping_pipe)}
if faster_fifo is not None:
    TRANSPORTS["faster-fifo"] = (run_faster_fifo, ping_faster_fifo)
if iox2 is not None:
    TRANSPORTS["iceoryx2"] = (run_iceoryx2, ping_iceoryx2)


# -- C ------------------------------------------------------------------------------

def build_c(out_dir: Path) -> Path:
    exe = out_dir / "ring_c"
    find_c_compiler().build(ROOT / "benchmarks" / "ring_c.c", exe, include_dirs=[C_DIR],
                            extra=["-O2", *map(str, lib_source_paths())])
    return exe


def _c_rate(argv: List[str]) -> float:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:3])}: {out.stderr.strip() or out.stdout.strip()}")
    kv = dict(tok.split("=", 1) for tok in out.stdout.split() if "=" in tok)
    return int(kv["messages"]) / float(kv["seconds"])


def c_to_c(exe: Path, n: int, size: int) -> float:
    return _c_rate([str(exe), "c2c", str(size), str(n), str(CAPACITY)])


def memcpy_floor(exe: Path, n: int, size: int) -> float:
    return _c_rate([str(exe), "memcpy", str(size), str(n), str(CAPACITY)])


def python_to_c(exe: Path, n: int, size: int) -> float:
    """A RingSender here, the C program the consumer: it times from "ready" to its
    last message."""
    with tempfile.TemporaryDirectory(dir=TMP) as d:
        path, ch = _new_ring_file(d, (OFFSET,))
        proc = subprocess.Popen([str(exe), "consume", path, str(OFFSET), str(size), str(n)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            if not ch.wait_for_peer(10):
                raise RuntimeError("the C consumer did not attach")
            tx = ring.RingSender(ch, OFFSET)
            msg, send = bytes(size), tx.send
            if not send(b"ready", TIMEOUT) or not all(send(msg, TIMEOUT) for _ in range(n)):
                raise RuntimeError(f"the ring stayed full for {TIMEOUT} s")
            tx.close()
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            ch.close()
        if proc.returncode != 0:
            raise RuntimeError(f"the C consumer: {err.strip() or out.strip()}")
        kv = dict(tok.split("=", 1) for tok in out.split() if "=" in tok)
        return int(kv["messages"]) / float(kv["seconds"])


C_CASES: Dict[str, Callable[[Path, int, int], float]] = {
    "C to C": c_to_c, "memcpy floor": memcpy_floor, "Python to C": python_to_c}


def c_unavailable() -> Optional[str]:
    if os.name != "posix" or not hasattr(os, "fork"):
        return f"needs fork and MAP_SHARED | MAP_ANONYMOUS (POSIX); this is {sys.platform}"
    return None


# -- the run ------------------------------------------------------------------------

def _median(values: List[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def measure_c(sizes: List[int], repeat: int, scale: float, attempt: Callable[[str, Callable[[], Any]], Any],
              errors: List[str], missing: Dict[str, str]) -> Dict[str, Dict[str, Optional[Dict[str, float]]]]:
    """The C table: {size: {case: {"messages_per_second", "gb_per_second"}}}; {} with
    every case in ``missing`` where the C program cannot run or be built."""
    c: Dict[str, Dict[str, Optional[Dict[str, float]]]] = {}
    why = c_unavailable()
    with tempfile.TemporaryDirectory() as work:
        exe = None
        if why is None:
            try:
                exe = build_c(Path(work))
            except NoCompilerError as exc:  # (a machine without one: missing, not broken)
                why = str(exc)
            except Exception as exc:
                errors.append(f"building benchmarks/ring_c.c: {type(exc).__name__}: {exc}")
                why = "benchmarks/ring_c.c did not build (see errors)"
        if exe is None:
            for case in C_CASES:
                missing[case] = why or "?"
            return c
        for size in sizes:
            n_c, n_py = max(100, int(_c_count(size) * scale)), max(100, int(_count(size) * scale))
            got: Dict[str, List[float]] = {case: [] for case in C_CASES}
            for _ in range(repeat):  # interleaved, as above
                for case, fn in C_CASES.items():
                    count = n_py if case == "Python to C" else n_c
                    r = attempt(f"{case}, {size} B", partial(fn, exe, count, size))
                    if r is not None:
                        got[case].append(r)
            row: Dict[str, Optional[Dict[str, float]]] = {}
            for case, v in got.items():
                m = _median(v)
                row[case] = None if m is None else {"messages_per_second": m, "gb_per_second": m * size / 1e9}
            c[str(size)] = row
    return c


def measure(sizes: List[int], repeat: int, scale: float) -> Dict[str, Any]:
    errors: List[str] = []
    missing = dict(MISSING)

    def attempt(what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # (a failed cell is reported, and the others still run)
            errors.append(f"{what}: {type(exc).__name__}: {exc}")
            return None

    rates: Dict[str, Dict[str, Optional[float]]] = {}
    trips: Dict[str, Dict[str, Optional[Dict[str, float]]]] = {}
    for size in sizes:
        n, rounds = max(100, int(_count(size) * scale)), max(50, int(_rounds(size) * scale))
        got: Dict[str, List[float]] = {name: [] for name in TRANSPORTS}
        lat: Dict[str, List[Tuple[float, float]]] = {name: [] for name in TRANSPORTS}
        for _ in range(repeat):  # interleaved: the machine's noise hits all alike
            for name, (run, ping) in TRANSPORTS.items():
                r = attempt(f"{name} throughput, {size} B", partial(run, n, size))
                if r is not None:
                    got[name].append(r)
                t = attempt(f"{name} round trip, {size} B", partial(ping, rounds, size))
                if t is not None:
                    lat[name].append(t)
        rates[str(size)] = {name: _median(v) for name, v in got.items()}
        trips[str(size)] = {name: {"median": statistics.median(m for m, _ in v),
                                   "p99": statistics.median(p for _, p in v)} if v else None
                            for name, v in lat.items()}
    c = measure_c(sizes, repeat, scale, attempt, errors, missing)
    out = {"repeat": repeat, "scale": scale, "transports": list(TRANSPORTS), "missing": missing,
           "messages_per_second": rates, "round_trip_us": trips, "c": c, "errors": errors}
    out["targets"] = targets(out)
    return out


def targets(out: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Issue 18's targets: each met (True), not met (False) or not measured (None,
    with the reason), and the measured ratio."""
    res = []

    def ratio(row: Optional[Dict[str, Any]], a: str, b: str) -> Tuple[Optional[float], Optional[str]]:
        for name in (a, b):
            if name in out["missing"]:
                return None, f"{name}: {out['missing'][name]}"
        if row is None:
            return None, "that size was not measured (--sizes)"
        for name in (a, b):
            if row.get(name) is None:
                return None, f"{name}: no result (see errors)"
        va, vb = row[a], row[b]
        if isinstance(va, dict):
            va, vb = va["messages_per_second"], vb["messages_per_second"]
        return va / vb, None

    py = out["messages_per_second"].get("64")
    for alt, need in (("mp.Queue", 3.0), ("faster-fifo", 1.0)):
        r, why = ratio(py, RING, alt)
        res.append({"target": f"Python to Python, 64 B: ring >= {need:g}x {alt}", "ratio": r, "need": need,
                    "at_most": False, "met": None if r is None else r >= need, "why": why})
    r, why = ratio(out["c"].get("65536"), "memcpy floor", "C to C")
    res.append({"target": "C to C, 64 KiB: within 2x of the memcpy floor (floor / C to C <= 2)", "ratio": r,
                "need": 2.0, "at_most": True, "met": None if r is None else r <= 2.0, "why": why})
    return res


def report(out: Dict[str, Any]) -> None:
    names = out["transports"]
    w = max(16, *map(len, names))
    print("Throughput, Python to Python (messages/s; the ring's ratio to each)")
    print(f"{'size':>7}  " + "  ".join(f"{n:>{w}}" for n in names)
          + "".join(f"  {'ring/' + n.split('.')[-1]:>16}" for n in names[1:]))
    for size, row in out["messages_per_second"].items():
        cells = "  ".join(f"{row[n]:>{w},.0f}" if row[n] else f"{'error':>{w}}" for n in names)
        ratios = "".join(f"  {row[RING] / row[n]:>15.2f}x" if row[RING] and row[n] else f"  {'-':>16}"
                         for n in names[1:])
        print(f"{size:>7}  {cells}{ratios}")
    print("\nRound trip, Python to Python (microseconds: median / p99)")
    print(f"{'size':>7}  " + "  ".join(f"{n:>{w}}" for n in names))
    for size, row in out["round_trip_us"].items():
        print(f"{size:>7}  " + "  ".join(
            f"{row[n]['median']:>{w - 10}.1f} / {row[n]['p99']:>7.1f}" if row[n] else f"{'error':>{w}}"
            for n in names))
    if out["c"]:
        print("\nC (benchmarks/ring_c.c): messages/s, payload GB/s")
        cases = list(C_CASES)
        print(f"{'size':>7}  " + "  ".join(f"{c:>24}" for c in cases) + f"  {'floor / C to C':>15}")
        for size, row in out["c"].items():
            cells = "  ".join(f"{row[c]['messages_per_second']:>14,.0f} {row[c]['gb_per_second']:>6.2f} GB/s"
                              if row[c] else f"{'error':>24}" for c in cases)
            fl, cc = row["memcpy floor"], row["C to C"]
            r = (f"{fl['messages_per_second'] / cc['messages_per_second']:>14.2f}x" if fl and cc
                 else f"{'-':>15}")
            print(f"{size:>7}  {cells}  {r}")
    print()
    for t in out["targets"]:
        if t["met"] is None:
            print(f"target: {t['target']}: not measured ({t['why']})")
        else:
            print(f"target: {t['target']}: {'met' if t['met'] else 'NOT met'} ({t['ratio']:.2f}x)")
    for name, why in out["missing"].items():
        print(f"missing: {name}: {why}")
    for e in out["errors"]:
        print(f"error: {e}")


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,64,4096,65536", help="message sizes in bytes")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell (the median is shown)")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the default message counts")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    if any(not 8 <= s <= MAX_MESSAGE for s in sizes):
        ap.error(f"sizes from 8 to {MAX_MESSAGE}")  # (8: room for "ready" and "bye")
    out = measure(sizes, a.repeat, a.scale)
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
