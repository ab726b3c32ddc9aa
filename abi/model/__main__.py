"""``shm-signal model`` (``python -m abi.model``): model-check spec section 7, and the
message ring's ordering (15.3, 15.4: ``ring.pml``), with SPIN.

Without a configuration it runs the whole table of ``expectations.json`` (every
memory model, wake channel and shape must verify; every mistake must fail in its
weakest model and hold in the next stronger one; the removals 7.6 allows must
verify; so must the removals the model finds unneeded, each with a probe that shows
the reordering it allows is explored) and prints one line per run.  With
``--memory``/``--wake``/... it checks one configuration and prints the
counterexample, if any, step by step (``--doorbell``: the group doorbell of 7.8;
``--injects 2 --injects2 2 --optimize`` there is the deeper run, minutes and gigabytes).

Exit status: 0 when everything is as expected, 13 when not, 2 for a usage error,
3 when SPIN or a C compiler is missing.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from abi import exit_codes
from abi.model import ring
from abi.model.check import MEMORY_MODELS, MISTAKES, PROBES, WAKES, Config, ModelError, Result, check
from abi.toolchain import NoCompilerError

EXPECTATIONS = Path(__file__).with_name("expectations.json")


def load() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(EXPECTATIONS.read_text())
    return data


def _shape(table: Dict[str, Any], name: str, **base: Any) -> Config:
    return Config(**base, **table["shapes"][name])


def planned(table: Optional[Dict[str, Any]] = None) -> List[Tuple[str, Config, bool]]:
    """Every run of the table: (what it shows, configuration, must verify)."""
    table = table or load()
    runs: List[Tuple[str, Config, bool]] = []
    for p in [table["proofs"], *table.get("more proofs", [])]:
        for shape in p["shapes"]:
            for memory in p["memory"]:
                for wake in p["wake"]:
                    runs.append((f"proof: {shape}", _shape(table, shape, memory=memory, wake=wake), True))
    for n in table["necessary"]:
        cfg = _shape(table, n["shape"], memory=n["memory"], wake=n["wake"], mistake=n["mistake"])
        runs.append((f"necessary: {n['mistake']} fails in {n['memory']}", cfg, False))
        if n.get("holds_in"):
            stronger = cfg.with_(memory=n["holds_in"])
            runs.append((f"necessary: {n['mistake']} holds in {n['holds_in']}", stronger, True))
    for r in table["replaceable"]:
        cfg = _shape(table, r["shape"], memory=r["memory"], wake=r["wake"], mistake=r["mistake"])
        runs.append((f"replaceable: {r['mistake']} with {r['wake']}", cfg, True))
    for u in table.get("unneeded", []):
        cfg = _shape(table, u["shape"], memory=u["memory"], wake=u["wake"], mistake=u["mistake"])
        runs.append((f"unneeded: {u['mistake']} holds in {u['memory']}", cfg, True))
        runs.append((f"probe: {u['probe']} is reached", cfg.with_(probe=u["probe"]), False))
    return runs


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="shm-signal model", description=__doc__.splitlines()[0])
    ap.add_argument("--memory", choices=MEMORY_MODELS)
    ap.add_argument("--wake", choices=WAKES, default="futex")
    ap.add_argument("--mistake", choices=sorted(MISTAKES), default="")
    ap.add_argument("--probe", choices=sorted(PROBES), default="")
    for flag in ("waiter", "toggle", "close", "both", "flood", "doorbell"):
        ap.add_argument(f"--{flag}", action="store_true")
    ap.add_argument("--injects", type=int, default=None,
                    help="injects per remote (default 2; with --doorbell: R1's, default 1)")
    ap.add_argument("--injects2", type=int, default=1, help="with --doorbell: R2's injects")
    ap.add_argument("--budget", type=int, default=1)
    ap.add_argument("--optimize", action="store_true",
                    help="build the verifier with -O2 and COLLAPSE (for deeper runs: slower to build, "
                         "faster to run, half the memory)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--work", help="keep the builds here (default: a temporary directory)")
    args = ap.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="shm-signal-model-") as tmp:
            work = Path(args.work) if args.work else Path(tmp)
            if args.memory:
                injects = args.injects if args.injects is not None else 1 if args.doorbell else 2
                cfg = Config(memory=args.memory, wake=args.wake, waiter=args.waiter or args.doorbell,
                             toggle=args.toggle, close=args.close, both=args.both, flood=args.flood,
                             doorbell=args.doorbell, injects=injects, injects2=args.injects2,
                             budget=args.budget, mistake=args.mistake, probe=args.probe)
                res = check(cfg, work, optimize=args.optimize)
                _show_one(res, args.json)
                return exit_codes.OK if res.ok else exit_codes.FUZZ_FAILED
            return _run_table(work, args.json)
    except (ModelError, NoCompilerError) as exc:
        print(f"shm-signal model: {exc}", file=sys.stderr)
        return exit_codes.NO_COMPILER
    except ValueError as exc:
        print(f"shm-signal model: {exc}", file=sys.stderr)
        return exit_codes.USAGE


def _show_one(res: Result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(res.to_json(), indent=1))
        return
    verdict = "verified" if res.ok else f"VIOLATED: {res.violation}"
    print(f"{res.config.label()}: {verdict} ({res.states} states, {res.seconds:.1f} s)")
    for step in res.steps:
        print(step)


def _run_table(work: Path, as_json: bool) -> int:
    """Section 7's table, then the ring's (15.3, 15.4): one line per run."""
    runs: List[Tuple[str, str, bool, Callable[[], Any]]] = [
        (what, cfg.label(), must_hold, functools.partial(check, cfg, work))
        for what, cfg, must_hold in planned()]
    runs += [(what, run.label(), must_hold, functools.partial(ring.check_ring, run, work))
             for what, run, must_hold in ring.planned()]
    rows = []
    bad = 0
    for what, label, must_hold, go in runs:
        res = go()
        good = res.ok == must_hold
        bad += not good
        rows.append({"what": what, "config": label,
                     "expected": "verified" if must_hold else "counterexample",
                     "got": "verified" if res.ok else "counterexample", "as_expected": good,
                     "states": res.states, "seconds": round(res.seconds, 2)})
        if not as_json:
            mark = "ok  " if good else "FAIL"
            print(f"{mark} {what:<45} {label:<44} {rows[-1]['got']:<15} {res.states:>10} states "
                  f"{res.seconds:6.2f} s", flush=True)
            if not good and not res.ok:
                print("\n".join(res.steps))
    if as_json:
        print(json.dumps({"ok": bad == 0, "runs": rows}, indent=1))
    else:
        print(f"{len(rows) - bad} of {len(rows)} runs as expected")
    return exit_codes.OK if bad == 0 else exit_codes.FUZZ_FAILED


if __name__ == "__main__":
    sys.exit(main())
