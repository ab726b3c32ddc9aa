"""The platform matrix's shared vocabulary: a target's result, the skip signal, the
layout under test, and the context every check of one run shares.

:class:`TargetResult` is what a check fills in and what the report renders;
:class:`Skip` is raised by a check that cannot run here (its message says why);
:func:`load_layout` loads the ``STRUCTS`` under test (the default is
``abi.layout.STRUCTS``); :class:`Context` carries the header, the layout, the cache
and what executed targets leave for later ones (probe outputs, byte images).
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Type

from abi import layout
from abi.verify.matrix.cache import Cache
from abi.verify.platforms import Target

Structs = Sequence[Type[ctypes.Structure]]
Log = Callable[[str], None]
HEADER = "shm_signal.h"


# --------------------------------------------------------------------------
# Results


@dataclass
class TargetResult:
    target: Target
    status: str  # "match" | "mismatch" | "skipped" | "error" (its tools failed: no verdict)
    reason: str = ""  # why skipped, or a one-line summary of the mismatch
    compiler: str = ""
    structs: Dict[str, str] = field(default_factory=dict)  # c_name -> match/MISMATCH/skipped/ERROR
    differences: List[str] = field(default_factory=list)  # one line each
    mismatches: List[str] = field(default_factory=list)  # struct.member where a difference starts
    checked: List[str] = field(default_factory=list)  # what was done: "compile-time", "executed"
    images: Dict[str, str] = field(default_factory=dict)  # c_name -> hex, executed targets
    # a user's structures: c_name -> {"binding": ..., "wire": ...} (match/MISMATCH/not modelled)
    verdicts: Dict[str, Dict[str, str]] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)  # said, but no difference (why not modelled)
    seconds: float = 0.0
    cached: bool = False

    def differ(self, verdict: str, name: str, what: str, c_value: Optional[object], py_value: object) -> None:
        """One difference of one verdict of a user's structure ("binding" or "wire");
        ``name`` is the structure or ``struct.member``."""
        t = self.target.name
        c = c_value if c_value is not None else f"not {py_value}"
        if verdict == "wire":
            self.differences.append(f"wire: {what}: {c} on {t}, ctypes says {py_value} here")
        else:
            self.differences.append(f"binding: {what}: {c} in {t}'s C, {py_value} in {t}'s ctypes")
        struct = name.split(".")[0]
        self.verdicts.setdefault(struct, {})[verdict] = "MISMATCH"
        self.structs[struct] = "MISMATCH"
        if "." in name and name not in self.mismatches:
            self.mismatches.append(name)

    def to_json(self) -> Dict[str, object]:
        t = self.target
        return {"target": t.name, "os": t.os, "arch": t.arch, "mode": t.json_mode,
                "status": self.status, "reason": self.reason, "how": t.how,
                "abi": t.abi, "word_bits": t.word_bits, "byte_order": t.byte_order,
                "compiler": self.compiler, "checked": self.checked, "structs": self.structs,
                "mismatches": self.mismatches, "differences": self.differences,
                **({"verdicts": self.verdicts, "notes": self.notes} if self.verdicts else {}),
                "seconds": round(self.seconds, 2), "cached": self.cached}


class Skip(Exception):
    """The target cannot be checked here; the message says why."""


# --------------------------------------------------------------------------
# Loading a layout under test (the default is abi.layout.STRUCTS)


def load_layout(path: Optional[Path]) -> Structs:
    """``STRUCTS`` of the Python file at ``path``, or the ABI's own."""
    if path is None:
        return layout.STRUCTS
    spec = importlib.util.spec_from_file_location(f"shm_signal_layout_{uuid.uuid4().hex}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path} as a Python module")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    structs = getattr(mod, "STRUCTS", None)
    if not structs:
        raise ValueError(f"{path} defines no STRUCTS sequence")
    return tuple(structs)


# --------------------------------------------------------------------------
# What the checks of one run share


@dataclass
class Context:
    header_dir: Path
    structs: Structs
    layout_file: Optional[Path]
    cache: Cache
    log: Log
    # A user's header (file name in header_dir) and structures: the binding and wire
    # verdicts (abi.verify.matrix.user); HEADER is the project's own, with every check.
    header: str = HEADER
    user: bool = False  # a user's structures (even of our own header): the binding and wire verdicts
    images: Dict[str, Dict[str, str]] = field(default_factory=dict)  # target -> images
    probe_outputs: Dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
