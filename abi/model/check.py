"""Model-check spec section 7 with SPIN: build ``shm_signal.pml`` for one
configuration (memory model, wake channel, what runs, which mistake), run the
verifier, and on a violation replay its trail into a readable interleaving
(:mod:`abi.model.trail`).

One configuration is one ``spin -a`` and one C build; builds are cached per
configuration in the work directory, so a table of runs pays for each once.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from abi.model import trail
from abi.toolchain import find_c_compiler

MODEL = Path(__file__).with_name("shm_signal.pml")
# strongest first; "weak" is PSO in which, besides, the owner's step-1 load of the
# doorbell (7.8) may be satisfied after its later stores, up to its next full fence:
# the one load->store reordering the model expresses, so it is only for the doorbell
MEMORY_MODELS = ("sc", "tso", "pso", "weak")
WAKES = ("futex", "event")
# mistake -> the model's macro (each removes or breaks one rule of section 7)
MISTAKES: Dict[str, str] = {
    "no-f0": "NO_F0", "no-f1": "NO_F1", "no-f2": "NO_F2", "no-f3": "NO_F3", "no-f4": "NO_F4",
    "no-f5": "NO_F5", "no-f6": "NO_F6",
    "v2009": "V2009",  # write/read barriers at F1, F3, F4, as the 2009 patch had
    "stale-waiting": "STALE_WAITING",  # 7.1 step 5 decides from the waiting byte of step 4
    "park-on-more": "PARK_ON_MORE",  # 7.2: waits for a notification after a spent budget
    "no-budget": "NO_BUDGET",  # 7.2: a wakeup with no bound on its notifier calls
    # 7.6: no F1, but a wake call (which holds a fence) after every inject
    "no-f1-always-wake": "NO_F1 ALWAYS_WAKE",
    # 7.8 (the group doorbell; with no-f5 and stale-waiting above)
    "plain-ring": "PLAIN_RING",  # F7 a plain load and store of the doorbell, not an atomic add
    "no-f8": "NO_F8",  # no fence between the owner's load of the doorbell and its pad0 stores
    "doorbell-at-park": "DOORBELL_AT_PARK",  # the owner loads the doorbell just before parking
}
DOORBELL_MISTAKES = ("plain-ring", "no-f8", "doorbell-at-park")
# probes of the model itself: assertions that must fail, showing it explores a behaviour
PROBES: Dict[str, str] = {
    # with no-f8 in "weak": s is read after the pad0 stores are visible and a ring landed
    "late-doorbell-load": "PROBE_LATE_DB",
}
DEPTH = 2_000_000  # pan's search depth bound; the deepest run here reaches under 100,000


class ModelError(RuntimeError):
    """SPIN or the C compiler is missing, or the model does not build."""


_SHAPE_FLAGS = ("waiter", "toggle", "close", "both", "flood", "doorbell")


@dataclass(frozen=True)
class Config:
    memory: str = "sc"
    wake: str = "futex"
    waiter: bool = False  # WAITER_FLAG negotiated (7.5)
    toggle: bool = False  # the owner disables and re-enables once (7.3, 7.4)
    close: bool = False  # the remote closes after its injects (9)
    both: bool = False  # ping-pong: both localities inject and serve
    flood: bool = False  # the remote stores dirty = 1 forever (7.2's budget)
    doorbell: bool = False  # 7.8: one owner waits on two channels' remotes through its doorbell
    injects: int = 2  # with doorbell: R1's
    injects2: int = 1  # with doorbell: R2's
    budget: int = 1
    mistake: str = ""
    probe: str = ""

    def __post_init__(self) -> None:
        if self.memory not in MEMORY_MODELS:
            raise ValueError(f"memory model {self.memory!r}: one of {', '.join(MEMORY_MODELS)}")
        if self.wake not in WAKES:
            raise ValueError(f"wake channel {self.wake!r}: one of {', '.join(WAKES)}")
        if self.mistake and self.mistake not in MISTAKES:
            raise ValueError(f"mistake {self.mistake!r}: one of {', '.join(MISTAKES)}")
        if not (1 <= self.injects <= 5 and 1 <= self.injects2 <= 5 and 1 <= self.budget <= 5):
            raise ValueError("injects and budget: 1 to 5")
        if self.doorbell:
            if not self.waiter or self.wake != "futex":
                raise ValueError("doorbell: only with waiter and the futex wake (7.8: GROUP_DOORBELL needs "
                                 "WAITER_FLAG and WAKE_ADDRESS)")
            if self.toggle or self.close or self.both or self.flood:
                raise ValueError("doorbell: not with toggle, close, both or flood")
        elif self.mistake in DOORBELL_MISTAKES:
            raise ValueError(f"mistake {self.mistake!r}: only with doorbell")
        elif self.memory == "weak":
            raise ValueError("memory model 'weak': only with doorbell (elsewhere it is pso)")
        elif self.injects2 != 1:
            raise ValueError("injects2: only with doorbell")
        if self.probe:
            if self.probe not in PROBES:
                raise ValueError(f"probe {self.probe!r}: one of {', '.join(PROBES)}")
            if not (self.doorbell and self.memory == "weak" and self.mistake == "no-f8"):
                raise ValueError("the late-doorbell-load probe: only with doorbell, weak and no-f8")

    def defines(self) -> List[str]:
        d = [f"-DN={self.injects}", f"-DBUDGET={self.budget}"]
        if self.doorbell:
            d.append(f"-DN2={self.injects2}")
        if self.memory != "sc":
            d.append(f"-D{self.memory.upper()}")
        if self.wake == "event":
            d.append("-DEVENT")
        for name in _SHAPE_FLAGS:
            if getattr(self, name):
                d.append(f"-D{name.upper()}")
        if self.mistake:
            d += [f"-D{macro}" for macro in MISTAKES[self.mistake].split()]
        if self.probe:
            d.append(f"-D{PROBES[self.probe]}")
        return d

    def label(self) -> str:
        parts = [self.memory, self.wake]
        parts += [name for name in _SHAPE_FLAGS if getattr(self, name)]
        parts.append(f"n{self.injects}")
        if self.doorbell:
            parts.append(f"m{self.injects2}")
        parts.append(f"b{self.budget}")
        if self.mistake:
            parts.append(self.mistake)
        if self.probe:
            parts.append(f"probe-{self.probe}")
        return "-".join(parts)

    def with_(self, **changes: object) -> Config:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass
class Result:
    config: Config
    ok: bool  # no property violated
    states: int
    seconds: float
    violation: str = ""  # the failed assertion, in the model's words
    steps: List[str] = field(default_factory=list)  # the readable counterexample

    def to_json(self) -> Dict[str, object]:
        return {"config": dataclasses.asdict(self.config), "ok": self.ok, "states": self.states,
                "seconds": round(self.seconds, 2), "violation": self.violation, "steps": self.steps}


def spin_path() -> str:
    spin = shutil.which("spin")
    if spin is None:
        raise ModelError("SPIN is not installed (Debian: apt-get install spin)")
    return spin


def build(config: Any, work: Path, optimize: bool = False, model: Path = MODEL) -> Path:
    """The verifier of ``model`` for ``config`` (anything with ``label()`` and
    ``defines()``), built once per configuration in ``work``."""
    d = work / (config.label() + ("-O2" if optimize else ""))
    pan = d / "pan"
    if pan.exists():
        return pan
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, d / model.name)
    spin = subprocess.run([spin_path(), "-a", *config.defines(), model.name], cwd=d, capture_output=True,
                          text=True, timeout=120)
    if spin.returncode != 0 or not (d / "pan.c").exists():
        raise ModelError(f"spin -a failed for {config.label()}: {spin.stdout[-2000:]}{spin.stderr[-2000:]}")
    cc = find_c_compiler().argv
    # SAFETY: assertions and end states only (no never claim); -w: pan's own code warns
    # -O0 builds pan in a fifth of the time -O2 takes and runs it about 1.4 times slower: the
    # table's runs take seconds, its builds took most of its time; optimize for long runs
    # (and COLLAPSE: states stored compressed, in half the memory, for a fifth more time)
    level = ["-O2", "-DCOLLAPSE"] if optimize else ["-O0"]
    built = subprocess.run([*cc, *level, "-w", "-DSAFETY", "-o", str(pan), "pan.c"], cwd=d,
                           capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        raise ModelError(f"building pan for {config.label()} failed: {built.stderr[-2000:]}")
    return pan


# the model's assertions (shm_signal.pml), in the spec's words (the first key found names it)
_MEANING = [
    ("remote_done[0]&&(seen[0]", "a lost wake-up on the group doorbell: nothing can move any more, and O "
                                 "sleeps on its doorbell with a channel's work not consumed"),
    ("s==s_issued", "the probe: O's load of the doorbell was satisfied after its pad0 stores became "
                    "visible and a ring landed (the model explores that reordering)"),
    ("remote_done[1]&&(seen[1]", "a lost wake-up: nothing can move any more, and O sleeps with its notifier "
                                 "short of R's last data, or with dirty or pending left set"),
    ("notes[o]<=(clears[o]+1)", "a notification sent while one was still pending"),
    ("calls_now[o]<=", "starvation: one wakeup called the notifier more often than its budget"),
    ("owner_done[1]", "a lost close: O never saw the remote's close"),
    ("seen[0]==", "a lost wake-up in the ping-pong: locality 0 never got its echo"),
]


def meaning(assertion: str) -> str:
    return next((text for key, text in _MEANING if key in assertion), assertion)


_ERRORS = re.compile(r"errors: (\d+)")
_STATES = re.compile(r"(\d+) states, stored")
_ASSERT = re.compile(r"assertion violated (.*?) \(at depth")


def check(config: Config, work: Path, timeout: float = 600.0, optimize: bool = False) -> Result:
    """Verify one configuration; a violation comes back with its trail rendered.
    ``optimize`` builds the verifier with -O2 and COLLAPSE: slower to build, faster and in
    half the memory on millions of states."""
    pan = build(config, work, optimize)
    d = pan.parent
    for old in d.glob("*.trail"):
        old.unlink()
    t0 = time.monotonic()
    run = subprocess.run([str(pan), f"-m{DEPTH}"], cwd=d, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - t0
    out = run.stdout
    errors, states = _ERRORS.search(out), _STATES.search(out)
    if errors is None or states is None:
        raise ModelError(f"pan for {config.label()} did not report a result: "
                         f"{out[-2000:]}{run.stderr[-500:]}")
    if "depth too small" in out or "max search depth too small" in out:
        raise ModelError(f"pan for {config.label()}: the search depth {DEPTH} is too small")
    res = Result(config, int(errors.group(1)) == 0, int(states.group(1)), seconds)
    if not res.ok:
        m = _ASSERT.search(out)
        res.violation = meaning(m.group(1)) if m else "invalid end state (a thread blocked where it may not)"
        replay = subprocess.run([spin_path(), "-t", *config.defines(), MODEL.name], cwd=d,
                                capture_output=True, text=True, timeout=120)
        res.steps = trail.render(replay.stdout, config.both, config.doorbell)
    return res
