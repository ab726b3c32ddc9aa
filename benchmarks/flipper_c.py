"""How long one C-engine call takes against a hostile peer that flips the owner's
``dirty`` and ``pending`` bytes at full speed (issue 11, item 6).

    python benchmarks/flipper_c.py [--seconds S] [--json]

The owner is a :class:`abi.c_engine.CChannel` creator (all features this platform
has, so WAITER_FLAG and NOTIFY_COUNT are negotiated), with an idle C attacher in the
same process.  A separate Python process maps the file itself (no engine) and stores
1, 1, 0, 0 into the owner's ``pending`` and ``dirty`` bytes in a loop.  Meanwhile the
owner calls ``poll(0.05)`` and ``wakeup()`` back to back for ``--seconds`` and the
longest single call of each is reported (with the median and the 99th percentile).
A correct ``poll(0.05)`` returns within 0.05 s plus scheduling latency.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abi.c_engine import CChannel  # noqa: E402

FLIPPER = """
import mmap, sys, time
with open(sys.argv[1], "r+b") as f:
    mm = mmap.mmap(f.fileno(), 0)
    end = time.monotonic() + float(sys.argv[2])
    print("flipping", flush=True)
    while time.monotonic() < end:
        for _ in range(1000):
            mm[65] = 1
            mm[66] = 1
            mm[65] = 0
            mm[66] = 0
    mm.close()
"""


def _summary(samples: List[float]) -> Dict[str, float]:
    s = sorted(samples)
    return {"calls": len(s), "max_ms": s[-1] * 1e3, "median_ms": s[len(s) // 2] * 1e3,
            "p99_ms": s[(len(s) * 99) // 100] * 1e3}


def run(seconds: float) -> Dict[str, Dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chan"
        owner = CChannel.create(path, 0)
        other = CChannel.attach(path)
        flipper = None
        try:
            assert owner.wait_for_peer(5.0)
            owner.set_liveness_interval(0.1)
            owner.enable()
            flipper = subprocess.Popen([sys.executable, "-c", FLIPPER, str(path), str(seconds + 5)],
                                       stdout=subprocess.PIPE, text=True)
            assert flipper.stdout is not None and flipper.stdout.readline().strip() == "flipping"
            polls: List[float] = []
            wakeups: List[float] = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t0 = time.perf_counter()
                owner.poll(0.05)
                t1 = time.perf_counter()
                owner.wakeup()
                t2 = time.perf_counter()
                polls.append(t1 - t0)
                wakeups.append(t2 - t1)
            return {"poll_0.05": _summary(polls), "wakeup": _summary(wakeups),
                    "stats": {k: float(v) for k, v in owner.stats.items()}}
        finally:
            if flipper is not None:
                flipper.kill()
                flipper.wait()
            other.close()
            owner.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name in ("poll_0.05", "wakeup"):
        r = result[name]
        print(f"{name:10s} calls={int(r['calls']):7d} max={r['max_ms']:8.2f} ms "
              f"p99={r['p99_ms']:7.3f} ms median={r['median_ms']:7.3f} ms")
    print("stats:", {k: int(v) for k, v in result["stats"].items()})


if __name__ == "__main__":
    main()
