"""Each engine against a hostile peer (issue 11): how long one call can take, and how
soon a dead peer is reported.

    python benchmarks/hostile.py [--seconds S] [--kills N] [--engines py,c] [--json]

* **Flipping peer**: a separate process (tests/hostile.py, no engine) maps the file
  and rewrites the owner's ``pending``/``dirty`` bytes at full speed (``flip-flags``:
  both flip; ``hold-pending``: pending stays 1 and no wake-up ever comes).  The owner,
  enabled, calls ``wait(0.02)``, ``poll(0.05)`` and ``wakeup()`` back to back for S
  seconds per attack; the table gives the longest single call, the median and the
  99th percentile, in milliseconds.  A correct engine keeps every timeout (spec 7.5:
  the deadline plus the OS's latency) and every wakeup within its budget.
* **Dead peer**: a reference peer attaches, the owner parks in ``wait(10)``, the peer
  is killed with SIGKILL; the time from the kill to the ``PEER_DEAD`` fault, N times
  (the liveness interval is 0.1 s, so about 0.1 s at most, plus scheduling).

Both engines are measured in the same run.  These machines are shared: quote the
worst cases as bounds seen, and compare engines within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abi.engine.channel import Channel  # noqa: E402
from abi.faults import Fault, ShmSignalFault  # noqa: E402

HOSTILE = ROOT / "tests" / "hostile.py"
ATTACKS = ["flip-flags", "hold-pending"]
CALLS = {"wait(0.02)": lambda ch: ch.wait(0.02), "poll(0.05)": lambda ch: ch.poll(0.05),
         "wakeup()": lambda ch: ch.wakeup()}


def engine(name: str) -> Any:
    if name == "c":
        from abi.engine.c_channel import CChannel

        return CChannel
    return Channel


@contextlib.contextmanager
def attacker(attack: str, path: Path) -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, str(HOSTILE), attack, str(path), "0", "0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    try:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the attacker did not start")
        yield
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.write("stop\n")
            proc.stdin.close()
        proc.wait(30)


@contextlib.contextmanager
def attached_peer(path: Path) -> Iterator[subprocess.Popen]:
    """The Python reference peer, attached to ``path``."""
    proc = subprocess.Popen([sys.executable, "-m", "abi.peer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(f"attach {path} timeout=5\n")
        proc.stdin.flush()
        reply = proc.stdout.readline()
        if not reply.startswith("ok"):
            raise RuntimeError(f"the peer did not attach: {reply!r}")
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _summary(samples: List[float]) -> Dict[str, float]:
    s = sorted(samples)
    return {"calls": len(s), "max_ms": s[-1] * 1e3, "median_ms": statistics.median(s) * 1e3,
            "p99_ms": s[min(len(s) - 1, (len(s) * 99) // 100)] * 1e3}


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(ShmSignalFault):
        call()
    return time.perf_counter() - start


def flipping(eng: str, seconds: float, tmp: Path) -> Dict[str, Dict[str, Dict[str, float]]]:
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for attack in ATTACKS:
        path = tmp / f"{eng}-{attack}"
        with engine(eng).create(path, 0) as ch, attached_peer(path):
            if not ch.wait_for_peer(5):
                raise RuntimeError("the peer did not attach")
            ch.enable()
            with attacker(attack, path):
                samples: Dict[str, List[float]] = {name: [] for name in CALLS}
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    for name, call in CALLS.items():
                        samples[name].append(_timed(lambda call=call: call(ch)))  # type: ignore[misc]
        out[attack] = {name: _summary(s) for name, s in samples.items()}
    return out


def peer_death(eng: str, kills: int, tmp: Path) -> Dict[str, float]:
    rng = random.Random(1)
    delays: List[float] = []
    for i in range(kills):
        path = tmp / f"{eng}-dead{i}"
        with engine(eng).create(path, 0) as ch, attached_peer(path) as peer:
            if not ch.wait_for_peer(5):
                raise RuntimeError("the peer did not attach")
            ch.enable()
            killed: List[float] = []

            def kill(pid: int = peer.pid, killed: List[float] = killed) -> None:
                killed.append(time.monotonic())
                os.kill(pid, signal.SIGKILL)

            # At a random moment: the delay depends on where in its liveness interval
            # the owner is when the peer dies.
            threading.Timer(rng.uniform(0.02, 0.25), kill).start()
            try:
                ch.wait(10)
            except ShmSignalFault as exc:
                if exc.code != Fault.PEER_DEAD:
                    raise
                delays.append(time.monotonic() - killed[0])
            else:
                raise RuntimeError("wait(10) returned without reporting the dead peer")
    return {"kills": kills, "median_s": statistics.median(delays), "max_s": max(delays)}


def main(argv: Any = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="per engine and attack (default 3)")
    ap.add_argument("--kills", type=int, default=20, help="peer deaths per engine (default 20)")
    ap.add_argument("--engines", default="py,c")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    result: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for eng in a.engines.split(","):
            result[eng] = {"flipping": flipping(eng, a.seconds, Path(tmp)),
                           "peer_dead": peer_death(eng, a.kills, Path(tmp))}
    if a.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{'engine':6} {'attack':13} {'call':11} {'max ms':>8} {'p99 ms':>8} {'median ms':>9} {'calls':>6}")
    for eng, r in result.items():
        for attack, calls in r["flipping"].items():
            for name, s in calls.items():
                print(f"{eng:6} {attack:13} {name:11} {s['max_ms']:8.2f} {s['p99_ms']:8.2f} "
                      f"{s['median_ms']:9.3f} {s['calls']:6d}")
    print()
    print(f"{'engine':6} PEER_DEAD after SIGKILL: median s, max s (kills)")
    for eng, r in result.items():
        d = r["peer_dead"]
        print(f"{eng:6} {d['median_s']:.3f} {d['max_s']:.3f} ({d['kills']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
