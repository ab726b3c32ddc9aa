"""Differential fuzzing of the descriptor validators (``shm-signal fuzz``).

Two validators of one spec must refuse exactly the same bytes with the same fault
code, naming the same field (docs/spec.md 6.4).  A campaign makes descriptors from
the golden vectors and from both engines, mutates them (bytes, fields, lengths,
offsets, the validating side's feature set) and hands each to every *judge*:

* ``py.validate``, ``c.validate``: the Python and the C engine's validators;
* ``py.attach``, ``c.attach``: a real attach of each engine to a file holding it;
* ``inspect``: ``shm-signal inspect``'s reading of the same file.

Any crash, hang (a per-input deadline), unexpected exception, or disagreement is a
failure: between the two validators, between the two attaches, between inspect and
the validators, or between an attach and the validators (an attach refuses what
the validators refuse, with the same fault; of a descriptor they accept, it refuses
exactly what 6.3 step 4 refuses: ``UNSUPPORTED_FEATURE`` for a re-attach keeping
features not supported here, ``LOCALITY_BUSY`` for a record attached with no liveness
lock to prove its owner dead).
Judging runs in a worker process, so a crash or a hang is caught and reported
with the input that caused it; each failure is saved as a reproducer file that
``shm-signal fuzz --replay FILE`` runs again.

The campaign is seeded: the same ``--seed`` and ``--inputs`` give the same inputs.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from abi.conformance.fuzz.inputs import (
    DEADLINE,
    JUDGES,
    PLANTS,
    VECTORS,
    Case,
    Mutator,
    Verdict,
    c_engine_descriptors,
    seed_descriptors,
)
from abi.conformance.fuzz.judges import Judges, Worker, disagreements, worker_main

__all__ = ["DEADLINE", "JUDGES", "PLANTS", "VECTORS", "Case", "Failure", "Judges", "Mutator", "Summary",
           "Verdict", "Worker", "c_engine_descriptors", "disagreements", "load_reproducers", "main", "run",
           "save", "seed_descriptors", "worker_main"]




@dataclass
class Failure:
    case: Case
    problems: List[str]
    verdicts: Optional[Dict[str, Verdict]]

    def to_json(self) -> Dict[str, Any]:
        return {"input": self.case.to_json(), "problems": self.problems,
                "verdicts": {k: list(v) for k, v in (self.verdicts or {}).items()}}


@dataclass
class Summary:
    seed: int
    inputs: int = 0
    seconds: float = 0.0
    verdicts: Dict[str, Dict[str, int]] = field(default_factory=lambda: {j: {} for j in JUDGES})
    failures: List[Failure] = field(default_factory=list)
    saved: List[str] = field(default_factory=list)

    def count(self, v: Dict[str, Verdict]) -> None:
        for judge, verdict in v.items():
            key = "accepted" if verdict[0] == "ok" else verdict[1] if verdict[0] == "fault" else "error"
            self.verdicts[judge][key] = self.verdicts[judge].get(key, 0) + 1

    def to_json(self) -> Dict[str, Any]:
        return {"seed": self.seed, "inputs": self.inputs, "seconds": round(self.seconds, 3),
                "verdicts": self.verdicts, "failures": [f.to_json() for f in self.failures],
                "saved": self.saved}

    def render(self) -> str:
        keys = sorted({k for counts in self.verdicts.values() for k in counts},
                      key=lambda k: (k != "accepted", k))
        width = max([len(k) for k in keys] + [8])
        lines = [f"{self.inputs} inputs in {self.seconds:.1f} s (seed {self.seed}), "
                 f"{len(self.failures)} failure(s)", "",
                 f"{'verdict':<{width}} " + " ".join(f"{j:>11}" for j in JUDGES)]
        for k in keys:
            lines.append(f"{k:<{width}} " + " ".join(f"{self.verdicts[j].get(k, 0):>11}" for j in JUDGES))
        for f in self.failures[:20]:
            lines += ["", f"FAIL {f.case.origin}", f"  input {f.case.to_json()}"]
            lines += [f"  {p}" for p in f.problems]
        if len(self.failures) > 20:
            lines.append(f"... and {len(self.failures) - 20} more")
        if self.saved:
            lines += ["", f"reproducers saved: {len(self.saved)} in {Path(self.saved[0]).parent}"]
        return "\n".join(lines)


def run(cases: Iterator[Case], *, seed: int = 0, inputs: Optional[int] = None,
        seconds: Optional[float] = None, out_dir: Optional[Path] = None, plant: str = "",
        progress: Optional[Callable[[str], None]] = None, worker: Optional[Worker] = None,
        deadline: float = DEADLINE) -> Summary:
    """Judge ``cases`` until ``inputs`` have run or ``seconds`` have passed."""
    s = Summary(seed)
    w = worker or Worker(plant)
    start = last = time.monotonic()
    try:
        for case in cases:
            if inputs is not None and s.inputs >= inputs:
                break
            now = time.monotonic()
            if seconds is not None and now - start >= seconds:
                break
            v, trouble = w.judge(case, deadline)
            s.inputs += 1
            problems = [trouble] if trouble else disagreements(v or {}, case)
            if v is not None:
                s.count(v)
            if problems:
                fail = Failure(case, problems, v)
                s.failures.append(fail)
                if out_dir is not None:
                    s.saved.append(str(save(fail, out_dir, len(s.failures))))
            if progress is not None and now - last >= 1.0:
                last = now
                rate = s.inputs / max(now - start, 1e-9)
                progress(f"fuzz: {s.inputs} inputs, {len(s.failures)} failures, {rate:.0f}/s")
    finally:
        if worker is None:
            w.close()
        s.seconds = time.monotonic() - start
    return s


def save(fail: Failure, out_dir: Path, n: int) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"failure-{n:04d}.json"
    path.write_text(json.dumps(fail.to_json(), indent=1) + "\n")
    return path


def load_reproducers(paths: Sequence[str]) -> List[Case]:
    """The inputs of reproducer files (one failure each, or a list of inputs)."""
    cases = []
    for p in paths:
        d = json.loads(Path(p).read_text())
        items = d if isinstance(d, list) else [d]
        cases += [Case.from_json(item.get("input", item)) for item in items]
    return cases


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m abi.conformance.fuzz --worker``: the judging process."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--worker"]:
        plant = args[2] if args[1:2] == ["--plant"] else ""
        return worker_main(plant)
    print("usage: shm-signal fuzz ... (python -m abi.conformance.fuzz --worker is internal)", file=sys.stderr)
    return 2
