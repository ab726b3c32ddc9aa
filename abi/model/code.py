"""The code against the model: do the engines' fused sequences (``shm_signal_atomic.c``,
spec 7.7) issue the fences the model needs, in the model's order?

The model's rule, as the machine code must show it: in every fused sequence, after
each store to a flag byte a full fence comes before the next load of a flag byte,
call or return (F1, F2, F3, F5, F6; F4 and the close in
``shm_signal_store_fence_load``), and in ``inject`` a barrier comes before the store
of ``dirty`` where the CPU needs one for a release (F0: none on x86).  The C file is
compiled to assembly for x86-64 (the machine's compiler) and AArch64 (``zig cc``), and
each function's instructions, in the order the compiler laid them out, become
events: ``S<offset>`` a byte store, ``L<offset>`` a byte load, ``F`` a full fence,
``C`` a call (or tail call), ``E`` a return.  The Python engine's fallback sequences
(``abi.engine.ordering``) are recorded as the same events by tests/test_model.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence

from abi.toolchain import find_c_compiler

FUNCTIONS = ("shm_signal_side_inject", "shm_signal_side_step", "shm_signal_side_announce_park",
             "shm_signal_store_fence_load")
ARCHES = ("x86_64", "aarch64")

# AT&T x86-64 as gcc writes it, and AArch64 as clang (zig cc) writes it
_X86 = [
    (re.compile(r"^\s*movb\s+[^,]+,\s*(-?\d*)\((%\w+)\)"), "S"),
    (re.compile(r"^\s*(?:movzbl|movzbw|movsbl|movb|cmpb|testb)\s+(-?\d*)\((%\w+)\)"), "L"),
    (re.compile(r"^\s*cmpb\s+\$?\w+,\s*(-?\d*)\((%\w+)\)"), "L"),
    (re.compile(r"^\s*(?:mfence|lock\b|xchg)"), "F"),
    (re.compile(r"^\s*call"), "C"),
    (re.compile(r"^\s*jmp\s+[A-Za-z_]"), "C"),  # a tail call (local labels start with .L)
    (re.compile(r"^\s*ret"), "E"),
]
_ARM = [
    (re.compile(r"^\s*strb\s+\w+,\s*\[\w+(?:,\s*#(\d+))?\]"), "S"),
    (re.compile(r"^\s*ldrb\s+\w+,\s*\[\w+(?:,\s*#(\d+))?\]"), "L"),
    (re.compile(r"^\s*dmb\s+(?:ish|sy)\s*$"), "F"),
    (re.compile(r"^\s*dmb\s+ishst\s*$"), "W"),  # orders stores only: a release for stores
    (re.compile(r"^\s*bl?\s+[A-Za-z_]"), "C"),  # a call, or a tail call
    (re.compile(r"^\s*ret"), "E"),
]


def functions(asm: str) -> Dict[str, List[str]]:
    """Each function's instruction lines, in layout order."""
    out: Dict[str, List[str]] = {}
    name = ""
    for line in asm.splitlines():
        m = re.match(r"^([A-Za-z_]\w*):", line)
        if m:
            name = m.group(1)
            out[name] = []
        elif name and line.startswith(("\t", " ")) and not line.strip().startswith((".", "//", "#", "@")):
            out[name].append(line)
    return out


def events(lines: Sequence[str], arch: str) -> List[str]:
    table = _X86 if arch == "x86_64" else _ARM
    ev: List[str] = []
    for line in lines:
        for pattern, kind in table:
            m = pattern.match(line)
            if m:
                if kind in ("S", "L"):
                    off = (m.group(1) or "0") if m.groups() else "0"
                    ev.append(f"{kind}{int(off or 0)}")
                else:
                    ev.append(kind)
                break
    return ev


def problems(name: str, ev: Sequence[str], release_is_free: bool) -> List[str]:
    """What the model's rule finds wrong in one function's events."""
    out: List[str] = []
    for i, e in enumerate(ev):
        if not e.startswith("S"):
            continue
        for later in ev[i + 1:]:
            if later == "F":
                break
            if later[0] in "LCE":
                out.append(f"{name}: the store {e} is followed by {later} with no full fence between "
                           "(spec 7: a store-then-load point)")
                break
    if name.endswith("inject") and not release_is_free:
        first = next((i for i, e in enumerate(ev) if e == "S2"), None)
        if first is None or not any(e in ("F", "W") for e in ev[:first]):
            out.append(f"{name}: no barrier before the store of dirty (F0, a release)")
    if not any(e.startswith("S") for e in ev):
        out.append(f"{name}: no byte store found (the pattern no longer matches the code)")
    return out


def compile_asm(arch: str, c_dir: Path, source: str = "shm_signal_atomic.c") -> str:
    """The assembly of one source of the C engine, -O2, for ``arch``."""
    src = c_dir / source
    with tempfile.TemporaryDirectory(prefix="shm-signal-asm-") as tmp:
        out = Path(tmp) / "out.s"  # zig cc takes "-o -" for a file named "-"
        if arch == "x86_64":
            cmd = [*find_c_compiler().argv, "-O2", "-g0", "-S", f"-I{c_dir}", str(src), "-o", str(out)]
        elif arch == "aarch64":
            cmd = [sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-linux-gnu", "-O2", "-g0", "-S",
                   f"-I{c_dir}", str(src), "-o", str(out)]
        else:
            raise ValueError(f"arch {arch!r}: one of {', '.join(ARCHES)}")
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if run.returncode != 0 or not out.exists():
            raise RuntimeError(f"compiling {src} for {arch} failed: {run.stderr[-2000:]}")
        return out.read_text()


def check_code(arch: str, c_dir: Path) -> Dict[str, List[str]]:
    """function -> what is wrong with it (empty: it meets the model)."""
    funcs = functions(compile_asm(arch, c_dir))
    out: Dict[str, List[str]] = {}
    for name in FUNCTIONS:
        if name not in funcs:
            out[name] = [f"{name}: not found in the {arch} assembly"]
            continue
        out[name] = problems(name, events(funcs[name], arch), release_is_free=arch == "x86_64")
    return out
