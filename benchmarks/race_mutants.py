"""How often check-peer's stress cases catch a missing fence (issue 14, item 5).

The C reference peer is built once as it is and once per mutant: a copy of the C
engine with one order or fence removed from shm_signal_protocol.c (the patches below;
the shipped sources carry no trace of them): inject loading enabled/pending before
storing dirty, inject without F1, inject deciding to wake from the stale waiting byte
of step 4, an owner parking without F5.  Each build runs the stress and waiter cases
``--rounds`` times under each placement: both processes on one CPU, on two CPUs, and
on two CPUs with a competing busy process on each.  A run "catches" the mutant when
any case fails; for the real engine any failure is a false alarm.  The table gives
caught/rounds per mutant and placement.

    python benchmarks/race_mutants.py [--rounds 5] [--injects 20000] [--engine py|c] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abi.conformance import check_peer  # noqa: E402
from abi.engine.native import C_DIR, LIB_SOURCES  # noqa: E402
from abi.toolchain import find_c_compiler  # noqa: E402

F1_LINE = "\tatomic_thread_fence(memory_order_seq_cst); /* F1: store dirty, then load enabled/pending */\n"
# build -> the (text, replacement) patches of shm_signal_protocol.c; each text occurs once
_INJECT_HEAD = ("\tch->stats.injects++;\n\tatomic_thread_fence(memory_order_release); /* F0 */\n"
                "\tst8(r + F_DIRTY, 1);\n" + F1_LINE
                + "\tif (ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 0) {\n")
_F6 = "\t\t\tatomic_thread_fence(memory_order_seq_cst); /* F6 */\n\t\t\tw = ld8(r + F_WAITING);\n"
_F5 = "\t\t\tst8(r + F_WAITING, 1);\n\t\t\tatomic_thread_fence(memory_order_seq_cst);\n"
MUTANTS: Dict[str, List[Tuple[str, str]]] = {
    "real engine": [],
    "late dirty": [(_INJECT_HEAD, "\tint go = ld8(r + F_ENABLED) == 1 && ld8(r + F_PENDING) == 0;\n"
                                  "\tch->stats.injects++;\n\tst8(r + F_DIRTY, 1);\n\tif (go) {\n")],
    "no F1": [(F1_LINE, "")],
    "stale waiting byte": [(F1_LINE, F1_LINE + "\tunsigned char stale_waiting = ld8(r + F_WAITING);\n"),
                           (_F6, "\t\t\tw = stale_waiting;\n")],
    "no F5": [(_F5, "\t\t\tst8(r + F_WAITING, 1);\n")],
}
CASES = ["stress.*", "waiter.*"]


def build(out: Path, label: str) -> Path:
    """The C peer from a copy of the sources with ``label``'s patches applied."""
    src = out / label.replace(" ", "-")
    shutil.copytree(C_DIR, src, ignore=shutil.ignore_patterns("fuzz", "build*"))
    proto = src / "shm_signal_protocol.c"
    text = proto.read_text()
    for old, new in MUTANTS[label]:
        if text.count(old) != 1:
            raise SystemExit(f"race_mutants: the {label!r} patch no longer matches shm_signal_protocol.c")
        text = text.replace(old, new)
    proto.write_text(text)
    exe = src / "peer"
    cc = find_c_compiler().argv
    sources = [str(src / "shm_signal_peer.c"), *(str(src / s) for s in LIB_SOURCES)]
    subprocess.run([*cc, "-std=c11", "-O2", "-pthread", f"-I{src}", "-o", str(exe), *sources], check=True)
    return exe


@contextlib.contextmanager
def placement(name: str) -> Iterator[List[str]]:
    """Pin this process (the reference side) and give the peer's argv prefix."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    old = set(cpus)
    a, b = cpus[0], cpus[1 % len(cpus)]
    hogs: List[subprocess.Popen] = []
    try:
        if name == "one CPU":
            os.sched_setaffinity(0, {a})
            yield ["taskset", "-c", str(a)]
        else:
            os.sched_setaffinity(0, {a})
            if name == "two CPUs + load":
                hogs = [subprocess.Popen(["taskset", "-c", str(c), sys.executable, "-c", "while True: pass"])
                        for c in (a, b)]
            yield ["taskset", "-c", str(b)]
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        os.sched_setaffinity(0, old)


def caught(argv: List[str], injects: int, engine: str) -> bool:
    opts = check_peer.Options.quick(cwd=str(ROOT), engines=(engine,), select=CASES, stress_injects=injects,
                                    ping_rounds=2000, timeout=10.0)
    return not check_peer.run(argv, opts).ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--injects", type=int, default=20_000)
    ap.add_argument("--engine", choices=("py", "c"), default="py",
                    help="the reference engine the mutant peer is paired with (default py)")
    ap.add_argument("--only", action="append", choices=sorted(MUTANTS), metavar="BUILD",
                    help=f"measure only these builds (repeatable; {', '.join(MUTANTS)})")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not shutil.which("taskset") or not hasattr(os, "sched_setaffinity"):
        print("race_mutants: needs Linux taskset and sched_setaffinity", file=sys.stderr)
        return 2
    placements = ["one CPU", "two CPUs", "two CPUs + load"]
    table: Dict[str, Dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as d:
        for label in MUTANTS:
            if args.only and label not in args.only:
                continue
            exe = build(Path(d), label)
            table[label] = {}
            for where in placements:
                hits = 0
                for _ in range(args.rounds):
                    with placement(where) as prefix:
                        hits += caught([*prefix, str(exe)], args.injects, args.engine)
                table[label][where] = f"{hits}/{args.rounds}"
                print(f"race_mutants: {label:<20} {where:<16} {hits}/{args.rounds}", file=sys.stderr)
    if args.json:
        doc = {"rounds": args.rounds, "injects": args.injects, "engine": args.engine, "cases": CASES,
               "caught": table}
        print(json.dumps(doc, indent=1))
    else:
        print(f"{'build':<20} " + " ".join(f"{p:>16}" for p in placements))
        for label, row in table.items():
            print(f"{label:<20} " + " ".join(f"{row[p]:>16}" for p in placements))
        print(f"(runs that failed a case of {', '.join(CASES)} with {args.injects} injects per stress case, "
              f"against the {args.engine} reference engine; "
              "for the real engine a failure is a false alarm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
