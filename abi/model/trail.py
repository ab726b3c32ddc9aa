"""A SPIN counterexample, told in the spec's terms.

The model prints one line per event while SPIN replays a trail (``spin -t``):
``@T # TEXT`` (thread T reached the spec step TEXT), ``@T S A V`` / ``@T B A V`` (a store
of V to byte A, straight to memory / into T's store buffer), ``@T C A V`` (T's buffered
store becomes visible), ``@T L A V`` / ``@T LB A V`` (a load, from memory / from T's own
store buffer), ``@T P`` / ``@T X`` (the park sleeps / returns at once: the word changed),
``@T R`` (the parked thread runs again), ``@T W O`` (a wake-up of owner O).  This
module numbers them and names the bytes.
"""

from __future__ import annotations

import re
from typing import List

_EVENT = re.compile(r"^\s*@(\d+) (\S+)(?: (.*))?$")
_FLAGS = ("enabled", "pending", "dirty", "waiting (pad0)")


def byte_name(addr: int) -> str:
    """The model's byte addresses (shm_signal.pml) in the spec's names."""
    if addr < 8:
        return f"irq[{addr // 4}].{_FLAGS[addr % 4]}"
    if addr < 10:
        return f"the data for locality {addr - 8}"
    return f"irq[{addr - 10}].state"


def thread_name(t: int, both: bool) -> str:
    if both:
        return f"side {t} (locality {t})"
    return "R (locality 0)" if t == 0 else "O (locality 1)"


def render(replay: str, both: bool = False) -> List[str]:
    """Numbered steps from the output of ``spin -t`` on the model."""
    steps: List[str] = []
    for line in replay.splitlines():
        m = _EVENT.match(line)
        if not m:
            continue
        t, kind, rest = int(m.group(1)), m.group(2), (m.group(3) or "").split()
        who = thread_name(t, both)
        if kind == "#":
            text = f"{who}: {m.group(3)}"
        elif kind in ("S", "B", "C", "L", "LB") and len(rest) == 2:
            name, value = byte_name(int(rest[0])), rest[1]
            text = {
                "S": f"{who} stores {name} = {value} (visible at once)",
                "B": f"{who} stores {name} = {value}, which waits in its store buffer",
                "C": f"memory: {who}'s store {name} = {value} becomes visible",
                "L": f"{who} loads {name}: {value}",
                "LB": f"{who} loads {name}: {value} (its own buffered store)",
            }[kind]
        elif kind == "P":
            text = f"{who} parks: the word still matches, it sleeps"
        elif kind == "X":
            text = f"{who} parks: the word changed, it returns at once"
        elif kind == "R":
            text = f"{who} runs again"
        elif kind == "W" and rest:
            text = f"{who} wakes owner {int(rest[0])}"
        else:
            text = f"{who}: {kind} {' '.join(rest)}"
        steps.append(f"{len(steps) + 1:3}. {text}")
    return steps
