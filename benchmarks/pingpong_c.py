"""Ping-pong round trips with the C engine, against a raw futex floor (Linux).

    python benchmarks/pingpong_c.py [--rounds N] [--repeat R] [--placements same,split] [--json]

Pairings, each two processes over one file, both sides parked between messages
(``spin=0`` on both; spec 13.2):

- ``raw_futex_c``: two C processes bouncing raw futex wakes on two words of a mapping
  (``shm_signal_futex_pingpong.c``): no protocol, the floor.
- ``c_to_c``: the C reference peer (``ping``) against the C peer (``serve echo=1``);
  ``c_to_c_waiter`` the same with WAITER_FLAG negotiated.
- ``python_to_c`` / ``c_to_python``: the Python engine's peer on one side.

and the C engine's spin, C against C: ``c_to_c_spin`` spins 20 us before parking
(both sides), ``c_to_c_default`` uses the default, ``spin=auto``.  Its target (issue
16, item 7, as ``benchmarks/pingpong.py`` for the Python engine): in every placement
the default within 1.1x of the better of parking at once and spinning.

Each pairing runs in each placement: ``same`` pins both processes to one CPU,
``split`` one to each of two (where the process may use two).  The two differ
tenfold on some machines, a VM especially: waking a process parked on an idle CPU
costs more than the whole round trip within one; without pinning, each run lands in
one or the other.  Each pairing runs ``--repeat`` times; the run with the lowest
median is reported.  ``--json`` prints
``{placement: {name: {"median_us": ..., "p99_us": ...}}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "abi" / "c_reference"
sys.path.insert(0, str(ROOT))

from abi.engine.native import lib_source_paths  # noqa: E402
from abi.toolchain import find_c_compiler  # noqa: E402

Result = Dict[str, float]


def build(out_dir: Path) -> Dict[str, Path]:
    cc = find_c_compiler()
    engine = lib_source_paths()
    progs = {"peer": (C_DIR / "shm_signal_peer.c", engine),
             "raw": (C_DIR / "shm_signal_futex_pingpong.c", [])}
    out = {}
    for name, (main, extra) in progs.items():
        exe = out_dir / name
        cc.build(main, exe, include_dirs=[C_DIR], extra=["-O2", *map(str, extra)])
        out[name] = exe
    return out


def _parse(reply: str) -> Result:
    kv = dict(tok.split("=", 1) for tok in reply.split() if "=" in tok)
    return {"median_us": int(kv["median_ns"]) / 1000, "p99_us": int(kv["p99_ns"]) / 1000}


def placement_cpus(placement: str) -> Tuple[int, int]:
    """The CPUs of the two processes: one CPU twice (same), or two (split)."""
    cpus = sorted(os.sched_getaffinity(0))
    if placement == "split" and len(cpus) < 2:
        raise SystemExit("pingpong_c: 'split' needs two CPUs")
    return (cpus[0], cpus[1] if placement == "split" else cpus[0])


def raw_futex(exe: Path, work: Path, rounds: int, cpus: Tuple[int, int]) -> Result:
    out = subprocess.run([str(exe), str(work / "raw.shm"), str(rounds), *map(str, cpus)], capture_output=True,
                         text=True, timeout=600, check=True)
    return _parse(out.stdout)


class Peer:
    def __init__(self, argv: Sequence[str], cpu: int) -> None:
        self.p = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1, cwd=ROOT, preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))

    def send(self, line: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def reply(self) -> str:
        assert self.p.stdout is not None
        line = self.p.stdout.readline().strip()
        if not line.startswith("ok"):
            raise RuntimeError(f"peer said {line!r}")
        return line

    def cmd(self, line: str) -> str:
        self.send(line)
        return self.reply()

    def quit(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self.cmd("quit")
        self.p.wait(timeout=30)


def pingpong(initiator: Sequence[str], responder: Sequence[str], work: Path, rounds: int,
             cpus: Tuple[int, int], features: int = 0x9, spin: str = "0") -> Result:
    chan = work / "chan"
    if chan.exists():
        chan.unlink()
    a, b = Peer(initiator, cpus[0]), Peer(responder, cpus[1])
    try:
        a.cmd(f"create {chan} 0 features=0x{features:x} spin={spin}")  # WAKE_ADDRESS | NOTIFY_COUNT
        b.cmd(f"attach {chan} timeout=10 spin={spin}")
        a.cmd("wait_peer 10")
        a.cmd("enable")
        b.cmd("enable")
        # no time limits: a parked wait then needs no kernel timer (and the raw
        # futex floor has none either)
        b.send("serve -1 echo=1")
        a.cmd("ping 100 -1")  # warm-up
        result = _parse(a.cmd(f"ping {rounds} -1"))
        a.cmd("close")
        b.reply()
        return result
    finally:
        a.quit()
        b.quit()


def run(rounds: int, repeat: int, placements: Sequence[str]) -> Dict[str, Dict[str, Result]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        exes = build(work)
        c_peer = [str(exes["peer"])]
        py_peer = [sys.executable, "-m", "abi.peer"]
        py_rounds = max(1000, rounds // 4)
        out: Dict[str, Dict[str, Result]] = {}
        for placement in placements:
            cpus = placement_cpus(placement)
            cases: Dict[str, Callable[[], Result]] = {
                "raw_futex_c": partial(raw_futex, exes["raw"], work, rounds, cpus),
                "c_to_c": partial(pingpong, c_peer, c_peer, work, rounds, cpus),
                "c_to_c_waiter": partial(pingpong, c_peer, c_peer, work, rounds, cpus, 0x19),  # + WAITER_FLAG
                "python_to_c": partial(pingpong, py_peer, c_peer, work, py_rounds, cpus),
                "c_to_python": partial(pingpong, c_peer, py_peer, work, py_rounds, cpus),
                "c_to_c_spin": partial(pingpong, c_peer, c_peer, work, rounds, cpus, spin="2e-05"),
                "c_to_c_default": partial(pingpong, c_peer, c_peer, work, rounds, cpus, spin="auto"),
            }
            results: Dict[str, Result] = {}
            for name, fn in cases.items():
                runs: List[Result] = [fn() for _ in range(repeat)]
                results[name] = min(runs, key=lambda r: r["median_us"])
            out[placement] = results
        return out


def default_ratio(results: Dict[str, Result]) -> float:
    """spin=auto against the better of parking at once and spinning 20 us."""
    best = min(results["c_to_c"]["median_us"], results["c_to_c_spin"]["median_us"])
    return results["c_to_c_default"]["median_us"] / best


def render(out: Dict[str, Dict[str, Result]]) -> str:
    lines = []
    for placement, results in out.items():
        floor = results["raw_futex_c"]["median_us"]
        lines.append(f"placement {placement}:")
        lines.append(f"{'pairing':<14} {'median us':>10} {'p99 us':>10} {'x raw futex':>12}")
        for name, r in results.items():
            ratio = r["median_us"] / floor
            lines.append(f"{name:<14} {r['median_us']:>10.2f} {r['p99_us']:>10.2f} {ratio:>12.2f}")
        ratio = results["c_to_c"]["median_us"] / floor
        lines.append(f"C engine parked round trip / raw futex = {ratio:.2f} (target <= 1.10)")
        lines.append(f"C engine default / better of park and spin = {default_ratio(results):.2f} "
                     "(target <= 1.10)\n")
    return "\n".join(lines).rstrip()


def main(argv: Sequence[str] = ()) -> int:
    if not sys.platform.startswith("linux"):
        print("pingpong_c: the raw futex floor is Linux-only", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--placements", default="same,split",
                    help="same (one CPU), split (two CPUs), comma-separated")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(list(argv) or None)
    placements = [p for p in args.placements.split(",") if p]
    if not placements or set(placements) - {"same", "split"}:
        ap.error("--placements: same and/or split")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    results = run(args.rounds, args.repeat, placements)
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
