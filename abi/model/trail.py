"""A SPIN counterexample, told in the spec's terms.

The model prints one line per event while SPIN replays a trail (``spin -t``):
``@T # TEXT`` (thread T reached the spec step TEXT), ``@T S A V`` / ``@T B A V`` (a store
of V to byte A, straight to memory / into T's store buffer), ``@T C A V`` (T's buffered
store becomes visible), ``@T L A V`` / ``@T LB A V`` (a load, from memory / from T's own
store buffer), ``@T P`` / ``@T X`` (the park sleeps / returns at once: the word changed),
``@T R`` (the parked thread runs again), ``@T W O`` (a wake-up of owner O); with the
group doorbell (7.8), ``@T A A V`` (an atomic add: byte A is now V), ``@T PD S`` / ``@T XD S``
(the park on the doorbell, expected value S, sleeps / returns at once) and ``@T WD`` (a
wake of every waiter on the doorbell).  This module numbers them and names the bytes.
"""

from __future__ import annotations

import re
from typing import List

_EVENT = re.compile(r"^\s*@(\d+) (\S+)(?: (.*))?$")
_FLAGS = ("enabled", "pending", "dirty", "waiting (pad0)")


def byte_name(addr: int, doorbell: bool = False) -> str:
    """The model's byte addresses (shm_signal.pml) in the spec's names."""
    if addr == 12:
        return "O's doorbell"
    if doorbell and addr < 8:  # records 0 and 1 are O's in channels 0 and 1
        return f"channel {addr // 4}: O's {_FLAGS[addr % 4]}"
    if doorbell and addr < 10:
        return f"the data for channel {addr - 8}"
    if addr < 8:
        return f"irq[{addr // 4}].{_FLAGS[addr % 4]}"
    if addr < 10:
        return f"the data for locality {addr - 8}"
    return f"irq[{addr - 10}].state"


def thread_name(t: int, both: bool, doorbell: bool = False) -> str:
    if doorbell:
        return ("R1 (channel 0)", "O (waits on both)", "R2 (channel 1)")[t]
    if both:
        return f"side {t} (locality {t})"
    return "R (locality 0)" if t == 0 else "O (locality 1)"


def render(replay: str, both: bool = False, doorbell: bool = False) -> List[str]:
    """Numbered steps from the output of ``spin -t`` on the model."""
    steps: List[str] = []
    for line in replay.splitlines():
        m = _EVENT.match(line)
        if not m:
            continue
        t, kind, rest = int(m.group(1)), m.group(2), (m.group(3) or "").split()
        who = thread_name(t, both, doorbell)
        if kind == "#":
            text = f"{who}: {m.group(3)}"
        elif kind in ("S", "B", "C", "L", "LB", "A") and len(rest) == 2:
            name, value = byte_name(int(rest[0]), doorbell), rest[1]
            text = {
                "S": f"{who} stores {name} = {value} (visible at once)",
                "B": f"{who} stores {name} = {value}, which waits in its store buffer",
                "C": f"memory: {who}'s store {name} = {value} becomes visible",
                "L": f"{who} loads {name}: {value}",
                "LB": f"{who} loads {name}: {value} (its own buffered store)",
                "A": f"{who} adds 1 to {name} atomically: now {value}",
            }[kind]
        elif kind == "P":
            text = f"{who} parks: the word still matches, it sleeps"
        elif kind == "X":
            text = f"{who} parks: the word changed, it returns at once"
        elif kind == "PD" and rest:
            text = f"{who} parks on its doorbell, expecting {rest[0]}: the doorbell still holds it, it sleeps"
        elif kind == "XD" and rest:
            text = f"{who} parks on its doorbell, expecting {rest[0]}: it changed, it returns at once"
        elif kind == "R":
            text = f"{who} runs again"
        elif kind == "W" and rest and doorbell:
            text = f"{who} wakes O on channel {int(rest[0])}'s wait word"
        elif kind == "W" and rest:
            text = f"{who} wakes owner {int(rest[0])}"
        elif kind == "WD":
            text = f"{who} wakes every waiter on O's doorbell"
        else:
            text = f"{who}: {kind} {' '.join(rest)}"
        steps.append(f"{len(steps) + 1:3}. {text}")
    return steps
