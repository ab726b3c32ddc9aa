"""Many channels in one file: memory, idle cost and wake-up latency of abi.WaitSet.

    python benchmarks/channels.py [--counts 1,16,256,1024] [--iterations N] [--idle S] [--json]

For each count N, N channels are created in one file (descriptor i at offset i * 192)
by this process (the waiter) and attached by a forked peer process, then:

* memory: growth of VmRSS and VmSize (/proc/self/status), open descriptors and
  descriptors of the file, and lines of /proc/self/maps naming the file, with the N
  channels open and a WaitSet registered and parked once (its helper threads, if
  any, running);
* idle: one ws.wait(idle) while the peer is attached and silent; process CPU time
  (time.process_time and os.times, children excluded) and voluntary context switches
  summed over this process's threads (/proc/self/task/*/status), with the default
  liveness_interval and with one longer than the idle period.  A time.sleep(idle)
  costs one switch itself: wake-ups are the switches beyond that baseline;
* latency: the peer injects on a random channel (random.Random(seed)) and waits for
  the reply on that channel; the waiter, parked in ws.wait(), polls the ready
  channel and its notifier injects back.  The peer times each round trip with
  perf_counter_ns.  Twice more with the same set: the pings on 16 of the N channels
  only (what the wait costs, apart from touching N channels' memory and Python
  objects in both processes), and with futex_waitv forced where the set parks on
  the doorbell.  The same ping-pong, in the same run, over: one channel with
  plain poll on both sides, multiprocessing.connection.wait over N Pipe()s,
  selectors.DefaultSelector over N os.pipe()s, asyncio add_reader over N os.pipe()s,
  and shm-signal asyncio (one task per channel awaiting ch.poll_async()).

spin=0 everywhere: every wait parks.  The waiter and every peer run on one CPU each
(``--placement free``: where the OS puts them, which makes one parked round trip
3-4 times another as the two land on one CPU or two).  Medians and p99 in microseconds; these
machines are shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import selectors
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from functools import partial
from multiprocessing import connection
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import abi  # noqa: E402
from abi.engine.waitset import _library, waitv_available  # noqa: E402
from abi.layout import DESC_SIZE  # noqa: E402

CTX = mp.get_context("fork")
SEED = 20240607
WARMUP = 200
DEADLINE = 300.0  # seconds one measurement may take before it is abandoned
ASYNC_MAX = 256  # shm-signal asyncio (one task per channel) is measured up to this many channels
FD_TARGET, MAP_TARGET = 2, 1
HOT = 16  # the pings of the "waitset_hot" row go to this many channels of the N
MECHS = {"waitset": "shm-signal WaitSet over N",
         "waitset_hot": f"  the same, pings on {HOT} of the N",
         "waitset_waitv": "  the same, futex_waitv forced",
         "single": "shm-signal 1 channel, plain poll",
         "mp_wait": "mp.connection.wait over N Pipe", "selectors": "selectors over N os.pipe",
         "asyncio_pipes": "asyncio add_reader over N pipes", "shm_asyncio": "shm-signal poll_async, N tasks"}
Result = Dict[str, Any]
PLACEMENT = "split"  # --placement: waiter and peer on one CPU each, or where the OS puts them


# ---------------------------------------------------------------- /proc


def _status() -> Dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmSize"):
            out[key] = int(value.split()[0])
    return out


def _voluntary_switches() -> int:
    total = 0
    for task in Path("/proc/self/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that just ended
    return total


def _fds(path: Optional[str] = None) -> int:
    names = os.listdir("/proc/self/fd")
    if path is None:
        return len(names)
    n = 0
    for name in names:
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/self/fd/{name}") == path
    return n


def _maps(path: str) -> int:
    return sum(path in line for line in Path("/proc/self/maps").read_text().splitlines())


def _idle(wait: Callable[[], Any]) -> Dict[str, float]:
    cpu, t, sw, wall = time.process_time(), os.times(), _voluntary_switches(), time.monotonic()
    wait()
    t2 = os.times()
    return {"wall_s": time.monotonic() - wall, "cpu_s": time.process_time() - cpu,
            "os_times_cpu_s": (t2.user - t.user) + (t2.system - t.system),
            "voluntary_switches": _voluntary_switches() - sw}


# ---------------------------------------------------------------- the peer


def _split_cpus() -> Optional[Tuple[int, int]]:
    """The two CPUs the waiter and the peer are pinned to (--placement split), or None."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return (cpus[0], cpus[1]) if PLACEMENT == "split" and len(cpus) >= 2 else None


def _peer(kind: str, conn: Any, n: int, payload: Any) -> None:
    """Set up the peer side, say ready, then time (warmup + iterations) round trips
    on random channels when told to; send the samples back."""
    split = _split_cpus()
    if split:
        os.sched_setaffinity(0, {split[1]})
    if kind == "shm":
        replies = [0]

        def note() -> None:
            replies[0] += 1

        chans = [abi.Channel.attach(payload, offset=i * DESC_SIZE, timeout=10, spin=0.0, notifier=note)
                 for i in range(n)]
        for ch in chans:
            ch.enable()

        def ping(i: int) -> None:
            want, ch = replies[0] + 1, chans[i]
            ch.inject()
            while replies[0] < want:
                ch.poll(10)
    elif kind == "conn":
        conns = payload

        def ping(i: int) -> None:
            conns[i].send_bytes(b"x")
            conns[i].recv_bytes()
    else:
        up, down = payload

        def ping(i: int) -> None:
            os.write(up[i], b"x")
            os.read(down[i], 1)
    conn.send("ready")
    rng, clock = random.Random(SEED), time.perf_counter_ns
    while True:
        msg = conn.recv()
        if not isinstance(msg, tuple):
            break  # "bye": the parent is done; only now may the channels close
        warmup, iterations, among = msg
        out: List[int] = []
        for _ in range(warmup + iterations):
            i = rng.randrange(among)
            t = clock()
            ping(i)
            out.append(clock() - t)
        conn.send(out[warmup:])


class Peer:
    def __init__(self, kind: str, n: int, payload: Any) -> None:
        self.n = n
        self.conn, child = CTX.Pipe()
        self.proc = CTX.Process(target=_peer, args=(kind, child, n, payload), daemon=True)
        self.proc.start()
        child.close()
        try:
            self._recv()
        except BaseException:
            self.stop()
            raise

    def _recv(self) -> Any:
        if not self.conn.poll(DEADLINE):
            raise RuntimeError("the peer did not answer")
        return self.conn.recv()

    def run(self, serve: Callable[[int], None], iterations: int, among: Optional[int] = None) -> Result:
        """Time round trips on random channels (of the first ``among``, default all)."""
        self.conn.send((WARMUP, iterations, among or self.n))
        serve(WARMUP + iterations)
        s = sorted(self._recv())
        p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
        return {"median_us": statistics.median(s) / 1e3, "p99_us": p99 / 1e3,
                "iterations": len(s)}

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send("bye")
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(10)
        self.conn.close()


def _deadline_check(start: float) -> None:
    if time.monotonic() - start > DEADLINE:
        raise RuntimeError("a measurement overran its deadline")


# ---------------------------------------------------------------- shm-signal


@contextmanager
def _shm(path: str, n: int) -> Iterator[Tuple[List[Any], List[int], Peer, int]]:
    """n channels whose notifiers reply on their channel (counting in served), a
    peer attached to all of them, and the descriptors that peer's plumbing took."""
    chans: List[Any] = []
    served = [0]

    def reply(i: int) -> None:
        chans[i].inject()
        served[0] += 1

    try:
        for i in range(n):
            chans.append(abi.Channel.create(path, abi.LOCALITY_NORTH, offset=i * DESC_SIZE,
                                            size=n * DESC_SIZE, exist_ok=True, spin=0.0,
                                            notifier=lambda i=i: reply(i)))
        fds = _fds()
        peer = Peer("shm", n, path)
        try:
            fds = _fds() - fds
            for ch in chans:
                assert ch.wait_for_peer(10)
                ch.enable()
            yield chans, served, peer, fds
        finally:
            peer.stop()
    finally:
        for ch in chans:
            ch.close()


def shm_phase(d: str, n: int, iterations: int,
              idle: float) -> Tuple[Result, Result, Result, Result, Optional[Result], str]:
    """Memory, idle cost and WaitSet latency over n channels."""
    path = os.path.join(d, f"many{n}.shm")
    base, fds0 = _status(), _fds()
    with _shm(path, n) as (chans, served, peer, peer_fds), abi.WaitSet(chans) as ws:
        ws.wait(0.05)  # the first liveness checks; the helper threads start
        idle_default = _idle(lambda: ws.wait(idle))
        now = _status()
        memory = {"rss_kb": now["VmRSS"] - base["VmRSS"], "vmsize_kb": now["VmSize"] - base["VmSize"],
                  "fds": _fds() - fds0 - peer_fds, "fds_of_file": _fds(path), "maps_of_file": _maps(path),
                  "threads": len(os.listdir("/proc/self/task"))}
        memory.update({f"{k}_per_channel": memory[k] / n for k in ("rss_kb", "vmsize_kb", "fds")})

        def serve(total: int) -> None:
            start = time.monotonic()
            while served[0] < total:
                for ch in ws.wait(10):
                    ch.poll(0)
                _deadline_check(start)

        latency = peer.run(serve, iterations)
        mechanism = ws.mechanism
        # The same set, the pings on 16 of its channels only: what the wait itself costs
        # over N, apart from touching N channels' memory and objects in both processes.
        served[0] = 0
        hot = peer.run(serve, iterations, among=min(n, HOT))
        waitv: Optional[Result] = None
        if mechanism != "futex_waitv" and waitv_available(_library()):
            # The same round trips with the doorbell's predecessor, in the same run
            served[0] = 0
            ws.close()
            with abi.WaitSet(chans, mechanism="futex_waitv") as ws:
                waitv = peer.run(serve, iterations)
        for ch in chans:
            ch.liveness_interval = idle + 60.0
        with abi.WaitSet(chans) as ws2:
            ws2.wait(0.05)
            idle_long = _idle(lambda: ws2.wait(idle))
    idle_cost = {"default_liveness": idle_default, "long_liveness": idle_long}
    return memory, idle_cost, latency, hot, waitv, mechanism


def single_channel(d: str, iterations: int) -> Result:
    with _shm(os.path.join(d, "single.shm"), 1) as (chans, served, peer, _):
        def serve(total: int) -> None:
            start = time.monotonic()
            while served[0] < total:
                chans[0].poll(10)
                _deadline_check(start)

        return peer.run(serve, iterations)


def shm_asyncio(d: str, n: int, iterations: int) -> Result:
    with _shm(os.path.join(d, f"async{n}.shm"), n) as (chans, served, peer, _):
        def serve(total: int) -> None:
            async def main() -> None:
                done = asyncio.get_running_loop().create_future()

                async def task(ch: Any) -> None:
                    while True:
                        await ch.poll_async()
                        if served[0] >= total and not done.done():
                            done.set_result(None)

                tasks = [asyncio.ensure_future(task(ch)) for ch in chans]
                try:
                    await asyncio.wait_for(done, DEADLINE)
                finally:
                    for t in tasks:
                        t.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)

            asyncio.run(main())

        return peer.run(serve, iterations)


# ---------------------------------------------------------------- the usual IPC


def mp_wait(n: int, iterations: int) -> Result:
    pairs = [CTX.Pipe() for _ in range(n)]
    mine = [a for a, _ in pairs]
    peer = Peer("conn", n, [b for _, b in pairs])
    try:
        for _, b in pairs:
            b.close()

        def serve(total: int) -> None:
            done, start = 0, time.monotonic()
            while done < total:
                for c in connection.wait(mine, 10):
                    c.send_bytes(c.recv_bytes())  # type: ignore[union-attr]
                    done += 1
                _deadline_check(start)

        return peer.run(serve, iterations)
    finally:
        peer.stop()
        for a in mine:
            a.close()


def pipes(n: int, iterations: int, use_asyncio: bool) -> Result:
    """selectors.DefaultSelector, or asyncio's add_reader, over n 1-byte ping-pong pipes."""
    up, down = [os.pipe() for _ in range(n)], [os.pipe() for _ in range(n)]
    peer = Peer("pipe", n, ([w for _, w in up], [r for r, _ in down]))
    reply = {r: down[i][1] for i, (r, _) in enumerate(up)}
    try:
        for (_, w), (r, _) in zip(up, down):
            os.close(w)
            os.close(r)

        def selector_serve(total: int) -> None:
            done, start = 0, time.monotonic()
            with selectors.DefaultSelector() as sel:
                for fd in reply:
                    sel.register(fd, selectors.EVENT_READ)
                while done < total:
                    for key, _ in sel.select(10):
                        os.read(key.fd, 1)  # type: ignore[arg-type]
                        os.write(reply[key.fd], b"x")  # type: ignore[index]
                        done += 1
                    _deadline_check(start)

        async def loop_serve(total: int) -> None:
            loop, count = asyncio.get_running_loop(), [0]
            done = loop.create_future()

            def echo(fd: int) -> None:
                os.read(fd, 1)
                os.write(reply[fd], b"x")
                count[0] += 1
                if count[0] >= total and not done.done():
                    done.set_result(None)

            for fd in reply:
                loop.add_reader(fd, echo, fd)
            try:
                await asyncio.wait_for(done, DEADLINE)
            finally:
                for fd in reply:
                    loop.remove_reader(fd)

        return peer.run((lambda t: asyncio.run(loop_serve(t))) if use_asyncio else selector_serve, iterations)
    finally:
        peer.stop()
        for (r, _), (_, w) in zip(up, down):
            os.close(r)
            os.close(w)


# ---------------------------------------------------------------- run and report


def _raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _warm_up(d: str) -> None:
    """First use costs (the library, the modules a wait imports) out of the memory figures."""
    with abi.Channel.create(os.path.join(d, "warm.shm"), abi.LOCALITY_NORTH, spin=0.0) as ch, \
            abi.WaitSet([ch]) as ws:
        ws.wait(0.01)


def _sleep_baseline(idle: float) -> int:
    before = _voluntary_switches()
    time.sleep(min(idle, 0.5))
    return _voluntary_switches() - before


def run(counts: List[int], iterations: int, idle: float) -> Dict[str, Any]:
    limit, notes = _raise_fd_limit(), []
    split = _split_cpus()
    if split:  # a parked round trip across two CPUs or within one differs 3-4x: choose
        os.sched_setaffinity(0, {split[0]})
    out: Dict[str, Any] = {"iterations": iterations, "warmup": WARMUP, "idle_s": idle, "fd_limit": limit,
                           "placement": f"split {split[0]}/{split[1]}" if split else "free",
                           "sleep_baseline_switches": _sleep_baseline(idle), "counts": {}}
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        _warm_up(d)
        for n in counts:
            print(f"  {n} channels ...", file=sys.stderr)
            memory, idle_cost, waitset, hot, waitv, mechanism = shm_phase(d, n, iterations, idle)
            lat: Dict[str, Optional[Result]] = {
                "waitset": waitset, "waitset_hot": hot, "waitset_waitv": waitv,
                "single": single_channel(d, iterations)}
            for name, need, fn in (("mp_wait", 2 * n, mp_wait),
                                   ("selectors", 4 * n, partial(pipes, use_asyncio=False)),
                                   ("asyncio_pipes", 4 * n, partial(pipes, use_asyncio=True))):
                lat[name] = None
                if _fds() + need + 64 > limit:
                    notes.append(f"{name} at {n}: skipped, needs {need} fds (limit {limit})")
                else:
                    lat[name] = fn(n, iterations)
            lat["shm_asyncio"] = None
            out["counts"][str(n)] = {"waitset_mechanism": mechanism, "memory": memory, "idle": idle_cost,
                                     "latency": lat}
        for n in counts:  # last: the asyncio hub's thread lives on in this process
            if n > ASYNC_MAX:
                notes.append(f"shm_asyncio at {n}: not measured (over {ASYNC_MAX} tasks)")
                continue
            print(f"  {n} channels, asyncio ...", file=sys.stderr)
            out["counts"][str(n)]["latency"]["shm_asyncio"] = shm_asyncio(d, n, iterations)
    sleep_sw = out["sleep_baseline_switches"]
    for r in out["counts"].values():
        lat = r["latency"]
        a, b, c = (lat[k]["median_us"] if lat[k] else None for k in ("waitset", "single", "mp_wait"))
        i, m = r["idle"], r["memory"]
        i["wakeups_default"] = i["default_liveness"]["voluntary_switches"] - sleep_sw
        i["wakeups_long"] = i["long_liveness"]["voluntary_switches"] - sleep_sw
        h = lat["waitset_hot"]["median_us"] if lat.get("waitset_hot") else None
        r["ratios"] = {"waitset_over_single": a / b if b else None,
                       "waitset_hot_over_single": h / b if b and h else None,
                       "waitset_over_mp_wait": a / c if c else None}
        r["targets"] = {"waitset_le_1.2x_single": a / b <= 1.2 if b else None,
                        "waitset_below_mp_wait": a < c if c else None,
                        "fds_of_file_le_2": m["fds_of_file"] <= FD_TARGET,
                        "maps_of_file_le_1": m["maps_of_file"] <= MAP_TARGET,
                        "zero_idle_wakeups_long_liveness": i["wakeups_long"] <= 0}
    out["notes"] = notes
    return out


def _fmt(x: Optional[float], spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def report(out: Dict[str, Any]) -> None:
    counts = out["counts"]
    mechanisms = sorted({r["waitset_mechanism"] for r in counts.values()})
    print(f"WaitSet mechanism: {', '.join(mechanisms)}; placement {out['placement']}; "
          f"iterations {out['iterations']} (warm-up "
          f"{out['warmup']}); fd limit {out['fd_limit']}\n")
    print(f"{'channels':>8} {'RSS KiB':>9} {'/ch':>6} {'VmSize KiB':>11} {'/ch':>7} {'fds':>5} "
          f"{'file fds':>8} {'file maps':>9} {'threads':>7}")
    for n, r in counts.items():
        m = r["memory"]
        print(f"{n:>8} {m['rss_kb']:>9} {m['rss_kb_per_channel']:>6.1f} {m['vmsize_kb']:>11} "
              f"{m['vmsize_kb_per_channel']:>7.1f} {m['fds']:>5} {m['fds_of_file']:>8} "
              f"{m['maps_of_file']:>9} "
              f"{m['threads']:>7}")
    print(f"target: at 1,024 channels at most {FD_TARGET} fds and {MAP_TARGET} mapping per file "
          "per process\n")
    print(f"idle: one ws.wait({out['idle_s']}) with the peer attached and silent; a time.sleep costs "
          f"{out['sleep_baseline_switches']} switch(es), subtracted to give wake-ups")
    print(f"{'channels':>8} {'liveness':>10} {'CPU ms':>8} {'os.times ms':>11} {'switches':>9} "
          f"{'wake-ups':>9}")
    for n, r in counts.items():
        for label, key, wk in (("0.1 s", "default_liveness", "wakeups_default"),
                               ("> idle", "long_liveness", "wakeups_long")):
            i = r["idle"][key]
            print(f"{n:>8} {label:>10} {i['cpu_s'] * 1e3:>8.1f} {i['os_times_cpu_s'] * 1e3:>11.1f} "
                  f"{i['voluntary_switches']:>9} {r['idle'][wk]:>9}")
    print("target: zero wake-ups with liveness_interval > the idle period\n")
    print(f"{'round trip, median / p99 us':<34}" + "".join(f"{'N=' + n:>18}" for n in counts))
    for key, label in MECHS.items():
        cells = []
        for r in counts.values():
            x = r["latency"][key]
            cells.append(f"{_fmt(x and x['median_us']):>8} / {_fmt(x and x['p99_us']):>7}")
        print(f"{label:<34}" + "".join(f"{c:>18}" for c in cells))
    for key, label in (("waitset_over_single", "WaitSet / 1 channel"),
                       ("waitset_hot_over_single", f"  pings on {HOT} of N / 1 channel"),
                       ("waitset_over_mp_wait", "WaitSet / mp.wait")):
        print(f"{label:<34}" + "".join(f"{_fmt(r['ratios'][key], '.2f'):>18}" for r in counts.values()))
    print("targets: wait_any latency at most 1.2x the single-channel parked round trip of the same run, and "
          "below multiprocessing.connection.wait over 1,024 pipes")
    for n, r in counts.items():
        print(f"  N={n}: " + ", ".join(f"{k}: {'-' if v is None else ('met' if v else 'NOT met')}"
                                       for k, v in r["targets"].items()))
    for note in out["notes"]:
        print(f"note: {note}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counts", default="1,16,256,1024", help="channel counts, comma-separated")
    ap.add_argument("--iterations", type=int, default=2000, help="timed round trips per mechanism and count")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of the idle measurement")
    ap.add_argument("--json", action="store_true", help="print one JSON object with every number")
    ap.add_argument("--placement", choices=["split", "free"], default="split",
                    help="split (default): the waiter on one CPU, every peer on another; free: where the OS "
                         "puts them (a parked round trip on one CPU and across two differ several times)")
    a = ap.parse_args()
    global PLACEMENT
    PLACEMENT = a.placement
    counts = [int(c) for c in a.counts.split(",") if c]
    if not sys.platform.startswith("linux"):
        ap.error("this benchmark reads /proc: Linux only")
    out = run(counts, a.iterations, a.idle)
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
