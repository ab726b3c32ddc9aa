"""The message ring's ordering (spec 15.3, 15.4) as a SPIN model (``ring.pml``): the
runs that must verify and the mistakes that must fail, each in the weakest memory
model that needs its rule (``shm-signal model`` runs them after section 7's table).
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

from abi.model.check import ModelError, build, spin_path

MODEL = Path(__file__).with_name("ring.pml")
MEMORY_MODELS = ("sc", "tso", "pso", "weak")  # weak: pso plus the consumer's late record load
MISTAKES = {"no-release-head": "NO_REL_HEAD", "no-release-tail": "NO_REL_TAIL",
            "no-room-check": "NO_ROOM_CHECK"}
# (mistake, the weakest model where it fails, the next stronger where it holds, why)
NECESSARY: List[Tuple[str, str, Optional[str], str]] = [
    ("no-release-head", "pso", "tso", "R15-5: head may become visible before the payload: the consumer "
                                      "reads the record's old byte"),
    ("no-release-tail", "weak", "pso", "R15-8: the consumer's load of the record may be satisfied after its "
                                       "tail store: the producer writes the next lap over it first"),
    ("no-room-check", "sc", None, "R15-1, R15-4: a producer that does not check the room overwrites a "
                                  "record the consumer has not read"),
]
MESSAGES = 5  # values 1..5 through 2 records, indices modulo 4: two laps and a wrap of the index


@dataclass(frozen=True)
class RingRun:
    memory: str = "sc"
    mistake: str = ""
    messages: int = MESSAGES

    def __post_init__(self) -> None:
        if self.memory not in MEMORY_MODELS:
            raise ValueError(f"memory model {self.memory!r}: one of {', '.join(MEMORY_MODELS)}")
        if self.mistake and self.mistake not in MISTAKES:
            raise ValueError(f"mistake {self.mistake!r}: one of {', '.join(MISTAKES)}")
        if not 1 <= self.messages <= 9:
            raise ValueError("messages: 1 to 9")

    def defines(self) -> List[str]:
        d = [f"-DN={self.messages}"] + ([f"-D{self.memory.upper()}"] if self.memory != "sc" else [])
        return d + ([f"-D{MISTAKES[self.mistake]}"] if self.mistake else [])

    def label(self) -> str:
        return "-".join(["ring", self.memory, f"n{self.messages}"] + ([self.mistake] if self.mistake else []))


@dataclass
class RingResult:
    run: RingRun
    ok: bool
    states: int
    seconds: float
    violation: str = ""
    steps: List[str] = field(default_factory=list)  # the counterexample, one line per step


_SIDE = {"0": "producer", "1": "consumer"}
_EVENT = re.compile(r"^\s*@(\d) (.*)$")


def _render(replay: str) -> List[str]:
    """The trail's events, numbered: a step of the spec ("#"), or a load (L), a store
    into the store buffer (B), straight to memory (S) or a commit from the buffer (C)."""
    names = {0: "head", 1: "tail"}
    out = []
    for line in replay.splitlines():
        m = _EVENT.match(line)
        if not m:
            continue
        who, what = _SIDE[m.group(1)], m.group(2)
        if what.startswith("# "):
            out.append(f"{who}: {what[2:]}")
            continue
        kind, addr, value = what.split()
        place = names.get(int(addr), f"record {int(addr) - 2}")
        verb = {"L": "loads", "B": "buffers", "S": "stores", "C": "commits"}[kind]
        out.append(f"{who} {verb} {place} = {value}")
    return [f"{i:3}. {s}" for i, s in enumerate(out, 1)]


def check_ring(run: RingRun, work: Path, timeout: float = 300.0) -> RingResult:
    pan = build(run, work, model=MODEL)
    for old in pan.parent.glob("*.trail"):
        old.unlink()
    t0 = time.monotonic()
    out = subprocess.run([str(pan), "-m200000"], cwd=pan.parent, capture_output=True, text=True,
                         timeout=timeout).stdout
    errors, states = re.search(r"errors: (\d+)", out), re.search(r"(\d+) states, stored", out)
    if errors is None or states is None:
        raise ModelError(f"pan for {run.label()} did not report a result: {out[-2000:]}")
    res = RingResult(run, errors.group(1) == "0", int(states.group(1)), time.monotonic() - t0)
    if not res.ok:
        m = re.search(r"assertion violated (.*?) \(at depth", out)
        res.violation = ("the consumer received a value out of order, stale or overwritten"
                         if m and "v==want" in m.group(1) else
                         "more than capacity records in use" if m else
                         "invalid end state (a side waits forever)")
        replay = subprocess.run([spin_path(), "-t", *run.defines(), MODEL.name], cwd=pan.parent,
                                capture_output=True, text=True, timeout=120)
        res.steps = _render(replay.stdout)
    return res


def planned() -> List[Tuple[str, RingRun, bool]]:
    """Every run of the ring's table: (what it shows, the run, must verify)."""
    runs = [(f"ring proof: {m}", RingRun(memory=m), True) for m in MEMORY_MODELS]
    for mistake, fails_in, holds_in, _why in NECESSARY:
        runs.append((f"ring necessary: {mistake} fails in {fails_in}", RingRun(fails_in, mistake), False))
        if holds_in:
            runs.append((f"ring necessary: {mistake} holds in {holds_in}", RingRun(holds_in, mistake), True))
    return runs
